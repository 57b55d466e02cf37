/* libFuzzer target: an arbitrary application/x-www-form-urlencoded body
 * through the form parser and the contact form checks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/text.h"
#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;
	struct pg_form form;
	struct pg_buf event;

	pg_form_init(&form);
	pg_problem_init(&problem);
	if (pg_form_parse(&form, (const char *)data, size, &problem) == 0) {
		/* Every decoded name and value is UTF-8 without NUL bytes
		 * and no longer than its source. */
		for (size_t i = 0; i < form.count; i++) {
			const struct pg_form_field *field = &form.fields[i];

			if (!pg_utf8_valid(field->value, field->value_len,
					   NULL) ||
			    strlen(field->value) != field->value_len ||
			    strlen(field->name) != field->name_len ||
			    field->name_len + field->value_len > size)
				__builtin_trap();
		}
	}
	pg_form_release(&form);

	pg_contact_limits_init(&limits);
	pg_contact_init(&contact);
	contact.honeypot_field = PG_CONTACT_DEFAULT_HONEYPOT;
	pg_problem_init(&problem);
	pg_buf_init(&event, 0);
	if (pg_contact_from_form(&contact, (const char *)data, size,
				 &problem) == 0 &&
	    pg_contact_validate(&contact, &limits, &problem) == 0 &&
	    pg_contact_notification(&contact, &event) < 0)
		__builtin_trap();
	pg_buf_release(&event);
	pg_contact_release(&contact);
	return 0;
}
