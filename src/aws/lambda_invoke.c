/* Lambda Invoke: the request path, and how responses become results. */
#include "aws/aws.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "aws/aws_internal.h"
#include "common/alloc.h"
#include "common/curl_lazy.h"

/* libcurl up to 8.13 signs the URL path exactly as given, while AWS services
 * other than S3 expect the path percent-encoded a second time in the
 * canonical request (botocore: SigV4Auth._normalize_url_path). For those
 * versions the URL carries the double-encoded path, which only the signature
 * sees, and CURLOPT_REQUEST_TARGET puts the real path on the request line.
 * NOTE: 8.14.0 is the first release with curl's own path canonicalisation
 * (curl pull request 17129); only 7.88.1 was checked against botocore here,
 * so ARN function names on newer curl rely on that release note. */
#define CURL_VERSION_WITH_CANONICAL_PATH 0x080e00

void pg_invoke_result_init(struct pg_invoke_result *result)
{
	result->http_status = 0;
	result->function_error[0] = '\0';
	pg_buf_init(&result->payload, PG_AWS_MAX_RESPONSE_BYTES);
}

void pg_invoke_result_release(struct pg_invoke_result *result)
{
	if (!result)
		return;
	pg_buf_release(&result->payload);
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int pg_lambda_invoke_path(const char *function_name, struct pg_buf *path, struct pg_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = function_name ? strlen(function_name) : 0;

	if (len == 0) {
		pg_err_set(err, "function name: missing");
		return -1;
	}
	if (len > PG_LAMBDA_MAX_FUNCTION_NAME) {
		pg_err_set(err, "function name: longer than %d bytes", PG_LAMBDA_MAX_FUNCTION_NAME);
		return -1;
	}
	if (pg_buf_append_str(path, "/2015-03-31/functions/"))
		goto too_long;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)function_name[i];
		char escaped[3] = { '%', hex[c >> 4], hex[c & 15] };

		if (unreserved(c) ? pg_buf_append(path, &c, 1) : pg_buf_append(path, escaped, 3))
			goto too_long;
	}
	if (pg_buf_append_str(path, "/invocations"))
		goto too_long;
	return 0;

too_long:
	pg_err_set(err, "function name: the request path is longer than %zu bytes", path->max_bytes);
	return -1;
}

/* Appends s with each '%' written as "%25": the second encoding pass of the
 * canonical path, given that s contains only unreserved bytes and %XX. */
static int append_encoded_again(struct pg_buf *out, const char *s)
{
	for (; *s; s++) {
		int rc = *s == '%' ? pg_buf_append_str(out, "%25") : pg_buf_append(out, s, 1);

		if (rc)
			return -1;
	}
	return 0;
}

static void report_function_error(const struct pg_aws_config *config, const char *name,
				  const struct pg_invoke_result *result, struct pg_err *err)
{
	json_t *answer = json_loadb(result->payload.data ? result->payload.data : "",
				    result->payload.len, 0, NULL);
	const char *type = json_string_value(json_object_get(answer, "errorType"));
	const char *message = json_string_value(json_object_get(answer, "errorMessage"));
	char type_text[128];
	char message_text[384];

	if (!type)
		type = "unknown";
	if (!message)
		message = "";
	pg_aws_clean_text(type, strlen(type), config, true, type_text, sizeof(type_text));
	pg_aws_clean_text(message, strlen(message), config, false, message_text,
			  sizeof(message_text));
	pg_err_set(err, "function %s failed (%s): %s: %s", name, result->function_error,
		   type_text, message_text);
	json_decref(answer);
}

/* Builds the request URL, and the request target when this libcurl signs the
 * URL path verbatim (see CURL_VERSION_WITH_CANONICAL_PATH). */
static int build_target(const struct pg_aws_config *config, const char *function_name,
			struct pg_buf *url, struct pg_buf *target, struct pg_err *err)
{
	const struct pg_curl *curl;
	struct pg_buf path;
	int rc = -1;

	pg_buf_init(&path, 1024);
	if (pg_lambda_invoke_path(function_name, &path, err))
		goto out;
	curl = pg_curl_get(err);
	if (!curl)
		goto out;
	if (pg_buf_append_str(url, config->lambda_endpoint))
		goto too_long;
	if (curl->version_info(CURLVERSION_NOW)->version_num >= CURL_VERSION_WITH_CANONICAL_PATH ||
	    !strchr(path.data, '%')) {
		if (pg_buf_append_str(url, path.data))
			goto too_long;
		rc = 0;
		goto out;
	}
	if (append_encoded_again(url, path.data))
		goto too_long;
	/* The endpoint may carry a path prefix, which the request line needs too. */
	{
		const char *authority = strstr(config->lambda_endpoint, "://") + 3;
		const char *prefix = strchr(authority, '/');

		if ((prefix && pg_buf_append_str(target, prefix)) ||
		    pg_buf_append_str(target, path.data))
			goto too_long;
	}
	rc = 0;
	goto out;

too_long:
	pg_err_set(err, "Lambda Invoke: the endpoint URL is too long");
out:
	pg_buf_release(&path);
	return rc;
}

int pg_lambda_invoke(const struct pg_aws_config *config, const char *function_name,
		     const char *payload, size_t payload_len, enum pg_invocation_type type,
		     struct pg_invoke_result *result, struct pg_err *err)
{
	const char *headers[] = {
		"Content-Type: application/json",
		type == PG_INVOKE_EVENT ? "X-Amz-Invocation-Type: Event"
					: "X-Amz-Invocation-Type: RequestResponse",
		NULL,
	};
	struct pg_aws_request request = {
		.service = "lambda",
		.headers = headers,
		.body = payload,
		.body_len = payload_len,
	};
	struct pg_aws_response response = { .body = &result->payload };
	struct pg_buf url;
	struct pg_buf target;
	struct pg_buf what;
	int rc = -1;

	pg_buf_init(&url, 4096);
	pg_buf_init(&target, 4096);
	pg_buf_init(&what, 256);
	result->http_status = 0;
	result->function_error[0] = '\0';
	pg_buf_reset(&result->payload);

	/* A name that passes the path check fits in the error text. */
	if (pg_buf_appendf(&what, "Lambda Invoke of %.*s", PG_LAMBDA_MAX_FUNCTION_NAME,
			   function_name ? function_name : ""))
		goto out;
	if (build_target(config, function_name, &url, &target, err))
		goto out;
	request.what = what.data;
	request.url = url.data;
	request.request_target = target.len ? target.data : NULL;

	rc = pg_aws_send(config, &request, &response, err);
	result->http_status = response.http_status;
	snprintf(result->function_error, sizeof(result->function_error), "%s",
		 response.function_error);
	if (rc)
		goto out;
	rc = -1;
	if (result->http_status == 200 && result->function_error[0]) {
		report_function_error(config, function_name, result, err);
		goto out;
	}
	if (result->http_status == 200 || (result->http_status == 202 && type == PG_INVOKE_EVENT)) {
		rc = 0;
		goto out;
	}
	pg_aws_report_error(config, what.data, &response, err);

out:
	pg_buf_release(&url);
	pg_buf_release(&target);
	pg_buf_release(&what);
	return rc;
}
