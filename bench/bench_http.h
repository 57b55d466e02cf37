/* A minimal blocking HTTP/1.1 reader and writer for the benchmark tools:
 * one message at a time on a keep-alive connection, bodies framed by
 * Content-Length only (no chunked encoding), as the Runtime API, the
 * Invoke API and Pushover's stand-in need. Not for outside input. */
#ifndef PG_BENCH_HTTP_H
#define PG_BENCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* The largest message a connection accepts: Lambda's 6 MB payload limit
 * plus room for the head. */
#define BH_MAX_MESSAGE_BYTES (6u * 1024 * 1024 + 64 * 1024)

/* A connection and its read buffer, which may hold the start of the next
 * message after the current one. */
struct bh_conn {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
};

/* One request or response. Every pointer points into the connection's
 * buffer and is valid until bh_consume or the next read. */
struct bh_message {
	const char *start_line; /* "GET /path HTTP/1.1", not NUL-terminated */
	size_t start_line_len;
	const char *head;       /* from the start line to the blank line */
	size_t head_len;
	const char *body;
	size_t body_len;
	size_t total_len;       /* head, blank line and body */
};

void bh_conn_init(struct bh_conn *conn, int fd);
/* Closes the socket and frees the buffer; safe to call twice. */
void bh_conn_release(struct bh_conn *conn);

/* Reads until the head of a message is complete, and then its body.
 * With answer_continue, a request whose head contains "Expect:
 * 100-continue" gets "HTTP/1.1 100 Continue" before its body is read.
 * Returns 1 with msg filled, 0 when the peer closed before a message
 * started, -1 on an error or a malformed or oversized message. */
int bh_read_message(struct bh_conn *conn, struct bh_message *msg,
		    bool answer_continue);
/* Drops msg from the buffer; the next message starts after it. */
void bh_consume(struct bh_conn *conn, const struct bh_message *msg);

/* Finds header name (case-insensitive) in msg's head. Returns its value
 * without surrounding blanks (length in *len), or NULL. */
const char *bh_header(const struct bh_message *msg, const char *name,
		      size_t *len);
/* Returns the status code of a response, or -1. */
int bh_status(const struct bh_message *msg);

/* Writes every byte, retrying on EINTR and short writes. */
int bh_write_all(int fd, const void *data, size_t len);
/* Writes a head (formatted by the caller) and then the body with one
 * writev call where the kernel takes it. */
int bh_write_message(int fd, const char *head, size_t head_len,
		     const void *body, size_t body_len);

/* Opens a TCP connection to host:port. Returns the socket or -1. */
int bh_connect(const char *host, int port);
/* Listens on 127.0.0.1 on a free port. Returns the socket (port in *port)
 * or -1. */
int bh_listen_loopback(int *port);

/* Reads a whole file into a malloc'd buffer (NUL-terminated). Returns NULL
 * and prints why when it cannot. */
char *bh_read_file(const char *path, size_t *len);
/* Microseconds on the monotonic clock. */
long long bh_now_us(void);

#endif
