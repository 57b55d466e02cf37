/* Decoding of API Gateway REST proxy events (payload version 1.0) into
 * struct pg_http_request, and the header and query lookups. */
#include "events/events.h"

#include <stdint.h>
#include <string.h>

#include "common/text.h"

static const char *const error_texts[] = {
#define PG_EVENT_ERROR_TEXT(code, text) text,
	PG_EVENT_ERROR_MAP(PG_EVENT_ERROR_TEXT)
#undef PG_EVENT_ERROR_TEXT
};

const char *pg_event_error_text(enum pg_event_error code)
{
	size_t i = (size_t)code;

	if (i >= sizeof(error_texts) / sizeof(error_texts[0]))
		return "unknown error";
	return error_texts[i];
}

void pg_http_request_init(struct pg_http_request *req)
{
	memset(req, 0, sizeof(*req));
	req->kind = PG_EVENT_APIGW_V1;
	req->method = "";
	req->path = "";
	req->source_ip = "";
	req->request_id = "";
	req->stage = "";
	req->body = "";
	pg_buf_init(&req->decoded_body, 0);
}

void pg_http_request_release(struct pg_http_request *req)
{
	if (!req)
		return;
	json_decref(req->root);
	req->root = NULL;
	req->headers = NULL;
	req->multi_headers = NULL;
	req->query = NULL;
	req->multi_query = NULL;
	pg_buf_release(&req->decoded_body);
	req->body = "";
	req->body_len = 0;
}

static bool has_nul(const json_t *s)
{
	return strlen(json_string_value(s)) != json_string_length(s);
}

/* Reads an optional string member: absent or null gives "". */
static enum pg_event_error get_string(const json_t *obj, const char *key,
				      const char *field, const char **out,
				      struct pg_err *err)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	*out = "";
	if (!v || json_is_null(v))
		return PG_EVENT_OK;
	if (!json_is_string(v)) {
		pg_err_set(err, "%s: expected a string", field);
		return PG_EVENT_INVALID_FIELD;
	}
	if (has_nul(v)) {
		pg_err_set(err, "%s: contains a NUL byte", field);
		return PG_EVENT_INVALID_FIELD;
	}
	*out = json_string_value(v);
	return PG_EVENT_OK;
}

/* Reads an optional object member: absent or null gives NULL. */
static enum pg_event_error get_object(const json_t *obj, const char *key,
				      const char *field, json_t **out,
				      struct pg_err *err)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	*out = NULL;
	if (!v || json_is_null(v))
		return PG_EVENT_OK;
	if (!json_is_object(v)) {
		pg_err_set(err, "%s: expected an object", field);
		return PG_EVENT_INVALID_FIELD;
	}
	*out = v;
	return PG_EVENT_OK;
}

/* Rejects NUL bytes in the string values of a map whose values are
 * strings (multi false) or arrays of strings (multi true), so that every
 * lookup can hand out C strings without truncating one silently. Values of
 * other types are left in place and ignored by the lookups. */
static enum pg_event_error check_map(json_t *map, bool multi,
				     const char *field, struct pg_err *err)
{
	const char *key;
	json_t *value;

	if (!map)
		return PG_EVENT_OK;
	/* Keys need no check: jansson rejects NUL bytes in keys. */
	json_object_foreach(map, key, value) {
		size_t index;
		json_t *item;

		if (!multi) {
			if (json_is_string(value) && has_nul(value))
				goto nul_value;
			continue;
		}
		if (!json_is_array(value))
			continue;
		json_array_foreach(value, index, item) {
			if (json_is_string(item) && has_nul(item))
				goto nul_value;
		}
	}
	return PG_EVENT_OK;
nul_value:
	pg_err_set(err, "%s: the value of \"%.64s\" contains a NUL byte",
		   field, key);
	return PG_EVENT_INVALID_FIELD;
}

/* Counts the bytes that standard base64 text decodes to, ignoring
 * whitespace and padding; the text is not validated here. */
static size_t base64_decoded_size(const char *s, size_t len)
{
	size_t symbols = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '=')
			symbols++;
	}
	return symbols / 4 * 3 + (symbols % 4 ? symbols % 4 - 1 : 0);
}

static enum pg_event_error decode_body(struct pg_http_request *req,
				       size_t max_body_bytes,
				       struct pg_err *err)
{
	json_t *body = json_object_get(req->root, "body");
	json_t *flag = json_object_get(req->root, "isBase64Encoded");
	const char *text;
	size_t len;
	size_t limit = max_body_bytes ? max_body_bytes : SIZE_MAX;

	if (flag && !json_is_null(flag) && !json_is_boolean(flag)) {
		pg_err_set(err, "isBase64Encoded: expected true or false");
		return PG_EVENT_INVALID_FIELD;
	}
	if (!body || json_is_null(body))
		return PG_EVENT_OK;
	if (!json_is_string(body)) {
		pg_err_set(err, "body: expected a string");
		return PG_EVENT_INVALID_FIELD;
	}
	text = json_string_value(body);
	len = json_string_length(body);

	if (!json_is_true(flag)) {
		if (len > limit)
			goto too_large;
		req->body = text;
		req->body_len = len;
		return PG_EVENT_OK;
	}

	/* Check the size before decoding so that a large body costs nothing. */
	if (base64_decoded_size(text, len) > limit)
		goto too_large;
	if (pg_base64_decode(text, len, &req->decoded_body) < 0) {
		pg_err_set(err, "body: isBase64Encoded is true but the body "
				"is not valid base64");
		return PG_EVENT_INVALID_BASE64;
	}
	/* An empty decode leaves data NULL; keep body a valid string. */
	req->body = req->decoded_body.data ? req->decoded_body.data : "";
	req->body_len = req->decoded_body.len;
	req->body_was_base64 = true;
	return PG_EVENT_OK;

too_large:
	pg_err_set(err, "request body: larger than %zu bytes", limit);
	return PG_EVENT_BODY_TOO_LARGE;
}

static enum pg_event_error decode_apigw_v1(struct pg_http_request *req,
					   size_t max_body_bytes,
					   struct pg_err *err)
{
	json_t *context = NULL;
	json_t *identity = NULL;
	enum pg_event_error rc;

	req->kind = PG_EVENT_APIGW_V1;
	if ((rc = get_string(req->root, "httpMethod", "httpMethod",
			     &req->method, err)))
		return rc;
	if ((rc = get_string(req->root, "path", "path", &req->path, err)))
		return rc;

	if ((rc = get_object(req->root, "requestContext", "requestContext",
			     &context, err)))
		return rc;
	if ((rc = get_string(context, "requestId", "requestContext.requestId",
			     &req->request_id, err)))
		return rc;
	if ((rc = get_string(context, "stage", "requestContext.stage",
			     &req->stage, err)))
		return rc;
	if ((rc = get_object(context, "identity", "requestContext.identity",
			     &identity, err)))
		return rc;
	if ((rc = get_string(identity, "sourceIp",
			     "requestContext.identity.sourceIp",
			     &req->source_ip, err)))
		return rc;

	if ((rc = get_object(req->root, "headers", "headers", &req->headers,
			     err)) ||
	    (rc = check_map(req->headers, false, "headers", err)))
		return rc;
	if ((rc = get_object(req->root, "multiValueHeaders",
			     "multiValueHeaders", &req->multi_headers, err)) ||
	    (rc = check_map(req->multi_headers, true, "multiValueHeaders",
			    err)))
		return rc;
	if ((rc = get_object(req->root, "queryStringParameters",
			     "queryStringParameters", &req->query, err)) ||
	    (rc = check_map(req->query, false, "queryStringParameters", err)))
		return rc;
	if ((rc = get_object(req->root, "multiValueQueryStringParameters",
			     "multiValueQueryStringParameters",
			     &req->multi_query, err)) ||
	    (rc = check_map(req->multi_query, true,
			    "multiValueQueryStringParameters", err)))
		return rc;

	return decode_body(req, max_body_bytes, err);
}

enum pg_event_error pg_http_request_decode(struct pg_http_request *req,
					   const char *payload,
					   size_t payload_len,
					   size_t max_body_bytes,
					   struct pg_err *err)
{
	json_error_t json_err;
	json_t *version;
	json_t *method;

	/* JSON_ALLOW_NUL keeps a body with \u0000 at its full length; the
	 * other strings are checked for NUL bytes one by one. */
	req->root = json_loadb(payload, payload_len, JSON_ALLOW_NUL, &json_err);
	if (!req->root) {
		pg_err_set(err, "event: invalid JSON at line %d, column %d: %s",
			   json_err.line, json_err.column, json_err.text);
		return PG_EVENT_INVALID_JSON;
	}
	if (!json_is_object(req->root)) {
		pg_err_set(err, "event: expected a JSON object");
		return PG_EVENT_UNSUPPORTED;
	}

	version = json_object_get(req->root, "version");
	method = json_object_get(req->root, "httpMethod");
	if (json_is_string(version) &&
	    strcmp(json_string_value(version), "1.0") != 0) {
		pg_err_set(err, "event: payload version \"%.16s\" is not "
				"supported, only 1.0",
			   json_string_value(version));
		return PG_EVENT_UNSUPPORTED;
	}
	if (!json_is_string(method)) {
		pg_err_set(err, "event: no httpMethod, so not an API Gateway "
				"REST proxy event");
		return PG_EVENT_UNSUPPORTED;
	}
	return decode_apigw_v1(req, max_body_bytes, err);
}

/* Values found by a lookup: the first max are stored, all are counted. */
struct value_list {
	const char **values;
	size_t max;
	size_t count;
	const char *last;
	struct pg_buf *join; /* when set, values are appended, ", " between */
	bool join_failed;
};

static void value_list_add(struct value_list *list, const char *value)
{
	if (list->count < list->max)
		list->values[list->count] = value;
	list->count++;
	list->last = value;
	if (!list->join || list->join_failed)
		return;
	if ((list->count > 1 && pg_buf_append_str(list->join, ", ") < 0) ||
	    pg_buf_append_str(list->join, value) < 0)
		list->join_failed = true;
}

static bool names_equal(const char *a, const char *b, bool ignore_case)
{
	return ignore_case ? pg_ascii_ieq(a, b) : strcmp(a, b) == 0;
}

/* Collects name's values from the multi-value map, or from the single-value
 * map when the multi-value map has none. */
static void collect_values(json_t *multi, json_t *single, const char *name,
			   bool ignore_case, struct value_list *list)
{
	const char *key;
	json_t *value;

	if (multi) {
		json_object_foreach(multi, key, value) {
			size_t index;
			json_t *item;

			if (!names_equal(key, name, ignore_case) ||
			    !json_is_array(value))
				continue;
			json_array_foreach(value, index, item) {
				if (json_is_string(item))
					value_list_add(list,
						       json_string_value(item));
			}
		}
	}
	if (list->count || !single)
		return;
	json_object_foreach(single, key, value) {
		if (names_equal(key, name, ignore_case) && json_is_string(value))
			value_list_add(list, json_string_value(value));
	}
}

const char *pg_http_request_header(const struct pg_http_request *req,
				   const char *name)
{
	struct value_list list = { 0 };

	collect_values(req->multi_headers, req->headers, name, true, &list);
	return list.last;
}

size_t pg_http_request_header_values(const struct pg_http_request *req,
				     const char *name, const char **values,
				     size_t max)
{
	struct value_list list = { .values = values, .max = max };

	collect_values(req->multi_headers, req->headers, name, true, &list);
	return list.count;
}

int pg_http_request_header_join(const struct pg_http_request *req,
				const char *name, struct pg_buf *out)
{
	struct value_list list = { .join = out };

	collect_values(req->multi_headers, req->headers, name, true, &list);
	return list.join_failed ? -1 : (int)list.count;
}

const char *pg_http_request_query(const struct pg_http_request *req,
				  const char *name)
{
	struct value_list list = { 0 };

	collect_values(req->multi_query, req->query, name, false, &list);
	return list.last;
}

size_t pg_http_request_query_values(const struct pg_http_request *req,
				    const char *name, const char **values,
				    size_t max)
{
	struct value_list list = { .values = values, .max = max };

	collect_values(req->multi_query, req->query, name, false, &list);
	return list.count;
}
