"""Payloads at the edge of JSON through the Lambda Invoke API of
`pigeon serve`, with the real notifications function behind it.

Lambda checks only that a payload is JSON and leaves the rest to the
function. So valid JSON that the function cannot use must reach it and come
back as a function error (200 with X-Amz-Function-Error), not as a 400
from the Invoke API. Invalid JSON gets 400 InvalidRequestContentException with a
message that names the problem and its byte offset.

Needs PIGEON_BUILD (the build folder) and python3-botocore; run with
/usr/bin/python3.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from pigeon_serve import PigeonServe  # noqa: E402


class InvokePayloadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.serve = PigeonServe().start()

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()

    def invoke_text(self, text, invocation_type="RequestResponse"):
        return self.serve.invoke("notifications", text.encode("utf-8"),
                                 invocation_type)

    def assert_function_error(self, text, error_part):
        resp = self.invoke_text(text)
        self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual(resp.headers.get("X-Amz-Function-Error"), "Unhandled")
        self.assertIn(error_part, resp.json()["errorMessage"])

    def test_nul_escape_reaches_function(self):
        self.assert_function_error('{"message":"a\\u0000b"}', "NUL")

    def test_integer_above_int64_reaches_function(self):
        self.assert_function_error(
            '{"message":"p","priority":99999999999999999999}', "")

    def test_number_beyond_double_reaches_function(self):
        self.assert_function_error('{"message":"p","priority":1e400}', "")

    def test_deep_nesting_reaches_function(self):
        self.assert_function_error("[" * 3000 + "]" * 3000, "")

    def test_event_with_nul_escape_queued(self):
        resp = self.invoke_text('{"message":"a\\u0000b"}', "Event")
        self.assertEqual(resp.status, 202, resp.body)

    def test_valid_payload_still_sent(self):
        resp = self.invoke_text(json.dumps({"message": "edge ok"}))
        self.assertEqual(resp.status, 200, resp.body)
        self.assertIsNone(resp.headers.get("X-Amz-Function-Error"))
        self.assertEqual(resp.json()["status"], "sent")

    def test_invalid_json_named_without_parser_options(self):
        rows = [
            ("{not json", "expected a member name in quotes, found 'n' at byte 1"),
            ('{"a":1,}', "found '}' at byte 7"),
            ('{"a":"x\ny"}', "control character 0x0A in a string at byte 7"),
            ("{} {}", "expected the end of the body after the JSON value"),
        ]
        for text, part in rows:
            with self.subTest(text=text):
                resp = self.invoke_text(text)
                self.assertEqual(resp.status, 400, resp.body)
                self.assertEqual(resp.headers["x-amzn-ErrorType"],
                                 "InvalidRequestContentException")
                message = resp.json()["message"]
                self.assertTrue(message.startswith(
                    "Could not parse request body into json: "), message)
                self.assertIn(part, message)
                self.assertNotIn("JSON_", message)


if __name__ == "__main__":
    unittest.main()
