#include "local/local.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"

struct pg_store {
	sqlite3 *db;
	pthread_mutex_t lock;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS events ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" request_id TEXT NOT NULL,"
	" function TEXT NOT NULL,"
	" payload BLOB NOT NULL,"
	" received_at INTEGER NOT NULL,"
	/* queued; running while a worker delivers it; done. A failed
	 * attempt with a retry left is queued again. */
	" status TEXT NOT NULL DEFAULT 'queued',"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" last_error TEXT,"
	" result BLOB,"
	" finished_at INTEGER,"
	" worker INTEGER);" /* the worker of a running event */
	"CREATE INDEX IF NOT EXISTS events_queued"
	" ON events(function, status, next_attempt_at, id);"
	"CREATE TABLE IF NOT EXISTS dead_letters ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" event_id INTEGER NOT NULL,"
	" request_id TEXT NOT NULL,"
	" function TEXT NOT NULL,"
	" payload BLOB NOT NULL,"
	" received_at INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL,"
	" last_error TEXT,"
	" failed_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS inbox ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" received_at INTEGER NOT NULL,"
	" request TEXT NOT NULL,"
	" title TEXT,"
	" message TEXT NOT NULL,"
	" url TEXT,"
	" url_title TEXT,"
	" priority INTEGER NOT NULL,"
	" sound TEXT);";

static void db_error(struct pg_store *store, struct pg_err *err,
		     const char *what)
{
	pg_err_set(err, "%s: %s", what, sqlite3_errmsg(store->db));
}

/* Adds the worker column to an events table made before it existed. */
static int add_worker_column(struct pg_store *store, struct pg_err *err)
{
	sqlite3_stmt *stmt = NULL;
	bool found = false;
	int rc;

	if (sqlite3_prepare_v2(store->db, "PRAGMA table_info(events)", -1,
			       &stmt, NULL) != SQLITE_OK) {
		db_error(store, err, "database");
		return -1;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (!strcmp((const char *)sqlite3_column_text(stmt, 1), "worker"))
			found = true;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		db_error(store, err, "database");
		return -1;
	}
	if (!found && sqlite3_exec(store->db,
				   "ALTER TABLE events ADD COLUMN worker INTEGER",
				   NULL, NULL, NULL) != SQLITE_OK) {
		db_error(store, err, "database upgrade");
		return -1;
	}
	return 0;
}

int pg_store_open(const char *dir, struct pg_store **out, struct pg_err *err)
{
	struct pg_store *store = pg_calloc(1, sizeof(*store));
	struct pg_buf path;
	int result = -1;
	int fd;

	pthread_mutex_init(&store->lock, NULL);
	pg_buf_init(&path, 4096);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		pg_err_set(err, "data directory %s: %s", dir, strerror(errno));
		goto out;
	}
	if (pg_buf_appendf(&path, "%s/pigeon.db", dir) < 0) {
		pg_err_set(err, "data directory %s: path longer than 4096 bytes", dir);
		goto out;
	}
	/* The inbox contains visitors' names, addresses and messages, so a new
	 * database is readable by its owner only; SQLite gives its WAL and
	 * shared-memory files the same mode. */
	fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		pg_err_set(err, "database %s: %s", path.data, strerror(errno));
		goto out;
	}
	close(fd);
	if (sqlite3_open_v2(path.data, &store->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		pg_err_set(err, "database %s: %s", path.data,
			   store->db ? sqlite3_errmsg(store->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(store->db, 5000);

	/* WAL with synchronous FULL makes each commit durable before the
	 * Invoke API returns 202. The queue and inbox are written at their
	 * end and read newest first, so a 512 KiB page cache serves them as
	 * well as SQLite's default 2 MiB and keeps pigeon serve small. */
	if (sqlite3_exec(store->db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			 "PRAGMA cache_size=-512;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(store->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		pg_err_set(err, "database %s: %s", path.data,
			   sqlite3_errmsg(store->db));
		goto out;
	}
	if (add_worker_column(store, err) < 0)
		goto out;

	/* An event still running was cut short by a crash or a stop: its
	 * delivery may or may not have happened, and Lambda's Event
	 * invocations are at least once, so it is delivered again. */
	if (sqlite3_exec(store->db,
			 "UPDATE events SET status = 'queued', worker = NULL"
			 " WHERE status = 'running'",
			 NULL, NULL, NULL) != SQLITE_OK) {
		pg_err_set(err, "database %s: %s", path.data,
			   sqlite3_errmsg(store->db));
		goto out;
	}
	result = 0;
out:
	pg_buf_release(&path);
	if (result < 0) {
		pg_store_close(store);
		store = NULL;
	}
	*out = store;
	return result;
}

void pg_store_close(struct pg_store *store)
{
	if (!store)
		return;
	if (store->db)
		sqlite3_close(store->db);
	pthread_mutex_destroy(&store->lock);
	free(store);
}

/* Prepares sql or sets err; the caller holds the lock. */
static sqlite3_stmt *prepare(struct pg_store *store, const char *sql,
			     struct pg_err *err)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		db_error(store, err, "database");
		return NULL;
	}
	return stmt;
}

static void bind_text_or_null(sqlite3_stmt *stmt, int index, const char *s)
{
	if (s)
		sqlite3_bind_text(stmt, index, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, index);
}

int pg_store_event_add(struct pg_store *store, const char *function,
		       const char *request_id, const char *payload, size_t len,
		       int64_t now_ms, struct pg_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int result = -1;

	pthread_mutex_lock(&store->lock);
	stmt = prepare(store,
		       "INSERT INTO events (request_id, function, payload,"
		       " received_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)",
		       err);
	if (!stmt)
		goto out;
	sqlite3_bind_text(stmt, 1, request_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, function, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(stmt, 3, len ? payload : "", len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now_ms);
	sqlite3_bind_int64(stmt, 5, now_ms);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		db_error(store, err, "event queue insert");
		goto out;
	}
	result = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->lock);
	return result;
}

int pg_store_event_claim(struct pg_store *store, const char *function,
			 int worker, int64_t now_ms,
			 struct pg_stored_event *out, struct pg_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int result = -1;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&store->lock);
	/* Idle workers poll, and a read costs less than an UPDATE that
	 * changes nothing, so the update runs only when an event is due. */
	stmt = prepare(store,
		       "SELECT 1 FROM events WHERE function = ?1"
		       " AND status = 'queued' AND next_attempt_at <= ?2 LIMIT 1",
		       err);
	if (!stmt)
		goto out;
	sqlite3_bind_text(stmt, 1, function, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now_ms);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (rc == SQLITE_DONE) {
		result = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_error(store, err, "event queue read");
		goto out;
	}

	/* One statement finds and marks the row, so two workers never
	 * claim the same event, and the oldest due event goes first. */
	stmt = prepare(store,
		       "UPDATE events SET status = 'running', worker = ?3"
		       " WHERE id = (SELECT id FROM events"
		       " WHERE function = ?1 AND status = 'queued'"
		       " AND next_attempt_at <= ?2 ORDER BY id LIMIT 1)"
		       " RETURNING id, request_id, payload, attempts",
		       err);
	if (!stmt)
		goto out;
	sqlite3_bind_text(stmt, 1, function, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now_ms);
	sqlite3_bind_int(stmt, 3, worker);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		result = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_error(store, err, "event queue claim");
		goto out;
	}
	out->id = sqlite3_column_int64(stmt, 0);
	snprintf(out->request_id, sizeof(out->request_id), "%s",
		 (const char *)sqlite3_column_text(stmt, 1));
	out->payload_len = (size_t)sqlite3_column_bytes(stmt, 2);
	out->payload = pg_strndup(sqlite3_column_blob(stmt, 2) ?
				  sqlite3_column_blob(stmt, 2) : "",
				  out->payload_len);
	out->attempts = sqlite3_column_int(stmt, 3);
	out->function = pg_strdup(function);
	/* The first step makes the change, but it commits only at the step
	 * that returns SQLITE_DONE, and that step reports a failed commit. */
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		db_error(store, err, "event queue claim");
		pg_stored_event_release(out);
		goto out;
	}
	result = 1;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->lock);
	return result;
}

void pg_stored_event_release(struct pg_stored_event *event)
{
	if (!event)
		return;
	free(event->function);
	free(event->payload);
	event->function = NULL;
	event->payload = NULL;
}

int pg_store_event_done(struct pg_store *store, int64_t id, const char *result_text,
			size_t result_len, int64_t now_ms, struct pg_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int result = -1;

	pthread_mutex_lock(&store->lock);
	stmt = prepare(store,
		       "UPDATE events SET status = 'done', worker = NULL,"
		       " result = ?, finished_at = ? WHERE id = ?",
		       err);
	if (!stmt)
		goto out;
	sqlite3_bind_blob64(stmt, 1, result_len ? result_text : "", result_len,
			    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now_ms);
	sqlite3_bind_int64(stmt, 3, id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		db_error(store, err, "event queue update");
		goto out;
	}
	result = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->lock);
	return result;
}

static int exec_step(struct pg_store *store, const char *sql, int64_t id,
		     const char *text, int64_t number, struct pg_err *err)
{
	sqlite3_stmt *stmt = prepare(store, sql, err);
	int result = -1;

	if (!stmt)
		return -1;
	/* Statements here use ?1 for text, ?2 for a number and ?3 for the id;
	 * SQLite numbers the parameters up to the largest index used. */
	bind_text_or_null(stmt, 1, text);
	sqlite3_bind_int64(stmt, 2, number);
	sqlite3_bind_int64(stmt, 3, id);
	if (sqlite3_step(stmt) == SQLITE_DONE)
		result = 0;
	else
		db_error(store, err, "event queue update");
	sqlite3_finalize(stmt);
	return result;
}

int pg_store_event_unclaim(struct pg_store *store, int64_t id,
			   struct pg_err *err)
{
	int result;

	pthread_mutex_lock(&store->lock);
	result = exec_step(store,
			   "UPDATE events SET status = 'queued', worker = NULL"
			   " WHERE id = ?3 AND status = 'running'",
			   id, NULL, 0, err);
	pthread_mutex_unlock(&store->lock);
	return result;
}

int pg_store_event_failed(struct pg_store *store, int64_t id,
			  const char *error, int64_t retry_at_ms,
			  int64_t now_ms, struct pg_err *err)
{
	int result = -1;

	pthread_mutex_lock(&store->lock);
	if (retry_at_ms >= 0) {
		result = exec_step(store,
				   "UPDATE events SET status = 'queued',"
				   " worker = NULL, attempts = attempts + 1,"
				   " last_error = ?1, next_attempt_at = ?2"
				   " WHERE id = ?3",
				   id, error, retry_at_ms, err);
		goto out;
	}

	/* The move to dead_letters is one transaction, so a crash leaves
	 * the event in exactly one of the two tables. */
	if (sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(store, err, "event queue transaction");
		goto out;
	}
	if (exec_step(store,
		      "INSERT INTO dead_letters (event_id, request_id, function,"
		      " payload, received_at, attempts, last_error, failed_at)"
		      " SELECT id, request_id, function, payload, received_at,"
		      " attempts + 1, ?1, ?2 FROM events WHERE id = ?3",
		      id, error, now_ms, err) < 0 ||
	    exec_step(store, "DELETE FROM events WHERE id = ?3", id, NULL, 0,
		      err) < 0) {
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(store, err, "event queue commit");
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	result = 0;
out:
	pthread_mutex_unlock(&store->lock);
	return result;
}

/* Sets key to the column's text, or null when it is NULL or not UTF-8. */
static void set_column_text(json_t *obj, const char *key, sqlite3_stmt *stmt,
			    int col)
{
	const char *text = (const char *)sqlite3_column_text(stmt, col);
	json_t *v = NULL;

	if (text)
		v = json_stringn(text, (size_t)sqlite3_column_bytes(stmt, col));
	json_object_set_new(obj, key, v ? v : json_null());
}

/* Runs a SELECT and turns each row into an object keyed by the result
 * column names; integer columns stay integers. */
static int rows_json(struct pg_store *store, const char *sql, size_t limit,
		     json_t *array, struct pg_err *err)
{
	sqlite3_stmt *stmt = prepare(store, sql, err);
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *row = json_object();

		for (int col = 0; col < sqlite3_column_count(stmt); col++) {
			const char *name = sqlite3_column_name(stmt, col);

			if (sqlite3_column_type(stmt, col) == SQLITE_INTEGER)
				json_object_set_new(row, name,
						    json_integer(sqlite3_column_int64(stmt, col)));
			else
				set_column_text(row, name, stmt, col);
		}
		json_array_append_new(array, row);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		db_error(store, err, "database read");
		return -1;
	}
	return 0;
}

static int dump_json(json_t *root, struct pg_buf *out, struct pg_err *err)
{
	char *text = json_dumps(root, JSON_COMPACT);
	int result = 0;

	if (!text || pg_buf_append_str(out, text) < 0) {
		pg_err_set(err, "listing: larger than %zu bytes", out->max_bytes);
		result = -1;
	}
	free(text);
	return result;
}

int pg_store_queue_json(struct pg_store *store, size_t limit,
			struct pg_buf *out, struct pg_err *err)
{
	json_t *root = json_pack("{s:[], s:[]}", "events", "dead_letters");
	int result = -1;

	pthread_mutex_lock(&store->lock);
	if (rows_json(store,
		      "SELECT id, request_id, function, status, worker,"
		      " attempts, received_at, finished_at, last_error,"
		      " CAST(payload AS TEXT) AS payload,"
		      " CAST(result AS TEXT) AS result"
		      " FROM events ORDER BY id DESC LIMIT ?1",
		      limit, json_object_get(root, "events"), err) < 0 ||
	    rows_json(store,
		      "SELECT id, event_id, request_id, function, attempts,"
		      " received_at, failed_at, last_error,"
		      " CAST(payload AS TEXT) AS payload"
		      " FROM dead_letters ORDER BY id DESC LIMIT ?1",
		      limit, json_object_get(root, "dead_letters"), err) < 0)
		goto out;
	result = dump_json(root, out, err);
out:
	pthread_mutex_unlock(&store->lock);
	json_decref(root);
	return result;
}

int pg_store_inbox_add(struct pg_store *store,
		       const struct pg_pushover_message *msg,
		       const char *request_id, int64_t now_ms,
		       struct pg_err *err)
{
	sqlite3_stmt *stmt = NULL;
	int result = -1;

	pthread_mutex_lock(&store->lock);
	stmt = prepare(store,
		       "INSERT INTO inbox (received_at, request, title, message,"
		       " url, url_title, priority, sound)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		       err);
	if (!stmt)
		goto out;
	sqlite3_bind_int64(stmt, 1, now_ms);
	sqlite3_bind_text(stmt, 2, request_id, -1, SQLITE_STATIC);
	bind_text_or_null(stmt, 3, msg->title);
	bind_text_or_null(stmt, 4, msg->message ? msg->message : "");
	bind_text_or_null(stmt, 5, msg->url);
	bind_text_or_null(stmt, 6, msg->url_title);
	sqlite3_bind_int(stmt, 7, msg->priority);
	bind_text_or_null(stmt, 8, msg->sound);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		db_error(store, err, "inbox insert");
		goto out;
	}
	result = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->lock);
	return result;
}

int pg_store_inbox_json(struct pg_store *store, size_t limit,
			struct pg_buf *out, struct pg_err *err)
{
	json_t *root = json_pack("{s:[]}", "messages");
	int result = -1;

	pthread_mutex_lock(&store->lock);
	if (rows_json(store,
		      "SELECT id, request, received_at, title, message, url,"
		      " url_title, priority, sound FROM inbox"
		      " ORDER BY id DESC LIMIT ?1",
		      limit, json_object_get(root, "messages"), err) < 0)
		goto out;
	result = dump_json(root, out, err);
out:
	pthread_mutex_unlock(&store->lock);
	json_decref(root);
	return result;
}
