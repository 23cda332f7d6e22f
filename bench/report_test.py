#!/usr/bin/python3
"""bench/report.py on raw lines written here: the tables, the targets met and
missed as the figures say, notes carried through, and a part that did not run
reported as such (charts are not checked: gnuplot may be missing)."""

import os
import subprocess
import sys
import tempfile

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.py")


def write(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


def main():
    with tempfile.TemporaryDirectory() as d:
        echo = ""
        for r, (hand, ours, uring) in enumerate([(100, 96, 120), (110, 99, 90), (90, 80, 95)]):
            for s, v in (("epoll_hand", hand), ("gevent_cpp_epoll", ours),
                         ("gevent_cpp_uring", uring)):
                echo += (f"system={s} round={r} connections=100 size=64 seconds=3 "
                         f"messages=1 msgs_per_sec={v * 1000} p50_us=1 p99_us=2 "
                         "p999_us=3 errors=0 load_cpu=0.50 server_cpu=0.40\n")
        # At 1,000 connections the load generator is saturated (97%): io_uring's
        # 85k msgs/s at 80% server CPU beats epoll's 90k at 90% per CPU-second.
        for r in range(3):
            for s, v, cpu in (("epoll_hand", 95, 0.95), ("gevent_cpp_epoll", 90, 0.90),
                              ("gevent_cpp_uring", 85, 0.80)):
                echo += (f"system={s} round={r} connections=1000 size=64 seconds=3 "
                         f"messages=1 msgs_per_sec={v * 1000} p50_us=1 p99_us=2 "
                         f"p999_us=3 errors=0 load_cpu=0.97 server_cpu={cpu}\n")
        write(d, "echo.raw", echo)
        write(d, "micro.raw", "MICRO\tswitch\traw_boost_context\t6.00\tns\n"
              "MICRO\tswitch\tgevent_cpp_greenlet\t7.00\tns\n"
              "MICRO\tspawn_join\tgevent_cpp\t150.00\tns\n"
              "MICRO\tspawn_join\tgo\t1000.00\tns\n"
              "MICRO\tidle_memory_100000\tgo\t2700.00\tbytes\n"
              "NOTE\tmicro: Python skipped (install python3-gevent)\n")
        write(d, "downloader.raw",
              "users=10000 system=gevent_cpp_greenlets wall=4.0 rss_mib=200.0 cpu=3.0 "
              "failed=0 files=40000 expected=40000\n"
              "users=10000 system=go wall=8.0 rss_mib=700.0 cpu=8.0 failed=0 files=40000 "
              "expected=40000\n"
              "users=10000 system=python_threads wall=20.0 rss_mib=50.0 cpu=20.0 "
              "failed=3 files=39988 expected=40000\n")
        tls = ""
        for r, (plain, secure, cpu) in enumerate([(60000, 30000, 0.5), (58000, 34000, 0.5),
                                                  (62000, 32000, 0.4)]):
            for tls_on, v, c in ((0, plain, 0.9), (1, secure, cpu)):
                tls += (f"tls system=gevent_cpp_epoll tls={tls_on} mode=echo round={r} "
                        f"ops_per_sec={v} server_cpu={c} load_cpu=0.9 errors=0\n")
        write(d, "tls.raw", tls + "NOTE\ttls: go did not start: no go\n")
        write(d, "run.txt", "Command: `bench/compare.sh`.\n")
        subprocess.run([sys.executable, REPORT, d], check=True, env={**os.environ, "PATH": ""})
        with open(os.path.join(d, "report.md")) as f:
            md = f.read()

    def expect(text):
        if text not in md:
            sys.exit(f"FAIL: {text!r} not in the report:\n{md}")

    # Medians: epoll_hand 100k, ours 96k -> 0.96 (met); uring 95k / 96k (missed).
    expect("| echo, 100 connections: gevent-cpp (epoll) / hand-written epoll | >= 0.95 | 0.96 | met |")
    expect("| echo, 100 connections: io_uring / epoll backend | >= 1.00 | 0.99 | **missed** |")
    expect("| echo, 1000 connections: io_uring / epoll backend | >= 1.00 | 0.94 | met | load "
           "generator saturated (load CPU 97%): per server CPU-second io_uring does 1.06x "
           "the messages |")
    expect("| switch: gevent-cpp greenlet / raw Boost.Context | <= 1.30 | 1.17")
    expect("| spawn+join: Go / gevent-cpp | >= 10 | 6.7 (150 vs 1000 ns) | **missed** |")
    expect("greenlets wall / Go wall | <= 1.10 | 0.50")
    expect("greenlets peak RSS / Go | <= 0.33 | 0.29")
    expect("| python_threads | 10000 | 20.0 s | 50.0 MiB | 20.0 s | 39988/40000 ✗ |")
    expect("- micro: Python skipped (install python3-gevent)")
    # TLS medians: plain 60,000, TLS 32,000 (0.53 of plain) at 50% CPU: 64,000 per CPU-s.
    expect("| gevent_cpp_epoll | echo (msgs/s) | 60,000 | 32,000 | 0.53 | 50% | 64,000 |")
    expect("| gevent_cpp_epoll | handshake (connections/s) | - | - | - | - | - |")
    expect("- tls: go did not start: no go")
    expect("## Multi-core\n\nNot run.")
    expect("Command: `bench/compare.sh`.")
    print("PASS")


if __name__ == "__main__":
    main()
