/* HTTP/1.1 response parser (RFC 9112), pure over bytes: no I/O, no
 * allocation. See runtime/http.h for the in-place buffer contract. */
#include "runtime/http.h"

#include <string.h>

#include "common/text.h"

enum parser_state {
	ST_HEAD,
	ST_BODY_LENGTH,
	ST_BODY_CLOSE,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_DATA_END,
	ST_TRAILERS,
	ST_DONE,
	ST_FAILED,
};

static const char *const result_texts[] = {
#define PG_RT_HTTP_TEXT(code, text) text,
	PG_RT_HTTP_RESULT_MAP(PG_RT_HTTP_TEXT)
#undef PG_RT_HTTP_TEXT
};

const char *pg_rt_http_result_text(enum pg_rt_http_result result)
{
	if ((size_t)result >= sizeof(result_texts) / sizeof(result_texts[0]))
		return "unknown result";
	return result_texts[result];
}

void pg_rt_http_parser_init(struct pg_rt_http_parser *p, size_t max_body_bytes)
{
	memset(p, 0, sizeof(*p));
	p->state = ST_HEAD;
	p->failure = PG_RT_HTTP_COMPLETE;
	p->max_body_bytes = max_body_bytes;
}

static enum pg_rt_http_result fail(struct pg_rt_http_parser *p,
				enum pg_rt_http_result result)
{
	p->state = ST_FAILED;
	p->failure = result;
	return result;
}

/* RFC 9110 tchar: the bytes allowed in a header name. */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values and reason phrases: HTAB, SP, visible ASCII, obs-text. */
static bool is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Returns the end of the line starting at start (the offset of its CR, or
 * of its LF when there is no CR) and sets *next past the LF, or returns
 * SIZE_MAX when buf[start..len) contains no LF. */
static size_t line_end(const char *buf, size_t start, size_t len,
		       size_t *next)
{
	const char *nl = memchr(buf + start, '\n', len - start);
	size_t end;

	if (!nl)
		return SIZE_MAX;
	end = (size_t)(nl - buf);
	*next = end + 1;
	if (end > start && buf[end - 1] == '\r')
		end--;
	return end;
}

/* Looks for the blank line that ends the head, resuming at p->pos.
 * Returns the head length, or 0 when it is not complete yet. */
static size_t find_head_end(struct pg_rt_http_parser *p, const char *buf,
			    size_t len)
{
	for (size_t i = p->pos; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 >= len) {
			p->pos = i;
			return 0;
		}
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] != '\r')
			continue;
		if (i + 2 >= len) {
			p->pos = i;
			return 0;
		}
		if (buf[i + 2] == '\n')
			return i + 3;
	}
	p->pos = len;
	return 0;
}

static bool parse_status_line(struct pg_rt_http_parser *p, const char *buf,
			      size_t end)
{
	const char *s = buf;

	/* "HTTP/1.x SSS" then an optional " reason" */
	if (end < 12 || memcmp(s, "HTTP/1.", 7) != 0)
		return false;
	if (s[7] < '0' || s[7] > '9' || s[8] != ' ')
		return false;
	for (size_t i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (end > 12 && s[12] != ' ')
		return false;
	for (size_t i = 13; i < end; i++)
		if (!is_field_byte((unsigned char)s[i]))
			return false;

	p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	p->keep_alive = s[7] != '0';
	return p->status >= 100;
}

static enum pg_rt_http_result parse_header_line(struct pg_rt_http_parser *p,
					     char *buf, size_t start,
					     size_t end)
{
	struct pg_rt_http_header *h;
	size_t colon = start;
	size_t value;
	size_t value_end;

	while (colon < end && is_tchar((unsigned char)buf[colon]))
		colon++;
	/* An empty name, a space before the colon and obs-fold continuation
	 * lines all end up here. */
	if (colon == start || colon == end || buf[colon] != ':')
		return PG_RT_HTTP_BAD_HEADER;

	value = colon + 1;
	while (value < end && is_ows(buf[value]))
		value++;
	value_end = end;
	while (value_end > value && is_ows(buf[value_end - 1]))
		value_end--;
	for (size_t i = value; i < value_end; i++)
		if (!is_field_byte((unsigned char)buf[i]))
			return PG_RT_HTTP_BAD_HEADER;

	if (p->header_count == PG_RT_HTTP_MAX_HEADERS)
		return PG_RT_HTTP_TOO_MANY_HEADERS;
	h = &p->headers[p->header_count++];
	h->name_off = start;
	h->name_len = colon - start;
	h->value_off = value;
	h->value_len = value_end - value;
	/* The byte after the value is OWS, CR or LF, all parsed already. */
	buf[value_end] = '\0';
	return PG_RT_HTTP_COMPLETE;
}

static bool name_is(const char *buf, const struct pg_rt_http_header *h,
		    const char *name)
{
	return h->name_len == strlen(name) &&
	       pg_ascii_nieq(buf + h->name_off, name, h->name_len);
}

/* Calls visit for each comma-separated, trimmed element of a list value. */
static void for_each_element(const char *value, size_t len,
			     void (*visit)(const char *s, size_t n, void *ctx),
			     void *ctx)
{
	size_t start = 0;

	while (start <= len) {
		size_t end = start;
		size_t s;
		size_t e;

		while (end < len && value[end] != ',')
			end++;
		s = start;
		e = end;
		while (s < e && is_ows(value[s]))
			s++;
		while (e > s && is_ows(value[e - 1]))
			e--;
		visit(value + s, e - s, ctx);
		start = end + 1;
	}
}

struct coding_count {
	size_t chunked;
	size_t other;
};

static void count_coding(const char *s, size_t n, void *ctx)
{
	struct coding_count *count = ctx;

	if (n == 7 && pg_ascii_nieq(s, "chunked", 7))
		count->chunked++;
	else
		count->other++;
}

struct connection_options {
	bool close;
	bool keep_alive;
};

static void note_connection_option(const char *s, size_t n, void *ctx)
{
	struct connection_options *options = ctx;

	if (n == 5 && pg_ascii_nieq(s, "close", 5))
		options->close = true;
	else if (n == 10 && pg_ascii_nieq(s, "keep-alive", 10))
		options->keep_alive = true;
}

static bool parse_content_length(const char *s, size_t n, uint64_t *out)
{
	uint64_t value = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (value > (UINT64_MAX - 9) / 10)
			return false;
		value = value * 10 + (uint64_t)(s[i] - '0');
	}
	*out = value;
	return true;
}

/* Reads the framing headers and chooses how the body ends (RFC 9112
 * section 6.3). */
static enum pg_rt_http_result choose_framing(struct pg_rt_http_parser *p,
					  const char *buf)
{
	struct coding_count codings = { 0, 0 };
	struct connection_options options = { false, false };
	bool has_length = false;
	bool has_coding = false;

	for (size_t i = 0; i < p->header_count; i++) {
		const struct pg_rt_http_header *h = &p->headers[i];
		const char *value = buf + h->value_off;
		uint64_t length;

		if (name_is(buf, h, "Content-Length")) {
			if (!parse_content_length(value, h->value_len, &length))
				return PG_RT_HTTP_BAD_CONTENT_LENGTH;
			if (has_length && length != p->content_length)
				return PG_RT_HTTP_BAD_CONTENT_LENGTH;
			p->content_length = length;
			has_length = true;
		} else if (name_is(buf, h, "Transfer-Encoding")) {
			for_each_element(value, h->value_len, count_coding,
					 &codings);
			has_coding = true;
		} else if (name_is(buf, h, "Connection")) {
			for_each_element(value, h->value_len,
					 note_connection_option, &options);
		}
	}

	if (options.keep_alive)
		p->keep_alive = true;
	if (options.close)
		p->keep_alive = false;
	p->body_off = p->head_len;

	if (p->status == 204 || p->status == 304) {
		p->framing = PG_RT_HTTP_FRAMING_NONE;
		return PG_RT_HTTP_COMPLETE;
	}
	if (has_coding) {
		if (codings.chunked != 1 || codings.other != 0)
			return PG_RT_HTTP_BAD_TRANSFER_ENCODING;
		/* Both framings at once hint at request smuggling: trust the
		 * chunked framing but do not reuse the connection. */
		if (has_length)
			p->keep_alive = false;
		p->framing = PG_RT_HTTP_FRAMING_CHUNKED;
		return PG_RT_HTTP_COMPLETE;
	}
	if (has_length) {
		if (p->content_length > p->max_body_bytes)
			return PG_RT_HTTP_BODY_TOO_LARGE;
		p->framing = PG_RT_HTTP_FRAMING_LENGTH;
		return PG_RT_HTTP_COMPLETE;
	}
	p->framing = PG_RT_HTTP_FRAMING_CLOSE;
	p->keep_alive = false;
	return PG_RT_HTTP_COMPLETE;
}

static enum pg_rt_http_result parse_head(struct pg_rt_http_parser *p, char *buf,
				      size_t head_len)
{
	size_t next = 0;
	size_t end = line_end(buf, 0, head_len, &next);
	enum pg_rt_http_result result;

	if (!parse_status_line(p, buf, end))
		return PG_RT_HTTP_BAD_STATUS_LINE;

	/* Every line up to the blank one that ends the head. */
	for (;;) {
		size_t start = next;

		end = line_end(buf, start, head_len, &next);
		if (end == start)
			break;
		result = parse_header_line(p, buf, start, end);
		if (result != PG_RT_HTTP_COMPLETE)
			return result;
	}
	p->head_len = head_len;
	return choose_framing(p, buf);
}

/* Drops an interim 1xx response and starts over on the bytes after it. */
static void skip_interim(struct pg_rt_http_parser *p, char *buf, size_t *len,
			 size_t head_len)
{
	size_t max_body_bytes = p->max_body_bytes;

	memmove(buf, buf + head_len, *len - head_len);
	*len -= head_len;
	pg_rt_http_parser_init(p, max_body_bytes);
}

static enum pg_rt_http_result step_head(struct pg_rt_http_parser *p, char *buf,
				     size_t *len)
{
	size_t head_len = find_head_end(p, buf, *len);
	enum pg_rt_http_result result;

	if (!head_len) {
		/* The head is at least one byte longer than what arrived. */
		if (*len >= PG_RT_HTTP_MAX_HEAD_BYTES)
			return PG_RT_HTTP_HEAD_TOO_LARGE;
		return PG_RT_HTTP_INCOMPLETE;
	}
	if (head_len > PG_RT_HTTP_MAX_HEAD_BYTES)
		return PG_RT_HTTP_HEAD_TOO_LARGE;

	result = parse_head(p, buf, head_len);
	if (result != PG_RT_HTTP_COMPLETE)
		return result;

	if (p->status == 101)
		return PG_RT_HTTP_BAD_STATUS;
	if (p->status < 200) {
		skip_interim(p, buf, len, head_len);
		return PG_RT_HTTP_COMPLETE;
	}

	p->pos = head_len;
	switch (p->framing) {
	case PG_RT_HTTP_FRAMING_NONE:
		p->message_end = head_len;
		p->state = ST_DONE;
		break;
	case PG_RT_HTTP_FRAMING_LENGTH:
		p->remaining = p->content_length;
		p->state = ST_BODY_LENGTH;
		break;
	case PG_RT_HTTP_FRAMING_CHUNKED:
		p->state = ST_CHUNK_SIZE;
		break;
	case PG_RT_HTTP_FRAMING_CLOSE:
		p->state = ST_BODY_CLOSE;
		break;
	}
	return PG_RT_HTTP_COMPLETE;
}

/* Parses "hex-size [OWS ; extensions]" of one chunk-size line. */
static bool parse_chunk_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t size = 0;
	size_t i = 0;

	for (; i < n; i++) {
		char c = s[i];
		unsigned digit;

		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			digit = (unsigned)(c - 'A' + 10);
		else
			break;
		if (size > (UINT64_MAX >> 4))
			return false;
		size = (size << 4) | digit;
	}
	if (i == 0)
		return false;
	while (i < n && is_ows(s[i]))
		i++;
	if (i < n && s[i] != ';')
		return false;
	for (; i < n; i++)
		if (!is_field_byte((unsigned char)s[i]))
			return false;
	*out = size;
	return true;
}

static enum pg_rt_http_result step_chunk_size(struct pg_rt_http_parser *p,
					   const char *buf, size_t len)
{
	size_t next = 0;
	size_t end = line_end(buf, p->pos, len, &next);
	uint64_t size;

	if (end == SIZE_MAX) {
		if (len - p->pos + 1 > PG_RT_HTTP_MAX_CHUNK_LINE_BYTES)
			return PG_RT_HTTP_BAD_CHUNK;
		return PG_RT_HTTP_INCOMPLETE;
	}
	if (next - p->pos > PG_RT_HTTP_MAX_CHUNK_LINE_BYTES)
		return PG_RT_HTTP_BAD_CHUNK;
	if (!parse_chunk_size(buf + p->pos, end - p->pos, &size))
		return PG_RT_HTTP_BAD_CHUNK;
	if (size > p->max_body_bytes - p->body_len)
		return PG_RT_HTTP_BODY_TOO_LARGE;

	p->pos = next;
	p->remaining = size;
	p->state = size ? ST_CHUNK_DATA : ST_TRAILERS;
	return PG_RT_HTTP_COMPLETE;
}

/* Moves the chunk bytes that arrived down to the end of the decoded body. */
static enum pg_rt_http_result step_chunk_data(struct pg_rt_http_parser *p,
					   char *buf, size_t len)
{
	size_t avail = len - p->pos;
	size_t n = p->remaining < avail ? (size_t)p->remaining : avail;

	if (n == 0)
		return PG_RT_HTTP_INCOMPLETE;
	memmove(buf + p->body_off + p->body_len, buf + p->pos, n);
	p->body_len += n;
	p->pos += n;
	p->remaining -= n;
	if (p->remaining == 0)
		p->state = ST_CHUNK_DATA_END;
	return PG_RT_HTTP_COMPLETE;
}

static enum pg_rt_http_result step_chunk_data_end(struct pg_rt_http_parser *p,
					       const char *buf, size_t len)
{
	if (p->pos >= len)
		return PG_RT_HTTP_INCOMPLETE;
	if (buf[p->pos] == '\r') {
		if (p->pos + 1 >= len)
			return PG_RT_HTTP_INCOMPLETE;
		if (buf[p->pos + 1] != '\n')
			return PG_RT_HTTP_BAD_CHUNK;
		p->pos += 2;
	} else if (buf[p->pos] == '\n') {
		p->pos += 1;
	} else {
		return PG_RT_HTTP_BAD_CHUNK;
	}
	p->state = ST_CHUNK_SIZE;
	return PG_RT_HTTP_COMPLETE;
}

/* Skips trailer fields, which the runtime has no use for, up to the blank
 * line that ends the message. */
static enum pg_rt_http_result step_trailers(struct pg_rt_http_parser *p,
					 const char *buf, size_t len)
{
	size_t next = 0;
	size_t end = line_end(buf, p->pos, len, &next);

	if (end == SIZE_MAX) {
		if (p->trailer_bytes + (len - p->pos) + 1 >
		    PG_RT_HTTP_MAX_HEAD_BYTES)
			return PG_RT_HTTP_HEAD_TOO_LARGE;
		return PG_RT_HTTP_INCOMPLETE;
	}
	p->trailer_bytes += next - p->pos;
	if (p->trailer_bytes > PG_RT_HTTP_MAX_HEAD_BYTES)
		return PG_RT_HTTP_HEAD_TOO_LARGE;
	if (end == p->pos) {
		p->message_end = next;
		p->state = ST_DONE;
	}
	p->pos = next;
	return PG_RT_HTTP_COMPLETE;
}

/* Closes the gap between the decoded chunked body and the unparsed bytes,
 * so the buffer never contains more than head, body and one partial line. */
static void compact(struct pg_rt_http_parser *p, char *buf, size_t *len)
{
	size_t body_end = p->body_off + p->body_len;
	size_t gap;

	if (p->pos <= body_end)
		return;
	gap = p->pos - body_end;
	memmove(buf + body_end, buf + p->pos, *len - p->pos);
	*len -= gap;
	p->pos = body_end;
	if (p->state == ST_DONE)
		p->message_end = body_end;
}

static enum pg_rt_http_result step(struct pg_rt_http_parser *p, char *buf,
				size_t *len)
{
	switch (p->state) {
	case ST_HEAD:
		return step_head(p, buf, len);
	case ST_BODY_LENGTH:
		p->body_len = *len - p->body_off;
		if (p->body_len < p->content_length)
			return PG_RT_HTTP_INCOMPLETE;
		p->body_len = (size_t)p->content_length;
		p->message_end = p->body_off + p->body_len;
		p->state = ST_DONE;
		return PG_RT_HTTP_COMPLETE;
	case ST_BODY_CLOSE:
		p->body_len = *len - p->body_off;
		if (p->body_len > p->max_body_bytes)
			return PG_RT_HTTP_BODY_TOO_LARGE;
		return PG_RT_HTTP_INCOMPLETE;
	case ST_CHUNK_SIZE:
		return step_chunk_size(p, buf, *len);
	case ST_CHUNK_DATA:
		return step_chunk_data(p, buf, *len);
	case ST_CHUNK_DATA_END:
		return step_chunk_data_end(p, buf, *len);
	case ST_TRAILERS:
		return step_trailers(p, buf, *len);
	default:
		return PG_RT_HTTP_COMPLETE;
	}
}

enum pg_rt_http_result pg_rt_http_parse(struct pg_rt_http_parser *p, char *buf,
				  size_t *len)
{
	enum pg_rt_http_result result = PG_RT_HTTP_COMPLETE;

	if (p->state == ST_FAILED)
		return p->failure;

	/* Each step either makes progress (COMPLETE) or stops the loop. */
	while (p->state != ST_DONE && result == PG_RT_HTTP_COMPLETE)
		result = step(p, buf, len);

	/* A head that failed (a 101 with chunked framing, say) has no body. */
	if (p->framing == PG_RT_HTTP_FRAMING_CHUNKED && p->state != ST_HEAD)
		compact(p, buf, len);
	if (result != PG_RT_HTTP_COMPLETE && result != PG_RT_HTTP_INCOMPLETE)
		return fail(p, result);
	return result;
}

enum pg_rt_http_result pg_rt_http_parse_eof(struct pg_rt_http_parser *p,
					    char *buf, size_t *len)
{
	enum pg_rt_http_result result = pg_rt_http_parse(p, buf, len);

	if (result != PG_RT_HTTP_INCOMPLETE)
		return result;
	if (p->state == ST_BODY_CLOSE) {
		p->message_end = *len;
		p->state = ST_DONE;
		return PG_RT_HTTP_COMPLETE;
	}
	return fail(p, PG_RT_HTTP_TRUNCATED);
}

size_t pg_rt_http_parser_wanted_bytes(const struct pg_rt_http_parser *p,
				      size_t len)
{
	if (p->state != ST_BODY_LENGTH)
		return 0;
	return (size_t)p->content_length - (len - p->body_off);
}

const char *pg_rt_http_parser_header(const struct pg_rt_http_parser *p,
				  const char *buf, const char *name)
{
	for (size_t i = 0; i < p->header_count; i++)
		if (name_is(buf, &p->headers[i], name))
			return buf + p->headers[i].value_off;
	return NULL;
}
