/* libFuzzer target: an arbitrary Lambda event through the decoder of every
 * shape (API Gateway 1.0 and 2.0, Function URL, ALB), the header, query and
 * cookie lookups, the response encoder of every shape, and the whole api
 * invocation step. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
	struct pg_http_cookie cookie;
	struct pg_http_cookie cookies[8];

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
		pg_buf_reset(&joined);
		if (pg_http_request_cookie_header(&req, &joined) < 0)
			pg_buf_reset(&joined);
		(void)pg_http_request_cookie(&req, "csrf", &cookie);
		(void)pg_http_request_cookies(&req, cookies, 8);
		(void)pg_accept_has_html(pg_http_request_header(&req, "Accept"));
		if (req.kind > PG_EVENT_ALB_MULTI_VALUE ||
		    !req.path || !req.method || !req.body)
			__builtin_trap();
		pg_buf_release(&joined);
	}
	pg_http_request_release(&req);
}

/* Encodes a response carrying the event's bytes as body and header in
 * every shape; the encoder must never fail for lack of room. */
static void encode_every_shape(const char *payload, size_t len)
{
	struct pg_http_response resp;
	struct pg_err err = { 0 };
	struct pg_buf out;
	char value[64];
	size_t value_len = len < sizeof(value) - 1 ? len : sizeof(value) - 1;

	memcpy(value, payload, value_len);
	value[value_len] = '\0';
	pg_http_response_init(&resp, 0);
	resp.status = len % 600;
	pg_http_response_add_header(&resp, "Set-Cookie", value);
	pg_http_response_add_header(&resp, "Set-Cookie", "b=2");
	pg_http_response_add_header(&resp, value[0] ? value : "X", "v");
	if (pg_buf_append(&resp.body, payload, len) < 0)
		__builtin_trap();
	for (int kind = PG_EVENT_APIGW_V1; kind <= PG_EVENT_ALB_MULTI_VALUE;
	     kind++) {
		pg_buf_init(&out, 0);
		/* A header that is not UTF-8 is the only allowed failure. */
		if (pg_http_response_encode(&resp, (enum pg_event_kind)kind,
					    &out, &err) < 0 &&
		    !pg_err_is_set(&err))
			__builtin_trap();
		pg_err_clear(&err);
		pg_buf_release(&out);
	}
	pg_http_response_release(&resp);
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
	encode_every_shape((const char *)data, size);

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
