/* The api function: reads its settings, registers the routes and runs the
 * Lambda runtime loop. The work of each invocation is pg_api_handle. */
#include <stdio.h>

#include "aws/aws.h"
#include "log/log.h"
#include "runtime/runtime.h"
#include "web/web.h"

/* The notify step's target: the notifications function and how to call it. */
struct lambda_target {
	struct pg_aws_config aws;
	const char *function_name; /* borrowed from struct pg_api_config */
	enum pg_invocation_type type;
};

struct api_state {
	struct pg_api_config config;
	struct pg_router router;
	struct lambda_target target;
};

/* The notify step: a Lambda Invoke of the notifications function. */
static int notify_lambda(const char *event_json, size_t event_len,
			 void *notify_data, struct pg_err *err)
{
	const struct lambda_target *target = notify_data;
	struct pg_invoke_result result;
	struct pg_err call_err = { 0 };
	char summary[256];
	int rc;

	pg_invoke_result_init(&result);
	rc = pg_lambda_invoke(&target->aws, target->function_name, event_json,
			      event_len, target->type, &result, &call_err);
	if (rc < 0) {
		pg_api_function_error_summary(result.payload.data,
					      result.payload.len, summary,
					      sizeof(summary));
		if (summary[0])
			pg_err_set(err, "%s (%s)", call_err.msg, summary);
		else
			pg_err_set(err, "%s", call_err.msg);
	}
	pg_invoke_result_release(&result);
	return rc < 0 ? -1 : 0;
}

static int handle(const char *payload, size_t payload_len,
		  const struct pg_context *ctx, struct pg_buf *response,
		  struct pg_invocation_error *error, void *user_data)
{
	const struct api_state *state = user_data;
	struct pg_api_outcome outcome;

	pg_log_set_request_id(ctx->request_id);
	if (pg_api_handle(&state->router, &state->config, payload, payload_len,
			  response, &outcome) < 0) {
		pg_log_error("%s %s: %s", outcome.method, outcome.path,
			     outcome.cause.msg);
		snprintf(error->type, sizeof(error->type), "Api.ResponseFailed");
		snprintf(error->message, sizeof(error->message), "%s",
			 outcome.cause.msg);
		return -1;
	}
	if (outcome.status >= 500)
		pg_log_error("%s %s -> %d: %s", outcome.method, outcome.path,
			     outcome.status, outcome.cause.msg);
	else if (outcome.status >= 400 || outcome.cause.msg[0])
		/* A success can carry a note too, such as a filled
		 * honeypot or an ignored _next. */
		pg_log_info("%s %s -> %d: %s", outcome.method, outcome.path,
			    outcome.status, outcome.cause.msg);
	else
		pg_log_info("%s %s -> %d", outcome.method, outcome.path,
			    outcome.status);
	return 0;
}

int main(void)
{
	static struct api_state state;
	struct pg_err err = { 0 };
	int rc;

	pg_log_init();
	pg_api_config_init(&state.config);
	if (pg_api_config_from_env(&state.config, &err) < 0 ||
	    pg_aws_config_from_env(&state.target.aws, &err) < 0)
		goto init_failed;
	state.target.function_name = state.config.notifications_function;
	state.target.type = state.config.invocation_type;
	state.config.notify = notify_lambda;
	state.config.notify_data = &state.target;

	pg_router_init(&state.router, state.config.cors_allow_origin);
	if (pg_api_add_routes(&state.router, &state.config, &err) < 0)
		goto init_failed;

	pg_log_info("api: notifications go to %s (%s invocations)",
		    state.config.notifications_function,
		    state.config.invocation_type == PG_INVOKE_EVENT ?
			    "Event" :
			    "RequestResponse");
	rc = pg_runtime_run(handle, &state);
	goto out;

init_failed:
	pg_log_error("api: %s", err.msg);
	pg_runtime_init_error("Api.InvalidConfig", err.msg);
	rc = 1;
out:
	pg_aws_config_release(&state.target.aws);
	pg_api_config_release(&state.config);
	return rc;
}
