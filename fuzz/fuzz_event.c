/* libFuzzer target: an arbitrary Lambda event through the decoder, the
 * header and query lookups, and the whole api invocation step. */
#include <stddef.h>
#include <stdint.h>

#include "events/events.h"
#include "web/web.h"

static int accept_notification(const char *event_json, size_t event_len,
			       void *notify_data, struct pg_err *err)
{
	(void)event_json;
	(void)event_len;
	(void)err;
	/* Fail every other send so both responses are reached. */
	return (*(unsigned *)notify_data)++ % 2 ? -1 : 0;
}

static void lookups(const char *payload, size_t len)
{
	struct pg_http_request req;
	struct pg_err err = { 0 };
	const char *values[4];
	struct pg_buf joined;

	pg_http_request_init(&req);
	if (pg_http_request_decode(&req, payload, len, 4096, &err) ==
	    PG_EVENT_OK) {
		pg_buf_init(&joined, 1024);
		(void)pg_http_request_header(&req, "content-type");
		(void)pg_http_request_header_values(&req, "X-Custom", values, 4);
		if (pg_http_request_header_join(&req, "accept", &joined) < 0)
			pg_buf_reset(&joined);
		(void)pg_http_request_query(&req, "name");
		(void)pg_http_request_query_values(&req, "name", values, 4);
		pg_buf_release(&joined);
	}
	pg_http_request_release(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned sends;
	struct pg_api_config config;
	struct pg_router router;
	struct pg_api_outcome outcome;
	struct pg_err err = { 0 };
	struct pg_buf out;

	lookups((const char *)data, size);

	pg_api_config_init(&config);
	config.notify = accept_notification;
	config.notify_data = &sends;
	pg_router_init(&router, NULL);
	if (pg_api_add_routes(&router, &config, &err) < 0)
		__builtin_trap();
	pg_buf_init(&out, 0);
	/* Encoding a response built from any event must not fail. */
	if (pg_api_handle(&router, &config, (const char *)data, size, &out,
			  &outcome) < 0)
		__builtin_trap();
	pg_buf_release(&out);
	pg_api_config_release(&config);
	return 0;
}
