/* SSM GetParameter and Secrets Manager GetSecretValue: two calls of the
 * AWS JSON 1.1 protocol (POST / with X-Amz-Target and a JSON body). */
#include "aws/aws.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_internal.h"
#include "common/alloc.h"

/* One JSON 1.1 operation of one service. */
struct json_operation {
	const char *service;       /* signing name */
	const char *host;          /* first label of the default endpoint */
	const char *variable;      /* service-specific endpoint variable */
	const char *target;        /* X-Amz-Target */
	const char *what;          /* names the call in errors */
	const char *id_member;     /* request member naming the resource */
	bool with_decryption;      /* adds "WithDecryption": true */
	int (*parse)(const char *body, size_t len, struct pg_buf *value, struct pg_err *err);
};

static const struct json_operation ssm_get_parameter = {
	.service = "ssm",
	.host = "ssm",
	.variable = "AWS_ENDPOINT_URL_SSM",
	.target = "AmazonSSM.GetParameter",
	.what = "SSM GetParameter",
	.id_member = "Name",
	.with_decryption = true,
	.parse = pg_ssm_parameter_value,
};

static const struct json_operation get_secret_value = {
	.service = "secretsmanager",
	.host = "secretsmanager",
	.variable = "AWS_ENDPOINT_URL_SECRETS_MANAGER",
	.target = "secretsmanager.GetSecretValue",
	.what = "Secrets Manager GetSecretValue",
	.id_member = "SecretId",
	.parse = pg_secretsmanager_secret_string,
};

/* Appends the string s to value, which must stay under its maximum. */
static int append_value(const char *what, json_t *s, struct pg_buf *value, struct pg_err *err)
{
	size_t len = json_string_length(s);

	if (len > PG_AWS_MAX_SECRET_BYTES || pg_buf_append(value, json_string_value(s), len)) {
		pg_err_set(err, "%s is longer than %u bytes", what, PG_AWS_MAX_SECRET_BYTES);
		return -1;
	}
	return 0;
}

/* Loads body as a JSON object. jansson's error text can quote the input,
 * which contains the secret, so only the position is reported. */
static json_t *load_object(const char *body, size_t len, struct pg_err *err)
{
	json_error_t error;
	json_t *root = json_loadb(body ? body : "", len, 0, &error);

	if (!root) {
		pg_err_set(err, "the response is not valid JSON (line %d, column %d)", error.line,
			   error.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		pg_err_set(err, "the response is not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

int pg_ssm_parameter_value(const char *body, size_t len, struct pg_buf *value,
			   struct pg_err *err)
{
	json_t *root = load_object(body, len, err);
	json_t *parameter;
	json_t *text;
	int rc = -1;

	if (!root)
		return -1;
	parameter = json_object_get(root, "Parameter");
	if (!json_is_object(parameter)) {
		pg_err_set(err, "the response has no \"Parameter\" object");
		goto out;
	}
	text = json_object_get(parameter, "Value");
	if (!json_is_string(text)) {
		pg_err_set(err, "the response has no \"Parameter.Value\" string");
		goto out;
	}
	rc = append_value("Parameter.Value", text, value, err);

out:
	json_decref(root);
	return rc;
}

int pg_secretsmanager_secret_string(const char *body, size_t len, struct pg_buf *value,
				    struct pg_err *err)
{
	json_t *root = load_object(body, len, err);
	json_t *text;
	int rc = -1;

	if (!root)
		return -1;
	text = json_object_get(root, "SecretString");
	if (!json_is_string(text)) {
		if (json_object_get(root, "SecretBinary"))
			pg_err_set(err, "the secret is stored as SecretBinary; store the JSON as SecretString");
		else
			pg_err_set(err, "the response has no \"SecretString\" string");
		goto out;
	}
	rc = append_value("SecretString", text, value, err);

out:
	json_decref(root);
	return rc;
}

/* Checks the name or ARN that goes into the request body. */
static int check_id(const char *what, const char *id, struct pg_err *err)
{
	size_t len = id ? strlen(id) : 0;

	if (len == 0) {
		pg_err_set(err, "%s: the name is missing", what);
		return -1;
	}
	if (len > PG_AWS_MAX_SECRET_ID_BYTES) {
		pg_err_set(err, "%s: the name is longer than %d bytes", what,
			   PG_AWS_MAX_SECRET_ID_BYTES);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) {
			pg_err_set(err, "%s: the name contains a control character", what);
			return -1;
		}
	}
	return 0;
}

static int call_json_operation(const struct pg_aws_config *config,
			       const struct json_operation *operation, const char *id,
			       struct pg_buf *value, struct pg_err *err)
{
	char target_header[96];
	const char *headers[] = { "Content-Type: application/x-amz-json-1.1", target_header, NULL };
	struct pg_aws_request request = { .service = operation->service, .headers = headers };
	struct pg_buf body;
	struct pg_aws_response response = { .body = &body };
	struct pg_err cause = { { 0 } };
	char *endpoint = NULL;
	char *request_body = NULL;
	char *url = NULL;
	char what[320];
	json_t *input = NULL;
	int rc = -1;

	pg_buf_init(&body, PG_AWS_MAX_SECRET_RESPONSE_BYTES);
	if (check_id(operation->what, id, err))
		goto out;
	/* The name is no secret, and a cut one still identifies the resource. */
	snprintf(what, sizeof(what), "%s of %.200s%s", operation->what, id,
		 strlen(id) > 200 ? "..." : "");
	snprintf(target_header, sizeof(target_header), "X-Amz-Target: %s", operation->target);

	if (pg_aws_endpoint_from_env(operation->variable, operation->host, config->region,
				     &endpoint, err))
		goto out;
	url = pg_malloc(strlen(endpoint) + 2);
	snprintf(url, strlen(endpoint) + 2, "%s/", endpoint);

	/* json_pack rejects a name that is not valid UTF-8. */
	input = json_pack("{s:s}", operation->id_member, id);
	if (!input) {
		pg_err_set(err, "%s: the name is not valid UTF-8", what);
		goto out;
	}
	if (operation->with_decryption &&
	    json_object_set_new(input, "WithDecryption", json_true())) {
		pg_err_set(err, "%s: could not encode the request", what);
		goto out;
	}
	request_body = json_dumps(input, JSON_COMPACT);
	if (!request_body) {
		pg_err_set(err, "%s: could not encode the request", what);
		goto out;
	}

	request.what = what;
	request.url = url;
	request.body = request_body;
	request.body_len = strlen(request_body);
	if (pg_aws_send(config, &request, &response, err))
		goto out;
	if (response.http_status != 200) {
		pg_aws_report_error(config, what, &response, err);
		goto out;
	}
	if (operation->parse(body.data, body.len, value, &cause)) {
		pg_err_set(err, "%s: %s", what, cause.msg);
		goto out;
	}
	rc = 0;

out:
	/* The response body contains the secret. */
	if (body.data)
		explicit_bzero(body.data, body.len);
	pg_buf_release(&body);
	free(request_body);
	json_decref(input);
	free(url);
	free(endpoint);
	return rc;
}

int pg_ssm_get_parameter(const struct pg_aws_config *config, const char *name,
			 struct pg_buf *value, struct pg_err *err)
{
	return call_json_operation(config, &ssm_get_parameter, name, value, err);
}

int pg_secretsmanager_get_secret_value(const struct pg_aws_config *config,
				       const char *secret_id, struct pg_buf *value,
				       struct pg_err *err)
{
	return call_json_operation(config, &get_secret_value, secret_id, value, err);
}
