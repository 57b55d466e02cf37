/* AWS settings from the environment: credentials, region and endpoint. */
#include "aws/aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char *env_value(const char *name)
{
	const char *value = getenv(name);

	return value && *value ? value : NULL;
}

/* Region names go into the signing scope and the host name, so only the
 * characters AWS uses in them are accepted ("eu-west-1", "us-gov-west-1"). */
static int check_region(const char *name, const char *region, struct pg_err *err)
{
	size_t len = strlen(region);

	if (len > 32) {
		pg_err_set(err, "%s: longer than 32 characters", name);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = region[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			pg_err_set(err, "%s: invalid region name \"%s\" (expected a-z, 0-9 and '-')",
				   name, region);
			return -1;
		}
	}
	return 0;
}

/* Accepts "http://host[:port][/path]" or "https://…" and drops trailing
 * slashes. A user name or password in the URL is rejected because curl
 * would send it and error messages could show it. */
static char *endpoint_from(const char *name, const char *url, struct pg_err *err)
{
	const char *authority;
	size_t len = strlen(url);

	if (!strncmp(url, "https://", 8))
		authority = url + 8;
	else if (!strncmp(url, "http://", 7))
		authority = url + 7;
	else {
		pg_err_set(err, "%s: expected an http:// or https:// URL", name);
		return NULL;
	}
	if (!*authority || *authority == '/') {
		pg_err_set(err, "%s: missing the host name", name);
		return NULL;
	}
	if (strchr(authority, '@') || strpbrk(url, "?# \t\r\n")) {
		pg_err_set(err, "%s: expected scheme://host[:port][/path] without user information, query or fragment",
			   name);
		return NULL;
	}
	while (len > 0 && url[len - 1] == '/')
		len--;
	return pg_strndup(url, len);
}

static char *default_endpoint(const char *service_host, const char *region)
{
	/* The China partition uses its own domain suffix. */
	const char *suffix = strncmp(region, "cn-", 3) ? "amazonaws.com" : "amazonaws.com.cn";
	size_t size = strlen("https://") + strlen(service_host) + 1 + strlen(region) + 1 +
		      strlen(suffix) + 1;
	char *url = pg_malloc(size);

	snprintf(url, size, "https://%s.%s.%s", service_host, region, suffix);
	return url;
}

int pg_aws_endpoint_from_env(const char *variable, const char *service_host, const char *region,
			     char **endpoint, struct pg_err *err)
{
	const char *name = variable;
	const char *url = env_value(name);

	*endpoint = NULL;
	if (!url) {
		name = "AWS_ENDPOINT_URL";
		url = env_value(name);
	}
	if (url) {
		*endpoint = endpoint_from(name, url, err);
		return *endpoint ? 0 : -1;
	}
	*endpoint = default_endpoint(service_host, region);
	return 0;
}

int pg_aws_config_from_env(struct pg_aws_config *config, struct pg_err *err)
{
	const char *key_id = env_value("AWS_ACCESS_KEY_ID");
	const char *secret = env_value("AWS_SECRET_ACCESS_KEY");
	const char *token = env_value("AWS_SESSION_TOKEN");
	const char *region_name = "AWS_REGION";
	const char *region = env_value(region_name);

	memset(config, 0, sizeof(*config));
	if (!key_id) {
		pg_err_set(err, "AWS_ACCESS_KEY_ID: missing");
		return -1;
	}
	if (!secret) {
		pg_err_set(err, "AWS_SECRET_ACCESS_KEY: missing");
		return -1;
	}
	if (strchr(key_id, ':') || strpbrk(key_id, "\r\n")) {
		pg_err_set(err, "AWS_ACCESS_KEY_ID: contains ':' or a line break");
		return -1;
	}
	if (token && strpbrk(token, "\r\n")) {
		pg_err_set(err, "AWS_SESSION_TOKEN: contains a line break");
		return -1;
	}
	if (!region) {
		region_name = "AWS_DEFAULT_REGION";
		region = env_value(region_name);
	}
	if (!region) {
		pg_err_set(err, "AWS region missing: set AWS_REGION or AWS_DEFAULT_REGION");
		return -1;
	}
	if (check_region(region_name, region, err))
		return -1;
	if (pg_aws_endpoint_from_env("AWS_ENDPOINT_URL_LAMBDA", "lambda", region,
				     &config->lambda_endpoint, err))
		return -1;
	config->access_key_id = pg_strdup(key_id);
	config->secret_access_key = pg_strdup(secret);
	config->session_token = pg_strdup(token);
	config->region = pg_strdup(region);
	config->connect_timeout_ms = PG_AWS_CONNECT_TIMEOUT_MS;
	config->timeout_ms = PG_AWS_TIMEOUT_MS;
	return 0;
}

void pg_aws_config_release(struct pg_aws_config *config)
{
	if (!config)
		return;
	free(config->access_key_id);
	if (config->secret_access_key) {
		/* Leave no copy of the secret in freed memory. */
		explicit_bzero(config->secret_access_key, strlen(config->secret_access_key));
		free(config->secret_access_key);
	}
	free(config->session_token);
	free(config->region);
	free(config->lambda_endpoint);
	memset(config, 0, sizeof(*config));
}
