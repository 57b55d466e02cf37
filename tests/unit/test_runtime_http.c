/* Table tests of the HTTP response parser of the runtime layer. Each case
 * is parsed whole, split in two at every byte position, and fed one byte at
 * a time; all three must agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "runtime/http.h"

#define MAX_BODY 64

struct parse_case {
	const char *name;
	const char *input;
	bool eof; /* the server closes after the input */
	enum pg_rt_http_result expected;
	int status;
	const char *body;         /* checked when the response is complete */
	const char *header_name;  /* checked when set, also after errors */
	const char *header_value; /* NULL: the header must be absent */
	int keep_alive;           /* -1: not checked */
};

struct parse_outcome {
	enum pg_rt_http_result result;
	int status;
	char *body;
	size_t body_len;
	const char *header; /* inside buf */
	bool keep_alive;
	char *buf;
};

static void outcome_release(struct parse_outcome *o)
{
	free(o->body);
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

/* Feeds input in pieces of piece bytes (the first piece is first_len long
 * when non-zero) and records what the parser made of it. */
static void parse_in_pieces(const char *input, size_t input_len,
			    size_t first_len, size_t piece, bool eof,
			    const char *header_name, struct parse_outcome *o)
{
	struct pg_rt_http_parser p;
	size_t len = 0;
	size_t fed = 0;

	memset(o, 0, sizeof(*o));
	o->buf = pg_malloc(input_len + 1);
	pg_rt_http_parser_init(&p, MAX_BODY);
	o->result = PG_RT_HTTP_INCOMPLETE;

	while (fed < input_len && o->result == PG_RT_HTTP_INCOMPLETE) {
		size_t n = fed == 0 && first_len ? first_len : piece;

		if (n > input_len - fed)
			n = input_len - fed;
		memcpy(o->buf + len, input + fed, n);
		len += n;
		fed += n;
		o->result = pg_rt_http_parse(&p, o->buf, &len);
	}
	if (input_len == 0)
		o->result = pg_rt_http_parse(&p, o->buf, &len);
	if (eof && o->result == PG_RT_HTTP_INCOMPLETE)
		o->result = pg_rt_http_parse_eof(&p, o->buf, &len);

	o->status = p.status;
	o->keep_alive = p.keep_alive;
	if (o->result == PG_RT_HTTP_COMPLETE) {
		o->body_len = p.body_len;
		o->body = pg_malloc(p.body_len + 1);
		memcpy(o->body, o->buf + p.body_off, p.body_len);
		o->body[p.body_len] = '\0';
	}
	if (header_name && p.head_len)
		o->header = pg_rt_http_parser_header(&p, o->buf, header_name);
}

static void check_outcome(const struct parse_case *c,
			  const struct parse_outcome *o, const char *how)
{
	if (o->result != c->expected)
		fail_msg("%s (%s): got \"%s\", expected \"%s\"", c->name, how,
			 pg_rt_http_result_text(o->result),
			 pg_rt_http_result_text(c->expected));
	if (c->status)
		assert_int_equal(o->status, c->status);
	if (c->expected == PG_RT_HTTP_COMPLETE && c->body) {
		assert_int_equal(o->body_len, strlen(c->body));
		assert_memory_equal(o->body, c->body, o->body_len);
	}
	if (c->header_name && c->header_value) {
		if (!o->header)
			fail_msg("%s (%s): header %s missing", c->name, how,
				 c->header_name);
		assert_string_equal(o->header, c->header_value);
	} else if (c->header_name) {
		assert_null(o->header);
	}
	if (c->keep_alive >= 0 && c->expected == PG_RT_HTTP_COMPLETE)
		assert_int_equal(o->keep_alive, c->keep_alive);
}

static void run_case(const struct parse_case *c)
{
	size_t len = strlen(c->input);
	struct parse_outcome o;

	parse_in_pieces(c->input, len, 0, len ? len : 1, c->eof,
			c->header_name, &o);
	check_outcome(c, &o, "whole");
	outcome_release(&o);

	for (size_t split = 1; split < len; split++) {
		char how[32];

		snprintf(how, sizeof(how), "split at %zu", split);
		parse_in_pieces(c->input, len, split, len - split, c->eof,
				c->header_name, &o);
		check_outcome(c, &o, how);
		outcome_release(&o);
	}

	parse_in_pieces(c->input, len, 0, 1, c->eof, c->header_name, &o);
	check_outcome(c, &o, "byte at a time");
	outcome_release(&o);
}

#define OK200 "HTTP/1.1 200 OK\r\n"

static const struct parse_case cases[] = {
	{ "content length", OK200 "Content-Type: text/plain\r\n"
	  "Content-Length: 5\r\n\r\nhello", false, PG_RT_HTTP_COMPLETE, 200,
	  "hello", "content-type", "text/plain", 1 },
	{ "content length zero", OK200 "Content-Length: 0\r\n\r\n", false,
	  PG_RT_HTTP_COMPLETE, 200, "", NULL, NULL, 1 },
	{ "content length incomplete", OK200 "Content-Length: 6\r\n\r\nhello",
	  false, PG_RT_HTTP_INCOMPLETE, 200, NULL, NULL, NULL, -1 },
	{ "content length truncated", OK200 "Content-Length: 6\r\n\r\nhello",
	  true, PG_RT_HTTP_TRUNCATED, 200, NULL, NULL, NULL, -1 },
	{ "head truncated", OK200 "Content-Length: 6\r\n", true,
	  PG_RT_HTTP_TRUNCATED, 0, NULL, NULL, NULL, -1 },
	{ "empty input", "", true, PG_RT_HTTP_TRUNCATED, 0, NULL, NULL, NULL,
	  -1 },
	{ "duplicate equal lengths", OK200 "Content-Length: 2\r\n"
	  "content-length: 2\r\n\r\nok", false, PG_RT_HTTP_COMPLETE, 200, "ok",
	  NULL, NULL, 1 },
	{ "no content for 204", "HTTP/1.1 204 No Content\r\n"
	  "Content-Length: 10\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 204, "",
	  NULL, NULL, 1 },
	{ "accepted with reason words", "HTTP/1.1 202 Accepted Now\r\n"
	  "Content-Length: 15\r\n\r\n{\"status\":\"OK\"}", false,
	  PG_RT_HTTP_COMPLETE, 202, "{\"status\":\"OK\"}", NULL, NULL, 1 },
	{ "status without reason", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx",
	  false, PG_RT_HTTP_COMPLETE, 200, "x", NULL, NULL, 1 },
	{ "bare line feeds", "HTTP/1.1 200 OK\nX-A: b\nContent-Length: 2\n\nhi",
	  false, PG_RT_HTTP_COMPLETE, 200, "hi", "x-a", "b", 1 },
	{ "header value trimmed", OK200 "X-Trace:  \t Root=1; a  \t\r\n"
	  "Content-Length: 0\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 200, "",
	  "X-TRACE", "Root=1; a", 1 },
	{ "header empty value", OK200 "X-Empty:\r\nContent-Length: 0\r\n\r\n",
	  false, PG_RT_HTTP_COMPLETE, 200, "", "x-empty", "", 1 },
	{ "header absent", OK200 "Content-Length: 0\r\n\r\n", false,
	  PG_RT_HTTP_COMPLETE, 200, "", "Lambda-Runtime-Aws-Request-Id", NULL,
	  1 },
	{ "header obs-text kept", OK200 "X-Name: caf\xc3\xa9\r\n"
	  "Content-Length: 0\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 200, "",
	  "x-name", "caf\xc3\xa9", 1 },
	{ "first of repeated headers", OK200 "X-A: 1\r\nX-A: 2\r\n"
	  "Content-Length: 0\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 200, "",
	  "x-a", "1", 1 },
	{ "bytes after the response", OK200 "Content-Length: 2\r\n\r\nokEXTRA",
	  false, PG_RT_HTTP_COMPLETE, 200, "ok", NULL, NULL, 1 },

	{ "chunked", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false, PG_RT_HTTP_COMPLETE,
	  200, "hello world", NULL, NULL, 1 },
	{ "chunked extensions and trailers", OK200
	  "Transfer-Encoding: Chunked\r\nX-After: yes\r\n\r\n"
	  "A;name=value\r\n0123456789\r\n1 ; x\r\n!\r\n0\r\n"
	  "X-Trailer: 1\r\nX-Other: 2\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 200,
	  "0123456789!", "x-after", "yes", 1 },
	{ "chunked bare line feeds", OK200 "Transfer-Encoding: chunked\n\n"
	  "3\nabc\n0\n\n", false, PG_RT_HTTP_COMPLETE, 200, "abc", NULL, NULL,
	  1 },
	{ "chunked with content length", OK200 "Content-Length: 100\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", false,
	  PG_RT_HTTP_COMPLETE, 200, "ab", NULL, NULL, 0 },
	{ "chunked then extra bytes", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "2\r\nab\r\n0\r\n\r\nHTTP/1.1", false, PG_RT_HTTP_COMPLETE, 200, "ab",
	  NULL, NULL, 1 },
	{ "chunked leading zeros", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "0003\r\nabc\r\n000\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 200, "abc",
	  NULL, NULL, 1 },
	{ "chunked truncated", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "5\r\nhel", true, PG_RT_HTTP_TRUNCATED, 200, NULL, NULL, NULL, -1 },
	{ "chunked missing last chunk", OK200 "Transfer-Encoding: chunked\r\n"
	  "\r\n5\r\nhello\r\n", true, PG_RT_HTTP_TRUNCATED, 200, NULL, NULL, NULL,
	  -1 },
	{ "chunk size not hex", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "zz\r\nhello\r\n0\r\n\r\n", false, PG_RT_HTTP_BAD_CHUNK, 200, NULL,
	  NULL, NULL, -1 },
	{ "chunk size empty", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "\r\nhello\r\n0\r\n\r\n", false, PG_RT_HTTP_BAD_CHUNK, 200, NULL, NULL,
	  NULL, -1 },
	{ "chunk size with junk", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "5 x\r\nhello\r\n0\r\n\r\n", false, PG_RT_HTTP_BAD_CHUNK, 200, NULL,
	  NULL, NULL, -1 },
	{ "chunk size negative", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "-5\r\nhello\r\n0\r\n\r\n", false, PG_RT_HTTP_BAD_CHUNK, 200, NULL,
	  NULL, NULL, -1 },
	{ "chunk size overflow", OK200 "Transfer-Encoding: chunked\r\n\r\n"
	  "10000000000000000\r\n", false, PG_RT_HTTP_BAD_CHUNK, 200, NULL, NULL,
	  NULL, -1 },
	{ "chunk data without line end", OK200
	  "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", false,
	  PG_RT_HTTP_BAD_CHUNK, 200, NULL, NULL, NULL, -1 },
	{ "chunk data with bare carriage return", OK200
	  "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\rX0\r\n\r\n", false,
	  PG_RT_HTTP_BAD_CHUNK, 200, NULL, NULL, NULL, -1 },
	{ "chunk larger than the limit", OK200
	  "Transfer-Encoding: chunked\r\n\r\n41\r\n", false,
	  PG_RT_HTTP_BODY_TOO_LARGE, 200, NULL, NULL, NULL, -1 },
	{ "chunks add up past the limit", OK200
	  "Transfer-Encoding: chunked\r\n\r\n20\r\n"
	  "0123456789abcdef0123456789abcdef\r\n20\r\n"
	  "0123456789abcdef0123456789abcdef\r\n1\r\n", false,
	  PG_RT_HTTP_BODY_TOO_LARGE, 200, NULL, NULL, NULL, -1 },
	{ "chunks exactly at the limit", OK200
	  "Transfer-Encoding: chunked\r\n\r\n20\r\n"
	  "0123456789abcdef0123456789abcdef\r\n20\r\n"
	  "0123456789abcdef0123456789abcdef\r\n0\r\n\r\n", false,
	  PG_RT_HTTP_COMPLETE, 200,
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  NULL, NULL, 1 },
	{ "gzip coding", OK200 "Transfer-Encoding: gzip\r\n\r\n", false,
	  PG_RT_HTTP_BAD_TRANSFER_ENCODING, 200, NULL, NULL, NULL, -1 },
	{ "gzip then chunked", OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n",
	  false, PG_RT_HTTP_BAD_TRANSFER_ENCODING, 200, NULL, NULL, NULL, -1 },
	{ "chunked twice", OK200 "Transfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", false,
	  PG_RT_HTTP_BAD_TRANSFER_ENCODING, 200, NULL, NULL, NULL, -1 },
	{ "empty transfer coding", OK200 "Transfer-Encoding:\r\n\r\n", false,
	  PG_RT_HTTP_BAD_TRANSFER_ENCODING, 200, NULL, NULL, NULL, -1 },

	{ "body until close", OK200 "X-A: 1\r\n\r\nall of it", true,
	  PG_RT_HTTP_COMPLETE, 200, "all of it", NULL, NULL, 0 },
	{ "body until close open", OK200 "X-A: 1\r\n\r\nall of it", false,
	  PG_RT_HTTP_INCOMPLETE, 200, NULL, NULL, NULL, -1 },
	{ "body until close too large", OK200 "\r\n"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef!",
	  true, PG_RT_HTTP_BODY_TOO_LARGE, 200, NULL, NULL, NULL, -1 },
	{ "content length too large", OK200 "Lambda-Runtime-Aws-Request-Id: r1"
	  "\r\nContent-Length: 65\r\n\r\n", false, PG_RT_HTTP_BODY_TOO_LARGE, 200,
	  NULL, "lambda-runtime-aws-request-id", "r1", -1 },
	{ "content length at the limit", OK200 "Content-Length: 64\r\n\r\n"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  false, PG_RT_HTTP_COMPLETE, 200,
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  NULL, NULL, 1 },
	{ "content length not a number", OK200 "Content-Length: 12a\r\n\r\n",
	  false, PG_RT_HTTP_BAD_CONTENT_LENGTH, 200, NULL, NULL, NULL, -1 },
	{ "content length negative", OK200 "Content-Length: -1\r\n\r\n", false,
	  PG_RT_HTTP_BAD_CONTENT_LENGTH, 200, NULL, NULL, NULL, -1 },
	{ "content length list", OK200 "Content-Length: 1, 1\r\n\r\nx", false,
	  PG_RT_HTTP_BAD_CONTENT_LENGTH, 200, NULL, NULL, NULL, -1 },
	{ "content length empty", OK200 "Content-Length:\r\n\r\n", false,
	  PG_RT_HTTP_BAD_CONTENT_LENGTH, 200, NULL, NULL, NULL, -1 },
	{ "content length overflow", OK200
	  "Content-Length: 99999999999999999999\r\n\r\n", false,
	  PG_RT_HTTP_BAD_CONTENT_LENGTH, 200, NULL, NULL, NULL, -1 },
	{ "content lengths differ", OK200 "Content-Length: 1\r\n"
	  "Content-Length: 2\r\n\r\nxx", false, PG_RT_HTTP_BAD_CONTENT_LENGTH, 200,
	  NULL, NULL, NULL, -1 },

	{ "connection close", OK200 "Connection: close\r\nContent-Length: 0\r\n"
	  "\r\n", false, PG_RT_HTTP_COMPLETE, 200, "", NULL, NULL, 0 },
	{ "connection option list", OK200 "Connection: Upgrade , CLOSE\r\n"
	  "Content-Length: 0\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 200, "", NULL,
	  NULL, 0 },
	{ "http 1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
	  false, PG_RT_HTTP_COMPLETE, 200, "", NULL, NULL, 0 },
	{ "http 1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	  "Content-Length: 0\r\n\r\n", false, PG_RT_HTTP_COMPLETE, 200, "", NULL,
	  NULL, 1 },

	{ "interim responses skipped", "HTTP/1.1 100 Continue\r\n\r\n"
	  "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
	  OK200 "Content-Length: 2\r\n\r\nok", false, PG_RT_HTTP_COMPLETE, 200,
	  "ok", "link", NULL, 1 },
	{ "switching protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n",
	  false, PG_RT_HTTP_BAD_STATUS, 101, NULL, NULL, NULL, -1 },
	{ "switching protocols chunked", "HTTP/1.1 101 Switching\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS, 101, NULL, NULL, NULL, -1 },
	{ "http 2 status line", "HTTP/2 200 OK\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS_LINE, 0, NULL, NULL, NULL, -1 },
	{ "two digit status", "HTTP/1.1 20 OK\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS_LINE, 0, NULL, NULL, NULL, -1 },
	{ "status joined to reason", "HTTP/1.1 200OK\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS_LINE, 0, NULL, NULL, NULL, -1 },
	{ "status zero", "HTTP/1.1 000 Zero\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS_LINE, 0, NULL, NULL, NULL, -1 },
	{ "other protocol", "ICY 200 OK\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS_LINE, 0, NULL, NULL, NULL, -1 },
	{ "leading blank line", "\r\n" OK200 "Content-Length: 0\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS_LINE, 0, NULL, NULL, NULL, -1 },
	{ "control byte in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", false,
	  PG_RT_HTTP_BAD_STATUS_LINE, 0, NULL, NULL, NULL, -1 },

	{ "space before colon", OK200 "Content-Length : 0\r\n\r\n", false,
	  PG_RT_HTTP_BAD_HEADER, 200, NULL, NULL, NULL, -1 },
	{ "folded header", OK200 "X-A: 1\r\n  continued\r\n\r\n", false,
	  PG_RT_HTTP_BAD_HEADER, 200, NULL, NULL, NULL, -1 },
	{ "header without colon", OK200 "X-A 1\r\n\r\n", false,
	  PG_RT_HTTP_BAD_HEADER, 200, NULL, NULL, NULL, -1 },
	{ "header empty name", OK200 ": 1\r\n\r\n", false, PG_RT_HTTP_BAD_HEADER,
	  200, NULL, NULL, NULL, -1 },
	{ "header with bare carriage return", OK200 "X-A: 1\r2\r\n\r\n", false,
	  PG_RT_HTTP_BAD_HEADER, 200, NULL, NULL, NULL, -1 },
	{ "header with delete byte", OK200 "X-A: 1\x7f\r\n\r\n", false,
	  PG_RT_HTTP_BAD_HEADER, 200, NULL, NULL, NULL, -1 },
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static void test_parse_nul_in_header(void **state)
{
	static const char input[] = OK200 "X-A: 1\0002\r\n\r\n";
	struct parse_outcome o;

	(void)state;
	parse_in_pieces(input, sizeof(input) - 1, 0, sizeof(input) - 1, false,
			NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_BAD_HEADER);
	outcome_release(&o);
}

static void test_parse_nul_in_body(void **state)
{
	static const char input[] = OK200 "Content-Length: 3\r\n\r\na\000b";
	struct parse_outcome o;

	(void)state;
	parse_in_pieces(input, sizeof(input) - 1, 0, 1, false, NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_COMPLETE);
	assert_int_equal(o.body_len, 3);
	assert_memory_equal(o.body, "a\0b", 3);
	outcome_release(&o);
}

/* Builds OK200 plus header_count copies of "X-Header-N: value" plus a
 * Content-Length of 0. */
static char *many_headers(size_t header_count, size_t value_len)
{
	size_t cap = 64 + header_count * (value_len + 32);
	char *s = pg_malloc(cap);
	size_t len = (size_t)snprintf(s, cap, "%s", OK200);

	for (size_t i = 0; i < header_count; i++) {
		len += (size_t)snprintf(s + len, cap - len, "X-Header-%zu: ", i);
		memset(s + len, 'v', value_len);
		len += value_len;
		len += (size_t)snprintf(s + len, cap - len, "\r\n");
	}
	snprintf(s + len, cap - len, "Content-Length: 0\r\n\r\n");
	return s;
}

static void test_parse_header_limits(void **state)
{
	struct parse_outcome o;
	char *input;

	(void)state;

	/* 63 headers plus Content-Length is the maximum of 64. */
	input = many_headers(PG_RT_HTTP_MAX_HEADERS - 1, 4);
	parse_in_pieces(input, strlen(input), 0, strlen(input), false, NULL,
			&o);
	assert_int_equal(o.result, PG_RT_HTTP_COMPLETE);
	outcome_release(&o);
	free(input);

	input = many_headers(PG_RT_HTTP_MAX_HEADERS, 4);
	parse_in_pieces(input, strlen(input), 0, 7, false, NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_TOO_MANY_HEADERS);
	outcome_release(&o);
	free(input);

	/* Two 40000-byte headers pass the 65536-byte head limit. */
	input = many_headers(2, 40000);
	parse_in_pieces(input, strlen(input), 0, strlen(input), false, NULL,
			&o);
	assert_int_equal(o.result, PG_RT_HTTP_HEAD_TOO_LARGE);
	outcome_release(&o);
	parse_in_pieces(input, strlen(input), 0, 1, false, NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_HEAD_TOO_LARGE);
	outcome_release(&o);
	free(input);

	/* One 60000-byte header fits. */
	input = many_headers(1, 60000);
	parse_in_pieces(input, strlen(input), 0, 1000, false, "x-header-0",
			&o);
	assert_int_equal(o.result, PG_RT_HTTP_COMPLETE);
	assert_int_equal(strlen(o.header), 60000);
	outcome_release(&o);
	free(input);
}

static void test_parse_chunk_line_limit(void **state)
{
	char input[4096];
	struct parse_outcome o;
	size_t len;

	(void)state;

	/* A chunk-size line of exactly 1024 bytes, CRLF included, passes. */
	len = (size_t)snprintf(input, sizeof(input), "%s",
			       OK200 "Transfer-Encoding: chunked\r\n\r\n1;");
	memset(input + len, 'e', PG_RT_HTTP_MAX_CHUNK_LINE_BYTES - 4);
	len += PG_RT_HTTP_MAX_CHUNK_LINE_BYTES - 4;
	len += (size_t)snprintf(input + len, sizeof(input) - len,
				"\r\nx\r\n0\r\n\r\n");
	parse_in_pieces(input, len, 0, 1, false, NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_COMPLETE);
	assert_string_equal(o.body, "x");
	outcome_release(&o);
	parse_in_pieces(input, len, 0, len, false, NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_COMPLETE);
	outcome_release(&o);

	/* One byte more fails, whole or byte at a time. */
	len = (size_t)snprintf(input, sizeof(input), "%s",
			       OK200 "Transfer-Encoding: chunked\r\n\r\n1;");
	memset(input + len, 'e', PG_RT_HTTP_MAX_CHUNK_LINE_BYTES - 3);
	len += PG_RT_HTTP_MAX_CHUNK_LINE_BYTES - 3;
	len += (size_t)snprintf(input + len, sizeof(input) - len,
				"\r\nx\r\n0\r\n\r\n");
	parse_in_pieces(input, len, 0, 1, false, NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_BAD_CHUNK);
	outcome_release(&o);
	parse_in_pieces(input, len, 0, len, false, NULL, &o);
	assert_int_equal(o.result, PG_RT_HTTP_BAD_CHUNK);
	outcome_release(&o);
}

static void test_parse_wanted_bytes(void **state)
{
	char buf[128] = OK200 "Content-Length: 10\r\n\r\nabc";
	size_t len = strlen(buf);
	struct pg_rt_http_parser p;

	(void)state;
	pg_rt_http_parser_init(&p, MAX_BODY);
	assert_int_equal(pg_rt_http_parser_wanted_bytes(&p, len), 0);
	assert_int_equal(pg_rt_http_parse(&p, buf, &len), PG_RT_HTTP_INCOMPLETE);
	assert_int_equal(pg_rt_http_parser_wanted_bytes(&p, len), 7);
	memcpy(buf + len, "defghij", 7);
	len += 7;
	assert_int_equal(pg_rt_http_parse(&p, buf, &len), PG_RT_HTTP_COMPLETE);
	assert_int_equal(pg_rt_http_parser_wanted_bytes(&p, len), 0);
	assert_int_equal(p.message_end, len);
}

static void test_parse_error_is_sticky(void **state)
{
	char buf[128] = "HTTP/9.9 200 OK\r\n\r\n";
	size_t len = strlen(buf);
	struct pg_rt_http_parser p;

	(void)state;
	pg_rt_http_parser_init(&p, MAX_BODY);
	assert_int_equal(pg_rt_http_parse(&p, buf, &len),
			 PG_RT_HTTP_BAD_STATUS_LINE);
	assert_int_equal(pg_rt_http_parse(&p, buf, &len),
			 PG_RT_HTTP_BAD_STATUS_LINE);
	assert_int_equal(pg_rt_http_parse_eof(&p, buf, &len),
			 PG_RT_HTTP_BAD_STATUS_LINE);
}

static void test_result_text(void **state)
{
	(void)state;
	assert_string_equal(pg_rt_http_result_text(PG_RT_HTTP_BAD_CHUNK),
			    "invalid chunk framing");
	assert_string_equal(pg_rt_http_result_text((enum pg_rt_http_result)999),
			    "unknown result");
}

static void test_client_init_addresses(void **state)
{
	static const struct {
		const char *authority;
		int rc;
		const char *host;
		const char *port;
	} rows[] = {
		{ "127.0.0.1:9001", 0, "127.0.0.1", "9001" },
		{ "[::1]:9001", 0, "::1", "9001" },
		{ "[fe80::1%eth0]:80", 0, "fe80::1%eth0", "80" },
		{ "localhost:1", 0, "localhost", "1" },
		{ "example.internal", 0, "example.internal", "80" },
		{ "[::1]", 0, "::1", "80" },
		{ "", -1, NULL, NULL },
		{ ":9001", -1, NULL, NULL },
		{ "127.0.0.1:", -1, NULL, NULL },
		{ "127.0.0.1:0", -1, NULL, NULL },
		{ "127.0.0.1:65536", -1, NULL, NULL },
		{ "127.0.0.1:123456", -1, NULL, NULL },
		{ "127.0.0.1:90x", -1, NULL, NULL },
		{ "::1:9001", -1, NULL, NULL },
		{ "[::1:9001", -1, NULL, NULL },
		{ "[]:9001", -1, NULL, NULL },
		{ "[::1]9001", -1, NULL, NULL },
		{ "http://127.0.0.1:9001", -1, NULL, NULL },
		{ "host name:9001", -1, NULL, NULL },
		{ "a/b:9001", -1, NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pg_rt_http_client c;
		struct pg_err err = { { 0 } };
		int rc = pg_rt_http_client_init(&c, rows[i].authority, 1024, &err);

		if (rc != rows[i].rc)
			fail_msg("\"%s\": got %d (%s)", rows[i].authority, rc,
				 err.msg);
		if (rc == 0) {
			assert_string_equal(c.host, rows[i].host);
			assert_string_equal(c.port, rows[i].port);
			assert_string_equal(c.authority, rows[i].authority);
		} else {
			assert_true(pg_err_is_set(&err));
		}
		pg_rt_http_client_release(&c);
		pg_rt_http_client_release(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_nul_in_header),
		cmocka_unit_test(test_parse_nul_in_body),
		cmocka_unit_test(test_parse_header_limits),
		cmocka_unit_test(test_parse_chunk_line_limit),
		cmocka_unit_test(test_parse_wanted_bytes),
		cmocka_unit_test(test_parse_error_is_sticky),
		cmocka_unit_test(test_result_text),
		cmocka_unit_test(test_client_init_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
