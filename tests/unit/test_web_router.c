/* Tests of the router: dispatch, 404, 405, the CORS allow-list, the
 * preflight and the Access-Control-Allow-Origin header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/web.h"

static int calls;

static void hello_action(const struct pg_http_request *req,
			 struct pg_http_response *resp, struct pg_err *cause,
			 void *data)
{
	(void)req;
	(void)cause;
	calls++;
	pg_respond_json_text(resp, 200, "message", data);
	/* The router must still leave exactly one of these. */
	pg_http_response_add_header(resp, "Access-Control-Allow-Origin",
				    "https://wrong.example");
}

static void make_router(struct pg_router *router, const char *origin)
{
	struct pg_err err = { 0 };

	pg_router_init(router, origin);
	assert_int_equal(pg_router_add(router, "POST /contact", hello_action,
				       "posted", &err),
			 0);
	assert_int_equal(pg_router_add(router, "GET /health", hello_action,
				       "healthy", &err),
			 0);
	assert_int_equal(pg_router_add(router, "PUT /contact", hello_action,
				       "put", &err),
			 0);
}

/* Decodes a REST event for method and path, with an Origin header when
 * origin is not NULL. */
static void decode_from(struct pg_http_request *req, const char *method,
			const char *path, const char *origin)
{
	struct pg_err err = { 0 };
	json_t *event = json_pack("{s:s, s:s}", "httpMethod", method, "path",
				  path);
	char *text;

	if (origin) {
		json_object_set_new(event, "headers",
				    json_pack("{s:s}", "origin", origin));
		json_object_set_new(event, "multiValueHeaders",
				    json_pack("{s:[s]}", "origin", origin));
	}
	text = json_dumps(event, 0);

	pg_http_request_init(req);
	assert_int_equal(pg_http_request_decode(req, text, strlen(text), 0,
						&err),
			 PG_EVENT_OK);
	free(text);
	json_decref(event);
}

static void decode(struct pg_http_request *req, const char *method,
		   const char *path)
{
	decode_from(req, method, path, NULL);
}

static size_t header_count(const struct pg_http_response *resp,
			   const char *name)
{
	size_t count = 0;

	for (size_t i = 0; i < resp->header_count; i++)
		count += strcasecmp(resp->headers[i].name, name) == 0;
	return count;
}

static json_t *body_json(const struct pg_http_response *resp)
{
	json_t *body = json_loadb(resp->body.data, resp->body.len, 0, NULL);

	assert_non_null(body);
	return body;
}

struct route_case {
	const char *method;
	const char *path;
	int status;
	const char *body_part; /* in the body, or NULL */
	const char *allow;     /* expected Allow header, or NULL for none */
};

static const struct route_case route_cases[] = {
	{ "POST", "/contact", 200, "posted", NULL },
	{ "GET", "/health", 200, "healthy", NULL },
	{ "GET", "/nowhere", 404, "no route for GET /nowhere", NULL },
	{ "POST", "/contact/", 404, "no route", NULL },
	{ "POST", "/Contact", 404, "no route", NULL },
	{ "GET", "/contact", 405, "method GET is not allowed on /contact",
	  "POST, PUT, OPTIONS" },
	{ "post", "/contact", 405, "not allowed", "POST, PUT, OPTIONS" },
	{ "DELETE", "/health", 405, "use GET, OPTIONS", "GET, OPTIONS" },
	{ "OPTIONS", "/nowhere", 404, "no route", NULL },
};

static void router_dispatch_table(void **state)
{
	struct pg_router router;

	(void)state;
	make_router(&router, NULL);
	for (size_t i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]);
	     i++) {
		const struct route_case *c = &route_cases[i];
		struct pg_http_request req;
		struct pg_http_response resp;
		struct pg_err cause = { 0 };
		json_t *body;

		decode(&req, c->method, c->path);
		pg_http_response_init(&resp, 0);
		pg_router_dispatch(&router, &req, &resp, &cause);
		if (resp.status != c->status)
			fail_msg("%s %s: status %d", c->method, c->path,
				 resp.status);
		if (!strstr(resp.body.data, c->body_part))
			fail_msg("%s %s: body %s", c->method, c->path,
				 resp.body.data);
		body = body_json(&resp);
		if (c->status >= 400) {
			assert_true(json_is_string(json_object_get(body,
								   "error")));
			assert_true(pg_err_is_set(&cause));
		}
		json_decref(body);
		if (c->allow)
			assert_string_equal(pg_http_response_header(&resp,
								    "Allow"),
					    c->allow);
		else
			assert_null(pg_http_response_header(&resp, "Allow"));
		assert_int_equal(header_count(&resp,
					      "Access-Control-Allow-Origin"),
				 1);
		assert_string_equal(pg_http_response_header(
					    &resp, "Access-Control-Allow-Origin"),
				    "*");
		assert_null(pg_http_response_header(&resp, "Vary"));
		pg_http_response_release(&resp);
		pg_http_request_release(&req);
	}
}

#define SITE "https://site.example"
#define LIST "https://a.example, " SITE " ,http://127.0.0.1:8080"

struct cors_case {
	const char *allow_list;
	const char *method;
	const char *path;
	const char *origin;     /* request Origin, or NULL */
	int status;
	const char *allow_origin; /* expected header, or NULL for none */
	bool vary;              /* Vary: Origin expected */
	bool preflight_headers; /* Access-Control-Allow-Methods and others */
	bool action_runs;
};

static const struct cors_case cors_cases[] = {
	/* "*" answers every origin with "*" and no Vary. */
	{ "*", "OPTIONS", "/contact", "https://any.example", 204, "*", false,
	  true, false },
	{ "*", "POST", "/contact", "https://any.example", 200, "*", false,
	  false, true },
	{ "*", "POST", "/contact", NULL, 200, "*", false, false, true },
	/* A list echoes the matching origin, ignoring ASCII case. */
	{ LIST, "OPTIONS", "/contact", SITE, 204, SITE, true, true, false },
	{ LIST, "OPTIONS", "/contact", "HTTPS://Site.Example", 204,
	  "HTTPS://Site.Example", true, true, false },
	{ LIST, "POST", "/contact", SITE, 200, SITE, true, false, true },
	{ LIST, "POST", "/contact", "http://127.0.0.1:8080", 200,
	  "http://127.0.0.1:8080", true, false, true },
	{ LIST, "GET", "/missing", SITE, 404, SITE, true, false, false },
	/* A disallowed origin gets no CORS header; its POST gets 403. */
	{ LIST, "OPTIONS", "/contact", "https://evil.example", 204, NULL,
	  true, false, false },
	{ LIST, "POST", "/contact", "https://evil.example", 403, NULL, true,
	  false, false },
	{ LIST, "PUT", "/contact", "https://evil.example", 403, NULL, true,
	  false, false },
	{ LIST, "POST", "/contact", "https://site.example.evil.example", 403,
	  NULL, true, false, false },
	{ LIST, "POST", "/contact", "http://127.0.0.1:8081", 403, NULL, true,
	  false, false },
	{ LIST, "POST", "/contact", "null", 403, NULL, true, false, false },
	{ LIST, "POST", "/contact", "", 403, NULL, true, false, false },
	/* GET has no side effect: served, but not readable by the page. */
	{ LIST, "GET", "/health", "https://evil.example", 200, NULL, true,
	  false, true },
	/* Without Origin (curl, servers) nothing is blocked, and a
	 * one-entry list still names its origin. */
	{ LIST, "POST", "/contact", NULL, 200, NULL, true, false, true },
	{ " " SITE " ", "POST", "/contact", NULL, 200, SITE, true, false,
	  true },
	{ SITE, "POST", "/contact", "https://evil.example", 403, NULL, true,
	  false, false },
};

static void router_cors_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cors_cases) / sizeof(cors_cases[0]);
	     i++) {
		const struct cors_case *c = &cors_cases[i];
		struct pg_router router;
		struct pg_http_request req;
		struct pg_http_response resp;
		struct pg_err cause = { 0 };
		int calls_before = calls;
		const char *methods;

		make_router(&router, c->allow_list);
		decode_from(&req, c->method, c->path, c->origin);
		pg_http_response_init(&resp, 0);
		pg_router_dispatch(&router, &req, &resp, &cause);
		if (resp.status != c->status)
			fail_msg("row %zu: status %d", i, resp.status);
		if (c->allow_origin) {
			assert_int_equal(header_count(&resp,
					"Access-Control-Allow-Origin"), 1);
			assert_string_equal(pg_http_response_header(&resp,
					"Access-Control-Allow-Origin"),
					    c->allow_origin);
		} else if (header_count(&resp, "Access-Control-Allow-Origin")) {
			fail_msg("row %zu: Access-Control-Allow-Origin %s", i,
				 pg_http_response_header(&resp,
					"Access-Control-Allow-Origin"));
		}
		if (c->vary)
			assert_string_equal(pg_http_response_header(&resp,
								    "Vary"),
					    "Origin");
		else
			assert_null(pg_http_response_header(&resp, "Vary"));
		methods = pg_http_response_header(&resp,
						  "Access-Control-Allow-Methods");
		if (c->preflight_headers) {
			assert_non_null(methods);
			assert_string_equal(methods, "POST, PUT, OPTIONS");
			assert_string_equal(pg_http_response_header(&resp,
					"Access-Control-Allow-Headers"),
					    "Content-Type");
			assert_string_equal(pg_http_response_header(&resp,
					"Access-Control-Max-Age"),
					    "7200");
		} else {
			assert_null(methods);
			assert_null(pg_http_response_header(&resp,
					"Access-Control-Max-Age"));
		}
		if (calls != calls_before + (c->action_runs ? 1 : 0))
			fail_msg("row %zu: action ran %d times", i,
				 calls - calls_before);
		if (c->status == 403) {
			assert_non_null(strstr(resp.body.data,
					       "not allowed to send"));
			assert_non_null(strstr(cause.msg, "CORS_ALLOW_ORIGIN"));
		}
		if (c->status == 204)
			assert_int_equal(resp.body.len, 0);
		pg_http_response_release(&resp);
		pg_http_request_release(&req);
	}
}

static void router_custom_origin_on_errors(void **state)
{
	struct pg_router router;
	struct pg_http_request req;
	struct pg_http_response resp;
	struct pg_err cause = { 0 };

	(void)state;
	make_router(&router, SITE);
	decode_from(&req, "GET", "/missing", SITE);
	pg_http_response_init(&resp, 0);
	pg_router_dispatch(&router, &req, &resp, &cause);
	assert_int_equal(resp.status, 404);
	assert_string_equal(pg_http_response_header(&resp,
						    "Access-Control-Allow-Origin"),
			    SITE);
	assert_string_equal(pg_http_response_header(&resp, "Content-Type"),
			    "application/json");
	pg_http_response_release(&resp);
	pg_http_request_release(&req);
}

struct list_case {
	const char *list;
	bool valid;
	const char *message_part; /* in the error, for invalid lists */
};

static const struct list_case list_cases[] = {
	{ "*", true, NULL },
	{ "https://site.example", true, NULL },
	{ "https://a.example,https://b.example:8443", true, NULL },
	{ " https://a.example , http://127.0.0.1:3000 ", true, NULL },
	{ "http://[::1]:3000", true, NULL },
	{ "https://site.example/", false, "no path or trailing slash" },
	{ "https://site.example/contact", false, "not an origin" },
	{ "site.example", false, "not an origin" },
	{ "ftp://site.example", false, "not an origin" },
	{ "https://", false, "not an origin" },
	{ "https://site.example:", false, "not an origin" },
	{ "https://site.example:123456", false, "not an origin" },
	{ "https://user@site.example", false, "not an origin" },
	{ "*, https://site.example", false, "* must stand alone" },
	{ "https://a.example,,https://b.example", false, "entry 2 is empty" },
	{ "", false, "empty" },
	{ "null", false, "not an origin" },
};

static void cors_list_check_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]);
	     i++) {
		const struct list_case *c = &list_cases[i];
		struct pg_err err = { 0 };
		int rc = pg_cors_list_check(c->list, &err);

		if ((rc == 0) != c->valid)
			fail_msg("\"%s\": rc %d (%s)", c->list, rc, err.msg);
		if (!c->valid && !strstr(err.msg, c->message_part))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"",
				 c->list, err.msg, c->message_part);
	}
}

static void cors_list_has_rows(void **state)
{
	(void)state;
	assert_true(pg_cors_list_has(LIST, SITE, strlen(SITE)));
	assert_true(pg_cors_list_has(LIST, "https://a.example", 17));
	/* origin_len limits the comparison to the origin of a URL. */
	assert_true(pg_cors_list_has(LIST, SITE "/thanks.html", strlen(SITE)));
	assert_false(pg_cors_list_has(LIST, SITE "/thanks.html",
				      strlen(SITE) + 1));
	assert_false(pg_cors_list_has(LIST, "https://site.exampl", 19));
	assert_false(pg_cors_list_has("*", SITE, strlen(SITE)));
	assert_false(pg_cors_list_has(LIST, "", 0));
	assert_true(pg_cors_origin_allowed("*", "https://any.example"));
	assert_true(pg_cors_origin_allowed(LIST, SITE));
	assert_false(pg_cors_origin_allowed(LIST, "https://b.example"));
	assert_false(pg_cors_origin_allowed(LIST, NULL));
}

static void router_add_rejects_bad_routes(void **state)
{
	static const char *const bad[] = {
		"POST", "/contact", " /contact", "POST contact", "POST /a b",
		"AVERYLONGMETHODNAME /x",
	};
	struct pg_router router;
	struct pg_err err = { 0 };

	(void)state;
	pg_router_init(&router, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pg_err_clear(&err);
		if (pg_router_add(&router, bad[i], hello_action, NULL, &err) !=
		    -1)
			fail_msg("route \"%s\" accepted", bad[i]);
		assert_non_null(strstr(err.msg, "METHOD /path"));
	}
	for (int i = 0; i < PG_ROUTER_MAX_ROUTES; i++) {
		char route[32];

		snprintf(route, sizeof(route), "GET /r%d", i);
		assert_int_equal(pg_router_add(&router, route, hello_action,
					       NULL, &err),
				 0);
	}
	pg_err_clear(&err);
	assert_int_equal(pg_router_add(&router, "GET /one-more", hello_action,
				       NULL, &err),
			 -1);
	assert_non_null(strstr(err.msg, "full"));
}

static void router_problem_answer(void **state)
{
	struct pg_problem problem;
	struct pg_http_response resp;
	json_t *body;
	json_t *fields;

	(void)state;
	pg_problem_init(&problem);
	pg_problem_field(&problem, "name", "longer than %d characters", 200);
	pg_problem_field(&problem, "email", "required");
	pg_problem_field(&problem, "name", "a second message is dropped");
	/* A field name cut inside a UTF-8 sequence must not break JSON. */
	pg_problem_field(&problem,
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
			 "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
			 "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
			 "odd");
	pg_http_response_init(&resp, 0);
	pg_problem_respond(&problem, &resp);
	assert_int_equal(resp.status, 400);
	body = body_json(&resp);
	assert_string_equal(json_string_value(json_object_get(body, "error")),
			    "name: longer than 200 characters");
	fields = json_object_get(body, "fields");
	assert_int_equal(json_object_size(fields), 3);
	assert_string_equal(json_string_value(json_object_get(fields, "name")),
			    "longer than 200 characters");
	assert_string_equal(json_string_value(json_object_get(fields, "email")),
			    "required");
	json_decref(body);
	pg_http_response_release(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(router_dispatch_table),
		cmocka_unit_test(router_cors_table),
		cmocka_unit_test(router_custom_origin_on_errors),
		cmocka_unit_test(cors_list_check_rows),
		cmocka_unit_test(cors_list_has_rows),
		cmocka_unit_test(router_add_rejects_bad_routes),
		cmocka_unit_test(router_problem_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
