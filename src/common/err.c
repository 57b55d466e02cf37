#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>

void pg_err_set(struct pg_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

bool pg_err_is_set(const struct pg_err *err)
{
	return err && err->msg[0];
}

void pg_err_clear(struct pg_err *err)
{
	if (err)
		err->msg[0] = '\0';
}
