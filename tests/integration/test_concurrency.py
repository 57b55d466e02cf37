"""`pigeon serve --concurrency N`: N warm processes per function, each
taking one invocation at a time, so that N slow invocations run at once.

The bootstrap here is a small Runtime API client in Python that sleeps for
the seconds its event gives and returns its process id and when it ran. Every server
binds 127.0.0.1 on an ephemeral port and every wait is bounded.
Run: PIGEON_BUILD=$PWD/build /usr/bin/python3 tests/integration/test_concurrency.py
"""

import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from pigeon_serve import PIGEON, PigeonServe, request  # noqa: E402

STARTED_LINE = re.compile(r"function notifications: started process (\d+)")

AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20250101/"
        "us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00",
        "Content-Type": "application/json"}

# Handles {"sleep": seconds} and {"crash": true}. The response contains the
# process id and the wall-clock interval spent on the event.
SLEEPY_BOOTSTRAP = r'''#!/usr/bin/python3
import http.client, json, os, sys, time

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port), timeout=120)
base = "/2018-06-01/runtime/invocation/"
while True:
    conn.request("GET", base + "next")
    resp = conn.getresponse()
    event = json.loads(resp.read() or b"{}")
    request_id = resp.getheader("Lambda-Runtime-Aws-Request-Id")
    if event.get("crash"):
        sys.exit(3)
    started = time.time()
    time.sleep(float(event.get("sleep", 0)))
    answer = json.dumps({"pid": os.getpid(), "started": started,
                         "ended": time.time()})
    conn.request("POST", base + request_id + "/response", answer,
                 {"Content-Type": "application/json"})
    conn.getresponse().read()
'''

SLEEP_S = 1.5


def overlap(a, b):
    return a["started"] < b["ended"] and b["started"] < a["ended"]


class ConcurrencyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="pigeon-concurrency-")
        cls.bootstrap = os.path.join(cls.tmp.name, "bootstrap")
        with open(cls.bootstrap, "w") as f:
            f.write(SLEEPY_BOOTSTRAP)
        os.chmod(cls.bootstrap, stat.S_IRWXU)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def serve(self, *args, data_dir=None):
        serve = PigeonServe(args=["--api-bootstrap", self.bootstrap,
                                  "--notifications-bootstrap", self.bootstrap,
                                  "--timeout", "30"] + list(args),
                            data_dir=data_dir)
        serve.start()
        self.addCleanup(serve.close)
        return serve

    def invoke(self, serve, event, invocation_type="RequestResponse"):
        url = serve.invoke_url + "/2015-03-31/functions/notifications/invocations"
        headers = dict(AUTH, **{"X-Amz-Invocation-Type": invocation_type})
        return request("POST", url, json.dumps(event), headers, timeout=60)

    def queue_events(self, serve):
        """Returns the stored events by request id."""
        listing = request("GET", serve.api + "/_pigeon/queue.json").json()
        return {e["request_id"]: e for e in listing["events"]}

    def store_events(self, serve, events):
        """Sends each event as an Event invocation; returns the request ids."""
        ids = []
        for event in events:
            resp = self.invoke(serve, event, "Event")
            self.assertEqual(resp.status, 202, resp.body)
            ids.append(resp.headers["x-amzn-RequestId"])
        return ids

    def wait_for_status(self, serve, ids, status, timeout=30):
        """Polls the queue until every event in ids has status; returns
        their rows in the order of ids."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.queue_events(serve)
            if all(events.get(i, {}).get("status") == status for i in ids):
                return [events[i] for i in ids]
            if time.monotonic() > deadline:
                self.fail("events %s did not reach %s: %s" % (ids, status, events))
            time.sleep(0.05)

    def invoke_together(self, serve, events):
        """Sends every event at once; returns the responses in order."""
        results = [None] * len(events)

        def run(i):
            results[i] = self.invoke(serve, events[i])

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(events))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        return results

    def test_two_slow_invocations_overlap(self):
        serve = self.serve("--concurrency", "2")
        first, second = self.invoke_together(serve, [{"sleep": SLEEP_S}] * 2)
        self.assertEqual(first.status, 200, first.body)
        self.assertEqual(second.status, 200, second.body)
        self.assertIsNone(first.headers.get("X-Amz-Function-Error"), first.body)
        self.assertIsNone(second.headers.get("X-Amz-Function-Error"), second.body)
        a, b = first.json(), second.json()
        self.assertNotEqual(a["pid"], b["pid"])
        self.assertTrue(overlap(a, b), (a, b))

    def test_one_process_runs_them_in_turn(self):
        serve = self.serve()
        first, second = self.invoke_together(serve, [{"sleep": SLEEP_S}] * 2)
        self.assertEqual(first.status, 200, first.body)
        self.assertEqual(second.status, 200, second.body)
        a, b = first.json(), second.json()
        self.assertEqual(a["pid"], b["pid"])
        self.assertFalse(overlap(a, b), (a, b))

    def test_crash_fails_only_its_invocation(self):
        serve = self.serve("--concurrency", "2")
        slow, crash = self.invoke_together(serve, [{"sleep": SLEEP_S}, {"crash": True}])
        self.assertEqual(slow.status, 200, slow.body)
        self.assertIsNone(slow.headers.get("X-Amz-Function-Error"), slow.body)
        self.assertEqual(crash.status, 200, crash.body)
        self.assertEqual(crash.headers.get("X-Amz-Function-Error"), "Unhandled")
        self.assertEqual(crash.json()["errorType"], "Runtime.ExitError")
        # The crashed process is replaced and serves again.
        again = self.invoke(serve, {"sleep": 0})
        self.assertEqual(again.status, 200, again.body)
        self.assertIsNone(again.headers.get("X-Amz-Function-Error"), again.body)

    def test_each_process_is_started_and_labelled(self):
        serve = self.serve("--concurrency", "2")
        self.invoke_together(serve, [{"sleep": 0.2}] * 2)
        log = serve.log()
        for label in ("api 1", "api 2", "notifications 1", "notifications 2"):
            self.assertIn("function %s: started process" % label, log)

    def test_two_stored_events_run_at_once(self):
        serve = self.serve("--concurrency", "2")
        ids = self.store_events(serve, [{"sleep": SLEEP_S}] * 2)
        rows = self.wait_for_status(serve, ids, "done")
        a, b = (json.loads(row["result"]) for row in rows)
        self.assertNotEqual(a["pid"], b["pid"])
        self.assertTrue(overlap(a, b), (a, b))
        self.assertEqual({row["worker"] for row in rows}, {None})

    def test_one_process_delivers_events_in_order(self):
        serve = self.serve()
        ids = self.store_events(serve, [{"sleep": 0.2}] * 3)
        rows = self.wait_for_status(serve, ids, "done")
        results = [json.loads(row["result"]) for row in rows]
        for earlier, later in zip(results, results[1:]):
            self.assertLessEqual(earlier["ended"], later["started"], results)

    def test_restart_delivers_event_cut_by_crash(self):
        data = tempfile.TemporaryDirectory(prefix="pigeon-crash-")
        self.addCleanup(data.cleanup)
        serve = self.serve(data_dir=data.name)
        (event_id,) = self.store_events(serve, [{"sleep": 2}])
        (row,) = self.wait_for_status(serve, [event_id], "running", timeout=10)
        self.assertEqual(row["worker"], 1)

        # A crash of pigeon itself: its function process is left behind,
        # so the test ends that process too.
        started = STARTED_LINE.findall(serve.log())
        serve.proc.send_signal(signal.SIGKILL)
        serve.proc.wait(10)
        for pid in started:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass

        again = self.serve(data_dir=data.name)
        (row,) = self.wait_for_status(again, [event_id], "done")
        self.assertEqual(row["attempts"], 0)
        self.assertIn("pid", json.loads(row["result"]))

    def test_concurrency_out_of_range_rejected(self):
        for value in ("0", "65", "two"):
            proc = subprocess.run(
                [PIGEON, "serve", "--concurrency", value, "--port", "0",
                 "--lambda-port", "0"],
                capture_output=True, text=True, timeout=20)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("--concurrency", proc.stderr)


if __name__ == "__main__":
    unittest.main()
