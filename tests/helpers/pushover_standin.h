/* A stand-in for api.pushover.net on 127.0.0.1, for cmocka tests: a
 * libmicrohttpd daemon that records each POSTed form and returns the
 * next scripted reply, as Pushover's API documentation describes them.
 * Header-only so that each test program includes its own copy. */
#ifndef PG_PUSHOVER_STANDIN_H
#define PG_PUSHOVER_STANDIN_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/buf.h"

#define STANDIN_MAX_REPLIES 8
#define STANDIN_MAX_POSTS 16

struct standin_reply {
	unsigned status;
	const char *content_type;
	const char *body;
	const char *header_name; /* optional extra header */
	const char *header_value;
};

struct standin {
	struct MHD_Daemon *daemon;
	char url[64];
	pthread_mutex_t lock;
	struct standin_reply replies[STANDIN_MAX_REPLIES];
	int reply_count;
	int posts;
	char *forms[STANDIN_MAX_POSTS];
	int64_t post_times_ms[STANDIN_MAX_POSTS];
};

static const struct standin_reply STANDIN_OK = {
	200, "application/json",
	"{\"status\":1,\"request\":\"647d2300-702c-4b38-8b2f-d56326ae460b\"}", NULL, NULL
};

static inline int64_t standin_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static inline enum MHD_Result standin_answer(void *cls, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct standin *server = cls;
	struct pg_buf *body = *con_cls;
	struct standin_reply reply;
	struct MHD_Response *response;
	enum MHD_Result result;

	(void)url;
	(void)method;
	(void)version;
	if (!body) {
		body = pg_malloc(sizeof(*body));
		pg_buf_init(body, 1024 * 1024);
		*con_cls = body;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (pg_buf_append(body, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&server->lock);
	if (server->posts < STANDIN_MAX_POSTS) {
		server->forms[server->posts] = pg_strdup(body->data ? body->data : "");
		server->post_times_ms[server->posts] = standin_now_ms();
	}
	reply = server->posts < server->reply_count ? server->replies[server->posts] : STANDIN_OK;
	server->posts++;
	pthread_mutex_unlock(&server->lock);

	response = MHD_create_response_from_buffer(strlen(reply.body), (void *)reply.body,
						   MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(response, "Content-Type", reply.content_type);
	if (reply.header_name)
		MHD_add_response_header(response, reply.header_name, reply.header_value);
	result = MHD_queue_response(connection, reply.status, response);
	MHD_destroy_response(response);
	return result;
}

static inline void standin_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
			      enum MHD_RequestTerminationCode code)
{
	struct pg_buf *body = *con_cls;

	(void)cls;
	(void)connection;
	(void)code;
	if (body) {
		pg_buf_release(body);
		free(body);
		*con_cls = NULL;
	}
}

/* Starts the daemon on an ephemeral loopback port; NULL on failure. */
static inline struct standin *standin_start(void)
{
	struct standin *server = pg_calloc(1, sizeof(*server));
	struct sockaddr_in address = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_mutex_init(&server->lock, NULL);
	server->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, standin_answer, server,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address, MHD_OPTION_NOTIFY_COMPLETED,
		standin_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!server->daemon) {
		free(server);
		return NULL;
	}
	info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(server->url, sizeof(server->url), "http://127.0.0.1:%u/1/messages.json",
		 (unsigned)info->port);
	return server;
}

/* Sets the replies for the next POSTs; later POSTs get STANDIN_OK. */
static inline void standin_script(struct standin *server, const struct standin_reply *replies,
			   int count)
{
	pthread_mutex_lock(&server->lock);
	for (int i = 0; i < server->posts && i < STANDIN_MAX_POSTS; i++) {
		free(server->forms[i]);
		server->forms[i] = NULL;
	}
	server->posts = 0;
	server->reply_count = count < STANDIN_MAX_REPLIES ? count : STANDIN_MAX_REPLIES;
	for (int i = 0; i < server->reply_count; i++)
		server->replies[i] = replies[i];
	pthread_mutex_unlock(&server->lock);
}

static inline int standin_posts(struct standin *server)
{
	int posts;

	pthread_mutex_lock(&server->lock);
	posts = server->posts;
	pthread_mutex_unlock(&server->lock);
	return posts;
}

static inline void standin_stop(struct standin *server)
{
	if (!server)
		return;
	MHD_stop_daemon(server->daemon);
	standin_script(server, NULL, 0);
	pthread_mutex_destroy(&server->lock);
	free(server);
}

static inline int standin_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Returns the decoded value of field name in an urlencoded form (free with
 * free()), or NULL when the form has no such field. */
static inline char *standin_form_value(const char *form, const char *name)
{
	size_t name_len = strlen(name);
	const char *p = form;

	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > name_len && !strncmp(p, name, name_len) && p[name_len] == '=') {
			char *value = pg_malloc(len);
			size_t used = 0;

			for (size_t i = name_len + 1; i < len; i++) {
				if (p[i] == '+') {
					value[used++] = ' ';
				} else if (p[i] == '%' && i + 2 < len + 1 && standin_hex(p[i + 1]) >= 0 &&
					   standin_hex(p[i + 2]) >= 0) {
					value[used++] = (char)(standin_hex(p[i + 1]) * 16 +
							       standin_hex(p[i + 2]));
					i += 2;
				} else {
					value[used++] = p[i];
				}
			}
			value[used] = '\0';
			return value;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

#endif
