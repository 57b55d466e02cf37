/* The route table, with the 404, 405 and CORS preflight responses. */
#include "web/web.h"

#include <stdio.h>
#include <string.h>

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

static void answer_preflight(const char *methods,
			     struct pg_http_response *resp)
{
	char max_age[24];

	snprintf(max_age, sizeof(max_age), "%d", PG_CORS_MAX_AGE_SECONDS);
	resp->status = 204;
	pg_buf_reset(&resp->body);
	pg_http_response_set_header(resp, "Access-Control-Allow-Methods",
				    methods);
	pg_http_response_set_header(resp, "Access-Control-Allow-Headers",
				    "Content-Type");
	pg_http_response_set_header(resp, "Access-Control-Max-Age", max_age);
}

void pg_router_dispatch(const struct pg_router *router,
			const struct pg_http_request *req,
			struct pg_http_response *resp, struct pg_err *cause)
{
	char methods[PG_ROUTER_MAX_ROUTES * (PG_ROUTE_METHOD_MAX + 2) + 8];
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

	if (match) {
		match->action(req, resp, cause, match->data);
	} else if (!path_known) {
		snprintf(message, sizeof(message), "no route for %.32s %.300s",
			 req->method, req->path);
		pg_respond_error(resp, 404, message);
		pg_err_set(cause, "%s", message);
	} else if (strcmp(req->method, "OPTIONS") == 0) {
		list_methods(router, req->path, methods, sizeof(methods));
		answer_preflight(methods, resp);
	} else {
		list_methods(router, req->path, methods, sizeof(methods));
		snprintf(message, sizeof(message),
			 "method %.32s is not allowed on %.300s; use %s",
			 req->method, req->path, methods);
		pg_respond_error(resp, 405, message);
		pg_err_set(cause, "%s", message);
		pg_http_response_set_header(resp, "Allow", methods);
	}

	pg_router_set_cors(router, resp);
}

void pg_router_set_cors(const struct pg_router *router,
			struct pg_http_response *resp)
{
	pg_http_response_set_header(resp, "Access-Control-Allow-Origin",
				    router->allow_origin);
	if (strcmp(router->allow_origin, "*") != 0)
		pg_http_response_set_header(resp, "Vary", "Origin");
}
