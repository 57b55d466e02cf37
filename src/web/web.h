/* The web layer: routing, CORS, body parsers and the contact form.
 *
 * A struct pg_router maps "METHOD /path" to an action. Unknown paths get
 * 404, a known path with another method gets 405 with an Allow header, and
 * OPTIONS on a known path gets the CORS preflight response. Every response
 * carries Access-Control-Allow-Origin exactly once.
 *
 * Errors are JSON: {"error": "<sentence naming the first field and rule>",
 * "fields": {"<field>": "<rule>", ...}}, where "fields" is present only when
 * fields failed validation.
 *
 * Nothing here logs: the cause of a 5xx response is handed to the caller,
 * which logs it. */
#ifndef PG_WEB_H
#define PG_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws.h"
#include "common/buf.h"
#include "common/err.h"
#include "events/events.h"

/* ---- Client errors ---------------------------------------------------- */

#define PG_PROBLEM_MAX_FIELDS 8

/* A 4xx response being built: a status, the "error" sentence and one message
 * per failed field. Only the first message of each field is kept. */
struct pg_problem {
	int status; /* 0 while nothing failed */
	struct pg_err error;
	size_t field_count;
	struct {
		char name[64];
		char message[192];
	} fields[PG_PROBLEM_MAX_FIELDS];
};

void pg_problem_init(struct pg_problem *problem);
bool pg_problem_is_set(const struct pg_problem *problem);
/* Records that field failed with message (a rule such as "longer than 200
 * characters"), with status 400 unless a status is already set. The first
 * field's "<field>: <message>" becomes the error sentence. */
void pg_problem_field(struct pg_problem *problem, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records a failure that concerns the request as a whole. */
void pg_problem_set(struct pg_problem *problem, int status, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
/* Writes problem as the JSON error response into resp. */
void pg_problem_respond(const struct pg_problem *problem,
			struct pg_http_response *resp);

/* Replaces resp's body by {"<key>": "<text>"} with a JSON Content-Type. */
void pg_respond_json_text(struct pg_http_response *resp, int status,
			  const char *key, const char *text);
/* Answers {"error": message} with status. */
void pg_respond_error(struct pg_http_response *resp, int status,
		      const char *message);

/* ---- Router ----------------------------------------------------------- */

#define PG_ROUTER_MAX_ROUTES 16
#define PG_ROUTE_METHOD_MAX 16
#define PG_ROUTE_PATH_MAX 128
/* The preflight's Access-Control-Max-Age in seconds. Chromium caps the
 * value at 7200 anyway. */
#define PG_CORS_MAX_AGE_SECONDS 7200
#define PG_CORS_DEFAULT_ORIGIN "*"

/* An action fills resp. For an error response it also sets cause, a sentence
 * for the log that may name internal details the client must not see. */
typedef void (*pg_route_fn)(const struct pg_http_request *req,
			    struct pg_http_response *resp,
			    struct pg_err *cause, void *data);

struct pg_route {
	char method[PG_ROUTE_METHOD_MAX];
	char path[PG_ROUTE_PATH_MAX];
	pg_route_fn action;
	void *data;
};

struct pg_router {
	struct pg_route routes[PG_ROUTER_MAX_ROUTES];
	size_t route_count;
	const char *allow_origin; /* borrowed; outlives the router */
};

/* Prepares an empty router whose responses carry allow_origin in
 * Access-Control-Allow-Origin; NULL means PG_CORS_DEFAULT_ORIGIN ("*"). */
void pg_router_init(struct pg_router *router, const char *allow_origin);
/* Adds route, written "METHOD /path" ("POST /contact"); paths match
 * exactly and methods case-sensitively. data is passed to action. Returns
 * 0, or -1 with err set when the table is full or route is malformed. */
__attribute__((warn_unused_result))
int pg_router_add(struct pg_router *router, const char *route,
		  pg_route_fn action, void *data, struct pg_err *err);
/* Runs the action for req, or itself returns 404, 405 or the preflight,
 * then calls pg_router_set_cors. cause is set for error responses. */
void pg_router_dispatch(const struct pg_router *router,
			const struct pg_http_request *req,
			struct pg_http_response *resp, struct pg_err *cause);
/* Sets Access-Control-Allow-Origin (replacing any value, so it appears
 * once) and, for an origin other than "*", Vary: Origin. */
void pg_router_set_cors(const struct pg_router *router,
			struct pg_http_response *resp);

/* ---- application/x-www-form-urlencoded --------------------------------- */

/* More fields than this are rejected: a contact form has four. */
#define PG_FORM_MAX_FIELDS 64

struct pg_form_field {
	char *name;  /* owned, NUL-terminated, valid UTF-8 */
	size_t name_len;
	char *value; /* owned, NUL-terminated, valid UTF-8; may contain NUL */
	size_t value_len;
};

/* Decoded fields in body order; the form owns them. */
struct pg_form {
	struct pg_form_field *fields;
	size_t count;
};

void pg_form_init(struct pg_form *form);
void pg_form_release(struct pg_form *form);

/* Decodes a urlencoded body as HTML forms send it: '&' separates fields,
 * '+' is a space, %XX is a byte (so %2B is a plus sign), a field without
 * '=' has an empty value and empty segments ("a=1&&b=2") are skipped.
 * A malformed escape (%zz or a '%' with fewer than two hex digits after
 * it) or a name or value that is not UTF-8 after decoding fails the whole
 * body: returns -1 with problem naming the field (400). */
__attribute__((warn_unused_result))
int pg_form_parse(struct pg_form *form, const char *body, size_t len,
		  struct pg_problem *problem);

/* ---- Media types ----------------------------------------------------- */

/* Tells whether content_type names media_type, ignoring case, parameters
 * (such as "; charset=UTF-8", with or without spaces) and surrounding
 * spaces. */
bool pg_media_type_is(const char *content_type, const char *media_type);

/* ---- The contact form -------------------------------------------------- */

enum pg_contact_field {
	PG_CONTACT_SOURCE,
	PG_CONTACT_NAME,
	PG_CONTACT_EMAIL,
	PG_CONTACT_DESCRIPTION,
	PG_CONTACT_FIELD_COUNT,
};

/* Default caps in Unicode code points. */
#define PG_CONTACT_SOURCE_MAX_CHARS 200
#define PG_CONTACT_NAME_MAX_CHARS 200
#define PG_CONTACT_EMAIL_MAX_CHARS 254
#define PG_CONTACT_DESCRIPTION_MAX_CHARS 4000
/* Email address limits: RFC 5321 section 4.5.3.1 (local part and path). */
#define PG_EMAIL_LOCAL_MAX_BYTES 64
#define PG_EMAIL_MAX_BYTES 254

/* Returns "source", "name", "email" or "description". */
const char *pg_contact_field_name(enum pg_contact_field field);

struct pg_contact_limits {
	size_t max_chars[PG_CONTACT_FIELD_COUNT];
};

/* Fills limits with the PG_CONTACT_*_MAX_CHARS defaults. */
void pg_contact_limits_init(struct pg_contact_limits *limits);

/* The four fields of a submission; values are owned (NULL when absent). */
struct pg_contact {
	char *values[PG_CONTACT_FIELD_COUNT];
	size_t lens[PG_CONTACT_FIELD_COUNT];
};

void pg_contact_init(struct pg_contact *contact);
void pg_contact_release(struct pg_contact *contact);

/* Takes the contact fields from a urlencoded body. Other fields are
 * ignored; a contact field given twice is rejected ("email: given more than
 * once"). Returns 0, or -1 with problem set. */
__attribute__((warn_unused_result))
int pg_contact_from_form(struct pg_contact *contact, const char *body,
			 size_t len, struct pg_problem *problem);

/* Takes the contact fields from a JSON object body. Other members are
 * ignored; a contact field that is not a string, appears twice or contains
 * a NUL character is rejected. Returns 0, or -1 with problem set. */
__attribute__((warn_unused_result))
int pg_contact_from_json(struct pg_contact *contact, const char *body,
			 size_t len, struct pg_problem *problem);

/* Normalises and checks the fields in place, recording every failed field
 * in problem:
 * - each field is required: absent or empty after trimming is "required";
 * - each is valid UTF-8, at most limits->max_chars code points;
 * - name and email are trimmed of spaces and must be one line without
 *   control characters (C0 including TAB, DEL, C1 U+0080..U+009F);
 * - source and description are trimmed of surrounding white space, have
 *   CRLF and lone CR turned into LF, and may contain LF and TAB but no other
 *   control character;
 * - email is local@domain with exactly one '@' and no white space, at
 *   most 254 bytes in all. The local part has 1 to 64 bytes of RFC 5322
 *   atext and dots, with no dot at either end and no two dots in a row.
 *   Non-ASCII is allowed there (RFC 6531) but not in the domain, so
 *   internationalised domains must be given in their xn-- form.
 *   The domain has at least two dot-separated labels of 1 to 63 ASCII
 *   letters, digits and hyphens, with no hyphen at either end.
 * Returns 0, or -1 with problem set (400). */
__attribute__((warn_unused_result))
int pg_contact_validate(struct pg_contact *contact,
			const struct pg_contact_limits *limits,
			struct pg_problem *problem);

/* Reads and validates the contact form from req's body by Content-Type:
 * application/json or application/x-www-form-urlencoded (parameters such
 * as charset are ignored, the bytes must be UTF-8). Without a Content-Type
 * the body is sniffed: JSON when its first non-white-space byte is '{',
 * else urlencoded. Any other type is rejected with 415, multipart included.
 * Returns 0, or -1 with problem set. */
__attribute__((warn_unused_result))
int pg_contact_read(struct pg_contact *contact,
		    const struct pg_http_request *req,
		    const struct pg_contact_limits *limits,
		    struct pg_problem *problem);

/* Appends the event for the notifications function to out:
 * {"title": "New message from <source>", "message": "Source: ...\nName:
 * ...\nMail: ...\nDescription: ..."}. Line breaks in the source become
 * spaces so that each labelled line stays one line; the description keeps
 * its line breaks. Returns 0, or -1 when out's maximum would be passed. */
__attribute__((warn_unused_result))
int pg_contact_notification(const struct pg_contact *contact,
			    struct pg_buf *out);

/* ---- The api function -------------------------------------------------- */

/* Sends event_json (event_len bytes) to the notifications function.
 * Returns 0 when it was accepted, or -1 with err saying why, including the
 * target's errorMessage when it returned one. */
typedef int (*pg_notify_fn)(const char *event_json, size_t event_len,
			    void *notify_data, struct pg_err *err);

#define PG_API_DEFAULT_MAX_EVENT_BYTES 10240

/* Settings of the api function, read once at start. Strings are owned and
 * freed by pg_api_config_release. */
struct pg_api_config {
	char *cors_allow_origin;      /* CORS_ALLOW_ORIGIN, default "*" */
	char *notifications_function; /* LAMBDA_NOTIFICATIONS, required */
	/* NOTIFICATIONS_INVOCATION_TYPE: "Event" (default) or
	 * "RequestResponse", any case. */
	enum pg_invocation_type invocation_type;
	/* API_MAX_EVENT_BYTES, default PG_API_DEFAULT_MAX_EVENT_BYTES: the cap
	 * on the whole event as the runtime delivers it, answered with 413.
	 * NOTE: the event carries every request header twice (headers and
	 * multiValueHeaders), often 3 to 5 KB from a browser, and a
	 * 4000-character description of non-ASCII text takes up to 36000
	 * bytes urlencoded; raise the cap when such forms get 413. */
	size_t max_event_bytes;
	struct pg_contact_limits limits;
	pg_notify_fn notify; /* set by the caller; NULL fails every send */
	void *notify_data;
};

/* Sets the defaults, with no notifications function and no notify step. */
void pg_api_config_init(struct pg_api_config *config);
/* Reads the variables named in struct pg_api_config. Returns 0, or -1 with
 * err naming the variable that is missing or invalid. */
__attribute__((warn_unused_result))
int pg_api_config_from_env(struct pg_api_config *config, struct pg_err *err);
void pg_api_config_release(struct pg_api_config *config);

/* Route action for "POST /contact"; data is a struct pg_api_config. */
void pg_api_contact(const struct pg_http_request *req,
		    struct pg_http_response *resp, struct pg_err *cause,
		    void *data);
/* Route action for "GET /health": {"status": "ok"}; data is unused. */
void pg_api_health(const struct pg_http_request *req,
		   struct pg_http_response *resp, struct pg_err *cause,
		   void *data);
/* Adds "POST /contact" and "GET /health" to router. */
__attribute__((warn_unused_result))
int pg_api_add_routes(struct pg_router *router, struct pg_api_config *config,
		      struct pg_err *err);

/* The result of one invocation, for the caller's log. Control characters in
 * the strings are replaced by spaces, so they can be logged as they are. */
struct pg_api_outcome {
	int status;
	char method[PG_ROUTE_METHOD_MAX];
	char path[PG_ROUTE_PATH_MAX];
	struct pg_err cause; /* why an error was answered; "" otherwise */
};

/* Handles one invocation: decodes the event, dispatches it through router
 * and appends the proxy response JSON to out. An event that cannot be decoded
 * is answered with 400 (413 for a large body), not failed. Returns 0, or -1
 * when the response could not be encoded, with outcome->cause saying why. */
__attribute__((warn_unused_result))
int pg_api_handle(const struct pg_router *router,
		  const struct pg_api_config *config, const char *payload,
		  size_t payload_len, struct pg_buf *out,
		  struct pg_api_outcome *outcome);

/* Writes a one-line summary of a failed function's response
 * ({"errorType": ..., "errorMessage": ...}) into summary, control
 * characters replaced by spaces; "" when payload has neither member. */
void pg_api_function_error_summary(const char *payload, size_t payload_len,
				   char *summary, size_t summary_size);

#endif
