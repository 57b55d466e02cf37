/* Text repair for events that are not valid UTF-8, and decoding of the
 * percent-encoded query strings of HTTP API 2.0 and ALB events. */
#include "events/internal.h"

#include <string.h>

#include "common/text.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

/* Returns the length of the UTF-8 sequence that the lead byte c starts, or
 * 0 when c cannot start one. */
static size_t sequence_length(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Returns the length of the valid UTF-8 sequence at s, or 0. */
static size_t valid_sequence(const char *s, size_t len)
{
	size_t n = sequence_length((unsigned char)s[0]);

	if (!n || n > len || !pg_utf8_valid(s, n, NULL))
		return 0;
	return n;
}

/* Appends bytes, ignoring the buffer's maximum: every caller's buffer is
 * unbounded, and running out of memory aborts in pg_realloc. */
static void append(struct pg_buf *out, const char *s, size_t len)
{
	if (pg_buf_append(out, s, len) < 0)
		pg_buf_reset(out);
}

void pg_events_append_text(struct pg_buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = s[i] ? valid_sequence(s + i, len - i) : 0;

		if (n) {
			append(out, s + i, n);
			i += n;
		} else {
			append(out, REPLACEMENT, 3);
			i++;
		}
	}
}

/* Reads the four hex digits of a \u escape at s (pointing at the 'u'), or
 * returns -1. */
static long escape_code(const char *s, size_t left)
{
	long code = 0;

	if (left < 5 || s[0] != 'u')
		return -1;
	for (int i = 1; i <= 4; i++) {
		int digit = pg_hex_digit_value(s[i]);

		if (digit < 0)
			return -1;
		code = code * 16 + digit;
	}
	return code;
}

bool pg_events_repair_json_text(const char *text, size_t len,
				struct pg_buf *out)
{
	bool in_string = false;
	bool replaced = false;
	size_t i = 0;

	pg_buf_reset(out);
	while (i < len) {
		unsigned char c = (unsigned char)text[i];
		size_t n;

		if (c >= 0x80) {
			n = valid_sequence(text + i, len - i);
			if (n) {
				append(out, text + i, n);
				i += n;
			} else {
				append(out, REPLACEMENT, 3);
				replaced = true;
				i++;
			}
			continue;
		}
		if (c == '"') {
			in_string = !in_string;
		} else if (c == '\\' && in_string && i + 1 < len) {
			long code = escape_code(text + i + 1, len - i - 1);
			long low = -1;

			if (code >= 0xd800 && code <= 0xdbff && i + 6 < len &&
			    text[i + 6] == '\\')
				low = escape_code(text + i + 7, len - i - 7);
			if (code >= 0xd800 && code <= 0xdbff && low >= 0xdc00 &&
			    low <= 0xdfff) {
				append(out, text + i, 12);
				i += 12;
			} else if (code >= 0xd800 && code <= 0xdfff) {
				append(out, "\\uFFFD", 6);
				replaced = true;
				i += 6;
			} else {
				/* Any other escape is two bytes as far as
				 * string boundaries go. */
				append(out, text + i, 2);
				i += 2;
			}
			continue;
		}
		append(out, text + i, 1);
		i++;
	}
	return replaced;
}

/* Decodes one percent-encoded query name or value into a JSON string:
 * "%XX" is the byte, "+" a space, a stray "%" stays. */
static json_t *decode_component(const char *s, size_t len)
{
	struct pg_buf bytes;
	struct pg_buf text;
	json_t *value;

	pg_buf_init(&bytes, 0);
	pg_buf_init(&text, 0);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int high = i + 1 < len ? pg_hex_digit_value(s[i + 1]) : -1;
		int low = i + 2 < len ? pg_hex_digit_value(s[i + 2]) : -1;

		if (c == '%' && high >= 0 && low >= 0) {
			c = (char)(high * 16 + low);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		append(&bytes, &c, 1);
	}
	pg_events_append_text(&text, bytes.data ? bytes.data : "", bytes.len);
	value = json_stringn(text.data ? text.data : "", text.len);
	pg_buf_release(&text);
	pg_buf_release(&bytes);
	return value;
}

/* Adds value (a new reference) to the array of name in map. */
static void add_value(json_t *map, json_t *name, json_t *value)
{
	const char *key = json_string_value(name);
	json_t *list;

	if (!key || !value) {
		json_decref(value);
		return;
	}
	list = json_object_get(map, key);
	if (!list) {
		list = json_array();
		json_object_set_new(map, key, list);
	}
	json_array_append_new(list, value);
}

json_t *pg_events_query_from_raw(const char *raw, size_t len)
{
	json_t *map = json_object();
	size_t start = 0;

	while (start <= len) {
		const char *pair = raw + start;
		const char *end = memchr(pair, '&', len - start);
		size_t pair_len = end ? (size_t)(end - pair) : len - start;
		const char *eq = memchr(pair, '=', pair_len);

		if (pair_len) {
			size_t name_len = eq ? (size_t)(eq - pair) : pair_len;
			json_t *name = decode_component(pair, name_len);
			json_t *value = eq ? decode_component(eq + 1,
							      pair_len -
								      name_len - 1)
					   : json_string("");

			add_value(map, name, value);
			json_decref(name);
		}
		start += pair_len + 1;
	}
	return map;
}

static void add_encoded(json_t *map, const char *key, json_t *value)
{
	json_t *name;

	/* Values that are not strings, or hold a NUL byte, are ignored as
	 * they are in every other map. */
	if (!json_is_string(value) ||
	    strlen(json_string_value(value)) != json_string_length(value))
		return;
	name = decode_component(key, strlen(key));
	add_value(map, name,
		  decode_component(json_string_value(value),
				   json_string_length(value)));
	json_decref(name);
}

json_t *pg_events_query_from_encoded_maps(json_t *multi, json_t *single)
{
	json_t *map;
	const char *key;
	json_t *value;

	if (!multi && !single)
		return NULL;
	map = json_object();
	if (multi) {
		json_object_foreach(multi, key, value) {
			size_t index;
			json_t *item;

			if (!json_is_array(value))
				continue;
			json_array_foreach(value, index, item)
				add_encoded(map, key, item);
		}
		return map;
	}
	json_object_foreach(single, key, value)
		add_encoded(map, key, value);
	return map;
}
