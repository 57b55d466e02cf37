/* Tests of the shared helpers: bounded buffers, UTF-8 and base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/text.h"

static void buf_append_respects_max(void **state)
{
	struct pg_buf buf;

	(void)state;
	pg_buf_init(&buf, 8);
	assert_int_equal(pg_buf_append(&buf, "abcd", 4), 0);
	assert_int_equal(pg_buf_appendf(&buf, "%d", 1234), 0);
	assert_int_equal(buf.len, 8);
	assert_string_equal(buf.data, "abcd1234");
	assert_int_equal(pg_buf_append(&buf, "x", 1), -1);
	assert_int_equal(pg_buf_appendf(&buf, "%s", "y"), -1);
	assert_int_equal(buf.len, 8);
	assert_string_equal(buf.data, "abcd1234");
	pg_buf_release(&buf);
	pg_buf_release(&buf);
	assert_null(buf.data);
}

static void buf_keeps_nul_bytes(void **state)
{
	struct pg_buf buf;
	size_t len;
	char *data;

	(void)state;
	pg_buf_init(&buf, 0);
	assert_int_equal(pg_buf_append(&buf, "a\0b", 3), 0);
	assert_int_equal(buf.len, 3);
	assert_memory_equal(buf.data, "a\0b", 4);
	data = pg_buf_detach(&buf, &len);
	assert_int_equal(len, 3);
	assert_null(buf.data);
	assert_int_equal(buf.len, 0);
	free(data);
	data = pg_buf_detach(&buf, &len);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
}

static void err_keeps_first_message(void **state)
{
	struct pg_err err = { 0 };

	(void)state;
	assert_false(pg_err_is_set(&err));
	pg_err_set(&err, "first %d", 1);
	pg_err_set(&err, "second");
	assert_string_equal(err.msg, "first 1");
	pg_err_clear(&err);
	assert_false(pg_err_is_set(&err));
	pg_err_set(NULL, "ignored");
}

struct utf8_case {
	const char *label;
	const char *bytes;
	size_t len;
	bool valid;
	size_t bad_offset;
};

#define UTF8(label, s, valid, bad) { label, s, sizeof(s) - 1, valid, bad }

static const struct utf8_case utf8_cases[] = {
	UTF8("empty", "", true, 0),
	UTF8("ascii", "hello", true, 0),
	UTF8("two-byte", "Ren\xc3\xa9" "e", true, 0),
	UTF8("three-byte", "\xe2\x82\xac", true, 0),
	UTF8("four-byte", "\xf0\x9f\x90\xa6", true, 0),
	UTF8("max code point", "\xf4\x8f\xbf\xbf", true, 0),
	UTF8("nul is valid", "a\0b", true, 0),
	UTF8("truncated three-byte", "ab\xe2\x82", false, 2),
	UTF8("lone continuation", "a\x80", false, 1),
	UTF8("overlong slash", "\xc0\xaf", false, 0),
	UTF8("overlong three-byte", "\xe0\x80\xaf", false, 0),
	UTF8("overlong four-byte", "\xf0\x80\x80\xaf", false, 0),
	UTF8("surrogate", "x\xed\xa0\x80", false, 1),
	UTF8("above U+10FFFF", "\xf4\x90\x80\x80", false, 0),
	UTF8("invalid lead 0xff", "\xff", false, 0),
	UTF8("bad continuation", "\xc3\x28", false, 0),
};

static void utf8_valid_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		size_t bad = SIZE_MAX;
		bool valid = pg_utf8_valid(c->bytes, c->len, &bad);

		if (valid != c->valid)
			fail_msg("%s: expected %s", c->label,
				 c->valid ? "valid" : "invalid");
		if (!c->valid && bad != c->bad_offset)
			fail_msg("%s: bad offset %zu, expected %zu", c->label,
				 bad, c->bad_offset);
	}
}

static void utf8_prefix_never_splits(void **state)
{
	/* "é€🐦" is 2 + 3 + 4 bytes. */
	const char *s = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xa6";
	size_t len = strlen(s);

	(void)state;
	assert_int_equal(pg_utf8_count(s, len), 3);
	assert_int_equal(pg_utf8_prefix_bytes(s, len, 0), 0);
	assert_int_equal(pg_utf8_prefix_bytes(s, len, 1), 2);
	assert_int_equal(pg_utf8_prefix_bytes(s, len, 2), 5);
	assert_int_equal(pg_utf8_prefix_bytes(s, len, 3), 9);
	assert_int_equal(pg_utf8_prefix_bytes(s, len, 10), 9);
}

struct base64_case {
	const char *label;
	const char *text;
	const char *decoded; /* NULL when the text is invalid */
	size_t decoded_len;
};

static const struct base64_case base64_cases[] = {
	{ "empty", "", "", 0 },
	{ "padded one byte", "Zg==", "f", 1 },
	{ "padded two bytes", "Zm8=", "fo", 2 },
	{ "full group", "Zm9v", "foo", 3 },
	{ "unpadded", "Zm9vYg", "foob", 4 },
	{ "line breaks ignored", "Zm9v\r\nYmFy", "foobar", 6 },
	{ "embedded nul", "YQBi", "a\0b", 3 },
	{ "plain text", "Hello from Lambda!", NULL, 0 },
	{ "one symbol left over", "Zm9vY", NULL, 0 },
	{ "data after padding", "Zg==Zg==", NULL, 0 },
	{ "too much padding", "Zg===", NULL, 0 },
	{ "url-safe alphabet", "-_8=", NULL, 0 },
};

static void base64_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(base64_cases) / sizeof(base64_cases[0]); i++) {
		const struct base64_case *c = &base64_cases[i];
		struct pg_buf out;
		int rc;

		pg_buf_init(&out, 0);
		rc = pg_base64_decode(c->text, strlen(c->text), &out);
		if (!c->decoded) {
			if (rc != -1)
				fail_msg("%s: accepted", c->label);
			assert_int_equal(out.len, 0);
		} else {
			if (rc != 0)
				fail_msg("%s: rejected", c->label);
			assert_int_equal(out.len, c->decoded_len);
			if (c->decoded_len)
				assert_memory_equal(out.data, c->decoded,
						    c->decoded_len);
		}
		pg_buf_release(&out);
	}
}

static void base64_round_trip(void **state)
{
	unsigned char bytes[256];
	struct pg_buf encoded;
	struct pg_buf decoded;

	(void)state;
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)i;
	for (size_t len = 0; len <= sizeof(bytes); len += 37) {
		pg_buf_init(&encoded, 0);
		pg_buf_init(&decoded, 0);
		assert_int_equal(pg_base64_encode(bytes, len, &encoded), 0);
		assert_int_equal(encoded.len, (len + 2) / 3 * 4);
		assert_int_equal(pg_base64_decode(encoded.data, encoded.len,
						  &decoded), 0);
		assert_int_equal(decoded.len, len);
		if (len)
			assert_memory_equal(decoded.data, bytes, len);
		pg_buf_release(&encoded);
		pg_buf_release(&decoded);
	}
}

static void base64_decode_respects_max(void **state)
{
	struct pg_buf out;

	(void)state;
	pg_buf_init(&out, 2);
	assert_int_equal(pg_base64_decode("Zm9v", 4, &out), -1);
	assert_int_equal(out.len, 0);
	pg_buf_release(&out);
}

static void ascii_compare_ignores_case(void **state)
{
	(void)state;
	assert_true(pg_ascii_ieq("Content-Type", "content-type"));
	assert_false(pg_ascii_ieq("Content-Type", "content-typ"));
	assert_true(pg_ascii_nieq("X-AMZ-Date", "x-amz-dATE and more", 10));
	assert_false(pg_ascii_nieq("abc", "abd", 3));
}

static void html_escape_replaces_specials(void **state)
{
	struct pg_buf out;

	(void)state;
	pg_buf_init(&out, 0);
	assert_int_equal(pg_html_escape(&out, "<a href=\"x\">Tom & Jerry's</a>"),
			 0);
	assert_string_equal(out.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; "
				      "Jerry&#39;s&lt;/a&gt;");
	pg_buf_release(&out);
}

static void hex_digit_values(void **state)
{
	(void)state;
	assert_int_equal(pg_hex_digit_value('0'), 0);
	assert_int_equal(pg_hex_digit_value('9'), 9);
	assert_int_equal(pg_hex_digit_value('a'), 10);
	assert_int_equal(pg_hex_digit_value('F'), 15);
	assert_int_equal(pg_hex_digit_value('g'), -1);
	assert_int_equal(pg_hex_digit_value('%'), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_append_respects_max),
		cmocka_unit_test(buf_keeps_nul_bytes),
		cmocka_unit_test(err_keeps_first_message),
		cmocka_unit_test(utf8_valid_table),
		cmocka_unit_test(utf8_prefix_never_splits),
		cmocka_unit_test(base64_decode_table),
		cmocka_unit_test(base64_round_trip),
		cmocka_unit_test(base64_decode_respects_max),
		cmocka_unit_test(ascii_compare_ignores_case),
		cmocka_unit_test(html_escape_replaces_specials),
		cmocka_unit_test(hex_digit_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
