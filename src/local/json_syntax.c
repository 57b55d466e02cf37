/* The JSON syntax check of the Invoke API stand-in: a loop over the
 * grammar of RFC 8259 with an explicit stack of open arrays and objects. */
#include "local/json_syntax.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

/* What the scanner expects next. */
enum expect {
	EXPECT_VALUE,
	EXPECT_KEY,   /* a member name after '{' and ',' in an object */
	EXPECT_AFTER, /* ',' or the end of the open array or object */
};

struct scanner {
	const char *text;
	size_t len;
	size_t pos;
	char *stack; /* '[' or '{' per open level */
	size_t depth;
	size_t stack_size;
	struct pg_err *err;
};

static bool at_end(const struct scanner *s)
{
	return s->pos >= s->len;
}

static void skip_white_space(struct scanner *s)
{
	while (!at_end(s) && strchr(" \t\r\n", s->text[s->pos]) &&
	       s->text[s->pos])
		s->pos++;
}

/* Records what was found at the current offset instead of what was
 * expected. Returns -1. */
static int unexpected(struct scanner *s, const char *expected)
{
	unsigned char c;

	if (at_end(s)) {
		pg_err_set(s->err, "expected %s, found the end of the body",
			   expected);
		return -1;
	}
	c = (unsigned char)s->text[s->pos];
	if (c > 0x20 && c < 0x7f)
		pg_err_set(s->err, "expected %s, found '%c' at byte %zu",
			   expected, c, s->pos);
	else
		pg_err_set(s->err, "expected %s, found byte 0x%02X at byte %zu",
			   expected, c, s->pos);
	return -1;
}

static void push(struct scanner *s, char open)
{
	if (s->depth == s->stack_size) {
		s->stack_size = s->stack_size ? s->stack_size * 2 : 64;
		s->stack = pg_realloc(s->stack, s->stack_size);
	}
	s->stack[s->depth++] = open;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex_digit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

#define BYTES_ONES UINT64_C(0x0101010101010101)
#define BYTES_HIGH UINT64_C(0x8080808080808080)

/* Returns the 8 bytes at p as one word, in memory order on any host. */
static uint64_t load_word(const char *p)
{
	uint64_t word;

	memcpy(&word, p, sizeof(word));
	return word;
}

/* Returns nonzero when a byte of word is below n (n at most 0x80). The
 * test is exact for "any byte", which is all that is asked here. */
static uint64_t has_byte_below(uint64_t word, unsigned n)
{
	return (word - BYTES_ONES * n) & ~word & BYTES_HIGH;
}

static uint64_t has_byte(uint64_t word, unsigned char c)
{
	return has_byte_below(word ^ (BYTES_ONES * c), 1);
}

/* Returns the offset of the first byte at or after pos that is not
 * ASCII, or len. */
static size_t skip_ascii(const char *text, size_t len, size_t pos)
{
	while (len - pos >= 8 && !(load_word(text + pos) & BYTES_HIGH))
		pos += 8;
	while (pos < len && !((unsigned char)text[pos] & 0x80))
		pos++;
	return pos;
}

/* Checks that text is UTF-8 as pg_utf8_valid does, with the same offset
 * on failure, but passes runs of ASCII eight bytes at a time. A valid
 * sequence never contains an ASCII byte, so each run of other bytes can
 * be checked alone. */
static bool utf8_valid(const char *text, size_t len, size_t *bad_offset)
{
	size_t pos = skip_ascii(text, len, 0);

	while (pos < len) {
		size_t end = pos;
		size_t bad;

		while (end < len && ((unsigned char)text[end] & 0x80))
			end++;
		if (!pg_utf8_valid(text + pos, end - pos, &bad)) {
			*bad_offset = pos + bad;
			return false;
		}
		pos = skip_ascii(text, len, end);
	}
	return true;
}

/* Scans a string from its opening quote past its closing one. The text
 * is valid UTF-8 already, so only '"', '\\' and control characters need
 * a look, and words of 8 bytes without them are passed whole. */
static int scan_string(struct scanner *s)
{
	size_t start = s->pos;

	for (s->pos++; !at_end(s); s->pos++) {
		unsigned char c;

		while (s->len - s->pos >= 8) {
			uint64_t word = load_word(s->text + s->pos);

			if (has_byte(word, '"') || has_byte(word, '\\') ||
			    has_byte_below(word, 0x20))
				break;
			s->pos += 8;
		}
		if (at_end(s))
			break;
		c = (unsigned char)s->text[s->pos];

		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c < 0x20) {
			pg_err_set(s->err, "control character 0x%02X in a string "
					   "at byte %zu; escape it, as \\u%04X",
				   c, s->pos, c);
			return -1;
		}
		if (c != '\\')
			continue;
		s->pos++;
		if (!at_end(s) && strchr("\"\\/bfnrt", s->text[s->pos]) &&
		    s->text[s->pos])
			continue;
		if (!at_end(s) && s->text[s->pos] == 'u' &&
		    s->len - s->pos > 4 && is_hex_digit(s->text[s->pos + 1]) &&
		    is_hex_digit(s->text[s->pos + 2]) &&
		    is_hex_digit(s->text[s->pos + 3]) &&
		    is_hex_digit(s->text[s->pos + 4])) {
			s->pos += 4;
			continue;
		}
		pg_err_set(s->err, "invalid escape sequence at byte %zu",
			   s->pos - 1);
		return -1;
	}
	pg_err_set(s->err, "the string that starts at byte %zu has no closing "
			   "quote",
		   start);
	return -1;
}

/* Scans the digits of a number part; at least one is required. */
static bool scan_digits(struct scanner *s)
{
	size_t start = s->pos;

	while (!at_end(s) && is_digit(s->text[s->pos]))
		s->pos++;
	return s->pos > start;
}

/* Scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? of any length. */
static int scan_number(struct scanner *s)
{
	size_t start = s->pos;

	if (s->text[s->pos] == '-')
		s->pos++;
	if (!at_end(s) && s->text[s->pos] == '0')
		s->pos++;
	else if (!scan_digits(s))
		goto invalid;
	if (!at_end(s) && s->text[s->pos] == '.') {
		s->pos++;
		if (!scan_digits(s))
			goto invalid;
	}
	if (!at_end(s) && (s->text[s->pos] == 'e' || s->text[s->pos] == 'E')) {
		s->pos++;
		if (!at_end(s) &&
		    (s->text[s->pos] == '+' || s->text[s->pos] == '-'))
			s->pos++;
		if (!scan_digits(s))
			goto invalid;
	}
	return 0;
invalid:
	pg_err_set(s->err, "invalid number at byte %zu", start);
	return -1;
}

static int scan_literal(struct scanner *s)
{
	static const char *const literals[] = { "true", "false", "null" };

	for (size_t i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
		size_t n = strlen(literals[i]);

		if (s->len - s->pos >= n &&
		    memcmp(s->text + s->pos, literals[i], n) == 0) {
			s->pos += n;
			return 0;
		}
	}
	return unexpected(s, "a JSON value");
}

/* Scans one value, or opens an array or object. Returns the next
 * expectation, or -1. */
static int scan_value(struct scanner *s)
{
	char c;

	skip_white_space(s);
	if (at_end(s))
		return unexpected(s, "a JSON value");
	c = s->text[s->pos];
	if (c == '{' || c == '[') {
		push(s, c);
		s->pos++;
		skip_white_space(s);
		if (!at_end(s) && s->text[s->pos] == (c == '{' ? '}' : ']')) {
			s->pos++;
			s->depth--;
			return EXPECT_AFTER;
		}
		return c == '{' ? EXPECT_KEY : EXPECT_VALUE;
	}
	if (c == '"')
		return scan_string(s) < 0 ? -1 : EXPECT_AFTER;
	if (c == '-' || is_digit(c))
		return scan_number(s) < 0 ? -1 : EXPECT_AFTER;
	return scan_literal(s) < 0 ? -1 : EXPECT_AFTER;
}

/* Scans a member name and its colon. */
static int scan_key(struct scanner *s)
{
	skip_white_space(s);
	if (at_end(s) || s->text[s->pos] != '"')
		return unexpected(s, "a member name in quotes");
	if (scan_string(s) < 0)
		return -1;
	skip_white_space(s);
	if (at_end(s) || s->text[s->pos] != ':')
		return unexpected(s, "':' after the member name");
	s->pos++;
	return EXPECT_VALUE;
}

/* Scans what follows a complete value: a ',' or the closing bracket of the
 * open array or object. */
static int scan_after(struct scanner *s)
{
	char open = s->stack[s->depth - 1];
	char close = open == '{' ? '}' : ']';

	skip_white_space(s);
	if (!at_end(s) && s->text[s->pos] == ',') {
		s->pos++;
		return open == '{' ? EXPECT_KEY : EXPECT_VALUE;
	}
	if (!at_end(s) && s->text[s->pos] == close) {
		s->pos++;
		s->depth--;
		return EXPECT_AFTER;
	}
	return unexpected(s, open == '{' ? "',' or '}'" : "',' or ']'");
}

int pg_json_syntax_check(const char *text, size_t len, struct pg_err *err)
{
	struct scanner s = { .text = text, .len = len, .err = err };
	size_t bad;
	int expect = EXPECT_VALUE;
	int result = -1;

	if (!utf8_valid(text, len, &bad)) {
		pg_err_set(err, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}

	/* The top-level value ends the loop once nothing is left open. */
	do {
		if (expect == EXPECT_VALUE)
			expect = scan_value(&s);
		else if (expect == EXPECT_KEY)
			expect = scan_key(&s);
		else
			expect = scan_after(&s);
		if (expect < 0)
			goto out;
	} while (s.depth || expect != EXPECT_AFTER);

	skip_white_space(&s);
	if (!at_end(&s)) {
		unexpected(&s, "the end of the body after the JSON value");
		goto out;
	}
	result = 0;
out:
	free(s.stack);
	return result;
}
