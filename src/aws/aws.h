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
};

/* Fills config from the environment. Returns 0, or -1 with err naming the
 * missing variable. */
int pg_aws_config_from_env(struct pg_aws_config *config, struct pg_err *err);
void pg_aws_config_release(struct pg_aws_config *config);

/* Result of a Lambda Invoke call. */
struct pg_invoke_result {
	long http_status;        /* 200 for RequestResponse, 202 for Event */
	char function_error[64]; /* X-Amz-Function-Error value, "" when absent */
	struct pg_buf payload;   /* the function's answer; owned, release it */
};

void pg_invoke_result_init(struct pg_invoke_result *result);
void pg_invoke_result_release(struct pg_invoke_result *result);

/* Invokes function_name (a name, partial or full ARN, optionally with
 * ":qualifier") with payload. Returns 0 when the function ran and succeeded
 * (HTTP 200 without X-Amz-Function-Error, or 202 for Event); otherwise -1
 * with err saying why, result still filled as far as the call got. */
int pg_lambda_invoke(const struct pg_aws_config *config,
		     const char *function_name, const char *payload,
		     size_t payload_len, enum pg_invocation_type type,
		     struct pg_invoke_result *result, struct pg_err *err);

#endif
