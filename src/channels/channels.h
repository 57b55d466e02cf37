/* Delivery channels for notifications, Pushover first.
 *
 * A notification event is parsed once into struct pg_notification. A channel
 * (struct pg_channel) delivers it and reports a pg_channel_status plus a
 * sentence in the caller's struct pg_err. pg_notify_handle ties both together
 * for the notifications function.
 *
 * Pushover (https://pushover.net/api) limits, counted in Unicode characters:
 * message 1024, title 250, url 512, url_title 100. Longer text is cut at a
 * character boundary so that it fits; a cut message, title or url_title
 * ends with "…" (U+2026) inside the limit. A url longer than 512 characters
 * is left out entirely, because a cut URL points somewhere else; struct
 * pg_delivery records each of these changes so the caller can log them.
 *
 * Nothing here logs. Error messages never contain the Pushover token or user
 * key. */
#ifndef PG_CHANNELS_H
#define PG_CHANNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/* Outcome of a delivery, with the part of the errorType after the channel's
 * prefix (or the whole errorType for PG_CHANNEL_INVALID). */
#define PG_CHANNEL_STATUS_TABLE(X)                                        \
	X(PG_CHANNEL_SENT, "Sent")                                        \
	X(PG_CHANNEL_INVALID, "Notification.Invalid") /* bad event */     \
	X(PG_CHANNEL_CONFIG, "Configuration") /* credentials, URL */      \
	X(PG_CHANNEL_REJECTED, "Rejected") /* 3xx, 4xx or status != 1 */ \
	X(PG_CHANNEL_UNAVAILABLE, "Unavailable") /* 5xx, no connection */

enum pg_channel_status {
#define PG_CHANNEL_ENUM(name, text) name,
	PG_CHANNEL_STATUS_TABLE(PG_CHANNEL_ENUM)
#undef PG_CHANNEL_ENUM
};

/* Returns the errorType text of status, e.g. "Rejected". */
const char *pg_channel_status_name(enum pg_channel_status status);

/* One notification. Every string is owned (free with
 * pg_notification_release) and NULL when absent; message is never NULL after
 * a successful parse. */
struct pg_notification {
	char *title;
	char *message;
	char *url;
	char *url_title;
	char *sound;
	int priority; /* -2 to 2, default 0 */
	int retry_s;  /* priority 2 only: seconds between repeats, >= 30 */
	int expire_s; /* priority 2 only: seconds of repeats, 1 to 10800 */
};

void pg_notification_init(struct pg_notification *notification);
void pg_notification_release(struct pg_notification *notification);

/* Parses an event {"title", "message", "url", "url_title", "priority",
 * "sound", "retry", "expire"}; "payload" is accepted as an old name for
 * "message", which wins when both are present. Other members are ignored,
 * and a member set to null counts as absent. Returns 0, or -1 with err naming
 * the field ("message: missing", "priority: expected an integer from -2 to
 * 2"). notification must be initialised; on failure it contains nothing. */
__attribute__((warn_unused_result))
int pg_notification_parse(const char *json, size_t len,
			  struct pg_notification *notification,
			  struct pg_err *err);

/* The record of one delivery, for the caller's log and response. */
struct pg_delivery {
	char request_id[80];  /* the channel's id of the accepted message */
	int attempts;         /* requests sent */
	long http_status;     /* of the last response; 0 when none came */
	char limit_reset[24]; /* Pushover's X-Limit-App-Reset (Unix time), or "" */
	bool message_cut;
	bool title_cut;
	bool url_title_cut;
	bool url_dropped;
};

void pg_delivery_init(struct pg_delivery *delivery);

struct pg_channel;

/* Delivers notification. remaining_ms is the time left for the whole
 * delivery (INT64_MAX when unknown); retries stop when it runs out. */
typedef enum pg_channel_status (*pg_channel_send_fn)(
	const struct pg_channel *channel,
	const struct pg_notification *notification, int64_t remaining_ms,
	struct pg_delivery *delivery, struct pg_err *err);

struct pg_channel {
	const char *name;         /* "pushover", as reported in responses */
	const char *error_prefix; /* "Pushover", as in "Pushover.Rejected" */
	pg_channel_send_fn send;
	void *settings; /* borrowed, e.g. a struct pg_pushover_config */
};

/* ---- Pushover ---------------------------------------------------------- */

#define PG_PUSHOVER_API_URL "https://api.pushover.net/1/messages.json"
#define PG_PUSHOVER_MESSAGE_MAX_CHARS 1024
#define PG_PUSHOVER_TITLE_MAX_CHARS 250
#define PG_PUSHOVER_URL_MAX_CHARS 512
#define PG_PUSHOVER_URL_TITLE_MAX_CHARS 100
/* Pushover's API documentation requests no retry sooner than 5 s after the
 * previous request. */
#define PG_PUSHOVER_RETRY_SPACING_MS 5000L
#define PG_PUSHOVER_MAX_ATTEMPTS 5
#define PG_PUSHOVER_CONNECT_TIMEOUT_MS 5000L
#define PG_PUSHOVER_REQUEST_TIMEOUT_MS 10000L
/* Time kept back from the deadline for reporting the outcome. */
#define PG_PUSHOVER_DEADLINE_RESERVE_MS 500L

/* Settings of the Pushover channel. Strings are owned; release with
 * pg_pushover_config_release. */
struct pg_pushover_config {
	char *token;    /* PUSHOVER_TOKEN, or "token" of the secret */
	char *user_key; /* PUSHOVER_USERKEY, or "user" of the secret */
	char *api_url;  /* PUSHOVER_API_URL, default PG_PUSHOVER_API_URL */
	/* PUSHOVER_SECRET_PARAMETER (an SSM parameter name or ARN) or
	 * PUSHOVER_SECRET_ARN (a Secrets Manager secret name or ARN); at most
	 * one is set. While one is set, token and user_key come from it and
	 * PUSHOVER_TOKEN and PUSHOVER_USERKEY are ignored. */
	char *secret_parameter;
	char *secret_arn;
	/* The variable that named the secret the credentials came from, used
	 * in errors; NULL for PUSHOVER_TOKEN and PUSHOVER_USERKEY. Static. */
	const char *credentials_source;
	long retry_spacing_ms; /* from the start of one request to the next */
	int max_attempts;
	long connect_timeout_ms;
	long request_timeout_ms; /* one request, capped by the deadline */
};

/* Fills config from the environment and checks it with
 * pg_pushover_config_check. When PUSHOVER_SECRET_PARAMETER or
 * PUSHOVER_SECRET_ARN is set, the credentials are left out and only the API
 * URL is checked: the caller reads the secret and passes it to
 * pg_pushover_credentials_parse. Returns 0, or -1 with err naming the
 * variable (never its value); config is filled either way and must be
 * released. */
__attribute__((warn_unused_result))
int pg_pushover_config_from_env(struct pg_pushover_config *config,
				struct pg_err *err);
void pg_pushover_config_release(struct pg_pushover_config *config);

/* Returns the variable that names the credentials' secret,
 * "PUSHOVER_SECRET_PARAMETER" or "PUSHOVER_SECRET_ARN", or NULL when the
 * credentials come from PUSHOVER_TOKEN and PUSHOVER_USERKEY. */
const char *pg_pushover_secret_variable(const struct pg_pushover_config *config);

/* Parses a secret {"token": "<application token>", "user": "<user key>"}
 * (other members are ignored) into config's token and user_key, replacing
 * them, and records source, the variable that named the secret, for later
 * errors. Returns 0, or -1 with err naming source and the member, never a
 * value or the secret's text. The credentials are checked by
 * pg_pushover_config_check. */
__attribute__((warn_unused_result))
int pg_pushover_credentials_parse(const char *json, size_t len,
				  const char *source,
				  struct pg_pushover_config *config,
				  struct pg_err *err);

/* Checks that the token and user key are set and, as Pushover documents
 * them, 30 characters of [A-Za-z0-9], and that the API URL is http(s).
 * Returns 0, or -1 with err naming the variable, or the secret's variable
 * and member ("PUSHOVER_SECRET_ARN: \"token\": ..."). */
__attribute__((warn_unused_result))
int pg_pushover_config_check(const struct pg_pushover_config *config,
			     struct pg_err *err);

/* Returns a copy of text (free with free()) holding at most max_chars
 * characters: longer text is cut at a character boundary and, when
 * ellipsis is set, ends with "…" within the limit. *cut is set when text was
 * cut. text must be valid UTF-8. */
char *pg_pushover_fit(const char *text, size_t max_chars, bool ellipsis,
		      bool *cut);

/* Appends the form body for notification (token, user, message and the set
 * optional fields, fitted to Pushover's limits) to form and records cuts in
 * delivery. Returns 0, or -1 when form's maximum would be passed. */
__attribute__((warn_unused_result))
int pg_pushover_form(const struct pg_pushover_config *config,
		     const struct pg_notification *notification,
		     struct pg_buf *form, struct pg_delivery *delivery);

/* Reads Pushover's response to one request: status 200 with a JSON status of
 * 1 and a "request" id is PG_CHANNEL_SENT (the id goes to delivery); a 4xx,
 * or a status other than 1, is PG_CHANNEL_REJECTED with Pushover's "errors"
 * in err, or "HTTP <status>" when the body is not JSON; a 3xx is
 * PG_CHANNEL_REJECTED too, because the redirect is never followed; 5xx and
 * any other status are PG_CHANNEL_UNAVAILABLE. The status is checked before
 * the body, which may be HTML. */
enum pg_channel_status pg_pushover_reply(long http_status, const char *body,
					 size_t body_len,
					 struct pg_delivery *delivery,
					 struct pg_err *err);

/* Sends notification to Pushover. The settings are checked first, so invalid
 * credentials send no request. A 5xx or a failed connection is retried no
 * sooner than retry_spacing_ms after the previous request started, with at
 * most max_attempts requests in all. A retry starts only when the time left
 * (remaining_ms less PG_PUSHOVER_DEADLINE_RESERVE_MS) is at least
 * request_timeout_ms or 1 s, whichever is less. One keep-alive connection,
 * made by the first call, serves all calls, so this is not thread-safe. */
enum pg_channel_status pg_pushover_send(const struct pg_pushover_config *config,
					const struct pg_notification *notification,
					int64_t remaining_ms,
					struct pg_delivery *delivery,
					struct pg_err *err);

/* Sets channel up as the Pushover channel; config is borrowed and must
 * outlive channel. */
void pg_pushover_channel_init(struct pg_channel *channel,
			      struct pg_pushover_config *config);

/* Frees the connection kept for Pushover. */
void pg_pushover_cleanup(void);

/* ---- notifications function -------------------------------------------- */

/* Handles one notification event: parses it, delivers it through channel
 * and appends {"status":"sent","channel":"<name>","request":"<id>"} to
 * response. On failure returns -1, writes the errorType (e.g.
 * "Pushover.Rejected", "Notification.Invalid") into error_type and the cause
 * into err. delivery is filled for logging either way. */
__attribute__((warn_unused_result))
int pg_notify_handle(const struct pg_channel *channel, const char *event,
		     size_t event_len, int64_t remaining_ms,
		     struct pg_buf *response, struct pg_delivery *delivery,
		     char *error_type, size_t error_type_size,
		     struct pg_err *err);

#endif
