/* libFuzzer target: an arbitrary JSON body through the contact reader, the
 * checks, the notification event and the JSON and HTML error responses. */
#include <stddef.h>
#include <stdint.h>

#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;
	struct pg_http_response resp;
	struct pg_buf event;

	pg_contact_limits_init(&limits);
	pg_contact_init(&contact);
	contact.honeypot_field = PG_CONTACT_DEFAULT_HONEYPOT;
	pg_problem_init(&problem);
	pg_buf_init(&event, 0);
	pg_http_response_init(&resp, 0);
	if (pg_contact_from_json(&contact, (const char *)data, size,
				 &problem) == 0 &&
	    pg_contact_validate(&contact, &limits, &problem) == 0) {
		if (pg_contact_notification(&contact, &event) < 0)
			__builtin_trap();
	} else {
		pg_problem_respond(&problem, &resp);
		/* An error response always has a body, in JSON and in HTML. */
		if (!resp.body.len)
			__builtin_trap();
		pg_respond_html_problem(&resp, &problem, NULL);
		if (!resp.body.len || resp.status < 400)
			__builtin_trap();
	}
	pg_http_response_release(&resp);
	pg_buf_release(&event);
	pg_contact_release(&contact);
	return 0;
}
