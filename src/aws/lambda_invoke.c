/* Lambda Invoke over HTTPS, signed by libcurl's SigV4 support. */
#include "aws/aws.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

/* libcurl up to 8.13 signs the URL path exactly as given, while AWS services
 * other than S3 expect the path percent-encoded a second time in the
 * canonical request (botocore: SigV4Auth._normalize_url_path). For those
 * versions the URL carries the double-encoded path, which only the signature
 * sees, and CURLOPT_REQUEST_TARGET puts the real path on the request line.
 * NOTE: 8.14.0 is the first release with curl's own path canonicalisation
 * (curl pull request 17129); only 7.88.1 was checked against botocore here,
 * so ARN function names on newer curl rely on that release note. */
#define CURL_VERSION_WITH_CANONICAL_PATH 0x080e00

struct invoke_call {
	struct pg_invoke_result *result;
	char error_type[128]; /* x-amzn-ErrorType without its ":url" tail */
	bool response_too_large;
};

static CURL *lambda_curl;
static bool curl_initialised;
static char curl_error[CURL_ERROR_SIZE];

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

void pg_aws_cleanup(void)
{
	if (lambda_curl) {
		curl_easy_cleanup(lambda_curl);
		lambda_curl = NULL;
	}
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

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
	struct invoke_call *call = user;
	size_t len = size * count;

	if (pg_buf_append(&call->result->payload, data, len)) {
		call->response_too_large = true;
		return 0;
	}
	return len;
}

/* Copies a header value, without surrounding blanks and the CRLF, into out. */
static void copy_header_value(const char *value, size_t len, char *out, size_t size)
{
	while (len > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' ||
			   value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(out, value, len);
	out[len] = '\0';
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
	struct invoke_call *call = user;
	size_t len = size * count;
	const char *colon = memchr(data, ':', len);
	size_t name_len = colon ? (size_t)(colon - data) : 0;

	/* A status line starts a new response, e.g. after "100 Continue". */
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		call->result->function_error[0] = '\0';
		call->error_type[0] = '\0';
		return len;
	}
	if (!colon)
		return len;
	if (name_len == strlen("X-Amz-Function-Error") &&
	    pg_ascii_nieq(data, "X-Amz-Function-Error", name_len)) {
		copy_header_value(colon + 1, len - name_len - 1, call->result->function_error,
				  sizeof(call->result->function_error));
	} else if (name_len == strlen("x-amzn-ErrorType") &&
		   pg_ascii_nieq(data, "x-amzn-ErrorType", name_len)) {
		char *tail;

		copy_header_value(colon + 1, len - name_len - 1, call->error_type,
				  sizeof(call->error_type));
		/* "AccessDeniedException:http://internal.amazon.com/…" */
		tail = strchr(call->error_type, ':');
		if (tail)
			*tail = '\0';
	}
	return len;
}

static CURL *lambda_handle(const struct pg_aws_config *config, struct pg_err *err)
{
	long connect_ms = config->connect_timeout_ms > 0 ? config->connect_timeout_ms
							 : PG_AWS_CONNECT_TIMEOUT_MS;

	if (!curl_initialised) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			pg_err_set(err, "Lambda Invoke: libcurl initialisation failed");
			return NULL;
		}
		curl_initialised = true;
	}
	if (!lambda_curl) {
		lambda_curl = curl_easy_init();
		if (!lambda_curl) {
			pg_err_set(err, "Lambda Invoke: curl_easy_init failed");
			return NULL;
		}
		curl_easy_setopt(lambda_curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(lambda_curl, CURLOPT_ERRORBUFFER, curl_error);
		curl_easy_setopt(lambda_curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(lambda_curl, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(lambda_curl, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(lambda_curl, CURLOPT_USERAGENT, "pigeon");
		curl_easy_setopt(lambda_curl, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(lambda_curl, CURLOPT_HEADERFUNCTION, on_header);
	}
	curl_easy_setopt(lambda_curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(lambda_curl, CURLOPT_TIMEOUT_MS,
			 config->timeout_ms > 0 ? config->timeout_ms : PG_AWS_TIMEOUT_MS);
	return lambda_curl;
}

/* Copies text into out (at most size bytes with the NUL), with each
 * occurrence of a secret replaced by "[redacted]", control characters by
 * spaces, and the text cut at the first line break when first_line is set. */
static void clean_text(const char *text, size_t len, const struct pg_aws_config *config,
		       bool first_line, char *out, size_t size)
{
	const char *secrets[] = { config->secret_access_key, config->session_token,
				  config->access_key_id };
	size_t used = 0;

	for (size_t i = 0; i < len && used + 1 < size;) {
		size_t skip = 0;

		for (size_t s = 0; s < sizeof(secrets) / sizeof(secrets[0]) && !skip; s++) {
			size_t secret_len = secrets[s] ? strlen(secrets[s]) : 0;

			if (secret_len && secret_len <= len - i && !memcmp(text + i, secrets[s], secret_len))
				skip = secret_len;
		}
		if (skip) {
			int n = snprintf(out + used, size - used, "[redacted]");

			used += (size_t)n < size - used ? (size_t)n : size - used - 1;
			i += skip;
			continue;
		}
		if (text[i] == '\n' && first_line)
			break;
		out[used++] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? ' ' : text[i];
		i++;
	}
	out[used] = '\0';
}

/* Returns the string member of obj named by one of the two spellings. */
static const char *json_text(json_t *obj, const char *name, const char *other_name)
{
	const char *value = json_string_value(json_object_get(obj, name));

	if (!value && other_name)
		value = json_string_value(json_object_get(obj, other_name));
	return value;
}

static void report_function_error(const struct pg_aws_config *config, const char *name,
				  const struct pg_invoke_result *result, struct pg_err *err)
{
	json_t *answer = json_loadb(result->payload.data ? result->payload.data : "",
				    result->payload.len, 0, NULL);
	const char *type = json_text(answer, "errorType", NULL);
	const char *message = json_text(answer, "errorMessage", NULL);
	char type_text[128];
	char message_text[384];

	clean_text(type ? type : "unknown", strlen(type ? type : "unknown"), config, true,
		   type_text, sizeof(type_text));
	clean_text(message ? message : "", strlen(message ? message : ""), config, false,
		   message_text, sizeof(message_text));
	pg_err_set(err, "function %s failed (%s): %s: %s", name, result->function_error,
		   type_text, message_text);
	json_decref(answer);
}

static void report_aws_error(const struct pg_aws_config *config, const char *name,
			     const struct invoke_call *call, struct pg_err *err)
{
	const struct pg_invoke_result *result = call->result;
	json_t *answer = json_loadb(result->payload.data ? result->payload.data : "",
				    result->payload.len, 0, NULL);
	const char *type = call->error_type[0] ? call->error_type
					       : json_text(answer, "__type", "Type");
	const char *message = json_text(answer, "message", "Message");
	char type_text[128];
	char message_text[320];

	clean_text(type ? type : "", strlen(type ? type : ""), config, true, type_text,
		   sizeof(type_text));
	clean_text(message ? message : "", strlen(message ? message : ""), config, true,
		   message_text, sizeof(message_text));
	pg_err_set(err, "Lambda Invoke of %s failed: HTTP %ld%s%s%s%s", name, result->http_status,
		   type_text[0] ? " " : "", type_text, message_text[0] ? ": " : "", message_text);
	json_decref(answer);
}

/* Builds the request URL, and the request target when this libcurl signs the
 * URL path verbatim (see CURL_VERSION_WITH_CANONICAL_PATH). */
static int build_target(const struct pg_aws_config *config, const char *function_name,
			struct pg_buf *url, struct pg_buf *target, struct pg_err *err)
{
	struct pg_buf path;
	int rc = -1;

	pg_buf_init(&path, 1024);
	if (pg_lambda_invoke_path(function_name, &path, err))
		goto out;
	if (pg_buf_append_str(url, config->lambda_endpoint))
		goto too_long;
	if (curl_version_info(CURLVERSION_NOW)->version_num >= CURL_VERSION_WITH_CANONICAL_PATH ||
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
	struct invoke_call call = { .result = result };
	struct curl_slist *headers = NULL;
	struct pg_buf url;
	struct pg_buf target;
	struct pg_buf line;
	char sigv4[64];
	CURL *curl;
	CURLcode code;
	int rc = -1;

	pg_buf_init(&url, 4096);
	pg_buf_init(&target, 4096);
	pg_buf_init(&line, 8192);
	result->http_status = 0;
	result->function_error[0] = '\0';
	pg_buf_reset(&result->payload);

	if (build_target(config, function_name, &url, &target, err))
		goto out;
	curl = lambda_handle(config, err);
	if (!curl)
		goto out;

	/* curl signs these headers and adds Host and X-Amz-Date itself. */
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, type == PG_INVOKE_EVENT
					     ? "X-Amz-Invocation-Type: Event"
					     : "X-Amz-Invocation-Type: RequestResponse");
	if (config->session_token) {
		if (pg_buf_appendf(&line, "X-Amz-Security-Token: %s", config->session_token)) {
			pg_err_set(err, "AWS_SESSION_TOKEN: longer than %zu bytes", line.max_bytes);
			goto out;
		}
		headers = curl_slist_append(headers, line.data);
	}
	if (!headers) {
		pg_err_set(err, "Lambda Invoke: out of memory building headers");
		goto out;
	}
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:lambda", config->region);

	curl_error[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url.data);
	curl_easy_setopt(curl, CURLOPT_REQUEST_TARGET, target.len ? target.data : NULL);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload_len);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload ? payload : "");
	curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(curl, CURLOPT_USERNAME, config->access_key_id);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, config->secret_access_key);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &call);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &call);
	code = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->http_status);

	if (call.response_too_large) {
		pg_err_set(err, "Lambda Invoke of %s failed: the answer is longer than %u bytes",
			   function_name, PG_AWS_MAX_RESPONSE_BYTES);
		goto out;
	}
	if (code != CURLE_OK) {
		/* The error buffer names the host and port, never the POST body or
		 * the credentials, which do not appear in the URL. */
		pg_err_set(err, "Lambda Invoke of %s failed: %s%s%s", function_name,
			   curl_easy_strerror(code), curl_error[0] ? ": " : "", curl_error);
		goto out;
	}
	if (result->http_status == 200 && result->function_error[0]) {
		report_function_error(config, function_name, result, err);
		goto out;
	}
	if (result->http_status == 200 || (result->http_status == 202 && type == PG_INVOKE_EVENT)) {
		rc = 0;
		goto out;
	}
	report_aws_error(config, function_name, &call, err);

out:
	if (curl_initialised && lambda_curl) {
		/* The list and the buffers are freed below; drop curl's pointers. */
		curl_easy_setopt(lambda_curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(lambda_curl, CURLOPT_POSTFIELDS, NULL);
	}
	curl_slist_free_all(headers);
	pg_buf_release(&url);
	pg_buf_release(&target);
	if (line.data)
		explicit_bzero(line.data, line.len);
	pg_buf_release(&line);
	return rc;
}
