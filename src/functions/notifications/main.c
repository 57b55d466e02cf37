/* The notifications function: delivers each event through Pushover.
 *
 * Settings: PUSHOVER_TOKEN and PUSHOVER_USERKEY (required), PUSHOVER_API_URL
 * (default https://api.pushover.net/1/messages.json). Returns
 * {"status":"sent","channel":"pushover","request":"<Pushover request id>"},
 * or fails the invocation with an errorType such as "Pushover.Rejected" so
 * that Lambda's retries and failure destinations apply. */
#include <stdio.h>

#include "channels/channels.h"
#include "log/log.h"
#include "runtime/runtime.h"

static struct pg_pushover_config pushover;
static struct pg_channel channel;

/* Logs the changes made to fit the notification and the outcome of the
 * delivery. struct pg_delivery contains no secret, so none is logged. */
static void log_delivery(const struct pg_delivery *delivery)
{
	if (delivery->url_dropped)
		pg_log_warn("url: longer than %d characters, sent without it",
			    PG_PUSHOVER_URL_MAX_CHARS);
	if (delivery->message_cut)
		pg_log_info("message: cut to %d characters", PG_PUSHOVER_MESSAGE_MAX_CHARS);
	if (delivery->title_cut)
		pg_log_info("title: cut to %d characters", PG_PUSHOVER_TITLE_MAX_CHARS);
	if (delivery->url_title_cut)
		pg_log_info("url_title: cut to %d characters", PG_PUSHOVER_URL_TITLE_MAX_CHARS);
	if (delivery->limit_reset[0])
		pg_log_warn("Pushover message limit reached; it resets at Unix time %s",
			    delivery->limit_reset);
	if (delivery->attempts > 1)
		pg_log_warn("Pushover needed %d attempts (last response: HTTP %ld)",
			    delivery->attempts, delivery->http_status);
}

static int handle(const char *payload, size_t payload_len, const struct pg_context *ctx,
		  struct pg_buf *response, struct pg_invocation_error *error, void *user_data)
{
	struct pg_delivery delivery;
	struct pg_err err = { { 0 } };
	char error_type[sizeof(error->type)];
	int rc;

	(void)user_data;
	rc = pg_notify_handle(&channel, payload, payload_len, pg_context_remaining_ms(ctx),
			      response, &delivery, error_type, sizeof(error_type), &err);
	log_delivery(&delivery);
	if (rc) {
		/* The runtime logs the failure with this type and message. */
		snprintf(error->type, sizeof(error->type), "%s", error_type);
		snprintf(error->message, sizeof(error->message), "%s", err.msg);
		return -1;
	}
	pg_log_info("notification sent through %s: request %s", channel.name, delivery.request_id);
	return 0;
}

int main(void)
{
	struct pg_err err = { { 0 } };
	int rc;

	pg_log_init();
	if (pg_pushover_config_from_env(&pushover, &err)) {
		pg_log_error("configuration: %s", err.msg);
		pg_runtime_init_error("Pushover.Configuration", err.msg);
		pg_pushover_config_release(&pushover);
		return 1;
	}
	pg_pushover_channel_init(&channel, &pushover);
	rc = pg_runtime_run(handle, NULL);
	pg_pushover_cleanup();
	pg_pushover_config_release(&pushover);
	return rc;
}
