/* The CORS allow-list of CORS_ALLOW_ORIGIN: checking it and matching an
 * Origin header against it. */
#include "web/web.h"

#include <string.h>

#include "common/text.h"

/* Moves *cursor past the next comma-separated entry of list and stores the
 * entry without its surrounding spaces. Returns false at the end. */
static bool next_entry(const char **cursor, const char **entry,
		       size_t *entry_len)
{
	const char *p = *cursor;
	const char *end;

	if (!*p)
		return false;
	end = p + strcspn(p, ",");
	*cursor = *end ? end + 1 : end;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*entry = p;
	*entry_len = (size_t)(end - p);
	return true;
}

/* Tells whether s (len bytes) is scheme://host[:port] with an http or
 * https scheme and nothing after the port. */
static bool is_origin(const char *s, size_t len)
{
	size_t scheme_len;
	size_t host_len = 0;
	size_t i;

	if (len > 7 && pg_ascii_nieq(s, "http://", 7))
		scheme_len = 7;
	else if (len > 8 && pg_ascii_nieq(s, "https://", 8))
		scheme_len = 8;
	else
		return false;

	i = scheme_len;
	if (s[i] == '[') {
		/* An IPv6 literal such as [::1]. */
		for (i++; i < len && s[i] != ']'; i++, host_len++)
			if (!s[i] || !strchr("0123456789abcdefABCDEF:.", s[i]))
				return false;
		if (i == len)
			return false;
		i++;
	} else {
		for (; i < len && s[i] != ':'; i++, host_len++) {
			unsigned char c = (unsigned char)s[i];

			if (!((c >= 'a' && c <= 'z') ||
			      (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.'))
				return false;
		}
	}
	if (!host_len)
		return false;
	if (i == len)
		return true;

	/* A port: one to five digits. */
	if (s[i] != ':')
		return false;
	i++;
	if (i == len || len - i > 5)
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int pg_cors_list_check(const char *allow_list, struct pg_err *err)
{
	const char *cursor = allow_list;
	const char *entry;
	size_t entry_len;
	size_t count = 0;
	bool star = false;

	while (next_entry(&cursor, &entry, &entry_len)) {
		count++;
		if (entry_len == 1 && entry[0] == '*') {
			star = true;
			continue;
		}
		if (!entry_len) {
			pg_err_set(err, "CORS_ALLOW_ORIGIN: entry %zu is empty",
				   count);
			return -1;
		}
		if (entry_len > PG_CORS_ORIGIN_MAX ||
		    !is_origin(entry, entry_len)) {
			pg_err_set(err, "CORS_ALLOW_ORIGIN: \"%.*s\" is not an "
					"origin; write scheme://host[:port], such "
					"as https://www.example.com, with no path "
					"or trailing slash",
				   (int)(entry_len > 100 ? 100 : entry_len),
				   entry);
			return -1;
		}
	}
	if (!count) {
		pg_err_set(err, "CORS_ALLOW_ORIGIN: empty; use * or a "
				"comma-separated list of origins");
		return -1;
	}
	if (star && count > 1) {
		pg_err_set(err, "CORS_ALLOW_ORIGIN: * must stand alone, not in "
				"a list of origins");
		return -1;
	}
	return 0;
}

bool pg_cors_list_has(const char *allow_list, const char *origin,
		      size_t origin_len)
{
	const char *cursor = allow_list;
	const char *entry;
	size_t entry_len;

	if (!origin || !origin_len)
		return false;
	while (next_entry(&cursor, &entry, &entry_len)) {
		if (entry_len == 1 && entry[0] == '*')
			continue;
		if (entry_len == origin_len &&
		    pg_ascii_nieq(entry, origin, origin_len))
			return true;
	}
	return false;
}

bool pg_cors_origin_allowed(const char *allow_list, const char *origin)
{
	if (strcmp(allow_list, "*") == 0)
		return true;
	return origin && pg_cors_list_has(allow_list, origin, strlen(origin));
}

bool pg_cors_list_single(const char *allow_list, char *out, size_t out_size)
{
	const char *cursor = allow_list;
	const char *entry;
	size_t entry_len;

	if (!next_entry(&cursor, &entry, &entry_len) || *cursor ||
	    entry_len >= out_size)
		return false;
	memcpy(out, entry, entry_len);
	out[entry_len] = '\0';
	return true;
}
