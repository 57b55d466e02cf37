/* A client of the Lambda Runtime API for custom runtimes (version
 * 2018-06-01): the loop that fetches invocations, calls the handler and posts
 * its response or error, plus the init error report.
 *
 * The Runtime API address comes from AWS_LAMBDA_RUNTIME_API ("host:port").
 * One keep-alive connection is reused across invocations. */
#ifndef PG_RUNTIME_H
#define PG_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Lambda's limit for a synchronous request or response payload. */
#define PG_RUNTIME_MAX_PAYLOAD_BYTES (6u * 1024 * 1024)

/* The invocation context, from the headers of the "next" response. Every
 * string is borrowed: valid until the handler returns. Absent values are "",
 * never NULL. */
struct pg_context {
	const char *request_id;
	int64_t deadline_ms; /* Unix epoch milliseconds; 0 when not given */
	const char *invoked_function_arn;
	const char *trace_id; /* also exported as _X_AMZN_TRACE_ID */
	const char *client_context; /* JSON text, mobile SDK invocations only */
	const char *cognito_identity; /* JSON text, when present */
};

/* What a failing handler reports; both strings are copied by the runtime. */
struct pg_invocation_error {
	char type[128];    /* errorType, e.g. "Pushover.Rejected" */
	char message[1024]; /* errorMessage: no secrets */
};

/* Handles one invocation. payload is the event, NUL-terminated, payload_len
 * bytes long. On success the handler appends its JSON answer to response and
 * returns 0; on failure it fills error and returns -1, and response is
 * ignored. The handler must not keep pointers into payload or ctx. */
typedef int (*pg_handler_fn)(const char *payload, size_t payload_len,
			     const struct pg_context *ctx,
			     struct pg_buf *response,
			     struct pg_invocation_error *error, void *user_data);

/* Runs the invocation loop until the process is stopped. A handler failure
 * never ends the loop. Returns 1 only when AWS_LAMBDA_RUNTIME_API is unset or
 * invalid, after logging why. */
int pg_runtime_run(pg_handler_fn handler, void *user_data);

/* Runs the loop like pg_runtime_run but returns 0 after max_invocations
 * invocations (responses to GET /next that carry a request id, whatever the
 * handler did); 0 means no limit. Meant for tests and benchmarks, which
 * need the loop to end. Returns 1 like pg_runtime_run. */
int pg_runtime_run_n(pg_handler_fn handler, void *user_data,
		     unsigned long max_invocations);

/* Reports a failed initialisation to POST /runtime/init/error; call it
 * instead of pg_runtime_run and then exit. Returns 0 when the report was
 * accepted. */
int pg_runtime_init_error(const char *error_type, const char *message);

/* Milliseconds left until ctx's deadline (negative when passed; INT64_MAX
 * when the deadline is unknown). */
int64_t pg_context_remaining_ms(const struct pg_context *ctx);

#endif
