#include "local/local.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void pg_random_fill(unsigned char *out, size_t len)
{
	size_t got = 0;

	/* getrandom fails only before the kernel's pool is ready. The clocks
	 * then make weaker but still unique-enough bytes for a local tool. */
	while (got < len) {
		ssize_t n = getrandom(out + got, len - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	for (size_t i = got; i < len; i += sizeof(int64_t)) {
		int64_t now = pg_now_epoch_ms() ^ pg_now_monotonic_ms() ^ (int64_t)i;

		memcpy(out + i, &now, len - i < sizeof(now) ? len - i : sizeof(now));
	}
}

void pg_uuid_generate(char out[PG_UUID_LEN + 1])
{
	unsigned char bytes[16];

	pg_random_fill(bytes, sizeof(bytes));
	bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40);
	bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80);
	snprintf(out, PG_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5],
		 bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
		 bytes[12], bytes[13], bytes[14], bytes[15]);
}

static int64_t clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pg_now_epoch_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t pg_now_monotonic_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

