/* Tests of the api function's invocation step, pg_api_handle, from event
 * JSON to response JSON, with the notify step replaced by a stand-in, and of
 * its settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/text.h"
#include "web/web.h"

/* ---- Fixtures -------------------------------------------------------- */

/* The case folder: PIGEON_CASES_DIR, else ../shared/cases next to the
 * repository, which is two folders above this binary (build/tests/). */
static const char *cases_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	const char *env = getenv("PIGEON_CASES_DIR");
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return "../shared/cases";
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(dir, sizeof(dir), "%.3000s/../../../shared/cases", exe);
	return dir;
}

static json_t *load_fixture(const char *name)
{
	char path[PATH_MAX];
	json_error_t err;
	json_t *event;

	snprintf(path, sizeof(path), "%s/events/%s", cases_dir(), name);
	event = json_load_file(path, 0, &err);
	if (!event)
		fail_msg("cannot load %s: %s (set PIGEON_CASES_DIR)", path,
			 err.text);
	return event;
}

/* A REST event as the BUGLOG entries write them, for POST /contact. */
static json_t *rest_event(const char *content_type, const char *body)
{
	json_t *event = json_pack(
		"{s:s, s:s, s:s, s:n, s:n, s:n, s:n,"
		" s:{s:s, s:s, s:s, s:{s:s}}, s:s, s:b}",
		"resource", "/contact", "path", "/contact", "httpMethod", "POST",
		"queryStringParameters", "multiValueQueryStringParameters",
		"pathParameters", "stageVariables", "requestContext",
		"httpMethod", "POST", "stage", "prod", "requestId", "REQ_4",
		"identity", "sourceIp", "198.51.100.2", "body", body,
		"isBase64Encoded", 0);

	assert_non_null(event);
	if (content_type) {
		json_object_set_new(event, "headers",
				    json_pack("{s:s, s:s}", "Content-Type",
					      content_type, "Origin",
					      "https://site.example"));
		json_object_set_new(event, "multiValueHeaders",
				    json_pack("{s:[s], s:[s]}", "Content-Type",
					      content_type, "Origin",
					      "https://site.example"));
	}
	return event;
}

/* Sets one more header in both maps of a REST event. */
static void set_header(json_t *event, const char *name, const char *value)
{
	json_t *headers = json_object_get(event, "headers");
	json_t *multi = json_object_get(event, "multiValueHeaders");

	if (!json_is_object(headers)) {
		headers = json_object();
		json_object_set_new(event, "headers", headers);
	}
	if (!json_is_object(multi)) {
		multi = json_object();
		json_object_set_new(event, "multiValueHeaders", multi);
	}
	json_object_set_new(headers, name, json_string(value));
	json_object_set_new(multi, name, json_pack("[s]", value));
}

/* ---- The stand-in notify step ------------------------------------------ */

struct stand_in {
	int calls;
	bool fail;
	char last_event[8192];
};

static int stand_in_notify(const char *event_json, size_t event_len,
			   void *notify_data, struct pg_err *err)
{
	struct stand_in *stand_in = notify_data;

	stand_in->calls++;
	snprintf(stand_in->last_event, sizeof(stand_in->last_event), "%.*s",
		 (int)event_len, event_json);
	if (!stand_in->fail)
		return 0;
	pg_err_set(err, "HTTP 200 with X-Amz-Function-Error: Unhandled "
			"(Runtime.ExitError: RequestId: REQ_10 Error: Runtime "
			"exited with error: exit status 1)");
	return -1;
}

struct api {
	struct pg_api_config config;
	struct pg_router router;
	struct stand_in stand_in;
};

static int api_setup(void **state)
{
	struct api *api = pg_calloc(1, sizeof(*api));
	struct pg_err err = { 0 };

	pg_api_config_init(&api->config);
	api->config.cors_allow_origin = pg_strdup("https://site.example");
	api->config.notifications_function = pg_strdup("notifications");
	api->config.notify = stand_in_notify;
	api->config.notify_data = &api->stand_in;
	pg_router_init(&api->router, api->config.cors_allow_origin);
	if (pg_api_add_routes(&api->router, &api->config, &err) < 0)
		return -1;
	*state = api;
	return 0;
}

static int api_teardown(void **state)
{
	struct api *api = *state;

	pg_api_config_release(&api->config);
	free(api);
	return 0;
}

/* ---- Running one invocation -------------------------------------------- */

struct answer {
	int status;
	json_t *root;
	json_t *body; /* the parsed body, or NULL when it is not JSON */
	struct pg_api_outcome outcome;
};

static size_t count_ci(const char *text, const char *part)
{
	size_t count = 0;

	for (const char *p = strcasestr(text, part); p;
	     p = strcasestr(p + 1, part))
		count++;
	return count;
}

/* Runs payload through pg_api_handle and checks what every response must
 * have: valid JSON, at most one Access-Control-Allow-Origin (the site's),
 * and a JSON body when the Content-Type says so. */
static void run_text(struct api *api, const char *payload, size_t len,
		     struct answer *answer)
{
	struct pg_buf out;
	const char *body_text;
	const char *allow_origin;
	const char *type;

	pg_buf_init(&out, 0);
	if (pg_api_handle(&api->router, &api->config, payload, len, &out,
			  &answer->outcome) < 0)
		fail_msg("pg_api_handle failed: %s", answer->outcome.cause.msg);
	answer->root = json_loadb(out.data, out.len, 0, NULL);
	assert_non_null(answer->root);
	answer->status = (int)json_integer_value(
		json_object_get(answer->root, "statusCode"));
	assert_int_equal(answer->status, answer->outcome.status);
	if (count_ci(out.data, "Access-Control-Allow-Origin") > 1)
		fail_msg("Access-Control-Allow-Origin more than once: %s",
			 out.data);
	allow_origin = json_string_value(json_object_get(
		json_object_get(answer->root, "headers"),
		"Access-Control-Allow-Origin"));
	if (allow_origin && strcmp(allow_origin, "*") != 0)
		assert_string_equal(allow_origin, "https://site.example");
	assert_true(json_is_false(json_object_get(answer->root,
						  "isBase64Encoded")));
	body_text = json_string_value(json_object_get(answer->root, "body"));
	assert_non_null(body_text);
	type = json_string_value(json_object_get(
		json_object_get(answer->root, "headers"), "Content-Type"));
	answer->body = NULL;
	if (type && strcmp(type, "application/json") == 0) {
		answer->body = json_loads(body_text, 0, NULL);
		if (!answer->body)
			fail_msg("body is not JSON: %s", body_text);
	}
	pg_buf_release(&out);
}

static void run(struct api *api, json_t *event, struct answer *answer)
{
	char *text = json_dumps(event, 0);

	run_text(api, text, strlen(text), answer);
	free(text);
}

static void answer_release(struct answer *answer)
{
	json_decref(answer->body);
	json_decref(answer->root);
	answer->body = NULL;
	answer->root = NULL;
}

static const char *error_of(const struct answer *answer)
{
	const char *error = json_string_value(json_object_get(answer->body,
							      "error"));

	assert_non_null(error);
	return error;
}

static const char *field_message(const struct answer *answer,
				 const char *field)
{
	return json_string_value(json_object_get(
		json_object_get(answer->body, "fields"), field));
}

static const char *header_of(const struct answer *answer, const char *name)
{
	return json_string_value(json_object_get(
		json_object_get(answer->root, "headers"), name));
}

#define assert_contains(text, part)                                    \
	do {                                                           \
		if (!strstr((text), (part)))                           \
			fail_msg("\"%s\" lacks \"%s\"", (text), (part)); \
	} while (0)

/* The message text the stand-in received. */
static char *sent_message(const struct api *api)
{
	json_t *event = json_loads(api->stand_in.last_event, 0, NULL);
	char *message;

	assert_non_null(event);
	message = pg_strdup(json_string_value(json_object_get(event,
							       "message")));
	json_decref(event);
	assert_non_null(message);
	return message;
}

#define FULL_FORM "source=site&name=Ada&email=ada%40example.com&description=Hello"

/* ---- Success and delivery failure --------------------------------- */

static void api_contact_delivered(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event("application/x-www-form-urlencoded",
				   FULL_FORM);
	struct answer answer;
	char *message;

	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	assert_string_equal(json_string_value(json_object_get(answer.body,
							      "message")),
			    "Thank you, your message has been sent.");
	assert_string_equal(header_of(&answer, "Content-Type"),
			    "application/json");
	assert_string_equal(header_of(&answer, "Access-Control-Allow-Origin"),
			    "https://site.example");
	assert_string_equal(header_of(&answer, "Vary"), "Origin");
	assert_int_equal(api->stand_in.calls, 1);
	message = sent_message(api);
	assert_string_equal(message, "Source: site\nName: Ada\n"
				     "Mail: ada@example.com\nDescription: Hello");
	assert_false(pg_err_is_set(&answer.outcome.cause));
	assert_string_equal(answer.outcome.method, "POST");
	assert_string_equal(answer.outcome.path, "/contact");
	free(message);
	answer_release(&answer);
	json_decref(event);
}

static void api_delivery_failure_is_502(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event("application/x-www-form-urlencoded",
				   FULL_FORM);
	struct answer answer;
	char *body;

	api->stand_in.fail = true;
	run(api, event, &answer);
	assert_int_equal(answer.status, 502);
	assert_string_equal(error_of(&answer), "the message could not be "
					       "delivered; please try again "
					       "later");
	/* The target's errorMessage goes to the log, not to the client. */
	body = json_dumps(answer.body, 0);
	assert_null(strstr(body, "REQ_10"));
	free(body);
	assert_contains(answer.outcome.cause.msg, "notifications");
	assert_contains(answer.outcome.cause.msg, "Runtime.ExitError");
	answer_release(&answer);

	/* The next clean call succeeds again. */
	api->stand_in.fail = false;
	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	answer_release(&answer);
	json_decref(event);
}

static void api_no_notify_step_is_502(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event("application/x-www-form-urlencoded",
				   FULL_FORM);
	struct answer answer;

	api->config.notify = NULL;
	run(api, event, &answer);
	assert_int_equal(answer.status, 502);
	assert_contains(answer.outcome.cause.msg, "no notify step");
	answer_release(&answer);
	json_decref(event);
}

/* ---- Headers in either map ------------------------------------------ */

static void api_content_type_only_in_multi_headers(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event(NULL, "name=NAME_PLACEHOLDER&email=user"
					 "%40example.invalid&message=hi");
	struct answer answer;

	json_object_set_new(event, "headers",
			    json_pack("{s:s}", "Host", "API_ID.execute-api."
						   "eu-west-1.amazonaws.com"));
	json_object_set_new(
		event, "multiValueHeaders",
		json_pack("{s:[s], s:[s], s:[s]}", "Host",
			  "API_ID.execute-api.eu-west-1.amazonaws.com",
			  "content-type", "application/x-www-form-urlencoded",
			  "X-Forwarded-For", "203.0.113.9, 198.51.100.2"));
	/* The form is read (name and email count), and only the contact
	 * fields this input lacks are reported. */
	run(api, event, &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(error_of(&answer),
			    "required fields missing: source, description");
	assert_null(field_message(&answer, "name"));
	assert_null(field_message(&answer, "email"));
	answer_release(&answer);

	json_object_set_new(event, "body", json_string(FULL_FORM));
	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	answer_release(&answer);
	json_decref(event);
}

/* ---- Base64 bodies ------------------------------------------------------ */

static void api_base64_form_body(void **state)
{
	struct api *api = *state;
	static const char form[] = "source=site&name=Jane+Doe&email=jane%40"
				   "example.invalid&description=Hello+there";
	json_t *event = load_fixture("apigw-v1-base64-form-urlencoded.json");
	struct pg_buf encoded;
	struct answer answer;
	char *message;

	pg_buf_init(&encoded, 0);
	assert_int_equal(pg_base64_encode(form, strlen(form), &encoded), 0);
	json_object_set_new(event, "path", json_string("/contact"));
	json_object_set_new(event, "body", json_string(encoded.data));
	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	message = sent_message(api);
	assert_string_equal(message, "Source: site\nName: Jane Doe\n"
				     "Mail: jane@example.invalid\n"
				     "Description: Hello there");
	free(message);
	answer_release(&answer);
	pg_buf_release(&encoded);
	json_decref(event);
}

static void api_base64_flag_plain_body_is_400(void **state)
{
	struct api *api = *state;
	json_t *event = load_fixture("apigw-v1-base64-flag-but-plain-body.json");
	struct answer answer;

	run(api, event, &answer);
	assert_int_equal(answer.status, 400);
	assert_contains(error_of(&answer), "base64");
	answer_release(&answer);

	/* Aimed at the contact route it fails the same way, unsent. */
	json_object_set_new(event, "path", json_string("/contact"));
	json_object_set_new(event, "httpMethod", json_string("POST"));
	run(api, event, &answer);
	assert_int_equal(answer.status, 400);
	assert_contains(error_of(&answer), "base64");
	assert_int_equal(api->stand_in.calls, 0);
	answer_release(&answer);
	json_decref(event);
}

/* ---- Form decoding ---------------------------------------------------- */

struct form_row {
	const char *label;
	const char *content_type;
	const char *body;
	int status;
	const char *error_part; /* NULL for 200 */
	const char *message;    /* expected notification text for 200 */
};

static const struct form_row form_rows[] = {
	{ "plus, %2B, UTF-8 and CRLF",
	  "application/x-www-form-urlencoded; charset=UTF-8",
	  "source=site&name=Ren%C3%A9e+O%27Brien&email=a%2Bb%40example.invalid"
	  "&description=2+%2B+2+%3D+4%0D%0Aok",
	  200, NULL,
	  "Source: site\nName: Ren\u00e9e O'Brien\n"
	  "Mail: a+b@example.invalid\nDescription: 2 + 2 = 4\nok" },
	{ "charset without space", "application/x-www-form-urlencoded;charset=UTF-8",
	  FULL_FORM, 200, NULL, NULL },
	{ "charset upper case", "Application/X-WWW-Form-Urlencoded; CHARSET=utf-8",
	  FULL_FORM, 200, NULL, NULL },
	{ "truncated UTF-8", "application/x-www-form-urlencoded",
	  "source=site&name=%E2%82&email=user%40example.invalid&description=x",
	  400, "name: not valid UTF-8", NULL },
	{ "bad escape", "application/x-www-form-urlencoded",
	  "source=site&name=%zz&email=user%40example.invalid&description=x",
	  400, "name: invalid percent-encoding", NULL },
	{ "truncated escape", "application/x-www-form-urlencoded",
	  "source=site&email=user%40example.invalid&description=x&name=%",
	  400, "name: invalid percent-encoding", NULL },
	{ "key without equals", "application/x-www-form-urlencoded",
	  "source=site&name&email=user%40example.invalid&description=x", 400,
	  "name: required", NULL },
	{ "repeated email", "application/x-www-form-urlencoded",
	  "source=site&name=Ada&email=a%40b.example&email=c%40d.example"
	  "&description=x",
	  400, "email: given more than once", NULL },
	{ "no content type, form", NULL, FULL_FORM, 200, NULL, NULL },
	{ "multipart", "multipart/form-data; boundary=XyZ",
	  "--XyZ\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\n"
	  "site\r\n--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n"
	  "\r\nRen\u00e9e\r\n--XyZ\r\nContent-Disposition: form-data; "
	  "name=\"email\"\r\n\r\nada@example.com\r\n--XyZ\r\n"
	  "Content-Disposition: form-data; name=\"description\"\r\n\r\n"
	  "Line 1\r\nLine 2\r\n--XyZ--\r\n",
	  200, NULL,
	  "Source: site\nName: Ren\u00e9e\nMail: ada@example.com\n"
	  "Description: Line 1\nLine 2" },
	{ "multipart file part", "multipart/form-data; boundary=XyZ",
	  "--XyZ\r\nContent-Disposition: form-data; name=\"cv\"; "
	  "filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
	  "%PDF-1.4\r\n--XyZ--\r\n",
	  400, "cv: file uploads are not accepted", NULL },
	{ "multipart without closing delimiter",
	  "multipart/form-data; boundary=XyZ",
	  "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
	  "Ada\r\n",
	  400, "the closing delimiter \"--XyZ--\" is missing", NULL },
	{ "plain text", "text/plain", FULL_FORM, 415,
	  "send application/json, application/x-www-form-urlencoded or "
	  "multipart/form-data", NULL },
};

static void api_form_rows(void **state)
{
	struct api *api = *state;

	for (size_t i = 0; i < sizeof(form_rows) / sizeof(form_rows[0]); i++) {
		const struct form_row *row = &form_rows[i];
		json_t *event = rest_event(row->content_type, row->body);
		int calls = api->stand_in.calls;
		struct answer answer;

		run(api, event, &answer);
		if (answer.status != row->status)
			fail_msg("%s: status %d, body %s", row->label,
				 answer.status,
				 json_dumps(answer.body, 0) ?: "");
		if (row->error_part) {
			assert_contains(error_of(&answer), row->error_part);
			assert_int_equal(api->stand_in.calls, calls);
		} else {
			assert_int_equal(api->stand_in.calls, calls + 1);
		}
		if (row->message) {
			char *message = sent_message(api);

			assert_string_equal(message, row->message);
			free(message);
		}
		answer_release(&answer);
		json_decref(event);
	}
}

static void api_charset_fixture_form(void **state)
{
	struct api *api = *state;
	json_t *event = load_fixture("apigw-v1-form-urlencoded-charset.json");
	struct answer answer;

	/* The fixture's own body is read as a form: none of its fields is a
	 * contact field. */
	json_object_set_new(event, "path", json_string("/contact"));
	run(api, event, &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(error_of(&answer), "required fields missing: "
					       "source, name, email, "
					       "description");
	answer_release(&answer);

	json_object_set_new(event, "body", json_string(FULL_FORM));
	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	answer_release(&answer);
	json_decref(event);
}

/* ---- Null and absent maps and bodies ------------------------------- */

static void api_null_maps_name_missing_fields(void **state)
{
	struct api *api = *state;
	static const char *const fixtures[] = {
		"apigw-v1-console-test-null-headers.json",
		"apigw-v1-null-body-sam-local.json",
		"apigw-v1-no-body-key-no-host.json",
		"apigw-v1-path-params-null-body.json",
	};
	json_t *console = rest_event(NULL, "");
	struct answer answer;

	/* The console's test event: every map null, body null or empty. */
	json_object_set_new(console, "headers", json_null());
	json_object_set_new(console, "multiValueHeaders", json_null());
	json_object_set_new(console, "body", json_null());
	json_object_set_new(json_object_get(json_object_get(console,
							    "requestContext"),
					    "identity"),
			    "sourceIp", json_string("test-invoke-source-ip"));
	run(api, console, &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(error_of(&answer), "required fields missing: "
					       "source, name, email, "
					       "description");
	assert_string_equal(field_message(&answer, "email"), "required");
	answer_release(&answer);
	json_object_set_new(console, "body", json_string(""));
	run(api, console, &answer);
	assert_int_equal(answer.status, 400);
	answer_release(&answer);
	json_object_del(console, "body");
	run(api, console, &answer);
	assert_int_equal(answer.status, 400);
	answer_release(&answer);
	json_decref(console);

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		json_t *event = load_fixture(fixtures[i]);

		json_object_set_new(event, "path", json_string("/contact"));
		json_object_set_new(event, "httpMethod", json_string("POST"));
		run(api, event, &answer);
		if (answer.status != 400)
			fail_msg("%s: POST status %d", fixtures[i],
				 answer.status);
		/* Fixtures captured from a browser accept text/html, and a
		 * body without Content-Type is read as a form, so they get
		 * the HTML error page. */
		if (answer.body)
			assert_contains(error_of(&answer),
					"required fields missing");
		else
			assert_contains(json_string_value(json_object_get(
						answer.root, "body")),
					"<strong>email</strong>: required");
		answer_release(&answer);

		json_object_set_new(event, "httpMethod", json_string("GET"));
		run(api, event, &answer);
		if (answer.status != 405)
			fail_msg("%s: GET status %d", fixtures[i],
				 answer.status);
		assert_string_equal(header_of(&answer, "Allow"),
				    "POST, OPTIONS");
		answer_release(&answer);
		json_decref(event);
	}
	assert_int_equal(api->stand_in.calls, 0);
}

static void api_console_source_ip_accepted(void **state)
{
	struct api *api = *state;
	json_t *event = load_fixture("apigw-v1-console-test-null-headers.json");
	struct answer answer;

	json_object_set_new(event, "path", json_string("/contact"));
	json_object_set_new(event, "body",
			    json_string("{\"source\":\"console\",\"name\":\"Ada\","
					"\"email\":\"ada@example.com\","
					"\"description\":\"test\"}"));
	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	assert_int_equal(api->stand_in.calls, 1);
	answer_release(&answer);
	json_decref(event);
}

/* ---- Every REST fixture as it is --------------------------------------- */

static void api_fixtures_unchanged(void **state)
{
	struct api *api = *state;
	char path[PATH_MAX];
	struct dirent *entry;
	size_t count = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/events", cases_dir());
	dir = opendir(path);
	if (!dir)
		fail_msg("cannot open %s (set PIGEON_CASES_DIR)", path);
	while ((entry = readdir(dir))) {
		const char *name = entry->d_name;
		struct answer answer;
		json_t *event;
		int expected;

		if (!strstr(name, ".json"))
			continue;
		event = load_fixture(name);
		/* None of them posts to /contact: the API Gateway ones get
		 * 404, the invalid base64 one 400, and the others are not
		 * HTTP events and get 400 too. */
		expected = strncmp(name, "apigw-", 6) == 0 &&
					   !strstr(name, "base64-flag") ?
				   404 :
				   400;
		run(api, event, &answer);
		if (answer.status != expected)
			fail_msg("%s: status %d, expected %d", name,
				 answer.status, expected);
		answer_release(&answer);
		json_decref(event);
		count++;
	}
	closedir(dir);
	assert_true(count >= 12);
	assert_int_equal(api->stand_in.calls, 0);
}

/* ---- Validation through the whole path ------------------------------ */

struct validation_row {
	const char *label;
	const char *method;
	const char *path;
	const char *content_type;
	const char *body;
	int status;
	const char *error_part;
	const char *field; /* expected in "fields", or NULL */
};

static const struct validation_row validation_rows[] = {
	{ "missing field", "POST", "/contact", "application/json",
	  "{\"source\":\"site\",\"name\":\"Ada\",\"description\":\"Hi\"}", 400,
	  "email: required", "email" },
	{ "bad email", "POST", "/contact", "application/json",
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"ada@@example\","
	  "\"description\":\"Hi\"}",
	  400, "email: not a valid address", "email" },
	{ "CR/LF in name", "POST", "/contact", "application/json",
	  "{\"source\":\"site\",\"name\":\"Ada\\r\\nBcc: x@example.com\","
	  "\"email\":\"ada@example.com\",\"description\":\"Hi\"}",
	  400, "name: must be a single line", "name" },
	{ "invalid UTF-8", "POST", "/contact", "application/x-www-form-urlencoded",
	  "source=site&name=%FF&email=ada%40example.com&description=x", 400,
	  "name: not valid UTF-8", "name" },
	{ "duplicate field", "POST", "/contact", "application/json",
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"ada@example.com\","
	  "\"description\":\"Hi\",\"name\":\"x\"}",
	  400, "name: given more than once", "name" },
	{ "non-string field", "POST", "/contact", "application/json",
	  "{\"source\":\"site\",\"name\":[\"Ada\"],\"email\":\"ada@example.com\","
	  "\"description\":\"Hi\"}",
	  400, "name: must be a string", "name" },
	{ "malformed JSON", "POST", "/contact", "application/json",
	  "{\"source\": \"site\", \"name\": ", 400,
	  "request body: invalid JSON", NULL },
	{ "unsupported type", "POST", "/contact", "text/plain", "hi", 415,
	  "application/x-www-form-urlencoded or multipart/form-data", NULL },
	{ "unknown route", "GET", "/nowhere", NULL, "", 404,
	  "no route for GET /nowhere", NULL },
	{ "wrong method", "GET", "/contact", NULL, "", 405,
	  "method GET is not allowed on /contact", NULL },
	{ "health", "GET", "/health", NULL, "", 200, NULL, NULL },
};

static void api_validation_rows(void **state)
{
	struct api *api = *state;

	for (size_t i = 0;
	     i < sizeof(validation_rows) / sizeof(validation_rows[0]); i++) {
		const struct validation_row *row = &validation_rows[i];
		json_t *event = rest_event(row->content_type, row->body);
		struct answer answer;

		json_object_set_new(event, "httpMethod",
				    json_string(row->method));
		json_object_set_new(event, "path", json_string(row->path));
		run(api, event, &answer);
		if (answer.status != row->status)
			fail_msg("%s: status %d, expected %d", row->label,
				 answer.status, row->status);
		if (row->error_part)
			assert_contains(error_of(&answer), row->error_part);
		if (row->field && !field_message(&answer, row->field))
			fail_msg("%s: no \"%s\" in fields", row->label,
				 row->field);
		answer_release(&answer);
		json_decref(event);
	}
	assert_int_equal(api->stand_in.calls, 0);
}

static void api_oversize_description(void **state)
{
	struct api *api = *state;
	char *text = pg_malloc(PG_CONTACT_DESCRIPTION_MAX_CHARS + 2);
	json_t *body;
	char *body_text;
	json_t *event;
	struct answer answer;

	assert_int_equal(PG_CONTACT_DESCRIPTION_MAX_CHARS, 1000);
	memset(text, 'x', 1001);
	text[1001] = '\0';
	body = json_pack("{s:s, s:s, s:s, s:s}", "source", "site", "name",
			 "Ada", "email", "ada@example.com", "description",
			 text);
	body_text = json_dumps(body, 0);
	event = rest_event("application/json", body_text);
	run(api, event, &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(error_of(&answer),
			    "description: longer than 1000 characters");
	assert_string_equal(field_message(&answer, "description"),
			    "longer than 1000 characters");
	answer_release(&answer);
	json_decref(event);
	free(body_text);
	json_decref(body);
	free(text);
}

/* Returns n letters x (n < sizeof(x_text)); valid until the next call. */
static const char *repeat_x(size_t n)
{
	static char x_text[2048];

	memset(x_text, 'x', n);
	x_text[n] = '\0';
	return x_text;
}

/* Returns chars copies of "é" (two bytes each); the caller frees it. */
static char *accented_text(size_t chars)
{
	char *text = pg_malloc(chars * 2 + 1);

	for (size_t i = 0; i < chars; i++)
		memcpy(text + i * 2, "\xc3\xa9", 2);
	text[chars * 2] = '\0';
	return text;
}

/* Posts the contact fields as JSON with description. */
static void post_json_description(struct api *api, const char *name,
				  const char *description,
				  struct answer *answer)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "source", "site",
				 "name", name, "email", "ada@example.com",
				 "description", description);
	char *body_text = json_dumps(body, 0);
	json_t *event = rest_event("application/json", body_text);

	run(api, event, answer);
	json_decref(event);
	free(body_text);
	json_decref(body);
}

/* "Source: site\nName: Ada\nMail: ada@example.com\nDescription: " takes 58
 * characters, which leaves 966 of the default 1024 for the description. */
static void api_notification_limit_json(void **state)
{
	struct api *api = *state;
	char *fits = accented_text(966);
	char *too_long = accented_text(967);
	char *message;
	struct answer answer;

	assert_int_equal(api->config.limits.notification_max_chars, 1024);
	post_json_description(api, "Ada", too_long, &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(error_of(&answer),
			    "description: longer than 966 characters (the "
			    "notification holds at most 1024)");
	assert_string_equal(field_message(&answer, "description"),
			    "longer than 966 characters (the notification "
			    "holds at most 1024)");
	assert_int_equal(api->stand_in.calls, 0);
	answer_release(&answer);

	/* At the limit the message is sent whole: nothing is left to cut. */
	post_json_description(api, "Ada", fits, &answer);
	assert_int_equal(answer.status, 200);
	assert_int_equal(api->stand_in.calls, 1);
	message = sent_message(api);
	assert_int_equal(pg_utf8_count(message, strlen(message)), 1024);
	assert_string_equal(message + strlen(message) - strlen(fits), fits);
	free(message);
	answer_release(&answer);

	free(too_long);
	free(fits);
}

static void api_notification_limit_setting(void **state)
{
	struct api *api = *state;
	struct answer answer;

	/* A longer name leaves less room: 58 + 5 characters are taken. */
	api->config.limits.notification_max_chars = 200;
	post_json_description(api, "Ada King", repeat_x(138), &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(error_of(&answer),
			    "description: longer than 137 characters (the "
			    "notification holds at most 200)");
	answer_release(&answer);
	post_json_description(api, "Ada King", repeat_x(137), &answer);
	assert_int_equal(answer.status, 200);
	answer_release(&answer);

	/* The other fields alone fill the notification. */
	api->config.limits.notification_max_chars = 60;
	post_json_description(api, "Ada King", "Hello", &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(field_message(&answer, "description"),
			    "no room left: the other fields take 63 of the 60 "
			    "characters the notification holds");
	answer_release(&answer);
	/* 58 taken leave room for 2. */
	post_json_description(api, "Ada", "Hello", &answer);
	assert_int_equal(answer.status, 400);
	assert_string_equal(field_message(&answer, "description"),
			    "longer than 2 characters (the notification holds "
			    "at most 60)");
	answer_release(&answer);
	assert_int_equal(api->stand_in.calls, 1);
}

static void api_oversize_body_is_413(void **state)
{
	struct api *api = *state;
	size_t len = strlen(FULL_FORM) + 20000;
	char *body = pg_malloc(len + 1);
	json_t *event;
	struct answer answer;

	snprintf(body, len + 1, "%s", FULL_FORM);
	memset(body + strlen(FULL_FORM), 'x', 20000);
	body[len] = '\0';
	event = rest_event("application/x-www-form-urlencoded", body);
	run(api, event, &answer);
	assert_int_equal(answer.status, 413);
	assert_string_equal(error_of(&answer),
			    "request: the event is more than the 10240 bytes "
			    "allowed (API_MAX_EVENT_BYTES)");
	answer_release(&answer);

	/* A smaller limit from the settings applies the same way. */
	api->config.max_event_bytes = 32;
	json_object_set_new(event, "body", json_string(FULL_FORM));
	run(api, event, &answer);
	assert_int_equal(answer.status, 413);
	assert_contains(error_of(&answer), "32 bytes");
	answer_release(&answer);
	assert_int_equal(api->stand_in.calls, 0);
	json_decref(event);
	free(body);
}

static void api_preflight(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event(NULL, "");
	struct answer answer;

	json_object_set_new(event, "httpMethod", json_string("OPTIONS"));
	json_object_set_new(event, "headers",
			    json_pack("{s:s, s:s}", "Origin",
				      "https://site.example",
				      "Access-Control-Request-Method", "POST"));
	run(api, event, &answer);
	assert_int_equal(answer.status, 204);
	assert_string_equal(header_of(&answer, "Access-Control-Allow-Methods"),
			    "POST, OPTIONS");
	assert_string_equal(header_of(&answer, "Access-Control-Allow-Headers"),
			    "Content-Type");
	assert_non_null(header_of(&answer, "Access-Control-Max-Age"));
	answer_release(&answer);
	json_decref(event);
}

static void api_invalid_events_answered(void **state)
{
	struct api *api = *state;
	static const char *const events[] = {
		"", "not json", "[]", "{}", "{\"httpMethod\":7}",
		"{\"version\":\"2.0\",\"routeKey\":\"POST /contact\"}",
	};
	struct answer answer;

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		run_text(api, events[i], strlen(events[i]), &answer);
		assert_int_equal(answer.status, 400);
		assert_true(pg_err_is_set(&answer.outcome.cause));
		answer_release(&answer);
	}
}

static void api_outcome_strings_printable(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event(NULL, "");
	struct answer answer;

	json_object_set_new(event, "path", json_string("/a\nb\x1b"));
	run(api, event, &answer);
	assert_int_equal(answer.status, 404);
	assert_string_equal(answer.outcome.path, "/a b ");
	assert_null(strchr(answer.outcome.cause.msg, '\n'));
	answer_release(&answer);
	json_decref(event);
}

/* ---- Browser form posts ------------------------------------------------ */

#define BROWSER_ACCEPT \
	"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif," \
	"image/webp,image/apng,*/*;q=0.8"
#define FORM_TYPE "application/x-www-form-urlencoded"
#define MP_TYPE "multipart/form-data; boundary=----WebKitFormBoundaryAbc"
#define MP_PART(name, value) \
	"------WebKitFormBoundaryAbc\r\nContent-Disposition: form-data; " \
	"name=\"" name "\"\r\n\r\n" value "\r\n"
#define MP_CLOSE "------WebKitFormBoundaryAbc--\r\n"
#define BAD_EMAIL_FORM \
	"source=site&name=Ada&email=ada%40localhost&description=Hello"
#define SUCCESS_URL "https://site.example/thanks.html"

struct browser_row {
	const char *label;
	const char *success_url; /* CONTACT_SUCCESS_URL, or NULL */
	const char *error_url;   /* CONTACT_ERROR_URL, or NULL */
	const char *accept;      /* Accept header, or NULL */
	const char *referer;     /* Referer header, or NULL */
	const char *content_type;
	const char *body;
	bool delivery_fails;
	int status;
	const char *location;   /* expected Location, or NULL for none */
	const char *html_part;  /* in an HTML body, or NULL: no HTML body */
	const char *json_part;  /* in a JSON body, or NULL: no JSON body */
	int calls;              /* notify calls */
};

static const struct browser_row browser_rows[] = {
	/* Scripts and fetch keep JSON. */
	{ "no Accept", NULL, NULL, NULL, NULL, FORM_TYPE, FULL_FORM, false, 200,
	  NULL, NULL, "Thank you", 1 },
	{ "fetch default", SUCCESS_URL, NULL, "*/*", NULL, FORM_TYPE,
	  FULL_FORM, false, 200, NULL, NULL, "Thank you", 1 },
	{ "JSON client", SUCCESS_URL, NULL, "application/json", NULL,
	  FORM_TYPE, FULL_FORM, false, 200, NULL, NULL, "Thank you", 1 },
	{ "JSON body from a browser", SUCCESS_URL, NULL, BROWSER_ACCEPT, NULL,
	  "application/json",
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"ada@example.com\","
	  "\"description\":\"Hello\"}",
	  false, 200, NULL, NULL, "Thank you", 1 },
	{ "unsupported type from a browser", NULL, NULL, BROWSER_ACCEPT, NULL,
	  "text/plain", "hello", false, 415, NULL, NULL, "not supported", 0 },

	/* Success: the thank-you URL, else a page. */
	{ "urlencoded to thank-you URL", SUCCESS_URL, NULL, BROWSER_ACCEPT,
	  NULL, FORM_TYPE, FULL_FORM, false, 303, SUCCESS_URL, NULL, NULL, 1 },
	{ "multipart to thank-you URL", SUCCESS_URL, NULL, BROWSER_ACCEPT, NULL,
	  MP_TYPE,
	  MP_PART("source", "site") MP_PART("name", "Ada")
	  MP_PART("email", "ada@example.com") MP_PART("description", "Hi")
	  MP_CLOSE,
	  false, 303, SUCCESS_URL, NULL, NULL, 1 },
	{ "thank-you page", NULL, NULL, BROWSER_ACCEPT, NULL, FORM_TYPE,
	  FULL_FORM, false, 200, NULL, "<h1>Thank you</h1>", NULL, 1 },

	/* Failure: the error URL with the field names, else a page. */
	{ "bad email to error URL", SUCCESS_URL, "https://site.example/oops",
	  BROWSER_ACCEPT, NULL, FORM_TYPE, BAD_EMAIL_FORM, false, 303,
	  "https://site.example/oops?error=email", NULL, NULL, 0 },
	{ "error URL with query and fragment", NULL,
	  "https://site.example/contact?lang=en#form", BROWSER_ACCEPT, NULL,
	  FORM_TYPE, BAD_EMAIL_FORM, false, 303,
	  "https://site.example/contact?lang=en&error=email#form", NULL, NULL,
	  0 },
	{ "every field missing", NULL, "https://site.example/oops",
	  BROWSER_ACCEPT, NULL, FORM_TYPE, "x=1", false, 303,
	  "https://site.example/oops?error=source,name,email,description", NULL,
	  NULL, 0 },
	{ "malformed multipart", NULL, "https://site.example/oops",
	  BROWSER_ACCEPT, NULL, MP_TYPE, MP_PART("name", "Ada"), false, 303,
	  "https://site.example/oops?error=request", NULL, NULL, 0 },
	{ "odd field name escaped", NULL, "https://site.example/oops",
	  BROWSER_ACCEPT, NULL, FORM_TYPE, "a%26b%3Dc=%zz", false, 303,
	  "https://site.example/oops?error=a%26b%3Dc", NULL, NULL, 0 },
	{ "delivery failure to error URL", NULL, "https://site.example/oops",
	  BROWSER_ACCEPT, NULL, FORM_TYPE, FULL_FORM, true, 303,
	  "https://site.example/oops?error=delivery", NULL, NULL, 1 },
	{ "bad email page", NULL, NULL, BROWSER_ACCEPT, NULL, FORM_TYPE,
	  BAD_EMAIL_FORM, false, 400, NULL,
	  "<li><strong>email</strong>: not a valid address: the domain must "
	  "contain a dot</li>", NULL, 0 },
	{ "bad email page links back", NULL, NULL, BROWSER_ACCEPT,
	  "https://site.example/contact.html?a=1&b=2", FORM_TYPE,
	  BAD_EMAIL_FORM, false, 400, NULL,
	  "<a href=\"https://site.example/contact.html?a=1&amp;b=2\">Back to "
	  "the form</a>", NULL, 0 },
	{ "script Referer not linked", NULL, NULL, BROWSER_ACCEPT,
	  "javascript:alert(1)", FORM_TYPE, BAD_EMAIL_FORM, false, 400, NULL,
	  "browser's Back button", NULL, 0 },
	{ "markup in a message is escaped", NULL, NULL, BROWSER_ACCEPT, NULL,
	  FORM_TYPE, "%3Cb%3E=%zz", false, 400, NULL,
	  "<strong>&lt;b&gt;</strong>: invalid percent-encoding", NULL, 0 },
	{ "delivery failure page", NULL, NULL, BROWSER_ACCEPT, NULL, FORM_TYPE,
	  FULL_FORM, true, 502, NULL, "could not be delivered", NULL, 1 },
};

static void api_browser_post_table(void **state)
{
	struct api *api = *state;

	for (size_t i = 0; i < sizeof(browser_rows) / sizeof(browser_rows[0]);
	     i++) {
		const struct browser_row *row = &browser_rows[i];
		json_t *event = rest_event(row->content_type, row->body);
		struct answer answer;
		const char *location;
		const char *type;
		const char *body;

		free(api->config.success_url);
		api->config.success_url = row->success_url ?
			pg_strdup(row->success_url) : NULL;
		free(api->config.error_url);
		api->config.error_url = row->error_url ?
			pg_strdup(row->error_url) : NULL;
		api->stand_in.calls = 0;
		api->stand_in.fail = row->delivery_fails;
		if (row->accept)
			set_header(event, "Accept", row->accept);
		if (row->referer)
			set_header(event, "Referer", row->referer);

		run(api, event, &answer);
		if (answer.status != row->status)
			fail_msg("%s: status %d", row->label, answer.status);
		location = header_of(&answer, "Location");
		if (row->location) {
			if (!location || strcmp(location, row->location) != 0)
				fail_msg("%s: Location %s", row->label,
					 location ? location : "(none)");
		} else if (location) {
			fail_msg("%s: unexpected Location %s", row->label,
				 location);
		}
		type = header_of(&answer, "Content-Type");
		body = json_string_value(json_object_get(answer.root, "body"));
		if (row->html_part) {
			assert_string_equal(type, "text/html; charset=utf-8");
			assert_contains(body, "<html lang=\"en\">");
			assert_contains(body, row->html_part);
		}
		if (row->json_part) {
			assert_non_null(answer.body);
			assert_contains(body, row->json_part);
		}
		if (row->status == 303)
			assert_string_equal(body, "");
		if (api->stand_in.calls != row->calls)
			fail_msg("%s: %d notify calls", row->label,
				 api->stand_in.calls);
		answer_release(&answer);
		json_decref(event);
	}
}

static void api_notification_limit_browser(void **state)
{
	struct api *api = *state;
	struct pg_buf form;
	json_t *event;
	struct answer answer;
	const char *body;

	pg_buf_init(&form, 0);
	assert_int_equal(pg_buf_append_str(&form, "source=site&name=Ada&email="
						  "ada%40example.com&"
						  "description="),
			 0);
	for (size_t i = 0; i < 967; i++)
		assert_int_equal(pg_buf_append_str(&form, "%C3%A9"), 0);

	/* Without CONTACT_ERROR_URL: the HTML page names the limit. */
	event = rest_event(FORM_TYPE, form.data);
	set_header(event, "Accept", BROWSER_ACCEPT);
	run(api, event, &answer);
	assert_int_equal(answer.status, 400);
	body = json_string_value(json_object_get(answer.root, "body"));
	assert_contains(body, "<strong>description</strong>: longer than 966 "
			      "characters (the notification holds at most "
			      "1024)");
	answer_release(&answer);

	/* With it: the redirect names the field. */
	api->config.error_url = pg_strdup("https://site.example/oops");
	run(api, event, &answer);
	assert_int_equal(answer.status, 303);
	assert_string_equal(header_of(&answer, "Location"),
			    "https://site.example/oops?error=description");
	answer_release(&answer);
	assert_int_equal(api->stand_in.calls, 0);

	json_decref(event);
	pg_buf_release(&form);
}

static void api_oversize_browser_post(void **state)
{
	struct api *api = *state;
	json_t *event;
	struct answer answer;
	const char *body;

	api->config.max_event_bytes = 64;
	event = rest_event(FORM_TYPE, FULL_FORM);
	set_header(event, "Accept", BROWSER_ACCEPT);

	/* Without CONTACT_ERROR_URL: an HTML page with the 413. */
	run(api, event, &answer);
	assert_int_equal(answer.status, 413);
	assert_string_equal(header_of(&answer, "Content-Type"),
			    "text/html; charset=utf-8");
	body = json_string_value(json_object_get(answer.root, "body"));
	assert_contains(body, "API_MAX_EVENT_BYTES");
	answer_release(&answer);

	/* With it: the redirect names the request as a whole. */
	api->config.error_url = pg_strdup("https://site.example/oops");
	run(api, event, &answer);
	assert_int_equal(answer.status, 303);
	assert_string_equal(header_of(&answer, "Location"),
			    "https://site.example/oops?error=request");
	answer_release(&answer);
	assert_int_equal(api->stand_in.calls, 0);
	json_decref(event);
}

struct next_row {
	const char *allow_list;
	const char *next;       /* urlencoded value of _next */
	const char *location;   /* expected Location */
	const char *note_part;  /* in the outcome's cause, or NULL: none */
};

#define NEXT_LIST "https://site.example, https://shop.example:8443"

static const struct next_row next_rows[] = {
	{ NEXT_LIST, "https%3A%2F%2Fsite.example%2Fmerci.html",
	  "https://site.example/merci.html", NULL },
	{ NEXT_LIST, "https://shop.example:8443/?sent=1#top",
	  "https://shop.example:8443/?sent=1#top", NULL },
	{ NEXT_LIST, "HTTPS://SITE.EXAMPLE/x", "HTTPS://SITE.EXAMPLE/x", NULL },
	{ NEXT_LIST, "https://site.example", "https://site.example", NULL },
	{ NEXT_LIST, "https://evil.example/", SUCCESS_URL,
	  "_next \"https://evil.example/\" ignored: its origin is not listed" },
	{ NEXT_LIST, "https://site.example.evil.example/", SUCCESS_URL,
	  "not listed in CORS_ALLOW_ORIGIN" },
	{ NEXT_LIST, "https://shop.example/", SUCCESS_URL, "not listed" },
	{ NEXT_LIST, "http://site.example/", SUCCESS_URL, "not listed" },
	{ NEXT_LIST, "%2F%2Fsite.example%2F", SUCCESS_URL,
	  "not an absolute http or https URL" },
	{ NEXT_LIST, "%2Fthanks", SUCCESS_URL, "not an absolute" },
	{ NEXT_LIST, "javascript%3Aalert(1)", SUCCESS_URL, "not an absolute" },
	{ NEXT_LIST, "https://site.example@evil.example/", SUCCESS_URL,
	  "not an absolute" },
	{ NEXT_LIST, "https://site.example%5C@evil.example/", SUCCESS_URL,
	  "not an absolute" },
	{ NEXT_LIST, "+https://site.example/", SUCCESS_URL, "not an absolute" },
	{ NEXT_LIST, "https://site.example/%0D%0ASet-Cookie:x", SUCCESS_URL,
	  "not an absolute" },
	{ NEXT_LIST, "", SUCCESS_URL, NULL },
	/* "*" names no origin, so it allows no redirect target. */
	{ "*", "https://site.example/", SUCCESS_URL, "not listed" },
};

static void api_next_field_table(void **state)
{
	struct api *api = *state;

	for (size_t i = 0; i < sizeof(next_rows) / sizeof(next_rows[0]); i++) {
		const struct next_row *row = &next_rows[i];
		struct pg_router router;
		struct pg_err err = { 0 };
		char body[512];
		json_t *event;
		struct answer answer;

		free(api->config.cors_allow_origin);
		api->config.cors_allow_origin = pg_strdup(row->allow_list);
		free(api->config.success_url);
		api->config.success_url = pg_strdup(SUCCESS_URL);
		pg_router_init(&router, api->config.cors_allow_origin);
		assert_int_equal(pg_api_add_routes(&router, &api->config,
						   &err),
				 0);
		api->router = router;
		snprintf(body, sizeof(body), "%s&_next=%s", FULL_FORM, row->next);
		event = rest_event(FORM_TYPE, body);
		set_header(event, "Accept", BROWSER_ACCEPT);
		/* The page's origin: the site, allowed in every row. */
		set_header(event, "Origin", "https://site.example");

		run(api, event, &answer);
		assert_int_equal(answer.status, 303);
		if (strcmp(header_of(&answer, "Location"), row->location) != 0)
			fail_msg("_next %s: Location %s", row->next,
				 header_of(&answer, "Location"));
		if (row->note_part)
			assert_contains(answer.outcome.cause.msg,
					row->note_part);
		else if (pg_err_is_set(&answer.outcome.cause))
			fail_msg("_next %s: note %s", row->next,
				 answer.outcome.cause.msg);
		answer_release(&answer);
		json_decref(event);
	}
}

/* A JSON client is never redirected, _next or not. */
static void api_next_ignored_for_json(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event("application/json",
				   "{\"source\":\"site\",\"name\":\"Ada\","
				   "\"email\":\"ada@example.com\","
				   "\"description\":\"Hello\","
				   "\"_next\":\"https://site.example/t\"}");
	struct answer answer;

	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	assert_null(header_of(&answer, "Location"));
	assert_false(pg_err_is_set(&answer.outcome.cause));
	answer_release(&answer);
	json_decref(event);
}

/* ---- The honeypot ------------------------------------------------------- */

/* Runs body as a real submission and with the honeypot filled, and checks
 * that both answers are the same while only the real one notifies. */
static void check_honeypot(struct api *api, const char *content_type,
			   const char *real_body, const char *bot_body,
			   const char *accept)
{
	json_t *real_event = rest_event(content_type, real_body);
	json_t *bot_event = rest_event(content_type, bot_body);
	struct answer real;
	struct answer bot;

	if (accept) {
		set_header(real_event, "Accept", accept);
		set_header(bot_event, "Accept", accept);
	}
	api->stand_in.calls = 0;
	run(api, real_event, &real);
	assert_int_equal(api->stand_in.calls, 1);
	run(api, bot_event, &bot);
	assert_int_equal(api->stand_in.calls, 1);
	if (!json_equal(real.root, bot.root))
		fail_msg("the bot's answer differs: %s",
			 json_string_value(json_object_get(bot.root, "body")));
	assert_false(pg_err_is_set(&real.outcome.cause));
	assert_contains(bot.outcome.cause.msg, "honeypot field");
	assert_contains(bot.outcome.cause.msg, "no notification was sent");
	answer_release(&real);
	answer_release(&bot);
	json_decref(real_event);
	json_decref(bot_event);
}

static void api_honeypot_looks_like_success(void **state)
{
	struct api *api = *state;

	check_honeypot(api, FORM_TYPE, FULL_FORM,
		       FULL_FORM "&_gotcha=http%3A%2F%2Fspam.example", NULL);
	check_honeypot(api, "application/json",
		       "{\"source\":\"site\",\"name\":\"Ada\",\"email\":"
		       "\"ada@example.com\",\"description\":\"Hello\"}",
		       "{\"source\":\"site\",\"name\":\"Ada\",\"email\":"
		       "\"ada@example.com\",\"description\":\"Hello\","
		       "\"_gotcha\":\"x\"}",
		       NULL);
	/* A bot's invalid fields still get the success answer. */
	check_honeypot(api, FORM_TYPE, FULL_FORM,
		       "email=nonsense&_gotcha=1", NULL);

	/* Browser answers: the thank-you page, then the redirect. */
	check_honeypot(api, MP_TYPE,
		       MP_PART("source", "site") MP_PART("name", "Ada")
		       MP_PART("email", "ada@example.com")
		       MP_PART("description", "Hi") MP_CLOSE,
		       MP_PART("source", "site") MP_PART("_gotcha", "x")
		       MP_CLOSE,
		       BROWSER_ACCEPT);
	api->config.success_url = pg_strdup(SUCCESS_URL);
	check_honeypot(api, FORM_TYPE, FULL_FORM, FULL_FORM "&_gotcha=x",
		       BROWSER_ACCEPT);

	/* Another name: "_gotcha" is then an ordinary unknown field. */
	free(api->config.honeypot_field);
	api->config.honeypot_field = pg_strdup("website");
	check_honeypot(api, FORM_TYPE, FULL_FORM "&_gotcha=x",
		       FULL_FORM "&website=x", NULL);
}

/* ---- Other routes -------------------------------------------------------- */

static json_t *get_event(const char *path)
{
	json_t *event = rest_event(NULL, "");

	json_object_set_new(event, "httpMethod", json_string("GET"));
	json_object_set_new(event, "path", json_string(path));
	json_object_set_new(event, "resource", json_string(path));
	return event;
}

static void api_robots_txt(void **state)
{
	struct api *api = *state;
	json_t *event = get_event("/robots.txt");
	struct answer answer;

	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	assert_string_equal(header_of(&answer, "Content-Type"),
			    "text/plain; charset=utf-8");
	assert_string_equal(json_string_value(json_object_get(answer.root,
							      "body")),
			    "User-agent: *\nDisallow: /\n");
	answer_release(&answer);
	json_decref(event);
}

static void api_health_with_version(void **state)
{
	struct api *api = *state;
	json_t *event = get_event("/health");
	struct answer answer;

	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	assert_string_equal(json_string_value(json_object_get(answer.body,
							      "status")),
			    "ok");
	assert_null(json_object_get(answer.body, "version"));
	assert_int_equal(json_object_size(answer.body), 1);
	answer_release(&answer);

	api->config.version = pg_strdup("1.4.0-3-gabc1234");
	run(api, event, &answer);
	assert_int_equal(answer.status, 200);
	assert_string_equal(json_string_value(json_object_get(answer.body,
							      "status")),
			    "ok");
	assert_string_equal(json_string_value(json_object_get(answer.body,
							      "version")),
			    "1.4.0-3-gabc1234");
	answer_release(&answer);
	json_decref(event);
}

/* A POST from a page whose origin is not allowed is rejected before it is
 * read, and carries no CORS header. */
static void api_disallowed_origin_is_403(void **state)
{
	struct api *api = *state;
	json_t *event = rest_event(FORM_TYPE, FULL_FORM);
	struct answer answer;

	set_header(event, "Origin", "https://evil.example");
	run(api, event, &answer);
	assert_int_equal(answer.status, 403);
	assert_null(header_of(&answer, "Access-Control-Allow-Origin"));
	assert_string_equal(header_of(&answer, "Vary"), "Origin");
	assert_contains(error_of(&answer), "https://evil.example");
	assert_int_equal(api->stand_in.calls, 0);
	answer_release(&answer);
	json_decref(event);
}

/* ---- Settings ---------------------------------------------------------- */

struct env_row {
	const char *label;
	const char *function;    /* LAMBDA_NOTIFICATIONS, NULL: unset */
	const char *type;        /* NOTIFICATIONS_INVOCATION_TYPE */
	const char *max_bytes;   /* API_MAX_EVENT_BYTES */
	const char *origin;      /* CORS_ALLOW_ORIGIN */
	const char *error_part;  /* NULL: accepted */
	enum pg_invocation_type want_type;
	size_t want_max_bytes;
	const char *want_origin;
};

static const struct env_row env_rows[] = {
	{ "defaults", "notifications", NULL, NULL, NULL, NULL, PG_INVOKE_EVENT,
	  10240, "*" },
	{ "empty means default", "notifications", "", "", "", NULL,
	  PG_INVOKE_EVENT, 10240, "*" },
	{ "request response", "arn:aws:lambda:eu-west-1:123456789012:function:n",
	  "RequestResponse", "2048", "https://site.example", NULL,
	  PG_INVOKE_REQUEST_RESPONSE, 2048, "https://site.example" },
	{ "type any case", "n", "event", NULL, NULL, NULL, PG_INVOKE_EVENT,
	  10240, "*" },
	{ "no function", NULL, NULL, NULL, NULL, "LAMBDA_NOTIFICATIONS", 0, 0,
	  NULL },
	{ "empty function", "", NULL, NULL, NULL, "LAMBDA_NOTIFICATIONS", 0, 0,
	  NULL },
	{ "bad type", "n", "DryRun", NULL, NULL,
	  "NOTIFICATIONS_INVOCATION_TYPE: \"DryRun\" is invalid", 0, 0, NULL },
	{ "max not a number", "n", NULL, "10k", NULL, "API_MAX_EVENT_BYTES", 0,
	  0, NULL },
	{ "max zero", "n", NULL, "0", NULL, "API_MAX_EVENT_BYTES", 0, 0, NULL },
	{ "max negative", "n", NULL, "-5", NULL, "API_MAX_EVENT_BYTES", 0, 0,
	  NULL },
	{ "max too large", "n", NULL, "99999999999", NULL,
	  "API_MAX_EVENT_BYTES", 0, 0, NULL },
	{ "origin with line break", "n", NULL, NULL, "https://a\r\nX: y",
	  "CORS_ALLOW_ORIGIN", 0, 0, NULL },
};

static void set_or_unset(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static void api_config_from_env_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(env_rows) / sizeof(env_rows[0]); i++) {
		const struct env_row *row = &env_rows[i];
		struct pg_api_config config;
		struct pg_err err = { 0 };
		int rc;

		set_or_unset("LAMBDA_NOTIFICATIONS", row->function);
		set_or_unset("NOTIFICATIONS_INVOCATION_TYPE", row->type);
		set_or_unset("API_MAX_EVENT_BYTES", row->max_bytes);
		set_or_unset("CORS_ALLOW_ORIGIN", row->origin);
		pg_api_config_init(&config);
		rc = pg_api_config_from_env(&config, &err);
		if (row->error_part) {
			if (rc != -1)
				fail_msg("%s: accepted", row->label);
			assert_contains(err.msg, row->error_part);
		} else {
			if (rc != 0)
				fail_msg("%s: rejected: %s", row->label,
					 err.msg);
			assert_int_equal(config.invocation_type,
					 row->want_type);
			assert_int_equal(config.max_event_bytes,
					 row->want_max_bytes);
			assert_string_equal(config.cors_allow_origin,
					    row->want_origin);
			assert_string_equal(config.notifications_function,
					    row->function);
		}
		pg_api_config_release(&config);
		pg_api_config_release(&config);
	}
	unsetenv("LAMBDA_NOTIFICATIONS");
	unsetenv("NOTIFICATIONS_INVOCATION_TYPE");
	unsetenv("API_MAX_EVENT_BYTES");
	unsetenv("CORS_ALLOW_ORIGIN");
}

static void api_config_notification_max_chars(void **state)
{
	static const struct {
		const char *value; /* NULL: unset */
		size_t want;       /* 0: rejected */
	} rows[] = {
		{ NULL, 1024 }, { "", 1024 }, { "512", 512 }, { "100", 100 },
		{ "1024", 1024 }, { "1025", 0 }, { "99", 0 }, { "0", 0 },
		{ "1k", 0 }, { "-1", 0 }, { "99999999999999999999", 0 },
	};

	(void)state;
	setenv("LAMBDA_NOTIFICATIONS", "notifications", 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pg_api_config config;
		struct pg_err err = { 0 };
		int rc;

		set_or_unset("NOTIFICATION_MAX_CHARS", rows[i].value);
		pg_api_config_init(&config);
		rc = pg_api_config_from_env(&config, &err);
		if (rows[i].want) {
			if (rc != 0)
				fail_msg("\"%s\" rejected: %s", rows[i].value,
					 err.msg);
			assert_int_equal(config.limits.notification_max_chars,
					 rows[i].want);
		} else {
			if (rc != -1)
				fail_msg("\"%s\" accepted", rows[i].value);
			assert_contains(err.msg, "NOTIFICATION_MAX_CHARS: ");
			assert_contains(err.msg, "from 100 to 1024");
		}
		pg_api_config_release(&config);
	}
	unsetenv("NOTIFICATION_MAX_CHARS");
	unsetenv("LAMBDA_NOTIFICATIONS");
}

struct browser_env_row {
	const char *variable;
	const char *value;
	const char *error_part; /* NULL: accepted */
};

static const struct browser_env_row browser_env_rows[] = {
	{ "CORS_ALLOW_ORIGIN", "https://a.example, http://127.0.0.1:3000",
	  NULL },
	{ "CORS_ALLOW_ORIGIN", "https://a.example/", "CORS_ALLOW_ORIGIN" },
	{ "CORS_ALLOW_ORIGIN", "*,https://a.example", "must stand alone" },
	{ "CONTACT_SUCCESS_URL", "https://site.example/thanks", NULL },
	{ "CONTACT_SUCCESS_URL", "/thanks", "CONTACT_SUCCESS_URL: \"/thanks\" "
	  "is not an absolute http or https URL" },
	{ "CONTACT_SUCCESS_URL", "javascript:alert(1)", "CONTACT_SUCCESS_URL" },
	{ "CONTACT_ERROR_URL", "http://127.0.0.1:8080/error.html?x=1", NULL },
	{ "CONTACT_ERROR_URL", "https://site.example/a b", "CONTACT_ERROR_URL" },
	{ "HONEYPOT_FIELD", "website", NULL },
	{ "HONEYPOT_FIELD", "web site", "HONEYPOT_FIELD" },
	{ "HONEYPOT_FIELD", "email", "is a field of the contact form" },
	{ "HONEYPOT_FIELD", "_next", "is the redirect field" },
	{ "VERSION", "1.2.3", NULL },
};

static void api_config_browser_settings_rows(void **state)
{
	(void)state;
	setenv("LAMBDA_NOTIFICATIONS", "notifications", 1);
	for (size_t i = 0; i < sizeof(browser_env_rows) /
				       sizeof(browser_env_rows[0]);
	     i++) {
		const struct browser_env_row *row = &browser_env_rows[i];
		struct pg_api_config config;
		struct pg_err err = { 0 };
		int rc;

		setenv(row->variable, row->value, 1);
		pg_api_config_init(&config);
		rc = pg_api_config_from_env(&config, &err);
		unsetenv(row->variable);
		if (row->error_part) {
			if (rc != -1)
				fail_msg("%s=%s: accepted", row->variable,
					 row->value);
			assert_contains(err.msg, row->error_part);
		} else if (rc != 0) {
			fail_msg("%s=%s: rejected: %s", row->variable,
				 row->value, err.msg);
		}
		pg_api_config_release(&config);
	}

	/* The defaults. */
	{
		struct pg_api_config config;
		struct pg_err err = { 0 };

		pg_api_config_init(&config);
		assert_int_equal(pg_api_config_from_env(&config, &err), 0);
		assert_null(config.success_url);
		assert_null(config.error_url);
		assert_null(config.version);
		assert_string_equal(config.honeypot_field, "_gotcha");
		assert_string_equal(config.cors_allow_origin, "*");
		pg_api_config_release(&config);
	}
	unsetenv("LAMBDA_NOTIFICATIONS");
}

struct summary_row {
	const char *payload;
	const char *summary;
};

static const struct summary_row summary_rows[] = {
	{ "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: "
	  "REQ_10 Error: Runtime exited with error: exit status 1\"}",
	  "Runtime.ExitError: RequestId: REQ_10 Error: Runtime exited with "
	  "error: exit status 1" },
	{ "{\"errorType\":\"PushoverRejected\",\"errorMessage\":\"line\\none\"}",
	  "PushoverRejected: line one" },
	{ "{\"errorMessage\":\"only a message\"}", "only a message" },
	{ "{\"ok\":true}", "" },
	{ "<html>502</html>", "" },
	{ "", "" },
};

static void api_function_error_summary_rows(void **state)
{
	char summary[128];
	char tiny[8];

	(void)state;
	for (size_t i = 0; i < sizeof(summary_rows) / sizeof(summary_rows[0]);
	     i++) {
		const struct summary_row *row = &summary_rows[i];

		pg_api_function_error_summary(row->payload,
					      strlen(row->payload), summary,
					      sizeof(summary));
		assert_string_equal(summary, row->summary);
	}
	pg_api_function_error_summary(NULL, 0, summary, sizeof(summary));
	assert_string_equal(summary, "");

	/* Cut to the buffer, never inside a UTF-8 sequence. */
	static const char cut[] = "{\"errorMessage\":\"abcd\xc3\xa9\xc3\xa9\"}";

	pg_api_function_error_summary(cut, strlen(cut), tiny, sizeof(tiny));
	assert_true(pg_utf8_valid(tiny, strlen(tiny), NULL));
	assert_string_equal(tiny, "abcd\xc3\xa9");
}

int main(void)
{
#define API_TEST(name) cmocka_unit_test_setup_teardown(name, api_setup, \
						       api_teardown)
	const struct CMUnitTest tests[] = {
		API_TEST(api_contact_delivered),
		API_TEST(api_delivery_failure_is_502),
		API_TEST(api_no_notify_step_is_502),
		API_TEST(api_content_type_only_in_multi_headers),
		API_TEST(api_base64_form_body),
		API_TEST(api_base64_flag_plain_body_is_400),
		API_TEST(api_form_rows),
		API_TEST(api_charset_fixture_form),
		API_TEST(api_null_maps_name_missing_fields),
		API_TEST(api_console_source_ip_accepted),
		API_TEST(api_fixtures_unchanged),
		API_TEST(api_validation_rows),
		API_TEST(api_oversize_description),
		API_TEST(api_notification_limit_json),
		API_TEST(api_notification_limit_setting),
		API_TEST(api_notification_limit_browser),
		API_TEST(api_oversize_body_is_413),
		API_TEST(api_oversize_browser_post),
		API_TEST(api_preflight),
		API_TEST(api_invalid_events_answered),
		API_TEST(api_outcome_strings_printable),
		API_TEST(api_browser_post_table),
		API_TEST(api_next_field_table),
		API_TEST(api_next_ignored_for_json),
		API_TEST(api_honeypot_looks_like_success),
		API_TEST(api_robots_txt),
		API_TEST(api_health_with_version),
		API_TEST(api_disallowed_origin_is_403),
		cmocka_unit_test(api_config_from_env_rows),
		cmocka_unit_test(api_config_browser_settings_rows),
		cmocka_unit_test(api_config_notification_max_chars),
		cmocka_unit_test(api_function_error_summary_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
