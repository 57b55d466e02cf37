/* The notifications function: delivers each event through Pushover.
 *
 * Settings: the Pushover credentials, either PUSHOVER_TOKEN and
 * PUSHOVER_USERKEY, or a secret {"token": "...", "user": "..."} named by
 * PUSHOVER_SECRET_PARAMETER (an SSM SecureString parameter) or
 * PUSHOVER_SECRET_ARN (a Secrets Manager secret), read once at init; and
 * PUSHOVER_API_URL (default https://api.pushover.net/1/messages.json).
 * Returns {"status":"sent","channel":"pushover","request":"<Pushover request
 * id>"}, or fails the invocation with an errorType such as
 * "Pushover.Rejected" so that Lambda's retries and failure destinations
 * apply. */
#include <stdio.h>
#include <string.h>

#include "aws/aws.h"
#include "channels/channels.h"
#include "log/log.h"
#include "runtime/runtime.h"

/* Lambda ends an init phase that takes longer than 10 s, so the secret must
 * arrive well before that. */
#define SECRET_CONNECT_TIMEOUT_MS 2000L
#define SECRET_TIMEOUT_MS 5000L

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

/* Reads the Pushover credentials from the SSM parameter or the Secrets
 * Manager secret named by variable, with the function role's credentials. */
static int read_credentials(const char *variable, struct pg_err *err)
{
	struct pg_aws_config aws;
	struct pg_buf secret;
	struct pg_err cause = { { 0 } };
	bool from_ssm = !strcmp(variable, "PUSHOVER_SECRET_PARAMETER");
	int rc = -1;

	pg_buf_init(&secret, PG_AWS_MAX_SECRET_BYTES);
	if (pg_aws_config_from_env(&aws, &cause))
		goto out;
	aws.connect_timeout_ms = SECRET_CONNECT_TIMEOUT_MS;
	aws.timeout_ms = SECRET_TIMEOUT_MS;
	if (from_ssm ? pg_ssm_get_parameter(&aws, pushover.secret_parameter, &secret, &cause)
		     : pg_secretsmanager_get_secret_value(&aws, pushover.secret_arn, &secret, &cause))
		goto out;
	if (pg_pushover_credentials_parse(secret.data, secret.len, variable, &pushover, err) ||
	    pg_pushover_config_check(&pushover, err))
		goto out;
	pg_log_info("Pushover credentials read from %s %s",
		    from_ssm ? "SSM parameter" : "Secrets Manager secret",
		    from_ssm ? pushover.secret_parameter : pushover.secret_arn);
	rc = 0;

out:
	if (cause.msg[0])
		pg_err_set(err, "%s: %s", variable, cause.msg);
	if (secret.data)
		explicit_bzero(secret.data, secret.len);
	pg_buf_release(&secret);
	pg_aws_config_release(&aws);
	/* The connection to SSM or Secrets Manager is not needed again. */
	pg_aws_cleanup();
	return rc;
}

int main(void)
{
	struct pg_err err = { { 0 } };
	const char *secret_variable;
	int rc = 1;

	pg_log_init();
	if (pg_pushover_config_from_env(&pushover, &err))
		goto init_failed;
	secret_variable = pg_pushover_secret_variable(&pushover);
	if (secret_variable && read_credentials(secret_variable, &err))
		goto init_failed;

	pg_pushover_channel_init(&channel, &pushover);
	rc = pg_runtime_run(handle, NULL);
	pg_pushover_cleanup();
	pg_pushover_config_release(&pushover);
	return rc;

init_failed:
	/* err names the variable and the cause, never a credential. */
	pg_log_error("configuration: %s", err.msg);
	pg_runtime_init_error("Pushover.Configuration", err.msg);
	pg_pushover_config_release(&pushover);
	return rc;
}
