/* A stand-in function bootstrap for testing `pigeon serve`: a minimal
 * Lambda Runtime API client that returns each event as its response.
 *
 * Events with "pigeon_test" steer it: "crash" exits with status 3, "sleep"
 * sleeps 60 s (to hit the timeout) and "fail" posts an invocation error.
 * API Gateway proxy events (with "httpMethod") get a proxy answer whose body
 * is the event; the path /malformed gets an answer that is not JSON. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct reply {
	char *data;
	size_t len;
	char request_id[128];
};

static size_t on_body(char *ptr, size_t size, size_t n, void *userdata)
{
	struct reply *r = userdata;
	size_t add = size * n;
	char *grown = realloc(r->data, r->len + add + 1);

	if (!grown)
		return 0;
	r->data = grown;
	memcpy(r->data + r->len, ptr, add);
	r->len += add;
	r->data[r->len] = '\0';
	return add;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *userdata)
{
	struct reply *r = userdata;
	size_t len = size * n;
	const char *name = "Lambda-Runtime-Aws-Request-Id:";
	size_t name_len = strlen(name);

	if (len > name_len && !strncasecmp(ptr, name, name_len)) {
		size_t start = name_len;
		size_t end = len;

		while (start < end && ptr[start] == ' ')
			start++;
		while (end > start && (ptr[end - 1] == '\r' || ptr[end - 1] == '\n'))
			end--;
		snprintf(r->request_id, sizeof(r->request_id), "%.*s",
			 (int)(end - start), ptr + start);
	}
	return len;
}

static int post(CURL *curl, const char *url, const char *body)
{
	struct reply ignored = { NULL, 0, "" };
	long status = 0;
	CURLcode rc;

	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ignored);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	free(ignored.data);
	return rc == CURLE_OK && status == 202 ? 0 : -1;
}

static char *proxy_answer(json_t *event)
{
	const char *path = json_string_value(json_object_get(event, "path"));
	char *event_text = json_dumps(event, JSON_COMPACT);
	json_t *answer;
	char *text;

	if (path && !strcmp(path, "/malformed")) {
		free(event_text);
		return strdup("this is not JSON");
	}
	answer = json_pack("{s:i, s:{s:s, s:s}, s:{s:[s, s]}, s:s, s:b}",
			   "statusCode", 200,
			   "headers", "Content-Type", "application/json",
			   "X-Echo", "1",
			   "multiValueHeaders", "X-Multi", "a", "b",
			   "body", event_text, "isBase64Encoded", 0);
	text = json_dumps(answer, JSON_COMPACT);
	json_decref(answer);
	free(event_text);
	return text;
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	const char *name = getenv("AWS_LAMBDA_FUNCTION_NAME");
	char url[512];
	CURL *curl;

	if (!api) {
		fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not set\n");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	fprintf(stderr, "echo bootstrap %s ready\n", name ? name : "?");

	for (;;) {
		struct reply next = { NULL, 0, "" };
		json_error_t jerr;
		json_t *event;
		const char *test;
		char *answer;
		long status = 0;

		snprintf(url, sizeof(url), "http://%s/2018-06-01/runtime/invocation/next", api);
		curl_easy_reset(curl);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &next);
		curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(curl, CURLOPT_HEADERDATA, &next);
		if (curl_easy_perform(curl) != CURLE_OK) {
			free(next.data);
			sleep(1);
			continue;
		}
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200 || !next.request_id[0]) {
			free(next.data);
			sleep(1);
			continue;
		}

		event = json_loadb(next.data ? next.data : "", next.len, JSON_DECODE_ANY, &jerr);
		test = json_string_value(json_object_get(event, "pigeon_test"));
		if (test && !strcmp(test, "crash")) {
			fprintf(stderr, "echo bootstrap: exiting as asked\n");
			exit(3);
		}
		if (test && !strcmp(test, "sleep"))
			sleep(60);

		if (test && !strcmp(test, "fail")) {
			snprintf(url, sizeof(url), "http://%s/2018-06-01/runtime/invocation/%s/error",
				 api, next.request_id);
			post(curl, url, "{\"errorMessage\":\"failed as asked\",\"errorType\":\"Test.Failure\"}");
		} else {
			json_t *echo;

			if (json_is_object(event) && json_object_get(event, "httpMethod")) {
				answer = proxy_answer(event);
			} else {
				echo = json_pack("{s:s, s:s, s:O}", "function", name ? name : "",
						 "request_id", next.request_id, "event",
						 event ? event : json_null());
				answer = json_dumps(echo, JSON_COMPACT);
				json_decref(echo);
			}
			snprintf(url, sizeof(url), "http://%s/2018-06-01/runtime/invocation/%s/response",
				 api, next.request_id);
			if (post(curl, url, answer) < 0)
				fprintf(stderr, "echo bootstrap: posting the response failed\n");
			free(answer);
		}
		json_decref(event);
		free(next.data);
	}
}
