#include "local/local.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

enum field {
	F_TOKEN,
	F_USER,
	F_MESSAGE,
	F_TITLE,
	F_URL,
	F_URL_TITLE,
	F_PRIORITY,
	F_SOUND,
	F_RETRY,
	F_EXPIRE,
	F_COUNT,
};

static const char *const field_names[F_COUNT] = {
	"token", "user", "message", "title", "url",
	"url_title", "priority", "sound", "retry", "expire",
};

/* The decoded request fields Pushover's checks look at; other fields
 * (device, html, timestamp, ...) are accepted and ignored. */
struct fields {
	char *value[F_COUNT];
	size_t len[F_COUNT];
};

static void fields_release(struct fields *f)
{
	for (int i = 0; i < F_COUNT; i++) {
		free(f->value[i]);
		f->value[i] = NULL;
	}
}

static int field_index(const char *name, size_t len)
{
	for (int i = 0; i < F_COUNT; i++)
		if (strlen(field_names[i]) == len &&
		    !memcmp(field_names[i], name, len))
			return i;
	return -1;
}

__attribute__((format(printf, 3, 4)))
static void set_error(struct pg_pushover_error *error, const char *field,
		      const char *fmt, ...)
{
	va_list ap;

	snprintf(error->field, sizeof(error->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(error->message, sizeof(error->message), fmt, ap);
	va_end(ap);
}

/* Decodes one application/x-www-form-urlencoded component into out. */
static int form_decode(const char *s, size_t len, struct pg_buf *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi;
			int lo;

			if (i + 2 >= len)
				return -1;
			hi = pg_hex_digit_value(s[i + 1]);
			lo = pg_hex_digit_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (pg_buf_append(out, &c, 1) < 0)
			return -1;
	}
	return 0;
}

static void take_value(struct fields *f, int index, struct pg_buf *value)
{
	size_t len;
	char *text = pg_buf_detach(value, &len);

	free(f->value[index]);
	f->value[index] = text;
	f->len[index] = len;
}

static int parse_form(const char *body, size_t len, struct fields *f,
		      struct pg_pushover_error *error)
{
	const char *p = body;
	const char *end = body + len;
	struct pg_buf name;
	struct pg_buf value;
	int result = -1;

	pg_buf_init(&name, PG_PUSHOVER_BODY_MAX_BYTES);
	pg_buf_init(&value, PG_PUSHOVER_BODY_MAX_BYTES);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pair_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pair_end - p));
		const char *name_end = eq ? eq : pair_end;
		int index;

		pg_buf_reset(&name);
		pg_buf_reset(&value);
		if (form_decode(p, (size_t)(name_end - p), &name) < 0 ||
		    (eq && form_decode(eq + 1, (size_t)(pair_end - eq - 1),
				       &value) < 0)) {
			set_error(error, "body",
				  "request body has an invalid %%-escape");
			goto out;
		}
		index = name.data ? field_index(name.data, name.len) : -1;
		if (index >= 0) {
			if (!value.data && pg_buf_append(&value, "", 0) < 0)
				goto out;
			take_value(f, index, &value);
		}
		p = amp ? amp + 1 : end;
	}
	result = 0;
out:
	pg_buf_release(&name);
	pg_buf_release(&value);
	return result;
}

static int parse_json(const char *body, size_t len, struct fields *f,
		      struct pg_pushover_error *error)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);
	int result = -1;

	if (!json_is_object(root)) {
		set_error(error, "body",
			  "request body is not a JSON object");
		goto out;
	}
	for (int i = 0; i < F_COUNT; i++) {
		json_t *v = json_object_get(root, field_names[i]);
		char number[32];

		if (!v || json_is_null(v))
			continue;
		if (json_is_string(v)) {
			f->value[i] = pg_strndup(json_string_value(v),
						 json_string_length(v));
			f->len[i] = json_string_length(v);
		} else if (json_is_integer(v)) {
			snprintf(number, sizeof(number), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			f->value[i] = pg_strdup(number);
			f->len[i] = strlen(number);
		} else {
			set_error(error, field_names[i],
				  "%s must be a string or an integer",
				  field_names[i]);
			goto out;
		}
	}
	result = 0;
out:
	json_decref(root);
	return result;
}

static bool is_key(const char *s, size_t len)
{
	if (len != PG_PUSHOVER_KEY_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Parses a decimal integer in [min, max]; false on anything else. */
static bool parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Checks that a text field is UTF-8 without NUL and at most max_chars. */
static int check_text(const struct fields *f, int index, long max_chars,
		      struct pg_pushover_error *error)
{
	const char *name = field_names[index];

	if (!f->value[index])
		return 0;
	if (memchr(f->value[index], '\0', f->len[index]) ||
	    !pg_utf8_valid(f->value[index], f->len[index], NULL)) {
		set_error(error, name, "%s is not valid UTF-8 text", name);
		return -1;
	}
	if ((long)pg_utf8_count(f->value[index], f->len[index]) > max_chars) {
		set_error(error, name, "%s is longer than %ld characters", name,
			  max_chars);
		return -1;
	}
	return 0;
}

static int check_fields(const struct fields *f, long *priority,
			struct pg_pushover_error *error)
{
	long retry;
	long expire;

	if (!f->value[F_TOKEN] || !f->len[F_TOKEN]) {
		set_error(error, "token", "application token is missing");
		return -1;
	}
	if (!is_key(f->value[F_TOKEN], f->len[F_TOKEN])) {
		set_error(error, "token",
			  "application token is invalid (expected %d letters and digits)",
			  PG_PUSHOVER_KEY_LEN);
		return -1;
	}
	if (!f->value[F_USER] || !f->len[F_USER]) {
		set_error(error, "user", "user key is missing");
		return -1;
	}
	if (!is_key(f->value[F_USER], f->len[F_USER])) {
		set_error(error, "user",
			  "user key is invalid (expected %d letters and digits)",
			  PG_PUSHOVER_KEY_LEN);
		return -1;
	}
	if (!f->value[F_MESSAGE] || !f->len[F_MESSAGE]) {
		set_error(error, "message", "message cannot be blank");
		return -1;
	}
	if (check_text(f, F_MESSAGE, PG_PUSHOVER_MESSAGE_MAX, error) < 0 ||
	    check_text(f, F_TITLE, PG_PUSHOVER_TITLE_MAX, error) < 0 ||
	    check_text(f, F_URL, PG_PUSHOVER_URL_MAX, error) < 0 ||
	    check_text(f, F_URL_TITLE, PG_PUSHOVER_URL_TITLE_MAX, error) < 0 ||
	    check_text(f, F_SOUND, PG_PUSHOVER_SOUND_MAX, error) < 0)
		return -1;

	*priority = 0;
	if (f->value[F_PRIORITY] && f->len[F_PRIORITY] &&
	    !parse_int(f->value[F_PRIORITY], -2, 2, priority)) {
		set_error(error, "priority",
			  "priority must be an integer from -2 to 2");
		return -1;
	}
	if (*priority != 2)
		return 0;

	/* Emergency messages repeat until acknowledged, so Pushover needs
	 * both the interval and the end. */
	if (!parse_int(f->value[F_RETRY], 0, 1L << 30, &retry) ||
	    retry < PG_PUSHOVER_RETRY_MIN) {
		set_error(error, "retry",
			  "retry is required for emergency priority and must be at least %d seconds",
			  PG_PUSHOVER_RETRY_MIN);
		return -1;
	}
	if (!parse_int(f->value[F_EXPIRE], 0, 1L << 30, &expire) ||
	    expire > PG_PUSHOVER_EXPIRE_MAX) {
		set_error(error, "expire",
			  "expire is required for emergency priority and must be at most %d seconds",
			  PG_PUSHOVER_EXPIRE_MAX);
		return -1;
	}
	return 0;
}

void pg_pushover_message_release(struct pg_pushover_message *msg)
{
	if (!msg)
		return;
	free(msg->message);
	free(msg->title);
	free(msg->url);
	free(msg->url_title);
	free(msg->sound);
	memset(msg, 0, sizeof(*msg));
}

static char *take(struct fields *f, int index)
{
	char *v = f->value[index];

	f->value[index] = NULL;
	return v;
}

int pg_pushover_parse(const char *content_type, const char *body, size_t len,
		      struct pg_pushover_message *msg,
		      struct pg_pushover_error *error)
{
	struct fields f;
	long priority = 0;
	int result = -1;

	memset(&f, 0, sizeof(f));
	memset(msg, 0, sizeof(*msg));
	memset(error, 0, sizeof(*error));

	if (len > PG_PUSHOVER_BODY_MAX_BYTES) {
		set_error(error, "body", "request body is larger than %u bytes",
			  PG_PUSHOVER_BODY_MAX_BYTES);
		goto out;
	}
	if (content_type && pg_ascii_nieq(content_type, "application/json", 16)) {
		if (parse_json(body, len, &f, error) < 0)
			goto out;
	} else if (parse_form(body, len, &f, error) < 0) {
		goto out;
	}
	if (check_fields(&f, &priority, error) < 0)
		goto out;

	msg->message = take(&f, F_MESSAGE);
	msg->title = take(&f, F_TITLE);
	msg->url = take(&f, F_URL);
	msg->url_title = take(&f, F_URL_TITLE);
	msg->sound = take(&f, F_SOUND);
	msg->priority = (int)priority;
	result = 0;
out:
	fields_release(&f);
	return result;
}
