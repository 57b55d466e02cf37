/* SigV4-signed calls to AWS services: Lambda Invoke, SSM GetParameter and
 * Secrets Manager GetSecretValue.
 *
 * Credentials and region come from the standard variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
 * else AWS_DEFAULT_REGION). Each service's endpoint comes from its own
 * variable (AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL_SSM,
 * AWS_ENDPOINT_URL_SECRETS_MANAGER), else AWS_ENDPOINT_URL, else
 * https://<service>.<region>.amazonaws.com.
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

/* Sets *endpoint (free with free()) to the URL in variable, else in
 * AWS_ENDPOINT_URL, else https://<service_host>.<region>.amazonaws.com
 * (amazonaws.com.cn in China regions), without trailing slashes. Returns 0,
 * or -1 with err naming the variable whose URL is invalid. */
int pg_aws_endpoint_from_env(const char *variable, const char *service_host,
			     const char *region, char **endpoint,
			     struct pg_err *err);

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

/* ---- Parameter Store and Secrets Manager --------------------------------- */

/* The largest value read: the GetSecretValue API reference limits a
 * SecretString to 65,536 bytes, and an SSM parameter value is at most 4 KB
 * (standard tier) or 8 KB (advanced tier). */
#define PG_AWS_MAX_SECRET_BYTES (64u * 1024)
/* The largest accepted response of either call: the value, escaped, and the
 * metadata around it. */
#define PG_AWS_MAX_SECRET_RESPONSE_BYTES (512u * 1024)
/* SSM's maximum Name and Secrets Manager's maximum SecretId, ARNs included. */
#define PG_AWS_MAX_SECRET_ID_BYTES 2048

/* Calls SSM GetParameter ("X-Amz-Target: AmazonSSM.GetParameter", JSON 1.1)
 * with WithDecryption for name, a parameter name or ARN, at the endpoint of
 * AWS_ENDPOINT_URL_SSM, and appends the parameter's Value to value. Returns
 * 0, or -1 with err naming the parameter and the cause (the AWS error type
 * and message, or why the response is invalid), never the value. value
 * contains a secret, so the caller clears it with explicit_bzero before
 * releasing it. */
int pg_ssm_get_parameter(const struct pg_aws_config *config,
			 const char *name, struct pg_buf *value,
			 struct pg_err *err);

/* Calls Secrets Manager GetSecretValue ("X-Amz-Target:
 * secretsmanager.GetSecretValue") for secret_id, a secret name or ARN, at
 * the endpoint of AWS_ENDPOINT_URL_SECRETS_MANAGER, and appends the current
 * version's SecretString to value. A secret stored as SecretBinary fails.
 * Errors and the caller's duty to clear value as for pg_ssm_get_parameter. */
int pg_secretsmanager_get_secret_value(const struct pg_aws_config *config,
				       const char *secret_id,
				       struct pg_buf *value,
				       struct pg_err *err);

/* Parse the body of a successful GetParameter ({"Parameter": {"Value":
 * "..."}}) or GetSecretValue ({"SecretString": "..."}) response and append
 * the value to value. Return 0, or -1 with err saying what is missing or
 * invalid; err never quotes the body, which contains the secret. */
int pg_ssm_parameter_value(const char *body, size_t len, struct pg_buf *value,
			   struct pg_err *err);
int pg_secretsmanager_secret_string(const char *body, size_t len,
				    struct pg_buf *value, struct pg_err *err);

/* Frees the connection kept for AWS calls; the next call opens a new one.
 * Not thread-safe, like the calls themselves. */
void pg_aws_cleanup(void);

#endif
