/* The processes of a function: started, watched and restarted like
 * Lambda execution environments, with their output forwarded. */
#include "local/function_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/alloc.h"
#include "log/log.h"

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
		err = pg_fn_error_json("Runtime.InvalidEntrypoint",
				 "cannot start %s: %s", fn->bootstrap_path,
				 strerror(rc));
		pg_fn_fail_queued(fn, err);
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
		pg_fn_complete_error(fn, inv, PG_FUNCTION_ERROR,
			       pg_fn_error_json("Runtime.ExitError",
					  "RequestId: %s Error: Runtime exited with error: %s",
					  inv->id, how));
	}
	if (inst->init_error && !inst->served) {
		pg_log_error("function %s: init failed: %s", inst->label,
			     inst->init_error);
		pg_fn_fail_queued(fn, inst->init_error);
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
		pg_fn_complete_error(fn, inv, PG_FUNCTION_TIMEOUT,
			       pg_fn_error_json("Sandbox.Timedout",
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
		pg_fn_complete_error(fn, inv, PG_FUNCTION_ERROR,
			       pg_fn_error_json("Runtime.Unavailable",
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
		pg_fn_timed_wait(inst->fn, &inst->fn->changed, 20);
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

void *pg_fn_supervise(void *arg)
{
	struct pg_function *fn = arg;
	int64_t give_up;

	pthread_mutex_lock(&fn->lock);
	while (!fn->stop_thread) {
		for (int i = 0; i < fn->instance_count; i++)
			supervise_instance(&fn->instances[i]);
		check_deadlines(fn);
		pg_fn_timed_wait(fn, &fn->changed, POLL_MS);
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

