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

/* Claims the next due event for worker 1 and checks its id. */
static int64_t expect_next(struct fixture *f, const char *function, int64_t now,
			   const char *request_id)
{
	struct pg_stored_event event;
	struct pg_err err = {{0}};
	int64_t row;

	assert_int_equal(pg_store_event_claim(f->store, function, 1, now, &event, &err), 1);
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

	assert_int_equal(pg_store_event_claim(f->store, function, 1, now, &event, &err), 0);
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

	assert_int_equal(pg_store_event_claim(f->store, "notifications", 1, 5000, &event, &err), 1);
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

	assert_int_equal(pg_store_event_claim(f->store, "notifications", 1, 1200, &event, &err), 1);
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

/* Returns the listed event with request_id; the caller owns root. */
static json_t *listed_event(struct fixture *f, const char *request_id,
			    json_t **root)
{
	struct pg_err err = {{0}};
	struct pg_buf out;
	json_error_t jerr;
	json_t *events;
	json_t *found = NULL;

	pg_buf_init(&out, 0);
	assert_int_equal(pg_store_queue_json(f->store, 100, &out, &err), 0);
	*root = json_loadb(out.data, out.len, 0, &jerr);
	pg_buf_release(&out);
	assert_non_null(*root);
	events = json_object_get(*root, "events");
	for (size_t i = 0; i < json_array_size(events); i++) {
		json_t *event = json_array_get(events, i);

		if (!strcmp(json_string_value(json_object_get(event, "request_id")),
			    request_id))
			found = event;
	}
	assert_non_null(found);
	return found;
}

/* Checks the listed status and worker (0: none) of request_id. */
static void expect_status(struct fixture *f, const char *request_id,
			  const char *status, int worker)
{
	json_t *root;
	json_t *event = listed_event(f, request_id, &root);

	assert_string_equal(json_string_value(json_object_get(event, "status")),
			    status);
	if (worker)
		assert_int_equal(json_integer_value(json_object_get(event, "worker")),
				 worker);
	else
		assert_true(json_is_null(json_object_get(event, "worker")));
	json_decref(root);
}

static void queue_claim_is_exclusive(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_stored_event first;
	struct pg_stored_event second;
	struct pg_stored_event third;

	add(f, "notifications", "c1", "{}", 10);
	add(f, "notifications", "c2", "{}", 11);
	add(f, "notifications", "c3", "{}", 12);

	/* While c1 runs, the next worker gets c2, not c1 again. */
	assert_int_equal(pg_store_event_claim(f->store, "notifications", 1, 20,
					      &first, &err), 1);
	assert_string_equal(first.request_id, "c1");
	assert_int_equal(pg_store_event_claim(f->store, "notifications", 2, 20,
					      &second, &err), 1);
	assert_string_equal(second.request_id, "c2");
	expect_status(f, "c1", "running", 1);
	expect_status(f, "c2", "running", 2);
	expect_status(f, "c3", "queued", 0);

	assert_int_equal(pg_store_event_claim(f->store, "notifications", 1, 20,
					      &third, &err), 1);
	assert_string_equal(third.request_id, "c3");
	expect_none(f, "notifications", 20);

	assert_int_equal(pg_store_event_done(f->store, second.id, "{}", 2, 21,
					     &err), 0);
	expect_status(f, "c2", "done", 0);
	pg_stored_event_release(&first);
	pg_stored_event_release(&second);
	pg_stored_event_release(&third);
}

static void queue_reopen_requeues_running(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_stored_event event;

	add(f, "notifications", "cut", "{\"n\":1}", 10);
	add(f, "notifications", "next", "{}", 11);
	expect_next(f, "notifications", 20, "cut");
	expect_status(f, "cut", "running", 1);

	/* As after a crash: the claimed row was never finished. */
	reopen(f);
	expect_status(f, "cut", "queued", 0);
	assert_int_equal(pg_store_event_claim(f->store, "notifications", 1, 30,
					      &event, &err), 1);
	assert_string_equal(event.request_id, "cut");
	assert_int_equal(event.attempts, 0);
	assert_int_equal(event.payload_len, 7);
	assert_memory_equal(event.payload, "{\"n\":1}", 7);
	pg_stored_event_release(&event);
}

static void queue_failed_attempt_is_queued(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	int64_t row;

	add(f, "notifications", "again", "{}", 10);
	row = expect_next(f, "notifications", 20, "again");
	assert_int_equal(pg_store_event_failed(f->store, row, "boom", 500, 20,
					       &err), 0);
	expect_status(f, "again", "queued", 0);
}

static void queue_unclaim_keeps_attempts(void **state)
{
	struct fixture *f = *state;
	struct pg_err err = {{0}};
	struct pg_stored_event event;
	int64_t row;

	add(f, "notifications", "stopped", "{}", 10);
	row = expect_next(f, "notifications", 20, "stopped");
	assert_int_equal(pg_store_event_unclaim(f->store, row, &err), 0);
	expect_status(f, "stopped", "queued", 0);
	assert_int_equal(pg_store_event_claim(f->store, "notifications", 2, 30,
					      &event, &err), 1);
	assert_string_equal(event.request_id, "stopped");
	assert_int_equal(event.attempts, 0);
	pg_stored_event_release(&event);
}

/* A database made before the worker column existed gets it on open. */
static void store_open_adds_worker_column(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = f->store->db;
	struct pg_stored_event event;
	struct pg_err err = {{0}};

	assert_int_equal(sqlite3_exec(db, "DROP TABLE events; CREATE TABLE events ("
				      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
				      " request_id TEXT NOT NULL, function TEXT NOT NULL,"
				      " payload BLOB NOT NULL, received_at INTEGER NOT NULL,"
				      " status TEXT NOT NULL DEFAULT 'queued',"
				      " attempts INTEGER NOT NULL DEFAULT 0,"
				      " next_attempt_at INTEGER NOT NULL, last_error TEXT,"
				      " result BLOB, finished_at INTEGER);"
				      " INSERT INTO events (request_id, function, payload,"
				      " received_at, next_attempt_at)"
				      " VALUES ('old', 'notifications', '{}', 1, 1);",
				      NULL, NULL, NULL), SQLITE_OK);
	reopen(f);
	assert_int_equal(pg_store_event_claim(f->store, "notifications", 3, 5,
					      &event, &err), 1);
	assert_string_equal(event.request_id, "old");
	pg_stored_event_release(&event);
	expect_status(f, "old", "running", 3);
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

static void store_file_is_private(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/pigeon.db", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(queue_arrival_order, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_survives_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_retry_waits_until_due, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_dead_letter_after_last, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_listing_keeps_done_events, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_claim_is_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_reopen_requeues_running, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_failed_attempt_is_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_unclaim_keeps_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(store_open_adds_worker_column, setup, teardown),
		cmocka_unit_test_setup_teardown(inbox_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(store_file_is_private, setup, teardown),
		cmocka_unit_test(store_open_bad_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
