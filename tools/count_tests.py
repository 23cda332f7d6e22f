#!/usr/bin/env python3
"""Counts test cases of one `bazel test --test_summary=short` run.

Usage: count_tests.py BAZEL_OUTPUT_FILE [TESTLOGS_DIR]

Reads the per-target status lines Bazel printed ("//pkg:name  PASSED in 1s",
cached ones included) and sums the test cases in each target's test.xml. Prints
"<passed> <failed>". A target that failed without recording a failing case (a
crash, a timeout, a build error) counts as one failure.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

LINE = re.compile(r"^(//[^\s]*:[^\s]+)\s+(?:\(cached\)\s+)?"
                  r"(PASSED|FAILED|TIMEOUT|FLAKY|NO STATUS|FAILED TO BUILD|INCOMPLETE)")


def cases(xml_path):
    """(tests, failures) recorded in one test.xml, or None if unreadable."""
    try:
        root = ET.parse(xml_path).getroot()
    except (ET.ParseError, OSError):
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = fails = 0
    for s in suites:
        tests += int(s.get("tests", 0)) - int(s.get("disabled", 0)) - int(s.get("skipped", 0))
        fails += int(s.get("failures", 0)) + int(s.get("errors", 0))
    return tests, fails


def main():
    output = open(sys.argv[1], errors="replace").read()
    logs = sys.argv[2] if len(sys.argv) > 2 else "bazel-testlogs"
    passed = failed = 0
    seen = set()
    for line in output.splitlines():
        m = LINE.match(line.strip())
        if not m or m.group(1) in seen:
            continue
        seen.add(m.group(1))
        label, status = m.group(1), m.group(2)
        pkg, name = label[2:].split(":", 1)
        counted = cases(os.path.join(logs, pkg, name, "test.xml"))
        tests, fails = counted if counted else (0, 0)
        if status != "PASSED" and fails == 0:
            fails = 1
        passed += max(tests - fails, 0)
        failed += fails
    print(passed, failed)


if __name__ == "__main__":
    main()
