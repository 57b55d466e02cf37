/* A minimal HTTP/1.1 client for the Runtime API: plain TCP, one keep-alive
 * connection, blocking calls without timeouts. libcurl is kept off this path
 * because loading it costs several milliseconds of every cold start. */
#include "runtime/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Read size while the length of what follows is unknown. */
#define READ_BYTES (64u * 1024)
/* Request line plus headers; the runtime's largest is well under 1 KB. */
#define REQUEST_HEAD_BYTES 4096

static bool copy_text(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

static bool parse_port(const char *s, size_t len)
{
	unsigned value = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		value = value * 10 + (unsigned)(s[i] - '0');
	}
	return value >= 1 && value <= 65535;
}

/* Splits "host:port", "[v6]:port" or "host" into c->host and c->port. */
static int split_authority(struct pg_rt_http_client *c, const char *authority,
			   struct pg_err *err)
{
	size_t len = strlen(authority);
	const char *host = authority;
	size_t host_len;
	const char *port = "80";
	size_t port_len = 2;

	if (strstr(authority, "://")) {
		pg_err_set(err, "\"%s\": expected \"host:port\" without a "
				"scheme",
			   authority);
		return -1;
	}
	if (authority[0] == '[') {
		const char *close = strchr(authority, ']');

		if (!close || close == authority + 1) {
			pg_err_set(err, "\"%s\": expected \"[IPv6]:port\"",
				   authority);
			return -1;
		}
		host = authority + 1;
		host_len = (size_t)(close - host);
		if (close[1] == ':') {
			port = close + 2;
			port_len = strlen(port);
		} else if (close[1] != '\0') {
			pg_err_set(err, "\"%s\": expected \"[IPv6]:port\"",
				   authority);
			return -1;
		}
	} else {
		const char *colon = strchr(authority, ':');

		if (colon && strchr(colon + 1, ':')) {
			pg_err_set(err,
				   "\"%s\": an IPv6 address needs brackets, "
				   "as in \"[::1]:9001\"",
				   authority);
			return -1;
		}
		host_len = colon ? (size_t)(colon - authority) : len;
		if (colon) {
			port = colon + 1;
			port_len = strlen(port);
		}
	}

	if (host_len == 0 || !copy_text(c->host, sizeof(c->host), host,
					host_len)) {
		pg_err_set(err, "\"%s\": the host must be 1 to %zu bytes",
			   authority, sizeof(c->host) - 1);
		return -1;
	}
	for (size_t i = 0; i < host_len; i++) {
		unsigned char ch = (unsigned char)host[i];

		if (ch <= 0x20 || ch >= 0x7f || strchr("/?#@", ch)) {
			pg_err_set(err, "\"%s\": invalid character in the host",
				   authority);
			return -1;
		}
	}
	if (!parse_port(port, port_len)) {
		pg_err_set(err, "\"%s\": the port must be 1 to 65535",
			   authority);
		return -1;
	}
	memcpy(c->port, port, port_len);
	c->port[port_len] = '\0';
	return 0;
}

int pg_rt_http_client_init(struct pg_rt_http_client *c, const char *authority,
			size_t max_body_bytes, struct pg_err *err)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->max_body_bytes = max_body_bytes;
	/* Head, body, one partial chunk line or trailer section, and what a
	 * read may bring beyond the parser's limits before it stops. */
	pg_buf_init(&c->in, 2 * PG_RT_HTTP_MAX_HEAD_BYTES + max_body_bytes +
				    2 * READ_BYTES);
	pg_rt_http_parser_init(&c->parser, max_body_bytes);

	if (!authority || !*authority) {
		pg_err_set(err, "the server address is empty");
		return -1;
	}
	if (!copy_text(c->authority, sizeof(c->authority), authority,
		       strlen(authority))) {
		pg_err_set(err, "the server address is longer than %zu bytes",
			   sizeof(c->authority) - 1);
		return -1;
	}
	return split_authority(c, authority, err);
}

void pg_rt_http_client_close(struct pg_rt_http_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->reused = false;
}

void pg_rt_http_client_release(struct pg_rt_http_client *c)
{
	if (!c)
		return;
	pg_rt_http_client_close(c);
	pg_buf_release(&c->in);
}

static int open_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	int one = 1;

	/* Requests go out in one write, and nothing should wait for an ACK. */
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
	return fd;
}

static int connect_to(const struct sockaddr *addr, socklen_t addr_len)
{
	int fd = open_socket(addr->sa_family);

	if (fd < 0)
		return -1;
	/* An interrupted connect goes on in the background and cannot simply
	 * be called again, so EINTR fails like any error and the caller's
	 * retry opens a new socket. */
	if (connect(fd, addr, addr_len) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Fills c->addr from a numeric host without going through the resolver,
 * which keeps the resolver's configuration files off the cold start. */
static bool numeric_address(struct pg_rt_http_client *c)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&c->addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&c->addr;
	unsigned port = 0;

	for (const char *s = c->port; *s; s++)
		port = port * 10 + (unsigned)(*s - '0');

	memset(&c->addr, 0, sizeof(c->addr));
	if (inet_pton(AF_INET, c->host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		c->addr_len = sizeof(*v4);
		c->numeric_host = true;
		return true;
	}
	if (inet_pton(AF_INET6, c->host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		c->addr_len = sizeof(*v6);
		c->numeric_host = true;
		return true;
	}
	c->addr_len = 0;
	return false;
}

static enum pg_rt_http_result resolve_and_connect(struct pg_rt_http_client *c,
					       struct pg_err *err)
{
	struct addrinfo hints;
	struct addrinfo *list = NULL;
	int saved = 0;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(c->host, c->port, &hints, &list);
	if (rc != 0) {
		pg_err_set(err, "cannot resolve %s: %s", c->host,
			   gai_strerror(rc));
		return PG_RT_HTTP_CONNECT_FAILED;
	}
	for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		c->fd = connect_to(ai->ai_addr, ai->ai_addrlen);
		if (c->fd >= 0) {
			memcpy(&c->addr, ai->ai_addr, ai->ai_addrlen);
			c->addr_len = ai->ai_addrlen;
			break;
		}
		saved = errno;
	}
	freeaddrinfo(list);
	if (c->fd < 0) {
		pg_err_set(err, "connect to %s failed: %s", c->authority,
			   strerror(saved));
		return PG_RT_HTTP_CONNECT_FAILED;
	}
	return PG_RT_HTTP_COMPLETE;
}

static enum pg_rt_http_result open_connection(struct pg_rt_http_client *c,
					   struct pg_err *err)
{
	c->reused = false;
	if (!c->addr_len && !numeric_address(c))
		return resolve_and_connect(c, err);

	c->fd = connect_to((const struct sockaddr *)&c->addr, c->addr_len);
	if (c->fd >= 0)
		return PG_RT_HTTP_COMPLETE;
	pg_err_set(err, "connect to %s failed: %s", c->authority,
		   strerror(errno));
	/* A name is resolved again next time, in case its address moved. */
	if (!c->numeric_host)
		c->addr_len = 0;
	return PG_RT_HTTP_CONNECT_FAILED;
}

static bool valid_field_text(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

static int format_head(const struct pg_rt_http_client *c,
		       const struct pg_rt_http_request *req, char *head,
		       size_t cap, struct pg_err *err)
{
	size_t len;
	int n;

	if (req->path[0] != '/' || !valid_field_text(req->path) ||
	    strchr(req->path, ' ')) {
		pg_err_set(err, "request path \"%s\" is not an origin path",
			   req->path);
		return -1;
	}
	n = snprintf(head, cap, "%s %s HTTP/1.1\r\nHost: %s\r\n", req->method,
		     req->path, c->authority);
	if (n < 0 || (size_t)n >= cap)
		goto too_long;
	len = (size_t)n;

	if (req->body || req->body_len) {
		n = snprintf(head + len, cap - len, "Content-Length: %zu\r\n",
			     req->body_len);
		if (n < 0 || (size_t)n >= cap - len)
			goto too_long;
		len += (size_t)n;
	}
	for (size_t i = 0; i < req->field_count; i++) {
		const struct pg_rt_http_field *f = &req->fields[i];

		if (!valid_field_text(f->name) || !valid_field_text(f->value)) {
			pg_err_set(err, "header %s: CR or LF in the value",
				   f->name);
			return -1;
		}
		n = snprintf(head + len, cap - len, "%s: %s\r\n", f->name,
			     f->value);
		if (n < 0 || (size_t)n >= cap - len)
			goto too_long;
		len += (size_t)n;
	}
	if (cap - len < 3)
		goto too_long;
	memcpy(head + len, "\r\n", 3);
	return (int)(len + 2);

too_long:
	pg_err_set(err, "request head for %s is longer than %zu bytes",
		   req->path, cap - 1);
	return -1;
}

/* Sends head and body with as few system calls as the kernel allows. */
static int send_all(int fd, const char *head, size_t head_len,
		    const void *body, size_t body_len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)head, .iov_len = head_len },
		{ .iov_base = (void *)body, .iov_len = body_len },
	};
	struct msghdr msg;
	size_t first = 0;

	while (first < 2) {
		ssize_t n;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov + first;
		msg.msg_iovlen = 2 - first;
		/* MSG_NOSIGNAL: a closed peer gives EPIPE, not SIGPIPE. */
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (first < 2 && (size_t)n >= iov[first].iov_len) {
			n -= (ssize_t)iov[first].iov_len;
			first++;
		}
		if (first < 2) {
			iov[first].iov_base = (char *)iov[first].iov_base + n;
			iov[first].iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Reads until the parser has a whole response. *received counts the bytes
 * read, so that the caller can tell a stale connection from a bad response. */
static enum pg_rt_http_result receive_response(struct pg_rt_http_client *c,
					    size_t *received, int *saved_errno,
					    struct pg_err *err)
{
	enum pg_rt_http_result result = PG_RT_HTTP_INCOMPLETE;

	pg_buf_reset(&c->in);
	pg_rt_http_parser_init(&c->parser, c->max_body_bytes);
	*received = 0;

	while (result == PG_RT_HTTP_INCOMPLETE) {
		size_t want = pg_rt_http_parser_wanted_bytes(&c->parser,
							  c->in.len);
		ssize_t n;

		if (want == 0)
			want = READ_BYTES;
		if (pg_buf_reserve(&c->in, want) < 0) {
			pg_err_set(err, "response from %s is larger than %zu "
					"bytes",
				   c->authority, c->in.max_bytes);
			return PG_RT_HTTP_BODY_TOO_LARGE;
		}
		n = recv(c->fd, c->in.data + c->in.len, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*saved_errno = errno;
			pg_err_set(err, "receive from %s failed: %s",
				   c->authority, strerror(errno));
			return PG_RT_HTTP_RECV_FAILED;
		}
		c->in.len += (size_t)n;
		c->in.data[c->in.len] = '\0';
		*received += (size_t)n;
		if (n == 0)
			result = pg_rt_http_parse_eof(&c->parser, c->in.data,
						   &c->in.len);
		else
			result = pg_rt_http_parse(&c->parser, c->in.data,
					       &c->in.len);
		c->in.data[c->in.len] = '\0';
	}
	if (result != PG_RT_HTTP_COMPLETE) {
		pg_err_set(err, "response from %s: %s", c->authority,
			   pg_rt_http_result_text(result));
		return result;
	}
	return PG_RT_HTTP_COMPLETE;
}

static bool stale_connection_error(enum pg_rt_http_result result, int saved)
{
	if (result == PG_RT_HTTP_SEND_FAILED)
		return saved == EPIPE || saved == ECONNRESET;
	if (result == PG_RT_HTTP_RECV_FAILED)
		return saved == ECONNRESET;
	return result == PG_RT_HTTP_TRUNCATED;
}

enum pg_rt_http_result pg_rt_http_client_send(struct pg_rt_http_client *c,
					const struct pg_rt_http_request *req,
					struct pg_err *err)
{
	char head[REQUEST_HEAD_BYTES];
	int head_len = format_head(c, req, head, sizeof(head), err);
	enum pg_rt_http_result result = PG_RT_HTTP_BAD_REQUEST;

	if (head_len < 0)
		return PG_RT_HTTP_BAD_REQUEST;

	/* A second attempt only when a reused connection turns out to have
	 * been closed by the server before it sent any response byte.
	 * NOTE: a server that read a POST and then closed without a response
	 * would receive that POST twice. */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pg_err attempt_err = { { 0 } };
		size_t received = 0;
		bool reused;
		int saved = 0;

		if (c->fd < 0) {
			result = open_connection(c, err);
			if (result != PG_RT_HTTP_COMPLETE)
				return result;
		}
		reused = c->reused;
		c->reused = true;

		if (send_all(c->fd, head, (size_t)head_len, req->body,
			     req->body_len) < 0) {
			saved = errno;
			pg_err_set(&attempt_err, "send to %s failed: %s",
				   c->authority, strerror(saved));
			result = PG_RT_HTTP_SEND_FAILED;
		} else {
			result = receive_response(c, &received, &saved,
						  &attempt_err);
		}

		if (result == PG_RT_HTTP_COMPLETE) {
			/* Bytes past the response mean the framing went wrong;
			 * start the next request on a clean connection. */
			if (!c->parser.keep_alive ||
			    c->in.len > c->parser.message_end)
				pg_rt_http_client_close(c);
			c->in.data[c->parser.body_off + c->parser.body_len] =
				'\0';
			return PG_RT_HTTP_COMPLETE;
		}
		pg_rt_http_client_close(c);
		if (reused && received == 0 &&
		    stale_connection_error(result, saved))
			continue;
		pg_err_set(err, "%s", attempt_err.msg);
		return result;
	}
	/* Not reached: the second attempt always runs on a new connection. */
	pg_err_set(err, "request to %s failed", c->authority);
	return result;
}

const char *pg_rt_http_client_header(const struct pg_rt_http_client *c,
				  const char *name)
{
	if (!c->parser.head_len || !c->in.data)
		return NULL;
	return pg_rt_http_parser_header(&c->parser, c->in.data, name);
}
