/* JSON responses: the {"error", "fields"} body of a client error and the
 * one-member bodies of the other responses. */
#include "web/web.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

void pg_problem_init(struct pg_problem *problem)
{
	memset(problem, 0, sizeof(*problem));
}

bool pg_problem_is_set(const struct pg_problem *problem)
{
	return problem->status != 0;
}

void pg_problem_field(struct pg_problem *problem, const char *field,
		      const char *fmt, ...)
{
	char message[sizeof(problem->fields[0].message)];
	va_list ap;
	size_t slot;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);

	if (!problem->status)
		problem->status = 400;
	pg_err_set(&problem->error, "%s: %s", field, message);

	/* Keep only the first message of each field. */
	for (slot = 0; slot < problem->field_count; slot++)
		if (strcmp(problem->fields[slot].name, field) == 0)
			return;
	if (slot == PG_PROBLEM_MAX_FIELDS)
		return;
	snprintf(problem->fields[slot].name, sizeof(problem->fields[slot].name),
		 "%s", field);
	memcpy(problem->fields[slot].message, message, sizeof(message));
	problem->field_count++;
}

void pg_problem_set(struct pg_problem *problem, int status, const char *fmt,
		    ...)
{
	va_list ap;

	if (!problem->status)
		problem->status = status;
	if (pg_err_is_set(&problem->error))
		return;
	va_start(ap, fmt);
	vsnprintf(problem->error.msg, sizeof(problem->error.msg), fmt, ap);
	va_end(ap);
}

/* Returns a JSON string of the longest valid UTF-8 prefix of s: messages
 * are cut at a fixed size and may quote names taken from the request. */
static json_t *json_text(const char *s)
{
	size_t len = strlen(s);
	size_t bad = len;

	if (!pg_utf8_valid(s, len, &bad))
		len = bad;
	return json_stringn(s, len);
}

/* Replaces resp's body with the compact text of value and takes value. */
static void respond_json(struct pg_http_response *resp, int status,
			 json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;

	resp->status = status;
	resp->body_base64 = false;
	pg_buf_reset(&resp->body);
	pg_http_response_set_header(resp, "Content-Type", "application/json");
	/* An error body of a few hundred bytes fits any sensible maximum; if
	 * not, the client still gets the status. */
	if (text && pg_buf_append_str(&resp->body, text) < 0)
		pg_buf_reset(&resp->body);
	free(text);
	json_decref(value);
}

void pg_respond_json_text(struct pg_http_response *resp, int status,
			  const char *key, const char *text)
{
	json_t *root = json_object();

	if (root)
		json_object_set_new(root, key, json_text(text));
	respond_json(resp, status, root);
}

void pg_respond_error(struct pg_http_response *resp, int status,
		      const char *message)
{
	pg_respond_json_text(resp, status, "error", message);
}

void pg_problem_respond(const struct pg_problem *problem,
			struct pg_http_response *resp)
{
	json_t *root = json_object();
	json_t *fields = NULL;
	int status = problem->status ? problem->status : 400;

	if (!root)
		goto out;
	json_object_set_new(root, "error",
			    json_text(pg_err_is_set(&problem->error) ?
					      problem->error.msg :
					      "the request is invalid"));
	if (!problem->field_count)
		goto out;
	fields = json_object();
	if (!fields)
		goto out;
	for (size_t i = 0; i < problem->field_count; i++) {
		json_t *name = json_text(problem->fields[i].name);

		if (name)
			json_object_set_new(fields, json_string_value(name),
					    json_text(problem->fields[i].message));
		json_decref(name);
	}
	json_object_set_new(root, "fields", fields);
out:
	respond_json(resp, status, root);
}
