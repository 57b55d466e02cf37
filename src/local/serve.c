/* `pigeon serve`: starts the listeners, the two function processes with the
 * environment Lambda would give them, and one queue worker a function, then
 * waits for SIGINT or SIGTERM and stops everything in reverse order. */
#include "local/local.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "log/log.h"

#define CLIENT_IDLE_TIMEOUT_S 30
#define FUNCTION_COUNT 2
/* Lambda makes 3 attempts at an Event invocation: the first and 2 retries. */
#define EVENT_MAX_ATTEMPTS 3
#define PUSHOVER_REAL_URL "https://api.pushover.net/1/messages.json"
/* Well-formed stand-ins (30 letters and digits) for the local inbox. */
#define DUMMY_PUSHOVER_TOKEN "pigeonLocalToken00000000000000"
#define DUMMY_PUSHOVER_USER "pigeonLocalUser000000000000000"
#define DUMMY_ACCESS_KEY_ID "AKIAPIGEONLOCAL00000"
#define DUMMY_SECRET_ACCESS_KEY "pigeonLocalSecretAccessKey00000000000000"
#define DUMMY_SESSION_TOKEN "pigeonLocalSessionToken"

static const char *const function_names[FUNCTION_COUNT] = { "api", "notifications" };

/* The stored events of one function and the workers that deliver them,
 * one for each warm process of the function, as Lambda runs Event
 * invocations in parallel up to the function's concurrency. */
struct event_queue {
	struct pg_serve *serve;
	struct pg_function *fn;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* an event was stored, or the workers stop */
	bool ready;          /* lock and wake are initialised */
	bool stop;
	int pending;         /* events stored since a worker last looked */
	pthread_t threads[PG_SERVE_CONCURRENCY_MAX];
	int started;         /* threads running */
};

/* A queue worker thread: its queue and its number (1-based), which
 * marks the events it claims. */
struct worker {
	struct event_queue *queue;
	int number;
};

struct pg_serve {
	const struct pg_serve_options *options;
	struct pg_function *_Atomic functions[FUNCTION_COUNT];
	struct event_queue queues[FUNCTION_COUNT];
	struct worker workers[FUNCTION_COUNT][PG_SERVE_CONCURRENCY_MAX];
	struct pg_store *store;
	struct pg_http_listener gateway;
	struct pg_http_listener invoke;
	struct pg_env_list file_env;
	char region[64];
	char public_host[300];
	atomic_bool stopping;
};

struct pg_function *pg_serve_function(struct pg_serve *serve, const char *name)
{
	for (int i = 0; i < FUNCTION_COUNT; i++)
		if (!strcmp(name, function_names[i]))
			return atomic_load(&serve->functions[i]);
	return NULL;
}

struct pg_store *pg_serve_store(struct pg_serve *serve)
{
	return serve->store;
}

const char *pg_serve_region(const struct pg_serve *serve)
{
	return serve->region;
}

int pg_serve_payload_version(const struct pg_serve *serve)
{
	return serve->options->payload_version;
}

void pg_serve_notify_queue(struct pg_serve *serve, const char *function)
{
	for (int i = 0; i < FUNCTION_COUNT; i++) {
		struct event_queue *q = &serve->queues[i];

		if (strcmp(function, function_names[i]) || !q->ready)
			continue;
		/* One event needs one worker; a busy worker looks for more
		 * events when it is done, before it waits. */
		pthread_mutex_lock(&q->lock);
		q->pending++;
		pthread_cond_signal(&q->wake);
		pthread_mutex_unlock(&q->lock);
	}
}

/* ---- the event queue worker ---- */

/* Waits up to ms for a new event or a stop; returns false once stopped. */
static bool worker_wait(struct event_queue *q, int64_t ms)
{
	struct timespec ts;
	bool running;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q->lock);
	if (!q->stop && !q->pending)
		pthread_cond_timedwait(&q->wake, &q->lock, &ts);
	if (q->pending > 0)
		q->pending--;
	running = !q->stop;
	pthread_mutex_unlock(&q->lock);
	return running;
}

static void deliver(struct worker *w, struct pg_stored_event *event)
{
	struct pg_serve *serve = w->queue->serve;
	struct pg_function *fn = w->queue->fn;
	const char *name = pg_function_name(fn);
	struct pg_function_result result;
	struct pg_err err = {{0}};
	int attempt = event->attempts + 1;
	int64_t now;
	int64_t retry_at = -1;
	int rc;

	/* The invocation takes the payload; a retry reads it from the
	 * store again. */
	pg_function_invoke(fn, event->payload, event->payload_len,
			   event->request_id, &result);
	event->payload = NULL;
	/* An attempt cut short by the stop is not the function's failure:
	 * the row is queued again and delivered after the next start. A
	 * success is recorded even while stopping, or the next start would
	 * deliver the event a second time. */
	if (result.outcome != PG_FUNCTION_OK && atomic_load(&serve->stopping)) {
		if (pg_store_event_unclaim(serve->store, event->id, &err) < 0)
			pg_log_error("queue: event %s: %s; the next start queues it again",
				     event->request_id, err.msg);
		pg_function_result_release(&result);
		return;
	}
	now = pg_now_epoch_ms();
	if (result.outcome == PG_FUNCTION_OK) {
		rc = pg_store_event_done(serve->store, event->id, result.payload,
					 result.payload_len, now, &err);
		pg_log_info("queue: event %s delivered to %s by worker %d (attempt %d)",
			    event->request_id, name, w->number, attempt);
	} else {
		if (attempt < EVENT_MAX_ATTEMPTS)
			retry_at = now + (int64_t)serve->options->retry_delay_s * 1000 * attempt;
		rc = pg_store_event_failed(serve->store, event->id,
					   result.payload ? result.payload : "",
					   retry_at, now, &err);
		if (retry_at >= 0)
			pg_log_warn("queue: event %s for %s failed (attempt %d of %d); retrying in %d s",
				    event->request_id, name, attempt, EVENT_MAX_ATTEMPTS,
				    serve->options->retry_delay_s * attempt);
		else
			pg_log_error("queue: event %s for %s failed %d times; moved to dead_letters",
				     event->request_id, name, attempt);
	}
	if (rc < 0)
		pg_log_error("queue: event %s: %s", event->request_id, err.msg);
	pg_function_result_release(&result);
}

/* Claims and delivers due events until none is left, then waits for a
 * new one. Each worker claims its own row, so N workers deliver N events
 * at once, and with one worker the events go out in arrival order. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct event_queue *q = w->queue;
	const char *name = pg_function_name(q->fn);

	for (;;) {
		struct pg_stored_event event;
		struct pg_err err = {{0}};
		int found;

		/* Once pigeon is stopping, invocations fail at once, so the
		 * worker ends instead of retrying the same row. */
		if (atomic_load(&q->serve->stopping))
			break;

		found = pg_store_event_claim(q->serve->store, name, w->number,
					     pg_now_epoch_ms(), &event, &err);
		if (found < 0) {
			pg_log_error("queue: %s worker %d: %s", name, w->number,
				     err.msg);
			if (!worker_wait(q, 1000))
				break;
			continue;
		}
		if (found == 0) {
			/* Retries become due with time, so poll as well. */
			if (!worker_wait(q, 250))
				break;
			continue;
		}
		deliver(w, &event);
		pg_stored_event_release(&event);
	}
	return NULL;
}

/* Starts the workers of function number index, one for each of its warm
 * processes. */
static int queue_start(struct pg_serve *serve, int index, struct pg_err *err)
{
	struct event_queue *q = &serve->queues[index];
	pthread_condattr_t attr;
	int count = serve->options->concurrency > 0 ? serve->options->concurrency : 1;

	q->serve = serve;
	q->fn = atomic_load(&serve->functions[index]);
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->wake, &attr);
	pthread_condattr_destroy(&attr);
	q->ready = true;
	for (int i = 0; i < count && i < PG_SERVE_CONCURRENCY_MAX; i++) {
		struct worker *w = &serve->workers[index][i];

		w->queue = q;
		w->number = i + 1;
		if (pthread_create(&q->threads[i], NULL, worker_main, w) != 0) {
			pg_err_set(err, "queue worker %d for %s: cannot start its thread",
				   i + 1, function_names[index]);
			return -1;
		}
		q->started++;
	}
	return 0;
}

static void queue_stop(struct event_queue *q)
{
	if (!q->ready)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->started; i++)
		pthread_join(q->threads[i], NULL);
	q->started = 0;
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	q->ready = false;
}

/* ---- the functions' environment ---- */

/* A setting: the env file's value wins over pigeon's environment. */
static const char *setting(const struct pg_serve *serve, const char *key)
{
	const char *value = pg_env_list_get(&serve->file_env, key);

	if (value)
		return value;
	value = getenv(key);
	return value && *value ? value : NULL;
}

static void copy_setting(const struct pg_serve *serve, struct pg_env_list *env,
			 const char *key)
{
	const char *value = setting(serve, key);

	if (value)
		pg_env_list_set(env, key, value);
}

/* Settings that reach a function from pigeon's environment as well as
 * from the env file; the env file reaches both functions whole. */
static const char *const common_settings[] = {
	"LAMBDA_FUNCTIONS_LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL", "VERSION",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	/* Sanitizer builds of the bootstraps read their options from here. */
	"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL,
};
static const char *const api_settings[] = {
	"CORS_ALLOW_ORIGIN", "NOTIFICATIONS_INVOCATION_TYPE",
	"API_MAX_EVENT_BYTES", "NOTIFICATION_MAX_CHARS", "CONTACT_SUCCESS_URL",
	"CONTACT_ERROR_URL", "HONEYPOT_FIELD", NULL,
};
static const char *const notifications_settings[] = {
	"PUSHOVER_SECRET_PARAMETER", "PUSHOVER_SECRET_ARN", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_SECRETS_MANAGER", NULL,
};

static void copy_settings(const struct pg_serve *serve,
			  struct pg_env_list *env, const char *const *keys)
{
	for (; *keys; keys++)
		copy_setting(serve, env, *keys);
}

static void base_env(const struct pg_serve *serve, const char *name,
		     const char *bootstrap, struct pg_env_list *env)
{
	char task_root[PATH_MAX];
	char text[512];
	const char *slash = strrchr(bootstrap, '/');
	const char *key_id = setting(serve, "AWS_ACCESS_KEY_ID");
	const char *secret = setting(serve, "AWS_SECRET_ACCESS_KEY");
	time_t now = time(NULL);
	struct tm tm;
	char uuid[PG_UUID_LEN + 1];

	snprintf(task_root, sizeof(task_root), "%.*s",
		 (int)(slash ? slash - bootstrap : 1), slash ? bootstrap : ".");
	pg_env_list_set(env, "PATH", "/usr/local/bin:/usr/bin:/bin");
	pg_env_list_set(env, "LANG", "en_US.UTF-8");
	pg_env_list_set(env, "TZ", ":UTC");
	pg_env_list_set(env, "_HANDLER", "bootstrap");
	pg_env_list_set(env, "LAMBDA_TASK_ROOT", task_root);
	pg_env_list_set(env, "LAMBDA_RUNTIME_DIR", task_root);
	pg_env_list_set(env, "AWS_LAMBDA_FUNCTION_NAME", name);
	pg_env_list_set(env, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
	pg_env_list_set(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
			setting(serve, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE") ?
			setting(serve, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE") : "128");
	pg_env_list_set(env, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
	snprintf(text, sizeof(text), "/aws/lambda/%s", name);
	pg_env_list_set(env, "AWS_LAMBDA_LOG_GROUP_NAME", text);
	gmtime_r(&now, &tm);
	pg_uuid_generate(uuid);
	snprintf(text, sizeof(text), "%04d/%02d/%02d/[$LATEST]%.8s%.4s%.4s%.4s%.12s",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, uuid, uuid + 9,
		 uuid + 14, uuid + 19, uuid + 24);
	pg_env_list_set(env, "AWS_LAMBDA_LOG_STREAM_NAME", text);
	pg_env_list_set(env, "AWS_REGION", serve->region);
	pg_env_list_set(env, "AWS_DEFAULT_REGION", serve->region);
	pg_env_list_set(env, "AWS_LAMBDA_LOG_FORMAT",
			setting(serve, "AWS_LAMBDA_LOG_FORMAT") ?
			setting(serve, "AWS_LAMBDA_LOG_FORMAT") : "Text");

	/* Lambda gives a function its role's credentials; locally these are
	 * the developer's, or dummies that the local Invoke API accepts. */
	if (key_id && secret) {
		pg_env_list_set(env, "AWS_ACCESS_KEY_ID", key_id);
		pg_env_list_set(env, "AWS_SECRET_ACCESS_KEY", secret);
		copy_setting(serve, env, "AWS_SESSION_TOKEN");
	} else {
		pg_env_list_set(env, "AWS_ACCESS_KEY_ID", DUMMY_ACCESS_KEY_ID);
		pg_env_list_set(env, "AWS_SECRET_ACCESS_KEY", DUMMY_SECRET_ACCESS_KEY);
		pg_env_list_set(env, "AWS_SESSION_TOKEN", DUMMY_SESSION_TOKEN);
	}
	copy_settings(serve, env, common_settings);
}

/* Real Pushover credentials, given directly or through a secret store. */
static bool pushover_configured(const struct pg_serve *serve)
{
	return setting(serve, "PUSHOVER_TOKEN") ||
	       setting(serve, "PUSHOVER_SECRET_PARAMETER") ||
	       setting(serve, "PUSHOVER_SECRET_ARN");
}

static void pushover_url(const struct pg_serve *serve, char *out, size_t size)
{
	if (pushover_configured(serve))
		snprintf(out, size, "%s", setting(serve, "PUSHOVER_API_URL") ?
			 setting(serve, "PUSHOVER_API_URL") : PUSHOVER_REAL_URL);
	else
		snprintf(out, size, "http://%s:%d/_pigeon/pushover/1/messages.json",
			 serve->public_host, serve->gateway.port);
}

static void function_env(const struct pg_serve *serve, int index,
			 const char *bootstrap, struct pg_env_list *env)
{
	const char *name = function_names[index];
	bool is_api = index == 0;
	char text[600];

	/* Everything from the env file, but Pushover's secrets go only to
	 * the function that uses them. */
	for (size_t i = 0; i < serve->file_env.count; i++) {
		const char *entry = serve->file_env.entries[i];
		const char *eq = strchr(entry, '=');
		char *key = pg_strndup(entry, (size_t)(eq - entry));

		if (!(is_api && !strncmp(key, "PUSHOVER_", 9)))
			pg_env_list_set(env, key, eq + 1);
		free(key);
	}
	base_env(serve, name, bootstrap, env);

	if (is_api) {
		pg_env_list_set(env, "LAMBDA_NOTIFICATIONS", function_names[1]);
		snprintf(text, sizeof(text), "http://%s:%d", serve->public_host,
			 serve->invoke.port);
		pg_env_list_set(env, "AWS_ENDPOINT_URL_LAMBDA", text);
		copy_settings(serve, env, api_settings);
		return;
	}
	copy_settings(serve, env, notifications_settings);
	pushover_url(serve, text, sizeof(text));
	pg_env_list_set(env, "PUSHOVER_API_URL", text);
	if (pushover_configured(serve)) {
		copy_setting(serve, env, "PUSHOVER_TOKEN");
		copy_setting(serve, env, "PUSHOVER_USERKEY");
	} else {
		pg_env_list_set(env, "PUSHOVER_TOKEN", DUMMY_PUSHOVER_TOKEN);
		pg_env_list_set(env, "PUSHOVER_USERKEY", DUMMY_PUSHOVER_USER);
	}
}

/* ---- start and stop ---- */

static int resolve_bootstrap(const char *path, const char *flag, char *out,
			     struct pg_err *err)
{
	if (!realpath(path, out)) {
		pg_err_set(err, "bootstrap %s: %s (build it with make, or pass %s PATH)",
			   path, strerror(errno), flag);
		return -1;
	}
	return 0;
}

static int start_functions(struct pg_serve *serve, struct pg_err *err)
{
	const char *paths[FUNCTION_COUNT] = {
		serve->options->api_bootstrap, serve->options->notifications_bootstrap,
	};
	const char *flags[FUNCTION_COUNT] = { "--api-bootstrap", "--notifications-bootstrap" };

	for (int i = 0; i < FUNCTION_COUNT; i++) {
		char bootstrap[PATH_MAX];
		struct pg_env_list env;
		struct pg_function_config config;
		struct pg_function *fn = NULL;
		int rc;

		if (resolve_bootstrap(paths[i], flags[i], bootstrap, err) < 0)
			return -1;
		pg_env_list_init(&env);
		function_env(serve, i, bootstrap, &env);
		config.name = function_names[i];
		config.bootstrap_path = bootstrap;
		config.env = &env;
		config.timeout_s = serve->options->timeout_s;
		config.concurrency = serve->options->concurrency;
		config.region = serve->region;
		rc = pg_function_start(&config, &fn, err);
		pg_env_list_release(&env);
		if (rc < 0)
			return -1;
		atomic_store(&serve->functions[i], fn);
	}
	return 0;
}

static void print_urls(const struct pg_serve *serve)
{
	const char *h = serve->public_host;
	int port = serve->gateway.port;
	char pushover[600];

	pushover_url(serve, pushover, sizeof(pushover));
	printf("pigeon: api http://%s:%d\n", h, port);
	printf("pigeon: form http://%s:%d/_pigeon/form\n", h, port);
	printf("pigeon: inbox http://%s:%d/_pigeon/inbox\n", h, port);
	printf("pigeon: inbox.json http://%s:%d/_pigeon/inbox.json\n", h, port);
	printf("pigeon: queue.json http://%s:%d/_pigeon/queue.json\n", h, port);
	printf("pigeon: lambda http://%s:%d\n", h, serve->invoke.port);
	printf("pigeon: pushover %s\n", pushover);
	printf("pigeon: ready\n");
	fflush(stdout);
}

/* The host to put in URLs: a wildcard address is reached via loopback. */
static void set_public_host(struct pg_serve *serve, const char *host)
{
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !*host)
		snprintf(serve->public_host, sizeof(serve->public_host), "127.0.0.1");
	else if (strchr(host, ':'))
		snprintf(serve->public_host, sizeof(serve->public_host), "[%s]", host);
	else
		snprintf(serve->public_host, sizeof(serve->public_host), "%s", host);
}

static void wait_for_stop_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	while (sigwait(&set, &sig) != 0)
		;
	pg_log_info("pigeon: %s received; stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

static void stop_all(struct pg_serve *serve)
{
	/* Pending invocations fail first, so that the listeners' handler
	 * threads return and the listeners can stop. An invocation that a
	 * process has already taken gets a short grace to finish, so that a
	 * delivered event is recorded as done. */
	atomic_store(&serve->stopping, true);
	for (int i = 0; i < FUNCTION_COUNT; i++)
		pg_function_begin_stop(atomic_load(&serve->functions[i]));
	pg_http_stop(&serve->gateway);
	pg_http_stop(&serve->invoke);
	for (int i = 0; i < FUNCTION_COUNT; i++)
		queue_stop(&serve->queues[i]);
	for (int i = 0; i < FUNCTION_COUNT; i++) {
		pg_function_stop(atomic_load(&serve->functions[i]));
		atomic_store(&serve->functions[i], NULL);
	}
	pg_store_close(serve->store);
	serve->store = NULL;
	pg_env_list_release(&serve->file_env);
}

int pg_serve_run(const struct pg_serve_options *options)
{
	struct pg_serve *serve = pg_calloc(1, sizeof(*serve));
	struct pg_err err = {{0}};
	const char *region;
	int status = 1;

	serve->options = options;
	pg_env_list_init(&serve->file_env);
	if (options->env_file &&
	    pg_envfile_load(options->env_file, &serve->file_env, &err) < 0)
		goto out;
	region = setting(serve, "AWS_REGION");
	if (!region)
		region = setting(serve, "AWS_DEFAULT_REGION");
	snprintf(serve->region, sizeof(serve->region), "%s", region ? region : "us-east-1");
	set_public_host(serve, options->host);

	if (pg_store_open(options->data_dir, &serve->store, &err) < 0)
		goto out;
	pg_gateway_handler_init(&serve->gateway, serve);
	pg_invoke_api_handler_init(&serve->invoke, serve);
	/* Idle clients cannot hold connections forever and lock others
	 * out. */
	serve->gateway.idle_timeout_s = CLIENT_IDLE_TIMEOUT_S;
	serve->invoke.idle_timeout_s = CLIENT_IDLE_TIMEOUT_S;
	if (pg_http_listen(&serve->gateway, options->host, options->port, &err) < 0 ||
	    pg_http_listen(&serve->invoke, options->host, options->lambda_port, &err) < 0 ||
	    start_functions(serve, &err) < 0)
		goto out;
	for (int i = 0; i < FUNCTION_COUNT; i++)
		if (queue_start(serve, i, &err) < 0)
			goto out;

	pg_log_info("pigeon: serving; data in %s/pigeon.db, function timeout %d s, "
		    "%d process%s per function",
		    options->data_dir, options->timeout_s, options->concurrency,
		    options->concurrency == 1 ? "" : "es");
	print_urls(serve);
	wait_for_stop_signal();
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "pigeon: %s\n", err.msg);
	stop_all(serve);
	if (status == 0)
		pg_log_info("pigeon: stopped");
	free(serve);
	return status;
}
