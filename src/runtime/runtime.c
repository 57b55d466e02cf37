/* The invocation loop of the Lambda Runtime API, version 2018-06-01:
 * GET /runtime/invocation/next, then POST .../{id}/response or .../{id}/error,
 * and POST /runtime/init/error. */
#include "runtime/runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/text.h"
#include "log/log.h"
#include "runtime/http.h"

#define API_PREFIX "/2018-06-01/runtime"
#define NEXT_PATH API_PREFIX "/invocation/next"
#define INIT_ERROR_PATH API_PREFIX "/init/error"
#define TRACE_ENV "_X_AMZN_TRACE_ID"
#define ERROR_TYPE_HEADER "Lambda-Runtime-Function-Error-Type"
#define DEFAULT_ERROR_TYPE "Runtime.HandlerError"

/* Request ids are UUIDs; this leaves room for any other scheme. */
#define MAX_REQUEST_ID_BYTES 256
/* Percent-encoding may triple the id. */
#define MAX_PATH_BYTES (sizeof(API_PREFIX) + 32 + 3 * MAX_REQUEST_ID_BYTES)
/* The error document: both strings escaped (at most 6 bytes a byte). */
#define MAX_ERROR_BODY_BYTES (64u * 1024)

/* Retry delays after a failed GET /next. */
#define BACKOFF_FIRST_MS 10u
#define BACKOFF_MAX_MS 1000u

struct pg_runtime {
	struct pg_rt_http_client client;
	struct pg_buf response;   /* the handler's output, reused */
	struct pg_buf error_body; /* the error document, reused */
	unsigned backoff_ms;      /* 0 after a success */
	unsigned long failures;   /* GET /next failures in a row */
	unsigned long invocations;
};

static int runtime_init(struct pg_runtime *rt, struct pg_err *err)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	struct pg_err address_err = { { 0 } };

	memset(rt, 0, sizeof(*rt));
	pg_buf_init(&rt->response, PG_RUNTIME_MAX_PAYLOAD_BYTES);
	pg_buf_init(&rt->error_body, MAX_ERROR_BODY_BYTES);
	if (pg_rt_http_client_init(&rt->client, api ? api : "",
				PG_RUNTIME_MAX_PAYLOAD_BYTES,
				&address_err) < 0) {
		if (api && *api)
			pg_err_set(err, "AWS_LAMBDA_RUNTIME_API: %s",
				   address_err.msg);
		else
			pg_err_set(err, "AWS_LAMBDA_RUNTIME_API is not set or "
					"empty; set it to the Runtime API's "
					"\"host:port\"");
		return -1;
	}
	return 0;
}

static void runtime_release(struct pg_runtime *rt)
{
	pg_rt_http_client_release(&rt->client);
	pg_buf_release(&rt->response);
	pg_buf_release(&rt->error_body);
}

/* Appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, so the result
 * is valid JSON whatever bytes s holds. */
static int append_json_string(struct pg_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	if (pg_buf_append(out, "\"", 1) < 0)
		return -1;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t bad = 0;
		size_t run;

		if (c == '"' || c == '\\') {
			char escaped[2] = { '\\', (char)c };

			if (pg_buf_append(out, escaped, 2) < 0)
				return -1;
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			char escaped[6] = { '\\', 'u', '0', '0', hex[c >> 4],
					    hex[c & 15] };

			if (pg_buf_append(out, escaped, 6) < 0)
				return -1;
			i++;
			continue;
		}
		if (c >= 0x80) {
			/* Copy the longest valid run; replace one bad byte. */
			if (pg_utf8_valid(s + i, len - i, &bad))
				bad = len - i;
			if (bad == 0) {
				if (pg_buf_append_str(out, "\\ufffd") < 0)
					return -1;
				i++;
				continue;
			}
			run = 0;
			while (run < bad && (unsigned char)s[i + run] >= 0x80)
				run++;
			/* A run always ends on a sequence boundary because
			 * every byte of a sequence is >= 0x80. */
			if (pg_buf_append(out, s + i, run) < 0)
				return -1;
			i += run;
			continue;
		}
		run = 1;
		while (i + run < len) {
			unsigned char d = (unsigned char)s[i + run];

			if (d < 0x20 || d >= 0x7f || d == '"' || d == '\\')
				break;
			run++;
		}
		if (pg_buf_append(out, s + i, run) < 0)
			return -1;
		i += run;
	}
	return pg_buf_append(out, "\"", 1);
}

/* Builds {"errorMessage": ..., "errorType": ..., "stackTrace": []}. */
static int format_error_body(struct pg_buf *out, const char *type,
			     const char *message)
{
	pg_buf_reset(out);
	if (pg_buf_append_str(out, "{\"errorMessage\":") < 0 ||
	    append_json_string(out, message, strlen(message)) < 0 ||
	    pg_buf_append_str(out, ",\"errorType\":") < 0 ||
	    append_json_string(out, type, strlen(type)) < 0 ||
	    pg_buf_append_str(out, ",\"stackTrace\":[]}") < 0)
		return -1;
	return 0;
}

/* Copies type into dst as a header value: printable ASCII only, others
 * replaced with '_', and a default for an empty type. */
static void sanitize_error_type(char *dst, size_t cap, const char *type)
{
	size_t n = 0;

	for (; type[n] && n + 1 < cap; n++) {
		unsigned char c = (unsigned char)type[n];

		dst[n] = (c >= 0x20 && c < 0x7f) ? (char)c : '_';
	}
	dst[n] = '\0';
	if (n == 0)
		snprintf(dst, cap, "%s", DEFAULT_ERROR_TYPE);
}

/* Writes API_PREFIX/invocation/{id}/{action} into path, percent-encoding
 * every byte of id outside RFC 3986's unreserved set. */
static void format_invocation_path(char *path, size_t cap, const char *id,
				   const char *action)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = (size_t)snprintf(path, cap, "%s/invocation/", API_PREFIX);

	for (const char *p = id; *p && len + 4 < cap; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			path[len++] = (char)c;
		} else {
			path[len++] = '%';
			path[len++] = hex[c >> 4];
			path[len++] = hex[c & 15];
		}
	}
	snprintf(path + len, cap - len, "/%s", action);
}

/* Logs the start of an error response from the Runtime API, which names
 * the reason (e.g. Lambda's 413 for a response above its limit). */
static void log_rejection(const struct pg_rt_http_client *c, const char *what)
{
	char snippet[256];
	size_t n = 0;
	const char *body = c->in.data + c->parser.body_off;

	for (size_t i = 0; i < c->parser.body_len && n + 1 < sizeof(snippet);
	     i++) {
		unsigned char ch = (unsigned char)body[i];

		snippet[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	snippet[n] = '\0';
	pg_log_error("%s: the Runtime API returned HTTP %d: %s", what,
		     c->parser.status, snippet);
}

/* POSTs body to path and checks for a 2xx status. Returns 0 or -1, and
 * logs the failure. */
static int post(struct pg_runtime *rt, const char *path,
		const struct pg_rt_http_field *fields, size_t field_count,
		const void *body, size_t body_len, const char *what)
{
	struct pg_rt_http_request req = {
		.method = "POST",
		.path = path,
		.fields = fields,
		.field_count = field_count,
		.body = body,
		.body_len = body_len,
	};
	struct pg_err err = { { 0 } };
	enum pg_rt_http_result result;

	result = pg_rt_http_client_send(&rt->client, &req, &err);
	if (result != PG_RT_HTTP_COMPLETE) {
		pg_log_error("%s failed: %s", what, err.msg);
		return -1;
	}
	if (rt->client.parser.status / 100 != 2) {
		log_rejection(&rt->client, what);
		return -1;
	}
	return 0;
}

static int post_error(struct pg_runtime *rt, const char *path,
		      const char *type, const char *message, const char *what)
{
	char header_type[sizeof(((struct pg_invocation_error *)0)->type)];
	struct pg_rt_http_field fields[2] = {
		{ "Content-Type", "application/json" },
		{ ERROR_TYPE_HEADER, header_type },
	};

	sanitize_error_type(header_type, sizeof(header_type), type);
	if (format_error_body(&rt->error_body, header_type, message) < 0) {
		/* Cannot happen with the bounded strings of pg_invocation_error,
		 * but a shorter document would still report the failure. */
		pg_buf_reset(&rt->error_body);
		if (pg_buf_append_str(&rt->error_body,
				      "{\"errorMessage\":\"error message too "
				      "long\",\"errorType\":\"Runtime."
				      "HandlerError\",\"stackTrace\":[]}") < 0)
			return -1;
	}
	return post(rt, path, fields, 2, rt->error_body.data,
		    rt->error_body.len, what);
}

/* Sleeps for the next backoff delay after a failed GET /next. */
static void back_off(struct pg_runtime *rt)
{
	struct timespec delay;

	rt->failures++;
	rt->backoff_ms = rt->backoff_ms ? rt->backoff_ms * 2 : BACKOFF_FIRST_MS;
	if (rt->backoff_ms > BACKOFF_MAX_MS)
		rt->backoff_ms = BACKOFF_MAX_MS;
	delay.tv_sec = rt->backoff_ms / 1000;
	delay.tv_nsec = (long)(rt->backoff_ms % 1000) * 1000000L;
	while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
		;
}

static int64_t parse_deadline(const char *s)
{
	int64_t value = 0;

	if (!*s)
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || value > (INT64_MAX - 9) / 10) {
			pg_log_warn("Lambda-Runtime-Deadline-Ms: \"%.32s\" is "
				    "not a number of milliseconds; ignored",
				    s);
			return 0;
		}
		value = value * 10 + (*p - '0');
	}
	return value;
}

static const char *header_or_empty(const struct pg_rt_http_client *c,
				   const char *name)
{
	const char *value = pg_rt_http_client_header(c, name);

	return value ? value : "";
}

static void fill_context(const struct pg_rt_http_client *c,
			 struct pg_context *ctx)
{
	ctx->request_id = header_or_empty(c, "Lambda-Runtime-Aws-Request-Id");
	ctx->deadline_ms = parse_deadline(
		header_or_empty(c, "Lambda-Runtime-Deadline-Ms"));
	ctx->invoked_function_arn =
		header_or_empty(c, "Lambda-Runtime-Invoked-Function-Arn");
	ctx->trace_id = header_or_empty(c, "Lambda-Runtime-Trace-Id");
	ctx->client_context =
		header_or_empty(c, "Lambda-Runtime-Client-Context");
	ctx->cognito_identity =
		header_or_empty(c, "Lambda-Runtime-Cognito-Identity");
}

/* Runs the handler on the event now in the client's buffer and posts its
 * output. ctx points into that buffer, which the POST reuses, so the paths
 * are built first. */
static void invoke(struct pg_runtime *rt, pg_handler_fn handler,
		   void *user_data, const struct pg_context *ctx)
{
	const struct pg_rt_http_parser *p = &rt->client.parser;
	const char *payload = rt->client.in.data + p->body_off;
	char response_path[MAX_PATH_BYTES];
	char error_path[MAX_PATH_BYTES];
	struct pg_invocation_error error;
	struct pg_rt_http_field json_type = { "Content-Type",
					      "application/json" };
	int rc;

	format_invocation_path(response_path, sizeof(response_path),
			       ctx->request_id, "response");
	format_invocation_path(error_path, sizeof(error_path), ctx->request_id,
			       "error");
	if (*ctx->trace_id)
		setenv(TRACE_ENV, ctx->trace_id, 1);
	else
		unsetenv(TRACE_ENV);

	pg_buf_reset(&rt->response);
	memset(&error, 0, sizeof(error));
	rc = handler(payload, p->body_len, ctx, &rt->response, &error,
		     user_data);

	if (rc == 0) {
		post(rt, response_path, &json_type, 1, rt->response.data,
		     rt->response.len, "POST response");
		return;
	}
	/* The handler may have filled the arrays to the brim. */
	error.type[sizeof(error.type) - 1] = '\0';
	error.message[sizeof(error.message) - 1] = '\0';
	pg_log_error("invocation failed: %s: %s",
		     *error.type ? error.type : DEFAULT_ERROR_TYPE,
		     *error.message ? error.message : "(no message)");
	post_error(rt, error_path, error.type, error.message, "POST error");
}

/* Reports an event above the payload limit as that invocation's error. */
static void reject_payload(struct pg_runtime *rt, const char *request_id)
{
	char path[MAX_PATH_BYTES];
	char message[128];

	format_invocation_path(path, sizeof(path), request_id, "error");
	snprintf(message, sizeof(message),
		 "event payload larger than %u bytes",
		 PG_RUNTIME_MAX_PAYLOAD_BYTES);
	pg_log_error("invocation failed: %s", message);
	post_error(rt, path, "Runtime.PayloadTooLarge", message, "POST error");
}

/* Fetches one invocation and handles it. Every failure is logged and
 * followed by a delay; none ends the loop. */
static void run_once(struct pg_runtime *rt, pg_handler_fn handler,
		     void *user_data)
{
	static const struct pg_rt_http_request next = {
		.method = "GET",
		.path = NEXT_PATH,
	};
	struct pg_err err = { { 0 } };
	struct pg_context ctx;
	enum pg_rt_http_result result;

	result = pg_rt_http_client_send(&rt->client, &next, &err);
	if (result != PG_RT_HTTP_COMPLETE &&
	    result != PG_RT_HTTP_BODY_TOO_LARGE) {
		pg_log_warn("GET next invocation failed (%lu in a row): %s; "
			    "retrying",
			    rt->failures + 1, err.msg);
		back_off(rt);
		return;
	}
	if (rt->client.parser.status / 100 != 2) {
		log_rejection(&rt->client, "GET next invocation");
		back_off(rt);
		return;
	}

	fill_context(&rt->client, &ctx);
	if (!*ctx.request_id ||
	    strlen(ctx.request_id) > MAX_REQUEST_ID_BYTES) {
		pg_log_error("protocol error: the next invocation has %s "
			     "Lambda-Runtime-Aws-Request-Id; skipped",
			     *ctx.request_id ? "an over-long" : "no");
		back_off(rt);
		return;
	}
	rt->failures = 0;
	rt->backoff_ms = 0;
	rt->invocations++;

	pg_log_set_request_id(ctx.request_id);
	if (result == PG_RT_HTTP_BODY_TOO_LARGE)
		reject_payload(rt, ctx.request_id);
	else
		invoke(rt, handler, user_data, &ctx);
	pg_log_set_request_id(NULL);
}

int pg_runtime_run_n(pg_handler_fn handler, void *user_data,
		     unsigned long max_invocations)
{
	struct pg_runtime rt;
	struct pg_err err = { { 0 } };

	if (runtime_init(&rt, &err) < 0) {
		pg_log_error("cannot start the runtime: %s", err.msg);
		runtime_release(&rt);
		return 1;
	}
	while (max_invocations == 0 || rt.invocations < max_invocations)
		run_once(&rt, handler, user_data);
	runtime_release(&rt);
	return 0;
}

int pg_runtime_run(pg_handler_fn handler, void *user_data)
{
	return pg_runtime_run_n(handler, user_data, 0);
}

int pg_runtime_init_error(const char *error_type, const char *message)
{
	struct pg_runtime rt;
	struct pg_err err = { { 0 } };
	int result = -1;

	if (runtime_init(&rt, &err) < 0) {
		pg_log_error("cannot report the init error: %s", err.msg);
		goto out;
	}
	result = post_error(&rt, INIT_ERROR_PATH, error_type ? error_type : "",
			    message ? message : "", "POST init error");

out:
	runtime_release(&rt);
	return result;
}

int64_t pg_context_remaining_ms(const struct pg_context *ctx)
{
	struct timespec now;
	int64_t now_ms;

	if (ctx->deadline_ms <= 0)
		return INT64_MAX;
	clock_gettime(CLOCK_REALTIME, &now);
	now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	return ctx->deadline_ms - now_ms;
}
