#include "common/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void pg_buf_init(struct pg_buf *buf, size_t max_bytes)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->max_bytes = max_bytes ? max_bytes : SIZE_MAX - 1;
}

void pg_buf_release(struct pg_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void pg_buf_reset(struct pg_buf *buf)
{
	buf->len = 0;
	if (buf->data)
		buf->data[0] = '\0';
}

int pg_buf_reserve(struct pg_buf *buf, size_t len)
{
	size_t need;
	size_t cap;

	if (len > buf->max_bytes - buf->len)
		return -1;
	need = buf->len + len + 1;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	buf->data = pg_realloc(buf->data, cap);
	buf->cap = cap;
	return 0;
}

int pg_buf_append(struct pg_buf *buf, const void *data, size_t len)
{
	if (pg_buf_reserve(buf, len) < 0)
		return -1;
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int pg_buf_append_str(struct pg_buf *buf, const char *s)
{
	return pg_buf_append(buf, s, strlen(s));
}

int pg_buf_appendf(struct pg_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || pg_buf_reserve(buf, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	return 0;
}

char *pg_buf_detach(struct pg_buf *buf, size_t *len_out)
{
	char *data = buf->data ? buf->data : pg_strdup("");

	if (len_out)
		*len_out = buf->len;
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return data;
}
