#!/usr/bin/python3
"""Python peers for the C++ micro-benchmarks: switch cost, spawn+join cost and idle
memory per greenlet, with raw greenlet and with gevent (one hub, no monkey-patching).

    /usr/bin/python3 bench/python/micro.py [--max-tasks=N] [--only=switch,spawn_join,idle_memory]

Prints `MICRO<TAB>bench<TAB>system<TAB>value<TAB>unit` lines on stdout. Needs
python3-gevent and python3-greenlet (Debian).
"""

import argparse
import gc
import os
import subprocess
import sys
import time

import gevent
import gevent.event
import greenlet


def report(bench, system, value, unit):
    print(f"MICRO\t{bench}\t{system}\t{value:.1f}\t{unit}", flush=True)


def best(n, per_op, body):
    """Runs body(n // 10) as a warm-up, then body(n) 3 times; fastest run, ns per op."""
    body(n // 10)
    runs = []
    for _ in range(3):
        start = time.perf_counter_ns()
        body(n)
        runs.append(time.perf_counter_ns() - start)
    return min(runs) / (n * per_op)


def greenlet_switch(n):
    main = greenlet.getcurrent()

    def bounce():
        while True:
            main.switch()

    other = greenlet.greenlet(bounce)
    for _ in range(n):
        other.switch()
    other.throw(greenlet.GreenletExit)


def gevent_sleep0(n):
    def loop():
        for _ in range(n):
            gevent.sleep(0)

    gevent.joinall([gevent.spawn(loop), gevent.spawn(loop)])


def noop():
    pass


def spawn_join(n):
    gevent.joinall([gevent.spawn(noop) for _ in range(n)])


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def idle_memory(n):
    """Parks n gevent greenlets on one Event and prints RSS growth per greenlet.

    Runs in a fresh process (see main) so that memory freed by earlier benchmarks
    cannot be reused and hide the cost.
    """
    event = gevent.event.Event()
    started = 0

    def idle():
        nonlocal started
        started += 1
        event.wait()

    gc.collect()
    before = rss_bytes()
    # No list of the greenlets (Go keeps none either): the Event's links hold them.
    for _ in range(n):
        gevent.spawn(idle)
    while started < n:
        gevent.sleep(0)
    gc.collect()
    after = rss_bytes()
    print((after - before) / n, flush=True)
    # No event.set() + joinall: the Event wakes its waiters with a list.pop(0)
    # each, O(n^2), about 150 s at 1M here; the memory is measured already.
    os._exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tasks", type=int, default=1000000,
                        help="largest idle_memory task count to run")
    parser.add_argument("--only", default="switch,spawn_join,idle_memory",
                        help="comma-separated benches to run")
    parser.add_argument("--idle-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.idle_child:
        idle_memory(args.idle_child)

    only = set(args.only.split(","))
    if "switch" in only:
        # Round trips: 2 hops each, main <-> other.
        report("switch", "python_greenlet", best(500000, 2, greenlet_switch), "ns")
        # Each of the 2 greenlets sleeps n times: 2n hops, each via the hub.
        report("switch", "python_gevent_sleep0", best(500000, 2, gevent_sleep0), "ns")
    if "spawn_join" in only:
        report("spawn_join", "python_gevent", best(100000, 1, spawn_join), "ns")
    if "idle_memory" in only:
        for n in (100000, 1000000):
            if n > args.max_tasks:
                continue
            start = time.monotonic()
            out = subprocess.run([sys.executable, os.path.abspath(__file__),
                                  f"--idle-child={n}"],
                                 check=True, capture_output=True, text=True).stdout
            print(f"idle_memory_{n}: {time.monotonic() - start:.1f} s", file=sys.stderr)
            report(f"idle_memory_{n}", "python_gevent", float(out), "bytes")


if __name__ == "__main__":
    main()
