/* Tests of the events layer's request side: detecting and decoding every
 * event shape (API Gateway 1.0 and 2.0, Function URL, ALB), the header,
 * query and cookie lookups, and events that are not HTTP requests. */
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

/* ---- Every fixture, decoded ------------------------------------------- */

/* The expected request fields of one file in the events folder. Strings
 * that are NULL are expected absent. */
struct fixture_case {
	const char *file;
	enum pg_event_error rc;
	const char *error_part; /* inside err when rc is not OK */
	enum pg_event_kind kind;
	const char *method;
	const char *path;
	const char *source_ip;
	const char *request_id;
	const char *stage;
	const char *body;
	bool base64;
	const char *content_type;
	const char *host;
	const char *query_name;   /* NULL: no query parameters */
	const char *query_values; /* every value, joined by "|" */
	const char *cookies;      /* the effective Cookie header */
};

#define V1 PG_EVENT_OK, NULL, PG_EVENT_APIGW_V1
#define V2 PG_EVENT_OK, NULL, PG_EVENT_APIGW_V2
#define NOT_HTTP(part) PG_EVENT_UNSUPPORTED, part, PG_EVENT_APIGW_V1

static const struct fixture_case fixture_cases[] = {
	{ "apigw-v1-base64-flag-but-plain-body.json", PG_EVENT_INVALID_BASE64,
	  "base64", PG_EVENT_APIGW_V1, "GET", "/my/anotherPath",
	  "192.168.0.1/32", "id=", "$default", "", false, NULL, NULL,
	  "parameter1", "value1|value2", "" },
	{ "apigw-v1-base64-form-urlencoded.json", V1, "POST", "/path",
	  "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev", "foo=bar",
	  true, "application/x-www-form-urlencoded", "example.org", NULL, NULL,
	  "" },
	{ "apigw-v1-console-post-path-params-no-flags.json", V1, "POST",
	  "/path/to/resource", "127.0.0.1",
	  "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "prod", "{\"test\":\"body\"}",
	  false, NULL, "1234567890.execute-api.{dns_suffix}", "foo", "bar", "" },
	{ "apigw-v1-console-test-null-headers.json", V1, "POST", "/myPath",
	  "test-invoke-source-ip", "e5488776-afe4-4e5e-92b1-37bd23f234d6",
	  "test-invoke-stage", "{\r\n\t\"a\": 1\r\n}", false, NULL, NULL, NULL,
	  NULL, "" },
	{ "apigw-v1-form-urlencoded-charset.json", V1, "POST", "/path",
	  "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "foo=bar&bim=baz", false,
	  "application/x-www-form-urlencoded;charset=UTF-8", "example.org",
	  NULL, NULL, "" },
	{ "apigw-v1-form-urlencoded-no-content-type.json", V1, "POST", "/path",
	  "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "foo=bar&bim=baz", false, NULL, "example.org", NULL, NULL, "" },
	{ "apigw-v1-lowercase-content-type-json.json", V1, "POST", "/path",
	  "1.1.1.1", "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "{\"foo\":\"bar\"}", false, "application/json", "example.org", NULL,
	  NULL, "" },
	{ "apigw-v1-multipart-form.json", V1, "POST", "/path", "1.1.1.1",
	  "ffffffff-ffff-4fff-ffff-ffffffffffff", "dev",
	  "--testBoundary\r\nContent-Disposition: form-data; name=\"foo\"\r\n\r\n"
	  "bar\r\n--testBoundary\r\nContent-Disposition: form-data; "
	  "name=\"bim\"\r\n\r\nbaz\r\n--testBoundary--\r\n",
	  false, "multipart/form-data; boundary=testBoundary", "example.org",
	  NULL, NULL, "" },
	{ "apigw-v1-no-body-key-no-host.json", V1, "GET", "/hello",
	  "192.168.100.1", "41b45ea3-70b5-11e6-b7bd-69b5aaebc7d9", "test", "",
	  false, NULL, NULL, "name", "me", "" },
	{ "apigw-v1-null-body-sam-local.json", V1, "GET", "/test", "127.0.0.1",
	  "ea86b9eb-c688-4bbb-8309-a1671442bea9", "Prod", "", false, NULL,
	  "127.0.0.1:3000", NULL, NULL, "" },
	/* headers has Host example.org, multiValueHeaders another value:
	 * the multi-value map wins. */
	{ "apigw-v1-path-params-null-body.json", V1, "GET", "/foo/abc/def",
	  "1.1.1.1", "dca85d84-6962-4790-95ad-a58f755a59b2", "dev", "", false,
	  NULL, "abc.execute-api.us-east-2.amazonaws.com", NULL, NULL, "" },
	{ "apigw-v1-post-json-multivalue-proxy.json", V1, "POST",
	  "/hello/world", "192.168.196.186",
	  "deef4878-7910-11e6-8f14-25afc3e9ae33", "testStage",
	  "{\r\n\t\"a\": 1\r\n}", false, "application/json",
	  "gy415nuibc.execute-api.us-east-1.amazonaws.com", "name", "me", "" },
	{ "apigw-v2-base64-form-urlencoded.json", V2, "POST", "/path",
	  "1.1.1.1", "JTHoQgr2oAMEPMg=", "$default", "foo=bar", true,
	  "application/x-www-form-urlencoded", "example.org", NULL, NULL, "" },
	/* queryStringParameters joins the repeated value as "value1,value2",
	 * but rawQueryString keeps them apart. */
	{ "apigw-v2-cookies-jwt-text-body.json", V2, "POST", "/my/path", "IP",
	  "id", "$default", "Hello from Lambda", false, NULL, NULL,
	  "parameter1", "value1|value2", "cookie1=value1; cookie2=value2" },
	{ "apigw-v2-cookies-percent-encoded.json", V2, "GET", "/path",
	  "1.1.1.1", "JTHoQgr2oAMEPMg=", "$default", "", false, NULL,
	  "example.org", NULL, NULL,
	  "tz=Europe%2FParis; four=two+%2B+2; theme=light" },
	{ "apigw-v2-form-urlencoded-charset.json", V2, "POST", "/path",
	  "1.1.1.1", "JTHoQgr2oAMEPMg=", "$default", "foo=bar&bim=baz", false,
	  "application/x-www-form-urlencoded;charset=UTF-8", "example.org",
	  NULL, NULL, "" },
	{ "apigw-v2-get-no-body-mtls.json", V2, "GET", "/", "1.2.3.4",
	  "LV7fzho-PHcEJPw=", "$default", "", false, NULL,
	  "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com", NULL, NULL, "" },
	{ "apigw-v2-minimal-get.json", V2, "GET", "/", "65.78.31.245",
	  "MIZRNhJtIAMEMDw=", "$default", "", false, NULL,
	  "xxx.execute-api.us-east-1.amazonaws.com", NULL, NULL, "" },
	{ "apigw-v2-multipart-form.json", V2, "POST", "/path", "1.1.1.1",
	  "JTHoQgr2oAMEPMg=", "$default",
	  "--testBoundary\r\nContent-Disposition: form-data; name=\"foo\"\r\n\r\n"
	  "bar\r\n--testBoundary\r\nContent-Disposition: form-data; "
	  "name=\"bim\"\r\n\r\nbaz\r\n--testBoundary--\r\n",
	  false, "multipart/form-data; boundary=testBoundary", "example.org",
	  NULL, NULL, "" },
	/* "\uD83C\uDF0D" is U+1F30D, four bytes of UTF-8. */
	{ "apigw-v2-utf16-surrogate-body.json", V2, "PUT", "/path", "1.1.1.1",
	  "JTHoQgr2oAMEPMg=", "$default", "Hello \xf0\x9f\x8c\x8d", false,
	  "text/plain; charset=UTF-8", "example.org", NULL, NULL, "" },
	{ "direct-invoke-plain.json", NOT_HTTP("direct invocation"), "", "", "",
	  "", "", "", false, NULL, NULL, NULL, NULL, "" },
	{ "direct-invoke-utf8.json", NOT_HTTP("direct invocation"), "", "", "",
	  "", "", "", false, NULL, NULL, NULL, NULL, "" },
	{ "sns-event-crlf-message.json", NOT_HTTP("records from aws:sns"), "",
	  "", "", "", "", "", false, NULL, NULL, NULL, NULL, "" },
};

static const struct fixture_case *find_fixture_case(const char *file)
{
	for (size_t i = 0; i < sizeof(fixture_cases) / sizeof(fixture_cases[0]);
	     i++)
		if (strcmp(fixture_cases[i].file, file) == 0)
			return &fixture_cases[i];
	return NULL;
}

static void check_query(const struct fixture_case *c,
			const struct pg_http_request *req)
{
	const char *values[8];
	char joined[256] = "";
	size_t count;

	if (!c->query_name) {
		assert_null(pg_http_request_query(req, "name"));
		return;
	}
	count = pg_http_request_query_values(req, c->query_name, values, 8);
	assert_true(count <= 8);
	for (size_t i = 0; i < count; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined),
			 "%s%s", i ? "|" : "", values[i]);
	if (strcmp(joined, c->query_values) != 0)
		fail_msg("%s: query %s is \"%s\", expected \"%s\"", c->file,
			 c->query_name, joined, c->query_values);
}

static void check_fixture(const struct fixture_case *c)
{
	struct pg_http_request req;
	struct pg_err err = { 0 };
	struct pg_buf cookies;
	enum pg_event_error rc;
	size_t len;
	char *text = read_fixture(c->file, &len);

	pg_http_request_init(&req);
	rc = pg_http_request_decode(&req, text, len, 0, &err);
	free(text);
	if (rc != c->rc)
		fail_msg("%s: decode returned %d (%s), expected %d", c->file,
			 rc, err.msg, c->rc);
	if (rc != PG_EVENT_OK) {
		if (!strstr(err.msg, c->error_part))
			fail_msg("%s: error \"%s\" lacks \"%s\"", c->file,
				 err.msg, c->error_part);
	}
	if (rc == PG_EVENT_UNSUPPORTED) {
		pg_http_request_release(&req);
		return;
	}
	assert_int_equal(req.kind, c->kind);
	assert_string_equal(req.method, c->method);
	assert_string_equal(req.path, c->path);
	assert_string_equal(req.source_ip, c->source_ip);
	assert_string_equal(req.request_id, c->request_id);
	assert_string_equal(req.stage, c->stage);
	if (rc == PG_EVENT_OK) {
		assert_int_equal(req.body_len, strlen(c->body));
		assert_memory_equal(req.body, c->body, req.body_len);
		assert_int_equal(req.body_was_base64, c->base64);
		assert_false(req.text_replaced);
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
	check_query(c, &req);

	pg_buf_init(&cookies, 0);
	assert_true(pg_http_request_cookie_header(&req, &cookies) >= 0);
	assert_string_equal(cookies.data ? cookies.data : "", c->cookies);
	pg_buf_release(&cookies);
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

/* Every event file in the folder has a row above. */
static void events_fixture_folder_covered(void **state)
{
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *dir;
	size_t files = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/events", cases_dir());
	dir = opendir(path);
	if (!dir)
		fail_msg("cannot open %s (set PIGEON_CASES_DIR)", path);
	while ((entry = readdir(dir))) {
		const char *name = entry->d_name;
		size_t name_len = strlen(name);

		if (name_len < 6 || strcmp(name + name_len - 5, ".json") != 0)
			continue;
		if (!find_fixture_case(name))
			fail_msg("%s has no row in fixture_cases", name);
		files++;
	}
	closedir(dir);
	assert_int_equal(files,
			 sizeof(fixture_cases) / sizeof(fixture_cases[0]));
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
	{ "payload 2.0 without http", "{\"version\":\"2.0\",\"httpMethod\":\"GET\"}",
	  PG_EVENT_INVALID_FIELD, "requestContext.http.method" },
	{ "payload 3.0", "{\"version\":\"3.0\",\"httpMethod\":\"GET\"}",
	  PG_EVENT_UNSUPPORTED, "3.0" },
	{ "record batch", "{\"Records\":[{\"eventSource\":\"aws:sqs\"}]}",
	  PG_EVENT_UNSUPPORTED, "aws:sqs" },
	{ "cookies not an array",
	  "{\"version\":\"2.0\",\"requestContext\":{\"http\":"
	  "{\"method\":\"GET\"}},\"cookies\":\"a=1\"}",
	  PG_EVENT_INVALID_FIELD, "cookies" },
	{ "method not a string", "{\"httpMethod\":5}", PG_EVENT_UNSUPPORTED,
	  "httpMethod" },
	{ "path not a string", "{\"httpMethod\":\"GET\",\"path\":[]}",
	  PG_EVENT_INVALID_FIELD, "path" },
	{ "headers not an object",
	  "{\"httpMethod\":\"GET\",\"headers\":\"x\"}", PG_EVENT_INVALID_FIELD,
	  "headers" },
	{ "header with NUL",
	  "{\"httpMethod\":\"GET\",\"headers\":{\"A\":\"x\\u0000y\"}}",
	  PG_EVENT_OK, NULL },
	{ "multi header with NUL",
	  "{\"httpMethod\":\"GET\",\"multiValueHeaders\":{\"A\":[\"x\\u0000\"]}}",
	  PG_EVENT_OK, NULL },
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

/* ---- Cookies ----------------------------------------------------------- */

/* An HTTP API event with the cookies array and no Cookie header. */
static const char buglog_cookies_event[] =
	"{\"version\":\"2.0\",\"routeKey\":\"POST /contact\","
	"\"rawPath\":\"/contact\",\"rawQueryString\":\"\","
	"\"cookies\":[\"csrf=TOKEN_PLACEHOLDER\",\"lang=de\"],"
	"\"headers\":{\"content-type\":\"application/x-www-form-urlencoded\","
	"\"host\":\"API_ID.execute-api.eu-west-1.amazonaws.com\"},"
	"\"requestContext\":{\"http\":{\"method\":\"POST\",\"path\":\"/contact\","
	"\"sourceIp\":\"198.51.100.7\",\"protocol\":\"HTTP/1.1\","
	"\"userAgent\":\"UA\"},\"requestId\":\"REQ_1\","
	"\"routeKey\":\"POST /contact\",\"stage\":\"$default\"},"
	"\"body\":\"csrf=TOKEN_PLACEHOLDER&name=NAME_PLACEHOLDER&email=user%40"
	"example.invalid&message=hi\",\"isBase64Encoded\":false}";

static char *cookie_header_of(const struct pg_http_request *req)
{
	struct pg_buf out;

	pg_buf_init(&out, 0);
	assert_true(pg_http_request_cookie_header(req, &out) >= 0);
	return out.data ? pg_buf_detach(&out, NULL) : pg_strdup("");
}

static void events_cookies_from_v2_array(void **state)
{
	struct pg_http_request req;
	struct pg_err err = { 0 };
	struct pg_http_cookie cookie;
	char *header;

	(void)state;
	assert_int_equal(decode_text(&req, buglog_cookies_event, &err),
			 PG_EVENT_OK);
	assert_int_equal(req.kind, PG_EVENT_APIGW_V2);
	assert_string_equal(req.path, "/contact");
	assert_string_equal(req.source_ip, "198.51.100.7");
	header = cookie_header_of(&req);
	assert_string_equal(header, "csrf=TOKEN_PLACEHOLDER; lang=de");
	free(header);
	assert_true(pg_http_request_cookie(&req, "csrf", &cookie));
	assert_int_equal(cookie.value_len, strlen("TOKEN_PLACEHOLDER"));
	assert_memory_equal(cookie.value, "TOKEN_PLACEHOLDER", cookie.value_len);
	assert_true(pg_http_request_cookie(&req, "lang", &cookie));
	assert_memory_equal(cookie.value, "de", 2);
	assert_false(pg_http_request_cookie(&req, "LANG", &cookie));
	assert_false(pg_http_request_cookie(&req, "cs", &cookie));
	pg_http_request_release(&req);
}

/* A Function URL sends the cookies in the array and the Cookie header. */
static void events_cookies_function_url_merged(void **state)
{
	static const char event[] =
		"{\"version\":\"2.0\",\"routeKey\":\"$default\","
		"\"rawPath\":\"/contact\",\"rawQueryString\":\"\","
		"\"cookies\":[\"a=1\",\"b=2\"],"
		"\"headers\":{\"cookie\":\"a=1; b=2;c=3\"},"
		"\"requestContext\":{\"domainName\":"
		"\"abcdefgh.lambda-url.eu-west-1.on.aws\",\"http\":"
		"{\"method\":\"POST\",\"sourceIp\":\"203.0.113.5\"},"
		"\"stage\":\"$default\",\"requestId\":\"r\"}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };
	struct pg_http_cookie cookies[4];
	char *header;

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_int_equal(req.kind, PG_EVENT_FUNCTION_URL);
	header = cookie_header_of(&req);
	assert_string_equal(header, "a=1; b=2; c=3");
	free(header);
	assert_int_equal(pg_http_request_cookies(&req, cookies, 4), 3);
	assert_int_equal(pg_http_request_cookies(&req, cookies, 2), 2);
	assert_memory_equal(cookies[1].name, "b", 1);
	pg_http_request_release(&req);
}

static void events_cookies_odd_pairs(void **state)
{
	static const char event[] =
		"{\"version\":\"2.0\",\"rawPath\":\"/\",\"requestContext\":"
		"{\"http\":{\"method\":\"GET\"}},"
		"\"cookies\":[\"flag\",\"tz=Europe%2FParis\",\" ; \",\"\","
		"\"x = y \",\"=v\",\"e=\",5,\"n=a\\u0000b\"],"
		"\"headers\":{\"Cookie\":\";;flag; q=\\\"quoted\\\"\"}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };
	struct pg_http_cookie cookie;
	char *header;

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	/* The NUL and non-string entries are skipped, "flag" from the
	 * header repeats the array's and is left out. */
	header = cookie_header_of(&req);
	assert_string_equal(header, "flag; tz=Europe%2FParis; x=y; v; e=; "
				    "q=\"quoted\"");
	free(header);
	assert_true(pg_http_request_cookie(&req, "", &cookie));
	assert_int_equal(cookie.value_len, 4);
	assert_memory_equal(cookie.value, "flag", 4);
	assert_true(pg_http_request_cookie(&req, "tz", &cookie));
	assert_int_equal(cookie.value_len, strlen("Europe%2FParis"));
	assert_true(pg_http_request_cookie(&req, "e", &cookie));
	assert_int_equal(cookie.value_len, 0);
	pg_http_request_release(&req);
}

static void events_cookies_capped(void **state)
{
	struct pg_http_cookie cookies[PG_HTTP_COOKIES_MAX + 10];
	struct pg_http_request req;
	struct pg_err err = { 0 };
	struct pg_buf event;

	(void)state;
	pg_buf_init(&event, 0);
	assert_int_equal(pg_buf_append_str(&event,
					   "{\"httpMethod\":\"GET\",\"headers\":"
					   "{\"Cookie\":\""),
			 0);
	for (int i = 0; i < PG_HTTP_COOKIES_MAX + 50; i++)
		assert_int_equal(pg_buf_appendf(&event, "c%d=%d; ", i, i), 0);
	assert_int_equal(pg_buf_append_str(&event, "\"}}"), 0);
	assert_int_equal(decode_text(&req, event.data, &err), PG_EVENT_OK);
	assert_int_equal(pg_http_request_cookies(&req, cookies,
						 PG_HTTP_COOKIES_MAX + 10),
			 PG_HTTP_COOKIES_MAX);
	pg_http_request_release(&req);
	pg_buf_release(&event);
}

/* ---- Header maps (REST and ALB) ---------------------------------------- */

static void events_content_type_only_in_multi_map(void **state)
{
	static const char event[] =
		"{\"resource\":\"/contact\",\"path\":\"/contact\","
		"\"httpMethod\":\"POST\",\"headers\":{\"Host\":\"h\"},"
		"\"multiValueHeaders\":{\"Host\":[\"h\"],\"content-type\":"
		"[\"application/x-www-form-urlencoded\"],\"X-Forwarded-For\":"
		"[\"203.0.113.9, 198.51.100.2\"]},\"queryStringParameters\":null,"
		"\"multiValueQueryStringParameters\":null,\"requestContext\":"
		"{\"httpMethod\":\"POST\",\"path\":\"/prod/contact\",\"stage\":"
		"\"prod\",\"requestId\":\"REQ_2\",\"identity\":{\"sourceIp\":"
		"\"198.51.100.2\"}},\"body\":\"name=N\",\"isBase64Encoded\":false}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_int_equal(req.kind, PG_EVENT_APIGW_V1);
	assert_string_equal(pg_http_request_header(&req, "Content-Type"),
			    "application/x-www-form-urlencoded");
	assert_string_equal(req.path, "/contact");
	assert_string_equal(req.source_ip, "198.51.100.2");
	pg_http_request_release(&req);
}

/* A target group in multi-value mode sends no headers map at all. */
static void events_alb_multi_value_without_headers(void **state)
{
	static const char event[] =
		"{\"requestContext\":{\"elb\":{\"targetGroupArn\":\"arn:aws:"
		"elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/1\"}},"
		"\"httpMethod\":\"POST\",\"path\":\"/contact\","
		"\"multiValueQueryStringParameters\":{\"a\":[\"1\",\"%32\"]},"
		"\"multiValueHeaders\":{\"content-type\":"
		"[\"application/x-www-form-urlencoded\"],\"x-forwarded-for\":"
		"[\"203.0.113.9, 198.51.100.2\"],\"x-amzn-trace-id\":"
		"[\"Root=1-5bdb40ca-556d8b0c50dc66f0511bf520\"],\"cookie\":"
		"[\"a=1\",\"b=2\"],\"x-custom\":[\"first\",\"second\"]},"
		"\"body\":\"bmFtZT1O\",\"isBase64Encoded\":true}";
	struct pg_http_request req;
	struct pg_err err = { 0 };
	struct pg_buf joined;
	const char *values[4];
	char *header;

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_int_equal(req.kind, PG_EVENT_ALB_MULTI_VALUE);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.path, "/contact");
	assert_string_equal(req.source_ip, "198.51.100.2");
	assert_string_equal(req.request_id,
			    "Root=1-5bdb40ca-556d8b0c50dc66f0511bf520");
	assert_string_equal(req.stage, "");
	assert_string_equal(pg_http_request_header(&req, "Content-Type"),
			    "application/x-www-form-urlencoded");
	assert_int_equal(req.body_len, 6);
	assert_memory_equal(req.body, "name=N", 6);
	assert_int_equal(pg_http_request_query_values(&req, "a", values, 4), 2);
	assert_string_equal(values[0], "1");
	assert_string_equal(values[1], "2");
	assert_string_equal(pg_http_request_header(&req, "X-Custom"), "second");
	pg_buf_init(&joined, 0);
	assert_int_equal(pg_http_request_header_join(&req, "x-custom", &joined),
			 2);
	assert_string_equal(joined.data, "first, second");
	pg_buf_release(&joined);
	header = cookie_header_of(&req);
	assert_string_equal(header, "a=1; b=2");
	free(header);
	pg_http_request_release(&req);
}

static void events_alb_single_value(void **state)
{
	static const char event[] =
		"{\"requestContext\":{\"elb\":{\"targetGroupArn\":\"arn\"}},"
		"\"httpMethod\":\"GET\",\"path\":\"/health\","
		"\"queryStringParameters\":{\"q\":\"a%20b%2Bc\",\"e%3D\":\"x+y\","
		"\"bad\":\"%zz%\",\"utf\":\"Ren%C3%A9e\",\"cut\":\"%E2%82\","
		"\"nul\":\"a%00b\"},"
		"\"headers\":{\"x-forwarded-for\":\"192.0.2.1\"},"
		"\"body\":\"\",\"isBase64Encoded\":false}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_int_equal(req.kind, PG_EVENT_ALB);
	assert_string_equal(req.source_ip, "192.0.2.1");
	assert_string_equal(req.request_id, "");
	/* Decoded once: "%2B" is a plus, "+" a space. */
	assert_string_equal(pg_http_request_query(&req, "q"), "a b+c");
	assert_string_equal(pg_http_request_query(&req, "e="), "x y");
	assert_string_equal(pg_http_request_query(&req, "bad"), "%zz%");
	assert_string_equal(pg_http_request_query(&req, "utf"), "Ren\xc3\xa9"
								"e");
	assert_string_equal(pg_http_request_query(&req, "cut"), "\xef\xbf\xbd"
								"\xef\xbf\xbd");
	assert_string_equal(pg_http_request_query(&req, "nul"),
			    "a\xef\xbf\xbd"
			    "b");
	pg_http_request_release(&req);
}

/* API Gateway has decoded its query maps; they are never decoded again. */
static void events_v1_query_not_decoded_again(void **state)
{
	static const char event[] =
		"{\"httpMethod\":\"GET\",\"path\":\"/\","
		"\"queryStringParameters\":{\"q\":\"100%25+a%20b\"}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_string_equal(pg_http_request_query(&req, "q"), "100%25+a%20b");
	pg_http_request_release(&req);
}

/* ---- Payload 2.0 details ------------------------------------------------ */

static void events_v2_raw_query(void **state)
{
	static const char event[] =
		"{\"version\":\"2.0\",\"routeKey\":\"$default\","
		"\"rawPath\":\"/contact\","
		"\"rawQueryString\":\"a=1&a=2&b=%41+B&c&&d=x%2Cy&a=3\","
		"\"queryStringParameters\":{\"a\":\"1,2,3\",\"b\":\"A B\","
		"\"c\":\"\",\"d\":\"x,y\"},"
		"\"requestContext\":{\"http\":{\"method\":\"GET\"}}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };
	const char *values[4];

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_string_equal(req.raw_query, "a=1&a=2&b=%41+B&c&&d=x%2Cy&a=3");
	assert_int_equal(pg_http_request_query_values(&req, "a", values, 4), 3);
	assert_string_equal(values[0], "1");
	assert_string_equal(values[2], "3");
	assert_string_equal(pg_http_request_query(&req, "b"), "A B");
	assert_string_equal(pg_http_request_query(&req, "c"), "");
	assert_int_equal(pg_http_request_query_values(&req, "d", values, 4), 1);
	assert_string_equal(values[0], "x,y");
	pg_http_request_release(&req);
}

static void events_v2_stage_prefix_dropped(void **state)
{
	static const struct {
		const char *raw_path;
		const char *stage;
		const char *path;
	} rows[] = {
		{ "/prod/contact", "prod", "/contact" },
		{ "/prod", "prod", "/" },
		{ "/production/contact", "prod", "/production/contact" },
		{ "/contact", "$default", "/contact" },
		{ "/$default/contact", "$default", "/$default/contact" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pg_http_request req;
		struct pg_err err = { 0 };
		char event[512];

		snprintf(event, sizeof(event),
			 "{\"version\":\"2.0\",\"routeKey\":\"ANY /contact\","
			 "\"rawPath\":\"%s\",\"requestContext\":{\"stage\":"
			 "\"%s\",\"http\":{\"method\":\"POST\"}}}",
			 rows[i].raw_path, rows[i].stage);
		assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
		assert_string_equal(req.path, rows[i].path);
		pg_http_request_release(&req);
	}
}

/* Without rawPath, requestContext.http.path is used. */
static void events_v2_path_from_context(void **state)
{
	static const char event[] =
		"{\"version\":\"2.0\",\"routeKey\":\"$default\","
		"\"requestContext\":{\"http\":{\"method\":\"GET\","
		"\"path\":\"/health\"}}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_string_equal(req.path, "/health");
	assert_string_equal(req.body, "");
	assert_int_equal(req.body_len, 0);
	pg_http_request_release(&req);
}

/* ---- Bodies ------------------------------------------------------------- */

static void events_v2_base64_form_and_multipart(void **state)
{
	static const char form_event[] =
		"{\"version\":\"2.0\",\"routeKey\":\"POST /contact\","
		"\"rawPath\":\"/contact\",\"rawQueryString\":\"\","
		"\"headers\":{\"content-type\":\"application/x-www-form-urlencoded\","
		"\"content-length\":\"62\"},\"requestContext\":{\"http\":"
		"{\"method\":\"POST\",\"path\":\"/contact\",\"sourceIp\":"
		"\"198.51.100.7\",\"protocol\":\"HTTP/1.1\",\"userAgent\":\"UA\"},"
		"\"requestId\":\"REQ_3\",\"routeKey\":\"POST /contact\","
		"\"stage\":\"$default\"},\"body\":\"bmFtZT1KYW5lK0RvZSZlbWFpbD1qYW"
		"5lJTQwZXhhbXBsZS5pbnZhbGlkJm1lc3NhZ2U9SGVsbG8rdGhlcmU=\","
		"\"isBase64Encoded\":true}";
	static const char multipart_event[] =
		"{\"version\":\"2.0\",\"routeKey\":\"POST /contact\","
		"\"rawPath\":\"/contact\",\"rawQueryString\":\"\","
		"\"headers\":{\"content-type\":\"multipart/form-data; "
		"boundary=XyZ\"},\"requestContext\":{\"http\":{\"method\":\"POST\","
		"\"path\":\"/contact\",\"sourceIp\":\"198.51.100.7\"},"
		"\"requestId\":\"REQ_3\",\"stage\":\"$default\"},\"body\":"
		"\"LS1YeVoNCkNvbnRlbnQtRGlzcG9zaXRpb246IGZvcm0tZGF0YTsgbmFtZT0ibmFt"
		"ZSINCg0KSmFuZSBEb2UNCi0tWHlaDQpDb250ZW50LURpc3Bvc2l0aW9uOiBmb3JtLW"
		"RhdGE7IG5hbWU9ImVtYWlsIg0KDQpqYW5lQGV4YW1wbGUuaW52YWxpZA0KLS1YeVoN"
		"CkNvbnRlbnQtRGlzcG9zaXRpb246IGZvcm0tZGF0YTsgbmFtZT0ibWVzc2FnZSINCg"
		"0KSGkgw6kNCi0tWHlaLS0NCg==\",\"isBase64Encoded\":true}";
	static const char multipart_body[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
		"Jane Doe\r\n--XyZ\r\nContent-Disposition: form-data; "
		"name=\"email\"\r\n\r\njane@example.invalid\r\n--XyZ\r\n"
		"Content-Disposition: form-data; name=\"message\"\r\n\r\n"
		"Hi \xc3\xa9\r\n--XyZ--\r\n";
	static const char form_body[] =
		"name=Jane+Doe&email=jane%40example.invalid&message=Hello+there";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, form_event, &err), PG_EVENT_OK);
	assert_true(req.body_was_base64);
	assert_int_equal(req.body_len, strlen(form_body));
	assert_memory_equal(req.body, form_body, req.body_len);
	pg_http_request_release(&req);

	assert_int_equal(decode_text(&req, multipart_event, &err), PG_EVENT_OK);
	assert_true(req.body_was_base64);
	assert_int_equal(req.body_len, sizeof(multipart_body) - 1);
	assert_memory_equal(req.body, multipart_body, req.body_len);
	pg_http_request_release(&req);
}

static void events_invalid_base64_every_shape(void **state)
{
	static const char *const events[] = {
		("{\"httpMethod\":\"POST\",\"body\":\"Hello from Lambda!\","
		 "\"isBase64Encoded\":true}"),
		("{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":"
		 "\"POST\"}},\"body\":\"Hello from Lambda!\","
		 "\"isBase64Encoded\":true}"),
		("{\"requestContext\":{\"elb\":{}},\"httpMethod\":\"POST\","
		 "\"body\":\"Hello from Lambda!\",\"isBase64Encoded\":true}"),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct pg_http_request req;
		struct pg_err err = { 0 };

		assert_int_equal(decode_text(&req, events[i], &err),
				 PG_EVENT_INVALID_BASE64);
		assert_non_null(strstr(err.msg, "base64"));
		pg_http_request_release(&req);
	}
}

/* Null, absent and empty maps and bodies, as the console Test button and
 * bodiless requests send them. */
static void events_null_and_absent_everything(void **state)
{
	static const char *const events[] = {
		("{\"resource\":\"/contact\",\"path\":\"/contact\",\"httpMethod\":"
		 "\"POST\",\"headers\":null,\"multiValueHeaders\":null,"
		 "\"queryStringParameters\":null,\"multiValueQueryStringParameters\":"
		 "null,\"pathParameters\":null,\"stageVariables\":null,"
		 "\"requestContext\":{\"httpMethod\":\"POST\",\"stage\":"
		 "\"test-invoke-stage\",\"requestId\":\"REQ_6\",\"identity\":"
		 "{\"sourceIp\":\"test-invoke-source-ip\",\"userAgent\":"
		 "\"aws-internal/3\"}},\"body\":null,\"isBase64Encoded\":false}"),
		"{\"path\":\"/contact\",\"httpMethod\":\"POST\",\"body\":\"\"}",
		("{\"version\":\"2.0\",\"rawPath\":\"/contact\",\"cookies\":null,"
		 "\"headers\":null,\"requestContext\":{\"http\":{\"method\":"
		 "\"POST\"}},\"body\":null}"),
		("{\"requestContext\":{\"elb\":{}},\"httpMethod\":\"POST\","
		 "\"path\":\"/contact\",\"headers\":null,\"body\":\"\"}"),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct pg_http_request req;
		struct pg_err err = { 0 };
		struct pg_http_cookie cookie;

		if (decode_text(&req, events[i], &err) != PG_EVENT_OK)
			fail_msg("event %zu: %s", i, err.msg);
		assert_string_equal(req.path, "/contact");
		assert_string_equal(req.method, "POST");
		assert_int_equal(req.body_len, 0);
		assert_null(pg_http_request_header(&req, "Content-Type"));
		assert_null(pg_http_request_query(&req, "a"));
		assert_false(pg_http_request_cookie(&req, "a", &cookie));
		pg_http_request_release(&req);
	}
}

/* ---- Text that is not UTF-8 --------------------------------------------- */

static void events_invalid_utf8_header_replaced(void **state)
{
	static const char event[] =
		"{\"httpMethod\":\"POST\",\"path\":\"/contact\",\"headers\":"
		"{\"X-Name\":\"caf\xe9\",\"X-Cut\":\"\xe2\x82\",\"X-Lone\":"
		"\"a\\udc00b\\ud800\",\"X-Pair\":\"\\ud83c\\udf0d\","
		"\"Content-Type\":\"application/json\"},\"body\":\"{}\"}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_true(req.text_replaced);
	assert_string_equal(pg_http_request_header(&req, "X-Name"),
			    "caf\xef\xbf\xbd");
	assert_string_equal(pg_http_request_header(&req, "X-Cut"),
			    "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(pg_http_request_header(&req, "X-Lone"),
			    "a\xef\xbf\xbd"
			    "b\xef\xbf\xbd");
	assert_string_equal(pg_http_request_header(&req, "X-Pair"),
			    "\xf0\x9f\x8c\x8d");
	assert_string_equal(pg_http_request_header(&req, "Content-Type"),
			    "application/json");
	assert_memory_equal(req.body, "{}", 2);
	pg_http_request_release(&req);

	/* Broken JSON stays an error, with its position. */
	assert_int_equal(decode_text(&req, "{\"httpMethod\":\"\xff", &err),
			 PG_EVENT_INVALID_JSON);
	assert_non_null(strstr(err.msg, "invalid JSON"));
	pg_http_request_release(&req);
}

static void events_nul_header_ignored(void **state)
{
	static const char event[] =
		"{\"httpMethod\":\"GET\",\"path\":\"/\",\"headers\":"
		"{\"A\":\"x\\u0000y\",\"B\":\"b\"},\"multiValueHeaders\":"
		"{\"C\":[\"c\\u0000\",\"ok\"]}}";
	struct pg_http_request req;
	struct pg_err err = { 0 };

	(void)state;
	assert_int_equal(decode_text(&req, event, &err), PG_EVENT_OK);
	assert_null(pg_http_request_header(&req, "A"));
	assert_string_equal(pg_http_request_header(&req, "B"), "b");
	assert_string_equal(pg_http_request_header(&req, "C"), "ok");
	pg_http_request_release(&req);
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
		cmocka_unit_test(events_cookies_from_v2_array),
		cmocka_unit_test(events_cookies_function_url_merged),
		cmocka_unit_test(events_cookies_odd_pairs),
		cmocka_unit_test(events_cookies_capped),
		cmocka_unit_test(events_content_type_only_in_multi_map),
		cmocka_unit_test(events_alb_multi_value_without_headers),
		cmocka_unit_test(events_alb_single_value),
		cmocka_unit_test(events_v1_query_not_decoded_again),
		cmocka_unit_test(events_v2_raw_query),
		cmocka_unit_test(events_v2_stage_prefix_dropped),
		cmocka_unit_test(events_v2_path_from_context),
		cmocka_unit_test(events_v2_base64_form_and_multipart),
		cmocka_unit_test(events_invalid_base64_every_shape),
		cmocka_unit_test(events_null_and_absent_everything),
		cmocka_unit_test(events_invalid_utf8_header_replaced),
		cmocka_unit_test(events_nul_header_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
