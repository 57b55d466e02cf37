/* struct pg_http_response and its encoding into the proxy response JSON. */
#include "events/events.h"

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

/* Puts each header name into exactly one of the two maps: "headers" for a
 * name with one value, "multiValueHeaders" for a name with several. */
static int encode_headers(const struct pg_http_response *resp, json_t *single,
			  json_t *multi, struct pg_err *err)
{
	for (size_t i = 0; i < resp->header_count; i++) {
		const char *name = resp->headers[i].name;
		size_t count = 0;
		bool seen = false;
		json_t *values;

		for (size_t j = 0; j < i && !seen; j++)
			seen = pg_ascii_ieq(resp->headers[j].name, name);
		if (seen)
			continue;
		for (size_t j = i; j < resp->header_count; j++)
			count += pg_ascii_ieq(resp->headers[j].name, name);

		if (!pg_utf8_valid(name, strlen(name), NULL)) {
			pg_err_set(err, "response header name: not valid UTF-8");
			return -1;
		}
		if (count == 1) {
			json_t *value = utf8_string(resp->headers[i].value,
						    "header value", err);

			if (!value || json_object_set_new(single, name, value))
				return -1;
			continue;
		}
		values = json_array();
		if (!values || json_object_set_new(multi, name, values))
			return -1;
		for (size_t j = i; j < resp->header_count; j++) {
			json_t *value;

			if (!pg_ascii_ieq(resp->headers[j].name, name))
				continue;
			value = utf8_string(resp->headers[j].value,
					    "header value", err);
			if (!value || json_array_append_new(values, value))
				return -1;
		}
	}
	return 0;
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
	json_t *body = NULL;
	bool base64 = false;
	size_t size;
	int result = -1;

	/* Every kind is encoded in the 1.0 proxy format so far. */
	(void)kind;
	if (!root || !single || !multi)
		goto out;
	if (encode_headers(resp, single, multi, err) < 0)
		goto out;
	body = encode_body(resp, &base64);
	if (!body) {
		pg_err_set(err, "response body: could not be encoded");
		goto out;
	}

	if (json_object_set_new(root, "statusCode",
				json_integer(resp->status)) ||
	    json_object_set(root, "headers", single))
		goto out;
	if (json_object_size(multi) &&
	    json_object_set(root, "multiValueHeaders", multi))
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
	json_decref(multi);
	json_decref(single);
	json_decref(root);
	return result;
}
