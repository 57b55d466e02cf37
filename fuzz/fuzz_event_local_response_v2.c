/* libFuzzer target for the parser of a function's payload 2.0 answer,
 * which the API Gateway stand-in of `pigeon serve --payload-format 2.0`
 * turns into an HTTP response. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "local/proxy_event.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_proxy_response resp;
	struct pg_err err = {{0}};

	if (pg_proxy_response_parse_v2((const char *)data, size, &resp, &err) == 0) {
		if (resp.status < 100 || resp.status > 599 || !resp.body)
			__builtin_trap();
		for (size_t i = 0; i < resp.header_count; i++)
			if (strpbrk(resp.headers[i].value, "\r\n"))
				__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	pg_proxy_response_release(&resp);
	return 0;
}
