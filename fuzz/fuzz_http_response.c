/* Fuzzes the runtime's HTTP response parser. The input is parsed whole,
 * split in two at a position taken from its first byte, and one byte at a
 * time. The three runs must agree on the result, the status and the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/http.h"

/* Small enough that the fuzzer reaches the body limit. */
#define MAX_BODY 4096

struct outcome {
	enum pg_rt_http_result result;
	int status;
	size_t body_len;
	char *buf;
	size_t body_off;
};

static void parse(const uint8_t *data, size_t size, size_t first, size_t piece,
		  struct outcome *o)
{
	struct pg_rt_http_parser p;
	size_t len = 0;
	size_t fed = 0;

	o->buf = malloc(size + 1);
	if (!o->buf)
		abort();
	pg_rt_http_parser_init(&p, MAX_BODY);
	o->result = PG_RT_HTTP_INCOMPLETE;
	while (fed < size && o->result == PG_RT_HTTP_INCOMPLETE) {
		size_t n = fed == 0 && first ? first : piece;

		if (n > size - fed)
			n = size - fed;
		memcpy(o->buf + len, data + fed, n);
		len += n;
		fed += n;
		o->result = pg_rt_http_parse(&p, o->buf, &len);
	}
	if (o->result == PG_RT_HTTP_INCOMPLETE)
		o->result = pg_rt_http_parse_eof(&p, o->buf, &len);

	/* Exercise the lookups on whatever head was parsed. */
	if (p.head_len) {
		const char *v = pg_rt_http_parser_header(
			&p, o->buf, "Lambda-Runtime-Aws-Request-Id");

		if (v && strlen(v) > p.head_len)
			abort();
	}
	o->status = p.status;
	o->body_len = p.body_len;
	o->body_off = p.body_off;
	if (o->result == PG_RT_HTTP_COMPLETE &&
	    (p.body_off + p.body_len > len || p.message_end > len ||
	     p.body_len > MAX_BODY))
		abort();
}

static void compare(const struct outcome *a, const struct outcome *b)
{
	if (a->result != b->result || a->status != b->status)
		abort();
	if (a->result != PG_RT_HTTP_COMPLETE)
		return;
	if (a->body_len != b->body_len ||
	    memcmp(a->buf + a->body_off, b->buf + b->body_off, a->body_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole;
	struct outcome split;
	struct outcome bytes;
	size_t first;

	if (size == 0)
		return 0;
	first = 1 + data[0] % size;

	parse(data, size, 0, size, &whole);
	parse(data, size, first, size, &split);
	parse(data, size, 0, 1, &bytes);
	compare(&whole, &split);
	compare(&whole, &bytes);
	free(whole.buf);
	free(split.buf);
	free(bytes.buf);
	return 0;
}
