/* Tests of the router: dispatch, 404, 405, the CORS preflight and the
 * Access-Control-Allow-Origin header on every response. */
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

static void decode(struct pg_http_request *req, const char *method,
		   const char *path)
{
	struct pg_err err = { 0 };
	json_t *event = json_pack("{s:s, s:s}", "httpMethod", method, "path",
				  path);
	char *text = json_dumps(event, 0);

	pg_http_request_init(req);
	assert_int_equal(pg_http_request_decode(req, text, strlen(text), 0,
						&err),
			 PG_EVENT_OK);
	free(text);
	json_decref(event);
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

static void router_preflight(void **state)
{
	struct pg_router router;
	struct pg_http_request req;
	struct pg_http_response resp;
	struct pg_err cause = { 0 };
	int calls_before = calls;

	(void)state;
	make_router(&router, "https://site.example");
	decode(&req, "OPTIONS", "/contact");
	pg_http_response_init(&resp, 0);
	pg_router_dispatch(&router, &req, &resp, &cause);
	assert_int_equal(resp.status, 204);
	assert_int_equal(resp.body.len, 0);
	assert_int_equal(calls, calls_before);
	assert_string_equal(pg_http_response_header(&resp,
						    "Access-Control-Allow-Origin"),
			    "https://site.example");
	assert_int_equal(header_count(&resp, "Access-Control-Allow-Origin"), 1);
	assert_string_equal(pg_http_response_header(&resp,
						    "Access-Control-Allow-Methods"),
			    "POST, PUT, OPTIONS");
	assert_string_equal(pg_http_response_header(&resp,
						    "Access-Control-Allow-Headers"),
			    "Content-Type");
	assert_string_equal(pg_http_response_header(&resp,
						    "Access-Control-Max-Age"),
			    "7200");
	assert_string_equal(pg_http_response_header(&resp, "Vary"), "Origin");
	assert_false(pg_err_is_set(&cause));
	pg_http_response_release(&resp);
	pg_http_request_release(&req);
}

static void router_custom_origin_on_errors(void **state)
{
	struct pg_router router;
	struct pg_http_request req;
	struct pg_http_response resp;
	struct pg_err cause = { 0 };

	(void)state;
	make_router(&router, "https://site.example");
	decode(&req, "GET", "/missing");
	pg_http_response_init(&resp, 0);
	pg_router_dispatch(&router, &req, &resp, &cause);
	assert_int_equal(resp.status, 404);
	assert_string_equal(pg_http_response_header(&resp,
						    "Access-Control-Allow-Origin"),
			    "https://site.example");
	assert_string_equal(pg_http_response_header(&resp, "Content-Type"),
			    "application/json");
	pg_http_response_release(&resp);
	pg_http_request_release(&req);
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
		cmocka_unit_test(router_preflight),
		cmocka_unit_test(router_custom_origin_on_errors),
		cmocka_unit_test(router_add_rejects_bad_routes),
		cmocka_unit_test(router_problem_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
