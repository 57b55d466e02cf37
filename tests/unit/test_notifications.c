/* Notification events: parsing, and the notifications function's handler
 * against a stand-in Pushover API on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "channels/channels.h"
#include "../helpers/pushover_standin.h"

#define TOKEN "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
#define USER_KEY "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"

static int parse(const char *json, struct pg_notification *notification, struct pg_err *err)
{
	pg_notification_init(notification);
	pg_err_clear(err);
	return pg_notification_parse(json, strlen(json), notification, err);
}

static void expect_invalid(const char *json, const char *message)
{
	struct pg_notification notification;
	struct pg_err err = { { 0 } };

	assert_int_equal(parse(json, &notification, &err), -1);
	assert_string_equal(err.msg, message);
	assert_null(notification.message);
}

static void notification_all_fields(void **state)
{
	struct pg_notification n;
	struct pg_err err = { { 0 } };

	(void)state;
	assert_int_equal(parse("{\"title\":\"T\",\"message\":\"M\",\"url\":\"https://x.example\","
			       "\"url_title\":\"X\",\"priority\":-2,\"sound\":\"bike\",\"extra\":[1]}",
			       &n, &err),
			 0);
	assert_string_equal(n.title, "T");
	assert_string_equal(n.message, "M");
	assert_string_equal(n.url, "https://x.example");
	assert_string_equal(n.url_title, "X");
	assert_string_equal(n.sound, "bike");
	assert_int_equal(n.priority, -2);
	pg_notification_release(&n);
	pg_notification_release(&n);
}

static void notification_defaults(void **state)
{
	struct pg_notification n;
	struct pg_err err = { { 0 } };

	(void)state;
	assert_int_equal(parse("{\"message\":\"only\",\"title\":null,\"url\":\"\"}", &n, &err), 0);
	assert_null(n.title);
	assert_null(n.url);
	assert_null(n.sound);
	assert_int_equal(n.priority, 0);
	pg_notification_release(&n);
}

static void notification_payload_old_name(void **state)
{
	struct pg_notification n;
	struct pg_err err = { { 0 } };

	(void)state;
	assert_int_equal(parse("{\"payload\":\"from payload\"}", &n, &err), 0);
	assert_string_equal(n.message, "from payload");
	pg_notification_release(&n);
	assert_int_equal(parse("{\"payload\":\"old\",\"message\":\"new\"}", &n, &err), 0);
	assert_string_equal(n.message, "new");
	pg_notification_release(&n);
	assert_int_equal(parse("{\"message\":null,\"payload\":\"old\"}", &n, &err), 0);
	assert_string_equal(n.message, "old");
	pg_notification_release(&n);
}

static void notification_message_missing(void **state)
{
	(void)state;
	expect_invalid("{\"title\":\"t\"}", "message: missing");
	expect_invalid("{\"message\":\"\"}", "message: missing");
	expect_invalid("{\"payload\":\"\"}", "message: missing");
	expect_invalid("{\"message\":\"\",\"payload\":\"old\"}", "message: missing");
}

static void notification_wrong_types_named(void **state)
{
	(void)state;
	expect_invalid("{\"message\":5}", "message: expected a string");
	expect_invalid("{\"payload\":{}}", "payload: expected a string");
	expect_invalid("{\"message\":\"m\",\"title\":[]}", "title: expected a string");
	expect_invalid("{\"message\":\"m\",\"url\":true}", "url: expected a string");
	expect_invalid("{\"message\":\"m\",\"url_title\":1.5}", "url_title: expected a string");
	expect_invalid("{\"message\":\"m\",\"sound\":1}", "sound: expected a string");
	expect_invalid("{\"message\":\"m\",\"priority\":\"1\"}",
		       "priority: expected an integer from -2 to 2");
	expect_invalid("{\"message\":\"m\",\"priority\":3}",
		       "priority: expected an integer from -2 to 2");
	expect_invalid("{\"message\":\"m\",\"priority\":1.0}",
		       "priority: expected an integer from -2 to 2");
	expect_invalid("{\"message\":\"a\\u0000b\"}", "message: contains a NUL character");
}

static void notification_emergency_needs_retry(void **state)
{
	struct pg_notification n;
	struct pg_err err = { { 0 } };

	(void)state;
	expect_invalid("{\"message\":\"m\",\"priority\":2}",
		       "retry: missing (priority 2 needs retry and expire)");
	expect_invalid("{\"message\":\"m\",\"priority\":2,\"retry\":60}",
		       "expire: missing (priority 2 needs retry and expire)");
	expect_invalid("{\"message\":\"m\",\"priority\":2,\"retry\":10,\"expire\":60}",
		       "retry: expected an integer from 30 to 10800");
	expect_invalid("{\"message\":\"m\",\"priority\":2,\"retry\":30,\"expire\":10801}",
		       "expire: expected an integer from 1 to 10800");
	assert_int_equal(parse("{\"message\":\"m\",\"priority\":2,\"retry\":30,\"expire\":10800}",
			       &n, &err),
			 0);
	assert_int_equal(n.retry_s, 30);
	assert_int_equal(n.expire_s, 10800);
	pg_notification_release(&n);
	/* Outside emergency priority both are ignored, as Pushover does. */
	assert_int_equal(parse("{\"message\":\"m\",\"priority\":1,\"retry\":60,\"expire\":60}", &n,
			       &err),
			 0);
	assert_int_equal(n.retry_s, 0);
	pg_notification_release(&n);
}

static void notification_bad_json(void **state)
{
	struct pg_notification n;
	struct pg_err err = { { 0 } };

	(void)state;
	expect_invalid("[\"message\"]", "event: expected a JSON object");
	expect_invalid("\"message\"", "event: invalid JSON at line 1, column 9: '[' or '{' expected near '\"message\"'");
	assert_int_equal(parse("{\"message\":", &n, &err), -1);
	assert_non_null(strstr(err.msg, "event: invalid JSON"));
	/* jansson rejects invalid UTF-8. */
	assert_int_equal(parse("{\"message\":\"\xc3\x28\"}", &n, &err), -1);
	assert_non_null(strstr(err.msg, "event: invalid JSON"));
}

struct handler_fixture {
	struct standin *server;
	struct pg_pushover_config config;
	struct pg_channel channel;
	struct pg_buf response;
	struct pg_delivery delivery;
	char error_type[128];
	struct pg_err err;
};

static int handler_setup(void **state)
{
	struct handler_fixture *f = pg_calloc(1, sizeof(*f));

	f->server = standin_start();
	assert_non_null(f->server);
	f->config.token = pg_strdup(TOKEN);
	f->config.user_key = pg_strdup(USER_KEY);
	f->config.api_url = pg_strdup(f->server->url);
	f->config.retry_spacing_ms = 20;
	f->config.max_attempts = 2;
	f->config.connect_timeout_ms = 2000;
	f->config.request_timeout_ms = 5000;
	pg_pushover_channel_init(&f->channel, &f->config);
	pg_buf_init(&f->response, 4096);
	*state = f;
	return 0;
}

static int handler_teardown(void **state)
{
	struct handler_fixture *f = *state;

	standin_stop(f->server);
	pg_pushover_config_release(&f->config);
	pg_buf_release(&f->response);
	free(f);
	pg_pushover_cleanup();
	return 0;
}

static int handle(struct handler_fixture *f, const char *event)
{
	pg_err_clear(&f->err);
	pg_buf_reset(&f->response);
	return pg_notify_handle(&f->channel, event, strlen(event), 20000, &f->response,
				&f->delivery, f->error_type, sizeof(f->error_type), &f->err);
}

static void notify_sent_answer(void **state)
{
	struct handler_fixture *f = *state;

	assert_int_equal(handle(f, "{\"title\":\"t\",\"payload\":\"m\"}"), 0);
	assert_string_equal(f->response.data,
			    "{\"status\":\"sent\",\"channel\":\"pushover\","
			    "\"request\":\"647d2300-702c-4b38-8b2f-d56326ae460b\"}");
	assert_string_equal(f->error_type, "");
	assert_int_equal(standin_posts(f->server), 1);
}

static void notify_invalid_event_sends_nothing(void **state)
{
	struct handler_fixture *f = *state;

	assert_int_equal(handle(f, "{\"title\":\"t\"}"), -1);
	assert_string_equal(f->error_type, "Notification.Invalid");
	assert_string_equal(f->err.msg, "message: missing");
	assert_int_equal(standin_posts(f->server), 0);
}

static void notify_rejected_error_type(void **state)
{
	struct handler_fixture *f = *state;
	const struct standin_reply replies[] = {
		{ 400, "application/json",
		  "{\"user\":\"invalid\",\"errors\":[\"user identifier is invalid\"],\"status\":0,"
		  "\"request\":\"r\"}",
		  NULL, NULL },
	};

	standin_script(f->server, replies, 1);
	assert_int_equal(handle(f, "{\"message\":\"m\"}"), -1);
	assert_string_equal(f->error_type, "Pushover.Rejected");
	assert_non_null(strstr(f->err.msg, "user identifier is invalid"));
	assert_null(strstr(f->err.msg, TOKEN));
	assert_null(strstr(f->err.msg, USER_KEY));
}

static void notify_unavailable_error_type(void **state)
{
	struct handler_fixture *f = *state;
	const struct standin_reply busy = { 503, "text/html", "<html>busy</html>", NULL, NULL };
	const struct standin_reply replies[] = { busy, busy };

	standin_script(f->server, replies, 2);
	assert_int_equal(handle(f, "{\"message\":\"m\"}"), -1);
	assert_string_equal(f->error_type, "Pushover.Unavailable");
	assert_non_null(strstr(f->err.msg, "HTTP 503"));
	assert_int_equal(f->delivery.attempts, 2);
}

static void notify_configuration_error_type(void **state)
{
	struct handler_fixture *f = *state;

	f->config.token[29] = '\0';
	assert_int_equal(handle(f, "{\"message\":\"m\"}"), -1);
	assert_string_equal(f->error_type, "Pushover.Configuration");
	assert_non_null(strstr(f->err.msg, "PUSHOVER_TOKEN"));
	assert_null(strstr(f->err.msg, f->config.token));
	assert_int_equal(standin_posts(f->server), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(notification_all_fields),
		cmocka_unit_test(notification_defaults),
		cmocka_unit_test(notification_payload_old_name),
		cmocka_unit_test(notification_message_missing),
		cmocka_unit_test(notification_wrong_types_named),
		cmocka_unit_test(notification_emergency_needs_retry),
		cmocka_unit_test(notification_bad_json),
		cmocka_unit_test_setup_teardown(notify_sent_answer, handler_setup, handler_teardown),
		cmocka_unit_test_setup_teardown(notify_invalid_event_sends_nothing, handler_setup,
						handler_teardown),
		cmocka_unit_test_setup_teardown(notify_rejected_error_type, handler_setup,
						handler_teardown),
		cmocka_unit_test_setup_teardown(notify_unavailable_error_type, handler_setup,
						handler_teardown),
		cmocka_unit_test_setup_teardown(notify_configuration_error_type, handler_setup,
						handler_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
