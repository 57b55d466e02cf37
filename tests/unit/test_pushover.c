/* The Pushover channel against a stand-in Pushover API on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channels/channels.h"
#include "common/text.h"
#include "../helpers/pushover_standin.h"

#define TOKEN "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
#define USER_KEY "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"

struct fixture {
	struct standin *server;
	struct pg_pushover_config config;
	struct pg_notification notification;
	struct pg_delivery delivery;
	struct pg_err err;
};

static int setup(void **state)
{
	struct fixture *f = pg_calloc(1, sizeof(*f));

	f->server = standin_start();
	assert_non_null(f->server);
	f->config.token = pg_strdup(TOKEN);
	f->config.user_key = pg_strdup(USER_KEY);
	f->config.api_url = pg_strdup(f->server->url);
	f->config.retry_spacing_ms = 50;
	f->config.max_attempts = PG_PUSHOVER_MAX_ATTEMPTS;
	f->config.connect_timeout_ms = 2000;
	f->config.request_timeout_ms = 5000;
	pg_notification_init(&f->notification);
	f->notification.message = pg_strdup("Backup finished");
	pg_delivery_init(&f->delivery);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	standin_stop(f->server);
	pg_pushover_config_release(&f->config);
	pg_notification_release(&f->notification);
	free(f);
	pg_pushover_cleanup();
	return 0;
}

static void assert_no_secret(const char *text)
{
	assert_null(strstr(text, TOKEN));
	assert_null(strstr(text, USER_KEY));
}

static enum pg_channel_status send_with(struct fixture *f, int64_t remaining_ms)
{
	pg_err_clear(&f->err);
	pg_delivery_init(&f->delivery);
	return pg_pushover_send(&f->config, &f->notification, remaining_ms, &f->delivery, &f->err);
}

static char *posted(struct fixture *f, int post, const char *name)
{
	return standin_form_value(f->server->forms[post], name);
}

static void pushover_success_returns_request_id(void **state)
{
	struct fixture *f = *state;
	char *value;

	f->notification.title = pg_strdup("Backup & restore");
	assert_int_equal(send_with(f, 10000), PG_CHANNEL_SENT);
	assert_string_equal(f->delivery.request_id, "647d2300-702c-4b38-8b2f-d56326ae460b");
	assert_int_equal(f->delivery.attempts, 1);
	assert_int_equal(standin_posts(f->server), 1);

	value = posted(f, 0, "token");
	assert_string_equal(value, TOKEN);
	free(value);
	value = posted(f, 0, "user");
	assert_string_equal(value, USER_KEY);
	free(value);
	value = posted(f, 0, "message");
	assert_string_equal(value, "Backup finished");
	free(value);
	value = posted(f, 0, "title");
	assert_string_equal(value, "Backup & restore");
	free(value);
	/* Fields that are not set are not sent. */
	assert_null(posted(f, 0, "url"));
	assert_null(posted(f, 0, "priority"));
	assert_null(posted(f, 0, "sound"));
}

static void pushover_optional_fields_sent(void **state)
{
	struct fixture *f = *state;
	char *value;

	f->notification.url = pg_strdup("https://example.com/a?b=c");
	f->notification.url_title = pg_strdup("Open");
	f->notification.priority = 2;
	f->notification.retry_s = 60;
	f->notification.expire_s = 1800;
	f->notification.sound = pg_strdup("cosmic");
	assert_int_equal(send_with(f, 10000), PG_CHANNEL_SENT);

	value = posted(f, 0, "url");
	assert_string_equal(value, "https://example.com/a?b=c");
	free(value);
	value = posted(f, 0, "url_title");
	assert_string_equal(value, "Open");
	free(value);
	value = posted(f, 0, "priority");
	assert_string_equal(value, "2");
	free(value);
	value = posted(f, 0, "retry");
	assert_string_equal(value, "60");
	free(value);
	value = posted(f, 0, "expire");
	assert_string_equal(value, "1800");
	free(value);
	value = posted(f, 0, "sound");
	assert_string_equal(value, "cosmic");
	free(value);
}

static void pushover_invalid_token_rejected(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 400, "application/json; charset=utf-8",
		  "{\"token\":\"invalid\",\"errors\":[\"application token is invalid\"],"
		  "\"status\":0,\"request\":\"5042853c-402d-4a18-abcb-168734a801de\"}",
		  NULL, NULL },
	};

	standin_script(f->server, replies, 1);
	assert_int_equal(send_with(f, 60000), PG_CHANNEL_REJECTED);
	assert_non_null(strstr(f->err.msg, "HTTP 400"));
	assert_non_null(strstr(f->err.msg, "application token is invalid"));
	assert_no_secret(f->err.msg);
	/* A 4xx is never retried. */
	assert_int_equal(standin_posts(f->server), 1);
}

static void pushover_429_html_rejected(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 429, "text/html", "<html><body>429 Too Many Requests</body></html>", NULL, NULL },
	};

	standin_script(f->server, replies, 1);
	assert_int_equal(send_with(f, 60000), PG_CHANNEL_REJECTED);
	assert_non_null(strstr(f->err.msg, "HTTP 429"));
	assert_string_equal(f->delivery.limit_reset, "");
	assert_int_equal(standin_posts(f->server), 1);
}

static void pushover_429_limit_reset_kept(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 429, "application/json",
		  "{\"errors\":[\"application has exceeded its message limit\"],\"status\":0,"
		  "\"request\":\"r-429\"}",
		  "X-Limit-App-Reset", "1393653600" },
	};

	standin_script(f->server, replies, 1);
	assert_int_equal(send_with(f, 60000), PG_CHANNEL_REJECTED);
	assert_string_equal(f->delivery.limit_reset, "1393653600");
	assert_non_null(strstr(f->err.msg, "exceeded its message limit"));
	assert_non_null(strstr(f->err.msg, "1393653600"));
}

static void pushover_redirect_rejected_once(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 307, "text/html", "moved", "Location", "http://127.0.0.1:9/steal" },
		STANDIN_OK,
	};

	standin_script(f->server, replies, 2);
	assert_int_equal(send_with(f, 60000), PG_CHANNEL_REJECTED);
	assert_non_null(strstr(f->err.msg, "HTTP 307"));
	assert_int_equal(f->delivery.http_status, 307);
	/* Neither retried nor followed: the token goes nowhere else. */
	assert_int_equal(standin_posts(f->server), 1);
	assert_int_equal(f->delivery.attempts, 1);
}

static void pushover_reply_3xx_rejected(void **state)
{
	struct pg_delivery delivery;
	struct pg_err err = { { 0 } };

	(void)state;
	for (long status = 300; status <= 399; status++) {
		pg_err_clear(&err);
		pg_delivery_init(&delivery);
		assert_int_equal(pg_pushover_reply(status, "", 0, &delivery, &err),
				 PG_CHANNEL_REJECTED);
		assert_non_null(strstr(err.msg, "redirect"));
	}
}

static void pushover_500_without_time_fails(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 500, "text/html", "<html><body>oops</body></html>", NULL, NULL },
	};

	/* 5 s spacing with 4 s left: no room for a second request. */
	f->config.retry_spacing_ms = PG_PUSHOVER_RETRY_SPACING_MS;
	standin_script(f->server, replies, 1);
	assert_int_equal(send_with(f, 4000), PG_CHANNEL_UNAVAILABLE);
	assert_non_null(strstr(f->err.msg, "HTTP 500"));
	assert_int_equal(standin_posts(f->server), 1);
}

static void pushover_503_twice_then_sent(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 503, "text/html", "busy", NULL, NULL },
		{ 503, "text/html", "busy", NULL, NULL },
		STANDIN_OK,
	};

	f->config.retry_spacing_ms = 200;
	standin_script(f->server, replies, 3);
	assert_int_equal(send_with(f, 30000), PG_CHANNEL_SENT);
	assert_int_equal(standin_posts(f->server), 3);
	assert_int_equal(f->delivery.attempts, 3);
	assert_true(f->server->post_times_ms[1] - f->server->post_times_ms[0] >= 190);
	assert_true(f->server->post_times_ms[2] - f->server->post_times_ms[1] >= 190);
	assert_string_equal(f->err.msg, "");
}

static void pushover_retries_stop_at_maximum(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply busy = { 503, "text/html", "busy", NULL, NULL };
	const struct standin_reply replies[] = { busy, busy, busy, busy, busy, busy };

	f->config.retry_spacing_ms = 10;
	f->config.max_attempts = 3;
	standin_script(f->server, replies, 6);
	assert_int_equal(send_with(f, INT64_MAX), PG_CHANNEL_UNAVAILABLE);
	assert_int_equal(standin_posts(f->server), 3);
	assert_non_null(strstr(f->err.msg, "HTTP 503"));
	assert_non_null(strstr(f->err.msg, "after 3 attempts"));
}

static void pushover_200_status_0_rejected(void **state)
{
	struct fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 200, "application/json",
		  "{\"user\":\"invalid\",\"errors\":[\"user identifier is invalid\"],\"status\":0,"
		  "\"request\":\"r-1\"}",
		  NULL, NULL },
	};

	standin_script(f->server, replies, 1);
	assert_int_equal(send_with(f, 60000), PG_CHANNEL_REJECTED);
	assert_non_null(strstr(f->err.msg, "user identifier is invalid"));
	assert_int_equal(standin_posts(f->server), 1);
}

static void pushover_empty_token_sends_nothing(void **state)
{
	struct fixture *f = *state;

	f->config.token[0] = '\0';
	assert_int_equal(send_with(f, 60000), PG_CHANNEL_CONFIG);
	assert_non_null(strstr(f->err.msg, "PUSHOVER_TOKEN: missing"));
	assert_int_equal(standin_posts(f->server), 0);
}

static void pushover_malformed_user_key_sends_nothing(void **state)
{
	struct fixture *f = *state;

	f->config.user_key[5] = '-';
	assert_int_equal(send_with(f, 60000), PG_CHANNEL_CONFIG);
	assert_non_null(strstr(f->err.msg, "PUSHOVER_USERKEY"));
	assert_null(strstr(f->err.msg, f->config.user_key));
	assert_int_equal(standin_posts(f->server), 0);
}

static void pushover_connection_refused_unavailable(void **state)
{
	struct fixture *f = *state;
	struct standin *closed = standin_start();

	/* A port that was just given up: nothing listens there any more. */
	assert_non_null(closed);
	free(f->config.api_url);
	f->config.api_url = pg_strdup(closed->url);
	standin_stop(closed);
	f->config.max_attempts = 2;
	assert_int_equal(send_with(f, 30000), PG_CHANNEL_UNAVAILABLE);
	assert_int_equal(f->delivery.attempts, 2);
	assert_int_equal(f->delivery.http_status, 0);
	assert_no_secret(f->err.msg);
}

/* Opens a listening socket on 127.0.0.1 that never accepts: a request to
 * it connects and then waits until it times out. Writes its URL to url. */
static int silent_listener(char *url, size_t url_size)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t addr_len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
	snprintf(url, url_size, "http://127.0.0.1:%u/1/messages.json", ntohs(addr.sin_port));
	return fd;
}

static void pushover_retry_needs_time_left(void **state)
{
	struct fixture *f = *state;
	char url[64];
	int fd = silent_listener(url, sizeof(url));

	free(f->config.api_url);
	f->config.api_url = pg_strdup(url);
	f->config.request_timeout_ms = 1000;
	f->config.retry_spacing_ms = 200;
	/* 2300 ms after the reserve: two requests time out after 1000 ms
	 * each, and the 300 ms left are too few for a third. */
	assert_int_equal(send_with(f, 2300 + PG_PUSHOVER_DEADLINE_RESERVE_MS),
			 PG_CHANNEL_UNAVAILABLE);
	assert_int_equal(f->delivery.attempts, 2);
	assert_non_null(strstr(f->err.msg, "after 2 attempts"));
	close(fd);
}

static void pushover_short_deadline_sends_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(send_with(f, 800), PG_CHANNEL_UNAVAILABLE);
	assert_non_null(strstr(f->err.msg, "800 ms left"));
	assert_int_equal(standin_posts(f->server), 0);
}

/* "é" is two bytes and "😀" four: the cut must not split either. */
static void pushover_long_text_cut_to_limits(void **state)
{
	struct fixture *f = *state;
	struct pg_buf text;
	char *value;

	pg_buf_init(&text, 0);
	for (int i = 0; i < 1100; i++)
		assert_int_equal(pg_buf_append_str(&text, "\xc3\xa9"), 0);
	free(f->notification.message);
	f->notification.message = pg_buf_detach(&text, NULL);
	pg_buf_init(&text, 0);
	assert_int_equal(pg_buf_append_str(&text, "a"), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(pg_buf_append_str(&text, "\xf0\x9f\x98\x80"), 0);
	f->notification.title = pg_buf_detach(&text, NULL);
	pg_buf_init(&text, 0);
	assert_int_equal(pg_buf_append_str(&text, "https://example.com/"), 0);
	for (int i = 0; i < 600; i++)
		assert_int_equal(pg_buf_append_str(&text, "x"), 0);
	f->notification.url = pg_buf_detach(&text, NULL);
	f->notification.url_title = pg_strdup("dropped with the url");

	assert_int_equal(send_with(f, 10000), PG_CHANNEL_SENT);
	assert_true(f->delivery.message_cut);
	assert_true(f->delivery.title_cut);
	assert_true(f->delivery.url_dropped);

	value = posted(f, 0, "message");
	assert_true(pg_utf8_valid(value, strlen(value), NULL));
	assert_int_equal(pg_utf8_count(value, strlen(value)), 1024);
	assert_string_equal(value + strlen(value) - 3, "\xe2\x80\xa6");
	assert_int_equal(strlen(value), 1023 * 2 + 3);
	free(value);
	value = posted(f, 0, "title");
	assert_true(pg_utf8_valid(value, strlen(value), NULL));
	assert_int_equal(pg_utf8_count(value, strlen(value)), 250);
	assert_int_equal(strlen(value), 1 + 248 * 4 + 3);
	free(value);
	assert_null(posted(f, 0, "url"));
	assert_null(posted(f, 0, "url_title"));
}

static void pushover_fit_boundaries(void **state)
{
	bool cut;
	char *fitted;

	(void)state;
	fitted = pg_pushover_fit("abc", 3, true, &cut);
	assert_false(cut);
	assert_string_equal(fitted, "abc");
	free(fitted);
	fitted = pg_pushover_fit("abcd", 3, true, &cut);
	assert_true(cut);
	assert_string_equal(fitted, "ab\xe2\x80\xa6");
	free(fitted);
	fitted = pg_pushover_fit("a\xc3\xa9\xc3\xa9", 2, false, &cut);
	assert_true(cut);
	assert_string_equal(fitted, "a\xc3\xa9");
	free(fitted);
	/* A three-character limit counts characters, not bytes. */
	fitted = pg_pushover_fit("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 3, true, &cut);
	assert_false(cut);
	free(fitted);
}

static void pushover_url_title_cut_with_ellipsis(void **state)
{
	struct fixture *f = *state;
	char *value;

	f->notification.url = pg_strdup("https://example.com/");
	f->notification.url_title = pg_malloc(151);
	memset(f->notification.url_title, 'u', 150);
	f->notification.url_title[150] = '\0';
	assert_int_equal(send_with(f, 10000), PG_CHANNEL_SENT);
	assert_true(f->delivery.url_title_cut);
	value = posted(f, 0, "url_title");
	/* 99 letters and "…", three bytes: 100 characters. */
	assert_int_equal(pg_utf8_count(value, strlen(value)), 100);
	assert_int_equal(strlen(value), 102);
	assert_int_equal(value[98], 'u');
	assert_string_equal(value + 99, "\xe2\x80\xa6");
	free(value);
}

static void pushover_reply_needs_request_id(void **state)
{
	struct pg_delivery delivery;
	struct pg_err err = { { 0 } };
	const char *body = "{\"status\":1}";

	(void)state;
	pg_delivery_init(&delivery);
	assert_int_equal(pg_pushover_reply(200, body, strlen(body), &delivery, &err),
			 PG_CHANNEL_REJECTED);
	assert_non_null(strstr(err.msg, "request id"));
}

static void pushover_reply_html_200_rejected(void **state)
{
	struct pg_delivery delivery;
	struct pg_err err = { { 0 } };
	const char *body = "<html>maintenance</html>";

	(void)state;
	pg_delivery_init(&delivery);
	assert_int_equal(pg_pushover_reply(200, body, strlen(body), &delivery, &err),
			 PG_CHANNEL_REJECTED);
	assert_non_null(strstr(err.msg, "without a JSON status"));
}

static void pushover_config_from_env_checks(void **state)
{
	struct pg_pushover_config config;
	struct pg_err err = { { 0 } };

	(void)state;
	setenv("PUSHOVER_TOKEN", TOKEN, 1);
	setenv("PUSHOVER_USERKEY", "short", 1);
	unsetenv("PUSHOVER_API_URL");
	assert_int_equal(pg_pushover_config_from_env(&config, &err), -1);
	assert_string_equal(err.msg,
			    "PUSHOVER_USERKEY: expected 30 characters from [A-Za-z0-9], got 5 bytes");
	pg_pushover_config_release(&config);

	pg_err_clear(&err);
	setenv("PUSHOVER_USERKEY", USER_KEY, 1);
	assert_int_equal(pg_pushover_config_from_env(&config, &err), 0);
	assert_string_equal(config.api_url, PG_PUSHOVER_API_URL);
	assert_int_equal(config.retry_spacing_ms, 5000);
	pg_pushover_config_release(&config);

	pg_err_clear(&err);
	unsetenv("PUSHOVER_TOKEN");
	assert_int_equal(pg_pushover_config_from_env(&config, &err), -1);
	assert_string_equal(err.msg, "PUSHOVER_TOKEN: missing");
	pg_pushover_config_release(&config);

	pg_err_clear(&err);
	setenv("PUSHOVER_TOKEN", TOKEN, 1);
	setenv("PUSHOVER_API_URL", "ftp://example.com/", 1);
	assert_int_equal(pg_pushover_config_from_env(&config, &err), -1);
	assert_non_null(strstr(err.msg, "PUSHOVER_API_URL"));
	pg_pushover_config_release(&config);
	unsetenv("PUSHOVER_API_URL");
}

static void pushover_secret_variable_skips_plain(void **state)
{
	struct pg_pushover_config config;
	struct pg_err err = { { 0 } };

	(void)state;
	setenv("PUSHOVER_TOKEN", TOKEN, 1);
	setenv("PUSHOVER_USERKEY", USER_KEY, 1);
	setenv("PUSHOVER_SECRET_PARAMETER", "/pigeon/pushover", 1);
	unsetenv("PUSHOVER_SECRET_ARN");
	unsetenv("PUSHOVER_API_URL");
	assert_int_equal(pg_pushover_config_from_env(&config, &err), 0);
	assert_null(config.token);
	assert_null(config.user_key);
	assert_string_equal(config.secret_parameter, "/pigeon/pushover");
	assert_string_equal(pg_pushover_secret_variable(&config), "PUSHOVER_SECRET_PARAMETER");
	pg_pushover_config_release(&config);

	setenv("PUSHOVER_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:p", 1);
	assert_int_equal(pg_pushover_config_from_env(&config, &err), -1);
	assert_non_null(strstr(err.msg, "set only one"));
	pg_pushover_config_release(&config);

	pg_err_clear(&err);
	unsetenv("PUSHOVER_SECRET_PARAMETER");
	assert_int_equal(pg_pushover_config_from_env(&config, &err), 0);
	assert_string_equal(pg_pushover_secret_variable(&config), "PUSHOVER_SECRET_ARN");
	pg_pushover_config_release(&config);
	unsetenv("PUSHOVER_SECRET_ARN");
}

static void pushover_credentials_parse_valid(void **state)
{
	static const char secret[] = "{\"user\":\"" USER_KEY "\",\"token\":\"" TOKEN "\",\"note\":1}";
	struct pg_pushover_config config = { 0 };
	struct pg_err err = { { 0 } };

	(void)state;
	config.api_url = pg_strdup(PG_PUSHOVER_API_URL);
	config.token = pg_strdup("old");
	assert_int_equal(pg_pushover_credentials_parse(secret, strlen(secret), "PUSHOVER_SECRET_ARN",
						       &config, &err),
			 0);
	assert_string_equal(config.token, TOKEN);
	assert_string_equal(config.user_key, USER_KEY);
	assert_int_equal(pg_pushover_config_check(&config, &err), 0);
	pg_pushover_config_release(&config);
}

static void expect_credentials_error(const char *secret, const char *message)
{
	struct pg_pushover_config config = { 0 };
	struct pg_err err = { { 0 } };

	config.api_url = pg_strdup(PG_PUSHOVER_API_URL);
	if (pg_pushover_credentials_parse(secret, strlen(secret), "PUSHOVER_SECRET_PARAMETER",
					  &config, &err) == 0)
		assert_int_equal(pg_pushover_config_check(&config, &err), -1);
	assert_string_equal(err.msg, message);
	assert_null(strstr(err.msg, TOKEN));
	assert_null(strstr(err.msg, "hunter2"));
	pg_pushover_config_release(&config);
}

static void pushover_credentials_errors_named(void **state)
{
	(void)state;
	expect_credentials_error("{\"token\":\"" TOKEN "\"}",
				 "PUSHOVER_SECRET_PARAMETER: \"user\": missing");
	expect_credentials_error("{\"token\":7,\"user\":\"" USER_KEY "\"}",
				 "PUSHOVER_SECRET_PARAMETER: \"token\": expected a string");
	expect_credentials_error("[\"" TOKEN "\"]",
				 "PUSHOVER_SECRET_PARAMETER: expected a JSON object "
				 "{\"token\": \"...\", \"user\": \"...\"}");
	expect_credentials_error("token=hunter2",
				 "PUSHOVER_SECRET_PARAMETER: the secret is not valid JSON (line 1, "
				 "column 5); expected a JSON object {\"token\": \"...\", \"user\": \"...\"}");
	expect_credentials_error("{\"token\":\"hunter2\",\"user\":\"" USER_KEY "\"}",
				 "PUSHOVER_SECRET_PARAMETER: \"token\": expected 30 characters from "
				 "[A-Za-z0-9], got 7 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pushover_success_returns_request_id, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_optional_fields_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_invalid_token_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_429_html_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_429_limit_reset_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_redirect_rejected_once, setup, teardown),
		cmocka_unit_test(pushover_reply_3xx_rejected),
		cmocka_unit_test_setup_teardown(pushover_500_without_time_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_503_twice_then_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_retries_stop_at_maximum, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_200_status_0_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_empty_token_sends_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_malformed_user_key_sends_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pushover_connection_refused_unavailable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pushover_retry_needs_time_left, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_short_deadline_sends_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_long_text_cut_to_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(pushover_url_title_cut_with_ellipsis, setup,
						teardown),
		cmocka_unit_test(pushover_fit_boundaries),
		cmocka_unit_test(pushover_reply_needs_request_id),
		cmocka_unit_test(pushover_reply_html_200_rejected),
		cmocka_unit_test(pushover_config_from_env_checks),
		cmocka_unit_test(pushover_secret_variable_skips_plain),
		cmocka_unit_test(pushover_credentials_parse_valid),
		cmocka_unit_test(pushover_credentials_errors_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
