/* One function: its process, supervised like a Lambda execution
 * environment, and the Runtime API (2018-06-01) that process polls.
 *
 * A function keeps a fixed number of warm processes (instances), as Lambda
 * keeps execution environments. Each instance has its own Runtime API
 * listener, as each Lambda execution environment has its own
 * AWS_LAMBDA_RUNTIME_API endpoint, so a response or a crash is tied to
 * the invocation of that process.
 *
 * Invocations wait in one FIFO queue per function. A GET /next from an
 * instance without an invocation takes the oldest one and starts its
 * deadline, so an invocation goes to whichever process is free first. The
 * invocation ends with the process's response or error, with
 * Runtime.ExitError when the process dies, or with a timeout, after which
 * the process is killed and started again. One process serves one
 * invocation at a time, so a function runs at most as many invocations at
 * once as it has instances. */
#include "local/function_internal.h"

#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "log/log.h"

char *pg_fn_error_json(const char *type, const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	json_t *obj;
	char *text;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	obj = json_pack("{s:s, s:s}", "errorMessage", message, "errorType", type);
	text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return text ? text : pg_strdup("{}");
}

void pg_fn_cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

void pg_fn_timed_wait(struct pg_function *fn, pthread_cond_t *cond, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cond, &fn->lock, &ts);
}

void pg_fn_wake_idle_instances(struct pg_function *fn)
{
	for (int i = 0; i < fn->instance_count; i++)
		if (!fn->instances[i].current)
			pthread_cond_broadcast(&fn->instances[i].wake);
}

void pg_fn_complete(struct pg_function *fn, struct invocation *inv,
		     enum pg_function_outcome outcome, char *result, size_t len)
{
	if (inv->state == INVOCATION_QUEUED) {
		struct invocation **link = &fn->queue_head;

		while (*link && *link != inv)
			link = &(*link)->next;
		if (*link)
			*link = inv->next;
		fn->queue_tail = NULL;
		for (struct invocation *i = fn->queue_head; i; i = i->next)
			fn->queue_tail = i;
	}
	for (int i = 0; i < fn->instance_count; i++) {
		if (fn->instances[i].current == inv) {
			fn->instances[i].current = NULL;
			pthread_cond_broadcast(&fn->instances[i].wake);
		}
	}
	inv->state = INVOCATION_DONE;
	inv->outcome = outcome;
	inv->result = result;
	inv->result_len = len;
	pthread_cond_signal(&inv->done);
	if (fn->stopping)
		pthread_cond_broadcast(&fn->changed);
}

void pg_fn_complete_error(struct pg_function *fn, struct invocation *inv,
			   enum pg_function_outcome outcome, char *json)
{
	pg_fn_complete(fn, inv, outcome, json, strlen(json));
}

void pg_fn_fail_queued(struct pg_function *fn, const char *error_json_text)
{
	while (fn->queue_head)
		pg_fn_complete_error(fn, fn->queue_head, PG_FUNCTION_ERROR,
			       pg_strdup(error_json_text));
}

/* ---- the public functions ---- */

/* Sets up instance number index (0-based) with a copy of env and its own
 * Runtime API listener. */
static int instance_init(struct pg_function *fn, int index,
			 const struct pg_env_list *env, struct pg_err *err)
{
	struct instance *inst = &fn->instances[index];
	char address[64];

	inst->fn = fn;
	inst->pid = -1;
	pg_fn_cond_init_monotonic(&inst->wake);
	inst->wake_ready = true;
	if (fn->instance_count == 1)
		snprintf(inst->label, sizeof(inst->label), "%s", fn->name);
	else
		snprintf(inst->label, sizeof(inst->label), "%s %d", fn->name,
			 index + 1);
	pg_env_list_init(&inst->env);
	for (size_t i = 0; i < env->count; i++) {
		const char *entry = env->entries[i];
		const char *eq = strchr(entry, '=');
		char *key = pg_strndup(entry, (size_t)(eq - entry));

		pg_env_list_set(&inst->env, key, eq + 1);
		free(key);
	}

	inst->runtime.handler = pg_fn_runtime_handler;
	inst->runtime.cls = inst;
	inst->runtime.max_body_bytes = PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES;
	if (pg_http_listen(&inst->runtime, "127.0.0.1", 0, err) < 0)
		return -1;
	snprintf(address, sizeof(address), "127.0.0.1:%d", inst->runtime.port);
	pg_env_list_set(&inst->env, "AWS_LAMBDA_RUNTIME_API", address);
	return 0;
}

int pg_function_start(const struct pg_function_config *config,
		      struct pg_function **out, struct pg_err *err)
{
	struct pg_function *fn = pg_calloc(1, sizeof(*fn));
	char *path_copy;

	*out = NULL;
	fn->name = pg_strdup(config->name);
	fn->bootstrap_path = pg_strdup(config->bootstrap_path);
	path_copy = pg_strdup(config->bootstrap_path);
	fn->task_root = pg_strdup(dirname(path_copy));
	free(path_copy);
	fn->timeout_s = config->timeout_s;
	snprintf(fn->arn, sizeof(fn->arn), "arn:aws:lambda:%s:%s:function:%s",
		 config->region, PG_LOCAL_ACCOUNT_ID, config->name);

	pthread_mutex_init(&fn->lock, NULL);
	pg_fn_cond_init_monotonic(&fn->changed);

	fn->instance_count = config->concurrency > 0 ? config->concurrency : 1;
	fn->instances = pg_calloc((size_t)fn->instance_count,
				  sizeof(*fn->instances));
	for (int i = 0; i < fn->instance_count; i++) {
		if (instance_init(fn, i, config->env, err) < 0) {
			pg_function_stop(fn);
			return -1;
		}
	}

	if (pthread_create(&fn->supervisor, NULL, pg_fn_supervise, fn) != 0) {
		pg_err_set(err, "function %s: cannot start its thread", fn->name);
		pg_function_stop(fn);
		return -1;
	}
	fn->supervisor_started = true;
	*out = fn;
	return 0;
}

static bool has_current_invocation(const struct pg_function *fn)
{
	for (int i = 0; i < fn->instance_count; i++)
		if (fn->instances[i].current)
			return true;
	return false;
}

void pg_function_begin_stop(struct pg_function *fn)
{
	int64_t give_up;
	char *err;

	if (!fn)
		return;
	err = pg_fn_error_json("Runtime.Unavailable", "pigeon is stopping");
	pthread_mutex_lock(&fn->lock);
	fn->stopping = true;
	pg_fn_fail_queued(fn, err);

	/* A taken invocation may already have done its work (a message
	 * sent), so it gets STOP_GRACE_MS to report its result. */
	give_up = pg_now_monotonic_ms() + STOP_GRACE_MS;
	while (has_current_invocation(fn) && pg_now_monotonic_ms() < give_up)
		pg_fn_timed_wait(fn, &fn->changed, POLL_MS);
	for (int i = 0; i < fn->instance_count; i++)
		if (fn->instances[i].current)
			pg_fn_complete_error(fn, fn->instances[i].current,
				       PG_FUNCTION_ERROR, pg_strdup(err));
	pthread_mutex_unlock(&fn->lock);
	free(err);
}

void pg_function_stop(struct pg_function *fn)
{
	if (!fn)
		return;
	pg_function_begin_stop(fn);
	pthread_mutex_lock(&fn->lock);
	fn->stop_thread = true;
	pthread_cond_broadcast(&fn->changed);
	for (int i = 0; i < fn->instance_count; i++)
		if (fn->instances[i].wake_ready)
			pthread_cond_broadcast(&fn->instances[i].wake);
	pthread_mutex_unlock(&fn->lock);
	if (fn->supervisor_started)
		pthread_join(fn->supervisor, NULL);
	for (int i = 0; i < fn->instance_count; i++) {
		struct instance *inst = &fn->instances[i];

		pg_http_stop(&inst->runtime);
		pg_env_list_release(&inst->env);
		free(inst->init_error);
		if (inst->wake_ready)
			pthread_cond_destroy(&inst->wake);
	}
	free(fn->instances);

	pthread_cond_destroy(&fn->changed);
	pthread_mutex_destroy(&fn->lock);
	free(fn->name);
	free(fn->bootstrap_path);
	free(fn->task_root);
	free(fn);
}

const char *pg_function_name(const struct pg_function *fn)
{
	return fn->name;
}

void pg_function_invoke(struct pg_function *fn, char *payload, size_t len,
			const char *request_id, struct pg_function_result *out)
{
	struct invocation inv;
	int64_t start = pg_now_monotonic_ms();

	memset(&inv, 0, sizeof(inv));
	memset(out, 0, sizeof(*out));
	if (request_id)
		snprintf(inv.id, sizeof(inv.id), "%s", request_id);
	else
		pg_uuid_generate(inv.id);
	inv.payload = payload;
	inv.payload_len = len;
	inv.enqueued_ms = start;
	pg_fn_cond_init_monotonic(&inv.done);

	pthread_mutex_lock(&fn->lock);
	if (fn->stopping) {
		pg_fn_complete_error(fn, &inv, PG_FUNCTION_ERROR,
			       pg_fn_error_json("Runtime.Unavailable", "pigeon is stopping"));
	} else {
		if (fn->queue_tail)
			fn->queue_tail->next = &inv;
		else
			fn->queue_head = &inv;
		fn->queue_tail = &inv;
		pg_fn_wake_idle_instances(fn);
	}
	/* The supervisor ends every invocation: by its deadline, by the
	 * queue limit or when pigeon stops. */
	while (inv.state != INVOCATION_DONE)
		pg_fn_timed_wait(fn, &inv.done, 200);
	pthread_mutex_unlock(&fn->lock);
	pthread_cond_destroy(&inv.done);
	/* Still here when no GET /next took the invocation. */
	free(inv.payload);

	out->outcome = inv.outcome;
	memcpy(out->request_id, inv.id, sizeof(out->request_id));
	out->payload = inv.result;
	out->payload_len = inv.result_len;
	out->duration_ms = pg_now_monotonic_ms() - start;
	pg_log_info("function %s: invocation %s %s in %lld ms", fn->name, inv.id,
		    inv.outcome == PG_FUNCTION_OK ? "succeeded"
		    : inv.outcome == PG_FUNCTION_TIMEOUT ? "timed out" : "failed",
		    (long long)out->duration_ms);
}

void pg_function_result_release(struct pg_function_result *result)
{
	if (!result)
		return;
	free(result->payload);
	result->payload = NULL;
	result->payload_len = 0;
}
