/* pigeon: the command line. `pigeon serve` runs the contact-form API and
 * the notifications function locally; see usage() for the flags and the
 * lines it prints on start. */
#include "local/local.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PG_VERSION "0.1.0"

static void usage(FILE *out)
{
	fputs("Usage: pigeon serve [options]\n"
	      "       pigeon --help | --version\n"
	      "\n"
	      "pigeon serve runs the api and notifications bootstraps on this machine\n"
	      "behind local stand-ins for API Gateway (REST with payload format 1.0, or\n"
	      "HTTP API with 2.0), the Lambda Runtime and Invoke APIs, and a\n"
	      "Pushover-compatible inbox.\n"
	      "\n"
	      "Options:\n"
	      "  --host ADDRESS        address to listen on (default 127.0.0.1)\n"
	      "  --port PORT           API Gateway port (default 3000; 0 picks a free one)\n"
	      "  --lambda-port PORT    Lambda Invoke API port (default 3001; 0 picks a free one)\n"
	      "  --data-dir DIR        folder of pigeon.db, the event queue and inbox\n"
	      "                        (default ./.pigeon)\n"
	      "  --timeout SECONDS     function timeout, 1 to 900 (default 10)\n"
	      "  --payload-format 1.0|2.0\n"
	      "                        API Gateway payload format of the api function's\n"
	      "                        events: 1.0 (REST API, the default) or 2.0 (HTTP API)\n"
	      "  --concurrency N       warm processes per function, 1 to 64 (default 1);\n"
	      "                        each takes one invocation at a time, as a Lambda\n"
	      "                        execution environment does\n"
	      "  --retry-delay SECONDS delay before the first retry of a failed Event\n"
	      "                        invocation; the second waits twice as long (default 1;\n"
	      "                        Lambda itself waits 1 then 2 minutes)\n"
	      "  --env-file PATH       KEY=VALUE settings; they win over the environment\n"
	      "  --api-bootstrap PATH  (default: <folder of pigeon>/api/bootstrap)\n"
	      "  --notifications-bootstrap PATH\n"
	      "                        (default: <folder of pigeon>/notifications/bootstrap)\n"
	      "  --help, --version\n"
	      "\n"
	      "Settings read from the environment or the env file (the file wins):\n"
	      "  api: CORS_ALLOW_ORIGIN, NOTIFICATIONS_INVOCATION_TYPE, API_MAX_EVENT_BYTES,\n"
	      "    NOTIFICATION_MAX_CHARS, CONTACT_SUCCESS_URL, CONTACT_ERROR_URL,\n"
	      "    HONEYPOT_FIELD\n"
	      "  notifications: PUSHOVER_TOKEN, PUSHOVER_USERKEY, PUSHOVER_API_URL,\n"
	      "    PUSHOVER_SECRET_PARAMETER, PUSHOVER_SECRET_ARN, AWS_ENDPOINT_URL,\n"
	      "    AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL_SECRETS_MANAGER\n"
	      "  both: LAMBDA_FUNCTIONS_LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT, VERSION,\n"
	      "    AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,\n"
	      "    AWS_LAMBDA_FUNCTION_MEMORY_SIZE, SSL_CERT_FILE, SSL_CERT_DIR\n"
	      "Every other key of the env file reaches both functions too, except\n"
	      "PUSHOVER_* (notifications only). pigeon always sets the api function's\n"
	      "AWS_ENDPOINT_URL_LAMBDA and LAMBDA_NOTIFICATIONS to its own Invoke API.\n"
	      "Without Pushover credentials (a token or a secret), notifications go to\n"
	      "the local inbox.\n"
	      "\n"
	      "On start pigeon prints one line per endpoint to stdout, then\n"
	      "\"pigeon: ready\", and flushes:\n"
	      "  pigeon: api http://HOST:PORT\n"
	      "  pigeon: form http://HOST:PORT/_pigeon/form\n"
	      "  pigeon: inbox http://HOST:PORT/_pigeon/inbox\n"
	      "  pigeon: inbox.json http://HOST:PORT/_pigeon/inbox.json\n"
	      "  pigeon: queue.json http://HOST:PORT/_pigeon/queue.json\n"
	      "  pigeon: lambda http://HOST:LAMBDA_PORT\n"
	      "  pigeon: pushover URL\n"
	      "  pigeon: ready\n"
	      "Logs go to stderr; function output is prefixed with [api] or\n"
	      "[notifications]. SIGINT or SIGTERM stops pigeon (exit status 0).\n"
	      "\n"
	      "The Invoke API requires an Authorization header, as AWS does, but does\n"
	      "not verify the SigV4 signature.\n",
	      out);
}

static bool parse_number(const char *text, long min, long max, int *out)
{
	char *end;
	long v;

	if (!text || !*text)
		return false;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

/* Sets out to <folder of the pigeon binary>/relative. */
static void default_bootstrap(const char *relative, char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		snprintf(out, size, "%s", relative);
		return;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, size, "%s/%s", self, relative);
}

static int serve_command(int argc, char **argv)
{
	static char api_default[PATH_MAX + 32];
	static char notifications_default[PATH_MAX + 32];
	struct pg_serve_options options = {
		.host = "127.0.0.1",
		.port = 3000,
		.lambda_port = 3001,
		.data_dir = ".pigeon",
		.timeout_s = 10,
		.retry_delay_s = 1,
		.concurrency = 1,
		.payload_version = 1,
	};
	sigset_t set;

	default_bootstrap("api/bootstrap", api_default, sizeof(api_default));
	default_bootstrap("notifications/bootstrap", notifications_default,
			  sizeof(notifications_default));
	options.api_bootstrap = api_default;
	options.notifications_bootstrap = notifications_default;

	for (int i = 0; i < argc; i += 2) {
		const char *flag = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;

		if (!strcmp(flag, "--help") || !strcmp(flag, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!value) {
			fprintf(stderr, "pigeon: %s: %s\n", flag,
				strncmp(flag, "--", 2) ? "unknown argument"
						       : "missing value or unknown option");
			return 2;
		}
		if (!strcmp(flag, "--host"))
			options.host = value;
		else if (!strcmp(flag, "--port"))
			ok = parse_number(value, 0, 65535, &options.port);
		else if (!strcmp(flag, "--lambda-port"))
			ok = parse_number(value, 0, 65535, &options.lambda_port);
		else if (!strcmp(flag, "--data-dir"))
			options.data_dir = value;
		else if (!strcmp(flag, "--timeout"))
			ok = parse_number(value, 1, 900, &options.timeout_s);
		else if (!strcmp(flag, "--concurrency"))
			ok = parse_number(value, 1, PG_SERVE_CONCURRENCY_MAX,
					  &options.concurrency);
		else if (!strcmp(flag, "--retry-delay"))
			ok = parse_number(value, 0, 3600, &options.retry_delay_s);
		else if (!strcmp(flag, "--env-file"))
			options.env_file = value;
		else if (!strcmp(flag, "--payload-format")) {
			if (strcmp(value, "1.0") && strcmp(value, "2.0")) {
				fprintf(stderr, "pigeon: --payload-format: invalid value %s "
					"(use 1.0 or 2.0)\n", value);
				return 2;
			}
			options.payload_version = value[0] - '0';
		}
		else if (!strcmp(flag, "--api-bootstrap"))
			options.api_bootstrap = value;
		else if (!strcmp(flag, "--notifications-bootstrap"))
			options.notifications_bootstrap = value;
		else {
			fprintf(stderr, "pigeon: unknown option %s (see pigeon --help)\n", flag);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "pigeon: %s: invalid number %s (see pigeon --help for the range)\n",
				flag, value);
			return 2;
		}
	}

	/* Every thread inherits this mask, so the signals reach only the
	 * sigwait in pg_serve_run. A client that hangs up must not kill
	 * pigeon with SIGPIPE. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return pg_serve_run(&options);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("pigeon %s\n", PG_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve_command(argc - 2, argv + 2);
	usage(stderr);
	return 2;
}
