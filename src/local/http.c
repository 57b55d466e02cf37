#include "local/local.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/alloc.h"
#include "common/text.h"

/* The body of one request as it arrives. */
struct request_body {
	struct pg_buf data;
	bool too_large;
};

/* Reads the Content-Length header into *len. Returns false when the
 * request has none (a chunked body) or MHD would reject it as malformed. */
static bool content_length(struct MHD_Connection *connection,
			   unsigned long long *len)
{
	const char *value = pg_mhd_request_header(connection, "Content-Length");
	char *end;

	if (!value || !*value)
		return false;
	errno = 0;
	*len = strtoull(value, &end, 10);
	return !errno && !*end;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct pg_http_listener *listener = cls;
	struct request_body *body = *con_cls;
	unsigned long long announced;

	(void)version;
	if (!body) {
		body = pg_calloc(1, sizeof(*body));
		pg_buf_init(&body->data, listener->max_body_bytes);
		*con_cls = body;
		if (!content_length(connection, &announced))
			return MHD_YES;
		/* Reply 413 before reading a body announced as too large. */
		if (announced > listener->max_body_bytes) {
			body->too_large = true;
			if (pg_buf_append(&body->data, "", 0) < 0)
				return MHD_NO;
			return (enum MHD_Result)listener->handler(
				listener->cls, connection, url, method,
				&body->data, true);
		}
		/* One allocation for the whole body instead of a doubling
		 * series of copies as it arrives. */
		if (pg_buf_reserve(&body->data, (size_t)announced) < 0)
			body->too_large = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!body->too_large &&
		    pg_buf_append(&body->data, upload_data, *upload_data_size) < 0)
			body->too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The handler may rely on a NUL-terminated body, also an empty one
	 * or one whose storage was reserved but never written. */
	if (pg_buf_append(&body->data, "", 0) < 0)
		body->too_large = true;
	return (enum MHD_Result)listener->handler(
		listener->cls, connection, url, method, &body->data,
		body->too_large);
}

static void on_completed(void *cls, struct MHD_Connection *connection,
			 void **con_cls, enum MHD_RequestTerminationCode code)
{
	struct request_body *body = *con_cls;

	(void)cls;
	(void)connection;
	(void)code;
	if (!body)
		return;
	pg_buf_release(&body->data);
	free(body);
	*con_cls = NULL;
}

/* Percent-decodes s in place as libmicrohttpd would, except that "%00"
 * stays as it is: a NUL byte would end the decoded path early, so that
 * "/contact%00junk" reached the route "/contact". Returns the new length. */
static size_t unescape_keeping_nul(void *cls, struct MHD_Connection *connection,
				   char *s)
{
	char *read = s;
	char *write = s;

	(void)cls;
	(void)connection;
	while (*read) {
		int high = read[0] == '%' ? pg_hex_digit_value(read[1]) : -1;
		int low = high >= 0 ? pg_hex_digit_value(read[2]) : -1;

		if (low >= 0 && (high || low)) {
			*write++ = (char)(high * 16 + low);
			read += 3;
		} else {
			*write++ = *read++;
		}
	}
	*write = '\0';
	return (size_t)(write - s);
}

int pg_http_listen(struct pg_http_listener *listener, const char *host,
		   int port, struct pg_err *err)
{
	struct addrinfo hints;
	struct addrinfo *addrs = NULL;
	struct sockaddr_storage addr;
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			     MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, NULL, &hints, &addrs);
	if (rc != 0 || !addrs) {
		pg_err_set(err, "host %s: %s", host, gai_strerror(rc));
		if (addrs)
			freeaddrinfo(addrs);
		return -1;
	}
	memset(&addr, 0, sizeof(addr));
	memcpy(&addr, addrs->ai_addr, addrs->ai_addrlen);
	freeaddrinfo(addrs);
	if (addr.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&addr)->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)port);
	}

	listener->daemon = MHD_start_daemon(
		flags, (uint16_t)port, NULL, NULL, on_request, listener,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, listener->idle_timeout_s,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_keeping_nul, NULL,
		MHD_OPTION_END);
	if (!listener->daemon) {
		pg_err_set(err, "listen on %s port %d failed (is the port in use?)",
			   host, port);
		return -1;
	}
	info = MHD_get_daemon_info(listener->daemon, MHD_DAEMON_INFO_BIND_PORT);
	listener->port = info ? info->port : port;
	return 0;
}

void pg_http_stop(struct pg_http_listener *listener)
{
	if (!listener || !listener->daemon)
		return;
	MHD_stop_daemon(listener->daemon);
	listener->daemon = NULL;
}

/* Adds the headers to response, queues it and drops the caller's
 * reference to it. */
static int queue_response(struct MHD_Connection *connection, int status,
			  struct MHD_Response *response,
			  const char *content_type, const char *const *headers)
{
	enum MHD_Result rc;

	if (content_type)
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
					content_type);
	for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
		MHD_add_response_header(response, headers[i], headers[i + 1]);
	rc = MHD_queue_response(connection, (unsigned int)status, response);
	MHD_destroy_response(response);
	return rc;
}

int pg_http_reply(struct MHD_Connection *connection, int status,
		  const char *content_type, const char *body, size_t len,
		  const char *const *headers)
{
	struct MHD_Response *response;

	response = MHD_create_response_from_buffer(len, (void *)body,
						   MHD_RESPMEM_MUST_COPY);
	if (!response)
		return MHD_NO;
	return queue_response(connection, status, response, content_type,
			      headers);
}

int pg_http_reply_owned(struct MHD_Connection *connection, int status,
			const char *content_type, char *body, size_t len,
			const char *const *headers)
{
	struct MHD_Response *response;

	/* MHD frees the body with free() once the response is sent or
	 * dropped. */
	response = MHD_create_response_from_buffer(len, body,
						   MHD_RESPMEM_MUST_FREE);
	if (!response) {
		free(body);
		return MHD_NO;
	}
	return queue_response(connection, status, response, content_type,
			      headers);
}

const char *pg_mhd_request_header(struct MHD_Connection *connection, const char *name)
{
	return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
}
