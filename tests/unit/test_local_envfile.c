/* Tests of the env file parser of `pigeon serve` (src/local/envfile.c),
 * compiled into this test because the CLI's sources are not in
 * libpigeon.a. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local/envfile.c"

static int parse(const char *text, struct pg_env_list *env, struct pg_err *err)
{
	pg_env_list_init(env);
	pg_err_clear(err);
	return pg_envfile_parse(text, strlen(text), env, err);
}

static void envfile_plain_pairs(void **state)
{
	struct pg_env_list env;
	struct pg_err err;

	(void)state;
	assert_int_equal(parse("A=1\nB_2=two words\n\n# comment\n  C = spaced  \n",
			       &env, &err), 0);
	assert_int_equal(env.count, 3);
	assert_string_equal(pg_env_list_get(&env, "A"), "1");
	assert_string_equal(pg_env_list_get(&env, "B_2"), "two words");
	assert_string_equal(pg_env_list_get(&env, "C"), "spaced");
	assert_null(env.entries[env.count]);
	pg_env_list_release(&env);
}

static void envfile_quotes_and_comments(void **state)
{
	struct pg_env_list env;
	struct pg_err err;

	(void)state;
	assert_int_equal(parse("export TOKEN=\"a b\\n\\\"c\\\"\"\n"
			       "RAW='x\\ny # not a comment'\n"
			       "TRAIL=value # comment\n"
			       "HASH=a#b\n"
			       "EMPTY=\n"
			       "EMPTYQ=\"\"  # nothing\n",
			       &env, &err), 0);
	assert_string_equal(pg_env_list_get(&env, "TOKEN"), "a b\n\"c\"");
	assert_string_equal(pg_env_list_get(&env, "RAW"), "x\\ny # not a comment");
	assert_string_equal(pg_env_list_get(&env, "TRAIL"), "value");
	assert_string_equal(pg_env_list_get(&env, "HASH"), "a#b");
	assert_string_equal(pg_env_list_get(&env, "EMPTY"), "");
	assert_string_equal(pg_env_list_get(&env, "EMPTYQ"), "");
	pg_env_list_release(&env);
}

static void envfile_later_line_wins(void **state)
{
	struct pg_env_list env;
	struct pg_err err;

	(void)state;
	assert_int_equal(parse("A=1\r\nA=2\r\n", &env, &err), 0);
	assert_int_equal(env.count, 1);
	assert_string_equal(pg_env_list_get(&env, "A"), "2");
	pg_env_list_release(&env);
}

static void envfile_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "A=1\nno equals sign\n", "line 2: missing '=' after no" },
		{ "A=1\nB=2\n=3\n", "line 3: expected KEY=VALUE" },
		{ "1A=3\n", "line 1: expected KEY=VALUE" },
		{ "A=\"open\n", "line 1: missing closing \" quote" },
		{ "A='open\n", "line 1: missing closing ' quote" },
		{ "A=\"x\" y\n", "line 1: unexpected text after the closing" },
		{ "\n\nA=\"\\q\"\n", "line 3: unknown escape \\q" },
		{ "A-B=1\n", "line 1: missing '=' after A" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_env_list env;
		struct pg_err err;

		assert_int_equal(parse(cases[i].text, &env, &err), -1);
		if (!strstr(err.msg, cases[i].message))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg,
				 cases[i].message);
		pg_env_list_release(&env);
	}
}

static void envfile_rejects_nul_byte(void **state)
{
	struct pg_env_list env;
	struct pg_err err = {{0}};

	(void)state;
	pg_env_list_init(&env);
	assert_int_equal(pg_envfile_parse("A=1\nB=x\0y\n", 10, &env, &err), -1);
	assert_non_null(strstr(err.msg, "line 2"));
	pg_env_list_release(&env);
}

static void envfile_load_missing_file(void **state)
{
	struct pg_env_list env;
	struct pg_err err = {{0}};

	(void)state;
	pg_env_list_init(&env);
	assert_int_equal(pg_envfile_load("/nonexistent/pigeon.env", &env, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/pigeon.env"));
	pg_env_list_release(&env);
}

static void envfile_load_reads_file(void **state)
{
	char path[] = "/tmp/pigeon-envfile-XXXXXX";
	int fd = mkstemp(path);
	struct pg_env_list env;
	struct pg_err err = {{0}};
	const char text[] = "# settings\nPUSHOVER_TOKEN=abc\nBAD LINE\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	pg_env_list_init(&env);
	assert_int_equal(pg_envfile_load(path, &env, &err), -1);
	assert_non_null(strstr(err.msg, "line 3"));
	/* The error never repeats a value, which may be a secret. */
	assert_null(strstr(err.msg, "abc"));
	pg_env_list_release(&env);
	unlink(path);
}

static void env_list_set_replaces(void **state)
{
	struct pg_env_list env;

	(void)state;
	pg_env_list_init(&env);
	for (int i = 0; i < 50; i++) {
		char key[16];

		snprintf(key, sizeof(key), "K%d", i);
		pg_env_list_set(&env, key, "v");
	}
	pg_env_list_set(&env, "K1", "new");
	pg_env_list_set(&env, "K", "short");
	assert_int_equal(env.count, 51);
	assert_string_equal(pg_env_list_get(&env, "K1"), "new");
	assert_string_equal(pg_env_list_get(&env, "K10"), "v");
	assert_string_equal(pg_env_list_get(&env, "K"), "short");
	assert_null(pg_env_list_get(&env, "K99"));
	assert_null(env.entries[env.count]);
	pg_env_list_release(&env);
	pg_env_list_release(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(envfile_plain_pairs),
		cmocka_unit_test(envfile_quotes_and_comments),
		cmocka_unit_test(envfile_later_line_wins),
		cmocka_unit_test(envfile_errors_name_the_line),
		cmocka_unit_test(envfile_rejects_nul_byte),
		cmocka_unit_test(envfile_load_missing_file),
		cmocka_unit_test(envfile_load_reads_file),
		cmocka_unit_test(env_list_set_replaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
