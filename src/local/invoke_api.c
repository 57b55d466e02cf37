/* The Lambda Invoke API stand-in (POST /2015-03-31/functions/{name}/
 * invocations), reachable through AWS_ENDPOINT_URL_LAMBDA.
 *
 * RequestResponse waits for the function. Event stores the payload in the
 * SQLite queue and returns 202 once the row is committed. DryRun returns
 * 204. The request must carry an Authorization header, as AWS requires a
 * signature, but the SigV4 signature itself is not verified. The payload
 * must be JSON, but only its syntax is checked (local/json_syntax.h). */
#include "local/local.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "local/json_syntax.h"
#include "log/log.h"

#define FUNCTIONS_PREFIX "/2015-03-31/functions/"
#define INVOCATIONS_SUFFIX "/invocations"
#define FUNCTION_NAME_MAX 256

/* Sends an AWS error; request_id NULL makes up a new one. */
static int reply_error(struct MHD_Connection *connection, int status,
		       const char *error_type, const char *request_id,
		       const char *message)
{
	char new_id[PG_UUID_LEN + 1];
	json_t *obj = json_pack("{s:s, s:s}", "Type", "User", "message", message);
	char *text = json_dumps(obj, JSON_COMPACT);
	const char *headers[] = {
		"x-amzn-ErrorType", error_type,
		"x-amzn-RequestId", request_id,
		NULL,
	};
	int rc;

	if (!request_id) {
		pg_uuid_generate(new_id);
		headers[3] = new_id;
	}
	rc = pg_http_reply(connection, status, "application/json", text,
			       strlen(text), headers);

	free(text);
	json_decref(obj);
	return rc;
}

/* Reduces a function name, full ARN or partial ARN ("123456789012:function:
 * name"), with an optional ":qualifier", to the name. Returns false when the
 * qualifier is not $LATEST, the only version pigeon runs. */
static bool function_name_from(const char *raw, size_t raw_len, char *name,
			       size_t size, const char *query_qualifier)
{
	char text[FUNCTION_NAME_MAX + 1];
	const char *start = text;
	const char *marker;
	char *colon;

	if (!raw_len || raw_len > FUNCTION_NAME_MAX)
		return false;
	memcpy(text, raw, raw_len);
	text[raw_len] = '\0';
	marker = strstr(text, ":function:");
	if (marker)
		start = marker + strlen(":function:");
	colon = strchr(start, ':');
	if (colon) {
		if (strcmp(colon + 1, "$LATEST"))
			return false;
		*colon = '\0';
	}
	if (query_qualifier && strcmp(query_qualifier, "$LATEST"))
		return false;
	if (!*start)
		return false;
	snprintf(name, size, "%s", start);
	return true;
}

/* Runs the invocation and sends the function's response. payload is taken. */
static int invoke_sync(struct MHD_Connection *connection, struct pg_function *fn,
		       char *payload, size_t len)
{
	struct pg_function_result result;
	const char *headers[7];
	char *answer;
	size_t n = 0;

	pg_function_invoke(fn, payload, len, NULL, &result);
	headers[n++] = "X-Amz-Executed-Version";
	headers[n++] = "$LATEST";
	headers[n++] = "x-amzn-RequestId";
	headers[n++] = result.request_id;
	if (result.outcome != PG_FUNCTION_OK) {
		headers[n++] = "X-Amz-Function-Error";
		headers[n++] = "Unhandled";
	}
	headers[n] = NULL;
	/* The HTTP response takes the function's response, which saves a copy. */
	answer = result.payload ? result.payload : pg_strdup("");
	result.payload = NULL;
	return pg_http_reply_owned(connection, 200, "application/json", answer,
				   result.payload_len, headers);
}

static int invoke_event(struct pg_serve *serve, struct MHD_Connection *connection,
			struct pg_function *fn, const char *payload, size_t len)
{
	struct pg_err err = {{0}};
	char request_id[PG_UUID_LEN + 1];
	const char *headers[] = { "x-amzn-RequestId", request_id, NULL };

	pg_uuid_generate(request_id);
	if (pg_store_event_add(pg_serve_store(serve), pg_function_name(fn),
			       request_id, payload, len, pg_now_epoch_ms(),
			       &err) < 0) {
		pg_log_error("invoke: cannot queue event %s for %s: %s", request_id,
			     pg_function_name(fn), err.msg);
		return reply_error(connection, 500, "ServiceException", request_id,
				   "the event could not be stored");
	}
	pg_log_info("invoke: queued event %s for %s (%zu bytes)", request_id,
		    pg_function_name(fn), len);
	pg_serve_notify_queue(serve, pg_function_name(fn));
	return pg_http_reply(connection, 202, NULL, "", 0, headers);
}

static int invoke_handler(void *cls, struct MHD_Connection *connection,
			  const char *url, const char *method,
			  struct pg_buf *request_body, bool too_large)
{
	const char *body = request_body->data;
	size_t len = request_body->len;
	struct pg_serve *serve = cls;
	const char *type = pg_mhd_request_header(connection, "X-Amz-Invocation-Type");
	const char *qualifier = MHD_lookup_connection_value(
		connection, MHD_GET_ARGUMENT_KIND, "Qualifier");
	char name[FUNCTION_NAME_MAX + 1];
	char message[FUNCTION_NAME_MAX + 200];
	struct pg_function *fn;
	size_t url_len = strlen(url);
	size_t limit;
	bool event;
	struct pg_err syntax_err = {{0}};

	/* A request id is made up where the response needs one: the function
	 * invocation makes its own. */
	if (strncmp(url, FUNCTIONS_PREFIX, strlen(FUNCTIONS_PREFIX)) ||
	    url_len <= strlen(FUNCTIONS_PREFIX) + strlen(INVOCATIONS_SUFFIX) ||
	    strcmp(url + url_len - strlen(INVOCATIONS_SUFFIX), INVOCATIONS_SUFFIX) ||
	    strcmp(method, "POST"))
		return reply_error(connection, 404, "UnknownOperationException",
				   NULL, "Unknown operation");
	if (!pg_mhd_request_header(connection, "Authorization"))
		return reply_error(connection, 403, "MissingAuthenticationTokenException",
				   NULL, "Missing Authentication Token");

	if (!function_name_from(url + strlen(FUNCTIONS_PREFIX),
				url_len - strlen(FUNCTIONS_PREFIX) - strlen(INVOCATIONS_SUFFIX),
				name, sizeof(name), qualifier) ||
	    !(fn = pg_serve_function(serve, name))) {
		snprintf(message, sizeof(message),
			 "Function not found: arn:aws:lambda:%s:%s:function:%.*s",
			 pg_serve_region(serve), PG_LOCAL_ACCOUNT_ID,
			 (int)(url_len - strlen(FUNCTIONS_PREFIX) - strlen(INVOCATIONS_SUFFIX)),
			 url + strlen(FUNCTIONS_PREFIX));
		return reply_error(connection, 404, "ResourceNotFoundException",
				   NULL, message);
	}

	if (!type || !strcmp(type, "RequestResponse")) {
		event = false;
	} else if (!strcmp(type, "Event")) {
		event = true;
	} else if (!strcmp(type, "DryRun")) {
		char request_id[PG_UUID_LEN + 1];
		const char *headers[] = { "x-amzn-RequestId", request_id, NULL };

		pg_uuid_generate(request_id);
		return pg_http_reply(connection, 204, NULL, "", 0, headers);
	} else {
		return reply_error(connection, 400, "InvalidParameterValueException",
				   NULL,
				   "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun");
	}

	limit = event ? PG_LOCAL_ASYNC_PAYLOAD_MAX_BYTES : PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES;
	if (too_large || len > limit) {
		snprintf(message, sizeof(message),
			 "Request payload is too large for the %s invocation type (limit %zu bytes)",
			 event ? "Event" : "RequestResponse", limit);
		return reply_error(connection, 413, "RequestEntityTooLargeException",
				   NULL, message);
	}

	/* Lambda takes any valid JSON and leaves the rest to the function,
	 * so only the syntax is checked; an empty payload stands for {}. */
	if (!len) {
		body = "{}";
		len = 2;
	}
	if (pg_json_syntax_check(body, len, &syntax_err) < 0) {
		snprintf(message, sizeof(message),
			 "Could not parse request body into json: %.300s", syntax_err.msg);
		return reply_error(connection, 400, "InvalidRequestContentException",
				   NULL, message);
	}

	if (event)
		return invoke_event(serve, connection, fn, body, len);
	if (!request_body->len)
		return invoke_sync(connection, fn, pg_strdup(body), len);
	return invoke_sync(connection, fn, pg_buf_detach(request_body, NULL), len);
}

void pg_invoke_api_handler_init(struct pg_http_listener *listener,
				struct pg_serve *serve)
{
	memset(listener, 0, sizeof(*listener));
	listener->handler = invoke_handler;
	listener->cls = serve;
	listener->max_body_bytes = PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES;
}
