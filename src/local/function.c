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
#include "local/local.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/alloc.h"
#include "log/log.h"

#define RUNTIME_PREFIX "/2018-06-01/runtime/"
#define INVOCATION_PREFIX RUNTIME_PREFIX "invocation/"
/* How long an invocation may wait for the process beyond its own timeout,
 * which covers a (re)start of the process; Lambda's init phase is limited
 * to 10 seconds. */
#define QUEUE_GRACE_MS 10000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* A process that lives this long before exiting resets the backoff. */
#define STABLE_AFTER_MS 5000
#define STOP_GRACE_MS 2000
#define POLL_MS 50

enum invocation_state { INVOCATION_QUEUED, INVOCATION_RUNNING, INVOCATION_DONE };

struct invocation {
	char id[PG_UUID_LEN + 1];
	char *payload; /* owned until a GET /next takes it for its response */
	size_t payload_len;
	pthread_cond_t done; /* signalled when state becomes INVOCATION_DONE */
	enum invocation_state state;
	enum pg_function_outcome outcome;
	char *result;
	size_t result_len;
	int64_t enqueued_ms; /* monotonic */
	int64_t deadline_ms; /* monotonic, once running */
	struct invocation *next;
};

/* One warm process of a function and its Runtime API. Every field after
 * runtime is guarded by the function's lock. */
struct instance {
	struct pg_function *fn;
	char label[96]; /* the function name, plus the instance number when N > 1 */
	struct pg_env_list env;
	struct pg_http_listener runtime;
	/* Wakes the GET /next of this instance: an invocation is queued, the
	 * current one ended, the process was replaced or the thread stops. */
	pthread_cond_t wake;
	bool wake_ready; /* wake was initialised */

	struct invocation *current;
	pid_t pid;
	unsigned int generation; /* counts process starts */
	int64_t spawned_ms;
	int64_t next_spawn_ms;
	int consecutive_crashes;
	bool served;          /* the current process took an invocation */
	bool killed_for_timeout;
	char *init_error;     /* JSON of the last init error report, owned */
	pthread_t forwarder;
	bool forwarder_running;
};

struct pg_function {
	char *name;
	char *bootstrap_path;
	char *task_root;
	char arn[256];
	int timeout_s;
	struct instance *instances;
	int instance_count;

	pthread_mutex_t lock;
	/* Wakes the supervisor, or pg_function_begin_stop while it waits for
	 * running invocations. Invocations and GET /next requests have their
	 * own condition variables, so that one invocation wakes only the
	 * threads that it concerns. */
	pthread_cond_t changed;
	struct invocation *queue_head;
	struct invocation *queue_tail;
	bool stopping;    /* no new invocations, no restarts */
	bool stop_thread; /* the supervisor ends */
	pthread_t supervisor;
	bool supervisor_started;
};

/* Builds {"errorMessage": ..., "errorType": type}; free() the result. */
__attribute__((format(printf, 2, 3)))
static char *error_json(const char *type, const char *fmt, ...)
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

/* Initialises cond to time its waits on CLOCK_MONOTONIC, as timed_wait
 * expects. */
static void cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

/* Waits on cond, with the function's lock held, for at most ms. */
static void timed_wait(struct pg_function *fn, pthread_cond_t *cond, int64_t ms)
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

/* Wakes the GET /next requests of the instances without an invocation,
 * after one was queued; the caller holds the lock. */
static void wake_idle_instances(struct pg_function *fn)
{
	for (int i = 0; i < fn->instance_count; i++)
		if (!fn->instances[i].current)
			pthread_cond_broadcast(&fn->instances[i].wake);
}

/* Ends inv with result (taken); the caller holds the lock. */
static void complete(struct pg_function *fn, struct invocation *inv,
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

static void complete_error(struct pg_function *fn, struct invocation *inv,
			   enum pg_function_outcome outcome, char *json)
{
	complete(fn, inv, outcome, json, strlen(json));
}

/* Fails every queued invocation with a copy of error_json_text. */
static void fail_queued(struct pg_function *fn, const char *error_json_text)
{
	while (fn->queue_head)
		complete_error(fn, fn->queue_head, PG_FUNCTION_ERROR,
			       pg_strdup(error_json_text));
}

/* ---- the process ---- */

struct forward_args {
	char prefix[100]; /* "[" label "] " */
	int fd;
};

static void write_line(const char *prefix, const char *text, size_t len)
{
	char out[4096 + 96];
	int n = snprintf(out, sizeof(out), "%s%.*s\n", prefix, (int)len, text);

	if (n > (int)sizeof(out) - 1)
		n = (int)sizeof(out) - 1;
	/* Nothing can report a failed write to stderr. */
	if (write(STDERR_FILENO, out, (size_t)n) < 0)
		return;
}

/* Copies the process's output to pigeon's stderr, one line at a time with
 * the function name in front. */
static void *forward_lines(void *arg)
{
	struct forward_args *args = arg;
	char buf[4096];
	size_t used = 0;

	for (;;) {
		ssize_t n = read(args->fd, buf + used, sizeof(buf) - used);
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		for (size_t i = 0; i < used; i++) {
			if (buf[i] != '\n')
				continue;
			write_line(args->prefix, buf + start, i - start);
			start = i + 1;
		}
		memmove(buf, buf + start, used - start);
		used -= start;
		/* A line longer than the buffer goes out in pieces. */
		if (used == sizeof(buf)) {
			write_line(args->prefix, buf, used);
			used = 0;
		}
	}
	if (used)
		write_line(args->prefix, buf, used);
	close(args->fd);
	free(args);
	return NULL;
}

/* Starts the instance's process; the caller holds the lock. */
static void spawn_process(struct instance *inst)
{
	struct pg_function *fn = inst->fn;
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none;
	sigset_t all;
	char *argv[2] = { fn->bootstrap_path, NULL };
	struct forward_args *args;
	int fds[2] = { -1, -1 };
	pid_t pid = -1;
	int rc;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		pg_log_error("function %s: pipe failed: %s", inst->label, strerror(errno));
		inst->next_spawn_ms = pg_now_monotonic_ms() + BACKOFF_MAX_MS;
		return;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
	posix_spawn_file_actions_addchdir_np(&actions, fn->task_root);

	/* pigeon blocks SIGINT and SIGTERM in its threads. The function gets
	 * default dispositions, an empty mask and its own process group, so a
	 * Ctrl-C reaches only pigeon, which then stops the function. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

	rc = posix_spawn(&pid, fn->bootstrap_path, &actions, &attr, argv,
			 inst->env.entries);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	close(fds[1]);
	if (rc != 0) {
		char *err;

		close(fds[0]);
		pg_log_error("function %s: cannot start %s: %s; retrying in %d ms",
			     inst->label, fn->bootstrap_path, strerror(rc),
			     BACKOFF_MAX_MS);
		inst->next_spawn_ms = pg_now_monotonic_ms() + BACKOFF_MAX_MS;
		err = error_json("Runtime.InvalidEntrypoint",
				 "cannot start %s: %s", fn->bootstrap_path,
				 strerror(rc));
		fail_queued(fn, err);
		free(err);
		return;
	}

	args = pg_calloc(1, sizeof(*args));
	snprintf(args->prefix, sizeof(args->prefix), "[%s] ", inst->label);
	args->fd = fds[0];
	if (pthread_create(&inst->forwarder, NULL, forward_lines, args) != 0) {
		close(fds[0]);
		free(args);
	} else {
		inst->forwarder_running = true;
	}

	inst->pid = pid;
	inst->generation++;
	/* A GET /next of the previous process gives up. */
	pthread_cond_broadcast(&inst->wake);
	inst->spawned_ms = pg_now_monotonic_ms();
	inst->served = false;
	inst->killed_for_timeout = false;
	free(inst->init_error);
	inst->init_error = NULL;
	pg_log_info("function %s: started process %d (%s)", inst->label, (int)pid,
		    fn->bootstrap_path);
}

static void describe_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "signal: %s", strsignal(WTERMSIG(status)));
	else
		snprintf(out, size, "wait status %d", status);
}

/* Joins the output forwarder without holding the lock. */
static void join_forwarder(struct instance *inst)
{
	pthread_t thread = inst->forwarder;

	if (!inst->forwarder_running)
		return;
	inst->forwarder_running = false;
	pthread_mutex_unlock(&inst->fn->lock);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&inst->fn->lock);
}

/* Handles the end of the process; the caller holds the lock. */
static void on_process_exit(struct instance *inst, int status,
			    long peak_rss_kib)
{
	struct pg_function *fn = inst->fn;
	char how[128];
	int64_t now = pg_now_monotonic_ms();
	int64_t backoff = 0;

	describe_status(status, how, sizeof(how));
	inst->pid = -1;

	if (inst->current) {
		struct invocation *inv = inst->current;

		pg_log_error("function %s: invocation %s failed: process exited (%s)",
			     inst->label, inv->id, how);
		complete_error(fn, inv, PG_FUNCTION_ERROR,
			       error_json("Runtime.ExitError",
					  "RequestId: %s Error: Runtime exited with error: %s",
					  inv->id, how));
	}
	if (inst->init_error && !inst->served) {
		pg_log_error("function %s: init failed: %s", inst->label,
			     inst->init_error);
		fail_queued(fn, inst->init_error);
	}

	if (fn->stopping) {
		pg_log_info("function %s: process exited (%s, peak RSS %ld KiB)",
			    inst->label, how, peak_rss_kib);
	} else if (inst->killed_for_timeout) {
		inst->consecutive_crashes = 0;
		pg_log_info("function %s: process killed after a timeout; restarting",
			    inst->label);
	} else {
		if (now - inst->spawned_ms >= STABLE_AFTER_MS)
			inst->consecutive_crashes = 0;
		backoff = BACKOFF_MIN_MS;
		for (int i = 0; i < inst->consecutive_crashes && backoff < BACKOFF_MAX_MS; i++)
			backoff *= 2;
		if (backoff > BACKOFF_MAX_MS)
			backoff = BACKOFF_MAX_MS;
		inst->consecutive_crashes++;
		pg_log_error("function %s: process exited (%s, peak RSS %ld KiB); "
			     "restarting in %lld ms",
			     inst->label, how, peak_rss_kib, (long long)backoff);
	}
	inst->next_spawn_ms = now + backoff;
	join_forwarder(inst);
}

static void check_deadline(struct instance *inst)
{
	struct pg_function *fn = inst->fn;
	struct invocation *inv = inst->current;

	if (inv && pg_now_monotonic_ms() >= inv->deadline_ms &&
	    !inst->killed_for_timeout) {
		pg_log_error("function %s: invocation %s timed out after %d seconds",
			     inst->label, inv->id, fn->timeout_s);
		complete_error(fn, inv, PG_FUNCTION_TIMEOUT,
			       error_json("Sandbox.Timedout",
					  "RequestId: %s Error: Task timed out after %d.00 seconds",
					  inv->id, fn->timeout_s));
		/* Lambda ends the execution environment after a timeout. */
		if (inst->pid > 0) {
			inst->killed_for_timeout = true;
			kill(-inst->pid, SIGKILL);
		}
	}
}

static void check_deadlines(struct pg_function *fn)
{
	int64_t now = pg_now_monotonic_ms();
	int64_t queue_limit = (int64_t)fn->timeout_s * 1000 + QUEUE_GRACE_MS;
	struct invocation *inv;

	for (int i = 0; i < fn->instance_count; i++)
		check_deadline(&fn->instances[i]);
	while (fn->queue_head && now - fn->queue_head->enqueued_ms >= queue_limit) {
		inv = fn->queue_head;
		pg_log_error("function %s: invocation %s waited %lld ms for the process",
			     fn->name, inv->id, (long long)(now - inv->enqueued_ms));
		complete_error(fn, inv, PG_FUNCTION_ERROR,
			       error_json("Runtime.Unavailable",
					  "RequestId: %s Error: function %s did not take the invocation within %lld seconds",
					  inv->id, fn->name,
					  (long long)(queue_limit / 1000)));
	}
}

/* Sends SIGTERM to the instance's process group; SIGKILL follows from
 * wait_for_exit after the grace period. */
static void begin_terminate(struct instance *inst)
{
	if (inst->pid > 0)
		kill(-inst->pid, SIGTERM);
}

/* Waits for the process that begin_terminate signalled, until give_up. */
static void wait_for_exit(struct instance *inst, int64_t give_up)
{
	struct rusage usage;
	int status;

	if (inst->pid <= 0)
		return;
	memset(&usage, 0, sizeof(usage));
	for (;;) {
		pid_t r = wait4(inst->pid, &status, WNOHANG, &usage);

		if (r == inst->pid || (r < 0 && errno != EINTR))
			break;
		if (pg_now_monotonic_ms() >= give_up) {
			kill(-inst->pid, SIGKILL);
			while (wait4(inst->pid, &status, 0, &usage) < 0 &&
			       errno == EINTR)
				;
			break;
		}
		timed_wait(inst->fn, &inst->fn->changed, 20);
	}
	/* ru_maxrss is in KiB on Linux. */
	pg_log_info("function %s: stopped process %d (peak RSS %ld KiB)",
		    inst->label, (int)inst->pid, usage.ru_maxrss);
	inst->pid = -1;
	join_forwarder(inst);
}

static void supervise_instance(struct instance *inst)
{
	if (inst->pid > 0) {
		struct rusage usage;
		int status;
		pid_t r = wait4(inst->pid, &status, WNOHANG, &usage);

		if (r == inst->pid)
			on_process_exit(inst, status, usage.ru_maxrss);
	}
	if (inst->pid <= 0 && !inst->fn->stopping &&
	    pg_now_monotonic_ms() >= inst->next_spawn_ms)
		spawn_process(inst);
}

static void *supervise(void *arg)
{
	struct pg_function *fn = arg;
	int64_t give_up;

	pthread_mutex_lock(&fn->lock);
	while (!fn->stop_thread) {
		for (int i = 0; i < fn->instance_count; i++)
			supervise_instance(&fn->instances[i]);
		check_deadlines(fn);
		timed_wait(fn, &fn->changed, POLL_MS);
	}
	/* Every process gets the same grace period, counted from one start. */
	for (int i = 0; i < fn->instance_count; i++)
		begin_terminate(&fn->instances[i]);
	give_up = pg_now_monotonic_ms() + STOP_GRACE_MS;
	for (int i = 0; i < fn->instance_count; i++)
		wait_for_exit(&fn->instances[i], give_up);
	pthread_mutex_unlock(&fn->lock);
	return NULL;
}

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
		timed_wait(fn, &inst->wake, 1000);
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
		complete_error(fn, inv, PG_FUNCTION_ERROR,
			       error_json("Function.ResponseSizeTooLarge",
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

			result = error_json(type && *type ? type : "Unhandled", "%.*s",
					    (int)(len > 900 ? 900 : len), body);
			result_len = strlen(result);
		}
		json_decref(obj);
	}
	complete(fn, inv, is_error ? PG_FUNCTION_ERROR : PG_FUNCTION_OK, result,
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
		text = error_json(type && *type ? type : "Runtime.InitError",
				  "%.*s", (int)(len > 900 ? 900 : len), body);
	json_decref(obj);

	pthread_mutex_lock(&fn->lock);
	free(inst->init_error);
	inst->init_error = text;
	pthread_mutex_unlock(&fn->lock);
	pg_log_error("function %s: reported an init error", inst->label);
	return reply_json(connection, 202, "{\"status\":\"OK\"}");
}

static int runtime_handler(void *cls, struct MHD_Connection *connection,
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
	cond_init_monotonic(&inst->wake);
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

	inst->runtime.handler = runtime_handler;
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
	cond_init_monotonic(&fn->changed);

	fn->instance_count = config->concurrency > 0 ? config->concurrency : 1;
	fn->instances = pg_calloc((size_t)fn->instance_count,
				  sizeof(*fn->instances));
	for (int i = 0; i < fn->instance_count; i++) {
		if (instance_init(fn, i, config->env, err) < 0) {
			pg_function_stop(fn);
			return -1;
		}
	}

	if (pthread_create(&fn->supervisor, NULL, supervise, fn) != 0) {
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
	err = error_json("Runtime.Unavailable", "pigeon is stopping");
	pthread_mutex_lock(&fn->lock);
	fn->stopping = true;
	fail_queued(fn, err);

	/* A taken invocation may already have done its work (a message
	 * sent), so it gets STOP_GRACE_MS to report its result. */
	give_up = pg_now_monotonic_ms() + STOP_GRACE_MS;
	while (has_current_invocation(fn) && pg_now_monotonic_ms() < give_up)
		timed_wait(fn, &fn->changed, POLL_MS);
	for (int i = 0; i < fn->instance_count; i++)
		if (fn->instances[i].current)
			complete_error(fn, fn->instances[i].current,
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
	cond_init_monotonic(&inv.done);

	pthread_mutex_lock(&fn->lock);
	if (fn->stopping) {
		complete_error(fn, &inv, PG_FUNCTION_ERROR,
			       error_json("Runtime.Unavailable", "pigeon is stopping"));
	} else {
		if (fn->queue_tail)
			fn->queue_tail->next = &inv;
		else
			fn->queue_head = &inv;
		fn->queue_tail = &inv;
		wake_idle_instances(fn);
	}
	/* The supervisor ends every invocation: by its deadline, by the
	 * queue limit or when pigeon stops. */
	while (inv.state != INVOCATION_DONE)
		timed_wait(fn, &inv.done, 200);
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
