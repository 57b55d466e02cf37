/* The notification event: parsing and checks that do not depend on a
 * channel. */
#include "channels/channels.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

/* Pushover's bounds for an emergency-priority notification. */
#define RETRY_MIN_S 30
#define EXPIRE_MAX_S 10800

void pg_notification_init(struct pg_notification *notification)
{
	memset(notification, 0, sizeof(*notification));
}

void pg_notification_release(struct pg_notification *notification)
{
	if (!notification)
		return;
	free(notification->title);
	free(notification->message);
	free(notification->url);
	free(notification->url_title);
	free(notification->sound);
	pg_notification_init(notification);
}

/* Copies the string member name of event into *out; an absent, null or
 * empty member leaves *out NULL. Returns -1 with err for any other type or a
 * string with a NUL character in it. */
static int copy_text(json_t *event, const char *name, char **out, struct pg_err *err)
{
	json_t *value = json_object_get(event, name);
	size_t len;

	*out = NULL;
	if (!value || json_is_null(value))
		return 0;
	if (!json_is_string(value)) {
		pg_err_set(err, "%s: expected a string", name);
		return -1;
	}
	len = json_string_length(value);
	if (memchr(json_string_value(value), '\0', len)) {
		pg_err_set(err, "%s: contains a NUL character", name);
		return -1;
	}
	if (len > 0)
		*out = pg_strndup(json_string_value(value), len);
	return 0;
}

/* Reads the integer member name into *out; absent or null leaves *present
 * false. */
static int read_int(json_t *event, const char *name, json_int_t min, json_int_t max,
		    int *out, bool *present, struct pg_err *err)
{
	json_t *value = json_object_get(event, name);

	*present = false;
	if (!value || json_is_null(value))
		return 0;
	if (!json_is_integer(value) || json_integer_value(value) < min ||
	    json_integer_value(value) > max) {
		pg_err_set(err, "%s: expected an integer from %lld to %lld", name, (long long)min,
			   (long long)max);
		return -1;
	}
	*out = (int)json_integer_value(value);
	*present = true;
	return 0;
}

static int read_priority(json_t *event, struct pg_notification *notification,
			 struct pg_err *err)
{
	bool has_priority;
	bool has_retry;
	bool has_expire;

	if (read_int(event, "priority", -2, 2, &notification->priority, &has_priority, err) ||
	    read_int(event, "retry", RETRY_MIN_S, EXPIRE_MAX_S, &notification->retry_s, &has_retry,
		     err) ||
	    read_int(event, "expire", 1, EXPIRE_MAX_S, &notification->expire_s, &has_expire, err))
		return -1;
	if (notification->priority != 2) {
		/* Pushover ignores both outside emergency priority. */
		notification->retry_s = 0;
		notification->expire_s = 0;
		return 0;
	}
	if (!has_retry) {
		pg_err_set(err, "retry: missing (priority 2 needs retry and expire)");
		return -1;
	}
	if (!has_expire) {
		pg_err_set(err, "expire: missing (priority 2 needs retry and expire)");
		return -1;
	}
	return 0;
}

int pg_notification_parse(const char *json, size_t len, struct pg_notification *notification,
			  struct pg_err *err)
{
	json_error_t json_err;
	/* NUL characters are let through so that the check below can name the
	 * field that contains one. */
	json_t *event = json_loadb(json, len, JSON_ALLOW_NUL, &json_err);
	json_t *message;
	int rc = -1;

	if (!event) {
		pg_err_set(err, "event: invalid JSON at line %d, column %d: %s", json_err.line,
			   json_err.column, json_err.text);
		goto out;
	}
	if (!json_is_object(event)) {
		pg_err_set(err, "event: expected a JSON object");
		goto out;
	}

	/* "message" wins over the old name "payload" whenever it is given. */
	message = json_object_get(event, "message");
	if (message && !json_is_null(message)) {
		if (copy_text(event, "message", &notification->message, err))
			goto out;
	} else if (copy_text(event, "payload", &notification->message, err)) {
		goto out;
	}
	if (!notification->message) {
		pg_err_set(err, "message: missing");
		goto out;
	}
	if (copy_text(event, "title", &notification->title, err) ||
	    copy_text(event, "url", &notification->url, err) ||
	    copy_text(event, "url_title", &notification->url_title, err) ||
	    copy_text(event, "sound", &notification->sound, err) ||
	    read_priority(event, notification, err))
		goto out;
	rc = 0;

out:
	if (rc)
		pg_notification_release(notification);
	json_decref(event);
	return rc;
}
