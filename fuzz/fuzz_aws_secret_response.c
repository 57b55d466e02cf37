/* libFuzzer target: the bodies of SSM GetParameter and Secrets Manager
 * GetSecretValue responses. The first byte picks the parser; the rest is the
 * body. A parsed value must fit the documented maximum, and an error must
 * never quote the body, which contains the secret. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_err err = { { 0 } };
	struct pg_buf value;
	const char *body = (const char *)data + 1;
	int rc;

	if (size < 1)
		return 0;
	pg_buf_init(&value, PG_AWS_MAX_SECRET_BYTES);
	if (data[0] & 1)
		rc = pg_secretsmanager_secret_string(body, size - 1, &value, &err);
	else
		rc = pg_ssm_parameter_value(body, size - 1, &value, &err);
	if (rc == 0 && value.len > PG_AWS_MAX_SECRET_BYTES)
		abort();
	if (rc != 0 && value.len != 0)
		abort();
	pg_buf_release(&value);
	return 0;
}
