/* multipart/form-data bodies: RFC 7578, with the delimiter syntax of
 * RFC 2046 section 5.1.1. */
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

/* ---- Header parameters ------------------------------------------------ */

/* One parameter of a header value, such as name="email" in
 * form-data; name="email". The value is given without its quotes. */
struct param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_spaces(const char *s, const char *end)
{
	while (s < end && is_space(*s))
		s++;
	return s;
}

/* Reads the next ";"-separated parameter at *cursor, before end. Returns 1
 * with param filled, 0 at the end, or -1 when the text is malformed: no
 * ';' before the parameter, no '=' after its name, or an unterminated
 * quoted string. Inside quotes every byte but '"' is taken as it is, as
 * browsers write names. */
static int next_param(const char **cursor, const char *end,
		      struct param *param)
{
	const char *s = skip_spaces(*cursor, end);

	if (s == end)
		return 0;
	if (*s != ';')
		return -1;
	s = skip_spaces(s + 1, end);
	if (s == end)
		return 0; /* a trailing ';' */

	param->name = s;
	while (s < end && *s != '=' && *s != ';' && !is_space(*s))
		s++;
	param->name_len = (size_t)(s - param->name);
	s = skip_spaces(s, end);
	if (s == end || *s != '=' || !param->name_len)
		return -1;
	s = skip_spaces(s + 1, end);

	if (s < end && *s == '"') {
		param->value = ++s;
		while (s < end && *s != '"')
			s++;
		if (s == end)
			return -1;
		param->value_len = (size_t)(s - param->value);
		s++;
	} else {
		param->value = s;
		while (s < end && *s != ';' && !is_space(*s))
			s++;
		param->value_len = (size_t)(s - param->value);
	}
	*cursor = s;
	return 1;
}

static bool param_is(const struct param *param, const char *name)
{
	size_t len = strlen(name);

	return param->name_len == len &&
	       pg_ascii_nieq(param->name, name, len);
}

/* Tells whether the value before the first ';' of [s, end) is word,
 * ignoring ASCII case and surrounding spaces, and sets *params to the ';'
 * or the end. */
static bool value_is(const char *s, const char *end, const char *word,
		     const char **params)
{
	const char *semi = memchr(s, ';', (size_t)(end - s));
	const char *value_end = semi ? semi : end;
	size_t len = strlen(word);

	*params = value_end;
	s = skip_spaces(s, value_end);
	while (value_end > s && is_space(value_end[-1]))
		value_end--;
	return (size_t)(value_end - s) == len && pg_ascii_nieq(s, word, len);
}

/* ---- The boundary ----------------------------------------------------- */

/* RFC 2046's bchars: the characters a boundary may contain. */
static bool is_boundary_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("'()+_,-./:=? ", c));
}

int pg_multipart_boundary(const char *content_type,
			  char boundary[PG_MULTIPART_BOUNDARY_MAX + 1],
			  struct pg_problem *problem)
{
	const char *end = content_type + strlen(content_type);
	const char *cursor = content_type + strcspn(content_type, ";");
	struct param param;
	bool found = false;
	int rc;

	while ((rc = next_param(&cursor, end, &param)) > 0) {
		if (!param_is(&param, "boundary"))
			continue;
		if (found) {
			pg_problem_set(problem, 400, "Content-Type: boundary "
					"given more than once");
			return -1;
		}
		found = true;
		if (!param.value_len ||
		    param.value_len > PG_MULTIPART_BOUNDARY_MAX) {
			pg_problem_set(problem, 400, "Content-Type: the "
					"boundary must have 1 to %d characters",
				       PG_MULTIPART_BOUNDARY_MAX);
			return -1;
		}
		for (size_t i = 0; i < param.value_len; i++) {
			if (is_boundary_char(param.value[i]))
				continue;
			pg_problem_set(problem, 400, "Content-Type: the "
					"boundary contains a character that "
					"RFC 2046 does not allow");
			return -1;
		}
		if (param.value[param.value_len - 1] == ' ') {
			pg_problem_set(problem, 400, "Content-Type: the "
					"boundary must not end with a space");
			return -1;
		}
		memcpy(boundary, param.value, param.value_len);
		boundary[param.value_len] = '\0';
	}
	if (rc < 0) {
		pg_problem_set(problem, 400, "Content-Type: malformed "
				"parameters in \"%.100s\"", content_type);
		return -1;
	}
	if (!found) {
		pg_problem_set(problem, 400, "Content-Type: multipart/form-data "
				"needs a boundary parameter");
		return -1;
	}
	return 0;
}

/* ---- Delimiters ------------------------------------------------------- */

/* The state of one body's parse. */
struct reader {
	const char *body;
	size_t len;
	char delimiter[PG_MULTIPART_BOUNDARY_MAX + 3]; /* "--" boundary */
	size_t delimiter_len;
};

/* Finds the next delimiter line at or after from. A delimiter is
 * "--boundary" right after a LF (or at the start of the body, when at_start
 * is set). It is followed by "--", a space, a tab, a line end or the end of
 * the body, so text such as "--boundaryX" is content. Returns true with *at
 * set to the first '-'. */
static bool find_delimiter(const struct reader *r, size_t from, bool at_start,
			   size_t *at)
{
	size_t p = from;

	while (p + r->delimiter_len <= r->len) {
		const char *hit = memmem(r->body + p, r->len - p, r->delimiter,
					 r->delimiter_len);
		size_t after;

		if (!hit)
			return false;
		p = (size_t)(hit - r->body);
		after = p + r->delimiter_len;
		if ((p == 0 ? at_start : r->body[p - 1] == '\n') &&
		    (after == r->len || is_space(r->body[after]) ||
		     r->body[after] == '\r' || r->body[after] == '\n' ||
		     (r->body[after] == '-' && after + 1 < r->len &&
		      r->body[after + 1] == '-'))) {
			*at = p;
			return true;
		}
		p++;
	}
	return false;
}

/* Reads the rest of the delimiter line that starts at at. Returns 1 for a
 * closing delimiter, 0 with *next set to the start of the next line, or
 * -1 with problem set. */
static int end_delimiter_line(const struct reader *r, size_t at, size_t *next,
			      struct pg_problem *problem)
{
	size_t p = at + r->delimiter_len;

	if (p + 1 < r->len && r->body[p] == '-' && r->body[p + 1] == '-')
		return 1;
	while (p < r->len && is_space(r->body[p]))
		p++;
	if (p < r->len && r->body[p] == '\r')
		p++;
	if (p < r->len && r->body[p] == '\n') {
		*next = p + 1;
		return 0;
	}
	if (p >= r->len)
		pg_problem_set(problem, 400, "multipart body: the closing "
				"delimiter \"%s--\" is missing",
			       r->delimiter);
	else
		pg_problem_set(problem, 400, "multipart body: unexpected text "
				"after the boundary on a delimiter line");
	return -1;
}

/* ---- One part ---------------------------------------------------------- */

/* The headers of one part that matter here. Pointers are into the body. */
struct part_headers {
	const char *name;
	size_t name_len;
	bool has_disposition;
	bool is_file;
	const char *type; /* Content-Type value, or NULL */
	const char *type_end;
	const char *encoding; /* Content-Transfer-Encoding value, or NULL */
	const char *encoding_end;
};

static int read_disposition(struct part_headers *headers, const char *value,
			    const char *end, size_t part,
			    struct pg_problem *problem)
{
	const char *cursor;
	struct param param;
	int rc;

	if (headers->has_disposition) {
		pg_problem_set(problem, 400, "multipart part %zu: "
				"Content-Disposition given more than once",
			       part);
		return -1;
	}
	headers->has_disposition = true;
	if (!value_is(value, end, "form-data", &cursor)) {
		pg_problem_set(problem, 400, "multipart part %zu: "
				"Content-Disposition must be form-data",
			       part);
		return -1;
	}
	while ((rc = next_param(&cursor, end, &param)) > 0) {
		if (param_is(&param, "filename") ||
		    param_is(&param, "filename*")) {
			headers->is_file = true;
		} else if (param_is(&param, "name")) {
			if (headers->name) {
				pg_problem_set(problem, 400, "multipart part "
						"%zu: name given more than once",
					       part);
				return -1;
			}
			headers->name = param.value;
			headers->name_len = param.value_len;
		}
	}
	if (rc < 0) {
		pg_problem_set(problem, 400, "multipart part %zu: malformed "
				"Content-Disposition parameters", part);
		return -1;
	}
	return 0;
}

/* Reads the header lines of the part at [*pos, end) and moves *pos to the
 * first byte after the blank line. Returns 0, or -1 with problem set. */
static int read_part_headers(const char *body, size_t *pos, size_t end,
			     size_t part, struct part_headers *headers,
			     struct pg_problem *problem)
{
	size_t p = *pos;
	size_t count = 0;

	for (;;) {
		const char *line = body + p;
		const char *newline = memchr(line, '\n', end - p);
		const char *line_end;
		const char *colon;
		const char *value;

		if (!newline) {
			pg_problem_set(problem, 400, "multipart part %zu: no "
					"blank line after the headers", part);
			return -1;
		}
		line_end = newline;
		if (line_end > line && line_end[-1] == '\r')
			line_end--;
		p = (size_t)(newline - body) + 1;
		if (line_end == line)
			break;

		if (++count > PG_MULTIPART_MAX_PART_HEADERS) {
			pg_problem_set(problem, 400, "multipart part %zu: more "
					"than %d header lines", part,
				       PG_MULTIPART_MAX_PART_HEADERS);
			return -1;
		}
		/* A header name has no spaces, so this also rejects the
		 * obsolete folded continuation lines. */
		colon = memchr(line, ':', (size_t)(line_end - line));
		if (!colon || colon == line ||
		    memchr(line, ' ', (size_t)(colon - line)) ||
		    memchr(line, '\t', (size_t)(colon - line))) {
			pg_problem_set(problem, 400, "multipart part %zu: "
					"malformed header line", part);
			return -1;
		}
		value = skip_spaces(colon + 1, line_end);

#define HEADER_IS(header) \
	((size_t)(colon - line) == strlen(header) && \
	 pg_ascii_nieq(line, header, strlen(header)))
		if (HEADER_IS("Content-Disposition")) {
			if (read_disposition(headers, value, line_end, part,
					     problem) < 0)
				return -1;
		} else if (HEADER_IS("Content-Type")) {
			headers->type = value;
			headers->type_end = line_end;
		} else if (HEADER_IS("Content-Transfer-Encoding")) {
			headers->encoding = value;
			headers->encoding_end = line_end;
		}
#undef HEADER_IS
	}
	*pos = p;
	return 0;
}

/* Checks a part's Content-Type: text/plain, with a UTF-8 or US-ASCII
 * charset when it names one. */
static bool part_type_ok(const struct part_headers *headers)
{
	const char *cursor;
	struct param param;
	int rc;

	if (!headers->type)
		return true;
	if (!value_is(headers->type, headers->type_end, "text/plain",
		      &cursor))
		return false;
	while ((rc = next_param(&cursor, headers->type_end, &param)) > 0) {
		if (!param_is(&param, "charset"))
			continue;
		if (!(param.value_len == 5 &&
		      pg_ascii_nieq(param.value, "utf-8", 5)) &&
		    !(param.value_len == 8 &&
		      pg_ascii_nieq(param.value, "us-ascii", 8)))
			return false;
	}
	return rc == 0;
}

static bool part_encoding_ok(const struct part_headers *headers)
{
	const char *rest;

	if (!headers->encoding)
		return true;
	return value_is(headers->encoding, headers->encoding_end, "7bit",
			&rest) ||
	       value_is(headers->encoding, headers->encoding_end, "8bit",
			&rest) ||
	       value_is(headers->encoding, headers->encoding_end, "binary",
			&rest);
}

/* Copies a field name from the body for messages and the form. */
static char *copy_name(const struct part_headers *headers)
{
	return pg_strndup(headers->name, headers->name_len);
}

/* Decodes the part at [start, end), end being the start of the next
 * delimiter, into a new field of form. Returns 0, or -1 with problem set. */
static int read_part(struct pg_form *form, const char *body, size_t start,
		     size_t end, size_t part, struct pg_problem *problem)
{
	struct part_headers headers = { 0 };
	struct pg_form_field *field;
	size_t content = start;
	size_t content_end = end;
	char *name = NULL;
	int result = -1;

	if (read_part_headers(body, &content, end, part, &headers,
			      problem) < 0)
		goto out;
	if (!headers.has_disposition || !headers.name) {
		pg_problem_set(problem, 400, "multipart part %zu: "
				"Content-Disposition: form-data with a name is "
				"missing", part);
		goto out;
	}
	if (memchr(headers.name, '\0', headers.name_len) ||
	    !pg_utf8_valid(headers.name, headers.name_len, NULL)) {
		pg_problem_set(problem, 400, "multipart part %zu: the name is "
				"not UTF-8 or contains a NUL byte", part);
		goto out;
	}
	name = copy_name(&headers);
	if (headers.is_file) {
		pg_problem_field(problem, name, "file uploads are not accepted; "
				 "send text fields only");
		goto out;
	}
	if (!part_type_ok(&headers)) {
		size_t type_len = (size_t)(headers.type_end - headers.type);

		pg_problem_field(problem, name, "Content-Type \"%.*s\" is not "
				 "supported; send text/plain in UTF-8",
				 (int)(type_len > 60 ? 60 : type_len),
				 headers.type);
		goto out;
	}
	if (!part_encoding_ok(&headers)) {
		pg_problem_field(problem, name, "Content-Transfer-Encoding is "
				 "not supported; send the value as it is");
		goto out;
	}

	/* The line end before the delimiter belongs to the delimiter. */
	if (content_end > content && body[content_end - 1] == '\n')
		content_end--;
	if (content_end > content && body[content_end - 1] == '\r')
		content_end--;
	if (!pg_utf8_valid(body + content, content_end - content, NULL)) {
		pg_problem_field(problem, name, "not valid UTF-8");
		goto out;
	}
	if (memchr(body + content, '\0', content_end - content)) {
		pg_problem_field(problem, name, "contains a NUL byte");
		goto out;
	}

	if (form->count == PG_FORM_MAX_FIELDS) {
		pg_problem_set(problem, 400, "form: more than %d fields",
			       PG_FORM_MAX_FIELDS);
		goto out;
	}
	if (!form->fields)
		form->fields = pg_calloc(PG_FORM_MAX_FIELDS,
					 sizeof(form->fields[0]));
	field = &form->fields[form->count++];
	field->name = name;
	field->name_len = headers.name_len;
	name = NULL;
	field->value = pg_strndup(body + content, content_end - content);
	field->value_len = content_end - content;
	result = 0;
out:
	free(name);
	return result;
}

/* ---- The body ---------------------------------------------------------- */

int pg_multipart_parse(struct pg_form *form, const char *content_type,
		       const char *body, size_t len,
		       struct pg_problem *problem)
{
	char boundary[PG_MULTIPART_BOUNDARY_MAX + 1];
	struct reader r;
	size_t at;
	size_t pos;
	size_t part = 0;
	int rc;

	if (pg_multipart_boundary(content_type, boundary, problem) < 0)
		return -1;
	r.body = body;
	r.len = len;
	r.delimiter_len = (size_t)snprintf(r.delimiter, sizeof(r.delimiter),
					   "--%s", boundary);

	/* Everything before the first delimiter is the preamble. */
	if (!find_delimiter(&r, 0, true, &at)) {
		pg_problem_set(problem, 400, "multipart body: no delimiter "
				"line \"%s\"", r.delimiter);
		return -1;
	}
	rc = end_delimiter_line(&r, at, &pos, problem);
	while (rc == 0) {
		size_t start = pos;

		part++;
		if (!find_delimiter(&r, start, false, &at)) {
			pg_problem_set(problem, 400, "multipart body: the "
					"closing delimiter \"%s--\" is missing",
				       r.delimiter);
			return -1;
		}
		if (read_part(form, body, start, at, part, problem) < 0)
			return -1;
		rc = end_delimiter_line(&r, at, &pos, problem);
	}
	/* rc is 1 after the closing delimiter: the rest is the epilogue. */
	return rc < 0 ? -1 : 0;
}
