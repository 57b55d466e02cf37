/* A caller-supplied error message: the first failure's sentence is kept so
 * that the root cause is not overwritten by the failures it causes. */
#ifndef PG_ERR_H
#define PG_ERR_H

#include <stdbool.h>

#define PG_ERR_MAX 512

struct pg_err {
	char msg[PG_ERR_MAX];
};

/* Formats a message into err unless err is NULL or already holds one. */
void pg_err_set(struct pg_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool pg_err_is_set(const struct pg_err *err);
void pg_err_clear(struct pg_err *err);

#endif
