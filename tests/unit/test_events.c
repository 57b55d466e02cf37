/* Tests of the events layer: decoding API Gateway REST events, header and
 * query lookups, and encoding responses. */
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
#include <unistd.h>

#include "common/alloc.h"
#include "events/events.h"

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

/* Reads events/<name> into a NUL-terminated heap buffer. */
static char *read_fixture(const char *name, size_t *len)
{
	char path[PATH_MAX];
	FILE *file;
	char *data;
	long size;

	snprintf(path, sizeof(path), "%s/events/%s", cases_dir(), name);
	file = fopen(path, "rb");
	if (!file)
		fail_msg("cannot open fixture %s (set PIGEON_CASES_DIR)", path);
	assert_int_equal(fseek(file, 0, SEEK_END), 0);
	size = ftell(file);
	assert_true(size >= 0);
	rewind(file);
	data = pg_malloc((size_t)size + 1);
	assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
	data[size] = '\0';
	fclose(file);
	*len = (size_t)size;
	return data;
}

static enum pg_event_error decode_text(struct pg_http_request *req,
				       const char *text, struct pg_err *err)
{
	pg_http_request_init(req);
	return pg_http_request_decode(req, text, strlen(text), 0, err);
}

/* ---- Every REST fixture, decoded --------------------------------------- */

struct fixture_case {
	const char *file;
	enum pg_event_error rc;
	const char *method;
	const char *path;
	const char *source_ip;
	const char *request_id;
	const char *stage;
	const char *body;
	bool base64;
	const char *content_type; /* NULL: absent */
	const char *host;         /* NULL: absent */
};

static const struct fixture_case fixture_cases[] = {
	{ "apigw-v1-base64-flag-but-plain-body.json", PG_EVENT_INVALID_BASE64,
	  "GET", "/my/anotherPath", "192.168.0.1/32", "id=", "$default", "",
	  false, NULL, NULL },
	{ "apigw-v1-base64-form-urlencoded.json", PG_EVENT_OK, "POST", "/path",
	  "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev", "foo=bar",
	  true, "application/x-www-form-urlencoded", "example.org" },
	{ "apigw-v1-console-post-path-params-no-flags.json", PG_EVENT_OK,
	  "POST", "/path/to/resource", "127.0.0.1",
	  "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "prod", "{\"test\":\"body\"}",
	  false, NULL, "1234567890.execute-api.{dns_suffix}" },
	{ "apigw-v1-console-test-null-headers.json", PG_EVENT_OK, "POST",
	  "/myPath", "test-invoke-source-ip",
	  "e5488776-afe4-4e5e-92b1-37bd23f234d6", "test-invoke-stage",
	  "{\r\n\t\"a\": 1\r\n}", false, NULL, NULL },
	{ "apigw-v1-form-urlencoded-charset.json", PG_EVENT_OK, "POST", "/path",
	  "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "foo=bar&bim=baz", false,
	  "application/x-www-form-urlencoded;charset=UTF-8", "example.org" },
	{ "apigw-v1-form-urlencoded-no-content-type.json", PG_EVENT_OK, "POST",
	  "/path", "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "foo=bar&bim=baz", false, NULL, "example.org" },
	{ "apigw-v1-lowercase-content-type-json.json", PG_EVENT_OK, "POST",
	  "/path", "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "{\"foo\":\"bar\"}", false, "application/json", "example.org" },
	{ "apigw-v1-multipart-form.json", PG_EVENT_OK, "POST", "/path",
	  "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "--testBoundary\r\nContent-Disposition: form-data; name=\"foo\"\r\n\r\n"
	  "bar\r\n--testBoundary\r\nContent-Disposition: form-data; "
	  "name=\"bim\"\r\n\r\nbaz\r\n--testBoundary--\r\n",
	  false, "multipart/form-data; boundary=testBoundary", "example.org" },
	{ "apigw-v1-no-body-key-no-host.json", PG_EVENT_OK, "GET", "/hello",
	  "192.168.100.1", "41b45ea3-70b5-11e6-b7bd-69b5aaebc7d9", "test", "",
	  false, NULL, NULL },
	{ "apigw-v1-null-body-sam-local.json", PG_EVENT_OK, "GET", "/test",
	  "127.0.0.1", "ea86b9eb-c688-4bbb-8309-a1671442bea9", "Prod", "",
	  false, NULL, "127.0.0.1:3000" },
	/* headers has Host example.org, multiValueHeaders another value:
	 * the multi-value map wins. */
	{ "apigw-v1-path-params-null-body.json", PG_EVENT_OK, "GET",
	  "/foo/abc/def", "1.1.1.1", "dca85d84-6962-4790-95ad-a58f755a59b2",
	  "dev", "", false, NULL, "abc.execute-api.us-east-2.amazonaws.com" },
	{ "apigw-v1-post-json-multivalue-proxy.json", PG_EVENT_OK, "POST",
	  "/hello/world", "192.168.196.186",
	  "deef4878-7910-11e6-8f14-25afc3e9ae33", "testStage",
	  "{\r\n\t\"a\": 1\r\n}", false, "application/json",
	  "gy415nuibc.execute-api.us-east-1.amazonaws.com" },
};

static const struct fixture_case *find_fixture_case(const char *file)
{
	for (size_t i = 0; i < sizeof(fixture_cases) / sizeof(fixture_cases[0]);
	     i++)
		if (strcmp(fixture_cases[i].file, file) == 0)
			return &fixture_cases[i];
	return NULL;
}

static void check_fixture(const struct fixture_case *c)
{
	struct pg_http_request req;
	struct pg_err err = { 0 };
	enum pg_event_error rc;
	size_t len;
	char *text = read_fixture(c->file, &len);

	pg_http_request_init(&req);
	rc = pg_http_request_decode(&req, text, len, 0, &err);
	free(text);
	if (rc != c->rc)
		fail_msg("%s: decode returned %d (%s), expected %d", c->file,
			 rc, err.msg, c->rc);
	assert_string_equal(req.method, c->method);
	assert_string_equal(req.path, c->path);
	assert_string_equal(req.source_ip, c->source_ip);
	assert_string_equal(req.request_id, c->request_id);
	assert_string_equal(req.stage, c->stage);
	assert_int_equal(req.kind, PG_EVENT_APIGW_V1);
	if (rc == PG_EVENT_OK) {
		assert_int_equal(req.body_len, strlen(c->body));
		assert_memory_equal(req.body, c->body, req.body_len);
		assert_int_equal(req.body_was_base64, c->base64);
	} else {
		assert_true(pg_err_is_set(&err));
	}
	if (c->content_type)
		assert_string_equal(pg_http_request_header(&req, "content-TYPE"),
				    c->content_type);
	else
		assert_null(pg_http_request_header(&req, "Content-Type"));
	if (c->host)
		assert_string_equal(pg_http_request_header(&req, "host"),
				    c->host);
	else
		assert_null(pg_http_request_header(&req, "Host"));
	pg_http_request_release(&req);
	pg_http_request_release(&req);
}

static void events_fixtures_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixture_cases) / sizeof(fixture_cases[0]);
	     i++)
		check_fixture(&fixture_cases[i]);
}

/* Every REST fixture in the folder has a row above, and every other event
 * is rejected as not a REST proxy event, without a crash. */
static void events_fixture_folder_covered(void **state)
{
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *dir;
	size_t rest_files = 0;
	size_t other_files = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/events", cases_dir());
	dir = opendir(path);
	if (!dir)
		fail_msg("cannot open %s (set PIGEON_CASES_DIR)", path);
	while ((entry = readdir(dir))) {
		const char *name = entry->d_name;
		size_t name_len = strlen(name);
		struct pg_http_request req;
		struct pg_err err = { 0 };
		enum pg_event_error rc;
		size_t len;
		char *text;

		if (name_len < 6 || strcmp(name + name_len - 5, ".json") != 0)
			continue;
		if (strncmp(name, "apigw-v1-", 9) == 0) {
			if (!find_fixture_case(name))
				fail_msg("%s has no row in fixture_cases", name);
			rest_files++;
			continue;
		}
		text = read_fixture(name, &len);
		pg_http_request_init(&req);
		rc = pg_http_request_decode(&req, text, len, 0, &err);
		free(text);
		if (rc != PG_EVENT_UNSUPPORTED)
			fail_msg("%s: decode returned %d (%s), expected "
				 "unsupported",
				 name, rc, err.msg);
		pg_http_request_release(&req);
		other_files++;
	}
	closedir(dir);
	assert_int_equal(rest_files,
			 sizeof(fixture_cases) / sizeof(fixture_cases[0]));
	assert_true(other_files > 0);
}

/* ---- Headers and query parameters ------------------------------------- */

static void events_header_multi_value_wins(void **state)
{
	static const char event[] =
		"{\"httpMethod\":\"POST\",\"path\":\"/contact\","
		"\"headers\":{\"X-Custom\":\"second\",\"Host\":\"h\"},"
		"\"multiValueHeaders\":{\"X-Custom\":[\"first\",\"second\"],"
		"\"content-type\":[\"application/x-www-form-urlencoded\"]}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };
	struct pg_buf joined;
	const char *values[4];

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_string_equal(pg_http_request_header(&req, "x-custom"), "second");
	assert_int_equal(pg_http_request_header_values(&req, "X-CUSTOM",
						       values, 4),
			 2);
	assert_string_equal(values[0], "first");
	assert_string_equal(values[1], "second");
	pg_buf_init(&joined, 0);
	assert_int_equal(pg_http_request_header_join(&req, "X-Custom",
						     &joined),
			 2);
	assert_string_equal(joined.data, "first, second");
	pg_buf_release(&joined);

	/* Present only in multiValueHeaders, lower-case. */
	assert_string_equal(pg_http_request_header(&req, "Content-Type"),
			    "application/x-www-form-urlencoded");
	/* Present only in headers. */
	assert_string_equal(pg_http_request_header(&req, "host"), "h");
	assert_null(pg_http_request_header(&req, "Missing"));
	pg_http_request_release(&req);
}

static void events_header_values_counts_past_max(void **state)
{
	static const char event[] =
		"{\"httpMethod\":\"GET\",\"path\":\"/\",\"multiValueHeaders\":"
		"{\"A\":[\"1\",\"2\",\"3\"],\"a\":[\"4\"]}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };
	const char *values[2];

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_int_equal(pg_http_request_header_values(&req, "a", values, 2),
			 4);
	assert_string_equal(values[0], "1");
	assert_string_equal(values[1], "2");
	assert_string_equal(pg_http_request_header(&req, "A"), "4");
	pg_http_request_release(&req);
}

static void events_query_multi_value(void **state)
{
	struct pg_http_request req;
	struct pg_err err = { 0 };
	const char *values[4];
	size_t len;
	char *text = read_fixture("apigw-v1-base64-flag-but-plain-body.json",
				  &len);
	char *flag;

	(void)state;
	/* The body of this fixture is invalid; the maps are decoded before
	 * the body, so test them on a copy with the flag off. */
	flag = strstr(text, "\"isBase64Encoded\": true");
	assert_non_null(flag);
	memcpy(flag + strlen("\"isBase64Encoded\": "), "null", 4);
	pg_http_request_init(&req);
	assert_int_equal(pg_http_request_decode(&req, text, len, 0, &err),
			 PG_EVENT_OK);
	free(text);
	assert_string_equal(pg_http_request_query(&req, "parameter1"),
			    "value2");
	assert_int_equal(pg_http_request_query_values(&req, "parameter1",
						      values, 4),
			 2);
	assert_string_equal(values[0], "value1");
	assert_null(pg_http_request_query(&req, "PARAMETER1"));
	assert_string_equal(pg_http_request_header(&req, "header2"), "value2");
	pg_http_request_release(&req);
}

static void events_non_string_header_ignored(void **state)
{
	static const char event[] =
		"{\"httpMethod\":\"POST\",\"path\":\"/\",\"headers\":"
		"{\"Content-Length\":15,\"X\":null},\"multiValueHeaders\":"
		"{\"Y\":\"not-a-list\",\"Z\":[1,\"z\"]}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_null(pg_http_request_header(&req, "Content-Length"));
	assert_null(pg_http_request_header(&req, "X"));
	assert_null(pg_http_request_header(&req, "Y"));
	assert_string_equal(pg_http_request_header(&req, "Z"), "z");
	pg_http_request_release(&req);
}

/* ---- Malformed and unusual events ----------------------------------- */

struct decode_case {
	const char *name;
	const char *event;
	enum pg_event_error rc;
	const char *error_part; /* expected inside err, or NULL */
};

static const struct decode_case decode_cases[] = {
	{ "not JSON", "{\"httpMethod\":", PG_EVENT_INVALID_JSON, "event" },
	{ "array", "[1,2]", PG_EVENT_UNSUPPORTED, "JSON object" },
	{ "direct invoke", "{\"key1\":\"value1\"}", PG_EVENT_UNSUPPORTED,
	  "httpMethod" },
	{ "payload 2.0", "{\"version\":\"2.0\",\"httpMethod\":\"GET\"}",
	  PG_EVENT_UNSUPPORTED, "2.0" },
	{ "method not a string", "{\"httpMethod\":5}", PG_EVENT_UNSUPPORTED,
	  "httpMethod" },
	{ "path not a string", "{\"httpMethod\":\"GET\",\"path\":[]}",
	  PG_EVENT_INVALID_FIELD, "path" },
	{ "headers not an object",
	  "{\"httpMethod\":\"GET\",\"headers\":\"x\"}", PG_EVENT_INVALID_FIELD,
	  "headers" },
	{ "header with NUL",
	  "{\"httpMethod\":\"GET\",\"headers\":{\"A\":\"x\\u0000y\"}}",
	  PG_EVENT_INVALID_FIELD, "NUL" },
	{ "multi header with NUL",
	  "{\"httpMethod\":\"GET\",\"multiValueHeaders\":{\"A\":[\"x\\u0000\"]}}",
	  PG_EVENT_INVALID_FIELD, "NUL" },
	{ "header name with NUL",
	  "{\"httpMethod\":\"GET\",\"headers\":{\"A\\u0000B\":\"x\"}}",
	  PG_EVENT_INVALID_JSON, "NUL" },
	{ "path with NUL", "{\"httpMethod\":\"GET\",\"path\":\"/a\\u0000b\"}",
	  PG_EVENT_INVALID_FIELD, "path" },
	{ "source ip not a string",
	  "{\"httpMethod\":\"GET\",\"requestContext\":{\"identity\":"
	  "{\"sourceIp\":1}}}",
	  PG_EVENT_INVALID_FIELD, "sourceIp" },
	{ "flag not boolean",
	  "{\"httpMethod\":\"GET\",\"body\":\"x\",\"isBase64Encoded\":\"yes\"}",
	  PG_EVENT_INVALID_FIELD, "isBase64Encoded" },
	{ "body not a string", "{\"httpMethod\":\"GET\",\"body\":{}}",
	  PG_EVENT_INVALID_FIELD, "body" },
	{ "base64 invalid",
	  "{\"httpMethod\":\"POST\",\"body\":\"Hello from Lambda!\","
	  "\"isBase64Encoded\":true}",
	  PG_EVENT_INVALID_BASE64, "base64" },
	{ "base64 one symbol left",
	  "{\"httpMethod\":\"POST\",\"body\":\"QUJDR\",\"isBase64Encoded\":true}",
	  PG_EVENT_INVALID_BASE64, "base64" },
	{ "everything null",
	  "{\"httpMethod\":\"POST\",\"path\":null,\"headers\":null,"
	  "\"multiValueHeaders\":null,\"queryStringParameters\":null,"
	  "\"multiValueQueryStringParameters\":null,\"requestContext\":null,"
	  "\"body\":null,\"isBase64Encoded\":null}",
	  PG_EVENT_OK, NULL },
	{ "empty base64 body",
	  "{\"httpMethod\":\"POST\",\"body\":\"\",\"isBase64Encoded\":true}",
	  PG_EVENT_OK, NULL },
};

static void events_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]);
	     i++) {
		const struct decode_case *c = &decode_cases[i];
		struct pg_http_request req;
		struct pg_err err = { 0 };
		enum pg_event_error rc = decode_text(&req, c->event, &err);

		if (rc != c->rc)
			fail_msg("%s: decode returned %d (%s), expected %d",
				 c->name, rc, err.msg, c->rc);
		if (c->error_part && !strstr(err.msg, c->error_part))
			fail_msg("%s: error \"%s\" lacks \"%s\"", c->name,
				 err.msg, c->error_part);
		assert_non_null(req.method);
		assert_non_null(req.path);
		assert_non_null(req.body);
		assert_non_null(pg_event_error_text(rc));
		pg_http_request_release(&req);
	}
}

static void events_body_keeps_nul_bytes(void **state)
{
	/* "a\0b" plain and as base64 ("YQBi"). */
	static const char plain[] =
		"{\"httpMethod\":\"POST\",\"body\":\"a\\u0000b\"}";
	static const char encoded[] =
		"{\"httpMethod\":\"POST\",\"body\":\"YQBi\",\"isBase64Encoded\":true}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, plain, &err), PG_EVENT_OK);
	assert_int_equal(req.body_len, 3);
	assert_memory_equal(req.body, "a\0b", 3);
	pg_http_request_release(&req);

	assert_int_equal(decode_text(&req, encoded, &err), PG_EVENT_OK);
	assert_int_equal(req.body_len, 3);
	assert_memory_equal(req.body, "a\0b", 3);
	assert_true(req.body_was_base64);
	pg_http_request_release(&req);
}

static void events_body_size_limit(void **state)
{
	static const char plain[] =
		"{\"httpMethod\":\"POST\",\"body\":\"12345678\"}";
	/* "12345678" in base64. */
	static const char encoded[] =
		"{\"httpMethod\":\"POST\",\"body\":\"MTIzNDU2Nzg=\","
		"\"isBase64Encoded\":true}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	pg_http_request_init(&req);
	assert_int_equal(pg_http_request_decode(&req, plain, strlen(plain), 8,
						&err),
			 PG_EVENT_OK);
	pg_http_request_release(&req);
	pg_http_request_init(&req);
	assert_int_equal(pg_http_request_decode(&req, plain, strlen(plain), 7,
						&err),
			 PG_EVENT_BODY_TOO_LARGE);
	assert_non_null(strstr(err.msg, "larger than 7 bytes"));
	pg_http_request_release(&req);

	pg_err_clear(&err);
	pg_http_request_init(&req);
	assert_int_equal(pg_http_request_decode(&req, encoded, strlen(encoded),
						8, &err),
			 PG_EVENT_OK);
	assert_int_equal(req.body_len, 8);
	pg_http_request_release(&req);
	pg_http_request_init(&req);
	assert_int_equal(pg_http_request_decode(&req, encoded, strlen(encoded),
						7, &err),
			 PG_EVENT_BODY_TOO_LARGE);
	pg_http_request_release(&req);
}

/* ---- Responses -------------------------------------------------------- */

static json_t *encode(const struct pg_http_response *resp)
{
	struct pg_buf out;
	struct pg_err err = { 0 };
	json_t *root;

	pg_buf_init(&out, 0);
	if (pg_http_response_encode(resp, PG_EVENT_APIGW_V1, &out, &err) < 0)
		fail_msg("encode failed: %s", err.msg);
	root = json_loadb(out.data, out.len, 0, NULL);
	assert_non_null(root);
	pg_buf_release(&out);
	return root;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(events_fixtures_decode),
		cmocka_unit_test(events_fixture_folder_covered),
		cmocka_unit_test(events_header_multi_value_wins),
		cmocka_unit_test(events_header_values_counts_past_max),
		cmocka_unit_test(events_query_multi_value),
		cmocka_unit_test(events_non_string_header_ignored),
		cmocka_unit_test(events_decode_table),
		cmocka_unit_test(events_body_keeps_nul_bytes),
		cmocka_unit_test(events_body_size_limit),
		cmocka_unit_test(events_response_header_in_one_place),
		cmocka_unit_test(events_response_without_multi_map),
		cmocka_unit_test(events_response_binary_body_base64),
		cmocka_unit_test(events_response_output_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
