/* A stand-in Lambda Runtime API (2018-06-01) for the benchmark.
 *
 *   runtime_standin [options] -- COMMAND [ARG...]
 *
 * For each run it starts COMMAND with AWS_LAMBDA_RUNTIME_API pointing at a
 * listener on 127.0.0.1, hands out the same event COUNT times over
 * keep-alive HTTP/1.1, and stops the process with SIGKILL once COUNT
 * responses (or errors) have arrived. It records the time from just before
 * posix_spawn to the first GET /next and to the first posted response, and
 * the invocations per second between them. It also records the child's CPU
 * time (wait4), VmRSS and VmHWM from /proc/PID/status, and the shared
 * objects mapped in /proc/PID/maps. One JSON document on stdout contains
 * every run.
 *
 * A second listener stands in for the remote services the functions call,
 * and COMMAND gets its address in AWS_ENDPOINT_URL_LAMBDA and
 * PUSHOVER_API_URL: POST /2015-03-31/functions/NAME/invocations returns
 * 202 for an Event invocation and 200 otherwise, as Lambda's Invoke API
 * does, and POST /1/messages.json returns Pushover's
 * {"status":1,"request":"..."}.
 *
 * With --exec-only it times COMMAND from posix_spawn to its exit instead,
 * for programs that do not speak the Runtime API. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_http.h"

extern char **environ;

#define MAX_CONNECTIONS 32
#define MAX_MAPPED_OBJECTS 256
#define SNIPPET_BYTES 300
#define NEXT_PATH "/2018-06-01/runtime/invocation/next"
#define INVOCATION_PREFIX "/2018-06-01/runtime/invocation/"
#define INIT_ERROR_PATH "/2018-06-01/runtime/init/error"
#define INVOKE_PREFIX "/2015-03-31/functions/"
#define PUSHOVER_PATH "/1/messages.json"
/* Lambda's limit for the whole invocation, so no deadline runs out. */
#define DEADLINE_AHEAD_MS 900000

struct options {
	const char *event_path;
	const char *log_path;
	unsigned long count;
	unsigned long repeat;
	unsigned long rss_at;
	int timeout_s;
	bool exec_only;
	char **command;
};

enum conn_kind { CONN_RUNTIME, CONN_AUX };

struct conn {
	struct bh_conn http;
	enum conn_kind kind;
	bool open;
};

/* The figures of one run; times in microseconds, memory in KiB. */
struct run {
	long long spawn_to_next_us;
	long long spawn_to_response_us;
	long long spawn_to_exit_us;
	long long loop_us; /* first GET /next to the last response */
	unsigned long handed_out;
	unsigned long responses;
	unsigned long errors;
	unsigned long aux_requests;
	long long cpu_user_us;
	long long cpu_sys_us;
	long rss_kib_at;
	long rss_kib_end;
	long hwm_kib;
	long rss_anon_kib; /* at the end: private memory */
	long rss_file_kib; /* at the end: mapped files, shared libraries included */
	int libs_at_next;
	int libs_at_end;
	int exit_status;
	char failure[200];
};

struct standin {
	struct options opt;
	char *event;
	size_t event_len;
	int runtime_fd;
	int aux_fd;
	struct conn conns[MAX_CONNECTIONS];
	char first_answer[SNIPPET_BYTES + 1];
	bool first_answer_is_error;
	unsigned long run_index;
};

static void usage(void)
{
	fputs("usage: runtime_standin [--event FILE] [--count N] [--repeat N]\n"
	      "           [--rss-at N] [--timeout-s S] [--log FILE] [--exec-only]\n"
	      "           -- COMMAND [ARG...]\n", stderr);
}

static bool parse_count(const char *text, unsigned long min, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || !*text || *end || v < min)
		return false;
	*out = v;
	return true;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	unsigned long timeout = 60;

	memset(opt, 0, sizeof(*opt));
	opt->count = 1;
	opt->repeat = 1;
	opt->rss_at = 100;
	opt->log_path = "/dev/null";
	for (int i = 1; i < argc; i++) {
		const char *flag = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;

		if (!strcmp(flag, "--")) {
			opt->command = argv + i + 1;
			break;
		}
		if (!strcmp(flag, "--exec-only")) {
			opt->exec_only = true;
			continue;
		}
		if (!value) {
			usage();
			return -1;
		}
		i++;
		if (!strcmp(flag, "--event"))
			opt->event_path = value;
		else if (!strcmp(flag, "--log"))
			opt->log_path = value;
		else if (!strcmp(flag, "--count"))
			ok = parse_count(value, 1, &opt->count);
		else if (!strcmp(flag, "--repeat"))
			ok = parse_count(value, 1, &opt->repeat);
		else if (!strcmp(flag, "--rss-at"))
			ok = parse_count(value, 1, &opt->rss_at);
		else if (!strcmp(flag, "--timeout-s"))
			ok = parse_count(value, 1, &timeout);
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "runtime_standin: %s %s: invalid\n", flag, value);
			usage();
			return -1;
		}
	}
	if (!opt->command || !opt->command[0] ||
	    (!opt->exec_only && !opt->event_path)) {
		usage();
		return -1;
	}
	opt->timeout_s = timeout > 3600 ? 3600 : (int)timeout;
	return 0;
}

/* ---- /proc ---- */

/* Reads VmRSS (KiB) of pid and, when run is given, VmHWM, RssAnon and
 * RssFile into it; each stays -1 when unreadable. */
static void read_memory(pid_t pid, long *rss_kib, struct run *run)
{
	char path[64];
	char line[256];
	FILE *f;

	*rss_kib = -1;
	if (run) {
		run->hwm_kib = -1;
		run->rss_anon_kib = -1;
		run->rss_file_kib = -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kib = strtol(line + 6, NULL, 10);
		else if (run && !strncmp(line, "VmHWM:", 6))
			run->hwm_kib = strtol(line + 6, NULL, 10);
		else if (run && !strncmp(line, "RssAnon:", 8))
			run->rss_anon_kib = strtol(line + 8, NULL, 10);
		else if (run && !strncmp(line, "RssFile:", 8))
			run->rss_file_kib = strtol(line + 8, NULL, 10);
	}
	fclose(f);
}

/* Counts the distinct shared objects (paths with ".so") mapped by pid,
 * which includes the dynamic loader; -1 when unreadable. */
static int count_shared_objects(pid_t pid)
{
	static char seen[MAX_MAPPED_OBJECTS][256];
	char path[64];
	char line[512];
	int count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *name = strchr(line, '/');
		bool known = false;

		if (!name || !strstr(name, ".so"))
			continue;
		name[strcspn(name, "\n")] = '\0';
		for (int i = 0; i < count && !known; i++)
			known = !strcmp(seen[i], name);
		if (!known && count < MAX_MAPPED_OBJECTS)
			snprintf(seen[count++], sizeof(seen[0]), "%s", name);
	}
	fclose(f);
	return count;
}

/* ---- the child ---- */

static pid_t spawn_command(const struct options *opt, long long *t0_us)
{
	posix_spawn_file_actions_t actions;
	pid_t pid = -1;
	int rc;

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, opt->log_path,
					 O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
	*t0_us = bh_now_us();
	rc = posix_spawn(&pid, opt->command[0], &actions, NULL, opt->command,
			 environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0) {
		fprintf(stderr, "runtime_standin: cannot start %s: %s\n",
			opt->command[0], strerror(rc));
		return -1;
	}
	return pid;
}

static void reap(pid_t pid, struct run *run, bool kill_first)
{
	struct rusage usage;
	int status = 0;

	if (kill_first)
		kill(pid, SIGKILL);
	memset(&usage, 0, sizeof(usage));
	while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR)
		;
	run->cpu_user_us = (long long)usage.ru_utime.tv_sec * 1000000 +
			   usage.ru_utime.tv_usec;
	run->cpu_sys_us = (long long)usage.ru_stime.tv_sec * 1000000 +
			  usage.ru_stime.tv_usec;
	run->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) :
			   128 + WTERMSIG(status);
}

/* ---- HTTP responses ---- */

static int reply(int fd, int status, const char *reason, const char *extra,
		 const char *body, size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			 "%sContent-Length: %zu\r\n\r\n",
			 status, reason, extra, len);

	return bh_write_message(fd, head, (size_t)n, body, len);
}

static int reply_text(int fd, int status, const char *reason, const char *body)
{
	return reply(fd, status, reason, "", body, strlen(body));
}

static bool path_is(const struct bh_message *msg, const char *method,
		    const char *path, bool prefix)
{
	size_t method_len = strlen(method);
	size_t path_len = strlen(path);
	const char *target = msg->start_line + method_len + 1;
	const char *end = msg->start_line + msg->start_line_len;
	const char *space;

	if (msg->start_line_len <= method_len + 1 ||
	    strncmp(msg->start_line, method, method_len) ||
	    msg->start_line[method_len] != ' ')
		return false;
	space = memchr(target, ' ', (size_t)(end - target));
	if (!space)
		return false;
	if (prefix)
		return (size_t)(space - target) >= path_len &&
		       !strncmp(target, path, path_len);
	return (size_t)(space - target) == path_len &&
	       !strncmp(target, path, path_len);
}

/* Returns the text between the prefix and the next '/' of the target. */
static size_t request_id_of(const struct bh_message *msg, const char **id)
{
	const char *target = memchr(msg->start_line, ' ', msg->start_line_len);
	const char *start;
	const char *slash;

	if (!target)
		return 0;
	start = target + 1 + strlen(INVOCATION_PREFIX);
	slash = memchr(start, '/', msg->start_line_len -
				    (size_t)(start - msg->start_line));
	if (!slash)
		return 0;
	*id = start;
	return (size_t)(slash - start);
}

/* The Invoke API and Pushover stand-ins. */
static int handle_aux(struct standin *s, struct run *run, int fd,
		      const struct bh_message *msg)
{
	static const char sent[] =
		"{\"status\":\"sent\",\"channel\":\"pushover\",\"request\":"
		"\"5042853c-402d-4a18-abcb-168734a801de\"}";
	static const char pushover_ok[] =
		"{\"status\":1,\"request\":\"5042853c-402d-4a18-abcb-168734a801de\"}";
	const char *type;
	size_t type_len;

	(void)s;
	run->aux_requests++;
	if (path_is(msg, "POST", INVOKE_PREFIX, true)) {
		type = bh_header(msg, "X-Amz-Invocation-Type", &type_len);
		if (type && type_len == 5 && !strncmp(type, "Event", 5))
			return reply(fd, 202, "Accepted",
				     "x-amzn-RequestId: 6f6f6f6f-0000-4000-8000-000000000001\r\n",
				     "", 0);
		return reply(fd, 200, "OK",
			     "X-Amz-Executed-Version: $LATEST\r\n"
			     "x-amzn-RequestId: 6f6f6f6f-0000-4000-8000-000000000002\r\n",
			     sent, sizeof(sent) - 1);
	}
	if (path_is(msg, "POST", PUSHOVER_PATH, false))
		return reply(fd, 200, "OK", "", pushover_ok, sizeof(pushover_ok) - 1);
	return reply_text(fd, 404, "Not Found", "{\"message\":\"not found\"}");
}

static int hand_out_event(struct standin *s, struct run *run, int fd)
{
	char extra[768];
	struct timespec now;
	long long deadline;
	unsigned long n = run->handed_out++;

	clock_gettime(CLOCK_REALTIME, &now);
	deadline = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 +
		   DEADLINE_AHEAD_MS;
	snprintf(extra, sizeof(extra),
		 "Lambda-Runtime-Aws-Request-Id: 8f5a2c1e-%04lx-4%03lx-8000-%012lx\r\n"
		 "Lambda-Runtime-Deadline-Ms: %lld\r\n"
		 "Lambda-Runtime-Invoked-Function-Arn: "
		 "arn:aws:lambda:eu-west-1:000000000000:function:bench\r\n"
		 "Lambda-Runtime-Trace-Id: Root=1-%08llx-0a1b2c3d4e5f60718293a4b5;"
		 "Parent=1a2b3c4d5e6f7081;Sampled=0\r\n",
		 s->run_index & 0xffff, n >> 48 & 0xfff, n & 0xffffffffffffUL,
		 deadline, (unsigned long long)now.tv_sec);
	return reply(fd, 200, "OK", extra, s->event, s->event_len);
}

/* Records a posted response or error; returns true once the run has
 * all it needs. */
static bool record_answer(struct standin *s, struct run *run, pid_t pid,
			  long long t0, const struct bh_message *msg,
			  bool is_error)
{
	unsigned long done;
	long long now = bh_now_us();

	if (is_error)
		run->errors++;
	else
		run->responses++;
	done = run->responses + run->errors;
	if (done == 1) {
		run->spawn_to_response_us = now - t0;
		if (s->run_index == 0) {
			size_t n = msg->body_len < SNIPPET_BYTES ? msg->body_len :
				   SNIPPET_BYTES;

			memcpy(s->first_answer, msg->body, n);
			s->first_answer[n] = '\0';
			s->first_answer_is_error = is_error;
		}
	}
	if (done == s->opt.rss_at)
		read_memory(pid, &run->rss_kib_at, NULL);
	if (done < s->opt.count)
		return false;
	run->loop_us = now - t0 - run->spawn_to_next_us;
	read_memory(pid, &run->rss_kib_end, run);
	run->libs_at_end = count_shared_objects(pid);
	return true;
}

/* Handles one Runtime API request; returns 1 when the run is complete,
 * -1 when it failed. */
static int handle_runtime(struct standin *s, struct run *run, pid_t pid,
			  long long t0, int fd, const struct bh_message *msg)
{
	const char *id;
	size_t id_len;
	bool finished;

	if (path_is(msg, "GET", NEXT_PATH, false)) {
		if (run->handed_out == 0) {
			run->spawn_to_next_us = bh_now_us() - t0;
			run->libs_at_next = count_shared_objects(pid);
		}
		/* The process waits here until it is killed. */
		if (run->handed_out >= s->opt.count)
			return 0;
		return hand_out_event(s, run, fd) < 0 ? -1 : 0;
	}
	if (path_is(msg, "POST", INIT_ERROR_PATH, false)) {
		snprintf(run->failure, sizeof(run->failure),
			 "the function reported an init error: %.*s",
			 (int)(msg->body_len > 120 ? 120 : msg->body_len),
			 msg->body);
		reply_text(fd, 202, "Accepted", "{\"status\":\"OK\"}");
		return -1;
	}
	if (path_is(msg, "POST", INVOCATION_PREFIX, true) &&
	    (id_len = request_id_of(msg, &id)) > 0) {
		size_t rest = msg->start_line_len - (size_t)(id + id_len - msg->start_line);
		bool is_error = rest >= 6 && !strncmp(id + id_len, "/error", 6);

		finished = record_answer(s, run, pid, t0, msg, is_error);
		if (reply_text(fd, 202, "Accepted", "{\"status\":\"OK\"}") < 0)
			return -1;
		return finished ? 1 : 0;
	}
	reply_text(fd, 404, "Not Found", "{\"errorType\":\"NotFound\"}");
	return 0;
}

/* ---- the run loop ---- */

static void close_connections(struct standin *s)
{
	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		if (s->conns[i].open)
			bh_conn_release(&s->conns[i].http);
		s->conns[i].open = false;
	}
}

static void accept_connection(struct standin *s, int listen_fd,
			      enum conn_kind kind)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		if (s->conns[i].open)
			continue;
		bh_conn_init(&s->conns[i].http, fd);
		s->conns[i].kind = kind;
		s->conns[i].open = true;
		return;
	}
	close(fd);
}

/* Serves requests on conn until its buffer is empty. Returns 1 when the
 * run is complete, -1 when it failed, 0 otherwise. */
static int serve_connection(struct standin *s, struct run *run, pid_t pid,
			    long long t0, struct conn *conn)
{
	do {
		struct bh_message msg;
		int rc = bh_read_message(&conn->http, &msg, true);

		if (rc <= 0) {
			bh_conn_release(&conn->http);
			conn->open = false;
			return 0;
		}
		if (conn->kind == CONN_AUX)
			rc = handle_aux(s, run, conn->http.fd, &msg) < 0 ? -1 : 0;
		else
			rc = handle_runtime(s, run, pid, t0, conn->http.fd, &msg);
		bh_consume(&conn->http, &msg);
		if (rc != 0)
			return rc;
	} while (conn->http.len > 0);
	return 0;
}

static int run_function(struct standin *s, struct run *run)
{
	struct pollfd fds[3 + MAX_CONNECTIONS];
	int map[3 + MAX_CONNECTIONS];
	long long t0;
	long long give_up;
	pid_t pid = spawn_command(&s->opt, &t0);
	int pidfd;
	int result = -1;

	if (pid < 0)
		return -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	give_up = t0 + (long long)s->opt.timeout_s * 1000000;
	for (;;) {
		nfds_t n = 0;
		int ready;
		int rc = 0;

		fds[n] = (struct pollfd){ .fd = s->runtime_fd, .events = POLLIN };
		map[n++] = -1;
		fds[n] = (struct pollfd){ .fd = s->aux_fd, .events = POLLIN };
		map[n++] = -2;
		if (pidfd >= 0) {
			fds[n] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
			map[n++] = -3;
		}
		for (int i = 0; i < MAX_CONNECTIONS; i++) {
			if (!s->conns[i].open)
				continue;
			fds[n] = (struct pollfd){ .fd = s->conns[i].http.fd,
						  .events = POLLIN };
			map[n++] = i;
		}
		ready = poll(fds, n, 200);
		if (ready < 0 && errno != EINTR)
			break;
		if (bh_now_us() > give_up) {
			snprintf(run->failure, sizeof(run->failure),
				 "timed out after %d s with %lu of %lu answers",
				 s->opt.timeout_s, run->responses + run->errors,
				 s->opt.count);
			break;
		}
		for (nfds_t i = 0; ready > 0 && i < n && rc == 0; i++) {
			if (!fds[i].revents)
				continue;
			if (map[i] == -1)
				accept_connection(s, s->runtime_fd, CONN_RUNTIME);
			else if (map[i] == -2)
				accept_connection(s, s->aux_fd, CONN_AUX);
			else if (map[i] == -3)
				rc = -2;
			else if (s->conns[map[i]].open)
				rc = serve_connection(s, run, pid, t0,
						      &s->conns[map[i]]);
		}
		if (rc == 1) {
			result = 0;
			break;
		}
		if (rc == -2) {
			snprintf(run->failure, sizeof(run->failure),
				 "the process exited after %lu of %lu answers",
				 run->responses + run->errors, s->opt.count);
			break;
		}
		if (rc < 0)
			break;
	}
	reap(pid, run, true);
	if (pidfd >= 0)
		close(pidfd);
	close_connections(s);
	return result;
}

static int run_exec_only(struct standin *s, struct run *run)
{
	long long t0;
	pid_t pid = spawn_command(&s->opt, &t0);

	if (pid < 0)
		return -1;
	reap(pid, run, false);
	run->spawn_to_exit_us = bh_now_us() - t0;
	if (run->exit_status != 0) {
		snprintf(run->failure, sizeof(run->failure), "exit status %d",
			 run->exit_status);
		return -1;
	}
	return 0;
}

/* ---- output ---- */

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_run(const struct run *r, bool exec_only)
{
	if (exec_only) {
		printf("{\"spawn_to_exit_us\":%lld,\"cpu_user_us\":%lld,"
		       "\"cpu_sys_us\":%lld,\"exit_status\":%d}",
		       r->spawn_to_exit_us, r->cpu_user_us, r->cpu_sys_us,
		       r->exit_status);
		return;
	}
	printf("{\"spawn_to_next_us\":%lld,\"spawn_to_response_us\":%lld,"
	       "\"loop_us\":%lld,\"responses\":%lu,\"errors\":%lu,"
	       "\"aux_requests\":%lu,\"cpu_user_us\":%lld,\"cpu_sys_us\":%lld,"
	       "\"rss_kib_at\":%ld,\"rss_kib_end\":%ld,\"hwm_kib\":%ld,"
	       "\"rss_anon_kib\":%ld,\"rss_file_kib\":%ld,"
	       "\"libs_at_next\":%d,\"libs_at_end\":%d}",
	       r->spawn_to_next_us, r->spawn_to_response_us, r->loop_us,
	       r->responses, r->errors, r->aux_requests, r->cpu_user_us,
	       r->cpu_sys_us, r->rss_kib_at, r->rss_kib_end, r->hwm_kib,
	       r->rss_anon_kib, r->rss_file_kib, r->libs_at_next, r->libs_at_end);
}

static int set_service_addresses(int aux_port, int runtime_port)
{
	char text[128];

	snprintf(text, sizeof(text), "127.0.0.1:%d", runtime_port);
	if (setenv("AWS_LAMBDA_RUNTIME_API", text, 1) < 0)
		return -1;
	snprintf(text, sizeof(text), "http://127.0.0.1:%d", aux_port);
	if (setenv("AWS_ENDPOINT_URL_LAMBDA", text, 1) < 0)
		return -1;
	snprintf(text, sizeof(text), "http://127.0.0.1:%d" PUSHOVER_PATH, aux_port);
	return setenv("PUSHOVER_API_URL", text, 1);
}

int main(int argc, char **argv)
{
	static struct standin s;
	int runtime_port = 0;
	int aux_port = 0;
	int status = 0;

	signal(SIGPIPE, SIG_IGN);
	if (parse_options(argc, argv, &s.opt) < 0)
		return 2;
	if (!s.opt.exec_only) {
		s.event = bh_read_file(s.opt.event_path, &s.event_len);
		if (!s.event)
			return 1;
		s.runtime_fd = bh_listen_loopback(&runtime_port);
		s.aux_fd = bh_listen_loopback(&aux_port);
		if (s.runtime_fd < 0 || s.aux_fd < 0 ||
		    set_service_addresses(aux_port, runtime_port) < 0) {
			fprintf(stderr, "runtime_standin: cannot listen on 127.0.0.1: %s\n",
				strerror(errno));
			return 1;
		}
	}

	printf("{\"command\":");
	print_json_string(s.opt.command[0]);
	printf(",\"count\":%lu,\"runs\":[", s.opt.count);
	for (s.run_index = 0; s.run_index < s.opt.repeat; s.run_index++) {
		struct run run;
		int rc;

		memset(&run, 0, sizeof(run));
		run.rss_kib_at = -1;
		rc = s.opt.exec_only ? run_exec_only(&s, &run) :
				       run_function(&s, &run);
		if (s.run_index)
			putchar(',');
		print_run(&run, s.opt.exec_only);
		if (rc < 0) {
			fprintf(stderr, "runtime_standin: %s: run %lu failed: %s\n",
				s.opt.command[0], s.run_index + 1,
				run.failure[0] ? run.failure : "I/O error");
			status = 1;
			break;
		}
	}
	printf("],\"first_answer\":");
	print_json_string(s.first_answer);
	printf(",\"first_answer_is_error\":%s}\n",
	       s.first_answer_is_error ? "true" : "false");
	free(s.event);
	return status;
}
