/* HTTP requests and responses carried in Lambda events.
 *
 * An event from API Gateway (and later from a Function URL or an ALB) is
 * decoded into one struct pg_http_request, whatever its format, and a
 * struct pg_http_response is encoded back into the JSON that the same
 * caller expects. Only the API Gateway REST proxy format (payload version
 * 1.0) is implemented so far; enum pg_event_kind names the others so that a
 * request records which source sent it once they are added.
 *
 * Nothing here logs. Errors are returned as an enum pg_event_error plus one
 * sentence in the caller's struct pg_err. */
#ifndef PG_EVENTS_H
#define PG_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"

enum pg_event_kind {
	PG_EVENT_APIGW_V1, /* API Gateway REST API proxy, payload version 1.0 */
	/* TODO: API Gateway HTTP API payload 2.0, Function URL and ALB events
	 * are not decoded yet; pg_http_request_decode rejects them. */
};

/* Error codes with their English text, from one table. */
#define PG_EVENT_ERROR_MAP(X)                                            \
	X(PG_EVENT_OK, "success")                                        \
	X(PG_EVENT_INVALID_JSON, "the event is not valid JSON")          \
	X(PG_EVENT_UNSUPPORTED, "the event is not an HTTP request event") \
	X(PG_EVENT_INVALID_FIELD, "an event field has the wrong type")    \
	X(PG_EVENT_INVALID_BASE64, "the body is not valid base64")        \
	X(PG_EVENT_BODY_TOO_LARGE, "the body is too large")

enum pg_event_error {
#define PG_EVENT_ERROR_ENUM(code, text) code,
	PG_EVENT_ERROR_MAP(PG_EVENT_ERROR_ENUM)
#undef PG_EVENT_ERROR_ENUM
};

/* Returns the English text of code; never NULL. */
const char *pg_event_error_text(enum pg_event_error code);

/* A decoded HTTP request.
 *
 * Every string is borrowed from the event's JSON tree, which the request
 * holds a reference to, and stays valid until pg_http_request_release. The
 * only owned copy is the body when it had to be base64-decoded. Absent or
 * null values are "" (never NULL), and absent or null maps are empty. */
struct pg_http_request {
	enum pg_event_kind kind;
	const char *method;     /* "POST", as the event spells it */
	const char *path;       /* "/contact": the resource path, no stage */
	const char *source_ip;  /* opaque: the console sends "test-invoke-source-ip" */
	const char *request_id; /* requestContext.requestId */
	const char *stage;      /* requestContext.stage */
	const char *body;       /* body_len bytes, may contain NUL; NUL-terminated */
	size_t body_len;
	bool body_was_base64;   /* isBase64Encoded was true and body is decoded */

	/* Private: read them through the functions below. */
	json_t *root;
	json_t *headers;             /* object of strings, or NULL */
	json_t *multi_headers;       /* object of string arrays, or NULL */
	json_t *query;               /* object of strings, or NULL */
	json_t *multi_query;         /* object of string arrays, or NULL */
	struct pg_buf decoded_body;
};

/* Prepares req so that pg_http_request_release is safe on any path. */
void pg_http_request_init(struct pg_http_request *req);

/* Decodes payload (payload_len bytes of event JSON) into req, which must be
 * initialised. A body longer than max_body_bytes after base64 decoding gives
 * PG_EVENT_BODY_TOO_LARGE (0 means no limit). A body flagged as base64 that
 * does not decode gives PG_EVENT_INVALID_BASE64: the raw text is never used
 * as the body. Header and query values that are not strings (hand-written
 * events carry numbers) are ignored. A string containing a NUL byte is
 * rejected everywhere except in the body. On failure err names the field. */
__attribute__((warn_unused_result))
enum pg_event_error pg_http_request_decode(struct pg_http_request *req,
					   const char *payload,
					   size_t payload_len,
					   size_t max_body_bytes,
					   struct pg_err *err);

/* Drops the JSON tree and the decoded body; safe to call twice. */
void pg_http_request_release(struct pg_http_request *req);

/* Header lookup, case-insensitive on the name. multiValueHeaders is read
 * first and headers only when the name is not there, because API Gateway
 * puts only the last value of a repeated header into headers.
 *
 * pg_http_request_header returns the last value, or NULL when the header is
 * absent. pg_http_request_header_values stores up to max borrowed values in
 * order and returns how many the header has (which may exceed max). */
const char *pg_http_request_header(const struct pg_http_request *req,
				   const char *name);
size_t pg_http_request_header_values(const struct pg_http_request *req,
				     const char *name, const char **values,
				     size_t max);
/* Appends every value of the header to out, joined by ", ". Returns the
 * number of values, or -1 when out's maximum would be passed. */
__attribute__((warn_unused_result))
int pg_http_request_header_join(const struct pg_http_request *req,
				const char *name, struct pg_buf *out);

/* Query parameter lookup, case-sensitive on the name, with the same rules
 * as the header functions (multiValueQueryStringParameters first). */
const char *pg_http_request_query(const struct pg_http_request *req,
				  const char *name);
size_t pg_http_request_query_values(const struct pg_http_request *req,
				    const char *name, const char **values,
				    size_t max);

/* One response header; name and value are owned by the response. */
struct pg_http_header {
	char *name;
	char *value;
};

/* An HTTP response to encode into the JSON a Lambda proxy integration expects.
 *
 * A header name appears once in headers[] per value. Names with one value
 * are encoded into "headers" and names with several into
 * "multiValueHeaders", so that every header appears in exactly one place. */
struct pg_http_response {
	int status;
	struct pg_http_header *headers;
	size_t header_count;
	size_t header_cap;
	struct pg_buf body;  /* bytes; may be binary when body_base64 is set */
	bool body_base64;    /* encode body as base64 and set isBase64Encoded */
};

/* Sets status 200, no headers and an empty body of at most max_body_bytes
 * (0 means no limit). */
void pg_http_response_init(struct pg_http_response *resp,
			   size_t max_body_bytes);
/* Frees headers and body; safe to call twice. */
void pg_http_response_release(struct pg_http_response *resp);

/* Replaces every value of the header name (case-insensitive) by value.
 * Both strings are copied. */
void pg_http_response_set_header(struct pg_http_response *resp,
				 const char *name, const char *value);
/* Adds one more value for name (for headers such as Set-Cookie). */
void pg_http_response_add_header(struct pg_http_response *resp,
				 const char *name, const char *value);
/* Returns the last value of name, or NULL. */
const char *pg_http_response_header(const struct pg_http_response *resp,
				    const char *name);

/* Appends the response, in the format events of kind expect, to out:
 * {"statusCode", "headers", "multiValueHeaders" (only when a header has
 * several values), "body", "isBase64Encoded"}. A body that is not valid
 * UTF-8 is base64-encoded even when body_base64 is false, because JSON
 * strings cannot carry it. Returns 0, or -1 with err set when out's maximum
 * would be passed or a header is not valid UTF-8. */
__attribute__((warn_unused_result))
int pg_http_response_encode(const struct pg_http_response *resp,
			    enum pg_event_kind kind, struct pg_buf *out,
			    struct pg_err *err);

#endif
