/* The api function's settings, its routes and the per-invocation step from
 * event to response JSON. */
#include "web/web.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"
#include "runtime/runtime.h"

#define DELIVERY_FAILED_MESSAGE \
	"the message could not be delivered; please try again later"
#define SENT_MESSAGE "Thank you, your message has been sent."

/* ---- Settings -------------------------------------------------------- */

void pg_api_config_init(struct pg_api_config *config)
{
	memset(config, 0, sizeof(*config));
	config->invocation_type = PG_INVOKE_EVENT;
	config->max_event_bytes = PG_API_DEFAULT_MAX_EVENT_BYTES;
	pg_contact_limits_init(&config->limits);
}

void pg_api_config_release(struct pg_api_config *config)
{
	if (!config)
		return;
	free(config->cors_allow_origin);
	config->cors_allow_origin = NULL;
	free(config->notifications_function);
	config->notifications_function = NULL;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int read_size(const char *name, size_t fallback, size_t max,
		     size_t *out, struct pg_err *err)
{
	const char *text = getenv(name);
	unsigned long long value;
	char *end;

	*out = fallback;
	if (!text || !*text)
		return 0;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || *end || text[0] == '-' || value < 1 || value > max) {
		pg_err_set(err, "%s: \"%.32s\" is not a whole number from 1 "
				"to %zu",
			   name, text, max);
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

	if (!origin || !*origin)
		origin = PG_CORS_DEFAULT_ORIGIN;
	/* The value goes into a response header as it is. */
	if (has_control(origin) || !pg_utf8_valid(origin, strlen(origin), NULL)) {
		pg_err_set(err, "CORS_ALLOW_ORIGIN: contains a control "
				"character or invalid UTF-8");
		return -1;
	}
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
	if (read_size("API_MAX_EVENT_BYTES", PG_API_DEFAULT_MAX_EVENT_BYTES,
		      PG_RUNTIME_MAX_PAYLOAD_BYTES, &config->max_event_bytes,
		      err) < 0)
		return -1;

	free(config->cors_allow_origin);
	config->cors_allow_origin = pg_strdup(origin);
	free(config->notifications_function);
	config->notifications_function = pg_strdup(function);
	return 0;
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

	pg_contact_init(&contact);
	pg_problem_init(&problem);
	pg_buf_init(&event, 0);

	if (pg_contact_read(&contact, req, &config->limits, &problem) < 0) {
		pg_problem_respond(&problem, resp);
		pg_err_set(cause, "%s", problem.error.msg);
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

	pg_respond_json_text(resp, 200, "message", SENT_MESSAGE);
	goto out;
failed:
	/* The client gets a generic sentence; the log gets the cause. */
	pg_err_set(cause, "notifications function %s: %s",
		   config->notifications_function ?
			   config->notifications_function :
			   "(unset)",
		   pg_err_is_set(&send_err) ? send_err.msg : "failed");
	pg_respond_error(resp, 502, DELIVERY_FAILED_MESSAGE);
out:
	pg_buf_release(&event);
	pg_contact_release(&contact);
}

void pg_api_health(const struct pg_http_request *req,
		   struct pg_http_response *resp, struct pg_err *cause,
		   void *data)
{
	(void)req;
	(void)cause;
	(void)data;
	pg_respond_json_text(resp, 200, "status", "ok");
}

int pg_api_add_routes(struct pg_router *router, struct pg_api_config *config,
		      struct pg_err *err)
{
	if (pg_router_add(router, "POST /contact", pg_api_contact, config,
			  err) < 0)
		return -1;
	return pg_router_add(router, "GET /health", pg_api_health, NULL, err);
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
	if (rc != PG_EVENT_OK) {
		pg_respond_error(&resp,
				 rc == PG_EVENT_BODY_TOO_LARGE ? 413 : 400,
				 decode_err.msg);
		pg_err_set(&outcome->cause, "%s", decode_err.msg);
		pg_router_set_cors(router, &resp);
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
