/* The API Gateway stand-in: every request outside /_pigeon/ becomes an
 * event for the api function, a REST API proxy event (payload format 1.0)
 * or an HTTP API event (2.0) as --payload-format chooses, and the
 * function's response becomes the HTTP response. Under /_pigeon/ live the
 * Pushover-compatible inbox, the contact form and the queue listing. */
#include "local/local.h"

#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/alloc.h"
#include "common/text.h"
#include "log/log.h"

#define LIST_LIMIT 200

struct pairs {
	struct pg_proxy_pair *items;
	size_t count;
};

static enum MHD_Result collect_pair(void *cls, enum MHD_ValueKind kind,
				    const char *key, const char *value)
{
	struct pairs *pairs = cls;

	(void)kind;
	pairs->items = pg_realloc(pairs->items,
				  (pairs->count + 1) * sizeof(*pairs->items));
	pairs->items[pairs->count].name = key;
	pairs->items[pairs->count].value = value ? value : "";
	pairs->count++;
	return MHD_YES;
}

static void client_address(struct MHD_Connection *connection, char *out,
			   size_t size)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *addr = info ? info->client_addr : NULL;
	socklen_t len = sizeof(struct sockaddr_in);

	snprintf(out, size, "127.0.0.1");
	if (!addr)
		return;
	if (addr->sa_family == AF_INET6)
		len = sizeof(struct sockaddr_in6);
	if (getnameinfo(addr, len, out, (socklen_t)size, NULL, 0,
			NI_NUMERICHOST) != 0)
		snprintf(out, size, "127.0.0.1");
}

static int reply_message(struct MHD_Connection *connection, int status,
			 const char *message, const char *request_id)
{
	json_t *obj = json_pack("{s:s}", "message", message);
	char *text = json_dumps(obj, JSON_COMPACT);
	const char *headers[] = { "x-amzn-RequestId", request_id, NULL };
	int rc = pg_http_reply(connection, status, "application/json", text,
			       strlen(text), request_id ? headers : NULL);

	free(text);
	json_decref(obj);
	return rc;
}

static bool skip_header(const char *name)
{
	/* MHD writes these itself from the body it sends. */
	return pg_ascii_ieq(name, "Content-Length") ||
	       pg_ascii_ieq(name, "Transfer-Encoding") ||
	       pg_ascii_ieq(name, "Connection");
}

/* Sends the function's proxy response to the client. */
static int reply_from_function(struct MHD_Connection *connection,
			       const struct pg_proxy_response *resp,
			       const char *request_id)
{
	struct MHD_Response *response;
	bool has_type = false;
	enum MHD_Result rc;

	response = MHD_create_response_from_buffer(resp->body_len, resp->body,
						   MHD_RESPMEM_MUST_COPY);
	if (!response)
		return MHD_NO;
	for (size_t i = 0; i < resp->header_count; i++) {
		const struct pg_proxy_header *h = &resp->headers[i];

		if (skip_header(h->name))
			continue;
		if (pg_ascii_ieq(h->name, "Content-Type"))
			has_type = true;
		if (MHD_add_response_header(response, h->name, h->value) != MHD_YES)
			pg_log_warn("gateway: request %s: header %s dropped (invalid for HTTP)",
				    request_id, h->name);
	}
	/* API Gateway's default content type for a proxy response. */
	if (!has_type)
		MHD_add_response_header(response, "Content-Type", "application/json");
	MHD_add_response_header(response, "x-amzn-RequestId", request_id);
	rc = MHD_queue_response(connection, (unsigned int)resp->status, response);
	MHD_destroy_response(response);
	return rc;
}

static int proxy_to_api(struct pg_serve *serve,
			struct MHD_Connection *connection, const char *url,
			const char *method, const char *body, size_t len)
{
	struct pairs headers = { NULL, 0 };
	struct pairs query = { NULL, 0 };
	struct pg_proxy_request req;
	struct pg_proxy_response resp;
	struct pg_function_result result;
	struct pg_function *api = pg_serve_function(serve, "api");
	struct pg_buf event;
	char *payload;
	size_t payload_len;
	struct pg_err err = {{0}};
	char request_id[PG_UUID_LEN + 1];
	char source_ip[64];
	bool v2 = pg_serve_payload_version(serve) == 2;
	int rc;

	memset(&result, 0, sizeof(result));
	memset(&resp, 0, sizeof(resp));
	pg_uuid_generate(request_id);
	pg_buf_init(&event, PG_LOCAL_SYNC_PAYLOAD_MAX_BYTES);
	client_address(connection, source_ip, sizeof(source_ip));
	MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_pair,
				  &headers);
	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND,
				  collect_pair, &query);

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.headers = headers.items;
	req.header_count = headers.count;
	req.query = query.items;
	req.query_count = query.count;
	req.body = body;
	req.body_len = len;
	req.source_ip = source_ip;
	req.request_id = request_id;
	req.time_epoch_ms = pg_now_epoch_ms();

	if (!api) {
		rc = reply_message(connection, 503, "Service Unavailable", request_id);
		goto out;
	}
	/* An event past Lambda's 6 MB request limit cannot be invoked. */
	if ((v2 ? pg_proxy_event_build_v2(&req, &event, &err)
		: pg_proxy_event_build(&req, &event, &err)) < 0) {
		pg_log_warn("gateway: request %s: %s", request_id, err.msg);
		rc = reply_message(connection, 413, "Request Too Long", request_id);
		goto out;
	}

	/* The invocation takes the event, which saves a copy of it. */
	payload = pg_buf_detach(&event, &payload_len);
	pg_function_invoke(api, payload, payload_len, NULL, &result);
	/* NOTE: real API Gateway returns 504 only when its own 29 s
	 * integration timeout passes. A function timeout below that is a
	 * function error there (502). pigeon returns 504 for every timeout so
	 * that a slow function is easy to tell apart locally. */
	if (result.outcome == PG_FUNCTION_TIMEOUT) {
		rc = reply_message(connection, 504, "Endpoint request timed out",
				   request_id);
		goto out;
	}
	if (result.outcome != PG_FUNCTION_OK) {
		pg_log_error("gateway: request %s: %s %s failed: %.300s", request_id,
			     method, url, result.payload ? result.payload : "");
		rc = reply_message(connection, 502, "Internal server error", request_id);
		goto out;
	}
	if ((v2 ? pg_proxy_response_parse_v2(result.payload, result.payload_len,
					     &resp, &err)
		: pg_proxy_response_parse(result.payload, result.payload_len,
					  &resp, &err)) < 0) {
		pg_log_error("gateway: request %s: malformed Lambda proxy response: %s",
			     request_id, err.msg);
		rc = reply_message(connection, 502, "Internal server error", request_id);
		goto out;
	}
	pg_log_info("gateway: %s %s -> %d (request %s, %lld ms)", method, url,
		    resp.status, request_id, (long long)result.duration_ms);
	rc = reply_from_function(connection, &resp, request_id);
out:
	pg_proxy_response_release(&resp);
	pg_function_result_release(&result);
	pg_buf_release(&event);
	free(headers.items);
	free(query.items);
	return rc;
}

/* ---- /_pigeon/ ---- */

static int reply_buf(struct MHD_Connection *connection, int status,
		     const char *type, const struct pg_buf *buf)
{
	return pg_http_reply(connection, status, type, buf->data ? buf->data : "",
			     buf->len, NULL);
}

static int pushover_post(struct pg_serve *serve,
			 struct MHD_Connection *connection, const char *body,
			 size_t len, bool too_large)
{
	struct pg_pushover_message msg;
	struct pg_pushover_error error;
	struct pg_err err = {{0}};
	char request_id[PG_UUID_LEN + 1];
	json_t *answer;
	char *text;
	int status = 200;
	int rc;

	pg_uuid_generate(request_id);
	if (too_large) {
		memset(&msg, 0, sizeof(msg));
		snprintf(error.field, sizeof(error.field), "body");
		snprintf(error.message, sizeof(error.message),
			 "request body is larger than %u bytes",
			 PG_PUSHOVER_BODY_MAX_BYTES);
		rc = -1;
	} else {
		rc = pg_pushover_parse(pg_mhd_request_header(connection, "Content-Type"),
				       body, len, &msg, &error);
	}

	if (rc < 0) {
		/* Pushover's 400 names the field and lists the reasons. */
		answer = json_pack("{s:s, s:[s], s:i, s:s}", error.field, "invalid",
				   "errors", error.message, "status", 0,
				   "request", request_id);
		status = 400;
		pg_log_info("inbox: rejected message %s: %s", request_id,
			    error.message);
	} else if (pg_store_inbox_add(pg_serve_store(serve), &msg, request_id,
				      pg_now_epoch_ms(), &err) < 0) {
		pg_log_error("inbox: cannot store message %s: %s", request_id, err.msg);
		answer = json_pack("{s:[s], s:i, s:s}", "errors",
				   "the inbox could not store the message",
				   "status", 0, "request", request_id);
		status = 500;
	} else {
		pg_log_info("inbox: stored message %s", request_id);
		answer = json_pack("{s:i, s:s}", "status", 1, "request", request_id);
	}
	pg_pushover_message_release(&msg);
	text = json_dumps(answer, JSON_COMPACT);
	rc = pg_http_reply(connection, status, "application/json", text,
			   strlen(text), NULL);
	free(text);
	json_decref(answer);
	return rc;
}

static int append_field(struct pg_buf *out, json_t *message, const char *key,
			const char *before, const char *after)
{
	const char *value = json_string_value(json_object_get(message, key));

	if (!value || !*value)
		return 0;
	if (pg_buf_append_str(out, before) < 0 || pg_html_escape(out, value) < 0 ||
	    pg_buf_append_str(out, after) < 0)
		return -1;
	return 0;
}

static bool is_web_url(const char *url)
{
	return url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));
}

static int append_message_html(struct pg_buf *out, json_t *message)
{
	json_int_t received = json_integer_value(json_object_get(message, "received_at"));
	time_t secs = (time_t)(received / 1000);
	const char *url = json_string_value(json_object_get(message, "url"));
	const char *url_title = json_string_value(json_object_get(message, "url_title"));
	char stamp[64];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (pg_buf_appendf(out, "<article>\n<p class=\"meta\"><time>%s</time>"
			   " &middot; priority %lld", stamp,
			   (long long)json_integer_value(json_object_get(message, "priority"))) < 0 ||
	    append_field(out, message, "sound", " &middot; sound ", "") < 0 ||
	    append_field(out, message, "request", " &middot; request <code>", "</code>") < 0 ||
	    pg_buf_append_str(out, "</p>\n") < 0 ||
	    append_field(out, message, "title", "<h2>", "</h2>\n") < 0 ||
	    append_field(out, message, "message", "<div class=\"message\">", "</div>\n") < 0)
		return -1;
	/* Only web links become links, so a javascript: URL stays text. */
	if (url && *url) {
		if (pg_buf_append_str(out, "<p>") < 0)
			return -1;
		if (is_web_url(url) &&
		    (pg_buf_append_str(out, "<a href=\"") < 0 || pg_html_escape(out, url) < 0 ||
		     pg_buf_append_str(out, "\">") < 0))
			return -1;
		if (pg_html_escape(out, url_title && *url_title ? url_title : url) < 0 ||
		    pg_buf_append_str(out, is_web_url(url) ? "</a></p>\n" : "</p>\n") < 0)
			return -1;
	}
	return pg_buf_append_str(out, "</article>\n");
}

/* The start of every /_pigeon/ page; %s is the title. */
#define PAGE_HEAD \
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" \
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" \
	"<title>%s - pigeon</title>\n<style>\n" \
	"body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\n" \
	"article{border-top:1px solid #ccc;padding:.5rem 0}\n" \
	".meta{color:#555;font-size:.9rem;margin:0}\n" \
	"h2{font-size:1.1rem;margin:.25rem 0}\n" \
	".message{white-space:pre-wrap;overflow-wrap:anywhere}\n" \
	"</style>\n</head>\n<body>\n"

static int inbox_html(struct pg_serve *serve, struct MHD_Connection *connection)
{
	struct pg_buf list;
	struct pg_buf page;
	struct pg_err err = {{0}};
	json_error_t jerr;
	json_t *root = NULL;
	json_t *messages;
	json_t *message;
	size_t i;
	int rc;

	pg_buf_init(&list, 0);
	pg_buf_init(&page, 0);
	if (pg_store_inbox_json(pg_serve_store(serve), LIST_LIMIT, &list, &err) < 0 ||
	    !(root = json_loadb(list.data, list.len, 0, &jerr))) {
		pg_log_error("inbox: listing failed: %s", err.msg);
		rc = reply_message(connection, 500, "Internal server error", NULL);
		goto out;
	}
	messages = json_object_get(root, "messages");
	if (pg_buf_appendf(&page, PAGE_HEAD, "Inbox") < 0 ||
	    pg_buf_appendf(&page, "<h1>Inbox</h1>\n<p>%zu message%s, newest first"
			   " (at most %d). <a href=\"/_pigeon/inbox.json\">JSON</a></p>\n",
			   json_array_size(messages),
			   json_array_size(messages) == 1 ? "" : "s", LIST_LIMIT) < 0)
		goto too_big;
	json_array_foreach(messages, i, message)
		if (append_message_html(&page, message) < 0)
			goto too_big;
	if (pg_buf_append_str(&page, "</body>\n</html>\n") < 0)
		goto too_big;
	rc = reply_buf(connection, 200, "text/html; charset=utf-8", &page);
	goto out;
too_big:
	rc = reply_message(connection, 500, "Internal server error", NULL);
out:
	json_decref(root);
	pg_buf_release(&list);
	pg_buf_release(&page);
	return rc;
}

static int list_json(struct pg_serve *serve, struct MHD_Connection *connection,
		     bool inbox)
{
	struct pg_buf out;
	struct pg_err err = {{0}};
	int rc;

	pg_buf_init(&out, 0);
	if ((inbox ? pg_store_inbox_json(pg_serve_store(serve), LIST_LIMIT, &out, &err)
		   : pg_store_queue_json(pg_serve_store(serve), LIST_LIMIT, &out, &err)) < 0) {
		pg_log_error("listing failed: %s", err.msg);
		rc = reply_message(connection, 500, "Internal server error", NULL);
	} else {
		rc = reply_buf(connection, 200, "application/json", &out);
	}
	pg_buf_release(&out);
	return rc;
}

static int index_html(struct MHD_Connection *connection)
{
	struct pg_buf page;
	int rc;

	pg_buf_init(&page, 0);
	if (pg_buf_appendf(&page, PAGE_HEAD, "pigeon serve") < 0 ||
	    pg_buf_append_str(&page,
			      "<h1>pigeon serve</h1>\n<ul>\n"
			      "<li><a href=\"/_pigeon/form\">Contact form</a> (posts to /contact)</li>\n"
			      "<li><a href=\"/_pigeon/inbox\">Inbox</a> and "
			      "<a href=\"/_pigeon/inbox.json\">inbox.json</a></li>\n"
			      "<li><a href=\"/_pigeon/queue.json\">Event queue and dead letters</a></li>\n"
			      "<li>Pushover stand-in: POST /_pigeon/pushover/1/messages.json</li>\n"
			      "</ul>\n</body>\n</html>\n") < 0)
		rc = reply_message(connection, 500, "Internal server error", NULL);
	else
		rc = reply_buf(connection, 200, "text/html; charset=utf-8", &page);
	pg_buf_release(&page);
	return rc;
}

static int pigeon_route(struct pg_serve *serve, struct MHD_Connection *connection,
			const char *url, const char *method, const char *body,
			size_t len, bool too_large)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	const char *path = url + strlen("/_pigeon");

	if (!strcmp(path, "/pushover/1/messages.json")) {
		if (strcmp(method, "POST"))
			return reply_message(connection, 405, "Method Not Allowed", NULL);
		return pushover_post(serve, connection, body, len, too_large);
	}
	if (!strcmp(path, "") || !strcmp(path, "/")) {
		if (!get)
			return reply_message(connection, 405, "Method Not Allowed", NULL);
		return index_html(connection);
	}
	if (!strcmp(path, "/form") || !strcmp(path, "/inbox") ||
	    !strcmp(path, "/inbox.json") || !strcmp(path, "/queue.json")) {
		if (!get)
			return reply_message(connection, 405, "Method Not Allowed", NULL);
		if (!strcmp(path, "/form"))
			return pg_http_reply(connection, 200, "text/html; charset=utf-8",
					     pg_form_page_html,
					     strlen(pg_form_page_html), NULL);
		if (!strcmp(path, "/inbox"))
			return inbox_html(serve, connection);
		return list_json(serve, connection, !strcmp(path, "/inbox.json"));
	}
	return reply_message(connection, 404, "Not Found", NULL);
}

static int gateway_handler(void *cls, struct MHD_Connection *connection,
			   const char *url, const char *method,
			   struct pg_buf *request_body, bool too_large)
{
	struct pg_serve *serve = cls;
	const char *body = request_body->data;
	size_t len = request_body->len;

	if (!strcmp(url, "/_pigeon") || !strncmp(url, "/_pigeon/", 9))
		return pigeon_route(serve, connection, url, method, body, len,
				    too_large);
	if (too_large)
		return reply_message(connection, 413, "Request Too Long", NULL);
	return proxy_to_api(serve, connection, url, method, body, len);
}

void pg_gateway_handler_init(struct pg_http_listener *listener,
			     struct pg_serve *serve)
{
	memset(listener, 0, sizeof(*listener));
	listener->handler = gateway_handler;
	listener->cls = serve;
	listener->max_body_bytes = PG_LOCAL_API_BODY_MAX_BYTES;
}
