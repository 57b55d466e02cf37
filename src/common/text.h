/* UTF-8 and base64 helpers shared by every layer that reads outside text. */
#ifndef PG_TEXT_H
#define PG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* Checks strict UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates,
 * nothing above U+10FFFF. On failure *bad_offset, when given, receives the
 * offset of the first invalid byte. */
bool pg_utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* Counts code points in valid UTF-8. */
size_t pg_utf8_count(const char *s, size_t len);
/* Returns how many bytes of valid UTF-8 hold at most max_chars code points,
 * never ending inside a multi-byte sequence. */
size_t pg_utf8_prefix_bytes(const char *s, size_t len, size_t max_chars);

/* Decodes standard base64 (RFC 4648 section 4; padding optional, ASCII
 * whitespace ignored) and appends the bytes to out. Returns 0, or -1 on an
 * invalid character, bad length or when out's maximum would be passed. */
__attribute__((warn_unused_result))
int pg_base64_decode(const char *s, size_t len, struct pg_buf *out);
/* Appends the padded base64 encoding of data to out; -1 past out's maximum. */
__attribute__((warn_unused_result))
int pg_base64_encode(const void *data, size_t len, struct pg_buf *out);

/* Returns the value of the hexadecimal digit c, or -1. */
int pg_hex_digit_value(char c);

/* Appends text to out with &, <, >, " and ' replaced by entities, so it is
 * safe inside HTML text and quoted attributes. Returns -1 past out's
 * maximum. */
__attribute__((warn_unused_result))
int pg_html_escape(struct pg_buf *out, const char *text);

/* Case-insensitive ASCII comparison, as HTTP header names need. */
bool pg_ascii_ieq(const char *a, const char *b);
bool pg_ascii_nieq(const char *a, const char *b, size_t n);

#endif
