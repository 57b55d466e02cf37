"""The contact form end to end: HTTP -> api bootstrap -> Invoke ->
notifications bootstrap -> Pushover-compatible inbox, all through
`pigeon serve` with the real binaries."""

import http.server
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from pigeon_serve import PigeonServe, post_form, post_json, request  # noqa: E402

GOOD = {"source": "site", "name": "Ada", "email": "ada@example.com",
        "description": "Hello"}
EXPECTED_TEXT = "Source: site\nName: Ada\nMail: ada@example.com\nDescription: Hello"


class ContactToInbox(unittest.TestCase):
    """Accepted submissions reach the inbox; rejected ones leave it alone."""

    @classmethod
    def setUpClass(cls):
        cls.serve = PigeonServe(env={"CORS_ALLOW_ORIGIN": "https://site.example"})
        cls.serve.start()

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()

    def assert_one_cors_header(self, resp):
        values = resp.headers.get_all("Access-Control-Allow-Origin") or []
        self.assertEqual(values, ["https://site.example"])

    def test_form_post_reaches_inbox(self):
        before = len(self.serve.inbox())
        resp = post_form(self.serve.api, "/contact",
                         "source=site&name=Ada&email=ada@example.com&description=Hello")
        self.assertEqual(resp.status, 200, resp.body)
        self.assertIn("message", resp.json())
        self.assert_one_cors_header(resp)
        messages = self.serve.wait_for_inbox(before + 1)
        self.assertEqual(len(messages), before + 1, self.serve.log())
        self.assertEqual(messages[0]["message"], EXPECTED_TEXT)
        self.assertEqual(messages[0]["title"], "New message from site")

    def test_json_post_reaches_inbox(self):
        before = len(self.serve.inbox())
        value = dict(GOOD, name="Renée O'Brien", description="2 + 2 = 4\nok ✓")
        resp = post_json(self.serve.api, "/contact", value)
        self.assertEqual(resp.status, 200, resp.body)
        messages = self.serve.wait_for_inbox(before + 1)
        self.assertEqual(len(messages), before + 1, self.serve.log())
        self.assertEqual(messages[0]["message"],
                         "Source: site\nName: Renée O'Brien\n"
                         "Mail: ada@example.com\nDescription: 2 + 2 = 4\nok ✓")

    def test_form_plus_and_percent_decoding(self):
        before = len(self.serve.inbox())
        resp = post_form(self.serve.api, "/contact",
                         "source=site&name=Ren%C3%A9e+O%27Brien"
                         "&email=a%2Bb%40example.com&description=2+%2B+2",
                         {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
        self.assertEqual(resp.status, 200, resp.body)
        messages = self.serve.wait_for_inbox(before + 1)
        self.assertEqual(messages[0]["message"],
                         "Source: site\nName: Renée O'Brien\n"
                         "Mail: a+b@example.com\nDescription: 2 + 2")

    def assert_rejected(self, resp, status, field=None):
        self.assertEqual(resp.status, status, resp.body)
        error = resp.json()["error"]
        self.assertIsInstance(error, str)
        if field:
            self.assertIn(field, error)
        self.assert_one_cors_header(resp)

    def test_bad_input_is_rejected_and_inbox_unchanged(self):
        before = len(self.serve.inbox())
        cases = [
            ("missing field", post_json(self.serve.api, "/contact",
                                        {k: v for k, v in GOOD.items() if k != "email"}),
             400, "email"),
            ("bad email", post_json(self.serve.api, "/contact",
                                    dict(GOOD, email="ada@@example")), 400, "email"),
            ("CR/LF in name", post_json(self.serve.api, "/contact",
                                        dict(GOOD, name="Ada\r\nBcc: x@example.com")),
             400, "name"),
            ("invalid UTF-8", post_form(self.serve.api, "/contact",
                                        "source=site&name=%E2%82&email=ada@example.com"
                                        "&description=x"), 400, "name"),
            ("bad escape", post_form(self.serve.api, "/contact",
                                     "source=site&name=%zz&email=ada@example.com"
                                     "&description=x"), 400, "name"),
            ("oversize body", post_form(self.serve.api, "/contact",
                                        "source=site&name=Ada&email=ada@example.com"
                                        "&description=" + "x" * 20000), 413, None),
            ("malformed JSON", post_json(self.serve.api, "/contact",
                                         '{"source": "site", "name": '), 400, None),
            ("unknown route", request("GET", self.serve.api + "/nowhere"), 404, None),
            ("NUL in the path", post_form(self.serve.api, "/contact%00junk",
                                          "source=site&name=Ada&email=ada@example.com"
                                          "&description=x"), 404, None),
        ]
        for name, resp, status, field in cases:
            with self.subTest(name):
                self.assert_rejected(resp, status, field)
        wrong_method = request("GET", self.serve.api + "/contact")
        self.assert_rejected(wrong_method, 405)
        self.assertIn("POST", wrong_method.headers.get("Allow", ""))
        time.sleep(0.5)
        self.assertEqual(len(self.serve.inbox()), before)

    def test_preflight_answers_cors(self):
        resp = request("OPTIONS", self.serve.api + "/contact", headers={
            "Origin": "https://site.example",
            "Access-Control-Request-Method": "POST"})
        self.assertIn(resp.status, (200, 204))
        self.assert_one_cors_header(resp)
        self.assertIn("POST", resp.headers.get("Access-Control-Allow-Methods", ""))

    def test_form_page_posts_to_contact(self):
        resp = request("GET", self.serve.api + "/_pigeon/form")
        self.assertEqual(resp.status, 200)
        page = resp.body.decode("utf-8")
        self.assertIn('action="/contact"', page)
        for field in ("source", "name", "email", "description"):
            self.assertIn('name="%s"' % field, page)


class SettingsFromEnvironment(unittest.TestCase):
    """Settings in pigeon's own environment reach the api function."""

    @classmethod
    def setUpClass(cls):
        cls.serve = PigeonServe(env={
            "HONEYPOT_FIELD": "website",
            "CONTACT_SUCCESS_URL": "https://site.example/thanks"})
        cls.serve.start()

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()

    def test_honeypot_field_name(self):
        before = len(self.serve.inbox())
        resp = post_form(self.serve.api, "/contact",
                         "source=site&name=Bot&email=bot@example.com"
                         "&description=spam&website=http://spam.example")
        self.assertEqual(resp.status, 200, resp.body)
        time.sleep(0.5)
        self.assertEqual(len(self.serve.inbox()), before)

    def test_success_url_for_browser_post(self):
        resp = post_form(self.serve.api, "/contact",
                         "source=site&name=Ada&email=ada@example.com"
                         "&description=Hello",
                         {"Accept": "text/html,application/xhtml+xml"})
        self.assertEqual(resp.status, 303, resp.body)
        self.assertEqual(resp.headers.get("Location"),
                         "https://site.example/thanks")


class QueuedEventsAcrossRestart(unittest.TestCase):
    """Event invocations queued when pigeon stops are each delivered once
    after the next start, in arrival order."""

    COUNT = 150

    def test_stop_and_restart_delivers_each_once(self):
        data_dir = tempfile.mkdtemp(prefix="pigeon-restart-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        first = PigeonServe(data_dir=data_dir).start()
        try:
            for i in range(self.COUNT):
                resp = first.invoke("notifications",
                                    {"title": "t", "message": "seq %d" % i},
                                    "Event")
                self.assertEqual(resp.status, 202, resp.body)
        finally:
            self.assertEqual(first.stop(signal.SIGTERM), 0)
        second = PigeonServe(data_dir=data_dir).start()
        try:
            messages = second.wait_for_inbox(self.COUNT, timeout=60)
            time.sleep(1)
            messages = second.inbox()
        finally:
            second.close()
        sequence = [int(m["message"].split()[1]) for m in reversed(messages)]
        self.assertEqual(sequence, list(range(self.COUNT)))


class StandInPushover(http.server.BaseHTTPRequestHandler):
    """Replies as api.pushover.net would, in the mode the test picks."""

    mode = "ok"
    posts = 0

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        type(self).posts += 1
        if self.mode == "ok":
            self.reply(200, "application/json",
                       '{"status":1,"request":"11111111-2222-3333-4444-555555555555"}')
        elif self.mode == "400":
            self.reply(400, "application/json; charset=utf-8",
                       '{"token":"invalid","errors":["application token is invalid"],'
                       '"status":0,"request":"r-400"}')
        elif self.mode == "429":
            self.reply(429, "text/html",
                       "<html><head><title>429 Too Many Requests</title></head>"
                       "<body>429</body></html>")
        else:
            self.reply(500, "text/html", "<html><body>oops</body></html>")

    def reply(self, status, content_type, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class PushoverFailures(unittest.TestCase):
    """A failing Pushover fails the notification with its cause, and both
    functions keep serving afterwards."""

    TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
    USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"

    @classmethod
    def setUpClass(cls):
        cls.pushover = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandInPushover)
        threading.Thread(target=cls.pushover.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d/1/messages.json" % cls.pushover.server_address[1]
        cls.serve = PigeonServe(env={
            "PUSHOVER_TOKEN": cls.TOKEN, "PUSHOVER_USERKEY": cls.USER,
            "PUSHOVER_API_URL": url,
            "NOTIFICATIONS_INVOCATION_TYPE": "RequestResponse"},
            args=["--timeout", "4"])
        cls.serve.start()

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()
        cls.pushover.shutdown()
        cls.pushover.server_close()

    def setUp(self):
        StandInPushover.mode = "ok"

    def notify(self):
        return self.serve.invoke("notifications", {"title": "t", "message": "m"})

    def test_rejections_fail_with_cause(self):
        causes = {"400": "application token is invalid", "429": "429",
                  "500": "500"}
        for mode, cause in causes.items():
            with self.subTest(mode):
                StandInPushover.mode = mode
                resp = self.notify()
                self.assertEqual(resp.status, 200, resp.body)
                self.assertEqual(resp.headers.get("X-Amz-Function-Error"), "Unhandled")
                self.assertIn(cause, resp.json()["errorMessage"])
                StandInPushover.mode = "ok"
                resp = self.notify()
                self.assertEqual(resp.status, 200, resp.body)
                self.assertIsNone(resp.headers.get("X-Amz-Function-Error"))

    def test_contact_gets_502_when_delivery_fails(self):
        StandInPushover.mode = "400"
        resp = post_form(self.serve.api, "/contact",
                         "source=site&name=Ada&email=ada@example.com&description=Hi")
        self.assertEqual(resp.status, 502, resp.body)
        self.assertNotIn("token", resp.json()["error"])
        StandInPushover.mode = "ok"
        resp = post_form(self.serve.api, "/contact",
                         "source=site&name=Ada&email=ada@example.com&description=Hi")
        self.assertEqual(resp.status, 200, resp.body)

    def test_secrets_stay_out_of_logs(self):
        StandInPushover.mode = "400"
        self.notify()
        StandInPushover.mode = "ok"
        self.notify()
        log = self.serve.log()
        self.assertNotIn(self.TOKEN, log)
        self.assertNotIn(self.USER, log)


if __name__ == "__main__":
    unittest.main()
