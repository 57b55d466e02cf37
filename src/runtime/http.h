/* Internal to the runtime layer: a small HTTP/1.1 client over one blocking
 * TCP connection, and the response parser it uses.
 *
 * The parser is a pure function over bytes so that it can be tested and
 * fuzzed without sockets. It works in place on the caller's buffer: the
 * caller appends received bytes at the end and calls pg_rt_http_parse again.
 * Header values are NUL-terminated in place, and a chunked body is decoded
 * in place (chunk data is moved down over the chunk-size lines), so a whole
 * response needs one buffer and the body is one contiguous run of bytes.
 *
 * The pg_rt_http_ prefix keeps these names apart from the pg_http_ request
 * and response types of the events layer. */
#ifndef PG_RUNTIME_HTTP_H
#define PG_RUNTIME_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/err.h"

/* Status line plus headers, final blank line included. */
#define PG_RT_HTTP_MAX_HEAD_BYTES (64u * 1024)
#define PG_RT_HTTP_MAX_HEADERS 64
/* A chunk-size line, extensions included. */
#define PG_RT_HTTP_MAX_CHUNK_LINE_BYTES 1024u

/* Parser and client results with their English text. Every code after
 * PG_RT_HTTP_INCOMPLETE is an error. */
#define PG_RT_HTTP_RESULT_MAP(X)                                               \
	X(PG_RT_HTTP_COMPLETE, "complete response")                            \
	X(PG_RT_HTTP_INCOMPLETE, "incomplete response")                        \
	X(PG_RT_HTTP_BAD_STATUS_LINE, "invalid status line")                   \
	X(PG_RT_HTTP_BAD_STATUS, "unsupported status code")                    \
	X(PG_RT_HTTP_BAD_HEADER, "invalid header line")                        \
	X(PG_RT_HTTP_HEAD_TOO_LARGE, "response head larger than 65536 bytes")  \
	X(PG_RT_HTTP_TOO_MANY_HEADERS, "more than 64 response headers")        \
	X(PG_RT_HTTP_BAD_CONTENT_LENGTH, "invalid Content-Length")             \
	X(PG_RT_HTTP_BAD_TRANSFER_ENCODING, "unsupported Transfer-Encoding")   \
	X(PG_RT_HTTP_BAD_CHUNK, "invalid chunk framing")                       \
	X(PG_RT_HTTP_BODY_TOO_LARGE, "response body larger than the limit")    \
	X(PG_RT_HTTP_TRUNCATED, "connection closed before the response ended") \
	X(PG_RT_HTTP_BAD_REQUEST, "invalid request")                           \
	X(PG_RT_HTTP_CONNECT_FAILED, "connect failed")                         \
	X(PG_RT_HTTP_SEND_FAILED, "send failed")                               \
	X(PG_RT_HTTP_RECV_FAILED, "receive failed")

enum pg_rt_http_result {
#define PG_RT_HTTP_ENUM(code, text) code,
	PG_RT_HTTP_RESULT_MAP(PG_RT_HTTP_ENUM)
#undef PG_RT_HTTP_ENUM
};

const char *pg_rt_http_result_text(enum pg_rt_http_result result);

/* One header as offsets into the parsed buffer; the value is trimmed and
 * followed by a NUL byte written by the parser. */
struct pg_rt_http_header {
	size_t name_off;
	size_t name_len;
	size_t value_off;
	size_t value_len;
};

enum pg_rt_http_framing {
	PG_RT_HTTP_FRAMING_NONE,    /* no body: 204, 304 */
	PG_RT_HTTP_FRAMING_LENGTH,  /* Content-Length */
	PG_RT_HTTP_FRAMING_CHUNKED, /* Transfer-Encoding: chunked */
	PG_RT_HTTP_FRAMING_CLOSE,   /* body ends when the server closes */
};

/* Parser state and, once the head is parsed, the response. The fields
 * after `state` are meaningful once head_len is non-zero. Offsets stay valid
 * across calls because the parser never moves the head. */
struct pg_rt_http_parser {
	int state;
	enum pg_rt_http_result failure; /* kept once the parser has failed */
	size_t max_body_bytes;
	size_t pos;            /* next unparsed byte */
	uint64_t remaining;    /* body or chunk bytes still expected */
	size_t trailer_bytes;  /* chunked trailer section seen so far */

	size_t head_len;       /* 0 until the head is complete */
	int status;            /* e.g. 200 */
	bool keep_alive;       /* false: close the connection after this */
	enum pg_rt_http_framing framing;
	uint64_t content_length;
	size_t body_off;
	size_t body_len;
	size_t message_end;    /* offset after the response, once complete */
	size_t header_count;
	struct pg_rt_http_header headers[PG_RT_HTTP_MAX_HEADERS];
};

/* Prepares p for one response whose body may be at most max_body_bytes. */
void pg_rt_http_parser_init(struct pg_rt_http_parser *p, size_t max_body_bytes);

/* Parses the bytes buf[0..*len) as far as they go and returns
 * PG_RT_HTTP_COMPLETE, PG_RT_HTTP_INCOMPLETE or an error. buf must be the same
 * buffer with the same content between calls except for bytes appended at
 * the end, and must have room for one byte past *len. The parser may move
 * bytes inside buf and lower *len (chunked bodies, skipped 1xx responses).
 * After an error the parser stays failed. PG_RT_HTTP_BODY_TOO_LARGE comes once
 * the head is complete, so its headers can still be read. */
enum pg_rt_http_result pg_rt_http_parse(struct pg_rt_http_parser *p, char *buf,
				  size_t *len);

/* Tells the parser that the server closed the connection after buf[0..*len):
 * completes a body that ends at close, else returns PG_RT_HTTP_TRUNCATED (or
 * the earlier error). */
enum pg_rt_http_result pg_rt_http_parse_eof(struct pg_rt_http_parser *p,
					    char *buf, size_t *len);

/* Body bytes still expected under Content-Length, as a read size hint;
 * 0 when unknown. */
size_t pg_rt_http_parser_wanted_bytes(const struct pg_rt_http_parser *p,
				   size_t len);

/* Finds a header by name, case-insensitively, in a parsed head. Returns its
 * NUL-terminated value inside buf (the first one when repeated), or NULL. */
const char *pg_rt_http_parser_header(const struct pg_rt_http_parser *p,
				  const char *buf, const char *name);

/* One extra request header. Values must not contain CR or LF. */
struct pg_rt_http_field {
	const char *name;
	const char *value;
};

struct pg_rt_http_request {
	const char *method;
	const char *path; /* origin form, starting with "/" */
	const struct pg_rt_http_field *fields;
	size_t field_count;
	const void *body; /* sent with Content-Length when method is POST */
	size_t body_len;
};

/* A keep-alive client for one server. The response of the last request
 * lives in `in` (parsed by `parser`) until the next request. */
struct pg_rt_http_client {
	int fd;                 /* -1 when not connected */
	bool reused;            /* fd already carried a request */
	char host[256];
	char port[8];
	char authority[300];    /* "host:port" as given, for the Host header */
	struct sockaddr_storage addr; /* cached address of the last connect */
	socklen_t addr_len;     /* 0 when nothing is cached */
	bool numeric_host;      /* host is an IP address, never resolved */
	size_t max_body_bytes;
	struct pg_buf in;
	struct pg_rt_http_parser parser;
};

/* Checks authority ("host:port", "[v6]:port", or "host" for port 80) and
 * prepares c without connecting. Returns 0, or -1 with err naming the
 * problem. Release c with pg_rt_http_client_release in both cases. */
__attribute__((warn_unused_result))
int pg_rt_http_client_init(struct pg_rt_http_client *c, const char *authority,
			size_t max_body_bytes, struct pg_err *err);
/* Closes the connection and frees the buffer; safe to call twice. */
void pg_rt_http_client_release(struct pg_rt_http_client *c);
/* Closes the connection; the next request opens a new one. */
void pg_rt_http_client_close(struct pg_rt_http_client *c);

/* Sends req and reads the whole response into c->in. Returns
 * PG_RT_HTTP_COMPLETE, or an error code with err holding a sentence. A request
 * on a reused connection that the server had closed is sent once more on a
 * new connection. No timeout applies: the call blocks until the server
 * responds or the connection fails. After PG_RT_HTTP_BODY_TOO_LARGE the head is
 * still readable through pg_rt_http_client_header. */
enum pg_rt_http_result pg_rt_http_client_send(struct pg_rt_http_client *c,
					const struct pg_rt_http_request *req,
					struct pg_err *err);

/* Returns the NUL-terminated value of a header of the last response, or
 * NULL when absent. */
const char *pg_rt_http_client_header(const struct pg_rt_http_client *c,
				  const char *name);

#endif
