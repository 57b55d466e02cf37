"""`pigeon serve --payload-format 2.0`: the api function behind an emulated
HTTP API. The real bootstraps take a form post to the inbox and answer
404, 405 and the CORS preflight. The echo bootstrap returns
{"function", "request_id", "event"} with the event it received, which
shows the 2.0 event the gateway builds, and the 2.0 rule that a response
without statusCode becomes a 200 JSON body."""

import http.client
import json
import os
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from pigeon_serve import (BUILD, PIGEON, PigeonServe, post_form,  # noqa: E402
                          post_json, request)

ECHO = os.path.join(BUILD, "tests", "local_echo_bootstrap")
ORIGIN = "https://site.example"
GOOD_FORM = "source=site&name=Ada&email=ada%40example.com&description=Hello+v2"


def raw_request(base, method, target, headers, body=None, timeout=30):
    """Send one request with headers as a list of pairs, so a name may
    repeat (urllib keeps one value per name). Returns (status, headers,
    body bytes)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.putrequest(method, target)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


class RealBootstrapsOnHttpApi(unittest.TestCase):
    """The api and notifications bootstraps behind payload format 2.0."""

    @classmethod
    def setUpClass(cls):
        cls.serve = PigeonServe(env={"CORS_ALLOW_ORIGIN": ORIGIN},
                                args=["--payload-format", "2.0"])
        cls.serve.start()

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()

    def assert_one_cors_header(self, resp):
        values = resp.headers.get_all("Access-Control-Allow-Origin") or []
        self.assertEqual(values, [ORIGIN], self.serve.log())

    def test_form_post_reaches_inbox(self):
        before = len(self.serve.inbox())
        resp = post_form(self.serve.api, "/contact", GOOD_FORM,
                         headers={"Origin": ORIGIN})
        self.assertEqual(resp.status, 200, resp.body)
        self.assertIn("message", resp.json())
        self.assert_one_cors_header(resp)
        messages = self.serve.wait_for_inbox(before + 1)
        self.assertEqual(len(messages), before + 1, self.serve.log())
        self.assertEqual(messages[0]["title"], "New message from site")
        self.assertIn("Description: Hello v2", messages[0]["message"])

    def test_json_post_reaches_inbox(self):
        before = len(self.serve.inbox())
        resp = post_json(self.serve.api, "/contact", {
            "source": "site", "name": "Renée", "email": "r@example.com",
            "description": "2 + 2 = 4 ✓"}, headers={"Origin": ORIGIN})
        self.assertEqual(resp.status, 200, resp.body)
        messages = self.serve.wait_for_inbox(before + 1)
        self.assertEqual(len(messages), before + 1, self.serve.log())
        self.assertIn("Name: Renée", messages[0]["message"])

    def test_binary_multipart_body_arrives(self):
        # A multipart body goes to the function in base64, as API Gateway
        # sends it; what the web layer does with it is its own matter, but
        # the answer must be a proper 2xx or 4xx JSON response, never a 502.
        body = ("--XyZ\r\nContent-Disposition: form-data; name=\"source\"\r\n"
                "\r\nsite\r\n--XyZ--\r\n").encode("utf-8")
        resp = request("POST", self.serve.api + "/contact", body,
                       {"Content-Type": "multipart/form-data; boundary=XyZ",
                        "Origin": ORIGIN})
        self.assertLess(resp.status, 500, resp.body)
        self.assertIsInstance(resp.json(), dict)

    def test_unknown_route_404(self):
        status, headers, body = raw_request(
            self.serve.api, "GET", "/nowhere?a=1&a=2",
            [("Cookie", "a=1; b=2"), ("Cookie", "c=3"), ("Origin", ORIGIN)])
        self.assertEqual(status, 404, body)
        self.assertIn("error", json.loads(body))

    def test_wrong_method_405(self):
        resp = request("GET", self.serve.api + "/contact",
                       headers={"Origin": ORIGIN})
        self.assertEqual(resp.status, 405, resp.body)
        self.assertIn("POST", resp.headers.get("Allow", ""))
        self.assert_one_cors_header(resp)

    def test_preflight(self):
        resp = request("OPTIONS", self.serve.api + "/contact", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
        self.assertIn(resp.status, (200, 204), resp.body)
        self.assert_one_cors_header(resp)
        self.assertIn("POST",
                      resp.headers.get("Access-Control-Allow-Methods", ""))

    def test_health(self):
        resp = request("GET", self.serve.api + "/health")
        self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual(resp.json().get("status"), "ok")


class EchoedHttpApiEvent(unittest.TestCase):
    """The echo bootstrap returns the 2.0 event inside an object without a
    statusCode, so the gateway infers a 200 whose JSON body is that
    object."""

    @classmethod
    def setUpClass(cls):
        cls.serve = PigeonServe(args=["--payload-format", "2.0",
                                      "--api-bootstrap", ECHO])
        cls.serve.start()

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()

    def echo(self, method, target, headers, body=None):
        status, resp_headers, data = raw_request(self.serve.api, method,
                                                 target, headers, body)
        self.assertEqual(status, 200, data)
        self.assertEqual(resp_headers.get("Content-Type"), "application/json")
        return json.loads(data)["event"]

    def test_event_shape(self):
        event = self.echo("GET", "/some%20where/x?a=1&a=2&q=x%20y&e=%C3%A9",
                          [("User-Agent", "payload-test"),
                           ("X-Multi", "one"), ("X-Multi", "two")])
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "$default")
        self.assertEqual(event["rawPath"], "/some%20where/x")
        self.assertEqual(event["rawQueryString"], "a=1&a=2&q=x%20y&e=%C3%A9")
        self.assertEqual(event["queryStringParameters"],
                         {"a": "1,2", "q": "x y", "e": "é"})
        self.assertEqual(event["headers"]["x-multi"], "one,two")
        self.assertEqual(event["headers"]["user-agent"], "payload-test")
        self.assertTrue(all(name == name.lower() for name in event["headers"]))
        self.assertNotIn("multiValueHeaders", event)
        self.assertNotIn("cookies", event)
        self.assertNotIn("body", event)
        self.assertFalse(event["isBase64Encoded"])
        context = event["requestContext"]
        self.assertEqual(context["http"]["method"], "GET")
        self.assertEqual(context["http"]["path"], "/some where/x")
        self.assertEqual(context["http"]["protocol"], "HTTP/1.1")
        self.assertEqual(context["http"]["sourceIp"], "127.0.0.1")
        self.assertEqual(context["http"]["userAgent"], "payload-test")
        self.assertEqual(context["stage"], "$default")
        self.assertEqual(context["routeKey"], "$default")
        self.assertRegex(context["requestId"], r"^[0-9a-f-]{36}$")
        self.assertIsInstance(context["timeEpoch"], int)

    def test_cookies_array(self):
        event = self.echo("GET", "/c", [("Cookie", "csrf=TOKEN; lang=de"),
                                        ("Cookie", "theme=dark")])
        self.assertEqual(event["cookies"], ["csrf=TOKEN", "lang=de",
                                            "theme=dark"])
        self.assertNotIn("cookie", event["headers"])

    def test_text_and_binary_bodies(self):
        event = self.echo("POST", "/contact",
                          [("Content-Type", "application/x-www-form-urlencoded")],
                          GOOD_FORM.encode("ascii"))
        self.assertEqual(event["body"], GOOD_FORM)
        self.assertFalse(event["isBase64Encoded"])

        event = self.echo("POST", "/upload",
                          [("Content-Type", "application/octet-stream")],
                          b"\x00\xff\x10")
        self.assertEqual(event["body"], "AP8Q")
        self.assertTrue(event["isBase64Encoded"])


class PayloadFormatFlag(unittest.TestCase):
    def test_invalid_value_rejected(self):
        proc = subprocess.run([PIGEON, "serve", "--payload-format", "3.0"],
                              capture_output=True, text=True, timeout=20)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--payload-format", proc.stderr)
        self.assertIn("1.0 or 2.0", proc.stderr)

    def test_help_lists_flag(self):
        proc = subprocess.run([PIGEON, "--help"], capture_output=True,
                              text=True, timeout=20)
        self.assertEqual(proc.returncode, 0)
        self.assertIn("--payload-format", proc.stdout)


if __name__ == "__main__":
    unittest.main()
