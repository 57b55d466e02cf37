"""Pushover credentials from SSM Parameter Store and Secrets Manager.

A stand-in for both services on 127.0.0.1 speaks their JSON 1.1 protocol
(POST / with X-Amz-Target, application/x-amz-json-1.1) as botocore's own
clients expect it; the tests check that with botocore first. The requests
that pigeon's C code sends are compared with botocore's, and their SigV4
signatures are recomputed with botocore's signer. The end-to-end tests run
the notifications bootstrap under `pigeon serve` with
PUSHOVER_SECRET_PARAMETER or PUSHOVER_SECRET_ARN and check where the
credentials went and that no secret reaches a log or an error.

Needs PIGEON_BUILD (the build folder) and python3-botocore; run with
/usr/bin/python3.
"""

import datetime
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import botocore.session

sys.path.insert(0, os.path.dirname(__file__))
from pigeon_serve import BUILD, PigeonServe  # noqa: E402

HELPER = os.path.join(BUILD, "tests", "secrets_get")

KEY_ID = "AKIDSECRETSTEST01234"
SECRET_KEY = "secrets/test+access/key0123456789abcdefgh"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjSECRETS//session+token=="
REGION = "eu-west-1"

TOKEN = "aSecretTokenFromSsm0123456789a"
USER = "uSecretUserFromSsm0123456789ab"
SM_TOKEN = "aSecretTokenFromSm01234567890b"
SM_USER = "uSecretUserFromSm012345678901c"
PARAMETER = "/pigeon/pushover"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pigeon/pushover-AbCdEf"
ALL_SECRETS = (TOKEN, USER, SM_TOKEN, SM_USER, SECRET_KEY, SESSION_TOKEN)


class StandInAws(http.server.BaseHTTPRequestHandler):
    """SSM GetParameter and Secrets Manager GetSecretValue over JSON 1.1."""

    protocol_version = "HTTP/1.1"
    parameters = {}  # name or ARN -> (type, value)
    secrets = {}     # name or ARN -> {"SecretString": ...} or {"SecretBinary": ...}
    requests = []
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with self.lock:
            type(self).requests.append({
                "path": self.path, "headers": list(self.headers.items()), "body": body})
        target = self.headers.get("X-Amz-Target", "")
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            return self.reply(400, {"__type": "SerializationException"})
        try:
            request = json.loads(body)
        except ValueError:
            return self.reply(400, {"__type": "SerializationException"})
        if target == "AmazonSSM.GetParameter":
            return self.get_parameter(request)
        if target == "secretsmanager.GetSecretValue":
            return self.get_secret_value(request)
        return self.reply(400, {"__type": "UnknownOperationException"})

    def get_parameter(self, request):
        name = request.get("Name")
        if name not in self.parameters:
            return self.reply(400, {"__type": "ParameterNotFound"})
        kind, value = self.parameters[name]
        if kind == "SecureString" and not request.get("WithDecryption"):
            value = "AQICAHencryptedblob=="
        arn = name if name.startswith("arn:") else \
            "arn:aws:ssm:%s:123456789012:parameter%s" % (REGION, name)
        self.reply(200, {"Parameter": {
            "ARN": arn, "DataType": "text", "LastModifiedDate": 1.7e9,
            "Name": name, "Type": kind, "Value": value, "Version": 3}})

    def get_secret_value(self, request):
        secret_id = request.get("SecretId")
        if secret_id not in self.secrets:
            return self.reply(400, {
                "__type": "ResourceNotFoundException",
                "Message": "Secrets Manager can't find the specified secret."})
        answer = {"ARN": SECRET_ARN, "Name": "pigeon/pushover", "CreatedDate": 1.7e9,
                  "VersionId": "3f1d5e6a-0000-4000-8000-000000000001",
                  "VersionStages": ["AWSCURRENT"]}
        answer.update(self.secrets[secret_id])
        self.reply(200, answer)

    def reply(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "7c6e1c5e-0000-4000-8000-00000000000a")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class StandInPushover(http.server.BaseHTTPRequestHandler):
    """Records the form of each message and accepts it as Pushover does."""

    protocol_version = "HTTP/1.1"
    forms = []

    def do_POST(self):
        import urllib.parse
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        type(self).forms.append({key: values[0] for key, values in form.items()})
        data = b'{"status":1,"request":"6f0a4d2c-0000-4000-8000-00000000000b"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def header(request, name):
    for key, value in request["headers"]:
        if key.lower() == name.lower():
            return value
    return None


def start_server(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


def botocore_authorization(request, endpoint, service, token):
    """The Authorization header botocore computes for the recorded request."""
    sent = datetime.datetime.strptime(header(request, "X-Amz-Date"), "%Y%m%dT%H%M%SZ")

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return sent

    aws_request = AWSRequest(
        method="POST", url=endpoint + request["path"], data=request["body"],
        headers={"Content-Type": header(request, "Content-Type"),
                 "X-Amz-Target": header(request, "X-Amz-Target")})
    signer = SigV4Auth(Credentials(KEY_ID, SECRET_KEY, token), service, REGION)
    with mock.patch("botocore.auth.datetime.datetime", FrozenDatetime):
        signer.add_auth(aws_request)
    return aws_request.headers["Authorization"]


class SecretCallsTest(unittest.TestCase):
    """pg_ssm_get_parameter and pg_secretsmanager_get_secret_value."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(HELPER):
            raise unittest.SkipTest("build %s first" % HELPER)
        cls.server, cls.endpoint = start_server(StandInAws)

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        StandInAws.requests = []
        StandInAws.parameters = {PARAMETER: ("SecureString", '{"token":"%s","user":"%s"}'
                                             % (TOKEN, USER))}
        StandInAws.secrets = {SECRET_ARN: {"SecretString": '{"token":"%s","user":"%s"}'
                                           % (SM_TOKEN, SM_USER)}}

    def call(self, service, secret_id, token=None, extra_env=None):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                    "AWS_REGION": REGION, "PG_TEST_SERVICE": service,
                    "PG_TEST_SECRET_ID": secret_id})
        if service == "ssm":
            env["AWS_ENDPOINT_URL_SSM"] = self.endpoint
        else:
            env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = self.endpoint
        if token:
            env["AWS_SESSION_TOKEN"] = token
        env.update(extra_env or {})
        proc = subprocess.run([HELPER], env=env, capture_output=True, text=True, timeout=60)
        fields = dict(line.partition("=")[::2] for line in proc.stdout.splitlines())
        return proc, fields

    def botocore_request(self, service, operation, **params):
        """The request botocore's own client sends for operation."""
        client = botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.endpoint,
            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET_KEY)
        try:
            getattr(client, operation)(**params)
        finally:
            client.close()
        return StandInAws.requests.pop()

    def test_standin_matches_botocore_client(self):
        client = botocore.session.get_session().create_client(
            "ssm", region_name=REGION, endpoint_url=self.endpoint,
            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET_KEY)
        answer = client.get_parameter(Name=PARAMETER, WithDecryption=True)
        self.assertIn(TOKEN, answer["Parameter"]["Value"])
        with self.assertRaises(client.exceptions.ParameterNotFound):
            client.get_parameter(Name="/missing", WithDecryption=True)
        secrets = botocore.session.get_session().create_client(
            "secretsmanager", region_name=REGION, endpoint_url=self.endpoint,
            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET_KEY)
        self.assertIn(SM_USER, secrets.get_secret_value(SecretId=SECRET_ARN)["SecretString"])
        with self.assertRaises(secrets.exceptions.ResourceNotFoundException):
            secrets.get_secret_value(SecretId="missing")
        client.close()
        secrets.close()

    def test_ssm_value_returned(self):
        proc, fields = self.call("ssm", PARAMETER)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(fields["value"], '{"token":"%s","user":"%s"}' % (TOKEN, USER))

    def test_ssm_request_matches_botocore(self):
        self.call("ssm", PARAMETER)
        ours = StandInAws.requests[0]
        theirs = self.botocore_request("ssm", "get_parameter", Name=PARAMETER,
                                       WithDecryption=True)
        self.assertEqual(ours["path"], theirs["path"])
        self.assertEqual(header(ours, "X-Amz-Target"), "AmazonSSM.GetParameter")
        self.assertEqual(header(ours, "X-Amz-Target"), header(theirs, "X-Amz-Target"))
        self.assertEqual(header(ours, "Content-Type"), header(theirs, "Content-Type"))
        self.assertEqual(json.loads(ours["body"]), json.loads(theirs["body"]))

    def test_ssm_signature_matches_botocore(self):
        proc, fields = self.call("ssm", PARAMETER)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        request = StandInAws.requests[0]
        self.assertIn("/%s/ssm/aws4_request" % REGION, header(request, "Authorization"))
        self.assertEqual(header(request, "Authorization"),
                         botocore_authorization(request, self.endpoint, "ssm", None))

    def test_secretsmanager_signature_with_token(self):
        proc, fields = self.call("secretsmanager", SECRET_ARN, token=SESSION_TOKEN)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        request = StandInAws.requests[0]
        self.assertEqual(header(request, "X-Amz-Security-Token"), SESSION_TOKEN)
        self.assertEqual(header(request, "Authorization"),
                         botocore_authorization(request, self.endpoint, "secretsmanager",
                                                SESSION_TOKEN))

    def test_secretsmanager_request_matches_botocore(self):
        proc, fields = self.call("secretsmanager", SECRET_ARN)
        self.assertEqual(fields["value"], '{"token":"%s","user":"%s"}' % (SM_TOKEN, SM_USER))
        ours = StandInAws.requests[0]
        theirs = self.botocore_request("secretsmanager", "get_secret_value",
                                       SecretId=SECRET_ARN)
        self.assertEqual(header(ours, "X-Amz-Target"), "secretsmanager.GetSecretValue")
        self.assertEqual(header(ours, "X-Amz-Target"), header(theirs, "X-Amz-Target"))
        self.assertEqual(json.loads(ours["body"]), json.loads(theirs["body"]))

    def test_parameter_not_found_named(self):
        proc, fields = self.call("ssm", "/missing")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(fields["error"],
                         "SSM GetParameter of /missing failed: HTTP 400 ParameterNotFound")

    def test_secret_not_found_named(self):
        proc, fields = self.call("secretsmanager", "missing")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(fields["error"],
                         "Secrets Manager GetSecretValue of missing failed: HTTP 400 "
                         "ResourceNotFoundException: Secrets Manager can't find the "
                         "specified secret.")

    def test_secret_binary_rejected(self):
        StandInAws.secrets = {SECRET_ARN: {"SecretBinary": "e30="}}
        proc, fields = self.call("secretsmanager", SECRET_ARN)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("SecretBinary", fields["error"])

    def test_generic_endpoint_variable_used(self):
        proc, fields = self.call("ssm", PARAMETER, extra_env={
            "AWS_ENDPOINT_URL_SSM": "", "AWS_ENDPOINT_URL": self.endpoint})
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(len(StandInAws.requests), 1)

    def test_specific_endpoint_wins(self):
        proc, fields = self.call("ssm", PARAMETER, extra_env={
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1"})
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_invalid_endpoint_named(self):
        proc, fields = self.call("ssm", PARAMETER, extra_env={
            "AWS_ENDPOINT_URL_SSM": "ftp://127.0.0.1"})
        self.assertEqual(proc.returncode, 1)
        self.assertIn("AWS_ENDPOINT_URL_SSM", fields["error"])

    def test_unreachable_endpoint_fails(self):
        proc, fields = self.call("ssm", PARAMETER, extra_env={
            "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:1"})
        self.assertEqual(proc.returncode, 1)
        self.assertIn("SSM GetParameter of /pigeon/pushover failed", fields["error"])

    def test_errors_never_carry_secrets(self):
        for service, secret_id in (("ssm", "/missing"), ("secretsmanager", "missing")):
            proc, fields = self.call(service, secret_id, token=SESSION_TOKEN)
            self.assertEqual(proc.returncode, 1)
            for secret in ALL_SECRETS:
                self.assertNotIn(secret, proc.stdout)
                self.assertNotIn(secret, proc.stderr)


class SecretsThroughServeTest(unittest.TestCase):
    """The notifications bootstrap reads its credentials at init."""

    @classmethod
    def setUpClass(cls):
        cls.aws, cls.aws_endpoint = start_server(StandInAws)
        cls.pushover, cls.pushover_endpoint = start_server(StandInPushover)

    @classmethod
    def tearDownClass(cls):
        for server in (cls.aws, cls.pushover):
            server.shutdown()
            server.server_close()

    def setUp(self):
        StandInAws.requests = []
        StandInPushover.forms = []
        StandInAws.parameters = {PARAMETER: ("SecureString", '{"token":"%s","user":"%s"}'
                                             % (TOKEN, USER))}
        StandInAws.secrets = {SECRET_ARN: {"SecretString": '{"user":"%s","token":"%s"}'
                                           % (SM_USER, SM_TOKEN)}}
        self.tmp = tempfile.TemporaryDirectory(prefix="pigeon-secrets-")
        self.addCleanup(self.tmp.cleanup)

    def serve(self, settings):
        """Start pigeon serve whose notifications function reads a secret.

        PUSHOVER_TOKEN and PUSHOVER_USERKEY are set to other values, so the
        stand-in Pushover shows which credentials the function used.
        """
        env_file = os.path.join(self.tmp.name, "settings.env")
        lines = {
            "PUSHOVER_TOKEN": "plainTokenNotUsed0123456789abc",
            "PUSHOVER_USERKEY": "plainUserNotUsed01234567890abc",
            "PUSHOVER_API_URL": self.pushover_endpoint + "/1/messages.json",
            "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "AWS_ENDPOINT_URL_SSM": self.aws_endpoint,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.aws_endpoint,
        }
        lines.update(settings)
        with open(env_file, "w") as out:
            for key, value in lines.items():
                out.write("%s=%s\n" % (key, value))
        serve = PigeonServe(args=["--env-file", env_file, "--retry-delay", "1"])
        serve.start()
        self.addCleanup(serve.close)
        return serve

    def assert_no_secret_in(self, text):
        for secret in ALL_SECRETS:
            self.assertNotIn(secret, text)

    def test_ssm_parameter_credentials_used(self):
        serve = self.serve({"PUSHOVER_SECRET_PARAMETER": PARAMETER})
        resp = serve.invoke("notifications", {"title": "t", "message": "from ssm"})
        self.assertEqual(resp.status, 200, resp.body)
        self.assertIsNone(resp.headers.get("X-Amz-Function-Error"), resp.body)
        self.assertEqual(len(StandInPushover.forms), 1)
        form = StandInPushover.forms[0]
        self.assertEqual(form["token"], TOKEN)
        self.assertEqual(form["user"], USER)
        self.assertEqual(form["message"], "from ssm")
        targets = {header(r, "X-Amz-Target") for r in StandInAws.requests}
        self.assertEqual(targets, {"AmazonSSM.GetParameter"})
        self.assertEqual(json.loads(StandInAws.requests[0]["body"]),
                         {"Name": PARAMETER, "WithDecryption": True})
        serve.stop()
        self.assert_no_secret_in(serve.log())

    def test_secret_read_once_per_start(self):
        serve = self.serve({"PUSHOVER_SECRET_PARAMETER": PARAMETER})
        for i in range(3):
            resp = serve.invoke("notifications", {"message": "n%d" % i})
            self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual(len(StandInPushover.forms), 3)
        self.assertEqual(len(StandInAws.requests), 1)

    def test_secrets_manager_credentials_used(self):
        serve = self.serve({"PUSHOVER_SECRET_ARN": SECRET_ARN})
        resp = serve.invoke("notifications", {"message": "from secrets manager"})
        self.assertEqual(resp.status, 200, resp.body)
        self.assertIsNone(resp.headers.get("X-Amz-Function-Error"), resp.body)
        form = StandInPushover.forms[0]
        self.assertEqual(form["token"], SM_TOKEN)
        self.assertEqual(form["user"], SM_USER)
        self.assertEqual(header(StandInAws.requests[0], "X-Amz-Target"),
                         "secretsmanager.GetSecretValue")
        serve.stop()
        self.assert_no_secret_in(serve.log())

    def init_error(self, settings):
        serve = self.serve(settings)
        resp = serve.invoke("notifications", {"message": "never sent"})
        self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual(resp.headers.get("X-Amz-Function-Error"), "Unhandled")
        self.assertEqual(StandInPushover.forms, [])
        serve.stop()
        return resp.json(), serve.log()

    def test_parameter_not_found_init_error(self):
        answer, log = self.init_error({"PUSHOVER_SECRET_PARAMETER": "/missing"})
        self.assertEqual(answer["errorType"], "Pushover.Configuration")
        self.assertEqual(answer["errorMessage"],
                         "PUSHOVER_SECRET_PARAMETER: SSM GetParameter of /missing failed: "
                         "HTTP 400 ParameterNotFound")
        self.assertIn("ParameterNotFound", log)
        self.assert_no_secret_in(log)

    def test_secret_not_found_init_error(self):
        answer, log = self.init_error({"PUSHOVER_SECRET_ARN": SECRET_ARN + "x"})
        self.assertIn("PUSHOVER_SECRET_ARN: Secrets Manager GetSecretValue",
                      answer["errorMessage"])
        self.assertIn("ResourceNotFoundException", answer["errorMessage"])
        self.assert_no_secret_in(log)

    def test_malformed_secret_named_not_quoted(self):
        StandInAws.parameters[PARAMETER] = (
            "SecureString", '{"token":"%s","user":"short%s"}' % (TOKEN, SM_USER))
        answer, log = self.init_error({"PUSHOVER_SECRET_PARAMETER": PARAMETER})
        self.assertEqual(answer["errorMessage"],
                         'PUSHOVER_SECRET_PARAMETER: "user": expected 30 characters '
                         'from [A-Za-z0-9], got 35 bytes')
        self.assert_no_secret_in(log)
        self.assert_no_secret_in(json.dumps(answer))

    def test_secret_not_json_named_not_quoted(self):
        StandInAws.parameters[PARAMETER] = ("SecureString", "token=%s user=%s" % (TOKEN, USER))
        answer, log = self.init_error({"PUSHOVER_SECRET_PARAMETER": PARAMETER})
        self.assertIn("PUSHOVER_SECRET_PARAMETER: the secret is not valid JSON",
                      answer["errorMessage"])
        self.assert_no_secret_in(log)
        self.assert_no_secret_in(json.dumps(answer))

    def test_both_variables_rejected(self):
        answer, log = self.init_error({"PUSHOVER_SECRET_PARAMETER": PARAMETER,
                                       "PUSHOVER_SECRET_ARN": SECRET_ARN})
        self.assertIn("set only one", answer["errorMessage"])
        self.assertEqual(StandInAws.requests, [])


if __name__ == "__main__":
    unittest.main()
