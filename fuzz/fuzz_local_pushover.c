/* libFuzzer target for the inbox's Pushover message checks, with the first
 * input byte choosing a form-encoded or a JSON body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "local/pushover_check.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_pushover_message msg;
	struct pg_pushover_error error;
	const char *type;

	if (size < 1)
		return 0;
	type = data[0] & 1 ? "application/json" : "application/x-www-form-urlencoded";
	if (pg_pushover_parse(type, (const char *)data + 1, size - 1, &msg, &error) == 0) {
		if (!msg.message || !*msg.message)
			__builtin_trap();
		if (pg_utf8_count(msg.message, strlen(msg.message)) > PG_PUSHOVER_MESSAGE_MAX)
			__builtin_trap();
		if (msg.priority < -2 || msg.priority > 2)
			__builtin_trap();
	} else if (!error.field[0] || !error.message[0]) {
		__builtin_trap();
	}
	pg_pushover_message_release(&msg);
	return 0;
}
