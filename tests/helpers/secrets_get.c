/* Calls pg_ssm_get_parameter or pg_secretsmanager_get_secret_value with
 * settings from the environment, for tests/integration/test_secrets.py.
 *
 *   PG_TEST_SERVICE    "ssm" or "secretsmanager" (required)
 *   PG_TEST_SECRET_ID  parameter name, secret name or ARN (required)
 * plus the AWS_* variables that pg_aws_config_from_env and the endpoint
 * variables read.
 *
 * Prints "result=", "error=" and "value=" lines. The value is printed
 * because the test compares it; a real caller never prints a secret. Exits
 * 0 on success, 1 when the call failed and 2 when the settings were
 * rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"

int main(void)
{
	const char *service = getenv("PG_TEST_SERVICE");
	const char *id = getenv("PG_TEST_SECRET_ID");
	struct pg_aws_config config;
	struct pg_err err = { { 0 } };
	struct pg_buf value;
	int rc;

	if (!service || !id) {
		fprintf(stderr, "secrets_get: PG_TEST_SERVICE and PG_TEST_SECRET_ID are required\n");
		return 2;
	}
	if (pg_aws_config_from_env(&config, &err)) {
		printf("result=config-error\nerror=%s\n", err.msg);
		return 2;
	}
	pg_buf_init(&value, PG_AWS_MAX_SECRET_BYTES);
	if (!strcmp(service, "ssm"))
		rc = pg_ssm_get_parameter(&config, id, &value, &err);
	else
		rc = pg_secretsmanager_get_secret_value(&config, id, &value, &err);
	printf("result=%s\nerror=%s\nvalue=%s\n", rc ? "error" : "ok", err.msg,
	       value.data ? value.data : "");
	pg_buf_release(&value);
	pg_aws_cleanup();
	pg_aws_config_release(&config);
	return rc ? 1 : 0;
}
