/* Tests of the Invoke API's JSON syntax check (src/local/json_syntax.c),
 * compiled into this test because the CLI's sources are not in
 * libpigeon.a. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local/json_syntax.c"

struct syntax_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	const char *error_part; /* NULL: valid */
};

static const struct syntax_case cases[] = {
	/* Every kind of value at the top, as JSON allows any of them. */
	{ "{}", 0, NULL },
	{ "[]", 0, NULL },
	{ " \t\r\n{ \"a\" : [ 1 , 2 ] }\n", 0, NULL },
	{ "\"text\"", 0, NULL },
	{ "0", 0, NULL },
	{ "-0.5e+10", 0, NULL },
	{ "true", 0, NULL },
	{ "null", 0, NULL },
	{ "{\"a\":{\"b\":[{},[],\"\",false]}}", 0, NULL },
	/* What jansson rejects with its default flags. */
	{ "{\"message\":\"a\\u0000b\"}", 0, NULL },
	{ "{\"priority\":99999999999999999999}", 0, NULL },
	{ "{\"n\":1e400}", 0, NULL },
	{ "{\"n\":-123456789012345678901234567890.5E-999}", 0, NULL },
	{ "\"\\ud800\"", 0, NULL },
	{ "{\"a\":1,\"a\":2}", 0, NULL },
	{ "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uABCD\"", 0, NULL },
	{ "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", 0, NULL },

	/* Invalid JSON. */
	{ "", 0, "expected a JSON value, found the end of the body" },
	{ "  ", 0, "found the end of the body" },
	{ "{not json", 0, "expected a member name in quotes, found 'n' at byte 1" },
	{ "{\"a\" 1}", 0, "expected ':' after the member name, found '1' at byte 5" },
	{ "{\"a\":1,}", 0, "expected a member name in quotes, found '}' at byte 7" },
	{ "[1,]", 0, "expected a JSON value, found ']' at byte 3" },
	{ "[1 2]", 0, "expected ',' or ']', found '2' at byte 3" },
	{ "{\"a\":1]", 0, "expected ',' or '}', found ']' at byte 6" },
	{ "[", 0, "expected a JSON value, found the end of the body" },
	{ "[[]", 0, "expected ',' or ']', found the end of the body" },
	{ "{} {}", 0, "expected the end of the body after the JSON value, found "
		     "'{' at byte 3" },
	{ "0D", 0, "found 'D' at byte 1" },
	{ "truex", 0, "found 'x' at byte 4" },
	{ "tru", 0, "expected a JSON value, found 't' at byte 0" },
	{ "nul", 0, "found 'n' at byte 0" },
	{ "01", 0, "found '1' at byte 1" },
	{ "-", 0, "invalid number at byte 0" },
	{ "1.", 0, "invalid number at byte 0" },
	{ ".5", 0, "found '.' at byte 0" },
	{ "1e", 0, "invalid number at byte 0" },
	{ "+1", 0, "found '+' at byte 0" },
	{ "NaN", 0, "found 'N' at byte 0" },
	{ "'a'", 0, "found ''' at byte 0" },
	{ "\"abc", 0, "the string that starts at byte 0 has no closing quote" },
	{ "\"a\\x\"", 0, "invalid escape sequence at byte 2" },
	{ "\"\\u12G4\"", 0, "invalid escape sequence at byte 1" },
	{ "\"\\u12\"", 0, "invalid escape sequence at byte 1" },
	{ "\"\\", 0, "invalid escape sequence at byte 1" },
	{ "\"a\nb\"", 0, "control character 0x0A in a string at byte 2" },
	{ "\"a\0b\"", 5, "control character 0x00 in a string at byte 2" },
	{ "{}\0", 3, "found byte 0x00 at byte 2" },
	{ "[\xff]", 0, "invalid UTF-8 at byte 1" },
	{ "\"\xed\xa0\x80\"", 0, "invalid UTF-8 at byte 1" },
	{ "// x\n{}", 0, "found '/' at byte 0" },
	{ "\xef\xbb\xbf{}", 0, "found byte 0xEF at byte 0" },
};

static void json_syntax_cases_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct syntax_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		struct pg_err err = { { 0 } };
		int rc = pg_json_syntax_check(c->text, len, &err);

		if (!c->error_part && rc != 0)
			fail_msg("row %zu (%s) rejected: %s", i, c->text, err.msg);
		if (c->error_part && rc != -1)
			fail_msg("row %zu (%s) accepted", i, c->text);
		if (c->error_part && !strstr(err.msg, c->error_part))
			fail_msg("row %zu: \"%s\" lacks \"%s\"", i, err.msg,
				 c->error_part);
	}
}

/* Returns depth '[' then depth ']'; the caller frees it. */
static char *nested_arrays(size_t depth)
{
	char *text = malloc(depth * 2 + 1);

	assert_non_null(text);
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[depth * 2] = '\0';
	return text;
}

static void json_syntax_deep_nesting(void **state)
{
	struct pg_err err = { { 0 } };
	char *text = nested_arrays(100000);

	(void)state;
	/* jansson stops at 2048 levels; the check keeps a byte per level. */
	assert_int_equal(pg_json_syntax_check(text, strlen(text), &err), 0);
	/* One bracket short: still open at the end. */
	assert_int_equal(pg_json_syntax_check(text, strlen(text) - 1, &err), -1);
	assert_non_null(strstr(err.msg, "found the end of the body"));
	free(text);
}

/* Everything jansson reads with its most lenient flags passes the check
 * too; the check is meant to pass more, never less. */
static void json_syntax_accepts_what_jansson_reads(void **state)
{
	static const char *const texts[] = {
		"{\"title\":\"t\",\"message\":\"m\",\"priority\":-2}",
		"[1.5,-0,1e-3,\"\\u00e9\\ud83d\\ude00\",null,true,false,{}]",
		"  \"only a string\"  ",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct pg_err err = { { 0 } };
		json_t *value = json_loads(texts[i],
					   JSON_DECODE_ANY | JSON_ALLOW_NUL,
					   NULL);

		assert_non_null(value);
		json_decref(value);
		if (pg_json_syntax_check(texts[i], strlen(texts[i]), &err) != 0)
			fail_msg("%s rejected: %s", texts[i], err.msg);
	}
}

/* Builds "<p a's><mark><40 - p a's>" in out, as a JSON string in quotes,
 * and returns its length. */
static size_t string_with_mark(char *out, size_t size, size_t p,
			       const char *mark)
{
	int n = snprintf(out, size, "\"%.*s%s%.*s\"", (int)p,
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", mark,
			 (int)(40 - p), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

/* Strings are scanned 8 bytes at a time, so each mark is tried at every
 * offset of a long string, on both sides of each word boundary. */
static void json_syntax_marks_at_every_offset(void **state)
{
	static const struct {
		const char *mark;
		const char *error; /* what precedes " at byte N", or NULL */
		size_t error_shift; /* added to the mark's offset */
	} marks[] = {
		{ "\xc3\xa9", NULL, 0 },
		{ "\\n", NULL, 0 },
		{ "\\u00e9", NULL, 0 },
		{ "\x01", "control character 0x01 in a string", 0 },
		{ "\x1f", "control character 0x1F in a string", 0 },
		{ "\\q", "invalid escape sequence", 0 },
		{ "\xff", "invalid UTF-8", 0 },
		{ "\xc3", "invalid UTF-8", 0 },
		{ "\"", "", 1 },
	};

	(void)state;
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
		for (size_t p = 0; p <= 40; p++) {
			char text[64];
			char expected[96];
			size_t len = string_with_mark(text, sizeof(text), p,
						      marks[m].mark);
			struct pg_err err = { { 0 } };
			int rc = pg_json_syntax_check(text, len, &err);

			if (!marks[m].error) {
				if (rc != 0)
					fail_msg("mark %zu at %zu rejected: %s", m,
						 p, err.msg);
				continue;
			}
			/* The mark starts after the opening quote. */
			snprintf(expected, sizeof(expected), "%s at byte %zu",
				 marks[m].error, 1 + p + marks[m].error_shift);
			if (rc != -1)
				fail_msg("mark %zu at %zu accepted", m, p);
			if (!strstr(err.msg, expected))
				fail_msg("mark %zu at %zu: \"%s\" lacks \"%s\"", m,
					 p, err.msg, expected);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_syntax_cases_table),
		cmocka_unit_test(json_syntax_deep_nesting),
		cmocka_unit_test(json_syntax_accepts_what_jansson_reads),
		cmocka_unit_test(json_syntax_marks_at_every_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
