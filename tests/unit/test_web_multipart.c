/* Tests of the multipart/form-data parser: boundaries, delimiters, line
 * ends, part headers and the parts it rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/text.h"
#include "web/web.h"

#define MAX_EXPECTED 4
#define CT "multipart/form-data; boundary=XyZ"
#define CRLF "\r\n"
/* One part with the name given in quotes and CRLF line ends. */
#define PART(name, value) \
	"--XyZ" CRLF "Content-Disposition: form-data; name=\"" name "\"" CRLF \
	CRLF value CRLF
#define CLOSE "--XyZ--" CRLF

struct expected_field {
	const char *name;
	const char *value;
};

struct multipart_case {
	const char *label;
	const char *content_type;
	const char *body;
	int rc;
	const char *error_part; /* in the error sentence when rc is -1 */
	size_t count;
	struct expected_field fields[MAX_EXPECTED];
};

static const struct multipart_case cases[] = {
	/* Delimiters, preamble and epilogue. */
	{ "two parts", CT, PART("name", "Ada") PART("email", "a@b.example") CLOSE,
	  0, NULL, 2, { { "name", "Ada" }, { "email", "a@b.example" } } },
	{ "preamble and epilogue", CT,
	  "This is the preamble." CRLF "--XyZX is not a delimiter" CRLF
	  PART("name", "Ada") CLOSE "epilogue" CRLF PART("name", "Eve") CLOSE,
	  0, NULL, 1, { { "name", "Ada" } } },
	{ "body starts with a line end", CT, CRLF PART("name", "Ada") CLOSE, 0,
	  NULL, 1, { { "name", "Ada" } } },
	{ "no line end after closing delimiter", CT, PART("name", "Ada")
	  "--XyZ--", 0, NULL, 1, { { "name", "Ada" } } },
	{ "closing delimiter only", CT, CLOSE, 0, NULL, 0, { { 0 } } },
	{ "transport padding", CT,
	  "--XyZ \t" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF
	  "1" CRLF "--XyZ--  " CRLF, 0, NULL, 1, { { "a", "1" } } },
	{ "LF-only line ends", CT,
	  "--XyZ\nContent-Disposition: form-data; name=\"name\"\n\nAda\n"
	  "--XyZ\nContent-Disposition: form-data; name=\"msg\"\n\nline 1\n"
	  "line 2\n--XyZ--\n",
	  0, NULL, 2, { { "name", "Ada" }, { "msg", "line 1\nline 2" } } },
	{ "boundary text inside a value", CT,
	  PART("a", "x --XyZ y" CRLF "--XyZX" CRLF "--XyZ-z") CLOSE, 0, NULL, 1,
	  { { "a", "x --XyZ y" CRLF "--XyZX" CRLF "--XyZ-z" } } },
	{ "value keeps inner line ends", CT, PART("a", "1" CRLF CRLF "2") CLOSE,
	  0, NULL, 1, { { "a", "1" CRLF CRLF "2" } } },
	{ "value ending in CR", CT, PART("a", "x\r") CLOSE, 0, NULL, 1,
	  { { "a", "x\r" } } },
	{ "empty value", CT, PART("a", "") CLOSE, 0, NULL, 1, { { "a", "" } } },
	{ "empty value sharing the line end", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF
	  "--XyZ--", 0, NULL, 1, { { "a", "" } } },
	{ "UTF-8 value", CT, PART("a", "Hi \xc3\xa9") CLOSE, 0, NULL, 1,
	  { { "a", "Hi \xc3\xa9" } } },

	/* The boundary parameter. */
	{ "quoted boundary with space", "multipart/form-data; boundary=\"a b\"",
	  "--a b" CRLF "Content-Disposition: form-data; name=x" CRLF CRLF "1"
	  CRLF "--a b--", 0, NULL, 1, { { "x", "1" } } },
	{ "quoted boundary with RFC 2046 punctuation",
	  "multipart/form-data; boundary=\"'()+_,-./:=?\"",
	  "--'()+_,-./:=?" CRLF "Content-Disposition: form-data; name=x" CRLF
	  CRLF "1" CRLF "--'()+_,-./:=?--", 0, NULL, 1, { { "x", "1" } } },
	{ "Chromium's boundary",
	  "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
	  "------WebKitFormBoundary7MA4YWxkTrZu0gW" CRLF
	  "Content-Disposition: form-data; name=\"x\"" CRLF CRLF "1" CRLF
	  "------WebKitFormBoundary7MA4YWxkTrZu0gW--" CRLF,
	  0, NULL, 1, { { "x", "1" } } },
	{ "parameter order and case",
	  "Multipart/Form-Data;charset=utf-8 ;  BOUNDARY=XyZ",
	  PART("a", "1") CLOSE, 0, NULL, 1, { { "a", "1" } } },
	{ "boundary missing", "multipart/form-data", CLOSE, -1,
	  "needs a boundary parameter", 0, { { 0 } } },
	{ "boundary empty", "multipart/form-data; boundary=\"\"", CLOSE, -1,
	  "1 to 70 characters", 0, { { 0 } } },
	{ "boundary of 71 characters",
	  "multipart/form-data; boundary="
	  "12345678901234567890123456789012345678901234567890123456789012345678901",
	  CLOSE, -1, "1 to 70 characters", 0, { { 0 } } },
	{ "boundary of 70 characters",
	  "multipart/form-data; boundary="
	  "1234567890123456789012345678901234567890123456789012345678901234567890",
	  "--1234567890123456789012345678901234567890123456789012345678901234567890--",
	  0, NULL, 0, { { 0 } } },
	{ "boundary with a forbidden character",
	  "multipart/form-data; boundary=\"a@b\"", CLOSE, -1,
	  "RFC 2046 does not allow", 0, { { 0 } } },
	{ "boundary ending in a space", "multipart/form-data; boundary=\"ab \"",
	  CLOSE, -1, "must not end with a space", 0, { { 0 } } },
	{ "boundary given twice", "multipart/form-data; boundary=a; boundary=b",
	  CLOSE, -1, "boundary given more than once", 0, { { 0 } } },
	{ "unterminated quoted boundary", "multipart/form-data; boundary=\"XyZ",
	  CLOSE, -1, "malformed parameters", 0, { { 0 } } },

	/* Delimiter errors. */
	{ "no delimiter", CT, "name=Ada", -1, "no delimiter line \"--XyZ\"", 0,
	  { { 0 } } },
	{ "empty body", CT, "", -1, "no delimiter line", 0, { { 0 } } },
	{ "closing delimiter missing", CT, PART("name", "Ada"), -1,
	  "the closing delimiter \"--XyZ--\" is missing", 0, { { 0 } } },
	{ "body ends after a delimiter", CT, PART("name", "Ada") "--XyZ", -1,
	  "closing delimiter \"--XyZ--\" is missing", 0, { { 0 } } },
	{ "text after the boundary", CT, "--XyZ junk" CRLF, -1,
	  "unexpected text after the boundary", 0, { { 0 } } },

	/* Part headers. */
	{ "unquoted name", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=email" CRLF CRLF
	  "a@b.example" CRLF CLOSE, 0, NULL, 1, { { "email", "a@b.example" } } },
	{ "header names and parameters in any case", CT,
	  "--XyZ" CRLF "content-disposition: FORM-DATA; NAME=\"a\"" CRLF CRLF
	  "1" CRLF CLOSE, 0, NULL, 1, { { "a", "1" } } },
	{ "backslash in a quoted name", CT, PART("a\\b", "1") CLOSE, 0, NULL, 1,
	  { { "a\\b", "1" } } },
	{ "semicolon in a quoted name", CT, PART("a;b", "1") CLOSE, 0, NULL, 1,
	  { { "a;b", "1" } } },
	{ "other headers ignored", CT,
	  "--XyZ" CRLF "X-Note: hi" CRLF
	  "Content-Disposition: form-data; name=a" CRLF "Content-Length: 1" CRLF
	  CRLF "1" CRLF CLOSE, 0, NULL, 1, { { "a", "1" } } },
	{ "text/plain in UTF-8", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Type: text/plain; charset=UTF-8" CRLF CRLF "\xc3\xa9" CRLF
	  CLOSE, 0, NULL, 1, { { "a", "\xc3\xa9" } } },
	{ "quoted charset", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Type: text/plain;charset=\"utf-8\"" CRLF CRLF "1" CRLF CLOSE,
	  0, NULL, 1, { { "a", "1" } } },
	{ "US-ASCII charset", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Type: text/plain; charset=us-ascii" CRLF CRLF "1" CRLF CLOSE,
	  0, NULL, 1, { { "a", "1" } } },
	{ "Latin-1 charset rejected", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Type: text/plain; charset=ISO-8859-1" CRLF CRLF "\xe9" CRLF
	  CLOSE, -1, "a: Content-Type \"text/plain; charset=ISO-8859-1\" is not "
	  "supported", 0, { { 0 } } },
	{ "binary type rejected", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Type: application/octet-stream" CRLF CRLF "1" CRLF CLOSE, -1,
	  "a: Content-Type \"application/octet-stream\" is not supported", 0,
	  { { 0 } } },
	{ "8bit transfer encoding", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Transfer-Encoding: 8bit" CRLF CRLF "1" CRLF CLOSE, 0, NULL, 1,
	  { { "a", "1" } } },
	{ "base64 transfer encoding rejected", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Transfer-Encoding: base64" CRLF CRLF "MQ==" CRLF CLOSE, -1,
	  "a: Content-Transfer-Encoding is not supported", 0, { { 0 } } },
	{ "file part rejected", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=\"upload\"; "
	  "filename=\"a.txt\"" CRLF "Content-Type: text/plain" CRLF CRLF "hi"
	  CRLF CLOSE, -1, "upload: file uploads are not accepted", 0,
	  { { 0 } } },
	{ "empty file input rejected", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=\"upload\"; "
	  "filename=\"\"" CRLF "Content-Type: application/octet-stream" CRLF
	  CRLF CRLF CLOSE, -1, "upload: file uploads are not accepted", 0,
	  { { 0 } } },
	{ "filename* rejected", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=f; "
	  "filename*=UTF-8''a.txt" CRLF CRLF "hi" CRLF CLOSE, -1,
	  "f: file uploads are not accepted", 0, { { 0 } } },
	{ "Content-Disposition missing", CT,
	  "--XyZ" CRLF "Content-Type: text/plain" CRLF CRLF "1" CRLF CLOSE, -1,
	  "part 1: Content-Disposition: form-data with a name is missing", 0,
	  { { 0 } } },
	{ "name missing", CT,
	  PART("a", "1") "--XyZ" CRLF "Content-Disposition: form-data" CRLF CRLF
	  "1" CRLF CLOSE, -1, "part 2: Content-Disposition: form-data with a "
	  "name is missing", 0, { { 0 } } },
	{ "attachment rejected", CT,
	  "--XyZ" CRLF "Content-Disposition: attachment; name=a" CRLF CRLF "1"
	  CRLF CLOSE, -1, "Content-Disposition must be form-data", 0,
	  { { 0 } } },
	{ "name given twice", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a; name=b" CRLF
	  CRLF "1" CRLF CLOSE, -1, "name given more than once", 0, { { 0 } } },
	{ "Content-Disposition given twice", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF
	  "Content-Disposition: form-data; name=b" CRLF CRLF "1" CRLF CLOSE, -1,
	  "Content-Disposition given more than once", 0, { { 0 } } },
	{ "unterminated quoted name", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=\"a" CRLF CRLF "1"
	  CRLF CLOSE, -1, "malformed Content-Disposition parameters", 0,
	  { { 0 } } },
	{ "header line without colon", CT,
	  "--XyZ" CRLF "Content-Disposition form-data" CRLF CRLF "1" CRLF CLOSE,
	  -1, "part 1: malformed header line", 0, { { 0 } } },
	{ "folded header line", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data;" CRLF " name=a" CRLF
	  CRLF "1" CRLF CLOSE, -1, "part 1: malformed header line", 0,
	  { { 0 } } },
	{ "no blank line after headers", CT,
	  "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CLOSE, -1,
	  "part 1: no blank line after the headers", 0, { { 0 } } },
	{ "empty part", CT, "--XyZ" CRLF CLOSE, -1,
	  "part 1: no blank line after the headers", 0, { { 0 } } },
	{ "17 header lines", CT,
	  "--XyZ" CRLF "A: 1" CRLF "A: 2" CRLF "A: 3" CRLF "A: 4" CRLF "A: 5"
	  CRLF "A: 6" CRLF "A: 7" CRLF "A: 8" CRLF "A: 9" CRLF "A: 10" CRLF
	  "A: 11" CRLF "A: 12" CRLF "A: 13" CRLF "A: 14" CRLF "A: 15" CRLF
	  "A: 16" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "1"
	  CRLF CLOSE, -1, "more than 16 header lines", 0, { { 0 } } },

	/* Values. */
	{ "invalid UTF-8 value", CT, PART("a", "\xff") CLOSE, -1,
	  "a: not valid UTF-8", 0, { { 0 } } },
	{ "invalid UTF-8 name", CT, PART("\xff", "1") CLOSE, -1,
	  "part 1: the name is not UTF-8", 0, { { 0 } } },
};

static void check_case(const struct multipart_case *c, const char *body,
		       size_t len)
{
	struct pg_form form;
	struct pg_problem problem;
	int rc;

	pg_form_init(&form);
	pg_problem_init(&problem);
	rc = pg_multipart_parse(&form, c->content_type, body, len, &problem);
	if (rc != c->rc)
		fail_msg("%s: returned %d (%s)", c->label, rc,
			 problem.error.msg);
	if (rc < 0) {
		assert_int_equal(problem.status, 400);
		if (!strstr(problem.error.msg, c->error_part))
			fail_msg("%s: error \"%s\" lacks \"%s\"", c->label,
				 problem.error.msg, c->error_part);
		pg_form_release(&form);
		return;
	}
	if (form.count != c->count)
		fail_msg("%s: %zu fields, expected %zu", c->label, form.count,
			 c->count);
	for (size_t k = 0; k < c->count; k++) {
		const struct expected_field *want = &c->fields[k];

		if (strcmp(form.fields[k].name, want->name) != 0)
			fail_msg("%s: field %zu is \"%s\"", c->label, k,
				 form.fields[k].name);
		if (form.fields[k].value_len != strlen(want->value) ||
		    memcmp(form.fields[k].value, want->value,
			   form.fields[k].value_len) != 0)
			fail_msg("%s: %s is \"%s\"", c->label, want->name,
				 form.fields[k].value);
	}
	pg_form_release(&form);
	pg_form_release(&form);
}

static void multipart_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct multipart_case *c = &cases[i];
		size_t len = strlen(c->body);
		/* An exact-size copy lets AddressSanitizer catch a read past
		 * the end. */
		char *body = malloc(len ? len : 1);

		memcpy(body, c->body, len);
		check_case(c, body, len);
		free(body);
	}
}

/* A NUL byte inside a value is rejected and names the field. */
static void multipart_nul_in_value(void **state)
{
	static const char body[] = PART("description", "a\0b") CLOSE;
	struct pg_form form;
	struct pg_problem problem;

	(void)state;
	pg_form_init(&form);
	pg_problem_init(&problem);
	assert_int_equal(pg_multipart_parse(&form, CT, body, sizeof(body) - 1,
					    &problem),
			 -1);
	assert_string_equal(problem.error.msg,
			    "description: contains a NUL byte");
	pg_form_release(&form);
}

/* The multipart body of the BUGLOG entry on base64 bodies, as an HTTP API
 * delivers it: decoded first, then parsed by its Content-Type. */
static void multipart_base64_variant_decoded(void **state)
{
	static const char encoded[] =
		"LS1YeVoNCkNvbnRlbnQtRGlzcG9zaXRpb246IGZvcm0tZGF0YTsgbmFtZT0ibmFt"
		"ZSINCg0KSmFuZSBEb2UNCi0tWHlaDQpDb250ZW50LURpc3Bvc2l0aW9uOiBmb3Jt"
		"LWRhdGE7IG5hbWU9ImVtYWlsIg0KDQpqYW5lQGV4YW1wbGUuaW52YWxpZA0KLS1Y"
		"eVoNCkNvbnRlbnQtRGlzcG9zaXRpb246IGZvcm0tZGF0YTsgbmFtZT0ibWVzc2Fn"
		"ZSINCg0KSGkgw6kNCi0tWHlaLS0NCg==";
	struct pg_buf body;
	struct pg_form form;
	struct pg_problem problem;

	(void)state;
	pg_buf_init(&body, 0);
	assert_int_equal(pg_base64_decode(encoded, strlen(encoded), &body), 0);
	pg_form_init(&form);
	pg_problem_init(&problem);
	assert_int_equal(pg_multipart_parse(&form, CT, body.data, body.len,
					    &problem),
			 0);
	assert_int_equal(form.count, 3);
	assert_string_equal(form.fields[0].name, "name");
	assert_string_equal(form.fields[0].value, "Jane Doe");
	assert_string_equal(form.fields[1].name, "email");
	assert_string_equal(form.fields[1].value, "jane@example.invalid");
	assert_string_equal(form.fields[2].name, "message");
	/* "Hi é": the é is UTF-8 C3 A9, and the value ends before CRLF. */
	assert_int_equal(form.fields[2].value_len, 5);
	assert_memory_equal(form.fields[2].value, "Hi \xc3\xa9", 5);
	pg_form_release(&form);
	pg_buf_release(&body);
}

static void multipart_field_count_limit(void **state)
{
	struct pg_buf body;
	struct pg_form form;
	struct pg_problem problem;

	(void)state;
	pg_buf_init(&body, 0);
	for (int i = 0; i < PG_FORM_MAX_FIELDS; i++)
		assert_int_equal(pg_buf_appendf(&body, PART("f%d", "%d"), i, i),
				 0);
	assert_int_equal(pg_buf_append_str(&body, CLOSE), 0);
	pg_form_init(&form);
	pg_problem_init(&problem);
	assert_int_equal(pg_multipart_parse(&form, CT, body.data, body.len,
					    &problem),
			 0);
	assert_int_equal(form.count, PG_FORM_MAX_FIELDS);
	pg_form_release(&form);

	body.len -= strlen(CLOSE);
	assert_int_equal(pg_buf_append_str(&body, PART("one", "more") CLOSE), 0);
	pg_form_init(&form);
	assert_int_equal(pg_multipart_parse(&form, CT, body.data, body.len,
					    &problem),
			 -1);
	assert_non_null(strstr(problem.error.msg, "more than 64 fields"));
	pg_form_release(&form);
	pg_buf_release(&body);
}

/* Every cut of a valid body is rejected (or, cut inside the epilogue,
 * accepted) without reading past the cut. */
static void multipart_every_prefix(void **state)
{
	static const char full[] = "preamble" CRLF PART("name", "Ada")
		"--XyZ" CRLF "Content-Disposition: form-data; name=\"m\"" CRLF
		"Content-Type: text/plain; charset=utf-8" CRLF CRLF "Hi \xc3\xa9"
		CRLF "--XyZ--" CRLF "epilogue";
	size_t full_len = sizeof(full) - 1;
	size_t close_end = (size_t)(strstr(full, "--XyZ--") - full) + 7;

	(void)state;
	for (size_t len = 0; len <= full_len; len++) {
		char *body = malloc(len ? len : 1);
		struct pg_form form;
		struct pg_problem problem;
		int rc;

		memcpy(body, full, len);
		pg_form_init(&form);
		pg_problem_init(&problem);
		rc = pg_multipart_parse(&form, CT, body, len, &problem);
		if (rc != (len >= close_end ? 0 : -1))
			fail_msg("prefix of %zu bytes: returned %d (%s)", len,
				 rc, problem.error.msg);
		pg_form_release(&form);
		free(body);
	}
}

/* The case folder: PIGEON_CASES_DIR, else ../shared/cases next to the
 * repository, which is two folders above this binary (build/tests/). */
static void cases_path(char *out, size_t size, const char *name)
{
	const char *env = getenv("PIGEON_CASES_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(out, size, "%s/events/%s", env, name);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, size, "%.3000s/../../../shared/cases/events/%s", exe, name);
}

/* The captured multipart events, REST and HTTP API, decode and parse. */
static void multipart_fixture_events(void **state)
{
	static const char *const fixtures[] = {
		"apigw-v1-multipart-form.json",
		"apigw-v2-multipart-form.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char path[PATH_MAX];
		json_error_t json_err;
		json_t *event;
		char *text;
		struct pg_http_request req;
		struct pg_err err = { 0 };
		struct pg_form form;
		struct pg_problem problem;
		const char *type;

		cases_path(path, sizeof(path), fixtures[i]);
		event = json_load_file(path, 0, &json_err);
		if (!event)
			fail_msg("cannot load %s: %s (set PIGEON_CASES_DIR)",
				 path, json_err.text);
		text = json_dumps(event, 0);
		pg_http_request_init(&req);
		if (pg_http_request_decode(&req, text, strlen(text), 0, &err) !=
		    PG_EVENT_OK)
			fail_msg("%s: %s", fixtures[i], err.msg);
		type = pg_http_request_header(&req, "Content-Type");
		assert_non_null(type);
		pg_form_init(&form);
		pg_problem_init(&problem);
		if (pg_multipart_parse(&form, type, req.body, req.body_len,
				       &problem) != 0)
			fail_msg("%s: %s", fixtures[i], problem.error.msg);
		assert_int_equal(form.count, 2);
		assert_string_equal(form.fields[0].name, "foo");
		assert_string_equal(form.fields[0].value, "bar");
		assert_string_equal(form.fields[1].name, "bim");
		assert_string_equal(form.fields[1].value, "baz");
		pg_form_release(&form);
		pg_http_request_release(&req);
		free(text);
		json_decref(event);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(multipart_parse_table),
		cmocka_unit_test(multipart_nul_in_value),
		cmocka_unit_test(multipart_base64_variant_decoded),
		cmocka_unit_test(multipart_field_count_limit),
		cmocka_unit_test(multipart_every_prefix),
		cmocka_unit_test(multipart_fixture_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
