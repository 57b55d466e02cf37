/* Tests of the log layer: Lambda's text and JSON line formats, levels and
 * the request id, read back from a pipe in place of stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "log/log.h"

/* Runs write_lines with stderr sent to a pipe and returns what they wrote
 * (the caller frees it). */
static char *capture(void (*write_lines)(void))
{
	int fds[2];
	int saved = dup(STDERR_FILENO);
	char *out = calloc(1, 8192);
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	close(fds[1]);
	write_lines();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = read(fds[0], out, 8191);
	close(fds[0]);
	assert_true(n >= 0);
	return out;
}

static void write_info_and_debug(void)
{
	pg_log_set_request_id("REQ-1");
	pg_log_info("sent %d of %d", 1, 2);
	pg_log_debug("hidden at INFO");
	pg_log_set_request_id(NULL);
	pg_log_error("two\nlines");
}

static void log_text_format(void **state)
{
	char *out;
	char *second;

	(void)state;
	unsetenv("AWS_LAMBDA_LOG_FORMAT");
	setenv("LAMBDA_FUNCTIONS_LOG_LEVEL", "INFO", 1);
	pg_log_init();
	out = capture(write_info_and_debug);

	assert_non_null(strstr(out, "\tREQ-1\tINFO\tsent 1 of 2\n"));
	assert_null(strstr(out, "hidden at INFO"));
	second = strstr(out, "\t-\tERROR\ttwo lines\n");
	assert_non_null(second);
	/* Each line starts with an ISO-8601 UTC time stamp. */
	assert_int_equal(out[4], '-');
	assert_int_equal(out[10], 'T');
	assert_int_equal(out[23], 'Z');
	free(out);
}

static void log_json_format(void **state)
{
	char *out;
	char *newline;
	json_t *line;

	(void)state;
	setenv("AWS_LAMBDA_LOG_FORMAT", "JSON", 1);
	setenv("LAMBDA_FUNCTIONS_LOG_LEVEL", "INFO", 1);
	pg_log_init();
	out = capture(write_info_and_debug);

	newline = strchr(out, '\n');
	assert_non_null(newline);
	line = json_loadb(out, (size_t)(newline - out), 0, NULL);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "level")),
			    "INFO");
	assert_string_equal(json_string_value(json_object_get(line, "message")),
			    "sent 1 of 2");
	assert_string_equal(json_string_value(json_object_get(line, "requestId")),
			    "REQ-1");
	assert_non_null(json_object_get(line, "timestamp"));
	json_decref(line);

	line = json_loads(newline + 1, JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "message")),
			    "two\nlines");
	assert_null(json_object_get(line, "requestId"));
	json_decref(line);
	free(out);
	unsetenv("AWS_LAMBDA_LOG_FORMAT");
}

static void log_level_from_lambda_variable(void **state)
{
	(void)state;
	unsetenv("LAMBDA_FUNCTIONS_LOG_LEVEL");
	setenv("AWS_LAMBDA_LOG_LEVEL", "warn", 1);
	pg_log_init();
	assert_false(pg_log_enabled(PG_LOG_INFO));
	assert_true(pg_log_enabled(PG_LOG_WARN));

	setenv("LAMBDA_FUNCTIONS_LOG_LEVEL", "DEBUG", 1);
	pg_log_init();
	assert_true(pg_log_enabled(PG_LOG_DEBUG));
	assert_false(pg_log_enabled(PG_LOG_TRACE));

	setenv("LAMBDA_FUNCTIONS_LOG_LEVEL", "nonsense", 1);
	pg_log_init();
	assert_true(pg_log_enabled(PG_LOG_INFO));
	assert_false(pg_log_enabled(PG_LOG_DEBUG));
	unsetenv("AWS_LAMBDA_LOG_LEVEL");
	unsetenv("LAMBDA_FUNCTIONS_LOG_LEVEL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(log_text_format),
		cmocka_unit_test(log_json_format),
		cmocka_unit_test(log_level_from_lambda_variable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
