/* Detection and decoding of the four HTTP event shapes (API Gateway 1.0
 * and 2.0, Function URL, ALB) into struct pg_http_request, and the header
 * and query lookups. */
#include "events/events.h"
#include "events/internal.h"

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
	req->raw_query = "";
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
	req->cookies = NULL;
	json_decref(req->owned_query);
	req->owned_query = NULL;
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

/* Reads the optional header and query maps of a 1.0 or ALB event. */
static enum pg_event_error get_maps(struct pg_http_request *req,
				    struct pg_err *err)
{
	enum pg_event_error rc;

	if ((rc = get_object(req->root, "headers", "headers", &req->headers,
			     err)))
		return rc;
	if ((rc = get_object(req->root, "multiValueHeaders",
			     "multiValueHeaders", &req->multi_headers, err)))
		return rc;
	if ((rc = get_object(req->root, "queryStringParameters",
			     "queryStringParameters", &req->query, err)))
		return rc;
	return get_object(req->root, "multiValueQueryStringParameters",
			  "multiValueQueryStringParameters", &req->multi_query,
			  err);
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

	if ((rc = get_maps(req, err)))
		return rc;
	return decode_body(req, max_body_bytes, err);
}

/* Drops a "/<stage>" prefix from a 2.0 rawPath: with a named stage the
 * HTTP API puts the stage into rawPath, while the routes (and the 1.0
 * path) leave it out. The $default stage adds no prefix. */
static const char *strip_stage(const char *path, const char *stage)
{
	size_t stage_len = strlen(stage);

	if (!stage_len || strcmp(stage, "$default") == 0 || path[0] != '/' ||
	    strncmp(path + 1, stage, stage_len) != 0)
		return path;
	if (path[1 + stage_len] == '\0')
		return "/";
	if (path[1 + stage_len] == '/')
		return path + 1 + stage_len;
	return path;
}

static enum pg_event_error decode_v2(struct pg_http_request *req,
				     size_t max_body_bytes, struct pg_err *err)
{
	json_t *context = NULL;
	json_t *http = NULL;
	json_t *cookies;
	const char *domain = "";
	enum pg_event_error rc;

	if ((rc = get_object(req->root, "requestContext", "requestContext",
			     &context, err)))
		return rc;
	if ((rc = get_object(context, "http", "requestContext.http", &http,
			     err)))
		return rc;
	if ((rc = get_string(http, "method", "requestContext.http.method",
			     &req->method, err)))
		return rc;
	if (!*req->method) {
		pg_err_set(err, "requestContext.http.method: missing in a "
				"payload 2.0 event");
		return PG_EVENT_INVALID_FIELD;
	}
	if ((rc = get_string(http, "sourceIp", "requestContext.http.sourceIp",
			     &req->source_ip, err)))
		return rc;
	if ((rc = get_string(context, "requestId", "requestContext.requestId",
			     &req->request_id, err)))
		return rc;
	if ((rc = get_string(context, "stage", "requestContext.stage",
			     &req->stage, err)))
		return rc;
	if ((rc = get_string(context, "domainName",
			     "requestContext.domainName", &domain, err)))
		return rc;

	/* A Function URL sends the same shape as an HTTP API $default route;
	 * its domain is <url-id>.lambda-url.<region>.on.aws. */
	req->kind = strstr(domain, ".lambda-url.") ||
				    !json_object_get(req->root, "routeKey")
			    ? PG_EVENT_FUNCTION_URL
			    : PG_EVENT_APIGW_V2;

	if ((rc = get_string(req->root, "rawPath", "rawPath", &req->path,
			     err)))
		return rc;
	if (!*req->path &&
	    (rc = get_string(http, "path", "requestContext.http.path",
			     &req->path, err)))
		return rc;
	req->path = strip_stage(req->path, req->stage);

	if ((rc = get_object(req->root, "headers", "headers", &req->headers,
			     err)))
		return rc;
	cookies = json_object_get(req->root, "cookies");
	if (cookies && !json_is_null(cookies) && !json_is_array(cookies)) {
		pg_err_set(err, "cookies: expected an array");
		return PG_EVENT_INVALID_FIELD;
	}
	req->cookies = json_is_array(cookies) ? cookies : NULL;

	/* rawQueryString keeps repeated parameters apart, which the joined
	 * queryStringParameters cannot. */
	if ((rc = get_string(req->root, "rawQueryString", "rawQueryString",
			     &req->raw_query, err)))
		return rc;
	if (*req->raw_query) {
		req->owned_query = pg_events_query_from_raw(
			req->raw_query, strlen(req->raw_query));
		req->multi_query = req->owned_query;
	} else if ((rc = get_object(req->root, "queryStringParameters",
				    "queryStringParameters", &req->query,
				    err))) {
		return rc;
	}
	return decode_body(req, max_body_bytes, err);
}

/* Points source_ip at the last X-Forwarded-For entry, the address that
 * connected to the load balancer, which appends it there. */
static void set_alb_source_ip(struct pg_http_request *req)
{
	const char *forwarded = pg_http_request_header(req, "X-Forwarded-For");
	const char *comma;

	if (!forwarded)
		return;
	comma = strrchr(forwarded, ',');
	forwarded = comma ? comma + 1 : forwarded;
	while (*forwarded == ' ' || *forwarded == '\t')
		forwarded++;
	req->source_ip = forwarded;
}

static enum pg_event_error decode_alb(struct pg_http_request *req,
				      size_t max_body_bytes,
				      struct pg_err *err)
{
	const char *trace_id;
	enum pg_event_error rc;

	if ((rc = get_string(req->root, "httpMethod", "httpMethod",
			     &req->method, err)))
		return rc;
	if ((rc = get_string(req->root, "path", "path", &req->path, err)))
		return rc;
	if ((rc = get_maps(req, err)))
		return rc;
	req->kind = req->multi_headers || req->multi_query
			    ? PG_EVENT_ALB_MULTI_VALUE
			    : PG_EVENT_ALB;

	/* The load balancer passes the query as the client encoded it. */
	req->owned_query = pg_events_query_from_encoded_maps(req->multi_query,
							     req->query);
	req->multi_query = req->owned_query;
	req->query = NULL;

	set_alb_source_ip(req);
	trace_id = pg_http_request_header(req, "X-Amzn-Trace-Id");
	req->request_id = trace_id ? trace_id : "";
	return decode_body(req, max_body_bytes, err);
}

/* Parses the event, reading it with U+FFFD in place of each invalid
 * sequence when it is not valid UTF-8. */
static enum pg_event_error load_event(struct pg_http_request *req,
				      const char *payload, size_t payload_len,
				      struct pg_err *err)
{
	json_error_t json_err;
	json_error_t retry_err;
	struct pg_buf repaired;

	/* JSON_ALLOW_NUL keeps a body with \u0000 at its full length; the
	 * other strings are checked for NUL bytes where they are used. */
	req->root = json_loadb(payload, payload_len, JSON_ALLOW_NUL, &json_err);
	if (req->root)
		return PG_EVENT_OK;

	pg_buf_init(&repaired, 0);
	if (pg_events_repair_json_text(payload, payload_len, &repaired)) {
		req->root = json_loadb(repaired.data, repaired.len,
				       JSON_ALLOW_NUL, &retry_err);
		req->text_replaced = req->root != NULL;
	}
	pg_buf_release(&repaired);
	if (req->root)
		return PG_EVENT_OK;
	pg_err_set(err, "event: invalid JSON at line %d, column %d: %s",
		   json_err.line, json_err.column, json_err.text);
	return PG_EVENT_INVALID_JSON;
}

/* Says what a non-HTTP event looks like, for the error message. */
static void describe_unsupported(json_t *root, struct pg_err *err)
{
	json_t *records = json_object_get(root, "Records");
	json_t *first = json_array_get(records, 0);
	const char *source = json_string_value(json_object_get(first,
							       "EventSource"));

	if (!source)
		source = json_string_value(json_object_get(first,
							   "eventSource"));
	if (json_is_array(records))
		pg_err_set(err, "event: a batch of records from %.64s is not "
				"an HTTP request; this function expects an "
				"API Gateway, Function URL or ALB event",
			   source ? source : "an event source");
	else
		pg_err_set(err, "event: not an HTTP request (no httpMethod, "
				"requestContext.http or requestContext.elb); "
				"this function expects an API Gateway, Function "
				"URL or ALB event, not a direct invocation");
}

enum pg_event_error pg_http_request_decode(struct pg_http_request *req,
					   const char *payload,
					   size_t payload_len,
					   size_t max_body_bytes,
					   struct pg_err *err)
{
	json_t *version;
	json_t *context;
	enum pg_event_error rc;

	if ((rc = load_event(req, payload, payload_len, err)))
		return rc;
	if (!json_is_object(req->root)) {
		pg_err_set(err, "event: expected a JSON object");
		return PG_EVENT_UNSUPPORTED;
	}

	version = json_object_get(req->root, "version");
	context = json_object_get(req->root, "requestContext");
	if (json_is_object(json_object_get(context, "elb")))
		return decode_alb(req, max_body_bytes, err);
	if (json_is_string(version) &&
	    strcmp(json_string_value(version), "2.0") == 0)
		return decode_v2(req, max_body_bytes, err);
	if (json_is_string(version) &&
	    strcmp(json_string_value(version), "1.0") != 0) {
		pg_err_set(err, "event: payload version \"%.16s\" is not "
				"supported, only 1.0 and 2.0",
			   json_string_value(version));
		return PG_EVENT_UNSUPPORTED;
	}
	if (!json_is_string(json_object_get(req->root, "httpMethod"))) {
		describe_unsupported(req->root, err);
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
	void (*visit)(void *ctx, const char *value); /* called per value */
	void *visit_ctx;
};

static void value_list_add(struct value_list *list, const json_t *item)
{
	const char *value = json_string_value(item);

	/* A value with a NUL byte cannot be handed out as a C string, and
	 * one odd value must not fail the request: skip it. */
	if (!value || has_nul(item))
		return;
	if (list->visit)
		list->visit(list->visit_ctx, value);
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
			json_array_foreach(value, index, item)
				value_list_add(list, item);
		}
	}
	if (list->count || !single)
		return;
	json_object_foreach(single, key, value) {
		if (names_equal(key, name, ignore_case))
			value_list_add(list, value);
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

void pg_events_header_visit(const struct pg_http_request *req,
			    const char *name,
			    void (*visit)(void *ctx, const char *value),
			    void *ctx)
{
	struct value_list list = { .visit = visit, .visit_ctx = ctx };

	collect_values(req->multi_headers, req->headers, name, true, &list);
}
