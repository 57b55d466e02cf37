/* The contact form: reading the four fields from a form or JSON body,
 * checking them, and building the notification event. */
#include "web/web.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

static const char *const field_names[PG_CONTACT_FIELD_COUNT] = {
	[PG_CONTACT_SOURCE] = "source",
	[PG_CONTACT_NAME] = "name",
	[PG_CONTACT_EMAIL] = "email",
	[PG_CONTACT_DESCRIPTION] = "description",
};

const char *pg_contact_field_name(enum pg_contact_field field)
{
	return field_names[field];
}

void pg_contact_limits_init(struct pg_contact_limits *limits)
{
	limits->max_chars[PG_CONTACT_SOURCE] = PG_CONTACT_SOURCE_MAX_CHARS;
	limits->max_chars[PG_CONTACT_NAME] = PG_CONTACT_NAME_MAX_CHARS;
	limits->max_chars[PG_CONTACT_EMAIL] = PG_CONTACT_EMAIL_MAX_CHARS;
	limits->max_chars[PG_CONTACT_DESCRIPTION] =
		PG_CONTACT_DESCRIPTION_MAX_CHARS;
	limits->notification_max_chars = PG_CONTACT_NOTIFICATION_MAX_CHARS;
}

void pg_contact_init(struct pg_contact *contact)
{
	memset(contact, 0, sizeof(*contact));
}

void pg_contact_release(struct pg_contact *contact)
{
	if (!contact)
		return;
	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++) {
		free(contact->values[i]);
		contact->values[i] = NULL;
		contact->lens[i] = 0;
	}
	free(contact->next);
	contact->next = NULL;
	contact->next_len = 0;
	contact->honeypot_filled = false;
}

static int find_field(const char *name)
{
	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++)
		if (strcmp(name, field_names[i]) == 0)
			return i;
	return -1;
}

static bool is_honeypot(const struct pg_contact *contact, const char *name)
{
	return contact->honeypot_field &&
	       strcmp(name, contact->honeypot_field) == 0;
}

/* ---- Reading the body ------------------------------------------------ */

/* Takes the known fields out of form, by the rule for repeated fields in
 * web.h. Returns 0, or -1 with problem set. */
static int take_form_fields(struct pg_contact *contact, struct pg_form *form,
			    struct pg_problem *problem)
{
	for (size_t i = 0; i < form->count; i++) {
		struct pg_form_field *field = &form->fields[i];
		int index = find_field(field->name);
		char **slot = NULL;
		size_t *slot_len = NULL;

		if (is_honeypot(contact, field->name)) {
			if (field->value_len)
				contact->honeypot_filled = true;
			continue;
		}
		if (index >= 0) {
			slot = &contact->values[index];
			slot_len = &contact->lens[index];
		} else if (strcmp(field->name, PG_CONTACT_NEXT_FIELD) == 0) {
			slot = &contact->next;
			slot_len = &contact->next_len;
		} else {
			continue;
		}
		if (*slot) {
			pg_problem_field(problem, field->name,
					 "given more than once");
			continue;
		}
		*slot = field->value;
		*slot_len = field->value_len;
		field->value = NULL;
	}
	return pg_problem_is_set(problem) ? -1 : 0;
}

int pg_contact_from_form(struct pg_contact *contact, const char *body,
			 size_t len, struct pg_problem *problem)
{
	struct pg_form form;
	int result = -1;

	pg_form_init(&form);
	if (pg_form_parse(&form, body, len, problem) < 0)
		goto out;
	result = take_form_fields(contact, &form, problem);
out:
	pg_form_release(&form);
	return result;
}

int pg_contact_from_multipart(struct pg_contact *contact,
			      const char *content_type, const char *body,
			      size_t len, struct pg_problem *problem)
{
	struct pg_form form;
	int result = -1;

	pg_form_init(&form);
	if (pg_multipart_parse(&form, content_type, body, len, problem) < 0)
		goto out;
	result = take_form_fields(contact, &form, problem);
out:
	pg_form_release(&form);
	return result;
}

/* The names whose repeats the JSON scan counts: the contact fields, then
 * _next. */
#define JSON_COUNTED_NAMES (PG_CONTACT_FIELD_COUNT + 1)

static const char *counted_name(int i)
{
	return i < PG_CONTACT_FIELD_COUNT ? field_names[i]
					  : PG_CONTACT_NEXT_FIELD;
}

/* Counts how often the member key (the quoted JSON string at [start, end),
 * quotes included) names each counted field. A key with escapes is decoded
 * by jansson first; one that does not decode is left for json_loadb to
 * report. */
static void count_key(const char *start, const char *end,
		      int counts[JSON_COUNTED_NAMES])
{
	const char *key = start + 1;
	size_t key_len = (size_t)(end - start) - 2;
	json_t *decoded = NULL;

	if (memchr(key, '\\', key_len)) {
		decoded = json_loadb(start, (size_t)(end - start),
				     JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (!json_is_string(decoded))
			goto out;
		key = json_string_value(decoded);
		key_len = json_string_length(decoded);
	}
	for (int i = 0; i < JSON_COUNTED_NAMES; i++) {
		const char *name = counted_name(i);

		if (strlen(name) == key_len && memcmp(name, key, key_len) == 0)
			counts[i]++;
	}
out:
	json_decref(decoded);
}

/* Walks the JSON text without building it: checks that it nests at most
 * PG_CONTACT_JSON_MAX_DEPTH deep and counts the keys of the top-level
 * object. jansson keeps only the last of repeated keys, and its own
 * duplicate check cannot tell a contact field from any other member.
 * Invalid JSON is left for json_loadb to report. Returns 0, or -1 with
 * problem set when the text nests too deep. */
static int scan_json(const char *body, size_t len,
		     int counts[JSON_COUNTED_NAMES], struct pg_problem *problem)
{
	char stack[PG_CONTACT_JSON_MAX_DEPTH]; /* '{' or '[' per level */
	size_t depth = 0;
	bool expect_key = false;

	for (size_t i = 0; i < len; i++) {
		char c = body[i];

		if (c == '"') {
			size_t start = i;

			for (i++; i < len && body[i] != '"'; i++)
				if (body[i] == '\\')
					i++;
			if (i >= len)
				return 0;
			if (expect_key && depth == 1)
				count_key(body + start, body + i + 1, counts);
			expect_key = false;
		} else if (c == '{' || c == '[') {
			if (depth == PG_CONTACT_JSON_MAX_DEPTH) {
				pg_problem_set(problem, 400, "request body: "
						"JSON nested deeper than %d "
						"levels",
					       PG_CONTACT_JSON_MAX_DEPTH);
				return -1;
			}
			stack[depth++] = c;
			expect_key = c == '{';
		} else if (c == '}' || c == ']') {
			if (depth)
				depth--;
			expect_key = false;
		} else if (c == ',') {
			expect_key = depth && stack[depth - 1] == '{';
		}
	}
	return 0;
}

/* Takes one string member of root into *slot. */
static void take_json_string(json_t *root, const char *name, char **slot,
			     size_t *slot_len, struct pg_problem *problem)
{
	json_t *value = json_object_get(root, name);
	const char *text;
	size_t text_len;

	if (!value)
		return;
	if (!json_is_string(value)) {
		pg_problem_field(problem, name, "must be a string");
		return;
	}
	text = json_string_value(value);
	text_len = json_string_length(value);
	if (memchr(text, '\0', text_len)) {
		pg_problem_field(problem, name,
				 "contains a NUL character (\\u0000)");
		return;
	}
	*slot = pg_strndup(text, text_len);
	*slot_len = text_len;
}

int pg_contact_from_json(struct pg_contact *contact, const char *body,
			 size_t len, struct pg_problem *problem)
{
	int counts[JSON_COUNTED_NAMES] = { 0 };
	json_error_t json_err;
	json_t *root = NULL;
	json_t *honeypot;
	json_t *next;
	int result = -1;

	if (scan_json(body, len, counts, problem) < 0)
		goto out;
	/* JSON_ALLOW_NUL keeps "\u0000" in a value so that it can be
	 * rejected below instead of cutting the value short. */
	root = json_loadb(body, len, JSON_ALLOW_NUL, &json_err);
	if (!root) {
		pg_problem_set(problem, 400,
			       "request body: invalid JSON at line %d, "
			       "column %d: %s",
			       json_err.line, json_err.column, json_err.text);
		goto out;
	}
	if (!json_is_object(root)) {
		pg_problem_set(problem, 400,
			       "request body: expected a JSON object");
		goto out;
	}
	for (int i = 0; i < JSON_COUNTED_NAMES; i++)
		if (counts[i] > 1)
			pg_problem_field(problem, counted_name(i),
					 "given more than once");
	if (pg_problem_is_set(problem))
		goto out;

	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++)
		take_json_string(root, field_names[i], &contact->values[i],
				 &contact->lens[i], problem);
	/* JSON clients are never redirected, so a _next that is not a
	 * plain string is only ignored. */
	next = json_object_get(root, PG_CONTACT_NEXT_FIELD);
	if (json_is_string(next) &&
	    !memchr(json_string_value(next), '\0', json_string_length(next))) {
		contact->next = pg_strndup(json_string_value(next),
					   json_string_length(next));
		contact->next_len = json_string_length(next);
	}
	honeypot = contact->honeypot_field ?
			   json_object_get(root, contact->honeypot_field) :
			   NULL;
	if (honeypot && !json_is_null(honeypot) &&
	    !(json_is_string(honeypot) && !json_string_length(honeypot)))
		contact->honeypot_filled = true;
	if (!pg_problem_is_set(problem))
		result = 0;
out:
	json_decref(root);
	return result;
}

int pg_contact_read(struct pg_contact *contact,
		    const struct pg_http_request *req,
		    const struct pg_contact_limits *limits,
		    struct pg_problem *problem)
{
	const char *type = pg_http_request_header(req, "Content-Type");
	int rc;

	contact->body_kind = PG_BODY_NONE;
	if (!type || !*type) {
		/* No Content-Type (curl -d sends one, some scripts do not):
		 * guess from the first byte that is not white space. */
		size_t i = 0;

		while (i < req->body_len &&
		       strchr(" \t\r\n", req->body[i]) && req->body[i])
			i++;
		contact->body_kind = i < req->body_len && req->body[i] == '{' ?
					     PG_BODY_JSON :
					     PG_BODY_FORM;
	} else if (pg_media_type_is(type, "application/json")) {
		contact->body_kind = PG_BODY_JSON;
	} else if (pg_media_type_is(type,
				    "application/x-www-form-urlencoded")) {
		contact->body_kind = PG_BODY_FORM;
	} else if (pg_media_type_is(type, "multipart/form-data")) {
		contact->body_kind = PG_BODY_MULTIPART;
	} else {
		pg_problem_set(problem, 415,
			       "Content-Type: \"%.100s\" is not supported; "
			       "send application/json, "
			       "application/x-www-form-urlencoded or "
			       "multipart/form-data",
			       type);
		return -1;
	}

	switch (contact->body_kind) {
	case PG_BODY_JSON:
		rc = pg_contact_from_json(contact, req->body, req->body_len,
					  problem);
		break;
	case PG_BODY_MULTIPART:
		rc = pg_contact_from_multipart(contact, type, req->body,
					       req->body_len, problem);
		break;
	default:
		rc = pg_contact_from_form(contact, req->body, req->body_len,
					  problem);
		break;
	}
	if (rc < 0)
		return -1;
	/* A bot gets the success response whatever else it sent. */
	if (contact->honeypot_filled)
		return 0;
	return pg_contact_validate(contact, limits, problem);
}

/* ---- Validation ------------------------------------------------------ */

/* Turns CRLF and lone CR into LF in place. */
static void normalise_newlines(char *s, size_t *len)
{
	size_t out = 0;

	for (size_t i = 0; i < *len; i++) {
		if (s[i] == '\r') {
			s[out++] = '\n';
			if (i + 1 < *len && s[i + 1] == '\n')
				i++;
			continue;
		}
		s[out++] = s[i];
	}
	*len = out;
	s[out] = '\0';
}

/* Removes bytes of set from both ends in place. */
static void trim(char *s, size_t *len, const char *set)
{
	size_t start = 0;
	size_t end = *len;

	while (start < end && s[start] && strchr(set, s[start]))
		start++;
	while (end > start && s[end - 1] && strchr(set, s[end - 1]))
		end--;
	memmove(s, s + start, end - start);
	*len = end - start;
	s[*len] = '\0';
}

/* Returns the code point at s[*i] of valid UTF-8 and moves *i past it. */
static uint32_t next_code_point(const char *s, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	uint32_t cp;
	size_t extra;

	if (p[0] < 0x80) {
		cp = p[0];
		extra = 0;
	} else if (p[0] < 0xe0) {
		cp = p[0] & 0x1f;
		extra = 1;
	} else if (p[0] < 0xf0) {
		cp = p[0] & 0x0f;
		extra = 2;
	} else {
		cp = p[0] & 0x07;
		extra = 3;
	}
	for (size_t k = 1; k <= extra; k++)
		cp = cp << 6 | (p[k] & 0x3f);
	*i += extra + 1;
	return cp;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

/* Names a character that can change how the notification reads: a line
 * separator, or a bidirectional control that reorders the text around it
 * (embeddings U+202A..U+202E, isolates U+2066..U+2069). The marks U+200E
 * and U+200F only set the direction of nearby neutral characters, so they
 * are allowed. Returns NULL for any other character. */
static const char *layout_char_kind(uint32_t cp)
{
	if (cp == 0x2028)
		return "a line separator";
	if (cp == 0x2029)
		return "a paragraph separator";
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return "a text direction control";
	return NULL;
}

static bool is_line_separator(uint32_t cp)
{
	return cp == 0x2028 || cp == 0x2029;
}

/* Checks the characters of a field. A multi-line field may contain LF, TAB
 * and the line separators U+2028 and U+2029, and a single-line one none of
 * them. No field may contain another control character or a text direction
 * control. */
static bool check_characters(const char *field, const char *s, size_t len,
			     bool multi_line, struct pg_problem *problem)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp = next_code_point(s, &i);
		const char *kind = layout_char_kind(cp);

		if (is_control(cp)) {
			if (multi_line && (cp == '\n' || cp == '\t'))
				continue;
			if (!multi_line && (cp == '\n' || cp == '\r'))
				pg_problem_field(problem, field,
						 "must be a single line");
			else
				pg_problem_field(problem, field,
						 "contains a control character "
						 "(U+%04X)",
						 (unsigned)cp);
			return false;
		}
		if (!kind || (multi_line && is_line_separator(cp)))
			continue;
		if (is_line_separator(cp))
			pg_problem_field(problem, field,
					 "contains U+%04X, %s, but must be one "
					 "line",
					 (unsigned)cp, kind);
		else
			pg_problem_field(problem, field, "contains U+%04X, %s",
					 (unsigned)cp, kind);
		return false;
	}
	return true;
}

static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c)) || c >= 0x80;
}

static bool is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/* Returns what is wrong with an email address, or NULL; the address has
 * already passed the control character check. */
static const char *email_problem(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t local_len;
	const char *domain;
	size_t domain_len;
	size_t label_len = 0;
	bool dot_seen = false;

	if (len > PG_EMAIL_MAX_BYTES)
		return "longer than 254 bytes";
	if (memchr(s, ' ', len))
		return "must not contain spaces";
	if (!at || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return "must contain exactly one '@'";
	local_len = (size_t)(at - s);
	domain = at + 1;
	domain_len = len - local_len - 1;

	if (!local_len)
		return "the part before '@' is empty";
	if (local_len > PG_EMAIL_LOCAL_MAX_BYTES)
		return "the part before '@' is longer than 64 bytes";
	if (s[0] == '.' || s[local_len - 1] == '.')
		return "the part before '@' must not start or end with a dot";
	for (size_t i = 0; i < local_len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' && s[i + 1] == '.')
			return "the part before '@' must not contain two dots "
			       "in a row";
		if (c != '.' && !is_atext(c))
			return "the part before '@' contains a character that "
			       "is not allowed";
	}

	if (!domain_len)
		return "the domain after '@' is empty";
	for (size_t i = 0; i <= domain_len; i++) {
		unsigned char c = i < domain_len ? (unsigned char)domain[i] : '.';

		if (c == '.') {
			if (!label_len)
				return "the domain has an empty label";
			if (domain[i - 1] == '-')
				return "a domain label must not end with a "
				       "hyphen";
			dot_seen = dot_seen || i < domain_len;
			label_len = 0;
			continue;
		}
		if (!is_ldh(c))
			return "the domain may contain only letters, digits, "
			       "hyphens and dots";
		if (!label_len && c == '-')
			return "a domain label must not start with a hyphen";
		if (++label_len > 63)
			return "a domain label is longer than 63 bytes";
	}
	if (!dot_seen)
		return "the domain must contain a dot";
	return NULL;
}

static void check_field(struct pg_contact *contact, int index,
			const struct pg_contact_limits *limits,
			struct pg_problem *problem)
{
	const char *name = field_names[index];
	const char *value = contact->values[index];
	size_t len = contact->lens[index];
	bool multi_line = index == PG_CONTACT_SOURCE ||
			  index == PG_CONTACT_DESCRIPTION;
	size_t chars;
	const char *email_error;

	if (!pg_utf8_valid(value, len, NULL)) {
		pg_problem_field(problem, name, "not valid UTF-8");
		return;
	}
	if (!check_characters(name, value, len, multi_line, problem))
		return;
	chars = pg_utf8_count(value, len);
	if (chars > limits->max_chars[index]) {
		pg_problem_field(problem, name, "longer than %zu characters",
				 limits->max_chars[index]);
		return;
	}
	if (index != PG_CONTACT_EMAIL)
		return;
	email_error = email_problem(value, len);
	if (email_error)
		pg_problem_field(problem, name, "not a valid address: %s",
				 email_error);
}

static int append_message(const struct pg_contact *contact,
			  struct pg_buf *message);

/* Checks that the notification's message text fits max_chars, for a
 * contact whose fields all passed. The failure names the room the other
 * fields leave for the description, the only field long enough to need
 * it. */
static void check_notification_size(const struct pg_contact *contact,
				    size_t max_chars,
				    struct pg_problem *problem)
{
	const char *name = field_names[PG_CONTACT_DESCRIPTION];
	struct pg_buf message;
	size_t total;
	size_t others;

	pg_buf_init(&message, 0);
	if (append_message(contact, &message) < 0) {
		pg_problem_field(problem, name, "the notification could not "
						"be built");
		goto out;
	}
	total = pg_utf8_count(message.data, message.len);
	if (total <= max_chars)
		goto out;
	others = total - pg_utf8_count(contact->values[PG_CONTACT_DESCRIPTION],
				       contact->lens[PG_CONTACT_DESCRIPTION]);
	if (others >= max_chars)
		pg_problem_field(problem, name,
				 "no room left: the other fields take %zu of "
				 "the %zu characters the notification holds",
				 others, max_chars);
	else
		pg_problem_field(problem, name,
				 "longer than %zu characters (the "
				 "notification holds at most %zu)",
				 max_chars - others, max_chars);
out:
	pg_buf_release(&message);
}

int pg_contact_validate(struct pg_contact *contact,
			const struct pg_contact_limits *limits,
			struct pg_problem *problem)
{
	bool missing[PG_CONTACT_FIELD_COUNT] = { false };
	char list[64] = "";
	size_t list_len = 0;
	size_t missing_count = 0;

	/* Normalise first, so that a field of white space counts as empty. */
	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++) {
		char *value = contact->values[i];

		if (!value) {
			missing[i] = true;
			continue;
		}
		if (i == PG_CONTACT_SOURCE || i == PG_CONTACT_DESCRIPTION) {
			normalise_newlines(value, &contact->lens[i]);
			trim(value, &contact->lens[i], " \t\n");
		} else {
			trim(value, &contact->lens[i], " ");
		}
		missing[i] = contact->lens[i] == 0;
	}

	/* Name every missing field in one sentence when there are several. */
	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++) {
		if (!missing[i])
			continue;
		/* The four names fit in list, so nothing is cut. */
		list_len += (size_t)snprintf(list + list_len,
					     sizeof(list) - list_len, "%s%s",
					     missing_count++ ? ", " : "",
					     field_names[i]);
	}
	if (missing_count > 1)
		pg_problem_set(problem, 400, "required fields missing: %s",
			       list);

	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++) {
		if (missing[i])
			pg_problem_field(problem, field_names[i], "required");
		else
			check_field(contact, i, limits, problem);
	}

	/* The room left for the description is exact only when the other
	 * fields will not change. */
	if (!pg_problem_is_set(problem) && limits->notification_max_chars)
		check_notification_size(contact, limits->notification_max_chars,
					problem);
	return pg_problem_is_set(problem) ? -1 : 0;
}

/* ---- The notification ------------------------------------------------ */

/* Appends s, valid UTF-8, to out with each line break (LF, U+2028 and
 * U+2029) replaced by a space, which keeps the character count. */
static int append_one_line(struct pg_buf *out, const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len;) {
		size_t at = i;
		uint32_t cp = next_code_point(s, &i);

		if (cp != '\n' && !is_line_separator(cp))
			continue;
		if (pg_buf_append(out, s + start, at - start) < 0 ||
		    pg_buf_append(out, " ", 1) < 0)
			return -1;
		start = i;
	}
	return pg_buf_append(out, s + start, len - start);
}

/* Appends the one-line source to out, "" when it is absent. */
static int append_source_line(const struct pg_contact *contact,
			      struct pg_buf *out)
{
	const char *source = contact->values[PG_CONTACT_SOURCE];

	return append_one_line(out, source ? source : "",
			       contact->lens[PG_CONTACT_SOURCE]);
}

/* Appends the notification's message text: one labelled line each for
 * source, name, mail and description (which may span lines). */
static int append_message(const struct pg_contact *contact,
			  struct pg_buf *message)
{
	struct pg_buf one_line;
	int result = -1;

	pg_buf_init(&one_line, 0);
	if (append_source_line(contact, &one_line) < 0)
		goto out;
	result = pg_buf_appendf(message,
				"Source: %s\nName: %s\nMail: %s\nDescription: "
				"%s",
				one_line.data ? one_line.data : "",
				contact->values[PG_CONTACT_NAME],
				contact->values[PG_CONTACT_EMAIL],
				contact->values[PG_CONTACT_DESCRIPTION]);
out:
	pg_buf_release(&one_line);
	return result;
}

int pg_contact_notification(const struct pg_contact *contact,
			    struct pg_buf *out)
{
	struct pg_buf one_line;
	struct pg_buf title;
	struct pg_buf message;
	json_t *event = NULL;
	char *text = NULL;
	int result = -1;

	pg_buf_init(&one_line, 0);
	pg_buf_init(&title, 0);
	pg_buf_init(&message, 0);

	/* The source may span lines; the title and its label line may not. */
	if (append_source_line(contact, &one_line) < 0)
		goto out;
	if (pg_buf_appendf(&title, "New message from %s",
			   one_line.data ? one_line.data : "") < 0)
		goto out;
	if (append_message(contact, &message) < 0)
		goto out;

	event = json_object();
	if (!event ||
	    json_object_set_new(event, "title",
				json_stringn(title.data, title.len)) ||
	    json_object_set_new(event, "message",
				json_stringn(message.data, message.len)))
		goto out;
	text = json_dumps(event, JSON_COMPACT);
	if (!text || pg_buf_append_str(out, text) < 0)
		goto out;
	result = 0;
out:
	free(text);
	json_decref(event);
	pg_buf_release(&message);
	pg_buf_release(&title);
	pg_buf_release(&one_line);
	return result;
}
