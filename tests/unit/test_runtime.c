/* Tests of the runtime loop against a stand-in Runtime API: a thread that
 * listens on a loopback port and replies to each request it reads with the
 * next step of a per-test script, recording what it received. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "runtime/runtime.h"

#define MAX_STEPS 16
#define MAX_REQUESTS 32
#define MAX_REQUEST_BYTES (1024 * 1024)
/* SIGALRM ends a test that hangs; every test finishes well within it. */
#define TEST_TIMEOUT_SECONDS 30
#define BIG_EVENT_BYTES (300 * 1024)

enum step_action {
	STEP_REPLY, /* send the response bytes */
	STEP_DROP,  /* close without a response */
	STEP_RESET, /* close with SO_LINGER 0, so the client sees a reset */
};

struct step {
	enum step_action action;
	char *response; /* owned; freed by stand_in_stop */
	size_t response_len;
	size_t write_bytes; /* 0: one write; else pieces of this size */
	bool close_after;   /* close silently after replying */
};

struct recorded {
	char method[16];
	char path[512];
	char *head; /* owned, NUL-terminated */
	char *body; /* owned, NUL-terminated */
	size_t body_len;
};

struct stand_in {
	int listen_fd;
	int family;
	unsigned short port;
	unsigned delay_ms; /* the listener opens this late, in the thread */
	pthread_t thread;
	atomic_bool stop;
	struct step steps[MAX_STEPS];
	size_t step_count;
	struct recorded requests[MAX_REQUESTS];
	size_t request_count;
	size_t connections;
	char failure[256];
};

/* ---- the stand-in Runtime API ---- */

/* Waits until fd is readable or the test stops it. */
static bool wait_readable(struct stand_in *s, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (!atomic_load(&s->stop)) {
		int n = poll(&pfd, 1, 50);

		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
	return false;
}

static size_t header_content_length(const char *head)
{
	const char *p = head;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (!strncasecmp(p, "Content-Length:", 15)) {
			size_t value = 0;

			for (p += 15; *p == ' '; p++)
				;
			for (; *p >= '0' && *p <= '9'; p++)
				value = value * 10 + (size_t)(*p - '0');
			return value;
		}
	}
	return 0;
}

/* Reads one request into rec. Returns 1, 0 when the client closed before
 * sending anything, or -1 on a failure or a stop. */
static int read_request(struct stand_in *s, int fd, struct recorded *rec)
{
	char *buf = pg_malloc(MAX_REQUEST_BYTES + 1);
	size_t len = 0;
	char *end = NULL;
	size_t head_len;
	size_t body_len;
	int result = -1;

	while (!end) {
		ssize_t n;

		if (len == MAX_REQUEST_BYTES || !wait_readable(s, fd))
			goto out;
		n = recv(fd, buf + len, MAX_REQUEST_BYTES - len, 0);
		if (n <= 0) {
			result = len == 0 ? 0 : -1;
			goto out;
		}
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	head_len = (size_t)(end - buf) + 4;
	body_len = header_content_length(buf);
	while (len < head_len + body_len) {
		ssize_t n;

		if (head_len + body_len > MAX_REQUEST_BYTES ||
		    !wait_readable(s, fd))
			goto out;
		n = recv(fd, buf + len, head_len + body_len - len, 0);
		if (n <= 0)
			goto out;
		len += (size_t)n;
	}

	memset(rec, 0, sizeof(*rec));
	/* The request line is "METHOD PATH HTTP/1.1". */
	snprintf(rec->method, sizeof(rec->method), "%.*s",
		 (int)strcspn(buf, " \r"), buf);
	end = buf + strcspn(buf, " \r");
	if (*end == ' ')
		end++;
	snprintf(rec->path, sizeof(rec->path), "%.*s",
		 (int)strcspn(end, " \r"), end);
	rec->head = pg_strndup(buf, head_len);
	rec->body = pg_strndup(buf + head_len, body_len);
	rec->body_len = body_len;
	result = 1;
out:
	free(buf);
	return result;
}

static void send_all(int fd, const char *data, size_t len, size_t piece)
{
	size_t sent = 0;

	if (piece == 0)
		piece = len;
	while (sent < len) {
		size_t n = len - sent < piece ? len - sent : piece;
		ssize_t w = send(fd, data + sent, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the client went away; its test checks why */
		sent += (size_t)w;
		/* A pause between pieces makes them separate segments. */
		if (piece < len) {
			struct timespec pause = { 0, 100 * 1000 };

			nanosleep(&pause, NULL);
		}
	}
}

static int accept_connection(struct stand_in *s)
{
	int fd;
	int one = 1;

	if (!wait_readable(s, s->listen_fd))
		return -1;
	fd = accept(s->listen_fd, NULL, NULL);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s->connections++;
	}
	return fd;
}

static void close_with_reset(int fd)
{
	struct linger linger = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
	close(fd);
}

static int open_listener(int family, unsigned short *port);

static void *stand_in_main(void *arg)
{
	struct stand_in *s = arg;
	int fd = -1;
	size_t next_step = 0;

	if (s->delay_ms) {
		struct timespec delay = { 0, (long)s->delay_ms * 1000000L };

		nanosleep(&delay, NULL);
		s->listen_fd = open_listener(s->family, &s->port);
		if (s->listen_fd < 0) {
			snprintf(s->failure, sizeof(s->failure),
				 "cannot listen on port %u again", s->port);
			return NULL;
		}
	}

	while (!atomic_load(&s->stop) && s->request_count < MAX_REQUESTS) {
		struct recorded *rec = &s->requests[s->request_count];
		const struct step *step;
		int got;

		if (fd < 0) {
			fd = accept_connection(s);
			if (fd < 0)
				break;
		}
		got = read_request(s, fd, rec);
		if (got <= 0) {
			close(fd);
			fd = -1;
			continue;
		}
		s->request_count++;

		/* Requests past the script are recorded and left unanswered. */
		if (next_step == s->step_count) {
			close(fd);
			fd = -1;
			continue;
		}
		step = &s->steps[next_step++];
		switch (step->action) {
		case STEP_REPLY:
			send_all(fd, step->response, step->response_len,
				 step->write_bytes);
			if (step->close_after) {
				close(fd);
				fd = -1;
			}
			break;
		case STEP_DROP:
			close(fd);
			fd = -1;
			break;
		case STEP_RESET:
			close_with_reset(fd);
			fd = -1;
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Opens a listener on the loopback address of family, on *port or, when
 * *port is 0, on a free port written back to *port. */
static int open_listener(int family, unsigned short *port)
{
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int one = 1;
	int fd;

	memset(&addr, 0, sizeof(addr));
	if (family == AF_INET) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;

		v4->sin_family = AF_INET;
		v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		v4->sin_port = htons(*port);
		addr_len = sizeof(*v4);
	} else {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;

		v6->sin6_family = AF_INET6;
		v6->sin6_addr = in6addr_loopback;
		v6->sin6_port = htons(*port);
		addr_len = sizeof(*v6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, addr_len) < 0 ||
	    listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &addr_len) < 0) {
		close(fd);
		return -1;
	}
	if (family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
	else
		*port = ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
	return fd;
}

/* Starts a stand-in on the loopback address of family and points
 * AWS_LAMBDA_RUNTIME_API at it. With delay_ms, the port is reserved, freed,
 * and listened on again only after the delay, so that connections are
 * refused until then. Returns false when the family is missing. */
static bool stand_in_start_late(struct stand_in *s, int family,
				unsigned delay_ms)
{
	char api[64];

	memset(s, 0, sizeof(*s));
	s->family = family;
	s->listen_fd = open_listener(family, &s->port);
	if (s->listen_fd < 0)
		return false;
	if (delay_ms) {
		close(s->listen_fd);
		s->listen_fd = -1;
		s->delay_ms = delay_ms;
	}
	if (family == AF_INET)
		snprintf(api, sizeof(api), "127.0.0.1:%u", s->port);
	else
		snprintf(api, sizeof(api), "[::1]:%u", s->port);
	setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
	atomic_store(&s->stop, false);
	assert_int_equal(pthread_create(&s->thread, NULL, stand_in_main, s),
			 0);
	return true;
}

static bool stand_in_start(struct stand_in *s, int family)
{
	return stand_in_start_late(s, family, 0);
}

/* Stops the thread once the runtime is done and frees the script. */
static void stand_in_stop(struct stand_in *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	assert_string_equal(s->failure, "");
	for (size_t i = 0; i < s->step_count; i++)
		free(s->steps[i].response);
}

static void stand_in_release(struct stand_in *s)
{
	for (size_t i = 0; i < s->request_count; i++) {
		free(s->requests[i].head);
		free(s->requests[i].body);
	}
}

static struct step *add_step(struct stand_in *s, enum step_action action)
{
	struct step *step;

	assert_true(s->step_count < MAX_STEPS);
	step = &s->steps[s->step_count++];
	memset(step, 0, sizeof(*step));
	step->action = action;
	return step;
}

/* Adds a reply made of head (complete, with its blank line) and body. */
static struct step *add_reply(struct stand_in *s, const char *head,
			      const char *body, size_t body_len)
{
	struct step *step = add_step(s, STEP_REPLY);
	size_t head_len = strlen(head);

	step->response = pg_malloc(head_len + body_len + 1);
	memcpy(step->response, head, head_len);
	if (body_len)
		memcpy(step->response + head_len, body, body_len);
	step->response_len = head_len + body_len;
	return step;
}

/* Adds a GET /next response; headers are extra "Name: value\r\n" lines. */
static struct step *add_next(struct stand_in *s, const char *headers,
			     const char *body, size_t body_len)
{
	char head[4096];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "%sContent-Length: %zu\r\n\r\n",
		 headers, body_len);
	return add_reply(s, head, body, body_len);
}

static struct step *add_accepted(struct stand_in *s)
{
	static const char body[] = "{\"status\":\"OK\"}";
	char head[256];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n",
		 sizeof(body) - 1);
	return add_reply(s, head, body, sizeof(body) - 1);
}

/* Returns the value of a header of a recorded request, copied into out. */
static const char *request_header(const struct recorded *rec,
				  const char *name, char *out, size_t cap)
{
	size_t name_len = strlen(name);
	const char *p = rec->head;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (!strncasecmp(p, name, name_len) && p[name_len] == ':') {
			const char *v = p + name_len + 1;
			size_t n;

			while (*v == ' ')
				v++;
			n = strcspn(v, "\r");
			snprintf(out, cap, "%.*s", (int)n, v);
			return out;
		}
	}
	return NULL;
}

/* ---- the handler under test ---- */

#define MAX_CALLS 8

struct call {
	char request_id[128];
	int64_t deadline_ms;
	char function_arn[256];
	char trace_id[256];
	char client_context[256];
	char cognito_identity[256];
	bool trace_env_set;
	char trace_env[256];
	size_t payload_len;
	uint32_t payload_hash;
	bool payload_terminated;
	char payload_start[64];
};

struct handler_script {
	size_t call_count;
	struct call calls[MAX_CALLS];
	bool fail;
	const char *error_type;
	const char *error_message;
	const char *const *error_messages; /* one per call, when set */
	const char *answer;
};

static uint32_t hash_bytes(const char *data, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 16777619u;
	}
	return h;
}

static int test_handler(const char *payload, size_t payload_len,
			const struct pg_context *ctx, struct pg_buf *response,
			struct pg_invocation_error *error, void *user_data)
{
	struct handler_script *script = user_data;
	struct call *call;
	const char *trace_env = getenv("_X_AMZN_TRACE_ID");

	if (script->call_count == MAX_CALLS)
		return -1;
	call = &script->calls[script->call_count++];
	snprintf(call->request_id, sizeof(call->request_id), "%s",
		 ctx->request_id);
	call->deadline_ms = ctx->deadline_ms;
	snprintf(call->function_arn, sizeof(call->function_arn), "%s",
		 ctx->invoked_function_arn);
	snprintf(call->trace_id, sizeof(call->trace_id), "%s", ctx->trace_id);
	snprintf(call->client_context, sizeof(call->client_context), "%s",
		 ctx->client_context);
	snprintf(call->cognito_identity, sizeof(call->cognito_identity), "%s",
		 ctx->cognito_identity);
	call->trace_env_set = trace_env != NULL;
	snprintf(call->trace_env, sizeof(call->trace_env), "%s",
		 trace_env ? trace_env : "");
	call->payload_len = payload_len;
	call->payload_hash = hash_bytes(payload, payload_len);
	call->payload_terminated = payload[payload_len] == '\0';
	snprintf(call->payload_start, sizeof(call->payload_start), "%.*s",
		 (int)(payload_len < 63 ? payload_len : 63), payload);

	if (script->fail) {
		snprintf(error->type, sizeof(error->type), "%s",
			 script->error_type);
		snprintf(error->message, sizeof(error->message), "%s",
			 script->error_messages
				 ? script->error_messages[script->call_count - 1]
				 : script->error_message);
		return -1;
	}
	if (pg_buf_append_str(response, script->answer ? script->answer
						       : "{\"ok\":true}") < 0)
		return -1;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	alarm(TEST_TIMEOUT_SECONDS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	unsetenv("AWS_LAMBDA_RUNTIME_API");
	unsetenv("_X_AMZN_TRACE_ID");
	return 0;
}

/* ---- tests ---- */

static void test_runtime_happy_path(void **state)
{
	struct stand_in s;
	struct handler_script script = { .answer = "{\"answer\":42}" };
	const struct call *first = &script.calls[0];
	const struct call *second = &script.calls[1];
	char value[256];

	(void)state;
	setenv("_X_AMZN_TRACE_ID", "left over", 1);
	assert_true(stand_in_start(&s, AF_INET));
	add_next(&s,
		 "Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-"
		 "2dfe598c3fcd\r\n"
		 "Lambda-Runtime-Deadline-Ms: 1542409706888\r\n"
		 "lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-2:"
		 "123456789012:function:custom-runtime\r\n"
		 "Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e"
		 "700;Parent=9a9197af755a6419;Sampled=1\r\n"
		 "Lambda-Runtime-Client-Context: {\"client\":{}}\r\n"
		 "Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"x\"}"
		 "\r\n",
		 "{\"hello\":\"world\"}", 17);
	add_accepted(&s);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: second\r\n", "[]", 2);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 2), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 2);
	assert_string_equal(first->request_id,
			    "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
	assert_int_equal(first->deadline_ms, 1542409706888LL);
	assert_string_equal(first->function_arn,
			    "arn:aws:lambda:us-east-2:123456789012:function:"
			    "custom-runtime");
	assert_string_equal(first->trace_id,
			    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent="
			    "9a9197af755a6419;Sampled=1");
	assert_true(first->trace_env_set);
	assert_string_equal(first->trace_env, first->trace_id);
	assert_string_equal(first->client_context, "{\"client\":{}}");
	assert_string_equal(first->cognito_identity,
			    "{\"cognitoIdentityId\":\"x\"}");
	assert_int_equal(first->payload_len, 17);
	assert_string_equal(first->payload_start, "{\"hello\":\"world\"}");
	assert_true(first->payload_terminated);

	/* Absent headers are empty strings, and the trace id is unset. */
	assert_string_equal(second->request_id, "second");
	assert_int_equal(second->deadline_ms, 0);
	assert_string_equal(second->function_arn, "");
	assert_string_equal(second->trace_id, "");
	assert_string_equal(second->client_context, "");
	assert_string_equal(second->cognito_identity, "");
	assert_false(second->trace_env_set);

	assert_int_equal(s.request_count, 4);
	assert_string_equal(s.requests[0].method, "GET");
	assert_string_equal(s.requests[0].path,
			    "/2018-06-01/runtime/invocation/next");
	assert_non_null(request_header(&s.requests[0], "Host", value,
				       sizeof(value)));
	assert_string_equal(s.requests[1].method, "POST");
	assert_string_equal(s.requests[1].path,
			    "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-"
			    "9739-2dfe598c3fcd/response");
	assert_string_equal(s.requests[1].body, "{\"answer\":42}");
	assert_string_equal(request_header(&s.requests[1], "Content-Length",
					   value, sizeof(value)),
			    "13");
	assert_string_equal(s.requests[2].path,
			    "/2018-06-01/runtime/invocation/next");
	assert_string_equal(s.requests[3].path,
			    "/2018-06-01/runtime/invocation/second/response");

	/* One keep-alive connection carried all four requests. */
	assert_int_equal(s.connections, 1);
	stand_in_release(&s);
}

static void test_runtime_next_dropped(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_step(&s, STEP_DROP);
	add_step(&s, STEP_RESET);
	/* A response cut in the middle of its head counts as dropped too. */
	add_reply(&s, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-", "", 0)
		->close_after = true;
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: after-drop\r\n", "{}", 2);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 1);
	assert_string_equal(script.calls[0].request_id, "after-drop");
	assert_int_equal(s.request_count, 5);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(s.requests[i].path,
				    "/2018-06-01/runtime/invocation/next");
	assert_string_equal(s.requests[4].path,
			    "/2018-06-01/runtime/invocation/after-drop/"
			    "response");
	assert_int_equal(s.connections, 4);
	stand_in_release(&s);
}

static void test_runtime_connection_refused(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };
	struct timespec start;
	struct timespec end;
	double waited_ms;

	(void)state;

	/* Connections are refused for 150 ms, then the API comes up. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_true(stand_in_start_late(&s, AF_INET, 150));
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: late\r\n", "{}", 2);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &end);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 1);
	assert_string_equal(script.calls[0].request_id, "late");
	assert_int_equal(s.request_count, 2);
	/* Backoff waited for the listener instead of giving up. */
	waited_ms = (double)(end.tv_sec - start.tv_sec) * 1e3 +
		    (double)(end.tv_nsec - start.tv_nsec) / 1e6;
	assert_true(waited_ms >= 150);
	stand_in_release(&s);
}

static char *big_payload(void)
{
	char *payload = pg_malloc(BIG_EVENT_BYTES + 1);

	payload[0] = '"';
	for (size_t i = 1; i + 1 < BIG_EVENT_BYTES; i++)
		payload[i] = (char)('a' + (i * 7) % 26);
	payload[BIG_EVENT_BYTES - 1] = '"';
	payload[BIG_EVENT_BYTES] = '\0';
	return payload;
}

static void test_runtime_big_event_length(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };
	char *payload = big_payload();

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: big\r\n", payload,
		 BIG_EVENT_BYTES)
		->write_bytes = 1000;
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 1);
	assert_int_equal(script.calls[0].payload_len, BIG_EVENT_BYTES);
	assert_int_equal(script.calls[0].payload_hash,
			 hash_bytes(payload, BIG_EVENT_BYTES));
	assert_true(script.calls[0].payload_terminated);
	assert_int_equal(s.request_count, 2);
	free(payload);
	stand_in_release(&s);
}

static void test_runtime_big_event_chunked(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };
	char *payload = big_payload();
	struct pg_buf body;
	size_t offset = 0;
	size_t piece = 1;
	struct step *step;

	(void)state;

	/* Chunks of changing sizes, some with extensions, then a trailer. */
	pg_buf_init(&body, 0);
	while (offset < BIG_EVENT_BYTES) {
		size_t n = 1000 + (piece * 977) % 6000;

		if (n > BIG_EVENT_BYTES - offset)
			n = BIG_EVENT_BYTES - offset;
		assert_int_equal(pg_buf_appendf(&body,
						piece % 3 ? "%zx\r\n"
							  : "%zX;piece=%zu\r\n",
						n, piece),
				 0);
		assert_int_equal(pg_buf_append(&body, payload + offset, n), 0);
		assert_int_equal(pg_buf_append_str(&body, "\r\n"), 0);
		offset += n;
		piece++;
	}
	assert_int_equal(pg_buf_append_str(&body, "0\r\nX-Checksum: none\r\n\r\n"),
			 0);

	assert_true(stand_in_start(&s, AF_INET));
	step = add_reply(&s,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Lambda-Runtime-Aws-Request-Id: chunked\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n",
			 body.data, body.len);
	step->write_bytes = 700;
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 1);
	assert_string_equal(script.calls[0].request_id, "chunked");
	assert_int_equal(script.calls[0].payload_len, BIG_EVENT_BYTES);
	assert_int_equal(script.calls[0].payload_hash,
			 hash_bytes(payload, BIG_EVENT_BYTES));
	assert_true(script.calls[0].payload_terminated);
	assert_int_equal(s.request_count, 2);
	assert_int_equal(s.connections, 1);
	pg_buf_release(&body);
	free(payload);
	stand_in_release(&s);
}

static void test_runtime_next_without_request_id(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_next(&s, "Lambda-Runtime-Deadline-Ms: 1\r\n", "{}", 2);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id:\r\n", "{}", 2);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: real\r\n", "{\"n\":1}", 7);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 1);
	assert_string_equal(script.calls[0].request_id, "real");
	assert_int_equal(s.request_count, 4);
	assert_string_equal(s.requests[2].path,
			    "/2018-06-01/runtime/invocation/next");
	assert_string_equal(s.requests[3].path,
			    "/2018-06-01/runtime/invocation/real/response");
	stand_in_release(&s);
}

static void test_runtime_next_error_status(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_reply(&s,
		  "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n"
		  "\r\n",
		  "oops\n", 5);
	add_reply(&s, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "", 0);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: after-500\r\n", "{}", 2);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 1);
	assert_string_equal(script.calls[0].request_id, "after-500");
	assert_int_equal(s.request_count, 4);
	stand_in_release(&s);
}

static void test_runtime_handler_error(void **state)
{
	struct stand_in s;
	struct handler_script script = {
		.fail = true,
		.error_type = "Pushover.Rejected",
		.error_message = "token \"x\" rejected\\\n\x01 caf\xc3\xa9 \xff!",
	};
	char value[256];
	json_error_t jerr;
	json_t *doc;
	json_t *trace;

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: id/with space\r\n", "{}",
		 2);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 1);
	assert_int_equal(s.request_count, 2);
	assert_string_equal(s.requests[1].method, "POST");
	/* The request id is percent-encoded into one path segment. */
	assert_string_equal(s.requests[1].path,
			    "/2018-06-01/runtime/invocation/id%2Fwith%20space/"
			    "error");
	assert_string_equal(request_header(&s.requests[1],
					   "Lambda-Runtime-Function-Error-Type",
					   value, sizeof(value)),
			    "Pushover.Rejected");

	doc = json_loadb(s.requests[1].body, s.requests[1].body_len, 0, &jerr);
	if (!doc)
		fail_msg("error body is not JSON: %s: %s", jerr.text,
			 s.requests[1].body);
	assert_string_equal(json_string_value(json_object_get(doc,
							      "errorMessage")),
			    "token \"x\" rejected\\\n\x01 caf\xc3\xa9 "
			    "\xef\xbf\xbd!");
	assert_string_equal(json_string_value(json_object_get(doc,
							      "errorType")),
			    "Pushover.Rejected");
	trace = json_object_get(doc, "stackTrace");
	assert_true(json_is_array(trace));
	assert_int_equal(json_array_size(trace), 0);
	assert_int_equal(json_object_size(doc), 3);
	json_decref(doc);
	stand_in_release(&s);
}

static void test_runtime_error_message_utf8(void **state)
{
	static const char *const messages[] = {
		"abc\xc3",
		"\xc0\x80x",
		"\xed\xa0\x80",
		"\xf0\x9f\x90\xa6 tab\there \x7f",
		"\xe2\x82",
	};
	static const char *const expected[] = {
		"abc\xef\xbf\xbd",
		"\xef\xbf\xbd\xef\xbf\xbdx",
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		"\xf0\x9f\x90\xa6 tab\there \x7f",
		"\xef\xbf\xbd\xef\xbf\xbd",
	};
	const size_t count = sizeof(messages) / sizeof(messages[0]);
	struct stand_in s;
	struct handler_script script = {
		.fail = true,
		.error_type = "Bad\r\nType\xff",
		.error_messages = messages,
	};
	char value[256];

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	for (size_t i = 0; i < count; i++) {
		add_next(&s, "Lambda-Runtime-Aws-Request-Id: u\r\n", "{}", 2);
		add_accepted(&s);
	}

	assert_int_equal(pg_runtime_run_n(test_handler, &script, count), 0);
	stand_in_stop(&s);

	assert_int_equal(s.request_count, 2 * count);
	for (size_t i = 0; i < count; i++) {
		const struct recorded *rec = &s.requests[2 * i + 1];
		json_t *doc = json_loadb(rec->body, rec->body_len, 0, NULL);

		if (!doc)
			fail_msg("message %zu: error body is not JSON: %s", i,
				 rec->body);
		assert_string_equal(
			json_string_value(json_object_get(doc, "errorMessage")),
			expected[i]);
		/* CR, LF and non-ASCII bytes cannot reach the header. */
		assert_string_equal(
			json_string_value(json_object_get(doc, "errorType")),
			"Bad__Type_");
		assert_string_equal(
			request_header(rec, "Lambda-Runtime-Function-Error-Type",
				       value, sizeof(value)),
			"Bad__Type_");
		json_decref(doc);
	}
	stand_in_release(&s);
}

static void test_runtime_handler_error_defaults(void **state)
{
	struct stand_in s;
	struct handler_script script = {
		.fail = true,
		.error_type = "",
		.error_message = "",
	};
	char value[256];
	json_t *doc;

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: r\r\n", "{}", 2);
	add_accepted(&s);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: r2\r\n", "{}", 2);
	add_accepted(&s);

	/* A failing handler does not end the loop. */
	assert_int_equal(pg_runtime_run_n(test_handler, &script, 2), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 2);
	assert_int_equal(s.request_count, 4);
	assert_string_equal(request_header(&s.requests[1],
					   "Lambda-Runtime-Function-Error-Type",
					   value, sizeof(value)),
			    "Runtime.HandlerError");
	doc = json_loadb(s.requests[1].body, s.requests[1].body_len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc,
							      "errorMessage")),
			    "");
	json_decref(doc);
	assert_string_equal(s.requests[3].path,
			    "/2018-06-01/runtime/invocation/r2/error");
	stand_in_release(&s);
}

static void test_runtime_event_too_large(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };
	char head[256];
	json_t *doc;

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: huge\r\n"
		 "Content-Length: %u\r\n\r\n",
		 PG_RUNTIME_MAX_PAYLOAD_BYTES + 1);
	add_reply(&s, head, "{\"a\":", 5);
	add_accepted(&s);
	add_reply(&s,
		  "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: huge2\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n700000\r\n",
		  "", 0);
	add_accepted(&s);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: fine\r\n", "{}", 2);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 3), 0);
	stand_in_stop(&s);

	/* The handler is never called with the oversized events. */
	assert_int_equal(script.call_count, 1);
	assert_string_equal(script.calls[0].request_id, "fine");
	assert_int_equal(s.request_count, 6);
	assert_string_equal(s.requests[1].path,
			    "/2018-06-01/runtime/invocation/huge/error");
	doc = json_loadb(s.requests[1].body, s.requests[1].body_len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc,
							      "errorType")),
			    "Runtime.PayloadTooLarge");
	json_decref(doc);
	stand_in_release(&s);
	(void)head;
}

static void test_runtime_server_closes_between(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: one\r\n", "{}", 2);
	/* Closed without notice: the runtime finds out on its next request. */
	add_accepted(&s)->close_after = true;
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: two\r\n", "{}", 2);
	add_reply(&s,
		  "HTTP/1.1 202 Accepted\r\nConnection: close\r\n"
		  "Content-Length: 0\r\n\r\n",
		  "", 0);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: three\r\n", "{}", 2);
	add_accepted(&s);

	assert_int_equal(pg_runtime_run_n(test_handler, &script, 3), 0);
	stand_in_stop(&s);

	assert_int_equal(script.call_count, 3);
	assert_int_equal(s.request_count, 6);
	assert_string_equal(s.requests[5].path,
			    "/2018-06-01/runtime/invocation/three/response");
	assert_int_equal(s.connections, 3);
	stand_in_release(&s);
}

static void test_runtime_response_rejected(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: one\r\n", "{}", 2);
	add_reply(&s,
		  "HTTP/1.1 413 Request Entity Too Large\r\n"
		  "Content-Length: 42\r\n\r\n",
		  "{\"errorType\":\"RequestEntityTooLarge\"}\n\n\n\n\n", 42);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: two\r\n", "{}", 2);
	add_accepted(&s);

	/* A rejected response is logged and the loop goes on. */
	assert_int_equal(pg_runtime_run_n(test_handler, &script, 2), 0);
	stand_in_stop(&s);
	assert_int_equal(script.call_count, 2);
	assert_int_equal(s.request_count, 4);
	stand_in_release(&s);
}

static void test_runtime_ipv6_and_names(void **state)
{
	struct stand_in s;
	struct handler_script script = { 0 };
	char api[64];

	(void)state;
	if (!stand_in_start(&s, AF_INET6)) {
		skip();
		return;
	}
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: v6\r\n", "{}", 2);
	add_accepted(&s);
	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);
	assert_int_equal(s.request_count, 2);
	stand_in_release(&s);

	/* "localhost" goes through the resolver; if it lists ::1 first, the
	 * refused connection there falls through to 127.0.0.1. */
	assert_true(stand_in_start(&s, AF_INET));
	snprintf(api, sizeof(api), "localhost:%u", s.port);
	setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
	add_next(&s, "Lambda-Runtime-Aws-Request-Id: named\r\n", "{}", 2);
	add_accepted(&s);
	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 0);
	stand_in_stop(&s);
	assert_int_equal(s.request_count, 2);
	assert_string_equal(script.calls[1].request_id, "named");
	stand_in_release(&s);
}

static void test_runtime_init_error(void **state)
{
	struct stand_in s;
	char value[256];
	json_t *doc;

	(void)state;
	assert_true(stand_in_start(&s, AF_INET));
	add_accepted(&s);
	add_reply(&s,
		  "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
		  "\r\n",
		  "", 0);

	assert_int_equal(pg_runtime_init_error("Runtime.ConfigError",
					       "PUSHOVER_TOKEN: not set"),
			 0);
	assert_int_equal(pg_runtime_init_error("Runtime.ConfigError", "again"),
			 -1);
	stand_in_stop(&s);

	assert_int_equal(s.request_count, 2);
	assert_string_equal(s.requests[0].method, "POST");
	assert_string_equal(s.requests[0].path,
			    "/2018-06-01/runtime/init/error");
	assert_string_equal(request_header(&s.requests[0],
					   "Lambda-Runtime-Function-Error-Type",
					   value, sizeof(value)),
			    "Runtime.ConfigError");
	doc = json_loadb(s.requests[0].body, s.requests[0].body_len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc,
							      "errorMessage")),
			    "PUSHOVER_TOKEN: not set");
	assert_string_equal(json_string_value(json_object_get(doc,
							      "errorType")),
			    "Runtime.ConfigError");
	json_decref(doc);
	stand_in_release(&s);
}

static void test_runtime_bad_address(void **state)
{
	static const char *const addresses[] = {
		"", "http://127.0.0.1:9001", "127.0.0.1:0", "[::1", "::1:80",
		"127.0.0.1:65536",
	};
	struct handler_script script = { 0 };

	(void)state;
	unsetenv("AWS_LAMBDA_RUNTIME_API");
	assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 1);
	assert_int_equal(pg_runtime_run(test_handler, &script), 1);
	assert_int_equal(pg_runtime_init_error("Runtime.X", "y"), -1);
	for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		setenv("AWS_LAMBDA_RUNTIME_API", addresses[i], 1);
		assert_int_equal(pg_runtime_run_n(test_handler, &script, 1), 1);
	}
	assert_int_equal(script.call_count, 0);
}

static void test_context_remaining_ms(void **state)
{
	struct pg_context ctx = { 0 };
	struct timespec now;
	int64_t now_ms;
	int64_t left;

	(void)state;
	assert_int_equal(pg_context_remaining_ms(&ctx), INT64_MAX);

	clock_gettime(CLOCK_REALTIME, &now);
	now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	ctx.deadline_ms = now_ms + 10000;
	left = pg_context_remaining_ms(&ctx);
	assert_true(left > 9000);
	assert_true(left <= 10000);

	ctx.deadline_ms = now_ms - 5000;
	assert_true(pg_context_remaining_ms(&ctx) <= -5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_runtime_happy_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_runtime_next_dropped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_connection_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_big_event_length,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_big_event_chunked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_runtime_next_without_request_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_next_error_status,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_handler_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_runtime_handler_error_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_error_message_utf8,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_event_too_large,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_runtime_server_closes_between, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_response_rejected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_ipv6_and_names,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_init_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_runtime_bad_address, setup,
						teardown),
		cmocka_unit_test(test_context_remaining_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
