/* The route table, with the 404, 405 and CORS preflight responses. */
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

void pg_router_init(struct pg_router *router, const char *allow_origin)
{
	memset(router, 0, sizeof(*router));
	router->allow_origin = allow_origin ? allow_origin
					    : PG_CORS_DEFAULT_ORIGIN;
}

int pg_router_add(struct pg_router *router, const char *route,
		  pg_route_fn action, void *data, struct pg_err *err)
{
	const char *space = strchr(route, ' ');
	struct pg_route *slot;
	size_t method_len;
	const char *path;

	if (router->route_count == PG_ROUTER_MAX_ROUTES) {
		pg_err_set(err, "route \"%s\": the table is full (%d routes)",
			   route, PG_ROUTER_MAX_ROUTES);
		return -1;
	}
	if (!space || space == route || !action) {
		pg_err_set(err, "route \"%s\": expected \"METHOD /path\"", route);
		return -1;
	}
	method_len = (size_t)(space - route);
	path = space + 1;
	if (method_len >= PG_ROUTE_METHOD_MAX || path[0] != '/' ||
	    strlen(path) >= PG_ROUTE_PATH_MAX || strchr(path, ' ')) {
		pg_err_set(err, "route \"%s\": expected \"METHOD /path\" with a "
				"method under %d and a path under %d bytes",
			   route, PG_ROUTE_METHOD_MAX, PG_ROUTE_PATH_MAX);
		return -1;
	}

	slot = &router->routes[router->route_count++];
	memcpy(slot->method, route, method_len);
	slot->method[method_len] = '\0';
	snprintf(slot->path, sizeof(slot->path), "%s", path);
	slot->action = action;
	slot->data = data;
	return 0;
}

/* Appends the methods routed for path to out, ", " between them, followed by
 * OPTIONS, which the router handles itself. */
static void list_methods(const struct pg_router *router, const char *path,
			 char *out, size_t out_size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < router->route_count; i++) {
		const struct pg_route *route = &router->routes[i];
		int n;

		if (strcmp(route->path, path) != 0 ||
		    strcmp(route->method, "OPTIONS") == 0)
			continue;
		n = snprintf(out + used, out_size - used, "%s, ",
			     route->method);
		if (n < 0 || (size_t)n >= out_size - used)
			break;
		used += (size_t)n;
	}
	snprintf(out + used, out_size - used, "OPTIONS");
}

/* Responds to OPTIONS with 204, adding the CORS preflight headers only
 * when the origin is allowed, because without them the browser does not
 * send the real request. */
static void answer_preflight(const char *methods, bool origin_allowed,
			     struct pg_http_response *resp)
{
	char max_age[24];

	resp->status = 204;
	pg_buf_reset(&resp->body);
	if (!origin_allowed)
		return;
	snprintf(max_age, sizeof(max_age), "%d", PG_CORS_MAX_AGE_SECONDS);
	pg_http_response_set_header(resp, "Access-Control-Allow-Methods",
				    methods);
	pg_http_response_set_header(resp, "Access-Control-Allow-Headers",
				    "Content-Type");
	pg_http_response_set_header(resp, "Access-Control-Max-Age", max_age);
}

/* Tells whether a request with this method changes something, so that a
 * page of a foreign origin must not send it. */
static bool is_unsafe_method(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

void pg_router_dispatch(const struct pg_router *router,
			const struct pg_http_request *req,
			struct pg_http_response *resp, struct pg_err *cause)
{
	char methods[PG_ROUTER_MAX_ROUTES * (PG_ROUTE_METHOD_MAX + 2) + 8];
	const char *origin = pg_http_request_header(req, "Origin");
	bool origin_allowed = !origin ||
			      pg_cors_origin_allowed(router->allow_origin,
						     origin);
	const struct pg_route *match = NULL;
	bool path_known = false;
	char message[768];

	for (size_t i = 0; i < router->route_count && !match; i++) {
		const struct pg_route *route = &router->routes[i];

		if (strcmp(route->path, req->path) != 0)
			continue;
		path_known = true;
		if (strcmp(route->method, req->method) == 0)
			match = route;
	}

	if (match && !origin_allowed && is_unsafe_method(req->method)) {
		snprintf(message, sizeof(message),
			 "Origin %.300s is not allowed to send %.32s requests "
			 "here; add it to CORS_ALLOW_ORIGIN",
			 origin, req->method);
		pg_respond_error(resp, 403, message);
		pg_err_set(cause, "%s", message);
	} else if (match) {
		match->action(req, resp, cause, match->data);
	} else if (!path_known) {
		snprintf(message, sizeof(message), "no route for %.32s %.300s",
			 req->method, req->path);
		pg_respond_error(resp, 404, message);
		pg_err_set(cause, "%s", message);
	} else if (strcmp(req->method, "OPTIONS") == 0) {
		list_methods(router, req->path, methods, sizeof(methods));
		answer_preflight(methods, origin_allowed, resp);
	} else {
		list_methods(router, req->path, methods, sizeof(methods));
		snprintf(message, sizeof(message),
			 "method %.32s is not allowed on %.300s; use %s",
			 req->method, req->path, methods);
		pg_respond_error(resp, 405, message);
		pg_err_set(cause, "%s", message);
		pg_http_response_set_header(resp, "Allow", methods);
	}

	pg_router_set_cors(router, req, resp);
}

/* Drops every value of the header name from resp. */
static void remove_header(struct pg_http_response *resp, const char *name)
{
	size_t kept = 0;

	for (size_t i = 0; i < resp->header_count; i++) {
		struct pg_http_header *header = &resp->headers[i];

		if (pg_ascii_ieq(header->name, name)) {
			free(header->name);
			free(header->value);
			continue;
		}
		resp->headers[kept++] = *header;
	}
	resp->header_count = kept;
}

void pg_router_set_cors(const struct pg_router *router,
			const struct pg_http_request *req,
			struct pg_http_response *resp)
{
	char single[PG_CORS_ORIGIN_MAX + 1];
	const char *origin;

	/* Only this function decides the header, whatever an action set. */
	remove_header(resp, "Access-Control-Allow-Origin");

	if (strcmp(router->allow_origin, "*") == 0) {
		pg_http_response_set_header(resp, "Access-Control-Allow-Origin",
					    "*");
		return;
	}

	/* The response depends on Origin, so caches must key on it, also when
	 * the origin gets no CORS header. */
	pg_http_response_set_header(resp, "Vary", "Origin");
	origin = pg_http_request_header(req, "Origin");
	if (origin && pg_cors_list_has(router->allow_origin, origin,
				       strlen(origin)))
		pg_http_response_set_header(resp, "Access-Control-Allow-Origin",
					    origin);
	else if (!origin && pg_cors_list_single(router->allow_origin, single,
						sizeof(single)))
		pg_http_response_set_header(resp, "Access-Control-Allow-Origin",
					    single);
}
