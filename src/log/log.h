/* Levelled logs in the formats Lambda uses, written to stderr.
 *
 * Text format: "<ISO-8601 time>\t<request id>\t<LEVEL>\t<message>".
 * JSON format (AWS_LAMBDA_LOG_FORMAT=JSON): one object a line with
 * "timestamp", "level", "message" and "requestId".
 * The level comes from LAMBDA_FUNCTIONS_LOG_LEVEL, else AWS_LAMBDA_LOG_LEVEL,
 * else INFO. Each line is formatted into a fixed stack buffer and cut at
 * PG_LOG_LINE_MAX bytes, so logging never allocates and never fails.
 * Callers never pass secrets: the layers below keep them out of messages. */
#ifndef PG_LOG_H
#define PG_LOG_H

#include <stdbool.h>

#define PG_LOG_LINE_MAX 4096

enum pg_log_level {
	PG_LOG_TRACE,
	PG_LOG_DEBUG,
	PG_LOG_INFO,
	PG_LOG_WARN,
	PG_LOG_ERROR,
	PG_LOG_FATAL,
};

/* Reads the level and format from the environment; safe to call again. */
void pg_log_init(void);
/* Sets the request id named in each line; NULL for none. The string is
 * copied. */
void pg_log_set_request_id(const char *request_id);
bool pg_log_enabled(enum pg_log_level level);
void pg_log_write(enum pg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The level is checked before the arguments are evaluated. */
#define pg_log(level, ...)                              \
	do {                                            \
		if (pg_log_enabled(level))              \
			pg_log_write(level, __VA_ARGS__); \
	} while (0)
#define pg_log_debug(...) pg_log(PG_LOG_DEBUG, __VA_ARGS__)
#define pg_log_info(...) pg_log(PG_LOG_INFO, __VA_ARGS__)
#define pg_log_warn(...) pg_log(PG_LOG_WARN, __VA_ARGS__)
#define pg_log_error(...) pg_log(PG_LOG_ERROR, __VA_ARGS__)

#endif
