/* The loopback floor of the runtime benchmark: a Runtime API client with no
 * Lambda logic. Over one keep-alive connection to AWS_LAMBDA_RUNTIME_API it
 * repeats GET /runtime/invocation/next and POST .../{id}/response with the
 * body {}, the same two exchanges a function makes per invocation, until
 * the connection fails or it is killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_http.h"

#define NEXT_REQUEST \
	"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n" \
	"Host: runtime\r\n\r\n"
#define MAX_REQUEST_ID_BYTES 128

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	const char *colon = api ? strrchr(api, ':') : NULL;
	char host[64];
	struct bh_conn conn;
	long port = 0;
	char *end = NULL;
	int fd;

	if (colon)
		port = strtol(colon + 1, &end, 10);
	if (!colon || (size_t)(colon - api) >= sizeof(host) || *end ||
	    port <= 0 || port > 65535) {
		fprintf(stderr, "floor_client: AWS_LAMBDA_RUNTIME_API must be HOST:PORT\n");
		return 1;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - api), api);
	fd = bh_connect(host, (int)port);
	if (fd < 0) {
		fprintf(stderr, "floor_client: cannot connect to %s\n", api);
		return 1;
	}
	bh_conn_init(&conn, fd);

	for (;;) {
		struct bh_message msg;
		const char *id;
		size_t id_len;
		char head[512];
		int n;

		if (bh_write_all(fd, NEXT_REQUEST, sizeof(NEXT_REQUEST) - 1) < 0 ||
		    bh_read_message(&conn, &msg, false) <= 0)
			break;
		id = bh_header(&msg, "Lambda-Runtime-Aws-Request-Id", &id_len);
		if (!id || id_len > MAX_REQUEST_ID_BYTES) {
			fprintf(stderr, "floor_client: no request id\n");
			break;
		}
		n = snprintf(head, sizeof(head),
			     "POST /2018-06-01/runtime/invocation/%.*s/response HTTP/1.1\r\n"
			     "Host: runtime\r\nContent-Type: application/json\r\n"
			     "Content-Length: 2\r\n\r\n",
			     (int)id_len, id);
		bh_consume(&conn, &msg);
		if (bh_write_message(fd, head, (size_t)n, "{}", 2) < 0 ||
		    bh_read_message(&conn, &msg, false) <= 0)
			break;
		bh_consume(&conn, &msg);
	}
	bh_conn_release(&conn);
	return 0;
}
