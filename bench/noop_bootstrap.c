/* A function that does nothing: pigeon's runtime library alone, returning
 * {} for every event. It measures what the runtime costs per invocation and
 * at start, without the api or notifications logic. */
#include <stdio.h>

#include "log/log.h"
#include "runtime/runtime.h"

static int handle(const char *payload, size_t payload_len,
		  const struct pg_context *ctx, struct pg_buf *response,
		  struct pg_invocation_error *error, void *user_data)
{
	(void)payload;
	(void)payload_len;
	(void)ctx;
	(void)user_data;
	if (pg_buf_append_str(response, "{}") < 0) {
		snprintf(error->type, sizeof(error->type), "Noop.ResponseFailed");
		return -1;
	}
	return 0;
}

int main(void)
{
	pg_log_init();
	return pg_runtime_run(handle, NULL);
}
