/* libFuzzer target for the env file parser of `pigeon serve`. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "local/envfile.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_env_list env;
	struct pg_err err = {{0}};

	pg_env_list_init(&env);
	if (pg_envfile_parse((const char *)data, size, &env, &err) == 0) {
		/* Every parsed entry must be a usable KEY=VALUE string. */
		for (size_t i = 0; i < env.count; i++)
			if (!strchr(env.entries[i], '='))
				__builtin_trap();
		if (env.entries[env.count])
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	pg_env_list_release(&env);
	return 0;
}
