/* Helpers shared by the files of the events layer; not a public API. */
#ifndef PG_EVENTS_INTERNAL_H
#define PG_EVENTS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "events/events.h"

/* Copies JSON text to out with every invalid UTF-8 sequence replaced by
 * U+FFFD, and every \u escape of a lone UTF-16 surrogate inside a string
 * replaced by \uFFFD, so that jansson accepts text it would reject only for
 * its encoding. Returns true when something was replaced; out then holds
 * the repaired text. */
bool pg_events_repair_json_text(const char *text, size_t len,
				struct pg_buf *out);

/* Appends s to out with every invalid UTF-8 sequence and every NUL byte
 * replaced by U+FFFD. */
void pg_events_append_text(struct pg_buf *out, const char *s, size_t len);

/* Builds an object of string arrays from a percent-encoded query string
 * ("a=1&a=2&b"), decoding each name and value once. Returns a new
 * reference. */
json_t *pg_events_query_from_raw(const char *raw, size_t len);

/* Builds an object of string arrays from an ALB query map whose names and
 * values are still percent-encoded: multi holds arrays of strings, single
 * plain strings, and multi wins when both are given. Returns a new
 * reference, or NULL when both are NULL. */
json_t *pg_events_query_from_encoded_maps(json_t *multi, json_t *single);

/* Calls visit for each value of the header name, in lookup order (see
 * pg_http_request_header_values). */
void pg_events_header_visit(const struct pg_http_request *req,
			    const char *name,
			    void (*visit)(void *ctx, const char *value),
			    void *ctx);

#endif
