/* libFuzzer target: notification events, then the Pushover form built from
 * whatever parsed, which runs the UTF-8 cutting. */
#include <stddef.h>
#include <stdint.h>

#include "channels/channels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_pushover_config config = {
		.token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
		.user_key = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
	};
	struct pg_notification notification;
	struct pg_delivery delivery;
	struct pg_err err = { { 0 } };
	struct pg_buf form;

	pg_notification_init(&notification);
	pg_delivery_init(&delivery);
	pg_buf_init(&form, 64 * 1024);
	if (!pg_notification_parse((const char *)data, size, &notification, &err))
		(void)!pg_pushover_form(&config, &notification, &form, &delivery);
	pg_buf_release(&form);
	pg_notification_release(&notification);
	return 0;
}
