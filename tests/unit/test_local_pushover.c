/* Tests of the inbox's Pushover message checks (src/local/pushover_check.c),
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

#include "local/pushover_check.c"

#define TOKEN "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
#define USER "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
#define FORM_KEYS "token=" TOKEN "&user=" USER

static const char *form = "application/x-www-form-urlencoded";

static int check(const char *type, const char *body, struct pg_pushover_message *msg,
		 struct pg_pushover_error *error)
{
	return pg_pushover_parse(type, body, strlen(body), msg, error);
}

static void pushover_form_accepted(void **state)
{
	struct pg_pushover_message msg;
	struct pg_pushover_error error;

	(void)state;
	assert_int_equal(check(form, FORM_KEYS "&message=Hello+there%21%0Aline+2"
			       "&title=New+contact&url=https%3A%2F%2Fexample.org"
			       "&url_title=site&priority=1&sound=magic&device=phone",
			       &msg, &error), 0);
	assert_string_equal(msg.message, "Hello there!\nline 2");
	assert_string_equal(msg.title, "New contact");
	assert_string_equal(msg.url, "https://example.org");
	assert_string_equal(msg.url_title, "site");
	assert_string_equal(msg.sound, "magic");
	assert_int_equal(msg.priority, 1);
	pg_pushover_message_release(&msg);
	pg_pushover_message_release(&msg);
}

static void pushover_json_accepted(void **state)
{
	struct pg_pushover_message msg;
	struct pg_pushover_error error;

	(void)state;
	assert_int_equal(check("application/json; charset=utf-8",
			       "{\"token\":\"" TOKEN "\",\"user\":\"" USER "\","
			       "\"message\":\"caf\\u00e9\",\"priority\":-2}",
			       &msg, &error), 0);
	assert_string_equal(msg.message, "caf\xc3\xa9");
	assert_null(msg.title);
	assert_int_equal(msg.priority, -2);
	pg_pushover_message_release(&msg);
}

static void pushover_rejections_name_field(void **state)
{
	static const struct {
		const char *type;
		const char *body;
		const char *field;
		const char *message;
	} cases[] = {
		{ NULL, "user=" USER "&message=hi", "token", "missing" },
		{ NULL, "token=short&user=" USER "&message=hi", "token", "30 letters" },
		{ NULL, "token=" TOKEN "&message=hi", "user", "missing" },
		{ NULL, "token=" TOKEN "&user=" USER "x&message=hi", "user", "invalid" },
		{ NULL, "token=" TOKEN "&user=uQiRzpo4DXghDmr9QzzfQu27cmVR-G&message=hi",
		  "user", "invalid" },
		{ NULL, FORM_KEYS, "message", "cannot be blank" },
		{ NULL, FORM_KEYS "&message=", "message", "cannot be blank" },
		{ NULL, FORM_KEYS "&message=%ff", "message", "UTF-8" },
		{ NULL, FORM_KEYS "&message=a%00b", "message", "UTF-8" },
		{ NULL, FORM_KEYS "&message=hi&priority=3", "priority", "-2 to 2" },
		{ NULL, FORM_KEYS "&message=hi&priority=x", "priority", "-2 to 2" },
		{ NULL, FORM_KEYS "&message=hi&priority=2", "retry", "at least 30" },
		{ NULL, FORM_KEYS "&message=hi&priority=2&retry=29&expire=60", "retry",
		  "at least 30" },
		{ NULL, FORM_KEYS "&message=hi&priority=2&retry=30&expire=10801", "expire",
		  "at most 10800" },
		{ NULL, FORM_KEYS "&message=hi%zz", "body", "escape" },
		{ "application/json", "[1]", "body", "JSON object" },
		{ "application/json", "{\"token\":\"" TOKEN "\",\"user\":\"" USER
		  "\",\"message\":{}}", "message", "string or an integer" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_pushover_message msg;
		struct pg_pushover_error error;

		if (check(cases[i].type, cases[i].body, &msg, &error) != -1)
			fail_msg("case %zu accepted", i);
		if (strcmp(error.field, cases[i].field) ||
		    !strstr(error.message, cases[i].message))
			fail_msg("case %zu: got %s \"%s\", want %s \"%s\"", i,
				 error.field, error.message, cases[i].field,
				 cases[i].message);
		assert_null(msg.message);
	}
}

/* Builds FORM_KEYS&name=<count copies of unit>. */
static char *form_with(const char *name, const char *unit, size_t count)
{
	size_t len = strlen(FORM_KEYS) + strlen(name) + 16 + strlen(unit) * count;
	char *body = malloc(len);
	size_t pos = (size_t)snprintf(body, len, FORM_KEYS "&message=m&%s=", name);

	for (size_t i = 0; i < count; i++)
		pos += (size_t)snprintf(body + pos, len - pos, "%s", unit);
	return body;
}

static void pushover_length_limits(void **state)
{
	static const struct {
		const char *field;
		size_t max;
	} limits[] = {
		{ "title", 250 }, { "url", 512 }, { "url_title", 100 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct pg_pushover_message msg;
		struct pg_pushover_error error;
		/* A two-byte character counts once. */
		char *ok = form_with(limits[i].field, "%C3%A9", limits[i].max);
		char *too_long = form_with(limits[i].field, "e", limits[i].max + 1);

		assert_int_equal(check(form, ok, &msg, &error), 0);
		pg_pushover_message_release(&msg);
		assert_int_equal(check(form, too_long, &msg, &error), -1);
		assert_string_equal(error.field, limits[i].field);
		assert_non_null(strstr(error.message, "longer than"));
		free(ok);
		free(too_long);
	}
}

static void pushover_message_limit(void **state)
{
	struct pg_pushover_message msg;
	struct pg_pushover_error error;
	char body[4096];
	size_t pos = (size_t)snprintf(body, sizeof(body), FORM_KEYS "&message=");

	(void)state;
	memset(body + pos, 'm', 1024);
	body[pos + 1024] = '\0';
	assert_int_equal(check(form, body, &msg, &error), 0);
	pg_pushover_message_release(&msg);
	body[pos + 1024] = 'm';
	body[pos + 1025] = '\0';
	assert_int_equal(check(form, body, &msg, &error), -1);
	assert_string_equal(error.field, "message");
	assert_non_null(strstr(error.message, "1024"));
}

static void pushover_emergency_accepted(void **state)
{
	struct pg_pushover_message msg;
	struct pg_pushover_error error;

	(void)state;
	assert_int_equal(check(form, FORM_KEYS "&message=fire&priority=2&retry=30&expire=10800",
			       &msg, &error), 0);
	assert_int_equal(msg.priority, 2);
	pg_pushover_message_release(&msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pushover_form_accepted),
		cmocka_unit_test(pushover_json_accepted),
		cmocka_unit_test(pushover_rejections_name_field),
		cmocka_unit_test(pushover_length_limits),
		cmocka_unit_test(pushover_message_limit),
		cmocka_unit_test(pushover_emergency_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
