/* libFuzzer target: an arbitrary multipart/form-data body through the
 * multipart parser, the contact reader and the HTML error page. The input's
 * first line, when it starts with "multipart/", is the Content-Type, so
 * the boundary parameter is fuzzed too; otherwise the boundary is XyZ. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"
#include "web/web.h"

#define DEFAULT_TYPE "multipart/form-data; boundary=XyZ"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *newline = memchr(text, '\n', size);
	char *content_type = NULL;
	const char *body = text;
	size_t body_len = size;
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;
	struct pg_http_response resp;
	struct pg_form form;

	if (newline && size >= 10 && memcmp(text, "multipart/", 10) == 0 &&
	    !memchr(text, '\0', (size_t)(newline - text))) {
		content_type = pg_strndup(text, (size_t)(newline - text));
		body = newline + 1;
		body_len = size - (size_t)(newline - text) - 1;
	} else {
		content_type = pg_strdup(DEFAULT_TYPE);
	}

	pg_form_init(&form);
	pg_problem_init(&problem);
	if (pg_multipart_parse(&form, content_type, body, body_len,
			       &problem) == 0) {
		/* Names and values are UTF-8 without NUL bytes, taken from
		 * inside the body. */
		for (size_t i = 0; i < form.count; i++) {
			const struct pg_form_field *field = &form.fields[i];

			if (!pg_utf8_valid(field->value, field->value_len,
					   NULL) ||
			    strlen(field->value) != field->value_len ||
			    strlen(field->name) != field->name_len ||
			    field->name_len + field->value_len > body_len)
				__builtin_trap();
		}
	} else if (problem.status != 400 || !problem.error.msg[0]) {
		__builtin_trap();
	}
	pg_form_release(&form);

	pg_contact_limits_init(&limits);
	pg_contact_init(&contact);
	contact.honeypot_field = PG_CONTACT_DEFAULT_HONEYPOT;
	pg_problem_init(&problem);
	pg_http_response_init(&resp, 0);
	if (pg_contact_from_multipart(&contact, content_type, body, body_len,
				      &problem) < 0 ||
	    pg_contact_validate(&contact, &limits, &problem) < 0) {
		pg_respond_html_problem(&resp, &problem,
					"https://site.example/contact");
		if (!resp.body.len)
			__builtin_trap();
	}
	pg_http_response_release(&resp);
	pg_contact_release(&contact);
	free(content_type);
	return 0;
}
