"""A seconds-long run of every benchmark step (`bench/run --smoke`) against
the build under test, so that `make bench` cannot rot. The figures of a
smoke run are not meaningful and are never asserted.

Run: PIGEON_BUILD=$PWD/build /usr/bin/python3 tests/integration/test_bench_smoke.py
"""

import os
import subprocess
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("PIGEON_BUILD", os.path.join(TOP, "build")))


class BenchSmokeTest(unittest.TestCase):

    def test_smoke_run_completes(self):
        proc = subprocess.run(
            [os.path.join(TOP, "bench", "run"), "--smoke", "--build", BUILD],
            cwd=TOP, capture_output=True, text=True, timeout=600)
        output = proc.stdout + proc.stderr
        self.assertEqual(proc.returncode, 0, output[-4000:])
        for step in ("cold start", "runtime overhead", "memory", "sizes",
                     "end to end through pigeon serve", "Invoke endpoint"):
            self.assertIn("bench: " + step, proc.stdout)
        # One line per target row of the report, whatever its outcome.
        self.assertGreaterEqual(proc.stdout.count("\ntarget: "), 11, proc.stdout)
        self.assertIn("BENCHMARKS.md", proc.stdout)


if __name__ == "__main__":
    unittest.main()
