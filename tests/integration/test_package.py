"""The Lambda zips of `make package` carry everything their bootstrap needs.

Each zip is unpacked into an empty folder D at D/var/task, next to the few
things Lambda's execution environment provides besides the image: /dev/null,
/dev/zero, /dev/urandom, a writable /tmp and /proc (the loader expands the
bootstrap's $ORIGIN run path through /proc/self/exe). `pigeon serve` then
starts each bootstrap through a wrapper that runs it inside `chroot D`, in a
private mount namespace so that the /proc mount ends with the process. A
POST /contact that reaches the inbox has gone through both chrooted
functions, including the api function's Invoke call through the libcurl
that the bootstrap loaded with dlopen from D/var/task/lib.

Needs root (chroot, mknod, mount). Builds the zips with `make package`.
Run with /usr/bin/python3.
"""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from pigeon_serve import PigeonServe, post_form  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DIST = os.path.join(TOP, "dist")
FUNCTIONS = ("api", "notifications")
DEVICES = (("null", 1, 3), ("zero", 1, 5), ("urandom", 1, 9))
CONTACT = "source=site&name=Ada&email=ada@example.com&description=From+a+chroot"

# pigeon serve gives functions Lambda's PATH, which lacks /usr/sbin, so the
# wrapper names each tool by its full path.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
WRAPPER = """#!/bin/sh
# Runs the packaged bootstrap as Lambda would: from /var/task of its own root.
exec {unshare} --mount /bin/sh -c '{mount} -t proc proc "$0/proc" && exec {chroot} "$0" /var/task/bootstrap' '{root}'
"""


def tool(name):
    path = shutil.which(name, path=SYSTEM_PATH)
    if not path:
        raise unittest.SkipTest("%s is not installed" % name)
    return path


def make_root(parent, function, zip_path):
    """Unpack zip_path into parent/function/var/task with Lambda's extras."""
    root = os.path.join(parent, function)
    task = os.path.join(root, "var", "task")
    os.makedirs(task)
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            archive.extract(info, task)
            # zipfile drops the permission bits; Lambda keeps them.
            mode = info.external_attr >> 16
            if mode:
                os.chmod(os.path.join(task, info.filename), stat.S_IMODE(mode))
    os.makedirs(os.path.join(root, "dev"))
    for name, major, minor in DEVICES:
        os.mknod(os.path.join(root, "dev", name), 0o666 | stat.S_IFCHR,
                 os.makedev(major, minor))
    os.makedirs(os.path.join(root, "tmp"))
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    os.makedirs(os.path.join(root, "proc"))
    wrapper = os.path.join(parent, function + ".sh")
    with open(wrapper, "w") as out:
        out.write(WRAPPER.format(unshare=tool("unshare"), mount=tool("mount"),
                                 chroot=tool("chroot"), root=root))
    os.chmod(wrapper, 0o755)
    return root, wrapper


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the chroot test needs root (chroot, mknod and mount); "
                                    "run it as root")
        env = {key: value for key, value in os.environ.items()
               if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        proc = subprocess.run(["make", "package"], cwd=TOP, env=env, capture_output=True,
                              text=True, timeout=900)
        if proc.returncode != 0:
            raise AssertionError("make package failed:\n" + proc.stdout[-3000:]
                                 + proc.stderr[-3000:])
        cls.tmp = tempfile.TemporaryDirectory(prefix="pigeon-package-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def zip_path(self, function):
        return os.path.join(DIST, function + ".zip")

    def test_zip_layout(self):
        for function in FUNCTIONS:
            with zipfile.ZipFile(self.zip_path(function)) as archive:
                names = set(archive.namelist())
                self.assertIn("bootstrap", names)
                self.assertIn("lib/libcurl.so.4", names)
                self.assertIn("lib/libjansson.so.4", names)
                self.assertIn("lib/libc.so.6", names)
                self.assertTrue(any(n.startswith("lib/ld-linux") for n in names), names)
                mode = archive.getinfo("bootstrap").external_attr >> 16
                self.assertTrue(mode & 0o111, oct(mode))

    def test_bootstrap_does_not_link_curl(self):
        root, _ = make_root(self.tmp.name, "inspect", self.zip_path("api"))
        bootstrap = os.path.join(root, "var", "task", "bootstrap")
        dynamic = subprocess.run(["readelf", "-d", bootstrap], capture_output=True,
                                 text=True, check=True).stdout
        self.assertNotIn("libcurl", dynamic)
        self.assertIn("(RPATH)", dynamic)
        self.assertIn("[$ORIGIN/lib]", dynamic)
        interpreter = subprocess.run(["patchelf", "--print-interpreter", bootstrap],
                                     capture_output=True, text=True, check=True).stdout
        self.assertTrue(interpreter.startswith("/var/task/lib/ld-linux"), interpreter)

    def test_package_reproducible(self):
        bootstrap = os.path.join(TOP, "build-release", "notifications", "bootstrap")
        digests = []
        for attempt in range(2):
            out = os.path.join(self.tmp.name, "repro-%d.zip" % attempt)
            subprocess.run([os.path.join(TOP, "scripts", "package"), bootstrap, out,
                            "libcurl.so.4"], cwd=TOP, check=True, capture_output=True,
                           timeout=300)
            with open(out, "rb") as data:
                digests.append(hashlib.sha256(data.read()).hexdigest())
        self.assertEqual(digests[0], digests[1])

    def serve_chrooted(self, parent, extra_args=()):
        args = []
        for function in FUNCTIONS:
            _, wrapper = make_root(parent, function, self.zip_path(function))
            args += ["--%s-bootstrap" % function, wrapper]
        serve = PigeonServe(env={"NOTIFICATIONS_INVOCATION_TYPE": "RequestResponse"},
                            args=args + list(extra_args))
        serve.start()
        self.addCleanup(serve.close)
        return serve

    def test_contact_through_chrooted_functions(self):
        parent = tempfile.mkdtemp(prefix="chroot-", dir=self.tmp.name)
        serve = self.serve_chrooted(parent)
        resp = post_form(serve.api, "/contact", CONTACT)
        self.assertEqual(resp.status, 200, resp.body.decode() + "\n" + serve.log())
        messages = serve.wait_for_inbox(1)
        self.assertEqual(len(messages), 1, serve.log())
        self.assertIn("Description: From a chroot", messages[0]["message"])

    def test_missing_libcurl_named(self):
        parent = tempfile.mkdtemp(prefix="chroot-", dir=self.tmp.name)
        serve = self.serve_chrooted(parent)
        os.remove(os.path.join(parent, "notifications", "var", "task", "lib",
                               "libcurl.so.4"))
        resp = serve.invoke("notifications", {"message": "no libcurl"})
        self.assertEqual(resp.headers.get("X-Amz-Function-Error"), "Unhandled", resp.body)
        self.assertIn("libcurl.so.4: cannot open shared object file",
                      resp.json()["errorMessage"])
        # The process started fine without libcurl: only the call needed it.
        self.assertEqual(serve.inbox(), [])


if __name__ == "__main__":
    unittest.main()
