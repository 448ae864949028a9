#!/usr/bin/env python3
"""Runs the end-to-end and interop tests against a running aidreg server.

usage: tests/e2e/run.py [-k SUBSTRING] [-x] [FILE...]

Discovers tests/e2e/test_*.py and tests/interop/test_*.py (or runs the FILEs given); in each
module, runs the functions named test_* in the order they are defined. A module may define
setup_module() and teardown_module(). A test passes unless it raises; raising Skip skips it.
Prints one line per test and ends with 'e2e: N passed, N failed, N skipped'; exits 1 on any
failure.

Environment: AIDREG_URL (the server), AIDREG_ADMIN_TOKEN, AIDREG_LOG_HOST (origin prefix of
the server), and for some tests AIDREG_BUILD_DIR (the build whose `aidreg` CLI and
`aidreg-server` to use), AIDREG_LEDGER / AIDREG_LOG_VKEY (the demo ledger), the server's
configuration (AIDREG_DATABASE_URL, AIDREG_OWNER_DATABASE_URL, AIDREG_LOG_KEY_FILE) to start
a second server, AIDREG_STATE_DIR (where to put logs).
"""

import argparse
import glob
import importlib.util
import inspect
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))

import aidreg_client  # noqa: E402
from aidreg_client import Skip  # noqa: E402


def load(path):
    name = "e2e_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", dest="pattern", default="", help="run only tests whose name contains this")
    ap.add_argument("-x", dest="exitfirst", action="store_true", help="stop at the first failure")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(HERE, "test_*.py"))) + \
        sorted(glob.glob(os.path.join(ROOT, "tests", "interop", "test_*.py")))
    print("e2e: server %s" % os.environ.get("AIDREG_URL", "(AIDREG_URL unset)"), flush=True)
    passed = failed = skipped = 0
    failures = []
    t_all = time.monotonic()
    for path in files:
        rel = os.path.relpath(path, ROOT)
        try:
            mod = load(path)
        except Exception:
            failed += 1
            failures.append(rel)
            print("FAIL %s (import)\n%s" % (rel, traceback.format_exc()), flush=True)
            continue
        tests = [(n, f) for n, f in vars(mod).items()
                 if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == mod.__name__]
        tests.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
        tests = [(n, f) for n, f in tests if args.pattern in "%s::%s" % (rel, n)]
        if not tests:
            continue
        setup_error = None
        if hasattr(mod, "setup_module"):
            try:
                mod.setup_module()
            except Skip as e:
                setup_error = ("skip", str(e))
            except Exception:
                setup_error = ("fail", traceback.format_exc())
        for name, fn in tests:
            label = "%s::%s" % (rel, name)
            if setup_error:
                if setup_error[0] == "skip":
                    skipped += 1
                    print("SKIP %s: %s" % (label, setup_error[1]), flush=True)
                else:
                    failed += 1
                    failures.append(label)
                    print("FAIL %s (setup_module)" % label, flush=True)
                continue
            t0 = time.monotonic()
            try:
                fn()
            except Skip as e:
                skipped += 1
                print("SKIP %s: %s" % (label, e), flush=True)
                continue
            except Exception:
                failed += 1
                failures.append(label)
                print("FAIL %s (%.2fs)\n%s" % (label, time.monotonic() - t0, traceback.format_exc()), flush=True)
                if args.exitfirst:
                    break
                continue
            passed += 1
            print("ok   %s (%.2fs)" % (label, time.monotonic() - t0), flush=True)
        if setup_error and setup_error[0] == "fail":
            print(setup_error[1], flush=True)
        if hasattr(mod, "teardown_module"):
            try:
                mod.teardown_module()
            except Exception:
                print("teardown_module of %s failed:\n%s" % (rel, traceback.format_exc()), flush=True)
        if args.exitfirst and failed:
            break
    print("", flush=True)
    if failures:
        print("failed:")
        for f in failures:
            print("  " + f)
    print("e2e: %.1fs, %d receipts verified in Python (checkpoint signature and inclusion proof)"
          % (time.monotonic() - t_all, aidreg_client.RECEIPTS_CHECKED[0]))
    print("e2e: %d passed, %d failed, %d skipped" % (passed, failed, skipped), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
