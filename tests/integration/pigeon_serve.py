"""Start `pigeon serve` for a test and talk to it over loopback HTTP.

Every server here binds 127.0.0.1 on an ephemeral port, and every wait is
bounded, so a broken build fails a test instead of hanging it.
"""

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

BUILD = os.environ.get(
    "PIGEON_BUILD",
    os.path.join(os.path.dirname(__file__), "..", "..", "build"))
PIGEON = os.path.join(BUILD, "pigeon")

# `pigeon serve` prints one "pigeon: <what> <url>" line for each URL it serves,
# then "pigeon: ready".
URL_LINE = re.compile(r"^pigeon: ([a-z][a-z.\- ]*?) (http://\S+)$")


# pigeon's settings: a test starts from none of them, whatever the caller's
# environment holds, and sets the ones it needs.
SETTINGS = (
    "PUSHOVER_TOKEN", "PUSHOVER_USERKEY", "PUSHOVER_API_URL",
    "PUSHOVER_SECRET_PARAMETER", "PUSHOVER_SECRET_ARN", "CORS_ALLOW_ORIGIN",
    "NOTIFICATIONS_INVOCATION_TYPE", "API_MAX_EVENT_BYTES",
    "NOTIFICATION_MAX_CHARS", "CONTACT_SUCCESS_URL", "CONTACT_ERROR_URL",
    "HONEYPOT_FIELD", "LAMBDA_FUNCTIONS_LOG_LEVEL", "AWS_LAMBDA_LOG_FORMAT",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_SSM",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hands 3xx responses back to the test instead of following them, so a
    redirect never leads a test off 127.0.0.1."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(method, url, body=None, headers=None, timeout=30):
    """Send one request and return a Response, also for 3xx, 4xx and 5xx."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, err.headers, err.read())


class PigeonServe:
    """One `pigeon serve` process with its own data folder."""

    def __init__(self, env=None, args=(), data_dir=None):
        self.env = dict(os.environ)
        for key in SETTINGS:
            self.env.pop(key, None)
        self.env.update(env or {})
        self.args = list(args)
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="pigeon-test-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.urls = {}
        self.log_lines = []
        self.proc = None
        self._log_lock = threading.Lock()

    def start(self, timeout=20):
        self.proc = subprocess.Popen(
            [PIGEON, "serve", "--port", "0", "--lambda-port", "0",
             "--data-dir", self.data_dir] + self.args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
            text=True, errors="replace")
        threading.Thread(target=self._collect, args=(self.proc.stderr,),
                         daemon=True).start()
        ready = threading.Event()

        def read_stdout():
            for line in self.proc.stdout:
                line = line.rstrip("\n")
                with self._log_lock:
                    self.log_lines.append(line)
                match = URL_LINE.match(line)
                if match:
                    self.urls[match.group(1)] = match.group(2)
                if line == "pigeon: ready":
                    ready.set()

        threading.Thread(target=read_stdout, daemon=True).start()
        if not ready.wait(timeout):
            self.stop()
            raise RuntimeError("pigeon serve printed no URLs within %d s:\n%s"
                               % (timeout, self.log()))
        return self

    def _collect(self, stream):
        for line in stream:
            with self._log_lock:
                self.log_lines.append(line.rstrip("\n"))

    def log(self):
        with self._log_lock:
            return "\n".join(self.log_lines)

    @property
    def api(self):
        return self.urls["api"].rstrip("/")

    @property
    def invoke_url(self):
        return self.urls["lambda"].rstrip("/")

    def stop(self, sig=signal.SIGINT, timeout=20):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise RuntimeError("pigeon serve did not stop within %d s" % timeout)

    def close(self):
        try:
            self.stop()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def inbox(self):
        return request("GET", self.api + "/_pigeon/inbox.json").json()["messages"]

    def wait_for_inbox(self, count, timeout=20):
        """Poll the inbox until it contains count messages, then return them."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.inbox()
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            time.sleep(0.05)

    def invoke(self, function, payload, invocation_type="RequestResponse"):
        """Call the Invoke API as an AWS SDK would, signed with SigV4."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        if isinstance(body, str):
            body = body.encode("utf-8")
        url = "%s/2015-03-31/functions/%s/invocations" % (self.invoke_url, function)
        signed = AWSRequest(method="POST", url=url, data=body, headers={
            "X-Amz-Invocation-Type": invocation_type,
            "Content-Type": "application/json"})
        SigV4Auth(Credentials("AKIDLOCALTEST", "local-test-secret"),
                  "lambda", "us-east-1").add_auth(signed)
        return request("POST", url, body, dict(signed.headers.items()))


def post_form(base, path, fields_or_text, headers=None):
    if isinstance(fields_or_text, dict):
        body = urllib.parse.urlencode(fields_or_text)
    else:
        body = fields_or_text
    all_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    all_headers.update(headers or {})
    return request("POST", base + path, body, all_headers)


def post_json(base, path, value, headers=None):
    body = value if isinstance(value, (bytes, str)) else json.dumps(value)
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return request("POST", base + path, body, all_headers)
