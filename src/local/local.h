/* The pigeon CLI: `pigeon serve` runs the two function bootstraps on one
 * machine behind local stand-ins for API Gateway (REST with payload format
 * 1.0, or HTTP API with 2.0), the Lambda Runtime API, the Lambda Invoke API
 * with a durable SQLite event queue, and a Pushover-compatible inbox.
 *
 * This header is internal to src/local. The CLI links only common/ and log/
 * of the library layers; its Lambda behaviour is implemented here
 * from AWS's documentation. */
#ifndef PG_LOCAL_H
#define PG_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define PG_UUID_LEN 36

/* Lambda's payload limits: 6 MB for a synchronous request or response, 1 MB
 * for an asynchronous (Event) request (raised from 256 KB in 2025, per the
 * Invoke API reference). API Gateway accepts request bodies up to 10 MB. */
#define PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES (6u * 1024 * 1024)
#define PG_LOCAL_ASYNC_PAYLOAD_MAX_BYTES (1024u * 1024)
#define PG_LOCAL_API_BODY_MAX_BYTES (10u * 1024 * 1024)

/* The account id in the ARNs pigeon makes up for its local functions. */
#define PG_LOCAL_ACCOUNT_ID "000000000000"

/* ---- util.c ---- */

/* Fills out with len random bytes from getrandom, one system call for up
 * to 256 bytes. */
void pg_random_fill(unsigned char *out, size_t len);
/* Writes a random (version 4) UUID and a NUL into out. */
void pg_uuid_generate(char out[PG_UUID_LEN + 1]);
/* Unix epoch milliseconds. */
int64_t pg_now_epoch_ms(void);
/* Milliseconds on a clock that never jumps, for deadlines and timeouts. */
int64_t pg_now_monotonic_ms(void);

/* ---- envfile.c: settings from KEY=VALUE files ---- */

/* An ordered list of "KEY=VALUE" strings, usable as an envp array: entries
 * is always NULL-terminated. The list owns every string. */
struct pg_env_list {
	char **entries;
	size_t count;
	size_t cap;
};

void pg_env_list_init(struct pg_env_list *list);
void pg_env_list_release(struct pg_env_list *list);
/* Sets key to a copy of value, replacing an earlier entry with that key. */
void pg_env_list_set(struct pg_env_list *list, const char *key,
		     const char *value);
/* Returns the value of key (borrowed, valid until the list changes), or
 * NULL. */
const char *pg_env_list_get(const struct pg_env_list *list, const char *key);

#define PG_ENVFILE_MAX_BYTES (1024u * 1024)

/* Parses env file text: one KEY=VALUE a line, '#' comment lines, blank
 * lines, an optional "export " before the key, values optionally in single
 * quotes (taken literally) or double quotes (\\, \", \n, \t escapes). An
 * unquoted value ends at " #" (a trailing comment) and loses surrounding
 * blanks. Keys match [A-Za-z_][A-Za-z0-9_]*. Each pair is set into out.
 * Returns 0, or -1 with "line N: ..." in err. */
__attribute__((warn_unused_result))
int pg_envfile_parse(const char *text, size_t len, struct pg_env_list *out,
		     struct pg_err *err);
/* Reads the file at path (at most PG_ENVFILE_MAX_BYTES) and parses it. */
__attribute__((warn_unused_result))
int pg_envfile_load(const char *path, struct pg_env_list *out,
		    struct pg_err *err);

/* ---- pushover_check.c: the inbox's copy of Pushover's message checks ---- */

/* Pushover's documented limits, in characters (code points). */
#define PG_PUSHOVER_KEY_LEN 30
#define PG_PUSHOVER_MESSAGE_MAX 1024
#define PG_PUSHOVER_TITLE_MAX 250
#define PG_PUSHOVER_URL_MAX 512
#define PG_PUSHOVER_URL_TITLE_MAX 100
#define PG_PUSHOVER_SOUND_MAX 64
#define PG_PUSHOVER_RETRY_MIN 30
#define PG_PUSHOVER_EXPIRE_MAX 10800
#define PG_PUSHOVER_BODY_MAX_BYTES (64u * 1024)

/* An accepted message. Every string is owned (NULL when absent) and freed
 * by pg_pushover_message_release. The token and user key are checked but
 * not kept, so they cannot reach the inbox or a log. */
struct pg_pushover_message {
	char *message;
	char *title;
	char *url;
	char *url_title;
	char *sound;
	int priority;
};

/* The rejected field and Pushover-style sentence for a 400 response. */
struct pg_pushover_error {
	char field[32];
	char message[256];
};

void pg_pushover_message_release(struct pg_pushover_message *msg);
/* Parses a messages.json request body, form-encoded or JSON (chosen by
 * content_type, which may be NULL), and checks it as Pushover does.
 * Returns 0 with msg filled, or -1 with error filled and msg empty. */
__attribute__((warn_unused_result))
int pg_pushover_parse(const char *content_type, const char *body, size_t len,
		      struct pg_pushover_message *msg,
		      struct pg_pushover_error *error);

/* ---- proxy_event.c: API Gateway events, payload format 1.0 and 2.0 ---- */

/* One header or query argument; both strings are borrowed. value may hold
 * any bytes except NUL. */
struct pg_proxy_pair {
	const char *name;
	const char *value;
};

/* An HTTP request as the gateway received it; every pointer is borrowed. */
struct pg_proxy_request {
	const char *method;
	const char *path; /* decoded, starts with '/' */
	const struct pg_proxy_pair *headers;
	size_t header_count;
	const struct pg_proxy_pair *query; /* decoded names and values */
	size_t query_count;
	const char *body;
	size_t body_len;
	const char *source_ip;
	const char *request_id;
	int64_t time_epoch_ms;
};

/* Returns true when API Gateway would pass a body of this content type as
 * text: text/x, application/json (and +json), application/xml (and +xml),
 * application/x-www-form-urlencoded or no content type, and valid UTF-8. */
bool pg_proxy_body_is_text(const char *content_type, const char *body,
			   size_t len);
/* Appends the proxy event JSON for req to out. Returns 0, or -1 with err
 * set when out's maximum is passed. */
__attribute__((warn_unused_result))
int pg_proxy_event_build(const struct pg_proxy_request *req, struct pg_buf *out,
			 struct pg_err *err);
/* Appends the HTTP API event (payload format 2.0) for req to out: header
 * names in lower case with repeated headers joined by commas, the Cookie
 * headers split into "cookies", rawPath and rawQueryString encoded again
 * from the decoded request, stage and routeKey "$default". Returns 0, or
 * -1 with err set when out's maximum is passed. */
__attribute__((warn_unused_result))
int pg_proxy_event_build_v2(const struct pg_proxy_request *req,
			    struct pg_buf *out, struct pg_err *err);

struct pg_proxy_header {
	char *name;
	char *value;
};

/* An HTTP response made from a function's proxy response. It owns every
 * string. */
struct pg_proxy_response {
	int status;
	struct pg_proxy_header *headers;
	size_t header_count;
	char *body;
	size_t body_len;
};

void pg_proxy_response_release(struct pg_proxy_response *resp);
/* Turns a proxy integration response {"statusCode", "headers",
 * "multiValueHeaders", "body", "isBase64Encoded"} into resp. Returns 0, or
 * -1 with err naming what is malformed (API Gateway then returns 502). */
__attribute__((warn_unused_result))
int pg_proxy_response_parse(const char *json, size_t len,
			    struct pg_proxy_response *resp, struct pg_err *err);
/* Turns a function's payload 2.0 response into resp. An object with "statusCode" is
 * read as {"statusCode", "headers", "cookies", "body", "isBase64Encoded"},
 * each cookie becoming a Set-Cookie header. Any other valid JSON becomes a
 * 200 with Content-Type application/json and the response as the body, as
 * API Gateway infers it. Returns 0, or -1 with err naming what is
 * malformed. */
__attribute__((warn_unused_result))
int pg_proxy_response_parse_v2(const char *json, size_t len,
			       struct pg_proxy_response *resp,
			       struct pg_err *err);

/* ---- store.c: the SQLite file behind the event queue and the inbox ---- */

struct pg_store;

/* A queued Event invocation, owned by the caller after
 * pg_store_event_claim; free with pg_stored_event_release. */
struct pg_stored_event {
	int64_t id;
	char request_id[PG_UUID_LEN + 1];
	char *function;
	char *payload;
	size_t payload_len;
	int attempts; /* failed attempts so far */
};

/* Opens (and creates) dir/pigeon.db in WAL mode with synchronous FULL. The
 * directory is created when missing, and events left 'running' are queued
 * again, so one data directory serves one pigeon at a time. Every call
 * below is serialised by a mutex, so one store may be shared by all
 * threads. */
__attribute__((warn_unused_result))
int pg_store_open(const char *dir, struct pg_store **out, struct pg_err *err);
void pg_store_close(struct pg_store *store);

/* Commits an Event invocation; returns only after the row is durable. */
__attribute__((warn_unused_result))
int pg_store_event_add(struct pg_store *store, const char *function,
		       const char *request_id, const char *payload, size_t len,
		       int64_t now_ms, struct pg_err *err);
/* Claims the oldest queued event of function that is due at now_ms for
 * worker (a number shown in the queue listing): in one statement, the
 * row becomes 'running', so no other worker can claim it. The row stays
 * 'running' until pg_store_event_done or pg_store_event_failed; a row
 * left 'running' by a crash or a stop is queued again by the next
 * pg_store_open. Returns 1 with out filled, 0 when none is due, -1 on
 * error. */
__attribute__((warn_unused_result))
int pg_store_event_claim(struct pg_store *store, const char *function,
			 int worker, int64_t now_ms,
			 struct pg_stored_event *out, struct pg_err *err);
void pg_stored_event_release(struct pg_stored_event *event);
/* Marks an event delivered and keeps the function's response. */
__attribute__((warn_unused_result))
int pg_store_event_done(struct pg_store *store, int64_t id, const char *result,
			size_t result_len, int64_t now_ms, struct pg_err *err);
/* Queues a claimed event again without counting an attempt, for an
 * attempt that pigeon itself cut short. */
__attribute__((warn_unused_result))
int pg_store_event_unclaim(struct pg_store *store, int64_t id,
			   struct pg_err *err);
/* Records a failed attempt: when retry_at_ms >= 0 the event is queued
 * again for then, otherwise it moves to the dead_letters table with
 * error. */
__attribute__((warn_unused_result))
int pg_store_event_failed(struct pg_store *store, int64_t id,
			  const char *error, int64_t retry_at_ms,
			  int64_t now_ms, struct pg_err *err);
/* Appends {"events":[...],"dead_letters":[...]} (newest first, at most
 * limit of each) to out. */
__attribute__((warn_unused_result))
int pg_store_queue_json(struct pg_store *store, size_t limit,
			struct pg_buf *out, struct pg_err *err);

/* Stores an accepted Pushover message under request_id. */
__attribute__((warn_unused_result))
int pg_store_inbox_add(struct pg_store *store,
		       const struct pg_pushover_message *msg,
		       const char *request_id, int64_t now_ms,
		       struct pg_err *err);
/* Appends {"messages":[...]} (newest first, at most limit) to out. */
__attribute__((warn_unused_result))
int pg_store_inbox_json(struct pg_store *store, size_t limit,
			struct pg_buf *out, struct pg_err *err);

/* ---- function.c: one function process and its Runtime API ---- */

struct pg_function;

struct pg_function_config {
	const char *name;
	const char *bootstrap_path;
	const struct pg_env_list *env; /* copied; the Runtime API address is added */
	int timeout_s;
	const char *region;
	int concurrency; /* warm processes, each with its own Runtime API; >= 1 */
};

enum pg_function_outcome {
	PG_FUNCTION_OK,       /* payload is the function's response */
	PG_FUNCTION_ERROR,    /* payload is {"errorMessage","errorType",...} */
	PG_FUNCTION_TIMEOUT,  /* as PG_FUNCTION_ERROR, the function timed out */
};

/* The outcome of one invocation. payload is owned and freed by
 * pg_function_result_release. */
struct pg_function_result {
	enum pg_function_outcome outcome;
	char request_id[PG_UUID_LEN + 1];
	char *payload;
	size_t payload_len;
	int64_t duration_ms;
};

/* Starts config->concurrency Runtime API listeners on 127.0.0.1 (ephemeral
 * ports), one for each process, and the thread that runs, watches and
 * restarts the processes. */
__attribute__((warn_unused_result))
int pg_function_start(const struct pg_function_config *config,
		      struct pg_function **out, struct pg_err *err);
/* Fails pending invocations, stops the process (SIGTERM, then SIGKILL after
 * a grace period), the listener and the thread, and frees fn. */
void pg_function_stop(struct pg_function *fn);
/* Starts failing new and pending invocations so that servers can stop. */
void pg_function_begin_stop(struct pg_function *fn);
const char *pg_function_name(const struct pg_function *fn);
/* Runs one invocation and waits for its end: the response, the function's
 * error, a crash of its process or the timeout. The invocation takes
 * payload (len bytes and a NUL, from malloc) and frees it; the GET /next
 * that receives the event sends it without a copy. request_id is the id
 * to give the function (an Event keeps its id across retries), or NULL
 * for a new one. out is always filled, also when the invocation fails. */
void pg_function_invoke(struct pg_function *fn, char *payload, size_t len,
			const char *request_id, struct pg_function_result *out);
void pg_function_result_release(struct pg_function_result *result);

/* ---- http.c: the MHD listeners ---- */

struct MHD_Daemon;
struct MHD_Connection;

/* Handles one request once its body has arrived (or, with too_large, once
 * it is known to pass the listener's maximum). body->data is never NULL
 * and is NUL-terminated. The buffer belongs to the listener and lives
 * until the handler returns, but the handler may take its content with
 * pg_buf_detach. Returns MHD's result code. */
typedef int pg_http_handler(void *cls, struct MHD_Connection *connection,
			    const char *url, const char *method,
			    struct pg_buf *body, bool too_large);

/* A listener with one thread per connection, because Runtime API and
 * invocation requests block. The caller owns the struct; it must stay in
 * place until pg_http_stop. */
struct pg_http_listener {
	pg_http_handler *handler;
	void *cls;
	size_t max_body_bytes;
	/* Seconds after which an idle client connection is closed; 0 keeps
	 * it open, as the Runtime API listeners need for a blocked GET. */
	unsigned idle_timeout_s;
	struct MHD_Daemon *daemon;
	int port; /* the bound port, after pg_http_listen */
};

/* Listens on host:port (port 0 picks a free one). */
__attribute__((warn_unused_result))
int pg_http_listen(struct pg_http_listener *listener, const char *host,
		   int port, struct pg_err *err);
/* Stops the listener after its handlers return; safe to call twice. */
void pg_http_stop(struct pg_http_listener *listener);
/* Queues a response with the given headers (a NULL-terminated list of
 * name, value pairs, or NULL) and returns MHD's result code. */
int pg_http_reply(struct MHD_Connection *connection, int status,
		  const char *content_type, const char *body, size_t len,
		  const char *const *headers);
/* As pg_http_reply, but sends body without copying it: the response owns
 * body, and MHD frees it with free() when it is sent or dropped (also when
 * this fails). */
int pg_http_reply_owned(struct MHD_Connection *connection, int status,
			const char *content_type, char *body, size_t len,
			const char *const *headers);
/* Returns the value of request header name, or NULL (borrowed from MHD,
 * valid during the handler). */
const char *pg_mhd_request_header(struct MHD_Connection *connection,
			   const char *name);

/* ---- gateway.c, invoke_api.c and serve.c ---- */

struct pg_serve;

/* The API Gateway stand-in plus /_pigeon/ (inbox, form, queue). */
void pg_gateway_handler_init(struct pg_http_listener *listener,
			     struct pg_serve *serve);
/* The Lambda Invoke API stand-in. */
void pg_invoke_api_handler_init(struct pg_http_listener *listener,
				struct pg_serve *serve);

/* Maximum number of warm processes `pigeon serve --concurrency` keeps per
 * function. */
#define PG_SERVE_CONCURRENCY_MAX 64

/* The options of `pigeon serve`. Every string is borrowed. */
struct pg_serve_options {
	const char *host;
	int port;        /* 0 picks a free port */
	int lambda_port; /* 0 picks a free port */
	const char *data_dir;
	int timeout_s;
	int retry_delay_s;
	const char *api_bootstrap;
	const char *notifications_bootstrap;
	const char *env_file; /* NULL for none */
	int concurrency; /* warm processes per function, 1 to PG_SERVE_CONCURRENCY_MAX */
	int payload_version; /* API Gateway payload format: 1 (REST) or 2 (HTTP API) */
};

/* Runs `pigeon serve` until SIGINT or SIGTERM. The caller must have blocked
 * both signals in every thread. Returns the exit status: 0 after a clean
 * stop, 1 when the service could not start. */
int pg_serve_run(const struct pg_serve_options *options);

/* Shared by the servers: the state of one `pigeon serve`. */
struct pg_function *pg_serve_function(struct pg_serve *serve,
				      const char *name);
struct pg_store *pg_serve_store(struct pg_serve *serve);
const char *pg_serve_region(const struct pg_serve *serve);
/* The API Gateway payload format the gateway emulates: 1 or 2. */
int pg_serve_payload_version(const struct pg_serve *serve);
/* Wakes the queue worker of function after a new event was stored. */
void pg_serve_notify_queue(struct pg_serve *serve, const char *function);


/* The form page served at /_pigeon/form (form_page.c contains web/form.html). */
extern const char pg_form_page_html[];

#endif
