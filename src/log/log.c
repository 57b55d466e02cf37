#include "log/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {
	"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL",
};

static enum pg_log_level min_level = PG_LOG_INFO;
static bool json_format;
static bool initialised;
static char request_id[128];

static enum pg_log_level parse_level(const char *s, enum pg_log_level fallback)
{
	if (!s || !*s)
		return fallback;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcasecmp(s, level_names[i]))
			return (enum pg_log_level)i;
	if (!strcasecmp(s, "WARNING"))
		return PG_LOG_WARN;
	if (!strcasecmp(s, "CRITICAL"))
		return PG_LOG_FATAL;
	return fallback;
}

void pg_log_init(void)
{
	const char *level = getenv("LAMBDA_FUNCTIONS_LOG_LEVEL");
	const char *format = getenv("AWS_LAMBDA_LOG_FORMAT");

	if (!level || !*level)
		level = getenv("AWS_LAMBDA_LOG_LEVEL");
	min_level = parse_level(level, PG_LOG_INFO);
	json_format = format && !strcasecmp(format, "JSON");
	initialised = true;
}

void pg_log_set_request_id(const char *id)
{
	if (!id) {
		request_id[0] = '\0';
		return;
	}
	snprintf(request_id, sizeof(request_id), "%s", id);
}

bool pg_log_enabled(enum pg_log_level level)
{
	if (!initialised)
		pg_log_init();
	return level >= min_level;
}

/* Appends s to dst as JSON string content; stops at the end of dst. */
static size_t append_json_escaped(char *dst, size_t pos, size_t cap,
				  const char *s)
{
	for (; *s && pos + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			dst[pos++] = '\\';
			dst[pos++] = (char)c;
		} else if (c < 0x20) {
			pos += (size_t)snprintf(dst + pos, cap - pos, "\\u%04x", c);
		} else {
			dst[pos++] = (char)c;
		}
	}
	return pos;
}

void pg_log_write(enum pg_log_level level, const char *fmt, ...)
{
	char message[PG_LOG_LINE_MAX];
	char line[PG_LOG_LINE_MAX + 512];
	char stamp[64];
	struct timespec now;
	struct tm tm;
	va_list ap;
	size_t pos;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long)(now.tv_nsec / 1000000) % 1000);

	if (json_format) {
		pos = (size_t)snprintf(line, sizeof(line),
				       "{\"timestamp\":\"%s\",\"level\":\"%s\",\"message\":\"",
				       stamp, level_names[level]);
		pos = append_json_escaped(line, pos, sizeof(line) - 40, message);
		if (request_id[0]) {
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
						"\",\"requestId\":\"");
			pos = append_json_escaped(line, pos, sizeof(line) - 8,
						  request_id);
		}
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "\"}\n");
	} else {
		/* One record a line: a newline inside the message would split it. */
		for (char *p = message; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		pos = (size_t)snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\n",
				       stamp, request_id[0] ? request_id : "-",
				       level_names[level], message);
	}
	if (pos > sizeof(line) - 1)
		pos = sizeof(line) - 1;
	/* A failed log write has nowhere else to be reported. */
	if (write(STDERR_FILENO, line, pos) < 0)
		return;
}
