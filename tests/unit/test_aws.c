/* AWS settings from the environment and the Lambda Invoke request path. The
 * signed calls themselves are tested against botocore in
 * tests/integration/test_sigv4.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"

static const char *const aws_variables[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
};

static int clean_environment(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(aws_variables) / sizeof(aws_variables[0]); i++)
		unsetenv(aws_variables[i]);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret/key+value", 1);
	return 0;
}

static void load_fails(const char *message)
{
	struct pg_aws_config config;
	struct pg_err err = { { 0 } };

	assert_int_equal(pg_aws_config_from_env(&config, &err), -1);
	assert_string_equal(err.msg, message);
	assert_null(config.access_key_id);
	pg_aws_config_release(&config);
}

static void aws_config_defaults(void **state)
{
	struct pg_aws_config config;
	struct pg_err err = { { 0 } };

	(void)state;
	setenv("AWS_REGION", "eu-west-1", 1);
	assert_int_equal(pg_aws_config_from_env(&config, &err), 0);
	assert_string_equal(config.access_key_id, "AKIDEXAMPLE");
	assert_string_equal(config.secret_access_key, "secret/key+value");
	assert_null(config.session_token);
	assert_string_equal(config.region, "eu-west-1");
	assert_string_equal(config.lambda_endpoint, "https://lambda.eu-west-1.amazonaws.com");
	assert_int_equal(config.timeout_ms, PG_AWS_TIMEOUT_MS);
	assert_int_equal(config.connect_timeout_ms, PG_AWS_CONNECT_TIMEOUT_MS);
	pg_aws_config_release(&config);
	pg_aws_config_release(&config);
}

static void aws_config_default_region(void **state)
{
	struct pg_aws_config config;
	struct pg_err err = { { 0 } };

	(void)state;
	setenv("AWS_DEFAULT_REGION", "cn-north-1", 1);
	setenv("AWS_SESSION_TOKEN", "token", 1);
	assert_int_equal(pg_aws_config_from_env(&config, &err), 0);
	assert_string_equal(config.region, "cn-north-1");
	assert_string_equal(config.session_token, "token");
	assert_string_equal(config.lambda_endpoint, "https://lambda.cn-north-1.amazonaws.com.cn");
	pg_aws_config_release(&config);
}

static void aws_config_endpoint_precedence(void **state)
{
	struct pg_aws_config config;
	struct pg_err err = { { 0 } };

	(void)state;
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
	assert_int_equal(pg_aws_config_from_env(&config, &err), 0);
	assert_string_equal(config.lambda_endpoint, "http://127.0.0.1:4566");
	pg_aws_config_release(&config);

	setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:9001", 1);
	assert_int_equal(pg_aws_config_from_env(&config, &err), 0);
	assert_string_equal(config.lambda_endpoint, "http://127.0.0.1:9001");
	pg_aws_config_release(&config);
}

static void aws_config_missing_values(void **state)
{
	(void)state;
	load_fails("AWS region missing: set AWS_REGION or AWS_DEFAULT_REGION");
	setenv("AWS_REGION", "eu-west-1", 1);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	load_fails("AWS_SECRET_ACCESS_KEY: missing");
	unsetenv("AWS_ACCESS_KEY_ID");
	load_fails("AWS_ACCESS_KEY_ID: missing");
}

static void aws_config_invalid_values(void **state)
{
	(void)state;
	setenv("AWS_REGION", "eu-west-1:x", 1);
	load_fails("AWS_REGION: invalid region name \"eu-west-1:x\" (expected a-z, 0-9 and '-')");
	setenv("AWS_REGION", "eu-west-1", 1);
	setenv("AWS_ENDPOINT_URL_LAMBDA", "ftp://host", 1);
	load_fails("AWS_ENDPOINT_URL_LAMBDA: expected an http:// or https:// URL");
	setenv("AWS_ENDPOINT_URL_LAMBDA", "http://user:pass@host", 1);
	load_fails("AWS_ENDPOINT_URL_LAMBDA: expected scheme://host[:port][/path] without user "
		   "information, query or fragment");
	setenv("AWS_ENDPOINT_URL_LAMBDA", "https://", 1);
	load_fails("AWS_ENDPOINT_URL_LAMBDA: missing the host name");
}

static void expect_path(const char *name, const char *path)
{
	struct pg_buf buf;
	struct pg_err err = { { 0 } };

	pg_buf_init(&buf, 1024);
	assert_int_equal(pg_lambda_invoke_path(name, &buf, &err), 0);
	assert_string_equal(buf.data, path);
	pg_buf_release(&buf);
}

/* The expected paths are what botocore's percent_encode (safe "-._~") gives
 * for the FunctionName label. */
static void lambda_path_encodes_one_segment(void **state)
{
	(void)state;
	expect_path("notifications", "/2015-03-31/functions/notifications/invocations");
	expect_path("notifications:live", "/2015-03-31/functions/notifications%3Alive/invocations");
	expect_path("arn:aws:lambda:eu-west-1:123456789012:function:notifications:live",
		    "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012"
		    "%3Afunction%3Anotifications%3Alive/invocations");
	expect_path("my_fn-1.v~2", "/2015-03-31/functions/my_fn-1.v~2/invocations");
	expect_path("fn:$LATEST", "/2015-03-31/functions/fn%3A%24LATEST/invocations");
	expect_path("a/b c", "/2015-03-31/functions/a%2Fb%20c/invocations");
}

static void lambda_path_rejects_bad_names(void **state)
{
	struct pg_buf buf;
	struct pg_err err = { { 0 } };
	char long_name[PG_LAMBDA_MAX_FUNCTION_NAME + 2];

	(void)state;
	pg_buf_init(&buf, 1024);
	assert_int_equal(pg_lambda_invoke_path("", &buf, &err), -1);
	assert_string_equal(err.msg, "function name: missing");
	pg_err_clear(&err);
	memset(long_name, 'f', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(pg_lambda_invoke_path(long_name, &buf, &err), -1);
	assert_string_equal(err.msg, "function name: longer than 170 bytes");
	pg_buf_release(&buf);
}

static void lambda_invoke_unreachable_endpoint(void **state)
{
	struct pg_aws_config config;
	struct pg_invoke_result result;
	struct pg_err err = { { 0 } };

	(void)state;
	setenv("AWS_REGION", "eu-west-1", 1);
	/* Port 1 on the loopback address: nothing listens there. */
	setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:1", 1);
	assert_int_equal(pg_aws_config_from_env(&config, &err), 0);
	pg_invoke_result_init(&result);
	assert_int_equal(pg_lambda_invoke(&config, "notifications", "{}", 2, PG_INVOKE_EVENT,
					  &result, &err),
			 -1);
	assert_non_null(strstr(err.msg, "Lambda Invoke of notifications failed"));
	assert_null(strstr(err.msg, "secret/key+value"));
	assert_int_equal(result.http_status, 0);
	pg_invoke_result_release(&result);
	pg_aws_config_release(&config);
	pg_aws_cleanup();
}

static void aws_endpoint_service_variables(void **state)
{
	char *endpoint = NULL;
	struct pg_err err = { { 0 } };

	(void)state;
	unsetenv("AWS_ENDPOINT_URL_SSM");
	assert_int_equal(pg_aws_endpoint_from_env("AWS_ENDPOINT_URL_SSM", "ssm", "eu-west-1",
						  &endpoint, &err),
			 0);
	assert_string_equal(endpoint, "https://ssm.eu-west-1.amazonaws.com");
	free(endpoint);

	assert_int_equal(pg_aws_endpoint_from_env("AWS_ENDPOINT_URL_SECRETS_MANAGER",
						  "secretsmanager", "cn-north-1", &endpoint, &err),
			 0);
	assert_string_equal(endpoint, "https://secretsmanager.cn-north-1.amazonaws.com.cn");
	free(endpoint);

	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
	assert_int_equal(pg_aws_endpoint_from_env("AWS_ENDPOINT_URL_SSM", "ssm", "eu-west-1",
						  &endpoint, &err),
			 0);
	assert_string_equal(endpoint, "http://127.0.0.1:4566");
	free(endpoint);

	setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9/ssm", 1);
	assert_int_equal(pg_aws_endpoint_from_env("AWS_ENDPOINT_URL_SSM", "ssm", "eu-west-1",
						  &endpoint, &err),
			 0);
	assert_string_equal(endpoint, "http://127.0.0.1:9/ssm");
	free(endpoint);

	setenv("AWS_ENDPOINT_URL_SSM", "ssm.example.com", 1);
	assert_int_equal(pg_aws_endpoint_from_env("AWS_ENDPOINT_URL_SSM", "ssm", "eu-west-1",
						  &endpoint, &err),
			 -1);
	assert_null(endpoint);
	assert_non_null(strstr(err.msg, "AWS_ENDPOINT_URL_SSM"));
	unsetenv("AWS_ENDPOINT_URL_SSM");
}

static void expect_secret_value(int (*parse)(const char *, size_t, struct pg_buf *, struct pg_err *),
			 const char *body, int rc, const char *text)
{
	struct pg_buf value;
	struct pg_err err = { { 0 } };

	pg_buf_init(&value, PG_AWS_MAX_SECRET_BYTES);
	assert_int_equal(parse(body, strlen(body), &value, &err), rc);
	if (rc == 0)
		assert_string_equal(value.data, text);
	else
		assert_string_equal(err.msg, text);
	pg_buf_release(&value);
}

static void aws_secret_responses_parsed(void **state)
{
	(void)state;
	expect_secret_value(pg_ssm_parameter_value,
		     "{\"Parameter\":{\"Name\":\"/p\",\"Type\":\"SecureString\",\"Value\":\"s3cr\\u00e9t\"}}",
		     0, "s3cr\xc3\xa9t");
	expect_secret_value(pg_ssm_parameter_value, "{\"Parameter\":{\"Value\":5}}", -1,
		     "the response has no \"Parameter.Value\" string");
	expect_secret_value(pg_ssm_parameter_value, "{}", -1, "the response has no \"Parameter\" object");
	expect_secret_value(pg_ssm_parameter_value, "{\"Parameter\":{\"Value\":\"hunter2", -1,
		     "the response is not valid JSON (line 1, column 30)");
	expect_secret_value(pg_secretsmanager_secret_string, "{\"SecretString\":\"{}\",\"Name\":\"n\"}", 0,
		     "{}");
	expect_secret_value(pg_secretsmanager_secret_string, "{\"SecretBinary\":\"e30=\"}", -1,
		     "the secret is stored as SecretBinary; store the JSON as SecretString");
	expect_secret_value(pg_secretsmanager_secret_string, "[]", -1, "the response is not a JSON object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(aws_config_defaults, clean_environment),
		cmocka_unit_test_setup(aws_config_default_region, clean_environment),
		cmocka_unit_test_setup(aws_config_endpoint_precedence, clean_environment),
		cmocka_unit_test_setup(aws_config_missing_values, clean_environment),
		cmocka_unit_test_setup(aws_config_invalid_values, clean_environment),
		cmocka_unit_test(lambda_path_encodes_one_segment),
		cmocka_unit_test(lambda_path_rejects_bad_names),
		cmocka_unit_test_setup(lambda_invoke_unreachable_endpoint, clean_environment),
		cmocka_unit_test_setup(aws_endpoint_service_variables, clean_environment),
		cmocka_unit_test(aws_secret_responses_parsed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
