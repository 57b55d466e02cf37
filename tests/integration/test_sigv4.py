"""pg_lambda_invoke against a stand-in Lambda endpoint on 127.0.0.1.

The Authorization header that libcurl computes is recomputed with botocore
(SigV4Auth over the same request, credentials, region and X-Amz-Date) and the
two must be equal. The request path is compared with the one botocore's own
Lambda client sends for the same function name. Other tests check how
answers of the Invoke API become results and errors, and where the CA bundle
for HTTPS comes from (SSL_CERT_FILE, SSL_CERT_DIR).

Needs PIGEON_BUILD (the build folder holding tests/sigv4_invoke) and
python3-botocore; run with /usr/bin/python3.
"""

import datetime
import http.server
import json
import os
import ssl
import subprocess
import tempfile
import threading
import unittest
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import botocore.session

BUILD = os.environ.get("PIGEON_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
HELPER = os.path.join(BUILD, "tests", "sigv4_invoke")

KEY_ID = "AKIDEXAMPLE0123456789"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//session+token/with=chars"
REGION = "eu-west-1"
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:notifications:live"


class StandInLambda(http.server.BaseHTTPRequestHandler):
    """Records each request and replies with the next scripted response."""

    protocol_version = "HTTP/1.1"
    requests = []
    replies = []
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with self.lock:
            type(self).requests.append({
                "method": self.command, "path": self.path,
                "headers": list(self.headers.items()), "body": body,
                "client_port": self.client_address[1]})
            reply = self.replies.pop(0) if self.replies else (200, {}, b"{}")
        status, headers, data = reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
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


def botocore_authorization(request, endpoint, token):
    """The Authorization header botocore computes for the recorded request."""
    sent = datetime.datetime.strptime(header(request, "X-Amz-Date"), "%Y%m%dT%H%M%SZ")

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return sent

    aws_request = AWSRequest(
        method=request["method"], url=endpoint + request["path"], data=request["body"],
        headers={"Content-Type": header(request, "Content-Type"),
                 "X-Amz-Invocation-Type": header(request, "X-Amz-Invocation-Type")})
    signer = SigV4Auth(Credentials(KEY_ID, SECRET, token), "lambda", REGION)
    with mock.patch("botocore.auth.datetime.datetime", FrozenDatetime):
        signer.add_auth(aws_request)
    return aws_request.headers["Authorization"]


class LambdaInvokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(HELPER):
            raise unittest.SkipTest("build %s first" % HELPER)
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandInLambda)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.endpoint = "http://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        StandInLambda.requests = []
        StandInLambda.replies = []

    def invoke(self, function="notifications", token=None, invocation_type=None,
               payload='{"message":"hi"}', repeat=1, extra_env=None):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                    "AWS_REGION": REGION, "AWS_ENDPOINT_URL_LAMBDA": self.endpoint,
                    "PG_TEST_FUNCTION": function, "PG_TEST_PAYLOAD": payload,
                    "PG_TEST_REPEAT": str(repeat)})
        if token:
            env["AWS_SESSION_TOKEN"] = token
        if invocation_type:
            env["PG_TEST_INVOCATION_TYPE"] = invocation_type
        env.update(extra_env or {})
        proc = subprocess.run([HELPER], env=env, capture_output=True, text=True, timeout=60)
        fields = {}
        for line in proc.stdout.splitlines():
            name, _, value = line.partition("=")
            fields[name] = value
        return proc, fields

    def assert_signature_matches(self, function, token=None):
        proc, fields = self.invoke(function, token=token)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(len(StandInLambda.requests), 1)
        request = StandInLambda.requests[0]
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["body"], b'{"message":"hi"}')
        self.assertEqual(header(request, "Authorization"),
                         botocore_authorization(request, self.endpoint, token))
        if token:
            self.assertEqual(header(request, "X-Amz-Security-Token"), token)
        return request

    def botocore_client_path(self, function):
        """The path botocore's Lambda client requests for function."""
        session = botocore.session.get_session()
        client = session.create_client(
            "lambda", region_name=REGION, endpoint_url=self.endpoint,
            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
        client.invoke(FunctionName=function, Payload=b"{}")
        return StandInLambda.requests.pop()["path"]

    def test_signature_plain_name(self):
        request = self.assert_signature_matches("notifications")
        self.assertEqual(request["path"], "/2015-03-31/functions/notifications/invocations")

    def test_signature_arn_with_qualifier(self):
        request = self.assert_signature_matches(ARN)
        self.assertEqual(request["path"], self.botocore_client_path(ARN))
        self.assertIn("%3A", request["path"])

    def test_signature_name_with_alias(self):
        request = self.assert_signature_matches("notifications:live")
        self.assertEqual(request["path"], self.botocore_client_path("notifications:live"))

    def test_signature_with_session_token(self):
        request = self.assert_signature_matches(ARN, token=TOKEN)
        self.assertIn("x-amz-security-token", header(request, "Authorization"))

    def test_invocation_type_header(self):
        StandInLambda.replies = [(202, {}, b"")]
        proc, fields = self.invoke(invocation_type="Event")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(fields["status"], "202")
        request = StandInLambda.requests[0]
        self.assertEqual(header(request, "X-Amz-Invocation-Type"), "Event")
        self.assertEqual(header(request, "Content-Type"), "application/json")

    def test_clean_200_returns_payload(self):
        StandInLambda.replies = [(200, {"Content-Type": "application/json"},
                                  b'{"status":"sent"}')]
        proc, fields = self.invoke()
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(fields["result"], "ok")
        self.assertEqual(fields["payload"], '{"status":"sent"}')
        self.assertEqual(header(StandInLambda.requests[0], "X-Amz-Invocation-Type"),
                         "RequestResponse")

    def test_unhandled_function_error_fails(self):
        body = json.dumps({"errorType": "Pushover.Unavailable",
                           "errorMessage": "Pushover answered HTTP 503"}).encode()
        StandInLambda.replies = [(200, {"X-Amz-Function-Error": "Unhandled"}, body)]
        proc, fields = self.invoke()
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(fields["function_error"], "Unhandled")
        self.assertIn("Pushover answered HTTP 503", fields["error"])
        self.assertIn("Pushover.Unavailable", fields["error"])

    def test_handled_function_error_lowercase_header(self):
        body = json.dumps({"errorType": "Notification.Invalid",
                           "errorMessage": "message: missing"}).encode()
        StandInLambda.replies = [(200, {"x-amz-function-error": "Handled"}, body)]
        proc, fields = self.invoke()
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(fields["function_error"], "Handled")
        self.assertIn("message: missing", fields["error"])

    def test_event_202_is_success(self):
        StandInLambda.replies = [(202, {}, b"")]
        proc, fields = self.invoke(invocation_type="Event")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(fields["result"], "ok")

    def test_202_for_request_response_fails(self):
        StandInLambda.replies = [(202, {}, b"")]
        proc, fields = self.invoke()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("HTTP 202", fields["error"])

    def test_403_names_error_and_hides_secrets(self):
        # AWS's signature errors can quote the canonical request, which
        # contains the session token, so the message must not carry it on.
        body = json.dumps({
            "message": "The request signature we calculated does not match. token "
                       + TOKEN + " secret " + SECRET}).encode()
        StandInLambda.replies = [(403, {
            "x-amzn-ErrorType": "InvalidSignatureException:http://internal.amazon.com/",
            "Content-Type": "application/json"}, body)]
        proc, fields = self.invoke(token=TOKEN)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("HTTP 403", fields["error"])
        self.assertIn("InvalidSignatureException", fields["error"])
        self.assertIn("signature we calculated", fields["error"])
        for secret in (SECRET, TOKEN):
            self.assertNotIn(secret, fields["error"])
            self.assertNotIn(secret, proc.stderr)

    def test_404_json_type_and_message(self):
        body = json.dumps({"Type": "User", "Message": "Function not found: arn:x"}).encode()
        StandInLambda.replies = [(404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, body)]
        proc, fields = self.invoke()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("ResourceNotFoundException: Function not found", fields["error"])

    def test_connection_reused_across_calls(self):
        proc, fields = self.invoke(repeat=3)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        ports = {request["client_port"] for request in StandInLambda.requests}
        self.assertEqual(len(StandInLambda.requests), 3)
        self.assertEqual(len(ports), 1)

    def test_missing_region_names_both_variables(self):
        proc, fields = self.invoke(extra_env={"AWS_REGION": ""})
        self.assertEqual(proc.returncode, 2)
        self.assertIn("AWS_REGION", fields["error"])
        self.assertIn("AWS_DEFAULT_REGION", fields["error"])
        self.assertEqual(StandInLambda.requests, [])

    def test_default_region_is_used(self):
        proc, fields = self.invoke(extra_env={"AWS_REGION": "",
                                              "AWS_DEFAULT_REGION": REGION})
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_oversized_answer_fails(self):
        StandInLambda.replies = [(200, {}, b"x" * (6 * 1024 * 1024 + 1))]
        proc, fields = self.invoke()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("longer than 6291456 bytes", fields["error"])


class TlsCaBundleTest(unittest.TestCase):
    """The CA bundle comes from SSL_CERT_FILE and SSL_CERT_DIR.

    A stand-in Lambda serves HTTPS on 127.0.0.1 with a self-signed
    certificate made for this test, which no system bundle contains.
    """

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(HELPER):
            raise unittest.SkipTest("build %s first" % HELPER)
        cls.tmp = tempfile.TemporaryDirectory(prefix="pigeon-tls-")
        cls.cert = os.path.join(cls.tmp.name, "cert.pem")
        key = os.path.join(cls.tmp.name, "key.pem")
        cls.other_cert = os.path.join(cls.tmp.name, "other.pem")
        for cert, key_file, name in ((cls.cert, key, "127.0.0.1"),
                                     (cls.other_cert, key + ".other", "other.invalid")):
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key_file, "-out", cert,
                 "-days", "1", "-subj", "/CN=" + name,
                 "-addext", "subjectAltName=IP:127.0.0.1"],
                check=True, capture_output=True, timeout=60)
        # A folder of hashed names, as SSL_CERT_DIR expects.
        cls.cert_dir = os.path.join(cls.tmp.name, "certs")
        os.mkdir(cls.cert_dir)
        with open(cls.cert, "rb") as src, open(os.path.join(cls.cert_dir, "standin.pem"), "wb") as dst:
            dst.write(src.read())
        subprocess.run(["openssl", "rehash", cls.cert_dir], check=True, capture_output=True,
                       timeout=60)

        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandInLambda)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cls.cert, key)
        cls.server.socket = context.wrap_socket(cls.server.socket, server_side=True)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.endpoint = "https://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.tmp.cleanup()

    def setUp(self):
        StandInLambda.requests = []
        StandInLambda.replies = []

    def invoke(self, cert_env):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AWS_", "SSL_CERT_"))}
        env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                    "AWS_REGION": REGION, "AWS_ENDPOINT_URL_LAMBDA": self.endpoint,
                    "PG_TEST_FUNCTION": "notifications"})
        env.update(cert_env)
        proc = subprocess.run([HELPER], env=env, capture_output=True, text=True, timeout=60)
        fields = dict(line.partition("=")[::2] for line in proc.stdout.splitlines())
        return proc, fields

    def test_other_bundle_rejected(self):
        proc, fields = self.invoke({"SSL_CERT_FILE": self.other_cert})
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("certificate", fields["error"].lower())

    def test_ssl_cert_file_trusted(self):
        proc, fields = self.invoke({"SSL_CERT_FILE": self.cert})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(fields["result"], "ok")
        self.assertEqual(len(StandInLambda.requests), 1)

    def test_system_bundle_rejects_unknown_issuer(self):
        proc, fields = self.invoke({})
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("certificate", fields["error"].lower())
        self.assertEqual(StandInLambda.requests, [])

    def test_ssl_cert_dir_trusted(self):
        # The bundle contains another certificate, so only the folder can
        # vouch for the stand-in's.
        proc, fields = self.invoke({"SSL_CERT_FILE": self.other_cert,
                                    "SSL_CERT_DIR": self.cert_dir})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(fields["result"], "ok")

    def test_missing_ssl_cert_file_named(self):
        proc, fields = self.invoke({"SSL_CERT_FILE": "/nonexistent/bundle.pem"})
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("/nonexistent/bundle.pem", fields["error"])


if __name__ == "__main__":
    unittest.main()
