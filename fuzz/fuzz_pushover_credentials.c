/* libFuzzer target: the Pushover credentials secret {"token", "user"} read
 * from SSM or Secrets Manager, then the credential checks. Errors must name
 * the variable and never quote the secret. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channels/channels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_pushover_config config;
	struct pg_err err = { { 0 } };

	memset(&config, 0, sizeof(config));
	config.api_url = strdup(PG_PUSHOVER_API_URL);
	if (pg_pushover_credentials_parse((const char *)data, size, "PUSHOVER_SECRET_ARN",
					  &config, &err) == 0) {
		if (!config.token || !config.user_key)
			abort();
		if (pg_pushover_config_check(&config, &err) != 0 &&
		    strncmp(err.msg, "PUSHOVER_SECRET_ARN: ", 21) != 0)
			abort();
	} else if (strncmp(err.msg, "PUSHOVER_SECRET_ARN: ", 21) != 0) {
		abort();
	}
	pg_pushover_config_release(&config);
	return 0;
}
