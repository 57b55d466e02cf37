/* A sequential keep-alive HTTP/1.1 client for the benchmark: POSTs the same
 * body COUNT times over one connection and prints one JSON line with the
 * invocations per second, latency percentiles and the status codes seen.
 *
 *   invoke_client URL BODY_FILE COUNT [HEADER: VALUE]...
 *
 * URL is http://127.0.0.1:PORT/PATH (IPv4 loopback only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_http.h"

#define MAX_COUNT 10000000UL
#define MAX_HEAD_BYTES 8192

static int compare_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a;
	long long y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Splits http://HOST:PORT/PATH. */
static int parse_url(const char *url, char *host, size_t host_size, int *port,
		     const char **path)
{
	const char *start = url + 7;
	const char *colon;
	char *end;
	long value;

	if (strncmp(url, "http://", 7))
		return -1;
	colon = strchr(start, ':');
	*path = strchr(start, '/');
	if (!colon || !*path || colon > *path ||
	    (size_t)(colon - start) >= host_size)
		return -1;
	snprintf(host, host_size, "%.*s", (int)(colon - start), start);
	errno = 0;
	value = strtol(colon + 1, &end, 10);
	if (errno || end != *path || value <= 0 || value > 65535)
		return -1;
	*port = (int)value;
	return 0;
}

int main(int argc, char **argv)
{
	char host[64];
	char head[MAX_HEAD_BYTES];
	const char *path;
	char *body;
	size_t body_len;
	unsigned long count;
	long long *latency;
	long long start;
	long long elapsed;
	unsigned long status_2xx = 0;
	unsigned long status_other = 0;
	int last_other = 0;
	struct bh_conn conn;
	int port;
	int head_len;
	int fd;
	char *end;

	if (argc < 4 || parse_url(argv[1], host, sizeof(host), &port, &path) < 0) {
		fprintf(stderr, "usage: invoke_client http://127.0.0.1:PORT/PATH BODY_FILE COUNT [HEADER: VALUE]...\n");
		return 2;
	}
	errno = 0;
	count = strtoul(argv[3], &end, 10);
	if (errno || *end || count == 0 || count > MAX_COUNT) {
		fprintf(stderr, "invoke_client: COUNT must be 1 to %lu\n", MAX_COUNT);
		return 2;
	}
	body = bh_read_file(argv[2], &body_len);
	if (!body)
		return 1;

	head_len = snprintf(head, sizeof(head),
			    "POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
			    "Content-Type: application/json\r\n"
			    "Content-Length: %zu\r\n",
			    path, host, port, body_len);
	for (int i = 4; i < argc && head_len < (int)sizeof(head); i++)
		head_len += snprintf(head + head_len, sizeof(head) - (size_t)head_len,
				     "%s\r\n", argv[i]);
	if (head_len + 3 > (int)sizeof(head)) {
		fprintf(stderr, "invoke_client: headers longer than %d bytes\n",
			MAX_HEAD_BYTES);
		return 2;
	}
	head_len += snprintf(head + head_len, sizeof(head) - (size_t)head_len, "\r\n");

	fd = bh_connect(host, port);
	if (fd < 0) {
		fprintf(stderr, "invoke_client: cannot connect to %s:%d\n", host, port);
		return 1;
	}
	bh_conn_init(&conn, fd);
	latency = calloc(count, sizeof(*latency));
	if (!latency)
		return 1;

	start = bh_now_us();
	for (unsigned long i = 0; i < count; i++) {
		struct bh_message msg;
		long long t = bh_now_us();
		int status;

		if (bh_write_message(fd, head, (size_t)head_len, body, body_len) < 0 ||
		    bh_read_message(&conn, &msg, false) <= 0) {
			fprintf(stderr, "invoke_client: connection failed after %lu requests\n", i);
			return 1;
		}
		latency[i] = bh_now_us() - t;
		status = bh_status(&msg);
		if (status >= 200 && status < 300) {
			status_2xx++;
		} else {
			status_other++;
			last_other = status;
		}
		bh_consume(&conn, &msg);
	}
	elapsed = bh_now_us() - start;

	qsort(latency, count, sizeof(*latency), compare_ll);
	printf("{\"count\":%lu,\"elapsed_us\":%lld,\"per_s\":%.1f,"
	       "\"p50_us\":%lld,\"p99_us\":%lld,\"status_2xx\":%lu,"
	       "\"status_other\":%lu,\"last_other_status\":%d}\n",
	       count, elapsed, elapsed > 0 ? count * 1e6 / (double)elapsed : 0.0,
	       latency[count / 2], latency[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1],
	       status_2xx, status_other, last_other);
	free(latency);
	free(body);
	bh_conn_release(&conn);
	return status_other ? 1 : 0;
}
