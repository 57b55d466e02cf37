/* libcurl loaded on first use, and where its CA bundle comes from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/curl_lazy.h"

static int clean_environment(void **state)
{
	(void)state;
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	return 0;
}

static void curl_get_loads_once(void **state)
{
	struct pg_err err = { { 0 } };
	const struct pg_curl *first;
	const struct pg_curl *second;

	(void)state;
	first = pg_curl_get(&err);
	assert_non_null(first);
	assert_string_equal(err.msg, "");
	second = pg_curl_get(&err);
	assert_ptr_equal(first, second);
	assert_true(first->version_info(CURLVERSION_NOW)->version_num >= PG_CURL_MIN_VERSION);
}

static void curl_ca_file_from_environment(void **state)
{
	(void)state;
	setenv("SSL_CERT_FILE", "/nonexistent/bundle.pem", 1);
	/* The variable wins even when the file is missing, so that libcurl
	 * reports the path the user chose. */
	assert_string_equal(pg_curl_ca_file(), "/nonexistent/bundle.pem");
}

static void curl_ca_file_empty_variable_ignored(void **state)
{
	const char *file;

	(void)state;
	setenv("SSL_CERT_FILE", "", 1);
	file = pg_curl_ca_file();
	if (file)
		assert_int_equal(access(file, R_OK), 0);
}

static void curl_ca_file_system_bundle(void **state)
{
	const char *file;

	(void)state;
	file = pg_curl_ca_file();
	if (access("/etc/pki/tls/certs/ca-bundle.crt", R_OK) == 0)
		assert_string_equal(file, "/etc/pki/tls/certs/ca-bundle.crt");
	else if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0)
		assert_string_equal(file, "/etc/ssl/certs/ca-certificates.crt");
	else if (file)
		assert_int_equal(access(file, R_OK), 0);
}

static void curl_ca_dir_from_environment(void **state)
{
	(void)state;
	assert_null(pg_curl_ca_dir());
	setenv("SSL_CERT_DIR", "/etc/ssl/certs", 1);
	assert_string_equal(pg_curl_ca_dir(), "/etc/ssl/certs");
}

static void curl_handle_new_has_table(void **state)
{
	static char error_buffer[CURL_ERROR_SIZE];
	struct pg_err err = { { 0 } };
	const struct pg_curl *curl = NULL;
	CURL *handle;

	(void)state;
	setenv("SSL_CERT_FILE", "/nonexistent/bundle.pem", 1);
	handle = pg_curl_handle_new("test", error_buffer, &curl, &err);
	assert_non_null(handle);
	assert_ptr_equal(curl, pg_curl_get(&err));
	curl->easy_cleanup(handle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(curl_get_loads_once),
		cmocka_unit_test_setup(curl_ca_file_from_environment, clean_environment),
		cmocka_unit_test_setup(curl_ca_file_empty_variable_ignored, clean_environment),
		cmocka_unit_test_setup(curl_ca_file_system_bundle, clean_environment),
		cmocka_unit_test_setup(curl_ca_dir_from_environment, clean_environment),
		cmocka_unit_test_setup(curl_handle_new_has_table, clean_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
