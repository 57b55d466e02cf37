/* SigV4-signed calls to AWS services: Lambda Invoke for now.
 *
 * Credentials and region come from the standard variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
 * else AWS_DEFAULT_REGION); the endpoint from AWS_ENDPOINT_URL_LAMBDA, else
 * AWS_ENDPOINT_URL, else https://lambda.<region>.amazonaws.com.
 * Nothing here logs; errors go to the caller's struct pg_err and never
 * contain a credential or a signature. */
#ifndef PG_AWS_H
#define PG_AWS_H

#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"

enum pg_invocation_type {
	PG_INVOKE_REQUEST_RESPONSE,
	PG_INVOKE_EVENT,
};

/* Settings read from the environment once; the strings are owned by the
 * struct and freed by pg_aws_config_release. */
struct pg_aws_config {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL when not set */
	char *region;
	char *lambda_endpoint; /* scheme://host[:port], no trailing slash */
	long connect_timeout_ms; /* 0 means PG_AWS_CONNECT_TIMEOUT_MS */
	long timeout_ms;         /* whole call; 0 means PG_AWS_TIMEOUT_MS */
};

/* Defaults for the timeouts above. The total stays under API Gateway's 29 s
 * integration timeout, so an api function that waits for an invocation can
 * still respond to its client. */
#define PG_AWS_CONNECT_TIMEOUT_MS 3000L
#define PG_AWS_TIMEOUT_MS 25000L
/* Lambda's maximum synchronous response; a longer response fails the call. */
#define PG_AWS_MAX_RESPONSE_BYTES (6u * 1024 * 1024)
/* Lambda's maximum length of the FunctionName parameter of Invoke. */
#define PG_LAMBDA_MAX_FUNCTION_NAME 170

/* Fills config from the environment. Returns 0, or -1 with err naming the
 * missing or invalid variable (never a credential's value). On failure config
 * contains nothing to release. */
int pg_aws_config_from_env(struct pg_aws_config *config, struct pg_err *err);
void pg_aws_config_release(struct pg_aws_config *config);

/* Result of a Lambda Invoke call. */
struct pg_invoke_result {
	long http_status;        /* 200 for RequestResponse, 202 for Event */
	char function_error[64]; /* X-Amz-Function-Error value, "" when absent */
	struct pg_buf payload;   /* the function's response; owned, release it */
};

void pg_invoke_result_init(struct pg_invoke_result *result);
void pg_invoke_result_release(struct pg_invoke_result *result);

/* Invokes function_name (a name, partial or full ARN, optionally with
 * ":qualifier") with payload. Returns 0 when the function ran and succeeded
 * (HTTP 200 without X-Amz-Function-Error, or 202 for Event). Otherwise it
 * returns -1 with the cause in err, and result is filled as far as the call
 * got.
 * A function error puts its errorType and errorMessage into err; an AWS
 * error puts the HTTP status, x-amzn-ErrorType and the "message" of the
 * answer there, with any credential text replaced by "[redacted]".
 * Calls share one keep-alive connection, created by the first call, so they
 * must not run from two threads at once. */
int pg_lambda_invoke(const struct pg_aws_config *config,
		     const char *function_name, const char *payload,
		     size_t payload_len, enum pg_invocation_type type,
		     struct pg_invoke_result *result, struct pg_err *err);

/* Appends the Invoke request path for function_name to path:
 * "/2015-03-31/functions/<name>/invocations", where the name is one
 * percent-encoded path segment (every byte except A-Z a-z 0-9 - . _ ~ becomes
 * %XX, as botocore encodes a non-greedy URI label). Returns 0, or -1 with err
 * when the name is empty or longer than PG_LAMBDA_MAX_FUNCTION_NAME bytes. */
int pg_lambda_invoke_path(const char *function_name, struct pg_buf *path,
			  struct pg_err *err);

/* Frees the connection kept for Lambda calls; the next call opens a new one.
 * Not thread-safe, like pg_lambda_invoke itself. */
void pg_aws_cleanup(void);

#endif
