/* What the files of one function share: its structs and the helpers
 * that run under its lock. function.c holds the queue and the public
 * functions, function_process.c the supervised processes, and
 * function_runtime_api.c the Runtime API the processes poll. */
#ifndef PG_LOCAL_FUNCTION_INTERNAL_H
#define PG_LOCAL_FUNCTION_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "local/local.h"

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
char *pg_fn_error_json(const char *type, const char *fmt, ...);
/* Initialises cond to time its waits on CLOCK_MONOTONIC, as
 * pg_fn_timed_wait expects. */
void pg_fn_cond_init_monotonic(pthread_cond_t *cond);
/* Waits on cond, with the function's lock held, for at most ms. */
void pg_fn_timed_wait(struct pg_function *fn, pthread_cond_t *cond, int64_t ms);
/* Wakes the GET /next requests of the instances without an invocation,
 * after one was queued; the caller holds the lock. */
void pg_fn_wake_idle_instances(struct pg_function *fn);
/* Ends inv with result (taken); the caller holds the lock. */
void pg_fn_complete(struct pg_function *fn, struct invocation *inv,
		    enum pg_function_outcome outcome, char *result, size_t len);
void pg_fn_complete_error(struct pg_function *fn, struct invocation *inv,
			  enum pg_function_outcome outcome, char *json);
/* Fails every queued invocation with a copy of error_json_text. */
void pg_fn_fail_queued(struct pg_function *fn, const char *error_json_text);

/* The supervisor thread of fn: starts, restarts and stops its processes
 * and enforces the deadlines. */
void *pg_fn_supervise(void *arg);
/* The pg_http_handler of an instance's Runtime API listener. */
pg_http_handler pg_fn_runtime_handler;

#endif
