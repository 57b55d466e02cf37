/* Fuzzes the UTF-8 and base64 helpers: decoding then encoding must round
 * trip, and a valid UTF-8 prefix must stay valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pg_buf decoded;
	struct pg_buf encoded;
	struct pg_buf again;

	if (pg_utf8_valid(text, size, NULL)) {
		size_t chars = pg_utf8_count(text, size);
		size_t cut = pg_utf8_prefix_bytes(text, size, chars / 2);

		if (!pg_utf8_valid(text, cut, NULL) ||
		    pg_utf8_count(text, cut) != chars / 2)
			abort();
	}

	pg_buf_init(&decoded, 1 << 20);
	pg_buf_init(&encoded, 0);
	pg_buf_init(&again, 0);
	if (pg_base64_decode(text, size, &decoded) == 0) {
		if (pg_base64_encode(decoded.data, decoded.len, &encoded) != 0 ||
		    pg_base64_decode(encoded.data, encoded.len, &again) != 0 ||
		    again.len != decoded.len ||
		    (again.len && memcmp(again.data, decoded.data, again.len)))
			abort();
	}
	pg_buf_release(&decoded);
	pg_buf_release(&encoded);
	pg_buf_release(&again);
	return 0;
}
