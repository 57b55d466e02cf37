/* The api function's settings, its routes and the per-invocation step from
 * event to response JSON. */
#include "web/web.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"
#include "runtime/runtime.h"

#define DELIVERY_FAILED_MESSAGE \
	"the message could not be delivered; please try again later"
#define SENT_MESSAGE "Thank you, your message has been sent."
/* The smallest NOTIFICATION_MAX_CHARS accepted. */
#define NOTIFICATION_MIN_CHARS 100

/* ---- Settings -------------------------------------------------------- */

void pg_api_config_init(struct pg_api_config *config)
{
	memset(config, 0, sizeof(*config));
	config->invocation_type = PG_INVOKE_EVENT;
	config->max_event_bytes = PG_API_DEFAULT_MAX_EVENT_BYTES;
	config->honeypot_field = pg_strdup(PG_CONTACT_DEFAULT_HONEYPOT);
	pg_contact_limits_init(&config->limits);
}

static void replace_string(char **slot, const char *value)
{
	free(*slot);
	*slot = value ? pg_strdup(value) : NULL;
}

void pg_api_config_release(struct pg_api_config *config)
{
	if (!config)
		return;
	replace_string(&config->cors_allow_origin, NULL);
	replace_string(&config->notifications_function, NULL);
	replace_string(&config->success_url, NULL);
	replace_string(&config->error_url, NULL);
	replace_string(&config->honeypot_field, NULL);
	replace_string(&config->version, NULL);
}

size_t pg_api_url_origin_len(const char *url)
{
	size_t len = strlen(url);
	size_t scheme_len;
	size_t authority_len;

	if (!len || len > PG_API_URL_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)url[i] < 0x21 || (unsigned char)url[i] > 0x7e)
			return 0;
	if (pg_ascii_nieq(url, "http://", 7))
		scheme_len = 7;
	else if (pg_ascii_nieq(url, "https://", 8))
		scheme_len = 8;
	else
		return 0;

	/* Browsers read a backslash as a slash in http URLs, and user
	 * information before an '@' hides the real host from a reader, so
	 * the host may only use the characters of names, IPv4 and IPv6
	 * addresses and a port. */
	authority_len = strcspn(url + scheme_len, "/?#");
	if (!authority_len)
		return 0;
	for (size_t i = scheme_len; i < scheme_len + authority_len; i++) {
		char c = url[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return scheme_len + authority_len;
}

static int read_url(const char *name, const char **out, struct pg_err *err)
{
	const char *text = getenv(name);

	*out = NULL;
	if (!text || !*text)
		return 0;
	if (!pg_api_url_origin_len(text)) {
		pg_err_set(err, "%s: \"%.100s\" is not an absolute http or "
				"https URL of at most %d printable ASCII "
				"characters",
			   name, text, PG_API_URL_MAX);
		return -1;
	}
	*out = text;
	return 0;
}

/* Checks a honeypot field name: 1 to 64 letters, digits, '_' and '-',
 * and none of the names the form uses for real fields. */
static int check_honeypot_name(const char *name, struct pg_err *err)
{
	size_t len = strlen(name);

	if (len > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789_-") != len) {
		pg_err_set(err, "HONEYPOT_FIELD: \"%.64s\" must have 1 to 64 "
				"letters, digits, '_' and '-'",
			   name);
		return -1;
	}
	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++) {
		if (strcmp(name, pg_contact_field_name(i)) == 0) {
			pg_err_set(err, "HONEYPOT_FIELD: \"%s\" is a field of "
					"the contact form; pick another name",
				   name);
			return -1;
		}
	}
	if (strcmp(name, PG_CONTACT_NEXT_FIELD) == 0) {
		pg_err_set(err, "HONEYPOT_FIELD: \"%s\" is the redirect field; "
				"pick another name", name);
		return -1;
	}
	return 0;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int read_size(const char *name, size_t fallback, size_t min,
		     size_t max, size_t *out, struct pg_err *err)
{
	const char *text = getenv(name);
	unsigned long long value;
	char *end;

	*out = fallback;
	if (!text || !*text)
		return 0;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || *end || text[0] == '-' || value < min || value > max) {
		pg_err_set(err, "%s: \"%.32s\" is not a whole number from %zu "
				"to %zu",
			   name, text, min, max);
		return -1;
	}
	*out = (size_t)value;
	return 0;
}

int pg_api_config_from_env(struct pg_api_config *config, struct pg_err *err)
{
	const char *origin = getenv("CORS_ALLOW_ORIGIN");
	const char *function = getenv("LAMBDA_NOTIFICATIONS");
	const char *type = getenv("NOTIFICATIONS_INVOCATION_TYPE");

	const char *honeypot = getenv("HONEYPOT_FIELD");
	const char *version = getenv("VERSION");
	const char *success_url;
	const char *error_url;

	if (!origin || !*origin)
		origin = PG_CORS_DEFAULT_ORIGIN;
	/* The value goes into a response header as it is. */
	if (has_control(origin) || !pg_utf8_valid(origin, strlen(origin), NULL)) {
		pg_err_set(err, "CORS_ALLOW_ORIGIN: contains a control "
				"character or invalid UTF-8");
		return -1;
	}
	if (pg_cors_list_check(origin, err) < 0)
		return -1;
	if (read_url("CONTACT_SUCCESS_URL", &success_url, err) < 0 ||
	    read_url("CONTACT_ERROR_URL", &error_url, err) < 0)
		return -1;
	if (!honeypot || !*honeypot)
		honeypot = PG_CONTACT_DEFAULT_HONEYPOT;
	if (check_honeypot_name(honeypot, err) < 0)
		return -1;
	/* VERSION goes into a JSON body, which takes any valid UTF-8. */
	if (version && (!*version ||
			!pg_utf8_valid(version, strlen(version), NULL)))
		version = NULL;
	if (!function || !*function) {
		pg_err_set(err, "LAMBDA_NOTIFICATIONS: not set; set it to the "
				"name or ARN of the notifications function");
		return -1;
	}
	if (!type || !*type || pg_ascii_ieq(type, "Event")) {
		config->invocation_type = PG_INVOKE_EVENT;
	} else if (pg_ascii_ieq(type, "RequestResponse")) {
		config->invocation_type = PG_INVOKE_REQUEST_RESPONSE;
	} else {
		pg_err_set(err, "NOTIFICATIONS_INVOCATION_TYPE: \"%.32s\" is "
				"invalid; use Event or RequestResponse",
			   type);
		return -1;
	}
	if (read_size("API_MAX_EVENT_BYTES", PG_API_DEFAULT_MAX_EVENT_BYTES, 1,
		      PG_RUNTIME_MAX_PAYLOAD_BYTES, &config->max_event_bytes,
		      err) < 0)
		return -1;
	/* The labels take 36 characters, so below 100 hardly a submission
	 * would fit, and Pushover cuts anything above 1024. */
	if (read_size("NOTIFICATION_MAX_CHARS",
		      PG_CONTACT_NOTIFICATION_MAX_CHARS,
		      NOTIFICATION_MIN_CHARS, PG_CONTACT_NOTIFICATION_MAX_CHARS,
		      &config->limits.notification_max_chars, err) < 0)
		return -1;

	replace_string(&config->cors_allow_origin, origin);
	replace_string(&config->notifications_function, function);
	replace_string(&config->success_url, success_url);
	replace_string(&config->error_url, error_url);
	replace_string(&config->honeypot_field, honeypot);
	replace_string(&config->version, version);
	return 0;
}

/* ---- Responses of the contact route ----------------------------------- */

/* Adds a note to cause for the log, after any note already there. */
static void add_note(struct pg_err *cause, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_note(struct pg_err *cause, const char *fmt, ...)
{
	size_t used = strlen(cause->msg);
	va_list ap;

	if (used && used + 2 < sizeof(cause->msg)) {
		memcpy(cause->msg + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= sizeof(cause->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(cause->msg + used, sizeof(cause->msg) - used, fmt, ap);
	va_end(ap);
}

/* Tells whether the request is a form posted by a browser without
 * JavaScript: it wants a page back and sent a form encoding. */
static bool is_browser_post(const struct pg_http_request *req,
			    enum pg_body_kind kind)
{
	return (kind == PG_BODY_FORM || kind == PG_BODY_MULTIPART) &&
	       pg_accept_has_html(pg_http_request_header(req, "Accept"));
}

/* Tells whether a request that was not read yet is a browser form post,
 * from its Content-Type and Accept headers alone. */
static bool is_browser_form(const struct pg_http_request *req)
{
	const char *type = pg_http_request_header(req, "Content-Type");
	enum pg_body_kind kind = PG_BODY_JSON;

	if (!type)
		return false;
	if (pg_media_type_is(type, "application/x-www-form-urlencoded"))
		kind = PG_BODY_FORM;
	else if (pg_media_type_is(type, "multipart/form-data"))
		kind = PG_BODY_MULTIPART;
	return is_browser_post(req, kind);
}

/* Returns the page the thank-you redirect goes to: a _next that is an
 * absolute URL on the allow-list, else CONTACT_SUCCESS_URL (NULL when
 * unset). A _next that is not used gets a note in cause. */
static const char *success_target(const struct pg_api_config *config,
				  const struct pg_contact *contact,
				  struct pg_err *cause)
{
	size_t origin_len;

	if (!contact->next || !contact->next_len)
		return config->success_url;
	origin_len = pg_api_url_origin_len(contact->next);
	if (!origin_len)
		add_note(cause, "_next \"%.100s\" ignored: not an absolute http "
				"or https URL",
			 contact->next);
	else if (!pg_cors_list_has(config->cors_allow_origin, contact->next,
				   origin_len))
		add_note(cause, "_next \"%.100s\" ignored: its origin is not "
				"listed in CORS_ALLOW_ORIGIN",
			 contact->next);
	else
		return contact->next;
	return config->success_url;
}

static void respond_sent(const struct pg_api_config *config,
			 const struct pg_contact *contact, bool browser,
			 struct pg_http_response *resp, struct pg_err *cause)
{
	const char *target;

	if (!browser) {
		pg_respond_json_text(resp, 200, "message", SENT_MESSAGE);
		return;
	}
	target = success_target(config, contact, cause);
	if (target)
		pg_respond_redirect(resp, target);
	else
		pg_respond_html_thanks(resp);
}

/* Appends text to out with every byte but RFC 3986's unreserved ones
 * percent-encoded. */
static int append_query_value(struct pg_buf *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		int rc;

		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			rc = pg_buf_append(out, p, 1);
		else
			rc = pg_buf_appendf(out, "%%%02X", *p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Appends CONTACT_ERROR_URL with "error=<names>" added to its query, before
 * any fragment. */
static int append_error_location(struct pg_buf *out, const char *error_url,
				 const struct pg_problem *problem,
				 const char *whole_request_name)
{
	size_t base_len = strcspn(error_url, "#");
	const char *fragment = error_url + base_len;

	if (pg_buf_append(out, error_url, base_len) < 0 ||
	    pg_buf_append_str(out, memchr(error_url, '?', base_len) ? "&error="
								    : "?error=") < 0)
		return -1;
	if (!problem->field_count &&
	    append_query_value(out, whole_request_name) < 0)
		return -1;
	for (size_t i = 0; i < problem->field_count; i++) {
		if ((i && pg_buf_append_str(out, ",") < 0) ||
		    append_query_value(out, problem->fields[i].name) < 0)
			return -1;
	}
	return pg_buf_append_str(out, fragment);
}

/* Responds to a failed submission with JSON, a redirect to
 * CONTACT_ERROR_URL, or an HTML page. whole_request_name stands in the
 * error URL for a failure that names no field. */
static void respond_failed(const struct pg_api_config *config,
			   const struct pg_http_request *req, bool browser,
			   const struct pg_problem *problem,
			   const char *whole_request_name,
			   struct pg_http_response *resp)
{
	const char *referer = pg_http_request_header(req, "Referer");
	struct pg_buf location;

	if (!browser) {
		pg_problem_respond(problem, resp);
		return;
	}
	if (!config->error_url) {
		pg_respond_html_problem(resp, problem,
					referer && pg_api_url_origin_len(referer) ?
						referer :
						NULL);
		return;
	}
	/* Field names too long for the maximum leave the query out. */
	pg_buf_init(&location, PG_API_URL_MAX * 2);
	if (append_error_location(&location, config->error_url, problem,
				  whole_request_name) < 0)
		pg_respond_redirect(resp, config->error_url);
	else
		pg_respond_redirect(resp, location.data);
	pg_buf_release(&location);
}

/* ---- Routes ---------------------------------------------------------- */

void pg_api_contact(const struct pg_http_request *req,
		    struct pg_http_response *resp, struct pg_err *cause,
		    void *data)
{
	const struct pg_api_config *config = data;
	struct pg_contact contact;
	struct pg_problem problem;
	struct pg_buf event;
	struct pg_err send_err = { 0 };
	bool browser;
	int rc;

	pg_contact_init(&contact);
	contact.honeypot_field = config->honeypot_field;
	pg_problem_init(&problem);
	pg_buf_init(&event, 0);

	rc = pg_contact_read(&contact, req, &config->limits, &problem);
	browser = is_browser_post(req, contact.body_kind);
	if (rc < 0) {
		respond_failed(config, req, browser, &problem, "request", resp);
		pg_err_set(cause, "%s", problem.error.msg);
		goto out;
	}
	if (contact.honeypot_filled) {
		add_note(cause, "the honeypot field %s was filled, so no "
				"notification was sent and the answer says it "
				"was",
			 config->honeypot_field);
		respond_sent(config, &contact, browser, resp, cause);
		goto out;
	}

	if (pg_contact_notification(&contact, &event) < 0) {
		pg_err_set(&send_err, "the notification event could not be "
				      "built");
		goto failed;
	}
	if (!config->notify) {
		pg_err_set(&send_err, "no notify step is configured");
		goto failed;
	}
	if (config->notify(event.data, event.len, config->notify_data,
			   &send_err) < 0)
		goto failed;

	respond_sent(config, &contact, browser, resp, cause);
	goto out;
failed:
	/* The client gets a generic sentence; the log gets the cause. */
	pg_err_set(cause, "notifications function %s: %s",
		   config->notifications_function ?
			   config->notifications_function :
			   "(unset)",
		   pg_err_is_set(&send_err) ? send_err.msg : "failed");
	pg_problem_set(&problem, 502, DELIVERY_FAILED_MESSAGE);
	respond_failed(config, req, browser, &problem, "delivery", resp);
out:
	pg_buf_release(&event);
	pg_contact_release(&contact);
}

void pg_api_health(const struct pg_http_request *req,
		   struct pg_http_response *resp, struct pg_err *cause,
		   void *data)
{
	const struct pg_api_config *config = data;
	json_t *root = json_object();
	char *text = NULL;

	(void)req;
	(void)cause;
	if (!root || json_object_set_new(root, "status", json_string("ok")) < 0)
		goto out;
	if (config && config->version &&
	    json_object_set_new(root, "version",
				json_string(config->version)) < 0)
		goto out;
	text = json_dumps(root, JSON_COMPACT);
out:
	resp->status = 200;
	resp->body_base64 = false;
	pg_buf_reset(&resp->body);
	pg_http_response_set_header(resp, "Content-Type", "application/json");
	pg_http_response_set_header(resp, "Cache-Control", "no-store");
	if (!text || pg_buf_append_str(&resp->body, text) < 0)
		pg_respond_json_text(resp, 200, "status", "ok");
	free(text);
	json_decref(root);
}

void pg_api_robots(const struct pg_http_request *req,
		   struct pg_http_response *resp, struct pg_err *cause,
		   void *data)
{
	(void)req;
	(void)cause;
	(void)data;
	resp->status = 200;
	resp->body_base64 = false;
	pg_buf_reset(&resp->body);
	pg_http_response_set_header(resp, "Content-Type",
				    "text/plain; charset=utf-8");
	if (pg_buf_append_str(&resp->body, "User-agent: *\nDisallow: /\n") < 0)
		pg_buf_reset(&resp->body);
}

int pg_api_add_routes(struct pg_router *router, struct pg_api_config *config,
		      struct pg_err *err)
{
	if (pg_router_add(router, "POST /contact", pg_api_contact, config,
			  err) < 0 ||
	    pg_router_add(router, "GET /health", pg_api_health, config,
			  err) < 0)
		return -1;
	return pg_router_add(router, "GET /robots.txt", pg_api_robots, NULL,
			     err);
}

/* ---- One invocation -------------------------------------------------- */

static void replace_controls(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Copies s into out, control characters replaced by spaces. */
static void copy_printable(char *out, size_t out_size, const char *s)
{
	snprintf(out, out_size, "%s", s);
	replace_controls(out);
}

int pg_api_handle(const struct pg_router *router,
		  const struct pg_api_config *config, const char *payload,
		  size_t payload_len, struct pg_buf *out,
		  struct pg_api_outcome *outcome)
{
	struct pg_http_request req;
	struct pg_http_response resp;
	struct pg_err decode_err = { 0 };
	struct pg_err encode_err = { 0 };
	enum pg_event_error rc;
	int result = -1;

	memset(outcome, 0, sizeof(*outcome));
	pg_http_request_init(&req);
	pg_http_response_init(&resp, 0);

	/* The event is decoded even when too large, so that the 413 goes out
	 * in the event's response shape with the CORS headers. */
	rc = pg_http_request_decode(&req, payload, payload_len,
				    PG_RUNTIME_MAX_PAYLOAD_BYTES, &decode_err);
	copy_printable(outcome->method, sizeof(outcome->method), req.method);
	copy_printable(outcome->path, sizeof(outcome->path), req.path);
	if (rc == PG_EVENT_OK && payload_len > config->max_event_bytes) {
		rc = PG_EVENT_BODY_TOO_LARGE;
		pg_err_set(&decode_err, "request: the event is more than the "
					"%zu bytes allowed (API_MAX_EVENT_BYTES)",
			   config->max_event_bytes);
	}
	if (rc == PG_EVENT_BODY_TOO_LARGE && is_browser_form(&req)) {
		struct pg_problem problem;

		/* The event was decoded whole, so a browser gets its page or
		 * the CONTACT_ERROR_URL redirect like for any other error. */
		pg_problem_init(&problem);
		pg_problem_set(&problem, 413, "%s", decode_err.msg);
		respond_failed(config, &req, true, &problem, "request", &resp);
		pg_err_set(&outcome->cause, "%s", decode_err.msg);
		pg_router_set_cors(router, &req, &resp);
	} else if (rc != PG_EVENT_OK) {
		/* NOTE: a browser form post whose event cannot be decoded gets
		 * this error as JSON, not the HTML page or the redirect. */
		pg_respond_error(&resp,
				 rc == PG_EVENT_BODY_TOO_LARGE ? 413 : 400,
				 decode_err.msg);
		pg_err_set(&outcome->cause, "%s", decode_err.msg);
		pg_router_set_cors(router, &req, &resp);
	} else {
		pg_router_dispatch(router, &req, &resp, &outcome->cause);
	}
	outcome->status = resp.status;

	if (pg_http_response_encode(&resp, req.kind, out, &encode_err) < 0) {
		pg_err_clear(&outcome->cause);
		pg_err_set(&outcome->cause, "%s", encode_err.msg);
		goto out;
	}
	result = 0;
out:
	replace_controls(outcome->cause.msg);
	pg_http_response_release(&resp);
	pg_http_request_release(&req);
	return result;
}

void pg_api_function_error_summary(const char *payload, size_t payload_len,
				   char *summary, size_t summary_size)
{
	json_t *root = payload ? json_loadb(payload, payload_len, 0, NULL)
			       : NULL;
	const char *type = json_string_value(json_object_get(root,
							     "errorType"));
	const char *message = json_string_value(json_object_get(root,
								"errorMessage"));
	size_t len;
	size_t bad;

	if (!summary_size)
		goto out;
	summary[0] = '\0';
	if (type && message)
		snprintf(summary, summary_size, "%s: %s", type, message);
	else if (type || message)
		snprintf(summary, summary_size, "%s", type ? type : message);
	replace_controls(summary);

	/* snprintf may have cut a multi-byte character in two. */
	len = strlen(summary);
	if (!pg_utf8_valid(summary, len, &bad))
		summary[bad] = '\0';
out:
	json_decref(root);
}
