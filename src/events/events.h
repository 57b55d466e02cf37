/* HTTP requests and responses carried in Lambda events.
 *
 * An HTTP request reaches a Lambda function in one of four event shapes:
 * API Gateway REST (payload format 1.0), API Gateway HTTP API (payload
 * format 2.0), a Lambda Function URL (the 2.0 shape) and an Application
 * Load Balancer target group. pg_http_request_decode detects the shape from
 * the event itself and decodes it into one struct pg_http_request, and
 * pg_http_response_encode writes a struct pg_http_response back in the
 * shape the same caller expects.
 *
 * Events that are not HTTP requests (direct invocations, SNS, SQS and other
 * record batches) give PG_EVENT_UNSUPPORTED with a sentence that describes
 * the event. The api function answers them with a 400 response
 * in the 1.0 shape ({"statusCode": 400, "body": "{\"error\": ...}"}), so a
 * caller that invokes it directly reads the reason in the payload; nothing
 * crashes and no invocation error is raised.
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

/* The event shape a request arrived in, which is also the shape its
 * response is encoded in. */
enum pg_event_kind {
	PG_EVENT_APIGW_V1,    /* API Gateway REST proxy, payload format 1.0 */
	PG_EVENT_APIGW_V2,    /* API Gateway HTTP API, payload format 2.0 */
	PG_EVENT_FUNCTION_URL, /* Lambda Function URL (the 2.0 shape) */
	PG_EVENT_ALB,         /* ALB target group, single-value headers */
	PG_EVENT_ALB_MULTI_VALUE, /* ALB target group, multi-value headers on */
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
 * holds a reference to, and stays valid until pg_http_request_release.
 * Owned copies are made only where the event's text cannot be used as it
 * is: a base64 body, and the query parameters of ALB events and of
 * rawQueryString, which arrive percent-encoded. Absent or null values are
 * "" (never NULL), and absent or null maps are empty.
 *
 * Where each field comes from:
 *
 * | field      | 1.0             | 2.0 and Function URL   | ALB              |
 * | method     | httpMethod      | requestContext.http.method | httpMethod   |
 * | path       | path            | rawPath, minus "/<stage>" | path          |
 * | source_ip  | requestContext.identity.sourceIp | requestContext.http.sourceIp | last X-Forwarded-For entry |
 * | request_id | requestContext.requestId | requestContext.requestId | X-Amzn-Trace-Id |
 * | stage      | requestContext.stage | requestContext.stage | "" |
 *
 * The 2.0 rawPath keeps the client's percent escapes; the 1.0 and ALB path
 * is decoded by API Gateway or sent as the client wrote it. */
struct pg_http_request {
	enum pg_event_kind kind;
	const char *method;     /* "POST", as the event spells it */
	const char *path;       /* "/contact": the resource path, no stage */
	const char *source_ip;  /* opaque: the console sends "test-invoke-source-ip" */
	const char *request_id;
	const char *stage;
	const char *raw_query;  /* 2.0 rawQueryString, else "" */
	const char *body;       /* body_len bytes, may contain NUL; NUL-terminated */
	size_t body_len;
	bool body_was_base64;   /* isBase64Encoded was true and body is decoded */
	bool text_replaced;     /* the event was not valid UTF-8 (or had lone
				 * surrogate escapes) and was read with U+FFFD
				 * in place of each invalid sequence */

	/* Private: read them through the functions below. */
	json_t *root;
	json_t *headers;             /* object of strings, or NULL */
	json_t *multi_headers;       /* object of string arrays, or NULL */
	json_t *query;               /* object of strings, or NULL */
	json_t *multi_query;         /* object of string arrays, or NULL */
	json_t *cookies;             /* 2.0 "cookies" array, or NULL */
	json_t *owned_query;         /* decoded query map that multi_query
				      * points to, or NULL */
	struct pg_buf decoded_body;
};

/* Prepares req so that pg_http_request_release is safe on any path. */
void pg_http_request_init(struct pg_http_request *req);

/* Decodes payload (payload_len bytes of event JSON) into req, which must be
 * initialised. The shape is detected from the event:
 *
 * - requestContext.elb present: ALB; multi-value mode when the event has
 *   a multiValueHeaders or multiValueQueryStringParameters object.
 * - version "2.0": Function URL when requestContext.domainName contains
 *   ".lambda-url." or routeKey is absent, API Gateway HTTP API otherwise.
 *   Both send routeKey and stage "$default", so the domain is the only
 *   reliable sign.
 * - httpMethod present (version absent or "1.0"): API Gateway REST.
 * - anything else: PG_EVENT_UNSUPPORTED.
 *
 * A body longer than max_body_bytes after base64 decoding gives
 * PG_EVENT_BODY_TOO_LARGE (0 means no limit). A body flagged as base64 that
 * does not decode gives PG_EVENT_INVALID_BASE64: the raw text is never used
 * as the body. Header and query values that are not strings (hand-written
 * events carry numbers) or contain a NUL byte are ignored by the lookups,
 * and bytes that are not UTF-8 are read as U+FFFD (see text_replaced), so
 * an odd header never fails a request. A method or path with a NUL byte is
 * rejected. On failure err names the field. */
__attribute__((warn_unused_result))
enum pg_event_error pg_http_request_decode(struct pg_http_request *req,
					   const char *payload,
					   size_t payload_len,
					   size_t max_body_bytes,
					   struct pg_err *err);

/* Drops the JSON tree and the owned copies; safe to call twice. */
void pg_http_request_release(struct pg_http_request *req);

/* Header lookup, case-insensitive on the name. multiValueHeaders is read
 * first and headers only when the name is not there, because API Gateway
 * puts only the last value of a repeated header into headers. In the 2.0
 * shape a repeated header arrives as one value joined by commas, and it is
 * returned as that one value.
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
 * as the header functions (multiValueQueryStringParameters first).
 *
 * Every value is decoded exactly once. API Gateway 1.0 already decodes its
 * maps, so they are used as they are. The 2.0 rawQueryString and the ALB
 * maps arrive percent-encoded and are decoded here: "%XX" becomes the byte,
 * "+" a space (as HTML forms encode a query), a "%" without two hex digits
 * stays as it is, and a decoded value that is not UTF-8 or holds a NUL byte
 * has those bytes replaced by U+FFFD. For 2.0 events, the repeated values
 * come from rawQueryString, because queryStringParameters joins them with
 * commas and cannot be split again. */
const char *pg_http_request_query(const struct pg_http_request *req,
				  const char *name);
size_t pg_http_request_query_values(const struct pg_http_request *req,
				    const char *name, const char **values,
				    size_t max);

/* One cookie of a request: borrowed views into the event, valid until
 * pg_http_request_release, not NUL-terminated. Values are as the client
 * sent them: percent escapes and quotes are the application's business. */
struct pg_http_cookie {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* The number of cookie pairs read from one request. Browsers send at most
 * about 180 cookies for one site (Chrome's per-domain limit). */
#define PG_HTTP_COOKIES_MAX 256

/* Stores the request's effective cookies, in order, into cookies (at most
 * max) and returns how many were stored. The list is the 2.0 "cookies"
 * array followed by the pairs of every Cookie header, split at ';' with
 * blanks trimmed. A Function URL sends the same cookies in both, so a pair
 * equal in name and value to an earlier one is left out. A pair without
 * '=' is a cookie with an empty name, as browsers treat it, and empty pairs
 * are skipped. At most PG_HTTP_COOKIES_MAX pairs are read; later ones are
 * ignored. */
size_t pg_http_request_cookies(const struct pg_http_request *req,
			       struct pg_http_cookie *cookies, size_t max);
/* Finds the first effective cookie called name (case-sensitive, as cookie
 * names are). Returns true and fills out, or false. */
bool pg_http_request_cookie(const struct pg_http_request *req,
			    const char *name, struct pg_http_cookie *out);
/* Appends the effective cookies to out as one Cookie header value,
 * "a=1; b=2". Returns the number of cookies, or -1 when out's maximum would
 * be passed. */
__attribute__((warn_unused_result))
int pg_http_request_cookie_header(const struct pg_http_request *req,
				  struct pg_buf *out);

/* One response header; name and value are owned by the response. */
struct pg_http_header {
	char *name;
	char *value;
};

/* An HTTP response to encode into the JSON that the event's sender expects.
 * headers[] contains one entry per value, so a name may appear several times
 * (Set-Cookie). */
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

/* Appends the response, in the shape events of kind expect, to out:
 *
 * - APIGW_V1: {"statusCode", "headers", "multiValueHeaders", "body",
 *   "isBase64Encoded"}. A name with one value goes into "headers" and a
 *   name with several into "multiValueHeaders" (present only then), so
 *   every header appears in exactly one of them.
 * - APIGW_V2, FUNCTION_URL: {"statusCode", "headers", "cookies", "body",
 *   "isBase64Encoded"}. Each Set-Cookie value becomes one "cookies" entry
 *   (present only then). Other repeated names are joined with ", ".
 * - ALB: {"statusCode", "statusDescription" ("200 OK"), "headers", "body",
 *   "isBase64Encoded"}, repeated names joined with ", ", except Set-Cookie,
 *   which keeps only its last value because a single-value response cannot
 *   carry two.
 * - ALB_MULTI_VALUE: as ALB, but every header goes into
 *   "multiValueHeaders", because a target group with multi-value headers
 *   on reads only that map.
 *
 * A body that is not valid UTF-8 is base64-encoded even when body_base64 is
 * false, because JSON strings cannot carry it. Returns 0, or -1 with err
 * set when out's maximum would be passed or a header is not valid UTF-8. */
__attribute__((warn_unused_result))
int pg_http_response_encode(const struct pg_http_response *resp,
			    enum pg_event_kind kind, struct pg_buf *out,
			    struct pg_err *err);

/* Returns the reason phrase of an HTTP status code ("Not Found"), or "" for
 * a code that RFC 9110 does not name. */
const char *pg_http_status_reason(int status);

#endif
