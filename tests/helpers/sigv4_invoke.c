/* Calls pg_lambda_invoke with settings from the environment, for the SigV4
 * oracle test (tests/integration/test_sigv4.py).
 *
 *   PG_TEST_FUNCTION         function name or ARN (required)
 *   PG_TEST_INVOCATION_TYPE  "Event" or "RequestResponse" (default)
 *   PG_TEST_PAYLOAD          request body (default "{}")
 *   PG_TEST_REPEAT           number of calls made in this process (default 1)
 * plus the AWS_* variables that pg_aws_config_from_env reads.
 *
 * Prints "status=", "function_error=", "result=", "error=" and "payload="
 * lines for each call. Exits 0 when every call succeeded, 1 when one failed
 * and 2 when the configuration was rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"

int main(void)
{
	const char *function = getenv("PG_TEST_FUNCTION");
	const char *type_name = getenv("PG_TEST_INVOCATION_TYPE");
	const char *payload = getenv("PG_TEST_PAYLOAD");
	const char *repeat_text = getenv("PG_TEST_REPEAT");
	enum pg_invocation_type type = PG_INVOKE_REQUEST_RESPONSE;
	struct pg_aws_config config;
	struct pg_err err = { { 0 } };
	long repeat = 1;
	int status = 0;

	if (!function) {
		fprintf(stderr, "sigv4_invoke: PG_TEST_FUNCTION is missing\n");
		return 2;
	}
	if (type_name && !strcmp(type_name, "Event"))
		type = PG_INVOKE_EVENT;
	if (!payload)
		payload = "{}";
	if (repeat_text) {
		char *end;

		repeat = strtol(repeat_text, &end, 10);
		if (*end || repeat < 1 || repeat > 100) {
			fprintf(stderr, "sigv4_invoke: PG_TEST_REPEAT must be 1 to 100\n");
			return 2;
		}
	}
	if (pg_aws_config_from_env(&config, &err)) {
		printf("result=config-error\nerror=%s\n", err.msg);
		return 2;
	}

	for (long i = 0; i < repeat; i++) {
		struct pg_invoke_result result;
		int rc;

		pg_err_clear(&err);
		pg_invoke_result_init(&result);
		rc = pg_lambda_invoke(&config, function, payload, strlen(payload), type, &result, &err);
		printf("status=%ld\nfunction_error=%s\nresult=%s\nerror=%s\npayload=%s\n",
		       result.http_status, result.function_error, rc ? "error" : "ok", err.msg,
		       result.payload.data ? result.payload.data : "");
		if (rc)
			status = 1;
		pg_invoke_result_release(&result);
	}
	pg_aws_cleanup();
	pg_aws_config_release(&config);
	return status;
}
