/* libFuzzer target: Pushover's responses. The first two bytes pick the HTTP
 * status (100 to 599), the third whether an X-Limit-App-Reset value was
 * seen, and the rest is the body. */
#include <stddef.h>
#include <stdint.h>

#include "channels/channels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_delivery delivery;
	struct pg_err err = { { 0 } };
	long status;

	if (size < 3)
		return 0;
	status = 100 + (long)((data[0] << 8 | data[1]) % 500);
	pg_delivery_init(&delivery);
	if (data[2] & 1) {
		delivery.limit_reset[0] = '1';
		delivery.limit_reset[1] = '\0';
	}
	pg_pushover_reply(status, (const char *)data + 3, size - 3, &delivery, &err);
	return 0;
}
