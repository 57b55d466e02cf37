/* Tests of the events layer's response side: encoding a struct
 * pg_http_response into the JSON of each event shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/events.h"

/* ---- Responses -------------------------------------------------------- */

/* Encodes resp for kind and parses the result. When text is given, it
 * receives the serialized form, which the caller frees. */
static json_t *encode_as(const struct pg_http_response *resp,
			 enum pg_event_kind kind, char **text)
{
	struct pg_buf out;
	struct pg_err err = { 0 };
	json_t *root;

	pg_buf_init(&out, 0);
	if (pg_http_response_encode(resp, kind, &out, &err) < 0)
		fail_msg("encode as kind %d failed: %s", kind, err.msg);
	root = json_loadb(out.data, out.len, 0, NULL);
	assert_non_null(root);
	if (text)
		*text = pg_buf_detach(&out, NULL);
	pg_buf_release(&out);
	return root;
}

static json_t *encode(const struct pg_http_response *resp)
{
	return encode_as(resp, PG_EVENT_APIGW_V1, NULL);
}

/* Counts case-insensitive occurrences of part in text. */
static size_t count_in(const char *text, const char *part)
{
	size_t count = 0;

	for (const char *p = strcasestr(text, part); p;
	     p = strcasestr(p + 1, part))
		count++;
	return count;
}

static void events_response_header_in_one_place(void **state)
{
	struct pg_http_response resp;
	struct pg_buf out;
	struct pg_err err = { 0 };
	json_t *root;
	json_t *cookies;

	(void)state;
	pg_http_response_init(&resp, 0);
	resp.status = 201;
	pg_http_response_set_header(&resp, "Access-Control-Allow-Origin", "*");
	pg_http_response_set_header(&resp, "access-control-allow-origin",
				    "https://a.example");
	pg_http_response_set_header(&resp, "Content-Type", "application/json");
	pg_http_response_add_header(&resp, "Set-Cookie", "a=1");
	pg_http_response_add_header(&resp, "Set-Cookie", "b=2");
	assert_int_equal(pg_buf_append_str(&resp.body, "{}"), 0);

	pg_buf_init(&out, 0);
	assert_int_equal(pg_http_response_encode(&resp, PG_EVENT_APIGW_V1, &out,
						 &err),
			 0);
	assert_int_equal(count_in(out.data, "Access-Control-Allow-Origin"), 1);
	assert_int_equal(count_in(out.data, "Set-Cookie"), 1);

	root = json_loadb(out.data, out.len, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "statusCode")),
			 201);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(root, "headers"),
				    "access-control-allow-origin")),
			    "https://a.example");
	cookies = json_object_get(json_object_get(root, "multiValueHeaders"),
				  "Set-Cookie");
	assert_int_equal(json_array_size(cookies), 2);
	assert_null(json_object_get(json_object_get(root, "headers"),
				    "Set-Cookie"));
	assert_string_equal(json_string_value(json_object_get(root, "body")),
			    "{}");
	assert_true(json_is_false(json_object_get(root, "isBase64Encoded")));
	assert_string_equal(pg_http_response_header(&resp, "CONTENT-TYPE"),
			    "application/json");
	json_decref(root);
	pg_buf_release(&out);
	pg_http_response_release(&resp);
	pg_http_response_release(&resp);
}

static void events_response_without_multi_map(void **state)
{
	struct pg_http_response resp;
	json_t *root;

	(void)state;
	pg_http_response_init(&resp, 0);
	pg_http_response_set_header(&resp, "A", "1");
	root = encode(&resp);
	assert_null(json_object_get(root, "multiValueHeaders"));
	assert_string_equal(json_string_value(json_object_get(root, "body")),
			    "");
	json_decref(root);
	pg_http_response_release(&resp);
}

static void events_response_binary_body_base64(void **state)
{
	struct pg_http_response resp;
	json_t *root;

	(void)state;
	pg_http_response_init(&resp, 0);
	assert_int_equal(pg_buf_append(&resp.body, "\xff\x00\x01", 3), 0);
	root = encode(&resp);
	assert_true(json_is_true(json_object_get(root, "isBase64Encoded")));
	assert_string_equal(json_string_value(json_object_get(root, "body")),
			    "/wAB");
	json_decref(root);

	pg_buf_reset(&resp.body);
	assert_int_equal(pg_buf_append_str(&resp.body, "hi"), 0);
	resp.body_base64 = true;
	root = encode(&resp);
	assert_true(json_is_true(json_object_get(root, "isBase64Encoded")));
	assert_string_equal(json_string_value(json_object_get(root, "body")),
			    "aGk=");
	json_decref(root);
	pg_http_response_release(&resp);
}

static void events_response_output_limit(void **state)
{
	struct pg_http_response resp;
	struct pg_buf out;
	struct pg_err err = { 0 };

	(void)state;
	pg_http_response_init(&resp, 0);
	pg_buf_init(&out, 10);
	assert_int_equal(pg_http_response_encode(&resp, PG_EVENT_APIGW_V1, &out,
						 &err),
			 -1);
	assert_true(pg_err_is_set(&err));
	assert_int_equal(out.len, 0);
	pg_buf_release(&out);
	pg_http_response_release(&resp);
}

/* ---- The other shapes ---------------------------------------------------- */

/* A response as the api function builds it: CORS, a type, two cookies. */
static void typical_response(struct pg_http_response *resp, int status)
{
	pg_http_response_init(resp, 0);
	resp->status = status;
	pg_http_response_set_header(resp, "Access-Control-Allow-Origin",
				    "https://site.example");
	pg_http_response_set_header(resp, "Content-Type", "application/json");
	pg_http_response_add_header(resp, "Vary", "Origin");
	pg_http_response_add_header(resp, "Vary", "Accept");
	pg_http_response_add_header(resp, "Set-Cookie", "a=1; Path=/");
	pg_http_response_add_header(resp, "Set-Cookie",
				    "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT");
	assert_int_equal(pg_buf_append_str(&resp->body, "{\"ok\":true}"), 0);
}

static const char *member_string(json_t *root, const char *map,
				 const char *name)
{
	return json_string_value(json_object_get(json_object_get(root, map),
						 name));
}

static void events_encode_v2_cookies_array(void **state)
{
	const enum pg_event_kind kinds[] = { PG_EVENT_APIGW_V2,
					     PG_EVENT_FUNCTION_URL };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct pg_http_response resp;
		char *text = NULL;
		json_t *root;
		json_t *cookies;

		typical_response(&resp, 200);
		root = encode_as(&resp, kinds[i], &text);
		assert_int_equal(count_in(text, "Access-Control-Allow-Origin"),
				 1);
		assert_int_equal(count_in(text, "Set-Cookie"), 0);
		assert_null(json_object_get(root, "multiValueHeaders"));
		assert_null(json_object_get(root, "statusDescription"));
		cookies = json_object_get(root, "cookies");
		assert_int_equal(json_array_size(cookies), 2);
		assert_string_equal(json_string_value(json_array_get(cookies, 0)),
				    "a=1; Path=/");
		assert_string_equal(json_string_value(json_array_get(cookies, 1)),
				    "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT");
		assert_string_equal(member_string(root, "headers", "Vary"),
				    "Origin, Accept");
		assert_string_equal(member_string(root, "headers",
						  "Access-Control-Allow-Origin"),
				    "https://site.example");
		assert_string_equal(json_string_value(json_object_get(root,
								      "body")),
				    "{\"ok\":true}");
		assert_true(json_is_false(json_object_get(root,
							  "isBase64Encoded")));
		free(text);
		json_decref(root);
		pg_http_response_release(&resp);
	}
}

static void events_encode_v2_without_cookies(void **state)
{
	struct pg_http_response resp;
	json_t *root;

	(void)state;
	pg_http_response_init(&resp, 0);
	pg_http_response_set_header(&resp, "A", "1");
	root = encode_as(&resp, PG_EVENT_APIGW_V2, NULL);
	assert_null(json_object_get(root, "cookies"));
	assert_string_equal(member_string(root, "headers", "A"), "1");
	json_decref(root);
	pg_http_response_release(&resp);
}

static void events_encode_alb_single_value(void **state)
{
	struct pg_http_response resp;
	char *text = NULL;
	json_t *root;

	(void)state;
	typical_response(&resp, 404);
	root = encode_as(&resp, PG_EVENT_ALB, &text);
	assert_int_equal(count_in(text, "Access-Control-Allow-Origin"), 1);
	assert_string_equal(json_string_value(json_object_get(
				    root, "statusDescription")),
			    "404 Not Found");
	assert_int_equal(json_integer_value(json_object_get(root, "statusCode")),
			 404);
	assert_null(json_object_get(root, "multiValueHeaders"));
	assert_null(json_object_get(root, "cookies"));
	assert_string_equal(member_string(root, "headers", "Vary"),
			    "Origin, Accept");
	/* One Set-Cookie is all a single-value target group can carry. */
	assert_string_equal(member_string(root, "headers", "Set-Cookie"),
			    "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT");
	free(text);
	json_decref(root);
	pg_http_response_release(&resp);
}

static void events_encode_alb_multi_value(void **state)
{
	struct pg_http_response resp;
	char *text = NULL;
	json_t *root;
	json_t *multi;

	(void)state;
	typical_response(&resp, 200);
	root = encode_as(&resp, PG_EVENT_ALB_MULTI_VALUE, &text);
	assert_int_equal(count_in(text, "Access-Control-Allow-Origin"), 1);
	assert_string_equal(json_string_value(json_object_get(
				    root, "statusDescription")),
			    "200 OK");
	assert_null(json_object_get(root, "headers"));
	multi = json_object_get(root, "multiValueHeaders");
	assert_int_equal(json_array_size(json_object_get(multi, "Set-Cookie")),
			 2);
	assert_int_equal(json_array_size(json_object_get(multi, "Vary")), 2);
	assert_int_equal(json_array_size(json_object_get(
				 multi, "Access-Control-Allow-Origin")),
			 1);
	free(text);
	json_decref(root);
	pg_http_response_release(&resp);
}

static void events_encode_v1_cors_once(void **state)
{
	struct pg_http_response resp;
	char *text = NULL;
	json_t *root;

	(void)state;
	typical_response(&resp, 200);
	root = encode_as(&resp, PG_EVENT_APIGW_V1, &text);
	assert_int_equal(count_in(text, "Access-Control-Allow-Origin"), 1);
	assert_int_equal(count_in(text, "Set-Cookie"), 1);
	assert_int_equal(count_in(text, "\"Vary\""), 1);
	assert_null(json_object_get(root, "cookies"));
	assert_null(json_object_get(root, "statusDescription"));
	free(text);
	json_decref(root);
	pg_http_response_release(&resp);
}

static void events_encode_binary_every_shape(void **state)
{
	const enum pg_event_kind kinds[] = {
		PG_EVENT_APIGW_V1, PG_EVENT_APIGW_V2, PG_EVENT_FUNCTION_URL,
		PG_EVENT_ALB, PG_EVENT_ALB_MULTI_VALUE,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct pg_http_response resp;
		json_t *root;

		pg_http_response_init(&resp, 0);
		assert_int_equal(pg_buf_append(&resp.body, "\x89PNG\x00", 5), 0);
		root = encode_as(&resp, kinds[i], NULL);
		assert_true(json_is_true(json_object_get(root,
							 "isBase64Encoded")));
		assert_string_equal(json_string_value(json_object_get(root,
								      "body")),
				    "iVBORwA=");
		json_decref(root);
		pg_http_response_release(&resp);
	}
}

static void events_status_reason_phrases(void **state)
{
	struct pg_http_response resp;
	json_t *root;

	(void)state;
	assert_string_equal(pg_http_status_reason(200), "OK");
	assert_string_equal(pg_http_status_reason(303), "See Other");
	assert_string_equal(pg_http_status_reason(413), "Content Too Large");
	assert_string_equal(pg_http_status_reason(299), "");

	pg_http_response_init(&resp, 0);
	resp.status = 299;
	root = encode_as(&resp, PG_EVENT_ALB, NULL);
	assert_string_equal(json_string_value(json_object_get(
				    root, "statusDescription")),
			    "299");
	json_decref(root);
	pg_http_response_release(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(events_response_header_in_one_place),
		cmocka_unit_test(events_response_without_multi_map),
		cmocka_unit_test(events_response_binary_body_base64),
		cmocka_unit_test(events_response_output_limit),
		cmocka_unit_test(events_encode_v2_cookies_array),
		cmocka_unit_test(events_encode_v2_without_cookies),
		cmocka_unit_test(events_encode_alb_single_value),
		cmocka_unit_test(events_encode_alb_multi_value),
		cmocka_unit_test(events_encode_v1_cors_once),
		cmocka_unit_test(events_encode_binary_every_shape),
		cmocka_unit_test(events_status_reason_phrases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
