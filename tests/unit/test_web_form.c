/* Tests of the urlencoded form parser, media type matching and the Accept
 * check that tells a browser's form post from a script's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "web/web.h"

#define MAX_EXPECTED 4

struct expected_field {
	const char *name;
	const char *value;
	size_t value_len; /* 0: strlen(value) */
};

struct form_case {
	const char *label;
	const char *body;
	int rc;
	const char *error_part; /* in the error sentence when rc is -1 */
	size_t count;
	struct expected_field fields[MAX_EXPECTED];
};

static const struct form_case form_cases[] = {
	{ "plus, %2B and UTF-8",
	  "name=Ren%C3%A9e+O%27Brien&email=a%2Bb%40example.invalid"
	  "&message=2+%2B+2+%3D+4%0D%0Aok",
	  0, NULL, 3,
	  { { "name", "Ren\u00e9e O'Brien", 0 },
	    { "email", "a+b@example.invalid", 0 },
	    { "message", "2 + 2 = 4\r\nok", 0 } } },
	{ "truncated UTF-8", "name=%E2%82&email=user%40example.invalid&message=x",
	  -1, "name: not valid UTF-8", 0, { { 0 } } },
	{ "overlong UTF-8", "name=%C0%AF", -1, "name: not valid UTF-8", 0,
	  { { 0 } } },
	{ "surrogate as UTF-8", "name=%ED%A0%80", -1, "name: not valid UTF-8",
	  0, { { 0 } } },
	{ "bad escape", "name=%zz&email=user%40example.invalid", -1,
	  "name: invalid percent-encoding \"%zz\"", 0, { { 0 } } },
	{ "escape with one hex digit", "name=%4g", -1,
	  "name: invalid percent-encoding \"%4g\"", 0, { { 0 } } },
	{ "truncated escape at end", "email=x&name=abc%", -1,
	  "name: invalid percent-encoding", 0, { { 0 } } },
	{ "truncated escape, one digit at end", "name=abc%4", -1,
	  "name: invalid percent-encoding \"%4\"", 0, { { 0 } } },
	{ "key without equals", "name&email=x", 0, NULL, 2,
	  { { "name", "", 0 }, { "email", "x", 0 } } },
	{ "empty body", "", 0, NULL, 0, { { 0 } } },
	{ "empty segments skipped", "&a=1&&b=2&", 0, NULL, 2,
	  { { "a", "1", 0 }, { "b", "2", 0 } } },
	{ "equals inside value", "a==b", 0, NULL, 1, { { "a", "=b", 0 } } },
	{ "empty name", "=x", 0, NULL, 1, { { "", "x", 0 } } },
	{ "escaped name", "%61+b=%62", 0, NULL, 1, { { "a b", "b", 0 } } },
	{ "lower-case hex", "a=%2b%2B%c3%a9", 0, NULL, 1,
	  { { "a", "++\xc3\xa9", 0 } } },
	{ "NUL byte rejected", "a=x%00y", -1, "a: contains a NUL byte (%00)",
	  0, { { 0 } } },
	{ "NUL byte at end rejected", "name=Ada&email=a%40b.example%00", -1,
	  "email: contains a NUL byte", 0, { { 0 } } },
	{ "raw UTF-8", "a=\xc3\xa9", 0, NULL, 1, { { "a", "\xc3\xa9", 0 } } },
	{ "raw invalid UTF-8", "a=\xff", -1, "a: not valid UTF-8", 0,
	  { { 0 } } },
	{ "bad escape in name", "%zz=1", -1, "form field name: invalid "
	  "percent-encoding", 0, { { 0 } } },
	{ "invalid UTF-8 in name", "%FF=1", -1,
	  "form field name: not valid UTF-8", 0, { { 0 } } },
	{ "NUL in name", "a%00b=1", -1, "form field name: contains a NUL", 0,
	  { { 0 } } },
	{ "repeated key kept twice", "a=1&a=2", 0, NULL, 2,
	  { { "a", "1", 0 }, { "a", "2", 0 } } },
};

static void form_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]); i++) {
		const struct form_case *c = &form_cases[i];
		struct pg_form form;
		struct pg_problem problem;
		int rc;

		pg_form_init(&form);
		pg_problem_init(&problem);
		rc = pg_form_parse(&form, c->body, strlen(c->body), &problem);
		if (rc != c->rc)
			fail_msg("%s: returned %d (%s)", c->label, rc,
				 problem.error.msg);
		if (rc < 0) {
			assert_int_equal(problem.status, 400);
			if (!strstr(problem.error.msg, c->error_part))
				fail_msg("%s: error \"%s\" lacks \"%s\"",
					 c->label, problem.error.msg,
					 c->error_part);
			pg_form_release(&form);
			continue;
		}
		if (form.count != c->count)
			fail_msg("%s: %zu fields, expected %zu", c->label,
				 form.count, c->count);
		for (size_t k = 0; k < c->count; k++) {
			const struct expected_field *want = &c->fields[k];
			size_t len = want->value_len ? want->value_len
						     : strlen(want->value);

			assert_string_equal(form.fields[k].name, want->name);
			assert_int_equal(form.fields[k].value_len, len);
			assert_memory_equal(form.fields[k].value, want->value,
					    len);
		}
		pg_form_release(&form);
		pg_form_release(&form);
	}
}

static void form_field_count_limit(void **state)
{
	struct pg_buf body;
	struct pg_form form;
	struct pg_problem problem;

	(void)state;
	pg_buf_init(&body, 0);
	for (int i = 0; i < PG_FORM_MAX_FIELDS; i++)
		assert_int_equal(pg_buf_appendf(&body, "f%d=%d&", i, i), 0);

	pg_form_init(&form);
	pg_problem_init(&problem);
	assert_int_equal(pg_form_parse(&form, body.data, body.len, &problem), 0);
	assert_int_equal(form.count, PG_FORM_MAX_FIELDS);
	pg_form_release(&form);

	assert_int_equal(pg_buf_append_str(&body, "one=more"), 0);
	pg_form_init(&form);
	assert_int_equal(pg_form_parse(&form, body.data, body.len, &problem),
			 -1);
	assert_non_null(strstr(problem.error.msg, "more than 64 fields"));
	pg_form_release(&form);
	pg_buf_release(&body);
}

/* A body that is not NUL-terminated is never read past its length. */
static void form_parse_reads_only_len(void **state)
{
	char body[] = { 'a', '=', '%', '4', '1', '%', '4' };
	struct pg_form form;
	struct pg_problem problem;

	(void)state;
	pg_form_init(&form);
	pg_problem_init(&problem);
	assert_int_equal(pg_form_parse(&form, body, 5, &problem), 0);
	assert_string_equal(form.fields[0].value, "A");
	pg_form_release(&form);
	pg_form_init(&form);
	assert_int_equal(pg_form_parse(&form, body, sizeof(body), &problem),
			 -1);
	pg_form_release(&form);
}

struct media_case {
	const char *content_type;
	const char *media_type;
	bool match;
};

static const struct media_case media_cases[] = {
	{ "application/x-www-form-urlencoded",
	  "application/x-www-form-urlencoded", true },
	{ "application/x-www-form-urlencoded; charset=UTF-8",
	  "application/x-www-form-urlencoded", true },
	{ "application/x-www-form-urlencoded;charset=UTF-8",
	  "application/x-www-form-urlencoded", true },
	{ "Application/X-WWW-Form-Urlencoded ; Charset = \"utf-8\"",
	  "application/x-www-form-urlencoded", true },
	{ "application/x-www-form-urlencoded; charset=ISO-8859-1",
	  "application/x-www-form-urlencoded", true },
	{ " application/json ", "application/json", true },
	{ "\tapplication/json;charset=utf-8", "application/json", true },
	{ "APPLICATION/JSON", "application/json", true },
	{ "application/jsonx", "application/json", false },
	{ "application/json-seq", "application/json", false },
	{ "application/js", "application/json", false },
	{ "text/plain", "application/json", false },
	{ "", "application/json", false },
	{ ";", "application/json", false },
};

static void form_media_type_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(media_cases) / sizeof(media_cases[0]);
	     i++) {
		const struct media_case *c = &media_cases[i];

		if (pg_media_type_is(c->content_type, c->media_type) != c->match)
			fail_msg("\"%s\" vs %s: expected %s", c->content_type,
				 c->media_type, c->match ? "match" : "none");
	}
}

struct accept_case {
	const char *accept;
	bool html;
};

static const struct accept_case accept_cases[] = {
	/* Chromium's and Firefox's navigation Accept headers. */
	{ "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
	  "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;"
	  "q=0.7", true },
	{ "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
	  true },
	{ "TEXT/HTML", true },
	{ "application/json, text/html;q=0.1", true },
	{ "application/json , text/html ; level=1", true },
	{ "text/html;q=1", true },
	{ "text/html;q=0.001", true },
	/* fetch's and curl's default, and JSON clients. */
	{ "*/*", false },
	{ "application/json", false },
	{ "application/json, text/plain, */*", false },
	{ "text/html;q=0", false },
	{ "text/html; q=0.000", false },
	{ "text/htmlx", false },
	{ "xtext/html", false },
	{ "", false },
	{ NULL, false },
};

static void form_accept_html_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]);
	     i++) {
		const struct accept_case *c = &accept_cases[i];

		if (pg_accept_has_html(c->accept) != c->html)
			fail_msg("Accept \"%s\": expected %s",
				 c->accept ? c->accept : "(none)",
				 c->html ? "HTML" : "not HTML");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(form_parse_table),
		cmocka_unit_test(form_field_count_limit),
		cmocka_unit_test(form_parse_reads_only_len),
		cmocka_unit_test(form_media_type_table),
		cmocka_unit_test(form_accept_html_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
