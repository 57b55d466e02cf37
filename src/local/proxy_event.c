#include "local/local.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/text.h"

/* Makes a JSON string of bytes that should be UTF-8. HTTP header bytes that
 * are not are read as ISO-8859-1, their historical charset, so that no
 * request is refused for one odd header. */
static json_t *text_value(const char *s, size_t len)
{
	struct pg_buf utf8;
	json_t *v;

	if (pg_utf8_valid(s, len, NULL))
		return json_stringn(s, len);
	pg_buf_init(&utf8, 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char two[2];
		int rc;

		if (c < 0x80) {
			rc = pg_buf_append(&utf8, &s[i], 1);
		} else {
			two[0] = (char)(0xc0 | (c >> 6));
			two[1] = (char)(0x80 | (c & 0x3f));
			rc = pg_buf_append(&utf8, two, 2);
		}
		if (rc < 0)
			break;
	}
	v = json_stringn(utf8.data ? utf8.data : "", utf8.len);
	pg_buf_release(&utf8);
	return v;
}

static json_t *cstr_value(const char *s)
{
	return s ? text_value(s, strlen(s)) : json_null();
}

/* Finds the key in obj that equals name ignoring ASCII case, so that
 * repeated headers group under the first spelling seen. */
static const char *find_key_ci(json_t *obj, const char *name)
{
	const char *key;
	json_t *value;

	json_object_foreach(obj, key, value) {
		(void)value;
		if (pg_ascii_ieq(key, name))
			return key;
	}
	return NULL;
}

/* Fills the single-value and multi-value maps from pairs; both stay JSON
 * null when there are no pairs, as API Gateway sends them. A later single
 * value replaces an earlier one. */
static void add_pairs(json_t *event, const char *single_name,
		      const char *multi_name, const struct pg_proxy_pair *pairs,
		      size_t count, bool fold_case)
{
	json_t *single;
	json_t *multi;

	if (!count) {
		json_object_set_new(event, single_name, json_null());
		json_object_set_new(event, multi_name, json_null());
		return;
	}
	single = json_object();
	multi = json_object();
	for (size_t i = 0; i < count; i++) {
		const char *name = pairs[i].name;
		const char *value = pairs[i].value ? pairs[i].value : "";
		const char *key = fold_case ? find_key_ci(multi, name) : NULL;
		json_t *list;

		if (!pg_utf8_valid(name, strlen(name), NULL))
			continue;
		if (!key)
			key = name;
		list = json_object_get(multi, key);
		if (!list) {
			list = json_array();
			json_object_set_new(multi, key, list);
		}
		json_array_append_new(list, cstr_value(value));
		json_object_set_new(single, key, cstr_value(value));
	}
	json_object_set_new(event, single_name, single);
	json_object_set_new(event, multi_name, multi);
}

static const char *find_header(const struct pg_proxy_request *req,
			       const char *name)
{
	const char *found = NULL;

	for (size_t i = 0; i < req->header_count; i++)
		if (pg_ascii_ieq(req->headers[i].name, name))
			found = req->headers[i].value;
	return found;
}

static bool type_is(const char *type, size_t len, const char *want)
{
	return strlen(want) == len && pg_ascii_nieq(type, want, len);
}

bool pg_proxy_body_is_text(const char *content_type, const char *body,
			   size_t len)
{
	size_t type_len;

	if (!pg_utf8_valid(body, len, NULL))
		return false;
	if (!content_type)
		return true;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	type_len = strcspn(content_type, "; \t");
	if (!type_len)
		return true;
	if (type_len >= 5 && pg_ascii_nieq(content_type, "text/", 5))
		return true;
	if (type_is(content_type, type_len, "application/json") ||
	    type_is(content_type, type_len, "application/xml") ||
	    type_is(content_type, type_len, "application/x-www-form-urlencoded"))
		return true;
	/* Structured syntax suffixes, e.g. application/problem+json. */
	if (type_len > 5 && (pg_ascii_nieq(content_type + type_len - 5, "+json", 5)))
		return true;
	if (type_len > 4 && (pg_ascii_nieq(content_type + type_len - 4, "+xml", 4)))
		return true;
	return false;
}

static json_t *request_context(const struct pg_proxy_request *req,
			       const char *resource)
{
	char stamp[64];
	time_t secs = (time_t)(req->time_epoch_ms / 1000);
	struct tm tm;
	struct pg_buf stage_path;
	json_t *identity;
	json_t *ctx;
	const char *host = find_header(req, "Host");

	/* API Gateway's requestTime format, e.g. 09/Apr/2015:12:34:56 +0000. */
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%d/%b/%Y:%H:%M:%S +0000", &tm);

	pg_buf_init(&stage_path, 0);
	if (pg_buf_append_str(&stage_path, "/local") < 0 ||
	    pg_buf_append_str(&stage_path, req->path) < 0)
		pg_buf_reset(&stage_path);

	identity = json_pack("{s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n}",
			     "cognitoIdentityPoolId", "accountId",
			     "cognitoIdentityId", "caller", "apiKey",
			     "principalOrgId", "accessKey",
			     "cognitoAuthenticationType",
			     "cognitoAuthenticationProvider", "userArn", "user");
	json_object_set_new(identity, "sourceIp", cstr_value(req->source_ip));
	json_object_set_new(identity, "userAgent",
			    cstr_value(find_header(req, "User-Agent")));

	ctx = json_object();
	json_object_set_new(ctx, "accountId", json_string(PG_LOCAL_ACCOUNT_ID));
	json_object_set_new(ctx, "apiId", json_string("pigeonlocal"));
	json_object_set_new(ctx, "resourceId", json_string("local"));
	json_object_set_new(ctx, "resourcePath", json_string(resource));
	json_object_set_new(ctx, "httpMethod", cstr_value(req->method));
	json_object_set_new(ctx, "extendedRequestId", cstr_value(req->request_id));
	json_object_set_new(ctx, "requestTime", json_string(stamp));
	json_object_set_new(ctx, "requestTimeEpoch", json_integer(req->time_epoch_ms));
	json_object_set_new(ctx, "path", text_value(stage_path.data ? stage_path.data : "",
						   stage_path.len));
	json_object_set_new(ctx, "stage", json_string("local"));
	json_object_set_new(ctx, "domainPrefix", json_string("localhost"));
	json_object_set_new(ctx, "domainName", cstr_value(host ? host : "localhost"));
	json_object_set_new(ctx, "protocol", json_string("HTTP/1.1"));
	json_object_set_new(ctx, "requestId", cstr_value(req->request_id));
	json_object_set_new(ctx, "identity", identity);
	pg_buf_release(&stage_path);
	return ctx;
}

static int add_body(json_t *event, const struct pg_proxy_request *req,
		    bool null_when_empty, struct pg_err *err);

int pg_proxy_event_build(const struct pg_proxy_request *req, struct pg_buf *out,
			 struct pg_err *err)
{
	json_t *event = json_object();
	bool root = !strcmp(req->path, "/");
	const char *resource = root ? "/" : "/{proxy+}";
	char *text = NULL;
	int result = -1;

	json_object_set_new(event, "resource", json_string(resource));
	json_object_set_new(event, "path", cstr_value(req->path));
	json_object_set_new(event, "httpMethod", cstr_value(req->method));
	add_pairs(event, "headers", "multiValueHeaders", req->headers,
		  req->header_count, true);
	add_pairs(event, "queryStringParameters",
		  "multiValueQueryStringParameters", req->query,
		  req->query_count, false);
	if (root)
		json_object_set_new(event, "pathParameters", json_null());
	else
		json_object_set_new(event, "pathParameters",
				    json_pack("{s:o}", "proxy",
					      cstr_value(req->path + 1)));
	json_object_set_new(event, "stageVariables", json_null());
	json_object_set_new(event, "requestContext", request_context(req, resource));

	if (add_body(event, req, true, err) < 0)
		goto out;

	text = json_dumps(event, JSON_COMPACT);
	if (!text) {
		pg_err_set(err, "event: JSON encoding failed");
		goto out;
	}
	if (pg_buf_append_str(out, text) < 0) {
		pg_err_set(err, "event: larger than %zu bytes", out->max_bytes);
		goto out;
	}
	result = 0;
out:
	free(text);
	json_decref(event);
	return result;
}

void pg_proxy_response_release(struct pg_proxy_response *resp)
{
	if (!resp)
		return;
	for (size_t i = 0; i < resp->header_count; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

/* Renders a header value the way API Gateway accepts them: strings as they
 * are, numbers and booleans as their JSON text. */
static char *scalar_text(json_t *v)
{
	char number[64];

	if (json_is_string(v)) {
		/* A NUL inside a header value cannot go on the wire. */
		if (strlen(json_string_value(v)) != json_string_length(v))
			return NULL;
		return pg_strdup(json_string_value(v));
	}
	if (json_is_integer(v)) {
		snprintf(number, sizeof(number), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return pg_strdup(number);
	}
	if (json_is_real(v)) {
		snprintf(number, sizeof(number), "%.17g", json_real_value(v));
		return pg_strdup(number);
	}
	if (json_is_boolean(v))
		return pg_strdup(json_is_true(v) ? "true" : "false");
	return NULL;
}

static bool header_ok(const char *name, const char *value)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == ':' || *p == 0x7f)
			return false;
	return !strpbrk(value, "\r\n");
}

static int add_header(struct pg_proxy_response *resp, const char *name,
		      json_t *v, struct pg_err *err)
{
	char *value = scalar_text(v);

	if (!value) {
		pg_err_set(err, "header %s: value is not a string", name);
		return -1;
	}
	if (!header_ok(name, value)) {
		free(value);
		pg_err_set(err, "header %s: invalid name or value", name);
		return -1;
	}
	resp->headers = pg_realloc(resp->headers, (resp->header_count + 1) *
				   sizeof(*resp->headers));
	resp->headers[resp->header_count].name = pg_strdup(name);
	resp->headers[resp->header_count].value = value;
	resp->header_count++;
	return 0;
}

static int parse_status(json_t *v, struct pg_proxy_response *resp,
			struct pg_err *err)
{
	json_int_t status;

	if (json_is_integer(v)) {
		status = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		errno = 0;
		status = strtol(s, &end, 10);
		if (!*s || *end || errno)
			status = -1;
	} else {
		pg_err_set(err, v ? "statusCode: not an integer"
				  : "statusCode: missing");
		return -1;
	}
	if (status < 100 || status > 599) {
		pg_err_set(err, "statusCode: not an HTTP status from 100 to 599");
		return -1;
	}
	resp->status = (int)status;
	return 0;
}

static int parse_headers(json_t *root, struct pg_proxy_response *resp,
			 struct pg_err *err)
{
	json_t *single = json_object_get(root, "headers");
	json_t *multi = json_object_get(root, "multiValueHeaders");
	const char *name;
	json_t *v;

	if (single && !json_is_null(single) && !json_is_object(single)) {
		pg_err_set(err, "headers: not an object");
		return -1;
	}
	if (multi && !json_is_null(multi) && !json_is_object(multi)) {
		pg_err_set(err, "multiValueHeaders: not an object");
		return -1;
	}
	if (json_is_object(multi)) {
		json_object_foreach(multi, name, v) {
			size_t i;
			json_t *item;

			if (!json_is_array(v)) {
				pg_err_set(err, "multiValueHeaders.%s: not an array", name);
				return -1;
			}
			json_array_foreach(v, i, item)
				if (add_header(resp, name, item, err) < 0)
					return -1;
		}
	}
	/* A name in both maps takes its values from multiValueHeaders. */
	if (json_is_object(single)) {
		json_object_foreach(single, name, v) {
			if (json_is_object(multi) && find_key_ci(multi, name))
				continue;
			if (add_header(resp, name, v, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int parse_body(json_t *root, struct pg_proxy_response *resp,
		      struct pg_err *err)
{
	json_t *body = json_object_get(root, "body");
	json_t *b64 = json_object_get(root, "isBase64Encoded");
	struct pg_buf decoded;

	if (b64 && !json_is_boolean(b64) && !json_is_null(b64)) {
		pg_err_set(err, "isBase64Encoded: not a boolean");
		return -1;
	}
	if (!body || json_is_null(body)) {
		resp->body = pg_strdup("");
		return 0;
	}
	if (!json_is_string(body)) {
		pg_err_set(err, "body: not a string");
		return -1;
	}
	if (!json_is_true(b64)) {
		resp->body_len = json_string_length(body);
		resp->body = pg_strndup(json_string_value(body), resp->body_len);
		return 0;
	}
	pg_buf_init(&decoded, PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES);
	if (pg_base64_decode(json_string_value(body), json_string_length(body),
			     &decoded) < 0) {
		pg_buf_release(&decoded);
		pg_err_set(err, "body: invalid base64");
		return -1;
	}
	resp->body = pg_buf_detach(&decoded, &resp->body_len);
	return 0;
}

int pg_proxy_response_parse(const char *json, size_t len,
			    struct pg_proxy_response *resp, struct pg_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	int result = -1;

	memset(resp, 0, sizeof(*resp));
	if (!json_is_object(root)) {
		pg_err_set(err, root ? "answer: not a JSON object"
				     : "answer: not valid JSON");
		goto out;
	}
	if (parse_status(json_object_get(root, "statusCode"), resp, err) < 0 ||
	    parse_headers(root, resp, err) < 0 || parse_body(root, resp, err) < 0)
		goto out;
	result = 0;
out:
	if (result < 0)
		pg_proxy_response_release(resp);
	json_decref(root);
	return result;
}

/* ---- API Gateway HTTP API (payload format 2.0) ---- */

/* Appends s to out with every byte outside keep_set (and outside the
 * unreserved letters, digits and "-._~") percent-encoded. */
static void percent_encode(struct pg_buf *out, const char *s, size_t len,
			   const char *keep_set)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char escaped[3] = { '%', hex[c >> 4], hex[c & 15] };

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c && strchr("-._~", c)) ||
		    (c && strchr(keep_set, c))) {
			if (pg_buf_append(out, s + i, 1) < 0)
				return;
		} else if (pg_buf_append(out, escaped, 3) < 0) {
			return;
		}
	}
}

/* Returns buf's text, which must be valid UTF-8, as a JSON string. */
static json_t *buf_string(const struct pg_buf *buf)
{
	return json_stringn(buf->data ? buf->data : "", buf->len);
}

/* The client's request line cannot be read back from MHD, which decodes
 * it, so rawPath and rawQueryString are encoded again. Both keep what a
 * client may send unencoded in a path or query. */
static json_t *raw_path(const char *path)
{
	struct pg_buf out;
	json_t *v;

	pg_buf_init(&out, 0);
	percent_encode(&out, path, strlen(path), "/!$&'()*+,;=:@");
	v = buf_string(&out);
	pg_buf_release(&out);
	return v;
}

static json_t *raw_query(const struct pg_proxy_request *req)
{
	struct pg_buf out;
	json_t *v;

	pg_buf_init(&out, 0);
	for (size_t i = 0; i < req->query_count; i++) {
		const char *value = req->query[i].value ? req->query[i].value : "";

		if (i && pg_buf_append_str(&out, "&") < 0)
			break;
		percent_encode(&out, req->query[i].name, strlen(req->query[i].name),
			       "!$'()*,:@/?");
		if (pg_buf_append_str(&out, "=") < 0)
			break;
		percent_encode(&out, value, strlen(value), "!$'()*,:@/?");
	}
	v = buf_string(&out);
	pg_buf_release(&out);
	return v;
}

/* Sets the string member key to value, or appends ",value" when it is
 * already there. */
static void join_member(json_t *map, const char *key, const char *value)
{
	json_t *old = json_object_get(map, key);
	json_t *added = cstr_value(value);
	struct pg_buf joined;

	if (!old) {
		json_object_set_new(map, key, added);
		return;
	}
	pg_buf_init(&joined, 0);
	if (pg_buf_append(&joined, json_string_value(old), json_string_length(old)) == 0 &&
	    pg_buf_append_str(&joined, ",") == 0 &&
	    pg_buf_append(&joined, json_string_value(added), json_string_length(added)) == 0)
		json_object_set_new(map, key, buf_string(&joined));
	pg_buf_release(&joined);
	json_decref(added);
}

/* Adds the pairs of a Cookie header ("a=1; b=2") to the cookies array. */
static void add_cookie_pairs(json_t *cookies, const char *header)
{
	while (*header) {
		size_t len = strcspn(header, ";");
		const char *pair = header;

		header += len;
		if (*header == ';')
			header++;
		while (len && (*pair == ' ' || *pair == '\t')) {
			pair++;
			len--;
		}
		while (len && (pair[len - 1] == ' ' || pair[len - 1] == '\t'))
			len--;
		if (len)
			json_array_append_new(cookies, text_value(pair, len));
	}
}

/* The 2.0 header map: lower-case names, repeated headers joined with
 * commas, and the Cookie headers moved into the cookies array. */
static void add_v2_headers(json_t *event, const struct pg_proxy_request *req)
{
	json_t *headers = json_object();
	json_t *cookies = json_array();

	for (size_t i = 0; i < req->header_count; i++) {
		const char *name = req->headers[i].name;
		const char *value = req->headers[i].value ? req->headers[i].value : "";
		char lower[256];
		size_t len = strlen(name);

		if (!pg_utf8_valid(name, len, NULL) || len >= sizeof(lower))
			continue;
		if (pg_ascii_ieq(name, "Cookie")) {
			add_cookie_pairs(cookies, value);
			continue;
		}
		for (size_t j = 0; j <= len; j++)
			lower[j] = (char)(name[j] >= 'A' && name[j] <= 'Z' ?
					  name[j] - 'A' + 'a' : name[j]);
		join_member(headers, lower, value);
	}
	if (json_array_size(cookies))
		json_object_set_new(event, "cookies", cookies);
	else
		json_decref(cookies);
	json_object_set_new(event, "headers", headers);
}

/* Adds "body" and "isBase64Encoded" as API Gateway sends them: text as it
 * is, anything else in base64. Returns 0, or -1 with err set. */
static int add_body(json_t *event, const struct pg_proxy_request *req,
		    bool null_when_empty, struct pg_err *err)
{
	const char *content_type = find_header(req, "Content-Type");
	struct pg_buf b64;

	if (!req->body_len) {
		if (null_when_empty)
			json_object_set_new(event, "body", json_null());
		json_object_set_new(event, "isBase64Encoded", json_false());
		return 0;
	}
	if (pg_proxy_body_is_text(content_type, req->body, req->body_len)) {
		json_object_set_new(event, "body",
				    json_stringn(req->body, req->body_len));
		json_object_set_new(event, "isBase64Encoded", json_false());
		return 0;
	}
	pg_buf_init(&b64, 0);
	if (pg_base64_encode(req->body, req->body_len, &b64) < 0) {
		pg_buf_release(&b64);
		pg_err_set(err, "body: base64 form too large");
		return -1;
	}
	json_object_set_new(event, "body", json_stringn(b64.data, b64.len));
	json_object_set_new(event, "isBase64Encoded", json_true());
	pg_buf_release(&b64);
	return 0;
}

static json_t *request_context_v2(const struct pg_proxy_request *req)
{
	char stamp[64];
	time_t secs = (time_t)(req->time_epoch_ms / 1000);
	struct tm tm;
	const char *host = find_header(req, "Host");
	json_t *http;
	json_t *ctx;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%d/%b/%Y:%H:%M:%S +0000", &tm);

	http = json_object();
	json_object_set_new(http, "method", cstr_value(req->method));
	json_object_set_new(http, "path", cstr_value(req->path));
	json_object_set_new(http, "protocol", json_string("HTTP/1.1"));
	json_object_set_new(http, "sourceIp", cstr_value(req->source_ip));
	json_object_set_new(http, "userAgent",
			    cstr_value(find_header(req, "User-Agent") ?
				       find_header(req, "User-Agent") : ""));

	ctx = json_object();
	json_object_set_new(ctx, "accountId", json_string(PG_LOCAL_ACCOUNT_ID));
	json_object_set_new(ctx, "apiId", json_string("pigeonlocal"));
	json_object_set_new(ctx, "domainName", cstr_value(host ? host : "localhost"));
	json_object_set_new(ctx, "domainPrefix", json_string("localhost"));
	json_object_set_new(ctx, "http", http);
	json_object_set_new(ctx, "requestId", cstr_value(req->request_id));
	json_object_set_new(ctx, "routeKey", json_string("$default"));
	json_object_set_new(ctx, "stage", json_string("$default"));
	json_object_set_new(ctx, "time", json_string(stamp));
	json_object_set_new(ctx, "timeEpoch", json_integer(req->time_epoch_ms));
	return ctx;
}

int pg_proxy_event_build_v2(const struct pg_proxy_request *req,
			    struct pg_buf *out, struct pg_err *err)
{
	json_t *event = json_object();
	char *text = NULL;
	int result = -1;

	json_object_set_new(event, "version", json_string("2.0"));
	json_object_set_new(event, "routeKey", json_string("$default"));
	json_object_set_new(event, "rawPath", raw_path(req->path));
	json_object_set_new(event, "rawQueryString", raw_query(req));
	add_v2_headers(event, req);
	if (req->query_count) {
		json_t *query = json_object();

		for (size_t i = 0; i < req->query_count; i++)
			if (pg_utf8_valid(req->query[i].name,
					  strlen(req->query[i].name), NULL))
				join_member(query, req->query[i].name,
					    req->query[i].value ? req->query[i].value : "");
		json_object_set_new(event, "queryStringParameters", query);
	}
	json_object_set_new(event, "requestContext", request_context_v2(req));
	/* A request without a body has no "body" key in payload 2.0. */
	if (add_body(event, req, false, err) < 0)
		goto out;

	text = json_dumps(event, JSON_COMPACT);
	if (!text) {
		pg_err_set(err, "event: JSON encoding failed");
		goto out;
	}
	if (pg_buf_append_str(out, text) < 0) {
		pg_err_set(err, "event: larger than %zu bytes", out->max_bytes);
		goto out;
	}
	result = 0;
out:
	free(text);
	json_decref(event);
	return result;
}

/* Turns the 2.0 "cookies" array into Set-Cookie headers. */
static int parse_cookies(json_t *root, struct pg_proxy_response *resp,
			 struct pg_err *err)
{
	json_t *cookies = json_object_get(root, "cookies");
	json_t *item;
	size_t i;

	if (!cookies || json_is_null(cookies))
		return 0;
	if (!json_is_array(cookies)) {
		pg_err_set(err, "cookies: not an array");
		return -1;
	}
	json_array_foreach(cookies, i, item)
		if (add_header(resp, "Set-Cookie", item, err) < 0)
			return -1;
	return 0;
}

/* Builds the response API Gateway infers from a 2.0 answer that is valid
 * JSON without a statusCode: 200, application/json, and the answer as the
 * body. A JSON string answer becomes its text, as sam local does, and any
 * other value its JSON text. */
static void infer_response(json_t *root, const char *json, size_t len,
			   struct pg_proxy_response *resp)
{
	json_t *type = json_string("application/json");
	struct pg_err ignored = {{0}};

	/* NOTE: AWS documents the body only as "the function's response";
	 * unwrapping a string answer follows sam local, not a capture. */
	resp->status = 200;
	if (json_is_string(root)) {
		resp->body_len = json_string_length(root);
		resp->body = pg_strndup(json_string_value(root), resp->body_len);
	} else {
		resp->body_len = len;
		resp->body = pg_strndup(json, len);
	}
	if (add_header(resp, "Content-Type", type, &ignored) < 0)
		resp->header_count = 0;
	json_decref(type);
}

int pg_proxy_response_parse_v2(const char *json, size_t len,
			       struct pg_proxy_response *resp, struct pg_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	json_t *single;
	const char *name;
	json_t *v;
	int result = -1;

	memset(resp, 0, sizeof(*resp));
	if (!root) {
		pg_err_set(err, "answer: not valid JSON");
		goto out;
	}
	if (!json_is_object(root) || !json_object_get(root, "statusCode")) {
		infer_response(root, json, len, resp);
		result = 0;
		goto out;
	}
	if (parse_status(json_object_get(root, "statusCode"), resp, err) < 0)
		goto out;

	/* Payload 2.0 has no multiValueHeaders; a repeated header is one
	 * comma-joined value. */
	single = json_object_get(root, "headers");
	if (single && !json_is_null(single) && !json_is_object(single)) {
		pg_err_set(err, "headers: not an object");
		goto out;
	}
	if (json_is_object(single))
		json_object_foreach(single, name, v)
			if (add_header(resp, name, v, err) < 0)
				goto out;
	if (parse_cookies(root, resp, err) < 0 || parse_body(root, resp, err) < 0)
		goto out;
	result = 0;
out:
	if (result < 0)
		pg_proxy_response_release(resp);
	json_decref(root);
	return result;
}
