#include "common/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die_out_of_memory(size_t size)
{
	fprintf(stderr, "pigeon: out of memory allocating %zu bytes\n", size);
	abort();
}

void *pg_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		die_out_of_memory(size);
	return p;
}

void *pg_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (!p)
		die_out_of_memory(count * size);
	return p;
}

void *pg_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		die_out_of_memory(size);
	return p;
}

char *pg_strdup(const char *s)
{
	if (!s)
		return NULL;
	return pg_strndup(s, strlen(s));
}

char *pg_strndup(const char *s, size_t len)
{
	char *copy = pg_malloc(len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}
