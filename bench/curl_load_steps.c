/* Times the steps of a function's first outgoing call in a fresh process:
 * pigeon's dlopen of libcurl (through pg_curl_get), then a curl handle.
 * Prints one line of microseconds; run it several times for a median:
 *   for i in 1 2 3 4 5; do build-release/bench/curl_load_steps; done */
#include <stdio.h>
#include <time.h>

#include "common/curl_lazy.h"
#include "common/err.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(void)
{
	struct pg_err err = { { 0 } };
	const struct pg_curl *curl;
	double start = now_us();
	double loaded;
	double handle;
	CURL *easy;

	/* pg_curl_get dlopens libcurl and calls curl_global_init. */
	curl = pg_curl_get(&err);
	loaded = now_us();
	if (!curl) {
		fprintf(stderr, "curl_load_steps: %s\n", err.msg);
		return 1;
	}
	easy = curl->easy_init();
	handle = now_us();
	if (!easy) {
		fprintf(stderr, "curl_load_steps: curl_easy_init failed\n");
		return 1;
	}
	curl->easy_cleanup(easy);
	printf("load_and_global_init_us=%.0f easy_init_us=%.0f\n",
	       loaded - start, handle - loaded);
	return 0;
}
