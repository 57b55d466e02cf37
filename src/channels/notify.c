/* The notifications function's work for one event: parse, deliver, respond. */
#include "channels/channels.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pg_channel_status_name(enum pg_channel_status status)
{
	switch (status) {
#define PG_CHANNEL_NAME(name, text) \
	case name:                  \
		return text;
		PG_CHANNEL_STATUS_TABLE(PG_CHANNEL_NAME)
#undef PG_CHANNEL_NAME
	}
	return "Unknown";
}

void pg_delivery_init(struct pg_delivery *delivery)
{
	memset(delivery, 0, sizeof(*delivery));
}

static int append_sent(const struct pg_channel *channel, const struct pg_delivery *delivery,
		       struct pg_buf *response, struct pg_err *err)
{
	json_t *answer = json_pack("{s:s, s:s, s:s}", "status", "sent", "channel", channel->name,
				   "request", delivery->request_id);
	char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
	int rc = -1;

	if (!text) {
		pg_err_set(err, "response: could not encode the JSON answer");
		goto out;
	}
	if (pg_buf_append_str(response, text)) {
		pg_err_set(err, "response: longer than %zu bytes", response->max_bytes);
		goto out;
	}
	rc = 0;

out:
	free(text);
	json_decref(answer);
	return rc;
}

int pg_notify_handle(const struct pg_channel *channel, const char *event, size_t event_len,
		     int64_t remaining_ms, struct pg_buf *response, struct pg_delivery *delivery,
		     char *error_type, size_t error_type_size, struct pg_err *err)
{
	struct pg_notification notification;
	enum pg_channel_status status;
	int rc = -1;

	pg_notification_init(&notification);
	pg_delivery_init(delivery);
	error_type[0] = '\0';

	if (pg_notification_parse(event, event_len, &notification, err)) {
		snprintf(error_type, error_type_size, "%s",
			 pg_channel_status_name(PG_CHANNEL_INVALID));
		goto out;
	}
	status = channel->send(channel, &notification, remaining_ms, delivery, err);
	if (status == PG_CHANNEL_INVALID) {
		snprintf(error_type, error_type_size, "%s", pg_channel_status_name(status));
		goto out;
	}
	if (status != PG_CHANNEL_SENT) {
		snprintf(error_type, error_type_size, "%s.%s", channel->error_prefix,
			 pg_channel_status_name(status));
		goto out;
	}
	if (append_sent(channel, delivery, response, err)) {
		snprintf(error_type, error_type_size, "%s.Response", channel->error_prefix);
		goto out;
	}
	rc = 0;

out:
	pg_notification_release(&notification);
	return rc;
}
