/* The Runtime API (2018-06-01) that each process of a function polls. */
#include "local/function_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "log/log.h"

/* ---- the Runtime API ---- */

static int reply_json(struct MHD_Connection *connection, int status,
		      const char *body)
{
	return pg_http_reply(connection, status, "application/json", body,
			     strlen(body), NULL);
}

static void make_trace_id(char *out, size_t size)
{
	unsigned char random[20];
	char hex[41];

	/* X-Ray format: Root=1-<epoch seconds, hex>-<96 random bits>, and a
	 * parent segment id of 64 random bits. */
	pg_random_fill(random, sizeof(random));
	for (size_t i = 0; i < sizeof(random); i++)
		snprintf(hex + 2 * i, 3, "%02x", random[i]);
	snprintf(out, size, "Root=1-%08llx-%.24s;Parent=%.16s;Sampled=0",
		 (unsigned long long)(pg_now_epoch_ms() / 1000), hex, hex + 24);
}

static int handle_next(struct instance *inst, struct MHD_Connection *connection)
{
	struct pg_function *fn = inst->fn;
	struct invocation *inv = NULL;
	unsigned int generation;
	char id[PG_UUID_LEN + 1];
	char deadline[32];
	char trace[128];
	char *payload = NULL;
	size_t payload_len = 0;
	int rc;

	pthread_mutex_lock(&fn->lock);
	generation = inst->generation;
	/* A request left over from a process that was replaced must not
	 * take an invocation meant for the new one. */
	while (!fn->stop_thread && generation == inst->generation &&
	       (inst->current || !fn->queue_head))
		pg_fn_timed_wait(fn, &inst->wake, 1000);
	if (!fn->stop_thread && generation == inst->generation) {
		inv = fn->queue_head;
		fn->queue_head = inv->next;
		if (!fn->queue_head)
			fn->queue_tail = NULL;
		inv->next = NULL;
		inv->state = INVOCATION_RUNNING;
		inv->deadline_ms = pg_now_monotonic_ms() + (int64_t)fn->timeout_s * 1000;
		inst->current = inv;
		inst->served = true;
		memcpy(id, inv->id, sizeof(id));
		/* The response takes the payload, which saves a copy of it. */
		payload = inv->payload;
		payload_len = inv->payload_len;
		inv->payload = NULL;
		snprintf(deadline, sizeof(deadline), "%lld",
			 (long long)(pg_now_epoch_ms() + (int64_t)fn->timeout_s * 1000));
	}
	pthread_mutex_unlock(&fn->lock);

	if (!inv)
		return reply_json(connection, 500,
				  "{\"errorMessage\":\"the runtime is shutting down\","
				  "\"errorType\":\"Runtime.Unavailable\"}");

	make_trace_id(trace, sizeof(trace));
	{
		const char *headers[] = {
			"Lambda-Runtime-Aws-Request-Id", id,
			"Lambda-Runtime-Deadline-Ms", deadline,
			"Lambda-Runtime-Invoked-Function-Arn", fn->arn,
			"Lambda-Runtime-Trace-Id", trace,
			NULL,
		};

		rc = pg_http_reply_owned(connection, 200, "application/json",
					 payload, payload_len, headers);
	}
	return rc;
}

/* Completes invocation id with the posted body. */
static int handle_result(struct instance *inst, struct MHD_Connection *connection,
			 const char *id, size_t id_len, bool is_error,
			 struct pg_buf *request_body, bool too_large)
{
	const char *body = request_body->data;
	size_t len = request_body->len;
	struct pg_function *fn = inst->fn;
	struct invocation *inv;
	char *result;
	size_t result_len = len;

	pthread_mutex_lock(&fn->lock);
	inv = inst->current;
	if (!inv || strlen(inv->id) != id_len || memcmp(inv->id, id, id_len)) {
		pthread_mutex_unlock(&fn->lock);
		return reply_json(connection, 400,
				  "{\"errorMessage\":\"Invalid request ID\","
				  "\"errorType\":\"InvalidRequestID\"}");
	}
	if (too_large) {
		pg_fn_complete_error(fn, inv, PG_FUNCTION_ERROR,
			       pg_fn_error_json("Function.ResponseSizeTooLarge",
					  "Response payload size exceeded maximum allowed payload size (%u bytes).",
					  PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES));
		pthread_mutex_unlock(&fn->lock);
		return reply_json(connection, 413,
				  "{\"errorMessage\":\"Payload Too Large\","
				  "\"errorType\":\"RequestEntityTooLarge\"}");
	}

	/* The invocation takes the posted body, which saves a copy of it. */
	if (!is_error) {
		result = pg_buf_detach(request_body, NULL);
	} else {
		json_error_t jerr;
		json_t *obj = json_loadb(body, len, 0, &jerr);

		if (json_is_object(obj)) {
			result = pg_buf_detach(request_body, NULL);
		} else {
			const char *type = pg_mhd_request_header(connection,
							  "Lambda-Runtime-Function-Error-Type");

			result = pg_fn_error_json(type && *type ? type : "Unhandled", "%.*s",
					    (int)(len > 900 ? 900 : len), body);
			result_len = strlen(result);
		}
		json_decref(obj);
	}
	pg_fn_complete(fn, inv, is_error ? PG_FUNCTION_ERROR : PG_FUNCTION_OK, result,
		 result_len);
	pthread_mutex_unlock(&fn->lock);
	return reply_json(connection, 202, "{\"status\":\"OK\"}");
}

static int handle_init_error(struct instance *inst,
			     struct MHD_Connection *connection,
			     const char *body, size_t len)
{
	struct pg_function *fn = inst->fn;
	json_error_t jerr;
	json_t *obj = json_loadb(body, len, 0, &jerr);
	const char *type = pg_mhd_request_header(connection,
					  "Lambda-Runtime-Function-Error-Type");
	char *text;

	if (json_is_object(obj))
		text = pg_strndup(body, len);
	else
		text = pg_fn_error_json(type && *type ? type : "Runtime.InitError",
				  "%.*s", (int)(len > 900 ? 900 : len), body);
	json_decref(obj);

	pthread_mutex_lock(&fn->lock);
	free(inst->init_error);
	inst->init_error = text;
	pthread_mutex_unlock(&fn->lock);
	pg_log_error("function %s: reported an init error", inst->label);
	return reply_json(connection, 202, "{\"status\":\"OK\"}");
}

int pg_fn_runtime_handler(void *cls, struct MHD_Connection *connection,
			   const char *url, const char *method,
			   struct pg_buf *body, bool too_large)
{
	struct instance *inst = cls;
	bool get = !strcmp(method, "GET");
	bool post = !strcmp(method, "POST");

	if (!strcmp(url, INVOCATION_PREFIX "next") && get)
		return handle_next(inst, connection);
	if (!strcmp(url, RUNTIME_PREFIX "init/error") && post)
		return handle_init_error(inst, connection, body->data, body->len);
	if (!strncmp(url, INVOCATION_PREFIX, strlen(INVOCATION_PREFIX)) && post) {
		const char *id = url + strlen(INVOCATION_PREFIX);
		const char *slash = strchr(id, '/');

		if (slash && !strcmp(slash, "/response"))
			return handle_result(inst, connection, id, (size_t)(slash - id),
					     false, body, too_large);
		if (slash && !strcmp(slash, "/error"))
			return handle_result(inst, connection, id, (size_t)(slash - id),
					     true, body, too_large);
	}
	return reply_json(connection, 404,
			  "{\"errorMessage\":\"Not found\",\"errorType\":\"NotFound\"}");
}

