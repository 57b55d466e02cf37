/* struct pg_http_response and its encoding into the response JSON of each
 * event shape (API Gateway 1.0 and 2.0, Function URL, ALB). */
#include "events/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

void pg_http_response_init(struct pg_http_response *resp,
			   size_t max_body_bytes)
{
	resp->status = 200;
	resp->headers = NULL;
	resp->header_count = 0;
	resp->header_cap = 0;
	pg_buf_init(&resp->body, max_body_bytes);
	resp->body_base64 = false;
}

void pg_http_response_release(struct pg_http_response *resp)
{
	if (!resp)
		return;
	for (size_t i = 0; i < resp->header_count; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	resp->headers = NULL;
	resp->header_count = 0;
	resp->header_cap = 0;
	pg_buf_release(&resp->body);
}

void pg_http_response_add_header(struct pg_http_response *resp,
				 const char *name, const char *value)
{
	struct pg_http_header *header;

	if (resp->header_count == resp->header_cap) {
		resp->header_cap = resp->header_cap ? resp->header_cap * 2 : 8;
		resp->headers = pg_realloc(resp->headers,
					   resp->header_cap *
						   sizeof(resp->headers[0]));
	}
	header = &resp->headers[resp->header_count++];
	header->name = pg_strdup(name);
	header->value = pg_strdup(value);
}

void pg_http_response_set_header(struct pg_http_response *resp,
				 const char *name, const char *value)
{
	size_t kept = 0;

	/* Drop every value of name, keeping the order of the others. */
	for (size_t i = 0; i < resp->header_count; i++) {
		if (pg_ascii_ieq(resp->headers[i].name, name)) {
			free(resp->headers[i].name);
			free(resp->headers[i].value);
			continue;
		}
		resp->headers[kept++] = resp->headers[i];
	}
	resp->header_count = kept;
	pg_http_response_add_header(resp, name, value);
}

const char *pg_http_response_header(const struct pg_http_response *resp,
				    const char *name)
{
	const char *found = NULL;

	for (size_t i = 0; i < resp->header_count; i++)
		if (pg_ascii_ieq(resp->headers[i].name, name))
			found = resp->headers[i].value;
	return found;
}

static json_t *utf8_string(const char *s, const char *what, struct pg_err *err)
{
	json_t *v = json_stringn(s, strlen(s));

	if (!v)
		pg_err_set(err, "response %s: not valid UTF-8", what);
	return v;
}

/* Returns true when header i is the first of its name, so that each name
 * is encoded once. */
static bool first_of_name(const struct pg_http_response *resp, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (pg_ascii_ieq(resp->headers[j].name, resp->headers[i].name))
			return false;
	return true;
}

static size_t count_of_name(const struct pg_http_response *resp, size_t i)
{
	size_t count = 0;

	for (size_t j = i; j < resp->header_count; j++)
		count += pg_ascii_ieq(resp->headers[j].name,
				      resp->headers[i].name);
	return count;
}

/* Returns an array of every value of header i's name. */
static json_t *value_array(const struct pg_http_response *resp, size_t i,
			   struct pg_err *err)
{
	json_t *values = json_array();

	for (size_t j = i; values && j < resp->header_count; j++) {
		json_t *value;

		if (!pg_ascii_ieq(resp->headers[j].name, resp->headers[i].name))
			continue;
		value = utf8_string(resp->headers[j].value, "header value", err);
		if (!value || json_array_append_new(values, value)) {
			json_decref(values);
			return NULL;
		}
	}
	return values;
}

/* Returns every value of header i's name joined with ", ", or only the
 * last value when last_only is set. */
static json_t *joined_value(const struct pg_http_response *resp, size_t i,
			    bool last_only, struct pg_err *err)
{
	struct pg_buf joined;
	size_t added = 0;
	json_t *value = NULL;

	pg_buf_init(&joined, 0);
	for (size_t j = i; j < resp->header_count; j++) {
		if (!pg_ascii_ieq(resp->headers[j].name, resp->headers[i].name))
			continue;
		if (last_only)
			pg_buf_reset(&joined);
		if ((added++ && !last_only &&
		     pg_buf_append_str(&joined, ", ") < 0) ||
		    pg_buf_append_str(&joined, resp->headers[j].value) < 0)
			goto out;
	}
	value = utf8_string(joined.data ? joined.data : "", "header value",
			    err);
out:
	pg_buf_release(&joined);
	return value;
}

/* The place of a header in the encoded response. */
enum header_place {
	PLACE_SINGLE, /* "headers", one string */
	PLACE_MULTI,  /* "multiValueHeaders", an array */
	PLACE_JOINED, /* "headers", several values joined */
	PLACE_LAST,   /* "headers", the last value only */
	PLACE_COOKIES, /* the 2.0 "cookies" array */
};

static enum header_place header_place(const struct pg_http_response *resp,
				      size_t i, enum pg_event_kind kind)
{
	bool set_cookie = pg_ascii_ieq(resp->headers[i].name, "Set-Cookie");
	bool several = count_of_name(resp, i) > 1;

	switch (kind) {
	case PG_EVENT_APIGW_V2:
	case PG_EVENT_FUNCTION_URL:
		if (set_cookie)
			return PLACE_COOKIES;
		return several ? PLACE_JOINED : PLACE_SINGLE;
	case PG_EVENT_ALB:
		/* NOTE: a single-value target group cannot carry two
		 * Set-Cookie headers; only the last one reaches the client. */
		if (several)
			return set_cookie ? PLACE_LAST : PLACE_JOINED;
		return PLACE_SINGLE;
	case PG_EVENT_ALB_MULTI_VALUE:
		return PLACE_MULTI;
	case PG_EVENT_APIGW_V1:
	default:
		return several ? PLACE_MULTI : PLACE_SINGLE;
	}
}

/* Puts each header name into exactly one place: "headers",
 * "multiValueHeaders" or "cookies", as the event shape requires. */
static int encode_headers(const struct pg_http_response *resp,
			  enum pg_event_kind kind, json_t *single,
			  json_t *multi, json_t *cookies, struct pg_err *err)
{
	for (size_t i = 0; i < resp->header_count; i++) {
		const char *name = resp->headers[i].name;
		json_t *value = NULL;
		json_t *target = single;

		if (!first_of_name(resp, i))
			continue;
		if (!pg_utf8_valid(name, strlen(name), NULL)) {
			pg_err_set(err, "response header name: not valid UTF-8");
			return -1;
		}
		switch (header_place(resp, i, kind)) {
		case PLACE_SINGLE:
			value = utf8_string(resp->headers[i].value,
					    "header value", err);
			break;
		case PLACE_JOINED:
			value = joined_value(resp, i, false, err);
			break;
		case PLACE_LAST:
			value = joined_value(resp, i, true, err);
			break;
		case PLACE_MULTI:
			value = value_array(resp, i, err);
			target = multi;
			break;
		case PLACE_COOKIES:
			value = value_array(resp, i, err);
			if (!value || json_array_extend(cookies, value)) {
				json_decref(value);
				return -1;
			}
			json_decref(value);
			continue;
		}
		if (!value || json_object_set_new(target, name, value))
			return -1;
	}
	return 0;
}

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" }, { 101, "Switching Protocols" },
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 203, "Non-Authoritative Information" }, { 204, "No Content" },
	{ 205, "Reset Content" }, { 206, "Partial Content" },
	{ 300, "Multiple Choices" }, { 301, "Moved Permanently" },
	{ 302, "Found" }, { 303, "See Other" }, { 304, "Not Modified" },
	{ 305, "Use Proxy" }, { 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 402, "Payment Required" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
	{ 411, "Length Required" }, { 412, "Precondition Failed" },
	{ 413, "Content Too Large" }, { 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" }, { 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" }, { 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
};

const char *pg_http_status_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

/* Sets "statusDescription" to "200 OK", as a target group expects. */
static int set_status_description(json_t *root, int status)
{
	char text[64];
	const char *reason = pg_http_status_reason(status);

	snprintf(text, sizeof(text), "%d%s%s", status, *reason ? " " : "",
		 reason);
	return json_object_set_new(root, "statusDescription",
				   json_string(text));
}

static json_t *encode_body(const struct pg_http_response *resp,
			   bool *base64_out)
{
	const char *data = resp->body.data ? resp->body.data : "";
	struct pg_buf encoded;
	json_t *body;

	*base64_out = resp->body_base64 ||
		      !pg_utf8_valid(data, resp->body.len, NULL);
	if (!*base64_out)
		return json_stringn(data, resp->body.len);

	pg_buf_init(&encoded, 0);
	if (pg_base64_encode(data, resp->body.len, &encoded) < 0) {
		pg_buf_release(&encoded);
		return NULL;
	}
	body = json_stringn(encoded.data ? encoded.data : "", encoded.len);
	pg_buf_release(&encoded);
	return body;
}

int pg_http_response_encode(const struct pg_http_response *resp,
			    enum pg_event_kind kind, struct pg_buf *out,
			    struct pg_err *err)
{
	json_t *root = json_object();
	json_t *single = json_object();
	json_t *multi = json_object();
	json_t *cookies = json_array();
	json_t *body = NULL;
	bool alb = kind == PG_EVENT_ALB || kind == PG_EVENT_ALB_MULTI_VALUE;
	bool base64 = false;
	size_t size;
	int result = -1;

	if (!root || !single || !multi || !cookies)
		goto out;
	if (encode_headers(resp, kind, single, multi, cookies, err) < 0)
		goto out;
	body = encode_body(resp, &base64);
	if (!body) {
		pg_err_set(err, "response body: could not be encoded");
		goto out;
	}

	if (json_object_set_new(root, "statusCode",
				json_integer(resp->status)))
		goto out;
	if (alb && set_status_description(root, resp->status))
		goto out;
	/* A multi-value target group reads only multiValueHeaders. */
	if (kind != PG_EVENT_ALB_MULTI_VALUE &&
	    json_object_set(root, "headers", single))
		goto out;
	if ((json_object_size(multi) || kind == PG_EVENT_ALB_MULTI_VALUE) &&
	    json_object_set(root, "multiValueHeaders", multi))
		goto out;
	if (json_array_size(cookies) &&
	    json_object_set(root, "cookies", cookies))
		goto out;
	if (json_object_set(root, "body", body) ||
	    json_object_set_new(root, "isBase64Encoded", json_boolean(base64)))
		goto out;

	size = json_dumpb(root, NULL, 0, JSON_COMPACT);
	if (!size || pg_buf_reserve(out, size) < 0) {
		pg_err_set(err, "response: larger than the output limit");
		goto out;
	}
	json_dumpb(root, out->data + out->len, size, JSON_COMPACT);
	out->len += size;
	out->data[out->len] = '\0';
	result = 0;
out:
	if (result < 0)
		pg_err_set(err, "response: could not be encoded");
	json_decref(body);
	json_decref(cookies);
	json_decref(multi);
	json_decref(single);
	json_decref(root);
	return result;
}
