/* Tests of the SQLite store behind the event queue and the inbox
 * (src/local/store.c) against a real database file in a temporary folder.
 * The CLI's sources are not in libpigeon.a, so the file is compiled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local/store.c"

struct fixture {
	char dir[64];
	struct pg_store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pg_err err = {{0}};

	snprintf(f->dir, sizeof(f->dir), "/tmp/pigeon-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (pg_store_open(f->dir, &f->store, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	pg_store_close(f->store);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "pigeon.db", "pigeon.db-wal", "pigeon.db-shm" };

		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void reopen(struct fixture *f)
{
	struct pg_err err = {{0}};

	pg_store_close(f->store);
	f->store = NULL;
	assert_int_equal(pg_store_open(f->dir, &f->store, &err), 0);
}

static void add(struct fixture *f, const char *function, const char *id,
		const char *payload, int64_t now)
{
	struct pg_err err = {{0}};

	assert_int_equal(pg_store_event_add(f->store, function, id, payload,
					    strlen(payload), now, &err), 0);
}

/* Takes the next due event and checks its id. */
static int64_t expect_next(struct fixture *f, const char *function, int64_t now,
			   const char *request_id)
{
	struct pg_stored_event event;
	struct pg_err err = {{0}};
	int64_t row;

	assert_int_equal(pg_store_event_next(f->store, function, now, &event, &err), 1);
	assert_string_equal(event.request_id, request_id);
	assert_string_equal(event.function, function);
	row = event.id;
	pg_stored_event_release(&event);
	return row;
}

static void expect_none(struct fixture *f, const char *function, int64_t now)
{
	struct pg_stored_event event;
	struct pg_err err = {{0}};

	assert_int_equal(pg_store_event_next(f->store, function, now, &event, &err), 0);
}

static void queue_arrival_order(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_stored_event event;
	int64_t row;

	add(f, "notifications", "e1", "{\"n\":1}", 1000);
	add(f, "api", "other", "{}", 1000);
	add(f, "notifications", "e2", "{\"n\":2}", 1001);
	add(f, "notifications", "e3", "{\"n\":3}", 1002);

	assert_int_equal(pg_store_event_next(f->store, "notifications", 5000, &event, &err), 1);
	assert_string_equal(event.request_id, "e1");
	assert_int_equal(event.payload_len, 7);
	assert_memory_equal(event.payload, "{\"n\":1}", 7);
	assert_int_equal(event.attempts, 0);
	row = event.id;
	pg_stored_event_release(&event);
	assert_int_equal(pg_store_event_done(f->store, row, "ok", 2, 5001, &err), 0);

	row = expect_next(f, "notifications", 5002, "e2");
	assert_int_equal(pg_store_event_done(f->store, row, "ok", 2, 5003, &err), 0);
	row = expect_next(f, "notifications", 5004, "e3");
	assert_int_equal(pg_store_event_done(f->store, row, "ok", 2, 5005, &err), 0);
	expect_none(f, "notifications", 9999);
	expect_next(f, "api", 9999, "other");
}

static void queue_survives_reopen(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	int64_t row;

	add(f, "notifications", "kept1", "{}", 10);
	add(f, "notifications", "kept2", "{}", 11);
	row = expect_next(f, "notifications", 20, "kept1");
	assert_int_equal(pg_store_event_done(f->store, row, "{}", 2, 21, &err), 0);

	reopen(f);
	expect_next(f, "notifications", 30, "kept2");
}

static void queue_retry_waits_until_due(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_stored_event event;
	int64_t row;

	add(f, "notifications", "flaky", "{}", 100);
	add(f, "notifications", "later", "{}", 101);
	row = expect_next(f, "notifications", 200, "flaky");
	assert_int_equal(pg_store_event_failed(f->store, row, "{\"errorType\":\"X\"}",
					       1200, 200, &err), 0);

	/* Until the retry is due, the next event goes first. */
	row = expect_next(f, "notifications", 300, "later");
	assert_int_equal(pg_store_event_done(f->store, row, "{}", 2, 301, &err), 0);
	expect_none(f, "notifications", 1199);

	assert_int_equal(pg_store_event_next(f->store, "notifications", 1200, &event, &err), 1);
	assert_string_equal(event.request_id, "flaky");
	assert_int_equal(event.attempts, 1);
	pg_stored_event_release(&event);
}

static void queue_dead_letter_after_last(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_buf out;
	json_error_t jerr;
	json_t *root;
	json_t *dead;
	int64_t row;

	add(f, "notifications", "doomed", "{\"x\":1}", 100);
	row = expect_next(f, "notifications", 100, "doomed");
	assert_int_equal(pg_store_event_failed(f->store, row, "first", 100, 100, &err), 0);
	row = expect_next(f, "notifications", 100, "doomed");
	assert_int_equal(pg_store_event_failed(f->store, row, "second", 100, 100, &err), 0);
	row = expect_next(f, "notifications", 100, "doomed");
	assert_int_equal(pg_store_event_failed(f->store, row, "third", -1, 150, &err), 0);
	expect_none(f, "notifications", 100000);

	reopen(f);
	pg_buf_init(&out, 0);
	assert_int_equal(pg_store_queue_json(f->store, 10, &out, &err), 0);
	root = json_loadb(out.data, out.len, 0, &jerr);
	assert_non_null(root);
	assert_int_equal(json_array_size(json_object_get(root, "events")), 0);
	dead = json_array_get(json_object_get(root, "dead_letters"), 0);
	assert_non_null(dead);
	assert_string_equal(json_string_value(json_object_get(dead, "request_id")), "doomed");
	assert_string_equal(json_string_value(json_object_get(dead, "last_error")), "third");
	assert_string_equal(json_string_value(json_object_get(dead, "payload")), "{\"x\":1}");
	assert_int_equal(json_integer_value(json_object_get(dead, "attempts")), 3);
	assert_int_equal(json_integer_value(json_object_get(dead, "failed_at")), 150);
	json_decref(root);
	pg_buf_release(&out);
}

static void queue_listing_keeps_done_events(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_buf out;
	json_error_t jerr;
	json_t *root;
	json_t *event;
	int64_t row;

	add(f, "notifications", "done1", "{}", 1);
	row = expect_next(f, "notifications", 1, "done1");
	assert_int_equal(pg_store_event_done(f->store, row, "{\"ok\":true}", 11, 2, &err), 0);
	pg_buf_init(&out, 0);
	assert_int_equal(pg_store_queue_json(f->store, 10, &out, &err), 0);
	root = json_loadb(out.data, out.len, 0, &jerr);
	event = json_array_get(json_object_get(root, "events"), 0);
	assert_string_equal(json_string_value(json_object_get(event, "status")), "done");
	assert_string_equal(json_string_value(json_object_get(event, "result")), "{\"ok\":true}");
	json_decref(root);
	pg_buf_release(&out);
}

static void inbox_newest_first(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_pushover_message first = { .message = "one", .title = "T1", .priority = 0 };
	struct pg_pushover_message second = {
		.message = "two <b>", .url = "https://example.org",
		.url_title = "site", .sound = "magic", .priority = 1,
	};
	struct pg_buf out;
	json_error_t jerr;
	json_t *root;
	json_t *messages;
	json_t *m;

	assert_int_equal(pg_store_inbox_add(f->store, &first, "r1", 1000, &err), 0);
	assert_int_equal(pg_store_inbox_add(f->store, &second, "r2", 2000, &err), 0);
	reopen(f);

	pg_buf_init(&out, 0);
	assert_int_equal(pg_store_inbox_json(f->store, 50, &out, &err), 0);
	root = json_loadb(out.data, out.len, 0, &jerr);
	messages = json_object_get(root, "messages");
	assert_int_equal(json_array_size(messages), 2);
	m = json_array_get(messages, 0);
	assert_string_equal(json_string_value(json_object_get(m, "request")), "r2");
	assert_string_equal(json_string_value(json_object_get(m, "message")), "two <b>");
	assert_string_equal(json_string_value(json_object_get(m, "url")), "https://example.org");
	assert_string_equal(json_string_value(json_object_get(m, "sound")), "magic");
	assert_int_equal(json_integer_value(json_object_get(m, "priority")), 1);
	assert_int_equal(json_integer_value(json_object_get(m, "received_at")), 2000);
	m = json_array_get(messages, 1);
	assert_string_equal(json_string_value(json_object_get(m, "title")), "T1");
	assert_true(json_is_null(json_object_get(m, "url")));
	json_decref(root);
	pg_buf_release(&out);
}

static void store_open_bad_dir(void **state)
{
	struct pg_store *store = NULL;
	struct pg_err err = {{0}};

	(void)state;
	assert_int_equal(pg_store_open("/proc/pigeon-cannot-exist/x", &store, &err), -1);
	assert_null(store);
	assert_non_null(strstr(err.msg, "/proc/pigeon-cannot-exist/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(queue_arrival_order, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_survives_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_retry_waits_until_due, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_dead_letter_after_last, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_listing_keeps_done_events, setup, teardown),
		cmocka_unit_test_setup_teardown(inbox_newest_first, setup, teardown),
		cmocka_unit_test(store_open_bad_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
