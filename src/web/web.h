/* The web layer: routing, CORS, body parsers and the contact form.
 *
 * A struct pg_router maps "METHOD /path" to an action. Unknown paths get
 * 404, a known path with another method gets 405 with an Allow header, and
 * OPTIONS on a known path gets the CORS preflight response. A response
 * carries Access-Control-Allow-Origin at most once: "*", or the request's
 * Origin when it is on the allow-list.
 *
 * Errors are JSON: {"error": "<sentence naming the first field and rule>",
 * "fields": {"<field>": "<rule>", ...}}, where "fields" is present only when
 * fields failed validation. A browser that posts a form without JavaScript
 * gets a 303 redirect or a small HTML page instead (see pg_api_contact).
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
/* Sets resp to {"error": message} with status. */
void pg_respond_error(struct pg_http_response *resp, int status,
		      const char *message);

/* ---- CORS ------------------------------------------------------------- */

/* The preflight's Access-Control-Max-Age in seconds. Chromium caps the
 * value at 7200 anyway. */
#define PG_CORS_MAX_AGE_SECONDS 7200
#define PG_CORS_DEFAULT_ORIGIN "*"
/* Maximum length of an allow-list entry: a scheme, a host name and a
 * port. */
#define PG_CORS_ORIGIN_MAX 300

/* Checks a CORS_ALLOW_ORIGIN value: "*" alone, or a comma-separated list of
 * origins written scheme://host[:port] (http or https, no path, no
 * trailing slash), spaces around the commas allowed. Returns 0, or -1 with
 * err naming the entry that is invalid. */
__attribute__((warn_unused_result))
int pg_cors_list_check(const char *allow_list, struct pg_err *err);
/* Tells whether origin is one of the entries of allow_list, ignoring ASCII
 * case. "*" names no origin here, so it never matches. */
bool pg_cors_list_has(const char *allow_list, const char *origin,
		      size_t origin_len);
/* Tells whether a request from origin may read the response: allow_list
 * is "*" or names origin. */
bool pg_cors_origin_allowed(const char *allow_list, const char *origin);
/* Copies the only entry of allow_list into out. Returns false when the
 * list has several entries or the entry does not fit. */
bool pg_cors_list_single(const char *allow_list, char *out, size_t out_size);

/* ---- Router ----------------------------------------------------------- */

#define PG_ROUTER_MAX_ROUTES 16
#define PG_ROUTE_METHOD_MAX 16
#define PG_ROUTE_PATH_MAX 128

/* An action fills resp. It may set cause, a sentence for the log. For an
 * error it says why, and may name internal details the client must not
 * see. For a success it is a note, such as a filled honeypot. */
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

/* Prepares an empty router with allow_origin as its CORS allow-list (see
 * pg_cors_list_check); NULL means PG_CORS_DEFAULT_ORIGIN ("*"). */
void pg_router_init(struct pg_router *router, const char *allow_origin);
/* Adds route, written "METHOD /path" ("POST /contact"); paths match
 * exactly and methods case-sensitively. data is passed to action. Returns
 * 0, or -1 with err set when the table is full or route is malformed. */
__attribute__((warn_unused_result))
int pg_router_add(struct pg_router *router, const char *route,
		  pg_route_fn action, void *data, struct pg_err *err);
/* Runs the action for req, or itself returns 404, 405 or the preflight,
 * then calls pg_router_set_cors. A request whose method is not GET, HEAD
 * or OPTIONS and whose Origin header names an origin that the allow-list
 * does not allow gets 403 without running its action. A browser would
 * hide the response from that page, so the page cannot be a real
 * visitor's form. Requests without Origin (curl, servers) are not affected. The
 * preflight of such an origin gets 204 without any Access-Control-*
 * header. cause is set for error responses. */
void pg_router_dispatch(const struct pg_router *router,
			const struct pg_http_request *req,
			struct pg_http_response *resp, struct pg_err *cause);
/* Sets the CORS headers of resp for req's Origin. With the allow-list "*",
 * Access-Control-Allow-Origin is "*". With a list, it is the request's
 * Origin when the list names it, and absent otherwise, and Vary: Origin is
 * always set. A request without Origin is not a CORS request, so it gets
 * the entry of a one-entry list, as when the setting was a single value, and
 * nothing from a longer list. Any earlier value is replaced, so the header
 * appears at most once. */
void pg_router_set_cors(const struct pg_router *router,
			const struct pg_http_request *req,
			struct pg_http_response *resp);

/* ---- application/x-www-form-urlencoded --------------------------------- */

/* More fields than this are rejected: a contact form has four. */
#define PG_FORM_MAX_FIELDS 64

struct pg_form_field {
	char *name;  /* owned, NUL-terminated, valid UTF-8, no NUL inside */
	size_t name_len;
	char *value; /* owned, NUL-terminated, valid UTF-8, no NUL inside */
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
 * it), a name or value that is not UTF-8 after decoding, or one that
 * contains a NUL byte (%00) fails the whole body: returns -1 with problem
 * naming the field (400). */
__attribute__((warn_unused_result))
int pg_form_parse(struct pg_form *form, const char *body, size_t len,
		  struct pg_problem *problem);

/* ---- multipart/form-data ----------------------------------------------- */

/* RFC 2046 section 5.1.1: a boundary has 1 to 70 characters. */
#define PG_MULTIPART_BOUNDARY_MAX 70
/* More header lines than this in one part are rejected. */
#define PG_MULTIPART_MAX_PART_HEADERS 16

/* Reads the boundary parameter of a multipart/form-data Content-Type into
 * boundary. The value may be a token or a quoted string, and must have 1
 * to 70 of the characters RFC 2046 allows (letters, digits, space and
 * '()+_,-./:=?), not ending in a space. Returns 0, or -1 with problem set
 * (400). */
__attribute__((warn_unused_result))
int pg_multipart_boundary(const char *content_type,
			  char boundary[PG_MULTIPART_BOUNDARY_MAX + 1],
			  struct pg_problem *problem);

/* Decodes a multipart/form-data body (RFC 7578) into form, fields in body
 * order. content_type is the request's Content-Type with the boundary.
 *
 * Text before the first delimiter line (the preamble) and after the closing
 * one (the epilogue) is ignored. Line ends are CRLF as RFC 2046 requires,
 * and a bare LF is accepted too because hand-written requests use it; the
 * line end before a delimiter belongs to the delimiter, not the value. A
 * delimiter line may end in spaces or tabs (transport padding).
 *
 * Each part needs Content-Disposition: form-data with a name parameter
 * (quoted or not; inside quotes a backslash is an ordinary character, as
 * browsers send it). A part with a filename or filename* parameter is a
 * file upload and is rejected. A part's Content-Type, when given, must be
 * text/plain, and its charset, when given, UTF-8 or US-ASCII. A
 * Content-Transfer-Encoding other than 7bit, 8bit or binary is rejected.
 * Values must be UTF-8 without NUL bytes. A missing closing delimiter, a
 * part without the blank line after its headers, or more than
 * PG_FORM_MAX_FIELDS parts also fail. Returns 0, or -1 with problem naming
 * the field when the failure concerns one (400). */
__attribute__((warn_unused_result))
int pg_multipart_parse(struct pg_form *form, const char *content_type,
		       const char *body, size_t len,
		       struct pg_problem *problem);

/* ---- Media types ----------------------------------------------------- */

/* Tells whether content_type names media_type, ignoring case, parameters
 * (such as "; charset=UTF-8", with or without spaces) and surrounding
 * spaces. */
bool pg_media_type_is(const char *content_type, const char *media_type);
/* Tells whether an Accept header value lists text/html with a quality
 * above 0, as browsers do for a page they navigate to. fetch and curl
 * send "*" "/" "*" by default, and neither counts as HTML.
 * NULL is false. */
bool pg_accept_has_html(const char *accept);

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
#define PG_CONTACT_DESCRIPTION_MAX_CHARS 1000
/* Default cap on the notification's message text, in code points:
 * Pushover's message limit, 1024 characters. */
#define PG_CONTACT_NOTIFICATION_MAX_CHARS 1024
/* Email address limits: RFC 5321 section 4.5.3.1 (local part and path). */
#define PG_EMAIL_LOCAL_MAX_BYTES 64
#define PG_EMAIL_MAX_BYTES 254

/* Returns "source", "name", "email" or "description". */
const char *pg_contact_field_name(enum pg_contact_field field);

struct pg_contact_limits {
	size_t max_chars[PG_CONTACT_FIELD_COUNT];
	/* Maximum code points in the message text of pg_contact_notification,
	 * so that the channel never cuts it. 0 means no maximum. */
	size_t notification_max_chars;
};

/* Fills limits with the PG_CONTACT_*_MAX_CHARS defaults. */
void pg_contact_limits_init(struct pg_contact_limits *limits);

/* The field a browser form may add to pick its thank-you page. */
#define PG_CONTACT_NEXT_FIELD "_next"
/* The default name of the honeypot field (HONEYPOT_FIELD). */
#define PG_CONTACT_DEFAULT_HONEYPOT "_gotcha"
/* A JSON body nested deeper than this is rejected. A contact object needs
 * 1; jansson 2.14 itself stops at 2048. */
#define PG_CONTACT_JSON_MAX_DEPTH 32

/* The encoding of a submission's body. */
enum pg_body_kind {
	PG_BODY_NONE, /* not read yet, or an unsupported Content-Type */
	PG_BODY_JSON,
	PG_BODY_FORM, /* application/x-www-form-urlencoded */
	PG_BODY_MULTIPART,
};

/* A submission: the four contact fields plus the fields the form may add.
 * Strings are owned (NULL when absent). */
struct pg_contact {
	char *values[PG_CONTACT_FIELD_COUNT];
	size_t lens[PG_CONTACT_FIELD_COUNT];
	char *next; /* the _next field, not yet checked */
	size_t next_len;
	/* The honeypot field's name, set by the caller before reading
	 * (borrowed); NULL means no honeypot. */
	const char *honeypot_field;
	bool honeypot_filled; /* the honeypot field came with a value */
	enum pg_body_kind body_kind;
};

/* Prepares an empty contact with no honeypot field. */
void pg_contact_init(struct pg_contact *contact);
/* Frees the values; the honeypot field name stays. */
void pg_contact_release(struct pg_contact *contact);

/* Every body kind follows one rule for repeated fields: a contact field or
 * _next given more than once is rejected ("email: given more than once"),
 * and other fields are ignored, repeated or not. The honeypot counts as
 * filled when any of its values is not empty (in JSON: any value but ""
 * and null). */

/* Takes the fields from a urlencoded body. Returns 0, or -1 with problem
 * set. */
__attribute__((warn_unused_result))
int pg_contact_from_form(struct pg_contact *contact, const char *body,
			 size_t len, struct pg_problem *problem);

/* Takes the fields from a multipart/form-data body (see
 * pg_multipart_parse). Returns 0, or -1 with problem set. */
__attribute__((warn_unused_result))
int pg_contact_from_multipart(struct pg_contact *contact,
			      const char *content_type, const char *body,
			      size_t len, struct pg_problem *problem);

/* Takes the fields from a JSON object body. \u escapes, surrogate pairs
 * included, are decoded by jansson, which rejects a lone surrogate as
 * invalid JSON. A body nested deeper than PG_CONTACT_JSON_MAX_DEPTH is
 * rejected before it is parsed. A contact field that is not a string or
 * contains a NUL character (\u0000) is rejected; _next is read only when
 * it is a string. Returns 0, or -1 with problem set. */
__attribute__((warn_unused_result))
int pg_contact_from_json(struct pg_contact *contact, const char *body,
			 size_t len, struct pg_problem *problem);

/* Normalises and checks the fields in place, recording every failed field
 * in problem:
 * - each field is required: absent or empty after trimming is "required";
 * - each is valid UTF-8, at most limits->max_chars code points;
 * - name and email are trimmed of spaces and must be one line without
 *   control characters (C0 including TAB, DEL, C1 U+0080..U+009F) and
 *   without the line separators U+2028 and U+2029;
 * - source and description are trimmed of surrounding white space, have
 *   CRLF and lone CR turned into LF, and may contain LF, TAB, U+2028 and
 *   U+2029 but no other control character;
 * - no field may contain a bidirectional embedding, override or isolate
 *   (U+202A..U+202E, U+2066..U+2069), because it would reorder how the
 *   notification reads. The marks U+200E and U+200F are allowed;
 * - when every field passed, the message text of pg_contact_notification
 *   must have at most limits->notification_max_chars code points; a longer
 *   one fails on description with the number of characters the other
 *   fields leave for it;
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
 * application/json, application/x-www-form-urlencoded (parameters such as
 * charset are ignored, the bytes must be UTF-8) or multipart/form-data.
 * Without a Content-Type the body is sniffed: JSON when its first
 * non-white-space byte is '{', else urlencoded. Any other type is rejected
 * with 415. contact->body_kind records the kind that was read. When the
 * honeypot is filled, the fields are not validated: returns 0 with
 * contact->honeypot_filled set. Returns 0, or -1 with problem set. */
__attribute__((warn_unused_result))
int pg_contact_read(struct pg_contact *contact,
		    const struct pg_http_request *req,
		    const struct pg_contact_limits *limits,
		    struct pg_problem *problem);

/* Appends the event for the notifications function to out:
 * {"title": "New message from <source>", "message": "Source: ...\nName:
 * ...\nMail: ...\nDescription: ..."}. contact must have passed
 * pg_contact_validate. Line breaks in the source (LF, U+2028, U+2029)
 * become spaces so that each labelled line stays one line; the description
 * keeps its line breaks. Returns 0, or -1 when out's maximum would be
 * passed. */
__attribute__((warn_unused_result))
int pg_contact_notification(const struct pg_contact *contact,
			    struct pg_buf *out);

/* ---- HTML answers for browsers ---------------------------------------- */

/* Replaces resp by a 200 HTML page that thanks the visitor. */
void pg_respond_html_thanks(struct pg_http_response *resp);
/* Replaces resp by an HTML page with problem's status that lists the
 * failed fields and their rules, or the error sentence when no field
 * failed. back_url, when not NULL, becomes a link back to the form. */
void pg_respond_html_problem(struct pg_http_response *resp,
			     const struct pg_problem *problem,
			     const char *back_url);
/* Replaces resp by a 303 See Other to url, with an empty body. */
void pg_respond_redirect(struct pg_http_response *resp, const char *url);

/* ---- The api function -------------------------------------------------- */

/* Sends event_json (event_len bytes) to the notifications function.
 * Returns 0 when it was accepted, or -1 with err saying why, including the
 * target's errorMessage when it returned one. */
typedef int (*pg_notify_fn)(const char *event_json, size_t event_len,
			    void *notify_data, struct pg_err *err);

#define PG_API_DEFAULT_MAX_EVENT_BYTES 10240

/* Longest URL accepted in CONTACT_SUCCESS_URL, CONTACT_ERROR_URL or _next. */
#define PG_API_URL_MAX 2048

/* Settings of the api function, read once at start. Strings are owned and
 * freed by pg_api_config_release. */
struct pg_api_config {
	/* CORS_ALLOW_ORIGIN, default "*": see pg_cors_list_check. */
	char *cors_allow_origin;
	char *notifications_function; /* LAMBDA_NOTIFICATIONS, required */
	/* CONTACT_SUCCESS_URL and CONTACT_ERROR_URL: absolute http or https
	 * URLs where a browser form post is redirected (303) after success
	 * or failure; NULL answers with a small HTML page instead. */
	char *success_url;
	char *error_url;
	/* HONEYPOT_FIELD, default PG_CONTACT_DEFAULT_HONEYPOT: 1 to 64
	 * letters, digits, '_' and '-'. */
	char *honeypot_field;
	char *version; /* VERSION, shown by GET /health; NULL when unset */
	/* NOTIFICATIONS_INVOCATION_TYPE: "Event" (default) or
	 * "RequestResponse", any case. */
	enum pg_invocation_type invocation_type;
	/* API_MAX_EVENT_BYTES, default PG_API_DEFAULT_MAX_EVENT_BYTES: the cap
	 * on the whole event as the runtime delivers it, answered with 413.
	 * NOTE: the event carries every request header twice (headers and
	 * multiValueHeaders), often 3 to 5 KB from a browser, and a
	 * 1000-character description of non-ASCII text takes up to 12000
	 * bytes urlencoded; raise the cap when such forms get 413. */
	size_t max_event_bytes;
	/* The field caps, and NOTIFICATION_MAX_CHARS as
	 * notification_max_chars: 100 to PG_CONTACT_NOTIFICATION_MAX_CHARS,
	 * which is the default. */
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

/* Checks that url is an absolute http or https URL of printable ASCII
 * without spaces, at most PG_API_URL_MAX bytes, with a host. Returns its
 * origin's length (the bytes of "scheme://host[:port]"), or 0 when url is
 * not such a URL. */
size_t pg_api_url_origin_len(const char *url);

/* Route action for "POST /contact"; data is a struct pg_api_config.
 *
 * JSON clients get JSON: 200 {"message"}, 400 {"error", "fields"}, 502.
 * A browser form post (Accept lists text/html and the body is urlencoded
 * or multipart) gets instead, on success, 303 to a valid _next field or to
 * CONTACT_SUCCESS_URL, else a 200 HTML thank-you page; on failure, 303 to
 * CONTACT_ERROR_URL with "?error=" and the failed field names joined by
 * commas ("request" when the request as a whole failed, "delivery" when
 * the notification could not be sent), else an HTML page with the error's
 * status naming the fields. _next is used only when it is an absolute
 * http or https URL whose origin is listed in CORS_ALLOW_ORIGIN (never
 * with "*"); otherwise cause notes why it was ignored.
 *
 * A filled honeypot gets exactly the success answer, no notification is
 * sent, and cause says so. */
void pg_api_contact(const struct pg_http_request *req,
		    struct pg_http_response *resp, struct pg_err *cause,
		    void *data);
/* Route action for "GET /health": {"status": "ok", "version": VERSION}
 * (version only when set); data is a struct pg_api_config or NULL. */
void pg_api_health(const struct pg_http_request *req,
		   struct pg_http_response *resp, struct pg_err *cause,
		   void *data);
/* Route action for "GET /robots.txt": a text/plain file that disallows
 * every path to every crawler; data is unused. */
void pg_api_robots(const struct pg_http_request *req,
		   struct pg_http_response *resp, struct pg_err *cause,
		   void *data);
/* Adds "POST /contact", "GET /health" and "GET /robots.txt" to router. */
__attribute__((warn_unused_result))
int pg_api_add_routes(struct pg_router *router, struct pg_api_config *config,
		      struct pg_err *err);

/* The result of one invocation, for the caller's log. Control characters in
 * the strings are replaced by spaces, so they can be logged as they are. */
struct pg_api_outcome {
	int status;
	char method[PG_ROUTE_METHOD_MAX];
	char path[PG_ROUTE_PATH_MAX];
	/* why an error was answered, or a note on a success (a filled
	 * honeypot, an ignored _next); "" otherwise */
	struct pg_err cause;
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
