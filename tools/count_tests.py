#!/usr/bin/env python3
"""Sums test cases from the test.xml files Bazel left under bazel-testlogs/.

Usage: count_tests.py [TESTLOGS_DIR [STAMP_FILE]]; with a stamp, only files written
after it count (the logs of earlier runs stay in the tree).

Prints "<passed> <failed>" (test cases, counted from gtest's and Bazel's XML). A test
target that failed without writing any failure into its XML (a crash, a timeout)
counts as one failure.
"""
import os
import sys
import xml.etree.ElementTree as ET


def count(root_dir, since=0.0):
    passed = failed = 0
    for dirpath, _, files in os.walk(root_dir, followlinks=True):
        if "test.xml" not in files:
            continue
        path = os.path.join(dirpath, "test.xml")
        if os.path.getmtime(path) < since:
            continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            failed += 1
            continue
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        tests = fails = 0
        for s in suites:
            tests += int(s.get("tests", 0)) - int(s.get("disabled", 0)) - int(s.get("skipped", 0))
            fails += int(s.get("failures", 0)) + int(s.get("errors", 0))
        status_file = os.path.join(dirpath, "test.log")
        target_failed = False
        if os.path.exists(status_file):
            with open(status_file, errors="replace") as f:
                tail = f.read()[-4000:]
            target_failed = "FAILED" in tail and fails == 0 and "[  PASSED  ]" not in tail
        if target_failed:
            fails = max(fails, 1)
        failed += fails
        passed += max(tests - fails, 0)
    return passed, failed


if __name__ == "__main__":
    since = os.path.getmtime(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    p, f = count(sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs", since)
    print(p, f)
