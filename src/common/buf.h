/* A growable byte buffer with a maximum size.
 *
 * The buffer owns data; pg_buf_release frees it and may be called twice.
 * data is always NUL-terminated after a successful append (the terminator is
 * not counted in len), so text can be passed to C string functions; binary
 * content may contain NUL bytes, so use len for its size. */
#ifndef PG_BUF_H
#define PG_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct pg_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max_bytes; /* appends that would pass this fail; 0 means SIZE_MAX */
};

void pg_buf_init(struct pg_buf *buf, size_t max_bytes);
void pg_buf_release(struct pg_buf *buf);
/* Empties the buffer and keeps its storage. */
void pg_buf_reset(struct pg_buf *buf);

/* Appends return 0, or -1 when the result would exceed max_bytes (the buffer
 * is then unchanged). Memory exhaustion aborts, see common/alloc.h. */
__attribute__((warn_unused_result))
int pg_buf_append(struct pg_buf *buf, const void *data, size_t len);
__attribute__((warn_unused_result))
int pg_buf_append_str(struct pg_buf *buf, const char *s);
__attribute__((warn_unused_result, format(printf, 2, 3)))
int pg_buf_appendf(struct pg_buf *buf, const char *fmt, ...);
/* Makes room for len more bytes without changing len. */
__attribute__((warn_unused_result))
int pg_buf_reserve(struct pg_buf *buf, size_t len);

/* Moves the content out: the caller frees the returned string with free(),
 * and the buffer is left empty. Never returns NULL. */
char *pg_buf_detach(struct pg_buf *buf, size_t *len_out);

#endif
