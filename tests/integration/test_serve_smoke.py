"""Smoke test of `pigeon serve` with a stand-in echo bootstrap for both
functions (build/tests/local_echo_bootstrap): the Invoke API, the event
queue across a restart, crash and timeout handling, the API Gateway
stand-in, the Pushover inbox and the stop on SIGINT.

Every server binds 127.0.0.1 on an ephemeral port and every wait is
bounded. Run: PIGEON_BUILD=$PWD/build /usr/bin/python3 tests/integration/test_serve_smoke.py
"""

import json
import os
import queue
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BUILD = os.path.abspath(os.environ.get(
    "PIGEON_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build")))
PIGEON = os.path.join(BUILD, "pigeon")
ECHO = os.path.join(BUILD, "tests", "local_echo_bootstrap")
TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20250101/"
        "us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00"}


def http(method, url, body=None, headers=None, timeout=30):
    """Returns (status, headers, body bytes), also for 4xx and 5xx."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


class Serve:
    """One `pigeon serve` process; urls maps "api", "lambda", ... to URLs."""

    def __init__(self, data_dir, notifications=ECHO, extra=()):
        self.args = [PIGEON, "serve", "--port", "0", "--lambda-port", "0",
                     "--data-dir", data_dir, "--api-bootstrap", ECHO,
                     "--notifications-bootstrap", notifications] + list(extra)
        self.urls = {}
        self.stderr = []
        self.proc = None

    def start(self, timeout=20):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PUSHOVER_")}
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True)
        lines = queue.Queue()
        self.pumps = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, lines.put),
                             daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append),
                             daemon=True),
        ]
        for pump in self.pumps:
            pump.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None or line == "pigeon: ready":
                break
            parts = line.split(" ")
            if len(parts) == 3 and parts[0] == "pigeon:":
                self.urls[parts[1]] = parts[2]
        if "api" not in self.urls or "lambda" not in self.urls:
            self.stop()
            raise AssertionError("pigeon serve did not start:\n" + self.log())
        return self

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink(line.rstrip("\n"))
        sink(None)

    def log(self):
        return "\n".join(line for line in self.stderr if line is not None)

    def stop(self, sig=signal.SIGINT, timeout=20):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise AssertionError("pigeon serve did not stop on %s" % sig)
        for pump in self.pumps:
            pump.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode

    def invoke(self, function, payload, invocation_type=None, headers=None):
        hdrs = dict(AUTH)
        if invocation_type:
            hdrs["X-Amz-Invocation-Type"] = invocation_type
        hdrs.update(headers or {})
        url = "%s/2015-03-31/functions/%s/invocations" % (
            self.urls["lambda"], urllib.parse.quote(function, safe=""))
        return http("POST", url, json.dumps(payload), hdrs)

    def queue_json(self):
        status, _, body = http("GET", self.urls["api"] + "/_pigeon/queue.json")
        assert status == 200, status
        return json.loads(body)

    def wait_event(self, request_id, want, timeout=20):
        """Polls queue.json until the event is in state want ("done" or
        "dead"); returns its row."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            listing = self.queue_json()
            if want == "dead":
                for row in listing["dead_letters"]:
                    if row["request_id"] == request_id:
                        return row
            for row in listing["events"]:
                if row["request_id"] == request_id and row["status"] == want:
                    return row
            time.sleep(0.1)
        raise AssertionError("event %s never became %s:\n%s" % (request_id, want, self.log()))


class ServeSmokeTest(unittest.TestCase):
    def setUp(self):
        for path in (PIGEON, ECHO):
            if not os.access(path, os.X_OK):
                self.fail("missing %s; build with make tests-build" % path)
        self.tmp = tempfile.TemporaryDirectory(prefix="pigeon-smoke-")
        self.data_dir = os.path.join(self.tmp.name, "data")
        self.serve = None

    def tearDown(self):
        if self.serve is not None:
            self.serve.stop()
        self.tmp.cleanup()

    def start(self, **kwargs):
        self.serve = Serve(self.data_dir, **kwargs).start()
        return self.serve

    def test_invoke_request_response(self):
        serve = self.start()
        status, headers, body = serve.invoke("notifications", {"title": "hi"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-Amz-Executed-Version"], "$LATEST")
        self.assertIsNone(headers.get("X-Amz-Function-Error"))
        answer = json.loads(body)
        self.assertEqual(answer["function"], "notifications")
        self.assertEqual(answer["event"], {"title": "hi"})
        self.assertEqual(answer["request_id"], headers["x-amzn-RequestId"])

        arn = "arn:aws:lambda:us-east-1:000000000000:function:notifications:$LATEST"
        status, _, _ = serve.invoke(arn, {})
        self.assertEqual(status, 200)
        status, _, _ = serve.invoke("notifications", {}, "DryRun")
        self.assertEqual(status, 204)

    def test_invoke_errors_as_aws(self):
        serve = self.start()
        status, headers, body = serve.invoke("missing", {})
        self.assertEqual(status, 404)
        self.assertEqual(headers["x-amzn-ErrorType"], "ResourceNotFoundException")
        self.assertIn("Function not found: arn:aws:lambda:us-east-1:000000000000:"
                      "function:missing", json.loads(body)["message"])
        url = serve.urls["lambda"] + "/2015-03-31/functions/notifications/invocations"
        status, headers, _ = http("POST", url, "{}")
        self.assertEqual(status, 403)
        status, headers, _ = http("POST", url, "{not json", AUTH)
        self.assertEqual(status, 400)
        self.assertEqual(headers["x-amzn-ErrorType"], "InvalidRequestContentException")
        big = json.dumps({"x": "a" * (1024 * 1024)})
        status, headers, _ = http("POST", url, big,
                                  dict(AUTH, **{"X-Amz-Invocation-Type": "Event"}))
        self.assertEqual(status, 413)
        self.assertEqual(headers["x-amzn-ErrorType"], "RequestEntityTooLargeException")

    def test_event_delivered(self):
        serve = self.start()
        status, headers, body = serve.invoke("notifications", {"n": 1}, "Event")
        self.assertEqual(status, 202)
        self.assertEqual(body, b"")
        request_id = headers["x-amzn-RequestId"]
        row = serve.wait_event(request_id, "done")
        self.assertEqual(json.loads(row["payload"]), {"n": 1})
        result = json.loads(row["result"])
        self.assertEqual(result["event"], {"n": 1})
        # The function receives the id that the Invoke API returned.
        self.assertEqual(result["request_id"], request_id)

    def test_events_keep_arrival_order(self):
        serve = self.start()
        ids = []
        for n in range(5):
            status, headers, _ = serve.invoke("notifications", {"n": n}, "Event")
            self.assertEqual(status, 202)
            ids.append(headers["x-amzn-RequestId"])
        rows = [serve.wait_event(i, "done") for i in ids]
        finished = [row["finished_at"] for row in rows]
        self.assertEqual(finished, sorted(finished))

    def test_failed_event_goes_to_dead_letters(self):
        serve = self.start(extra=["--retry-delay", "0"])
        status, headers, _ = serve.invoke("notifications", {"pigeon_test": "fail"}, "Event")
        self.assertEqual(status, 202)
        row = serve.wait_event(headers["x-amzn-RequestId"], "dead")
        self.assertEqual(row["attempts"], 3)
        self.assertEqual(json.loads(row["last_error"])["errorType"], "Test.Failure")

    def test_restart_delivers_stored_event(self):
        # A bootstrap that never requests an invocation keeps the event queued.
        idle = os.path.join(self.tmp.name, "idle_bootstrap")
        with open(idle, "w") as f:
            f.write("#!/bin/sh\nexec sleep 60\n")
        os.chmod(idle, 0o755)
        first = Serve(self.data_dir, notifications=idle).start()
        try:
            status, headers, _ = first.invoke("notifications", {"kept": True}, "Event")
            self.assertEqual(status, 202)
        finally:
            self.assertEqual(first.stop(), 0)
        request_id = headers["x-amzn-RequestId"]
        db = sqlite3.connect(os.path.join(self.data_dir, "pigeon.db"))
        try:
            rows = db.execute("SELECT status, attempts FROM events WHERE request_id = ?",
                              (request_id,)).fetchall()
        finally:
            db.close()
        self.assertEqual(rows, [("queued", 0)])

        serve = self.start()
        row = serve.wait_event(request_id, "done")
        self.assertEqual(json.loads(row["result"])["event"], {"kept": True})

    def test_crash_fails_invocation_then_recovers(self):
        serve = self.start()
        status, headers, body = serve.invoke("notifications", {"pigeon_test": "crash"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-Amz-Function-Error"], "Unhandled")
        error = json.loads(body)
        self.assertEqual(error["errorType"], "Runtime.ExitError")
        self.assertIn("exit status 3", error["errorMessage"])
        status, headers, body = serve.invoke("notifications", {"after": "crash"})
        self.assertEqual(status, 200)
        self.assertIsNone(headers.get("X-Amz-Function-Error"))
        self.assertEqual(json.loads(body)["event"], {"after": "crash"})
        self.assertIn("process exited (exit status 3)", serve.log())

    def test_timeout_kills_and_restarts(self):
        serve = self.start(extra=["--timeout", "1"])
        status, headers, body = serve.invoke("notifications", {"pigeon_test": "sleep"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-Amz-Function-Error"], "Unhandled")
        self.assertIn("Task timed out after 1.00 seconds", json.loads(body)["errorMessage"])
        status, headers, body = serve.invoke("notifications", {"after": "timeout"})
        self.assertEqual(status, 200)
        self.assertIsNone(headers.get("X-Amz-Function-Error"))

    def test_gateway_proxy_event(self):
        serve = self.start()
        status, headers, body = http(
            "POST", serve.urls["api"] + "/contact?a=1&a=2&b=x%20y",
            "name=Ada", {"Content-Type": "application/x-www-form-urlencoded",
                         "X-Twice": "one"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-Echo"], "1")
        self.assertEqual(headers.get_all("X-Multi"), ["a", "b"])
        event = json.loads(body)
        self.assertEqual(event["path"], "/contact")
        self.assertEqual(event["httpMethod"], "POST")
        self.assertEqual(event["resource"], "/{proxy+}")
        self.assertEqual(event["pathParameters"], {"proxy": "contact"})
        self.assertEqual(event["queryStringParameters"], {"a": "2", "b": "x y"})
        self.assertEqual(event["multiValueQueryStringParameters"]["a"], ["1", "2"])
        self.assertEqual(event["body"], "name=Ada")
        self.assertFalse(event["isBase64Encoded"])
        self.assertEqual(event["requestContext"]["stage"], "local")
        self.assertEqual(event["requestContext"]["path"], "/local/contact")
        self.assertEqual(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1")
        self.assertEqual(event["requestContext"]["requestId"], headers["x-amzn-RequestId"])

        status, _, body = http("GET", serve.urls["api"] + "/malformed")
        self.assertEqual(status, 502)
        self.assertEqual(json.loads(body), {"message": "Internal server error"})

    def test_inbox_validates_and_stores(self):
        serve = self.start()
        url = serve.urls["api"] + "/_pigeon/pushover/1/messages.json"
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        good = urllib.parse.urlencode({
            "token": TOKEN, "user": USER, "title": "New <contact>",
            "message": "Hello\nfrom Ada & co", "url": "https://example.org",
            "url_title": "site", "priority": "1", "sound": "magic"})
        status, _, body = http("POST", url, good, form)
        self.assertEqual(status, 200)
        answer = json.loads(body)
        self.assertEqual(answer["status"], 1)
        request = answer["request"]

        bad = urllib.parse.urlencode({"token": "short", "user": USER, "message": "x"})
        status, _, body = http("POST", url, bad, form)
        self.assertEqual(status, 400)
        answer = json.loads(body)
        self.assertEqual(answer["status"], 0)
        self.assertEqual(answer["token"], "invalid")
        self.assertTrue(answer["errors"])
        status, _, body = http("POST", url, urllib.parse.urlencode(
            {"token": TOKEN, "user": USER, "message": "m" * 1025}), form)
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["message"], "invalid")

        status, _, body = http("GET", serve.urls["inbox.json"])
        self.assertEqual(status, 200)
        messages = json.loads(body)["messages"]
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0]["request"], request)
        self.assertEqual(messages[0]["title"], "New <contact>")
        self.assertEqual(messages[0]["message"], "Hello\nfrom Ada & co")
        self.assertEqual(messages[0]["priority"], 1)
        self.assertNotIn("token", messages[0])

        status, headers, body = http("GET", serve.urls["inbox"])
        self.assertEqual(status, 200)
        page = body.decode("utf-8")
        self.assertIn("New &lt;contact&gt;", page)
        self.assertIn("Hello\nfrom Ada &amp; co", page)
        self.assertIn("white-space:pre-wrap", page)

    def test_pigeon_pages(self):
        serve = self.start()
        status, headers, body = http("GET", serve.urls["form"])
        self.assertEqual(status, 200)
        self.assertIn('action="/contact"', body.decode("utf-8"))
        status, _, body = http("GET", serve.urls["api"] + "/_pigeon/")
        self.assertEqual(status, 200)
        self.assertIn("/_pigeon/inbox", body.decode("utf-8"))
        status, _, _ = http("GET", serve.urls["api"] + "/_pigeon/nothing")
        self.assertEqual(status, 404)

    def test_sigint_stops_with_status_zero(self):
        serve = self.start()
        status, _, _ = serve.invoke("api", {"warm": True})
        self.assertEqual(status, 200)
        self.assertEqual(serve.stop(signal.SIGINT), 0)
        self.assertIn("pigeon: stopped", serve.log())
        self.serve = None

    def test_sigterm_stops_with_status_zero(self):
        serve = self.start()
        self.assertEqual(serve.stop(signal.SIGTERM), 0)
        self.serve = None

    def test_bad_env_file_names_line(self):
        env_file = os.path.join(self.tmp.name, "pigeon.env")
        with open(env_file, "w") as f:
            f.write("GOOD=1\nthis is wrong\n")
        proc = subprocess.run(
            [PIGEON, "serve", "--port", "0", "--lambda-port", "0", "--data-dir",
             self.data_dir, "--env-file", env_file, "--api-bootstrap", ECHO,
             "--notifications-bootstrap", ECHO],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("line 2", proc.stderr)


if __name__ == "__main__":
    unittest.main()
