/* libFuzzer target for the JSON syntax check of the Invoke API stand-in,
 * with jansson as a second opinion: whatever jansson reads must pass. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "local/json_syntax.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_err err = {{0}};
	int rc = pg_json_syntax_check((const char *)data, size, &err);
	json_t *value;

	if (rc < 0 && !err.msg[0])
		__builtin_trap();
	if (rc == 0) {
		if (err.msg[0])
			__builtin_trap();
		return 0;
	}

	/* jansson reads "1" followed by a NUL byte as 1, so it only judges
	 * input without NUL bytes. */
	if (memchr(data, '\0', size))
		return 0;
	value = json_loadb((const char *)data, size,
			   JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (value)
		__builtin_trap();
	return 0;
}
