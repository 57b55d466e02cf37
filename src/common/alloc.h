/* Allocation wrappers with one out-of-memory policy: abort.
 *
 * A Lambda function that cannot allocate a few kilobytes cannot do anything
 * useful; Lambda restarts the process and retries the invocation. Aborting in
 * one place keeps every caller free of untested NULL paths. The NULL results
 * of jansson, libcurl and SQLite are still checked where they are called. */
#ifndef PG_ALLOC_H
#define PG_ALLOC_H

#include <stddef.h>

void *pg_malloc(size_t size);
void *pg_calloc(size_t count, size_t size);
void *pg_realloc(void *ptr, size_t size);
/* Returns a NUL-terminated copy of s (NULL gives NULL); free with free(). */
char *pg_strdup(const char *s);
/* Returns a NUL-terminated copy of the first len bytes of s; free with free(). */
char *pg_strndup(const char *s, size_t len);

#endif
