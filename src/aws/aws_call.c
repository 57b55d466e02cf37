/* One SigV4-signed POST to an AWS service, signed by libcurl
 * (CURLOPT_AWS_SIGV4), and the error text of AWS error responses. */
#include "aws/aws_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/curl_lazy.h"
#include "common/text.h"

struct aws_call {
	struct pg_aws_response *response;
	bool body_too_large;
};

/* One handle for every AWS call, so that calls to the same endpoint reuse
 * its connection. */
static CURL *aws_handle;
static const struct pg_curl *curl;
static char curl_error[CURL_ERROR_SIZE];

void pg_aws_cleanup(void)
{
	if (aws_handle) {
		curl->easy_cleanup(aws_handle);
		aws_handle = NULL;
	}
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
	struct aws_call *call = user;
	size_t len = size * count;

	if (pg_buf_append(call->response->body, data, len)) {
		call->body_too_large = true;
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

static bool header_is(const char *data, size_t name_len, const char *name)
{
	return name_len == strlen(name) && pg_ascii_nieq(data, name, name_len);
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
	struct aws_call *call = user;
	struct pg_aws_response *response = call->response;
	size_t len = size * count;
	const char *colon = memchr(data, ':', len);
	size_t name_len = colon ? (size_t)(colon - data) : 0;

	/* A status line starts a new response, e.g. after "100 Continue". */
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		response->function_error[0] = '\0';
		response->error_type[0] = '\0';
		return len;
	}
	if (!colon)
		return len;
	if (header_is(data, name_len, "X-Amz-Function-Error")) {
		copy_header_value(colon + 1, len - name_len - 1, response->function_error,
				  sizeof(response->function_error));
	} else if (header_is(data, name_len, "x-amzn-ErrorType")) {
		char *tail;

		copy_header_value(colon + 1, len - name_len - 1, response->error_type,
				  sizeof(response->error_type));
		/* "AccessDeniedException:http://internal.amazon.com/…" */
		tail = strchr(response->error_type, ':');
		if (tail)
			*tail = '\0';
	}
	return len;
}

static CURL *shared_handle(const struct pg_aws_config *config, const char *what,
			   struct pg_err *err)
{
	long connect_ms = config->connect_timeout_ms > 0 ? config->connect_timeout_ms
							 : PG_AWS_CONNECT_TIMEOUT_MS;
	long timeout_ms = config->timeout_ms > 0 ? config->timeout_ms : PG_AWS_TIMEOUT_MS;

	if (!aws_handle) {
		aws_handle = pg_curl_handle_new(what, curl_error, &curl, err);
		if (!aws_handle)
			return NULL;
		curl->easy_setopt(aws_handle, CURLOPT_WRITEFUNCTION, on_body);
		curl->easy_setopt(aws_handle, CURLOPT_HEADERFUNCTION, on_header);
	}
	curl->easy_setopt(aws_handle, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl->easy_setopt(aws_handle, CURLOPT_TIMEOUT_MS, timeout_ms);
	return aws_handle;
}

int pg_aws_send(const struct pg_aws_config *config, const struct pg_aws_request *request,
		struct pg_aws_response *response, struct pg_err *err)
{
	struct aws_call call = { .response = response };
	struct curl_slist *headers = NULL;
	struct pg_buf token_line;
	char sigv4[96];
	CURL *handle = NULL;
	CURLcode code;
	int rc = -1;

	pg_buf_init(&token_line, 8192);
	response->http_status = 0;
	response->error_type[0] = '\0';
	response->function_error[0] = '\0';
	pg_buf_reset(response->body);

	handle = shared_handle(config, request->what, err);
	if (!handle)
		goto out;

	/* curl signs these headers and adds Host and X-Amz-Date itself. */
	for (const char *const *line = request->headers; line && *line; line++) {
		struct curl_slist *longer = curl->slist_append(headers, *line);

		if (!longer)
			goto no_memory;
		headers = longer;
	}
	if (config->session_token) {
		struct curl_slist *longer;

		if (pg_buf_appendf(&token_line, "X-Amz-Security-Token: %s", config->session_token)) {
			pg_err_set(err, "AWS_SESSION_TOKEN: longer than %zu bytes",
				   token_line.max_bytes);
			goto out;
		}
		longer = curl->slist_append(headers, token_line.data);
		if (!longer)
			goto no_memory;
		headers = longer;
	}
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:%s", config->region, request->service);

	curl_error[0] = '\0';
	curl->easy_setopt(handle, CURLOPT_URL, request->url);
	curl->easy_setopt(handle, CURLOPT_REQUEST_TARGET, request->request_target);
	curl->easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
	curl->easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_len);
	curl->easy_setopt(handle, CURLOPT_POSTFIELDS, request->body ? request->body : "");
	curl->easy_setopt(handle, CURLOPT_AWS_SIGV4, sigv4);
	curl->easy_setopt(handle, CURLOPT_USERNAME, config->access_key_id);
	curl->easy_setopt(handle, CURLOPT_PASSWORD, config->secret_access_key);
	curl->easy_setopt(handle, CURLOPT_WRITEDATA, &call);
	curl->easy_setopt(handle, CURLOPT_HEADERDATA, &call);
	code = curl->easy_perform(handle);
	curl->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response->http_status);

	if (call.body_too_large) {
		pg_err_set(err, "%s failed: the answer is longer than %zu bytes", request->what,
			   response->body->max_bytes);
		goto out;
	}
	if (code != CURLE_OK) {
		/* The error buffer names the host and port, never the POST body or
		 * the credentials, which do not appear in the URL. */
		pg_err_set(err, "%s failed: %s%s%s", request->what, curl->easy_strerror(code),
			   curl_error[0] ? ": " : "", curl_error);
		goto out;
	}
	rc = 0;
	goto out;

no_memory:
	pg_err_set(err, "%s: out of memory building headers", request->what);
out:
	if (handle) {
		/* The list and the body are freed by their owners; drop curl's
		 * pointers to them. */
		curl->easy_setopt(handle, CURLOPT_HTTPHEADER, NULL);
		curl->easy_setopt(handle, CURLOPT_POSTFIELDS, NULL);
		curl->easy_setopt(handle, CURLOPT_REQUEST_TARGET, NULL);
	}
	if (headers)
		curl->slist_free_all(headers);
	if (token_line.data)
		explicit_bzero(token_line.data, token_line.len);
	pg_buf_release(&token_line);
	return rc;
}

void pg_aws_clean_text(const char *text, size_t len, const struct pg_aws_config *config,
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

void pg_aws_report_error(const struct pg_aws_config *config, const char *what,
			 const struct pg_aws_response *response, struct pg_err *err)
{
	const struct pg_buf *body = response->body;
	json_t *answer = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
	const char *type = response->error_type[0] ? response->error_type
						   : json_text(answer, "__type", "Type");
	const char *message = json_text(answer, "message", "Message");
	const char *hash;
	char type_text[128];
	char message_text[320];

	/* JSON 1.1 services may qualify the type: "com.amazonaws.ssm#ParameterNotFound". */
	if (type && (hash = strrchr(type, '#')))
		type = hash + 1;
	if (!type)
		type = "";
	if (!message)
		message = "";
	pg_aws_clean_text(type, strlen(type), config, true, type_text, sizeof(type_text));
	pg_aws_clean_text(message, strlen(message), config, true, message_text,
			  sizeof(message_text));
	pg_err_set(err, "%s failed: HTTP %ld%s%s%s%s", what, response->http_status,
		   type_text[0] ? " " : "", type_text, message_text[0] ? ": " : "", message_text);
	json_decref(answer);
}
