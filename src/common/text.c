#include "common/text.h"

#include <stdint.h>
#include <string.h>

bool pg_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t need;
		uint32_t cp;
		uint32_t min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			goto bad;
		}
		if (len - i - 1 < need)
			goto bad;
		for (size_t k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
	}
	return true;
bad:
	if (bad_offset)
		*bad_offset = i;
	return false;
}

size_t pg_utf8_count(const char *s, size_t len)
{
	size_t count = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

size_t pg_utf8_prefix_bytes(const char *s, size_t len, size_t max_chars)
{
	size_t chars = 0;

	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == max_chars)
				return i;
			chars++;
		}
	}
	return len;
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int pg_base64_decode(const char *s, size_t len, struct pg_buf *out)
{
	size_t start = out->len;
	uint32_t acc = 0;
	int bits = 0;
	size_t symbols = 0;
	size_t padding = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			padding++;
			continue;
		}
		/* Data after padding is not base64. */
		if (padding)
			goto bad;
		v = base64_value(c);
		if (v < 0)
			goto bad;
		symbols++;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			char byte;

			bits -= 8;
			byte = (char)((acc >> bits) & 0xff);
			if (pg_buf_append(out, &byte, 1) < 0)
				goto bad;
		}
	}
	/* One symbol left over carries only 6 bits: never valid. Padding, when
	 * present, must complete the final group of four. */
	if (symbols % 4 == 1)
		goto bad;
	if (padding && (padding > 2 || (symbols + padding) % 4 != 0))
		goto bad;
	return 0;
bad:
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return -1;
}

int pg_base64_encode(const void *data, size_t len, struct pg_buf *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t out_len;
	char *w;

	if (len > (SIZE_MAX / 4) * 3 - 3)
		return -1;
	out_len = (len + 2) / 3 * 4;
	if (pg_buf_reserve(out, out_len) < 0)
		return -1;
	w = out->data + out->len;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t n = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			n |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			n |= p[i + 2];
		*w++ = alphabet[(n >> 18) & 63];
		*w++ = alphabet[(n >> 12) & 63];
		*w++ = i + 1 < len ? alphabet[(n >> 6) & 63] : '=';
		*w++ = i + 2 < len ? alphabet[n & 63] : '=';
	}
	out->len += out_len;
	out->data[out->len] = '\0';
	return 0;
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

bool pg_ascii_ieq(const char *a, const char *b)
{
	while (*a && *b) {
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
	return *a == *b;
}

bool pg_ascii_nieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ca = ascii_lower((unsigned char)a[i]);

		if (ca != ascii_lower((unsigned char)b[i]))
			return false;
		if (!ca)
			return true;
	}
	return true;
}

int pg_hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pg_html_escape(struct pg_buf *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		const char *entity = NULL;
		int rc;

		switch (*p) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		default: break;
		}
		rc = entity ? pg_buf_append_str(out, entity)
			    : pg_buf_append(out, p, 1);
		if (rc < 0)
			return -1;
	}
	return 0;
}
