/* Helpers shared by the files of the aws layer: one SigV4-signed POST over
 * a kept-alive libcurl handle, and the error text of AWS error responses. */
#ifndef PG_AWS_INTERNAL_H
#define PG_AWS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws.h"
#include "common/buf.h"
#include "common/err.h"

/* One POST to an AWS service. Every string is borrowed for the call. */
struct pg_aws_request {
	const char *service;        /* signing name: "lambda", "ssm", ... */
	const char *what;           /* names the call in errors, e.g.
				     * "Lambda Invoke of notifications" */
	const char *url;            /* the URL whose path is signed */
	const char *request_target; /* path sent on the request line when it
				     * differs from the signed one, or NULL */
	const char *const *headers; /* "Name: value" lines, NULL-terminated */
	const char *body;
	size_t body_len;
};

/* The response. body is borrowed from the caller, who chooses its maximum,
 * and a longer body fails the call. */
struct pg_aws_response {
	long http_status;        /* 0 when no response arrived */
	char error_type[128];    /* x-amzn-ErrorType without its ":url" tail */
	char function_error[64]; /* X-Amz-Function-Error (Lambda) */
	struct pg_buf *body;
};

/* Sends request, signed with config's credentials for config's region
 * (libcurl adds Host, X-Amz-Date and Authorization, and this function adds
 * X-Amz-Security-Token when config has a session token). Returns 0 when a
 * response arrived, whatever its status, or -1 with err when none did or
 * the body passed its maximum. Not thread-safe: all calls share one
 * keep-alive handle. */
int pg_aws_send(const struct pg_aws_config *config,
		const struct pg_aws_request *request,
		struct pg_aws_response *response, struct pg_err *err);

/* Sets err to "<what> failed: HTTP <status> <type>: <message>" from an AWS
 * error answer: the type from x-amzn-ErrorType, else the body's "__type"
 * without its "namespace#" prefix; the message from "message" or
 * "Message". Credentials are replaced by "[redacted]". */
void pg_aws_report_error(const struct pg_aws_config *config, const char *what,
			 const struct pg_aws_response *response,
			 struct pg_err *err);

/* Copies len bytes of text into out (size bytes with the NUL), with every
 * credential of config replaced by "[redacted]" and control characters by
 * spaces; the copy ends at the first line break when first_line is set. */
void pg_aws_clean_text(const char *text, size_t len,
		       const struct pg_aws_config *config, bool first_line,
		       char *out, size_t size);

#endif
