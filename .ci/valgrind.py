#!/usr/bin/env python3
"""Runs the quick tests of a ctest build tree under valgrind memcheck (TARGETS.md R12c).

Valgrind sees what ASan cannot: reads of initialised-looking but never-written bytes in a
live buffer. It is ~50x slower, so it runs the tests labelled `unit` except those also
labelled `slow` or `backend` (provider numerics against ref, covered by ASan), plus a
few quick API tests, each with the exact command, arguments, working directory and
environment ctest would use, JOBS at a time.

    .ci/valgrind.py BUILD_DIR [JOBS]

Exit status 1 when any test has a memcheck error, a definite leak or fails.
"""
import concurrent.futures
import json
import os
import subprocess
import sys

QUICK_API = {"api_context", "api_dataset_append", "api_dataset_malformed", "api_dataset_split"}
SKIP_LABELS = {"slow", "backend"}


def prop(test, name):
    for p in test.get("properties", []):
        if p["name"] == name:
            return p["value"]
    return None


def selected(build):
    info = json.loads(subprocess.check_output(["ctest", "--show-only=json-v1"], cwd=build))
    for t in info["tests"]:
        labels = set(prop(t, "LABELS") or [])
        if (("unit" in labels and not labels & SKIP_LABELS) or t["name"] in QUICK_API) and "command" in t:
            yield t


def run(test):
    env = dict(os.environ)
    for kv in prop(test, "ENVIRONMENT") or []:
        k, _, v = kv.partition("=")
        env[k] = v
    cmd = ["valgrind", "-q", "--error-exitcode=9", "--leak-check=full", "--errors-for-leak-kinds=definite"]
    p = subprocess.run(cmd + test["command"], cwd=prop(test, "WORKING_DIRECTORY"), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return test["name"], p.returncode, p.stdout.decode("utf-8", "replace")


def main():
    build = sys.argv[1]
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    tests = list(selected(build))
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for name, rc, out in pool.map(run, tests):
            print("  %-34s %s" % (name, "clean" if rc == 0 else "FAILED (%d)" % rc), flush=True)
            if rc != 0:
                failed += 1
                print(out[-6000:])
    print("%d of %d tests clean under valgrind" % (len(tests) - failed, len(tests)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
