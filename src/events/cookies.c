/* The request's effective cookie list, merged from the 2.0 "cookies" array
 * and the Cookie headers, and the check for a client that wants HTML. */
#include "events/events.h"
#include "events/internal.h"

#include <string.h>

#include "common/text.h"

struct cookie_scan {
	struct pg_http_cookie items[PG_HTTP_COOKIES_MAX];
	size_t count;
	size_t pairs_read;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool same_cookie(const struct pg_http_cookie *a,
			const struct pg_http_cookie *b)
{
	return a->name_len == b->name_len && a->value_len == b->value_len &&
	       memcmp(a->name, b->name, a->name_len) == 0 &&
	       memcmp(a->value, b->value, a->value_len) == 0;
}

/* Adds one "name=value" pair (len bytes at pair, not yet trimmed). */
static void add_pair(struct cookie_scan *scan, const char *pair, size_t len)
{
	struct pg_http_cookie cookie;
	const char *eq;

	while (len && is_blank(*pair)) {
		pair++;
		len--;
	}
	while (len && is_blank(pair[len - 1]))
		len--;
	if (!len || scan->pairs_read == PG_HTTP_COOKIES_MAX)
		return;
	scan->pairs_read++;

	/* RFC 6265bis: a pair without '=' is a cookie with an empty name. */
	eq = memchr(pair, '=', len);
	if (eq) {
		cookie.name = pair;
		cookie.name_len = (size_t)(eq - pair);
		cookie.value = eq + 1;
		cookie.value_len = len - cookie.name_len - 1;
		while (cookie.name_len && is_blank(pair[cookie.name_len - 1]))
			cookie.name_len--;
		while (cookie.value_len && is_blank(*cookie.value)) {
			cookie.value++;
			cookie.value_len--;
		}
	} else {
		cookie.name = pair;
		cookie.name_len = 0;
		cookie.value = pair;
		cookie.value_len = len;
	}

	for (size_t i = 0; i < scan->count; i++)
		if (same_cookie(&scan->items[i], &cookie))
			return;
	scan->items[scan->count++] = cookie;
}

/* Splits a Cookie header value ("a=1; b=2") into pairs. */
static void add_list(void *ctx, const char *list)
{
	struct cookie_scan *scan = ctx;

	while (*list && scan->pairs_read < PG_HTTP_COOKIES_MAX) {
		size_t len = strcspn(list, ";");

		add_pair(scan, list, len);
		list += len;
		if (*list == ';')
			list++;
	}
}

static void scan_cookies(const struct pg_http_request *req,
			 struct cookie_scan *scan)
{
	size_t index;
	json_t *item;

	scan->count = 0;
	scan->pairs_read = 0;
	json_array_foreach(req->cookies, index, item) {
		const char *text = json_string_value(item);

		if (text && strlen(text) == json_string_length(item))
			add_list(scan, text);
	}
	pg_events_header_visit(req, "Cookie", add_list, scan);
}

size_t pg_http_request_cookies(const struct pg_http_request *req,
			       struct pg_http_cookie *cookies, size_t max)
{
	struct cookie_scan scan;
	size_t count;

	scan_cookies(req, &scan);
	count = scan.count < max ? scan.count : max;
	memcpy(cookies, scan.items, count * sizeof(cookies[0]));
	return count;
}

bool pg_http_request_cookie(const struct pg_http_request *req,
			    const char *name, struct pg_http_cookie *out)
{
	struct cookie_scan scan;
	size_t name_len = strlen(name);

	scan_cookies(req, &scan);
	for (size_t i = 0; i < scan.count; i++) {
		const struct pg_http_cookie *cookie = &scan.items[i];

		if (cookie->name_len == name_len &&
		    memcmp(cookie->name, name, name_len) == 0) {
			*out = *cookie;
			return true;
		}
	}
	return false;
}

int pg_http_request_cookie_header(const struct pg_http_request *req,
				  struct pg_buf *out)
{
	struct cookie_scan scan;

	scan_cookies(req, &scan);
	for (size_t i = 0; i < scan.count; i++) {
		const struct pg_http_cookie *cookie = &scan.items[i];

		if ((i && pg_buf_append_str(out, "; ") < 0) ||
		    pg_buf_append(out, cookie->name, cookie->name_len) < 0 ||
		    (cookie->name_len && pg_buf_append_str(out, "=") < 0) ||
		    pg_buf_append(out, cookie->value, cookie->value_len) < 0)
			return -1;
	}
	return (int)scan.count;
}
