#include "bench_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK_BYTES (64u * 1024)

void bh_conn_init(struct bh_conn *conn, int fd)
{
	memset(conn, 0, sizeof(*conn));
	conn->fd = fd;
}

void bh_conn_release(struct bh_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
	free(conn->buf);
	conn->buf = NULL;
	conn->len = 0;
	conn->cap = 0;
}

/* Reads more bytes into the buffer. Returns the count, 0 at EOF, -1. */
static ssize_t fill(struct bh_conn *conn)
{
	ssize_t n;

	if (conn->cap - conn->len < READ_CHUNK_BYTES) {
		size_t cap = conn->cap ? conn->cap * 2 : 2 * READ_CHUNK_BYTES;
		char *grown;

		if (cap > BH_MAX_MESSAGE_BYTES + READ_CHUNK_BYTES)
			return -1;
		grown = realloc(conn->buf, cap);
		if (!grown)
			return -1;
		conn->buf = grown;
		conn->cap = cap;
	}
	do
		n = read(conn->fd, conn->buf + conn->len, conn->cap - conn->len - 1);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		conn->len += (size_t)n;
	return n;
}

static const char *find_blank_line(const char *data, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (data[i] == '\r' && !memcmp(data + i, "\r\n\r\n", 4))
			return data + i;
	return NULL;
}

static bool parse_length(const char *value, size_t len, size_t *out)
{
	size_t n = 0;

	if (!value || !len || len > 9)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (value[i] < '0' || value[i] > '9')
			return false;
		n = n * 10 + (size_t)(value[i] - '0');
	}
	*out = n;
	return true;
}

int bh_read_message(struct bh_conn *conn, struct bh_message *msg,
		    bool answer_continue)
{
	const char *blank = NULL;
	const char *value;
	size_t value_len;
	size_t head_len;
	size_t body_len = 0;

	memset(msg, 0, sizeof(*msg));
	for (;;) {
		ssize_t n;

		if (conn->len)
			blank = find_blank_line(conn->buf, conn->len);
		if (blank)
			break;
		n = fill(conn);
		if (n == 0 && conn->len == 0)
			return 0;
		if (n <= 0)
			return -1;
	}
	head_len = (size_t)(blank - conn->buf);
	msg->head = conn->buf;
	msg->head_len = head_len;
	msg->start_line = conn->buf;
	msg->start_line_len = head_len;
	for (size_t i = 0; i + 1 < head_len; i++) {
		if (conn->buf[i] == '\r' && conn->buf[i + 1] == '\n') {
			msg->start_line_len = i;
			break;
		}
	}

	value = bh_header(msg, "Content-Length", &value_len);
	if (value && !parse_length(value, value_len, &body_len))
		return -1;
	if (head_len + 4 + body_len > BH_MAX_MESSAGE_BYTES)
		return -1;
	value = bh_header(msg, "Expect", &value_len);
	if (answer_continue && value && value_len == 12 &&
	    !strncasecmp(value, "100-continue", 12) &&
	    conn->len < head_len + 4 + body_len) {
		static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";

		if (bh_write_all(conn->fd, go_on, sizeof(go_on) - 1) < 0)
			return -1;
	}
	while (conn->len < head_len + 4 + body_len) {
		/* fill may move the buffer, so the pointers are set after. */
		if (fill(conn) <= 0)
			return -1;
	}
	msg->head = conn->buf;
	msg->start_line = conn->buf;
	msg->body = conn->buf + head_len + 4;
	msg->body_len = body_len;
	msg->total_len = head_len + 4 + body_len;
	return 1;
}

void bh_consume(struct bh_conn *conn, const struct bh_message *msg)
{
	size_t rest = conn->len - msg->total_len;

	if (rest)
		memmove(conn->buf, conn->buf + msg->total_len, rest);
	conn->len = rest;
}

const char *bh_header(const struct bh_message *msg, const char *name,
		      size_t *len)
{
	size_t name_len = strlen(name);
	const char *line = msg->start_line + msg->start_line_len;
	const char *end = msg->head + msg->head_len;

	while (line < end) {
		const char *next;
		const char *value;
		const char *value_end;

		/* Skip the CRLF that ends the previous line. */
		line += 2;
		next = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (!next)
			next = end;
		if ((size_t)(next - line) > name_len && line[name_len] == ':' &&
		    !strncasecmp(line, name, name_len)) {
			value = line + name_len + 1;
			value_end = next;
			while (value < value_end && (*value == ' ' || *value == '\t'))
				value++;
			while (value_end > value &&
			       (value_end[-1] == ' ' || value_end[-1] == '\t'))
				value_end--;
			*len = (size_t)(value_end - value);
			return value;
		}
		line = next;
	}
	return NULL;
}

int bh_status(const struct bh_message *msg)
{
	int status = 0;

	if (msg->start_line_len < 12 || strncmp(msg->start_line, "HTTP/1.", 7))
		return -1;
	for (size_t i = 9; i < 12; i++) {
		if (msg->start_line[i] < '0' || msg->start_line[i] > '9')
			return -1;
		status = status * 10 + (msg->start_line[i] - '0');
	}
	return status;
}

int bh_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bh_write_message(int fd, const char *head, size_t head_len,
		     const void *body, size_t body_len)
{
	struct iovec iov[2] = {
		{ (void *)head, head_len },
		{ (void *)body, body_len },
	};
	ssize_t n;

	do
		n = writev(fd, iov, body_len ? 2 : 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n == head_len + body_len)
		return 0;
	if ((size_t)n < head_len)
		return bh_write_all(fd, head + n, head_len - (size_t)n) < 0 ? -1 :
		       bh_write_all(fd, body, body_len);
	return bh_write_all(fd, (const char *)body + ((size_t)n - head_len),
			    body_len - ((size_t)n - head_len));
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int bh_connect(const char *host, int port)
{
	struct sockaddr_in addr;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	set_nodelay(fd);
	return fd;
}

int bh_listen_loopback(int *port)
{
	struct sockaddr_in addr;
	socklen_t addr_len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &addr_len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(addr.sin_port);
	return fd;
}

char *bh_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    size > (long)BH_MAX_MESSAGE_BYTES || fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "%s: cannot read it, or larger than %u bytes\n",
			path, BH_MAX_MESSAGE_BYTES);
		fclose(f);
		return NULL;
	}
	data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: read failed\n", path);
		free(data);
		fclose(f);
		return NULL;
	}
	data[size] = '\0';
	*len = (size_t)size;
	fclose(f);
	return data;
}

long long bh_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
