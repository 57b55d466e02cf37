/* The Pushover channel: settings, the message form, the response and the
 * retry policy that Pushover's API documentation requests. */
#include "channels/channels.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/curl_lazy.h"
#include "common/text.h"

#define CREDENTIAL_CHARS 30
/* Pushover's responses are a few hundred bytes, so more is dropped. */
#define REPLY_MAX_BYTES (64u * 1024)
/* The form contains at most a few kilobytes of fitted text, escaped. */
#define FORM_MAX_BYTES (64u * 1024)
/* A request is only worth starting with at least this much time left. */
#define MIN_REQUEST_MS 1000L
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one character, three bytes */

struct pushover_call {
	struct pg_buf body;
	struct pg_delivery *delivery;
};

static CURL *pushover_curl;
static const struct pg_curl *curl;
static char curl_error[CURL_ERROR_SIZE];

/* ---- settings ---------------------------------------------------------- */

static int check_api_url(const struct pg_pushover_config *config, struct pg_err *err);
static void free_secret(char *secret);

static char *env_copy(const char *name)
{
	const char *value = getenv(name);

	return value && *value ? pg_strdup(value) : NULL;
}

int pg_pushover_config_from_env(struct pg_pushover_config *config, struct pg_err *err)
{
	memset(config, 0, sizeof(*config));
	config->secret_parameter = env_copy("PUSHOVER_SECRET_PARAMETER");
	config->secret_arn = env_copy("PUSHOVER_SECRET_ARN");
	if (!config->secret_parameter && !config->secret_arn) {
		config->token = env_copy("PUSHOVER_TOKEN");
		config->user_key = env_copy("PUSHOVER_USERKEY");
	}
	config->api_url = env_copy("PUSHOVER_API_URL");
	if (!config->api_url)
		config->api_url = pg_strdup(PG_PUSHOVER_API_URL);
	config->retry_spacing_ms = PG_PUSHOVER_RETRY_SPACING_MS;
	config->max_attempts = PG_PUSHOVER_MAX_ATTEMPTS;
	config->connect_timeout_ms = PG_PUSHOVER_CONNECT_TIMEOUT_MS;
	config->request_timeout_ms = PG_PUSHOVER_REQUEST_TIMEOUT_MS;

	if (config->secret_parameter && config->secret_arn) {
		pg_err_set(err, "PUSHOVER_SECRET_PARAMETER and PUSHOVER_SECRET_ARN are both set; set only one");
		return -1;
	}
	if (config->secret_parameter || config->secret_arn)
		return check_api_url(config, err);
	return pg_pushover_config_check(config, err);
}

const char *pg_pushover_secret_variable(const struct pg_pushover_config *config)
{
	if (config->secret_parameter)
		return "PUSHOVER_SECRET_PARAMETER";
	if (config->secret_arn)
		return "PUSHOVER_SECRET_ARN";
	return NULL;
}

int pg_pushover_credentials_parse(const char *json, size_t len, const char *source,
				  struct pg_pushover_config *config, struct pg_err *err)
{
	static const char expected[] = "expected a JSON object {\"token\": \"...\", \"user\": \"...\"}";
	json_error_t error;
	json_t *root;
	json_t *token;
	json_t *user;
	int rc = -1;

	/* jansson's error text can quote the input, which is the secret, so
	 * only the position is reported. */
	root = json_loadb(json ? json : "", len, 0, &error);
	if (!root) {
		pg_err_set(err, "%s: the secret is not valid JSON (line %d, column %d); %s", source,
			   error.line, error.column, expected);
		return -1;
	}
	if (!json_is_object(root)) {
		pg_err_set(err, "%s: %s", source, expected);
		goto out;
	}
	token = json_object_get(root, "token");
	user = json_object_get(root, "user");
	if (!json_is_string(token)) {
		pg_err_set(err, "%s: \"token\": %s", source,
			   token ? "expected a string" : "missing");
		goto out;
	}
	if (!json_is_string(user)) {
		pg_err_set(err, "%s: \"user\": %s", source, user ? "expected a string" : "missing");
		goto out;
	}

	free_secret(config->token);
	free_secret(config->user_key);
	config->token = pg_strndup(json_string_value(token), json_string_length(token));
	config->user_key = pg_strndup(json_string_value(user), json_string_length(user));
	config->credentials_source = source;
	rc = 0;

out:
	json_decref(root);
	return rc;
}

static void free_secret(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

void pg_pushover_config_release(struct pg_pushover_config *config)
{
	if (!config)
		return;
	free_secret(config->token);
	free_secret(config->user_key);
	free(config->api_url);
	free(config->secret_parameter);
	free(config->secret_arn);
	memset(config, 0, sizeof(*config));
}

static int check_credential(const char *name, const char *value, struct pg_err *err)
{
	size_t len = value ? strlen(value) : 0;

	if (len == 0) {
		pg_err_set(err, "%s: missing", name);
		return -1;
	}
	if (len != CREDENTIAL_CHARS) {
		/* Bytes, not characters: a valid credential is ASCII, so
		 * only an invalid one can tell them apart. */
		pg_err_set(err, "%s: expected %d characters from [A-Za-z0-9], got %zu bytes",
			   name, CREDENTIAL_CHARS, len);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = value[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			pg_err_set(err, "%s: expected only the characters [A-Za-z0-9]", name);
			return -1;
		}
	}
	return 0;
}

static int check_api_url(const struct pg_pushover_config *config, struct pg_err *err)
{
	const char *url = config->api_url ? config->api_url : "";

	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
		pg_err_set(err, "PUSHOVER_API_URL: expected an http:// or https:// URL");
		return -1;
	}
	if (strpbrk(url, " \t\r\n")) {
		pg_err_set(err, "PUSHOVER_API_URL: contains white space");
		return -1;
	}
	return 0;
}

int pg_pushover_config_check(const struct pg_pushover_config *config, struct pg_err *err)
{
	char token_name[96];
	char user_name[96];

	if (config->credentials_source) {
		snprintf(token_name, sizeof(token_name), "%s: \"token\"", config->credentials_source);
		snprintf(user_name, sizeof(user_name), "%s: \"user\"", config->credentials_source);
	} else {
		snprintf(token_name, sizeof(token_name), "PUSHOVER_TOKEN");
		snprintf(user_name, sizeof(user_name), "PUSHOVER_USERKEY");
	}
	if (check_credential(token_name, config->token, err) ||
	    check_credential(user_name, config->user_key, err))
		return -1;
	return check_api_url(config, err);
}

/* ---- the form ---------------------------------------------------------- */

char *pg_pushover_fit(const char *text, size_t max_chars, bool ellipsis, bool *cut)
{
	size_t len = strlen(text);
	size_t keep;
	char *fitted;

	*cut = pg_utf8_count(text, len) > max_chars;
	if (!*cut)
		return pg_strdup(text);
	keep = pg_utf8_prefix_bytes(text, len, ellipsis && max_chars > 0 ? max_chars - 1 : max_chars);
	fitted = pg_malloc(keep + sizeof(ELLIPSIS));
	memcpy(fitted, text, keep);
	if (ellipsis && max_chars > 0)
		memcpy(fitted + keep, ELLIPSIS, sizeof(ELLIPSIS));
	else
		fitted[keep] = '\0';
	return fitted;
}

/* Appends "&name=value" (no '&' first) in application/x-www-form-urlencoded
 * form: unreserved bytes stay, space becomes '+', the rest %XX. */
static int append_field(struct pg_buf *form, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	if ((form->len && pg_buf_append(form, "&", 1)) || pg_buf_append_str(form, name) ||
	    pg_buf_append(form, "=", 1))
		return -1;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		char escaped[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			     (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
			     *p == '~';
		int rc;

		if (plain)
			rc = pg_buf_append(form, p, 1);
		else if (*p == ' ')
			rc = pg_buf_append(form, "+", 1);
		else
			rc = pg_buf_append(form, escaped, 3);
		if (rc)
			return -1;
	}
	return 0;
}

static int append_fitted(struct pg_buf *form, const char *name, const char *value,
			 size_t max_chars, bool ellipsis, bool *cut)
{
	char *fitted;
	int rc;

	if (!value)
		return 0;
	fitted = pg_pushover_fit(value, max_chars, ellipsis, cut);
	rc = append_field(form, name, fitted);
	free(fitted);
	return rc;
}

static int append_number(struct pg_buf *form, const char *name, int value)
{
	char text[16];

	snprintf(text, sizeof(text), "%d", value);
	return append_field(form, name, text);
}

int pg_pushover_form(const struct pg_pushover_config *config,
		     const struct pg_notification *notification, struct pg_buf *form,
		     struct pg_delivery *delivery)
{
	if (append_field(form, "token", config->token) ||
	    append_field(form, "user", config->user_key) ||
	    append_fitted(form, "message", notification->message, PG_PUSHOVER_MESSAGE_MAX_CHARS,
			  true, &delivery->message_cut) ||
	    append_fitted(form, "title", notification->title, PG_PUSHOVER_TITLE_MAX_CHARS, true,
			  &delivery->title_cut))
		return -1;

	/* A URL is sent whole or not at all. */
	delivery->url_dropped = notification->url &&
				pg_utf8_count(notification->url, strlen(notification->url)) >
					PG_PUSHOVER_URL_MAX_CHARS;
	if (notification->url && !delivery->url_dropped &&
	    (append_field(form, "url", notification->url) ||
	     append_fitted(form, "url_title", notification->url_title,
			   PG_PUSHOVER_URL_TITLE_MAX_CHARS, true, &delivery->url_title_cut)))
		return -1;

	if (notification->priority && append_number(form, "priority", notification->priority))
		return -1;
	if (notification->priority == 2 &&
	    (append_number(form, "retry", notification->retry_s) ||
	     append_number(form, "expire", notification->expire_s)))
		return -1;
	if (notification->sound && append_field(form, "sound", notification->sound))
		return -1;
	return 0;
}

/* ---- the response ------------------------------------------------------ */

/* Appends text to out, control characters as spaces, while it fits. */
static void append_clean(char *out, size_t size, const char *text)
{
	size_t used = strlen(out);

	for (; *text && used + 1 < size; text++)
		out[used++] = (unsigned char)*text < 0x20 || *text == 0x7f ? ' ' : *text;
	out[used] = '\0';
}

/* Joins the strings of Pushover's "errors" array into out with "; ". */
static void join_errors(json_t *answer, char *out, size_t size)
{
	json_t *errors = json_object_get(answer, "errors");
	size_t i;
	json_t *item;

	out[0] = '\0';
	json_array_foreach(errors, i, item) {
		if (!json_is_string(item))
			continue;
		if (out[0])
			append_clean(out, size, "; ");
		append_clean(out, size, json_string_value(item));
	}
}

static void copy_request_id(json_t *answer, struct pg_delivery *delivery)
{
	const char *id = json_string_value(json_object_get(answer, "request"));

	delivery->request_id[0] = '\0';
	if (id)
		append_clean(delivery->request_id, sizeof(delivery->request_id), id);
}

enum pg_channel_status pg_pushover_reply(long http_status, const char *body, size_t body_len,
					 struct pg_delivery *delivery, struct pg_err *err)
{
	enum pg_channel_status status;
	json_t *answer = NULL;
	json_t *status_value;
	char errors[256];
	char limit[96] = "";

	delivery->http_status = http_status;
	/* The redirect is not followed, because the form carries the token,
	 * and asking again would only get the same answer. */
	if (http_status >= 300 && http_status <= 399) {
		pg_err_set(err, "Pushover rejected the message: HTTP %ld, a redirect, which is not "
				"followed; check PUSHOVER_API_URL",
			   http_status);
		return PG_CHANNEL_REJECTED;
	}
	if (http_status != 200 && (http_status < 400 || http_status > 499)) {
		pg_err_set(err, "Pushover is unavailable: HTTP %ld", http_status);
		return PG_CHANNEL_UNAVAILABLE;
	}

	answer = json_loadb(body ? body : "", body_len, 0, NULL);
	join_errors(answer, errors, sizeof(errors));
	if (http_status == 429 && delivery->limit_reset[0])
		snprintf(limit, sizeof(limit), " (message limit reached until Unix time %s)",
			 delivery->limit_reset);
	if (http_status != 200) {
		pg_err_set(err, "Pushover rejected the message: HTTP %ld%s%s%s", http_status, limit,
			   errors[0] ? ": " : "", errors);
		status = PG_CHANNEL_REJECTED;
		goto out;
	}

	status_value = json_object_get(answer, "status");
	if (!json_is_object(answer) || !json_is_integer(status_value)) {
		pg_err_set(err, "Pushover rejected the message: HTTP 200 without a JSON status");
		status = PG_CHANNEL_REJECTED;
		goto out;
	}
	if (json_integer_value(status_value) != 1) {
		pg_err_set(err, "Pushover rejected the message: status %lld%s%s",
			   (long long)json_integer_value(status_value), errors[0] ? ": " : "",
			   errors);
		status = PG_CHANNEL_REJECTED;
		goto out;
	}
	copy_request_id(answer, delivery);
	if (!delivery->request_id[0]) {
		pg_err_set(err, "Pushover answered status 1 without a request id");
		status = PG_CHANNEL_REJECTED;
		goto out;
	}
	status = PG_CHANNEL_SENT;

out:
	json_decref(answer);
	return status;
}

/* ---- sending ----------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
	struct pushover_call *call = user;
	size_t len = size * count;

	/* Anything past the maximum is dropped; the truncated body then fails
	 * to parse and the status code decides. */
	if (pg_buf_append(&call->body, data, len)) {
		size_t room = call->body.max_bytes - call->body.len;

		if (room && pg_buf_append(&call->body, data, room))
			return 0;
	}
	return len;
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
	static const char name[] = "X-Limit-App-Reset:";
	struct pushover_call *call = user;
	size_t len = size * count;
	char *reset = call->delivery->limit_reset;
	size_t used = 0;

	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		reset[0] = '\0';
		return len;
	}
	if (len < sizeof(name) - 1 || !pg_ascii_nieq(data, name, sizeof(name) - 1))
		return len;
	/* Keep the digits only: the value is a Unix time. */
	for (size_t i = sizeof(name) - 1; i < len && used + 1 < sizeof(call->delivery->limit_reset);
	     i++)
		if (data[i] >= '0' && data[i] <= '9')
			reset[used++] = data[i];
	reset[used] = '\0';
	return len;
}

static CURL *pushover_handle(struct pg_err *err)
{
	if (!pushover_curl) {
		pushover_curl = pg_curl_handle_new("Pushover", curl_error, &curl, err);
		if (!pushover_curl)
			return NULL;
		curl->easy_setopt(pushover_curl, CURLOPT_WRITEFUNCTION, on_body);
		curl->easy_setopt(pushover_curl, CURLOPT_HEADERFUNCTION, on_header);
	}
	return pushover_curl;
}

void pg_pushover_cleanup(void)
{
	if (pushover_curl) {
		curl->easy_cleanup(pushover_curl);
		pushover_curl = NULL;
	}
}

static int64_t monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec wait = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&wait, &wait) && errno == EINTR)
		;
}

/* Sends the form once, with timeout_ms for the whole request. */
static enum pg_channel_status post_once(CURL *handle, const struct pg_pushover_config *config,
					const struct pg_buf *form, long timeout_ms,
					struct pg_delivery *delivery, struct pg_err *err)
{
	struct pushover_call call = { .delivery = delivery };
	long connect_ms = config->connect_timeout_ms < timeout_ms ? config->connect_timeout_ms
								   : timeout_ms;
	enum pg_channel_status status;
	long http_status = 0;
	CURLcode code;

	pg_buf_init(&call.body, REPLY_MAX_BYTES);
	delivery->limit_reset[0] = '\0';
	curl_error[0] = '\0';
	curl->easy_setopt(handle, CURLOPT_URL, config->api_url);
	curl->easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form->len);
	curl->easy_setopt(handle, CURLOPT_POSTFIELDS, form->data);
	curl->easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, connect_ms > 0 ? connect_ms : 1L);
	curl->easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
	curl->easy_setopt(handle, CURLOPT_WRITEDATA, &call);
	curl->easy_setopt(handle, CURLOPT_HEADERDATA, &call);
	code = curl->easy_perform(handle);
	curl->easy_setopt(handle, CURLOPT_POSTFIELDS, NULL);
	delivery->attempts++;

	if (code != CURLE_OK) {
		/* The error buffer can name the URL and the host, never the
		 * POST fields. */
		pg_err_set(err, "Pushover is unavailable: %s%s%s", curl->easy_strerror(code),
			   curl_error[0] ? ": " : "", curl_error);
		delivery->http_status = 0;
		status = PG_CHANNEL_UNAVAILABLE;
		goto out;
	}
	curl->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
	status = pg_pushover_reply(http_status, call.body.data, call.body.len, delivery, err);

out:
	pg_buf_release(&call.body);
	return status;
}

/* Replaces each occurrence of secret in text with "[redacted]". */
static void redact(char *text, const char *secret)
{
	static const char mark[] = "[redacted]";
	size_t secret_len = secret ? strlen(secret) : 0;
	char *hit;

	if (!secret_len)
		return;
	while ((hit = strstr(text, secret))) {
		size_t tail = strlen(hit + secret_len) + 1;

		/* Credentials are 30 characters, so the text only gets shorter. */
		if (secret_len >= sizeof(mark) - 1) {
			memcpy(hit, mark, sizeof(mark) - 1);
			memmove(hit + sizeof(mark) - 1, hit + secret_len, tail);
		} else {
			memset(hit, '*', secret_len);
		}
	}
}

enum pg_channel_status pg_pushover_send(const struct pg_pushover_config *config,
					const struct pg_notification *notification,
					int64_t remaining_ms, struct pg_delivery *delivery,
					struct pg_err *err)
{
	int64_t budget_ms = remaining_ms == INT64_MAX ? INT64_MAX
						      : remaining_ms - PG_PUSHOVER_DEADLINE_RESERVE_MS;
	int max_attempts = config->max_attempts > 0 ? config->max_attempts : 1;
	/* A retry needs time for a whole request, or at least MIN_REQUEST_MS. */
	int64_t room_ms = config->request_timeout_ms < MIN_REQUEST_MS ? config->request_timeout_ms
								      : MIN_REQUEST_MS;
	enum pg_channel_status status = PG_CHANNEL_UNAVAILABLE;
	struct pg_err attempt_err = { { 0 } };
	int64_t started = monotonic_ms();
	struct pg_buf form;
	CURL *handle;

	pg_buf_init(&form, FORM_MAX_BYTES);
	if (pg_pushover_config_check(config, err)) {
		status = PG_CHANNEL_CONFIG;
		goto out;
	}
	if (pg_pushover_form(config, notification, &form, delivery)) {
		pg_err_set(err, "notification: the Pushover form is longer than %u bytes",
			   FORM_MAX_BYTES);
		status = PG_CHANNEL_INVALID;
		goto out;
	}
	if (budget_ms < MIN_REQUEST_MS) {
		pg_err_set(err, "Pushover was not called: the invocation has %lld ms left",
			   (long long)remaining_ms);
		goto out;
	}
	handle = pushover_handle(err);
	if (!handle)
		goto out;

	for (;;) {
		int64_t attempt_started = monotonic_ms();
		int64_t left_ms = budget_ms == INT64_MAX ? INT64_MAX
							 : budget_ms - (attempt_started - started);
		long timeout_ms = left_ms < config->request_timeout_ms ? (long)left_ms
								       : config->request_timeout_ms;
		int64_t next_start;
		int64_t now;

		pg_err_clear(&attempt_err);
		status = post_once(handle, config, &form, timeout_ms, delivery, &attempt_err);
		if (status != PG_CHANNEL_UNAVAILABLE || delivery->attempts >= max_attempts)
			break;

		/* The next request starts after the spacing, or now when this one
		 * took longer, and only when it has room_ms before the deadline. */
		now = monotonic_ms();
		next_start = attempt_started + config->retry_spacing_ms;
		if (next_start < now)
			next_start = now;
		if (budget_ms != INT64_MAX && budget_ms - (next_start - started) < room_ms)
			break;
		sleep_ms(next_start - now);
	}
	if (status == PG_CHANNEL_UNAVAILABLE && delivery->attempts > 1)
		pg_err_set(err, "%s (after %d attempts)", attempt_err.msg, delivery->attempts);
	else if (status != PG_CHANNEL_SENT)
		pg_err_set(err, "%s", attempt_err.msg);

out:
	/* Pushover's text is not expected to quote the credentials, but an
	 * error message must never carry them. */
	if (err) {
		redact(err->msg, config->token);
		redact(err->msg, config->user_key);
	}
	if (form.data)
		explicit_bzero(form.data, form.len);
	pg_buf_release(&form);
	return status;
}

static enum pg_channel_status send_through_pushover(const struct pg_channel *channel,
						    const struct pg_notification *notification,
						    int64_t remaining_ms,
						    struct pg_delivery *delivery,
						    struct pg_err *err)
{
	return pg_pushover_send(channel->settings, notification, remaining_ms, delivery, err);
}

void pg_pushover_channel_init(struct pg_channel *channel, struct pg_pushover_config *config)
{
	channel->name = "pushover";
	channel->error_prefix = "Pushover";
	channel->send = send_through_pushover;
	channel->settings = config;
}
