/* application/x-www-form-urlencoded bodies, media type matching and the
 * Accept header. */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

void pg_form_init(struct pg_form *form)
{
	form->fields = NULL;
	form->count = 0;
}

void pg_form_release(struct pg_form *form)
{
	if (!form)
		return;
	for (size_t i = 0; i < form->count; i++) {
		free(form->fields[i].name);
		free(form->fields[i].value);
	}
	free(form->fields);
	form->fields = NULL;
	form->count = 0;
}

/* Decodes one name or value into out. Returns 0, or -1 with *bad_at set to
 * the offset of a '%' that is not followed by two hex digits. */
static int decode_component(const char *s, size_t len, struct pg_buf *out,
			    size_t *bad_at)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int high = i + 1 < len ? pg_hex_digit_value(s[i + 1]) : -1;
			int low = i + 2 < len ? pg_hex_digit_value(s[i + 2]) : -1;

			if (high < 0 || low < 0) {
				*bad_at = i;
				return -1;
			}
			c = (char)(high << 4 | low);
			i += 2;
		}
		/* Cannot fail: out has no maximum and the output is never
		 * longer than the input. */
		if (pg_buf_append(out, &c, 1) < 0)
			return -1;
	}
	return 0;
}

/* Quotes the malformed escape at s[at] for a message: at most "%" and two
 * more bytes, only printable ASCII. */
static void quote_escape(const char *s, size_t len, size_t at, char out[4])
{
	size_t n = 0;

	for (size_t i = at; i < len && n < 3; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || (n && c == '%'))
			break;
		out[n++] = (char)c;
	}
	out[n] = '\0';
}

static int decode_field(struct pg_form_field *field, const char *segment,
			size_t segment_len, struct pg_problem *problem)
{
	const char *eq = memchr(segment, '=', segment_len);
	size_t name_len = eq ? (size_t)(eq - segment) : segment_len;
	const char *value = eq ? eq + 1 : segment + segment_len;
	size_t value_len = segment_len - name_len - (eq ? 1 : 0);
	struct pg_buf buf;
	size_t bad_at = 0;
	char escape[4];
	int result = -1;

	pg_buf_init(&buf, 0);
	if (decode_component(segment, name_len, &buf, &bad_at) < 0) {
		quote_escape(segment, name_len, bad_at, escape);
		pg_problem_set(problem, 400, "form field name: invalid "
				"percent-encoding \"%s\"", escape);
		goto out;
	}
	if (!pg_utf8_valid(buf.data ? buf.data : "", buf.len, NULL)) {
		pg_problem_set(problem, 400,
			       "form field name: not valid UTF-8");
		goto out;
	}
	if (buf.len && memchr(buf.data, '\0', buf.len)) {
		pg_problem_set(problem, 400,
			       "form field name: contains a NUL byte");
		goto out;
	}
	field->name = pg_buf_detach(&buf, &field->name_len);

	if (decode_component(value, value_len, &buf, &bad_at) < 0) {
		quote_escape(value, value_len, bad_at, escape);
		pg_problem_field(problem, field->name,
				 "invalid percent-encoding \"%s\"", escape);
		goto out;
	}
	if (!pg_utf8_valid(buf.data ? buf.data : "", buf.len, NULL)) {
		pg_problem_field(problem, field->name, "not valid UTF-8");
		goto out;
	}
	/* Checked here, because C string functions would stop at it. */
	if (buf.len && memchr(buf.data, '\0', buf.len)) {
		pg_problem_field(problem, field->name,
				 "contains a NUL byte (%%00)");
		goto out;
	}
	field->value = pg_buf_detach(&buf, &field->value_len);
	result = 0;
out:
	pg_buf_release(&buf);
	return result;
}

int pg_form_parse(struct pg_form *form, const char *body, size_t len,
		  struct pg_problem *problem)
{
	size_t pos = 0;

	while (pos < len) {
		const char *segment = body + pos;
		const char *amp = memchr(segment, '&', len - pos);
		size_t segment_len = amp ? (size_t)(amp - segment) : len - pos;
		struct pg_form_field *field;

		pos += segment_len + 1;
		if (!segment_len)
			continue;
		if (form->count == PG_FORM_MAX_FIELDS) {
			pg_problem_set(problem, 400, "form: more than %d fields",
				       PG_FORM_MAX_FIELDS);
			return -1;
		}
		if (!form->fields)
			form->fields = pg_calloc(PG_FORM_MAX_FIELDS,
						 sizeof(form->fields[0]));
		field = &form->fields[form->count];
		/* Count the field first so that release frees a half-filled
		 * one. */
		form->count++;
		if (decode_field(field, segment, segment_len, problem) < 0)
			return -1;
	}
	return 0;
}

bool pg_media_type_is(const char *content_type, const char *media_type)
{
	const char *start = content_type;
	const char *end;

	while (*start == ' ' || *start == '\t')
		start++;
	end = start + strcspn(start, ";");
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t)(end - start) == strlen(media_type) &&
	       pg_ascii_nieq(start, media_type, (size_t)(end - start));
}

/* Tells whether the media range range (len bytes, parameters included) is
 * text/html with a quality above 0. */
static bool range_is_html(const char *range, size_t len)
{
	const char *end = range + len;
	const char *semi = memchr(range, ';', len);
	const char *type_end = semi ? semi : end;
	const char *q;

	while (range < type_end && (*range == ' ' || *range == '\t'))
		range++;
	while (type_end > range && (type_end[-1] == ' ' || type_end[-1] == '\t'))
		type_end--;
	if ((size_t)(type_end - range) != strlen("text/html") ||
	    !pg_ascii_nieq(range, "text/html", strlen("text/html")))
		return false;
	if (!semi)
		return true;

	/* "q=0", "q=0.0" or "q=0.000" switch the range off. */
	for (q = semi; q < end; q++) {
		size_t rest;

		if (*q != 'q' && *q != 'Q')
			continue;
		if (q[-1] != ';' && q[-1] != ' ' && q[-1] != '\t')
			continue;
		rest = (size_t)(end - q);
		if (rest < 3 || q[1] != '=')
			continue;
		if (q[2] != '0')
			return true;
		for (size_t i = 3; i < rest; i++) {
			if (q[i] == '.' || q[i] == '0')
				continue;
			if (q[i] >= '1' && q[i] <= '9')
				return true;
			break;
		}
		return false;
	}
	return true;
}

bool pg_accept_has_html(const char *accept)
{
	const char *p = accept;

	if (!p)
		return false;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (range_is_html(p, len))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}
