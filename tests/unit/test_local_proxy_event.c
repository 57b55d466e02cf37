/* Tests of the API Gateway stand-in's event builder and response parser
 * (src/local/proxy_event.c), compiled into this test because the CLI's
 * sources are not in libpigeon.a. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local/proxy_event.c"
#include "events/events.h"
#include "web/web.h"

static json_t *build(const struct pg_proxy_request *req)
{
	struct pg_buf out;
	struct pg_err err = {{0}};
	json_error_t jerr;
	json_t *event;

	pg_buf_init(&out, PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES);
	assert_int_equal(pg_proxy_event_build(req, &out, &err), 0);
	event = json_loadb(out.data, out.len, 0, &jerr);
	assert_non_null(event);
	pg_buf_release(&out);
	return event;
}

static const char *str(json_t *obj, const char *path)
{
	char key[64];
	const char *dot;

	/* A small "a.b.c" walker for readable checks. */
	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		obj = json_object_get(obj, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(obj, path));
}

static void event_has_payload_v1_fields(void **state)
{
	const struct pg_proxy_pair headers[] = {
		{ "Host", "localhost:3000" },
		{ "Content-Type", "application/x-www-form-urlencoded" },
		{ "X-Multi", "one" },
		{ "x-multi", "two" },
		{ "User-Agent", "test-agent" },
	};
	const struct pg_proxy_pair query[] = {
		{ "a", "1" }, { "a", "2" }, { "q", "x y" },
	};
	const char body[] = "name=Ada&email=ada%40example.org";
	struct pg_proxy_request req = {
		.method = "POST", .path = "/contact",
		.headers = headers, .header_count = 5,
		.query = query, .query_count = 3,
		.body = body, .body_len = sizeof(body) - 1,
		.source_ip = "127.0.0.1", .request_id = "req-1",
		.time_epoch_ms = 1700000000123,
	};
	json_t *event;
	json_t *multi;

	(void)state;
	event = build(&req);
	assert_string_equal(str(event, "resource"), "/{proxy+}");
	assert_string_equal(str(event, "path"), "/contact");
	assert_string_equal(str(event, "httpMethod"), "POST");
	assert_string_equal(str(event, "pathParameters.proxy"), "contact");
	assert_true(json_is_null(json_object_get(event, "stageVariables")));
	assert_string_equal(str(event, "headers.X-Multi"), "two");
	multi = json_object_get(json_object_get(event, "multiValueHeaders"), "X-Multi");
	assert_int_equal(json_array_size(multi), 2);
	assert_string_equal(json_string_value(json_array_get(multi, 0)), "one");
	assert_null(json_object_get(json_object_get(event, "headers"), "x-multi"));
	assert_string_equal(str(event, "queryStringParameters.a"), "2");
	assert_string_equal(str(event, "queryStringParameters.q"), "x y");
	assert_int_equal(json_array_size(json_object_get(
		json_object_get(event, "multiValueQueryStringParameters"), "a")), 2);
	assert_string_equal(str(event, "body"), body);
	assert_true(json_is_false(json_object_get(event, "isBase64Encoded")));
	assert_string_equal(str(event, "requestContext.path"), "/local/contact");
	assert_string_equal(str(event, "requestContext.stage"), "local");
	assert_string_equal(str(event, "requestContext.resourcePath"), "/{proxy+}");
	assert_string_equal(str(event, "requestContext.requestId"), "req-1");
	assert_string_equal(str(event, "requestContext.requestTime"),
			    "14/Nov/2023:22:13:20 +0000");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		event, "requestContext"), "requestTimeEpoch")), 1700000000123);
	assert_string_equal(str(event, "requestContext.identity.sourceIp"), "127.0.0.1");
	assert_string_equal(str(event, "requestContext.identity.userAgent"), "test-agent");
	assert_string_equal(str(event, "requestContext.accountId"), PG_LOCAL_ACCOUNT_ID);
	json_decref(event);
}

static void event_nulls_when_empty(void **state)
{
	struct pg_proxy_request req = {
		.method = "GET", .path = "/", .source_ip = "::1",
		.request_id = "r", .time_epoch_ms = 0,
	};
	json_t *event;

	(void)state;
	event = build(&req);
	assert_string_equal(str(event, "resource"), "/");
	assert_true(json_is_null(json_object_get(event, "headers")));
	assert_true(json_is_null(json_object_get(event, "multiValueHeaders")));
	assert_true(json_is_null(json_object_get(event, "queryStringParameters")));
	assert_true(json_is_null(json_object_get(event, "multiValueQueryStringParameters")));
	assert_true(json_is_null(json_object_get(event, "pathParameters")));
	assert_true(json_is_null(json_object_get(event, "body")));
	assert_true(json_is_false(json_object_get(event, "isBase64Encoded")));
	json_decref(event);
}

static void event_binary_body_base64(void **state)
{
	const char png[] = "\x89PNG\r\n\x1a\n";
	const struct pg_proxy_pair type[] = { { "Content-Type", "image/png" } };
	const struct pg_proxy_pair multipart[] = {
		{ "Content-Type", "multipart/form-data; boundary=x" },
	};
	struct pg_proxy_request req = {
		.method = "POST", .path = "/upload", .headers = type,
		.header_count = 1, .body = png, .body_len = 8,
		.source_ip = "127.0.0.1", .request_id = "r",
	};
	json_t *event;

	(void)state;
	event = build(&req);
	assert_true(json_is_true(json_object_get(event, "isBase64Encoded")));
	assert_string_equal(str(event, "body"), "iVBORw0KGgo=");
	json_decref(event);

	req.headers = multipart;
	req.body = "--x--";
	req.body_len = 5;
	event = build(&req);
	assert_true(json_is_true(json_object_get(event, "isBase64Encoded")));
	assert_string_equal(str(event, "body"), "LS14LS0=");
	json_decref(event);
}

static void body_text_types(void **state)
{
	(void)state;
	assert_true(pg_proxy_body_is_text(NULL, "x", 1));
	assert_true(pg_proxy_body_is_text("text/plain; charset=utf-8", "x", 1));
	assert_true(pg_proxy_body_is_text("Application/JSON", "{}", 2));
	assert_true(pg_proxy_body_is_text("application/problem+json", "{}", 2));
	assert_true(pg_proxy_body_is_text("application/xml", "<a/>", 4));
	assert_true(pg_proxy_body_is_text("application/x-www-form-urlencoded", "a=1", 3));
	assert_false(pg_proxy_body_is_text("application/octet-stream", "x", 1));
	assert_false(pg_proxy_body_is_text("multipart/form-data; boundary=b", "x", 1));
	assert_false(pg_proxy_body_is_text("text/plain", "\xff", 1));
}

static void event_latin1_header_kept(void **state)
{
	const struct pg_proxy_pair headers[] = { { "X-Name", "caf\xe9" } };
	struct pg_proxy_request req = {
		.method = "GET", .path = "/a", .headers = headers,
		.header_count = 1, .source_ip = "127.0.0.1", .request_id = "r",
	};
	json_t *event;

	(void)state;
	event = build(&req);
	assert_string_equal(str(event, "headers.X-Name"), "caf\xc3\xa9");
	json_decref(event);
}

static void response_parse_full(void **state)
{
	const char answer[] =
		"{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/plain\","
		"\"X-One\":\"1\",\"X-Both\":\"single\",\"X-Num\":5},"
		"\"multiValueHeaders\":{\"X-Both\":[\"m1\",\"m2\"]},"
		"\"body\":\"aGVsbG8=\",\"isBase64Encoded\":true}";
	struct pg_proxy_response resp;
	struct pg_err err = {{0}};
	int both = 0;

	(void)state;
	assert_int_equal(pg_proxy_response_parse(answer, sizeof(answer) - 1, &resp, &err), 0);
	assert_int_equal(resp.status, 201);
	assert_int_equal(resp.body_len, 5);
	assert_memory_equal(resp.body, "hello", 5);
	assert_int_equal(resp.header_count, 5);
	for (size_t i = 0; i < resp.header_count; i++) {
		if (!strcmp(resp.headers[i].name, "X-Both")) {
			both++;
			assert_true(strcmp(resp.headers[i].value, "single"));
		}
		if (!strcmp(resp.headers[i].name, "X-Num"))
			assert_string_equal(resp.headers[i].value, "5");
	}
	assert_int_equal(both, 2);
	pg_proxy_response_release(&resp);
	pg_proxy_response_release(&resp);
}

static void response_parse_minimal(void **state)
{
	struct pg_proxy_response resp;
	struct pg_err err = {{0}};

	(void)state;
	assert_int_equal(pg_proxy_response_parse("{\"statusCode\":\"204\"}", 20,
						 &resp, &err), 0);
	assert_int_equal(resp.status, 204);
	assert_int_equal(resp.body_len, 0);
	assert_int_equal(resp.header_count, 0);
	pg_proxy_response_release(&resp);
}

static void response_parse_malformed(void **state)
{
	static const struct {
		const char *json;
		const char *message;
	} cases[] = {
		{ "not json", "not valid JSON" },
		{ "[1]", "not a JSON object" },
		{ "{}", "statusCode: missing" },
		{ "{\"statusCode\":true}", "statusCode: not an integer" },
		{ "{\"statusCode\":99}", "100 to 599" },
		{ "{\"statusCode\":\"2x\"}", "100 to 599" },
		{ "{\"statusCode\":200,\"body\":{}}", "body: not a string" },
		{ "{\"statusCode\":200,\"body\":\"!!\",\"isBase64Encoded\":true}", "invalid base64" },
		{ "{\"statusCode\":200,\"isBase64Encoded\":\"yes\"}", "not a boolean" },
		{ "{\"statusCode\":200,\"headers\":[]}", "headers: not an object" },
		{ "{\"statusCode\":200,\"headers\":{\"A\":{}}}", "not a string" },
		{ "{\"statusCode\":200,\"headers\":{\"A\":\"x\\r\\nB: y\"}}", "invalid" },
		{ "{\"statusCode\":200,\"headers\":{\"A B\":\"x\"}}", "invalid" },
		{ "{\"statusCode\":200,\"multiValueHeaders\":{\"A\":\"x\"}}", "not an array" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_proxy_response resp;
		struct pg_err err = {{0}};

		if (pg_proxy_response_parse(cases[i].json, strlen(cases[i].json),
					    &resp, &err) != -1)
			fail_msg("case %zu accepted", i);
		if (!strstr(err.msg, cases[i].message))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg,
				 cases[i].message);
		assert_null(resp.headers);
		assert_null(resp.body);
	}
}

/* ---- Payload format 2.0 ---- */

static json_t *build_v2(const struct pg_proxy_request *req)
{
	struct pg_buf out;
	struct pg_err err = {{0}};
	json_error_t jerr;
	json_t *event;

	pg_buf_init(&out, PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES);
	assert_int_equal(pg_proxy_event_build_v2(req, &out, &err), 0);
	event = json_loadb(out.data, out.len, 0, &jerr);
	assert_non_null(event);
	pg_buf_release(&out);
	return event;
}

static void event_v2_fields(void **state)
{
	const struct pg_proxy_pair headers[] = {
		{ "Host", "localhost:3000" },
		{ "Content-Type", "application/x-www-form-urlencoded" },
		{ "X-Multi", "one" },
		{ "x-multi", "two" },
		{ "User-Agent", "test-agent" },
		{ "Cookie", "csrf=TOKEN; lang=de" },
		{ "Cookie", "theme=dark" },
	};
	const struct pg_proxy_pair query[] = {
		{ "a", "1" }, { "a", "2" }, { "q", "x y&z" }, { "\xc3\xa9", "\xc3\xa9" },
	};
	const char body[] = "name=Ada&email=ada%40example.org";
	struct pg_proxy_request req = {
		.method = "POST", .path = "/contact form",
		.headers = headers, .header_count = 7,
		.query = query, .query_count = 4,
		.body = body, .body_len = sizeof(body) - 1,
		.source_ip = "127.0.0.1", .request_id = "req-2",
		.time_epoch_ms = 1700000000123,
	};
	json_t *event;
	json_t *cookies;

	(void)state;
	event = build_v2(&req);
	assert_string_equal(str(event, "version"), "2.0");
	assert_string_equal(str(event, "routeKey"), "$default");
	assert_string_equal(str(event, "rawPath"), "/contact%20form");
	assert_string_equal(str(event, "rawQueryString"),
			    "a=1&a=2&q=x%20y%26z&%C3%A9=%C3%A9");
	assert_string_equal(str(event, "queryStringParameters.a"), "1,2");
	assert_string_equal(str(event, "queryStringParameters.q"), "x y&z");
	assert_string_equal(str(event, "headers.x-multi"), "one,two");
	assert_string_equal(str(event, "headers.host"), "localhost:3000");
	assert_null(str(event, "headers.Host"));
	assert_null(str(event, "headers.cookie"));
	assert_null(json_object_get(event, "multiValueHeaders"));
	cookies = json_object_get(event, "cookies");
	assert_int_equal(json_array_size(cookies), 3);
	assert_string_equal(json_string_value(json_array_get(cookies, 0)),
			    "csrf=TOKEN");
	assert_string_equal(json_string_value(json_array_get(cookies, 2)),
			    "theme=dark");
	assert_string_equal(str(event, "requestContext.http.method"), "POST");
	assert_string_equal(str(event, "requestContext.http.path"),
			    "/contact form");
	assert_string_equal(str(event, "requestContext.http.protocol"),
			    "HTTP/1.1");
	assert_string_equal(str(event, "requestContext.http.sourceIp"),
			    "127.0.0.1");
	assert_string_equal(str(event, "requestContext.http.userAgent"),
			    "test-agent");
	assert_string_equal(str(event, "requestContext.requestId"), "req-2");
	assert_string_equal(str(event, "requestContext.stage"), "$default");
	assert_string_equal(str(event, "requestContext.routeKey"), "$default");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(event, "requestContext"),
				 "timeEpoch")),
			 1700000000123);
	assert_string_equal(str(event, "body"), body);
	assert_true(json_is_false(json_object_get(event, "isBase64Encoded")));
	json_decref(event);
}

/* The events layer reads what the gateway builds: the same request
 * through 2.0 and back. */
static void event_v2_decodes_in_events_layer(void **state)
{
	const struct pg_proxy_pair headers[] = {
		{ "Cookie", "a=1; b=2" },
		{ "Accept", "text/html" },
	};
	const struct pg_proxy_pair query[] = {
		{ "t", "1+1" }, { "t", "2" },
	};
	struct pg_proxy_request req = {
		.method = "GET", .path = "/health",
		.headers = headers, .header_count = 2,
		.query = query, .query_count = 2,
		.source_ip = "127.0.0.1", .request_id = "r",
	};
	struct pg_buf out;
	struct pg_err err = {{0}};
	struct pg_http_request decoded;
	const char *values[4];

	(void)state;
	pg_buf_init(&out, 0);
	assert_int_equal(pg_proxy_event_build_v2(&req, &out, &err), 0);
	pg_http_request_init(&decoded);
	assert_int_equal(pg_http_request_decode(&decoded, out.data, out.len, 0,
						&err),
			 PG_EVENT_OK);
	assert_int_equal(decoded.kind, PG_EVENT_APIGW_V2);
	assert_string_equal(decoded.path, "/health");
	assert_int_equal(pg_http_request_query_values(&decoded, "t", values, 4),
			 2);
	assert_string_equal(values[0], "1+1");
	assert_string_equal(values[1], "2");
	pg_buf_reset(&out);
	assert_int_equal(pg_http_request_cookie_header(&decoded, &out), 2);
	assert_string_equal(out.data, "a=1; b=2");
	assert_true(pg_accept_has_html(pg_http_request_header(&decoded, "Accept")));
	assert_int_equal(decoded.body_len, 0);
	pg_http_request_release(&decoded);
	pg_buf_release(&out);
}

static void event_v2_binary_body_and_no_body(void **state)
{
	const struct pg_proxy_pair headers[] = {
		{ "Content-Type", "multipart/form-data; boundary=x" },
	};
	struct pg_proxy_request req = {
		.method = "POST", .path = "/contact",
		.headers = headers, .header_count = 1,
		.body = "--x\r\n", .body_len = 5,
		.source_ip = "127.0.0.1", .request_id = "r",
	};
	json_t *event;

	(void)state;
	event = build_v2(&req);
	assert_true(json_is_true(json_object_get(event, "isBase64Encoded")));
	assert_string_equal(str(event, "body"), "LS14DQo=");
	assert_null(json_object_get(event, "cookies"));
	assert_null(json_object_get(event, "queryStringParameters"));
	assert_string_equal(str(event, "rawQueryString"), "");
	json_decref(event);

	req.body_len = 0;
	event = build_v2(&req);
	assert_null(json_object_get(event, "body"));
	assert_true(json_is_false(json_object_get(event, "isBase64Encoded")));
	json_decref(event);
}

static const char *header_value(const struct pg_proxy_response *resp,
				const char *name, size_t nth)
{
	for (size_t i = 0; i < resp->header_count; i++)
		if (pg_ascii_ieq(resp->headers[i].name, name) && nth-- == 0)
			return resp->headers[i].value;
	return NULL;
}

static void response_v2_cookies_to_set_cookie(void **state)
{
	static const char answer[] =
		"{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/plain\","
		"\"Vary\":\"Origin,Accept\"},\"cookies\":[\"a=1; Path=/\","
		"\"b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT\"],"
		"\"multiValueHeaders\":{\"X-Ignored\":[\"1\"]},"
		"\"body\":\"aGk=\",\"isBase64Encoded\":true}";
	struct pg_proxy_response resp;
	struct pg_err err = {{0}};

	(void)state;
	assert_int_equal(pg_proxy_response_parse_v2(answer, strlen(answer),
						    &resp, &err),
			 0);
	assert_int_equal(resp.status, 201);
	assert_string_equal(header_value(&resp, "Set-Cookie", 0), "a=1; Path=/");
	assert_string_equal(header_value(&resp, "Set-Cookie", 1),
			    "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT");
	assert_null(header_value(&resp, "Set-Cookie", 2));
	assert_string_equal(header_value(&resp, "Vary", 0), "Origin,Accept");
	assert_null(header_value(&resp, "X-Ignored", 0));
	assert_int_equal(resp.body_len, 2);
	assert_memory_equal(resp.body, "hi", 2);
	pg_proxy_response_release(&resp);
}

/* A 2.0 answer without statusCode that is valid JSON becomes a 200 with
 * that JSON as the body. */
static void response_v2_inferred(void **state)
{
	static const struct {
		const char *answer;
		const char *body;
	} rows[] = {
		{ "{\"message\":\"hi\"}", "{\"message\":\"hi\"}" },
		{ "\"Hello from Lambda!\"", "Hello from Lambda!" },
		{ "[1,2]", "[1,2]" },
		{ "42", "42" },
		{ "{}", "{}" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pg_proxy_response resp;
		struct pg_err err = {{0}};

		assert_int_equal(pg_proxy_response_parse_v2(
					 rows[i].answer, strlen(rows[i].answer),
					 &resp, &err),
				 0);
		assert_int_equal(resp.status, 200);
		assert_string_equal(header_value(&resp, "Content-Type", 0),
				    "application/json");
		assert_int_equal(resp.body_len, strlen(rows[i].body));
		assert_memory_equal(resp.body, rows[i].body, resp.body_len);
		pg_proxy_response_release(&resp);
	}
}

static void response_v2_malformed(void **state)
{
	static const struct {
		const char *answer;
		const char *error_part;
	} rows[] = {
		{ "not json", "JSON" },
		{ "", "JSON" },
		{ "{\"statusCode\":99}", "statusCode" },
		{ "{\"statusCode\":200,\"cookies\":\"a=1\"}", "cookies" },
		{ "{\"statusCode\":200,\"cookies\":[\"a\\r\\nb\"]}", "Set-Cookie" },
		{ "{\"statusCode\":200,\"headers\":[]}", "headers" },
		{ "{\"statusCode\":200,\"body\":\"@@\",\"isBase64Encoded\":true}",
		  "base64" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pg_proxy_response resp;
		struct pg_err err = {{0}};

		if (pg_proxy_response_parse_v2(rows[i].answer,
					       strlen(rows[i].answer), &resp,
					       &err) != -1)
			fail_msg("%s: accepted", rows[i].answer);
		if (!strstr(err.msg, rows[i].error_part))
			fail_msg("%s: error \"%s\" lacks \"%s\"", rows[i].answer,
				 err.msg, rows[i].error_part);
		pg_proxy_response_release(&resp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(event_has_payload_v1_fields),
		cmocka_unit_test(event_nulls_when_empty),
		cmocka_unit_test(event_binary_body_base64),
		cmocka_unit_test(body_text_types),
		cmocka_unit_test(event_latin1_header_kept),
		cmocka_unit_test(response_parse_full),
		cmocka_unit_test(response_parse_minimal),
		cmocka_unit_test(response_parse_malformed),
		cmocka_unit_test(event_v2_fields),
		cmocka_unit_test(event_v2_decodes_in_events_layer),
		cmocka_unit_test(event_v2_binary_body_and_no_body),
		cmocka_unit_test(response_v2_cookies_to_set_cookie),
		cmocka_unit_test(response_v2_inferred),
		cmocka_unit_test(response_v2_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
