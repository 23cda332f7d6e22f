#!/usr/bin/python3
"""Writes bench/results/report.md and its PNG charts from the raw files that
bench/compare.sh's steps leave in the results directory:

    /usr/bin/python3 bench/report.py bench/results

echo.raw (echo_compare.sh), http.raw, tls.raw, micro.raw, downloader.raw,
multicore.raw
and run.txt (the command, the machine, the times). Charts are drawn by gnuplot
(gnuplot-nox); without it the report has the tables only. Targets from issue 9
are checked against figures of the same run and marked met or missed.
"""

import collections
import os
import shutil
import statistics
import subprocess
import sys


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def notes_of(lines):
    return [l.split("\t", 1)[1] for l in lines if l.startswith("NOTE\t")]


def table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


class Charts:
    """Bar and line charts through gnuplot; a chart that cannot be drawn is
    left out of the report."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.gnuplot = shutil.which("gnuplot")

    def _run(self, name, script, data):
        if not self.gnuplot or not data.strip():
            return None
        dat = os.path.join(self.outdir, name + ".dat")
        with open(dat, "w") as f:
            f.write(data)
        png = name + ".png"
        head = (f"set terminal pngcairo size 900,480 font 'sans,10'\n"
                f"set output '{os.path.join(self.outdir, png)}'\n"
                "set termoption noenhanced\nset key top left\nset grid ytics\n")
        try:
            subprocess.run([self.gnuplot], input=head + script.replace("DAT", "'%s'" % dat),
                           text=True, check=True, capture_output=True, timeout=60)
        except (subprocess.SubprocessError, OSError) as e:
            print(f"report: chart {name}: {e}", file=sys.stderr)
            return None
        finally:
            os.remove(dat)
        return png

    def bars(self, name, title, ylabel, labels, series, logy=False):
        """series: [(title, [value per label])]; None values plot as 0."""
        data = "".join(
            "\"%s\" %s\n" % (lab, " ".join(
                "%g" % (s[1][i] if s[1][i] is not None else 0) for s in series))
            for i, lab in enumerate(labels))
        plots = ", ".join(
            f"DAT using {i + 2}{':xtic(1)' if i == 0 else ''} title '{t}'"
            for i, (t, _) in enumerate(series))
        script = (f"set title '{title}'\nset ylabel '{ylabel}'\n"
                  "set style data histogram\nset style histogram cluster gap 1\n"
                  "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
                  "set xtics rotate by -30\nset yrange [0:*]\n"
                  + ("set logscale y\nset yrange [*:*]\n" if logy else "")
                  + f"plot {plots}\n")
        return self._run(name, script, data)

    def lines(self, name, title, xlabel, ylabel, series, logx=False, logy=False):
        """series: [(title, [(x, y)])]."""
        data = ""
        for _, pts in series:
            data += "".join(f"{x} {y}\n" for x, y in pts) + "\n\n"
        plots = ", ".join(
            f"DAT index {i} using 1:2 with linespoints lw 2 title '{t}'"
            for i, (t, _) in enumerate(series))
        script = (f"set title '{title}'\nset xlabel '{xlabel}'\nset ylabel '{ylabel}'\n"
                  + ("set logscale x\n" if logx else "")
                  + ("set logscale y\n" if logy else "")
                  + f"plot {plots}\n")
        return self._run(name, script, data)


def efficiency(f):
    """Messages per second of server CPU, or None when the CPU was not read."""
    cpu = float(f["server_cpu"])
    return float(f["msgs_per_sec"]) / cpu if cpu > 0 else None


def paced_ratio(f, base, wanted, who):
    """Compares two echo runs: (msgs/s ratio, met, note).

    When the load generator was saturated in either run (load CPU >= 95%), msgs/s
    says what the load generator managed, not what the server could do; the
    servers' own cost per message (msgs per server CPU-second) is then the figure
    that compares them, and the note gives it.
    """
    ratio = float(f["msgs_per_sec"]) / float(base["msgs_per_sec"])
    ok, note = ratio >= wanted, ""
    load_bound = max(float(f["load_cpu"]), float(base["load_cpu"])) >= 0.95
    if load_bound and efficiency(f) and efficiency(base):
        eff = efficiency(f) / efficiency(base)
        note = (f"load generator saturated (load CPU {100 * float(f['load_cpu']):.0f}%): "
                f"per server CPU-second {who} does {eff:.2f}x the messages")
        ok = ok or eff >= wanted
    return ratio, ok, note


def echo_section(res, charts, targets):
    lines = read_lines(os.path.join(res, "echo.raw"))
    runs = collections.defaultdict(list)
    for l in lines:
        f = fields(l)
        if "msgs_per_sec" in f:
            runs[(f["system"], int(f["connections"]))].append(f)
    if not runs:
        return "## Echo ping-pong\n\nNot run.\n"
    med = {}
    for key, fs in runs.items():
        fs = sorted(fs, key=lambda f: float(f["msgs_per_sec"]))
        med[key] = fs[(len(fs) - 1) // 2]
    systems = list(dict.fromkeys(k[0] for k in runs))
    conns = sorted({k[1] for k in runs})
    rows = []
    for c in conns:
        base = med.get(("epoll_hand", c))
        for s in systems:
            f = med.get((s, c))
            if not f:
                continue
            rate = float(f["msgs_per_sec"])
            ratio = rate / float(base["msgs_per_sec"]) if base else None
            eff = efficiency(f)
            eff_ratio = eff / efficiency(base) if base and eff and efficiency(base) else None
            rows.append([s, c, fmt(rate), fmt(ratio, 2), f["p50_us"], f["p99_us"],
                         f["p999_us"], "%.0f%%" % (100 * float(f["server_cpu"])),
                         "%.0f%%" % (100 * float(f["load_cpu"])), fmt(eff),
                         fmt(eff_ratio, 2)])
    rounds = max(len(v) for v in runs.values())
    out = ["## Echo ping-pong (64 bytes, one message in flight per connection)", "",
           f"Median of {rounds} rounds per row, rounds alternating the systems; "
           "every server on one thread (Go: GOMAXPROCS=1). \"vs epoll\" is msgs/s "
           "over the hand-written epoll server's at the same connection count. "
           "Server and load CPU: share of a core over the measured window; a load CPU "
           "near 100% means the load generator, not the server, set the pace: then the "
           "servers' speed shows in msgs per server CPU-second (msgs/s over server CPU), "
           "and \"CPU vs epoll\" compares that.", "",
           table(["system", "connections", "msgs/s", "vs epoll", "p50 µs", "p99 µs",
                  "p99.9 µs", "server CPU", "load CPU", "msgs per CPU-s",
                  "CPU vs epoll"], rows), ""]
    png = charts.lines("echo_throughput", "Echo msgs/s by connections (one thread)",
                       "connections", "messages per second",
                       [(s, [(c, float(med[(s, c)]["msgs_per_sec"])) for c in conns
                             if (s, c) in med]) for s in systems], logx=True)
    if png:
        out += [f"![echo throughput]({png})", ""]
    c_lat = 100 if 100 in conns else conns[-1]
    lat_systems = [s for s in systems if (s, c_lat) in med]
    png = charts.bars("echo_latency", f"Echo round-trip latency at {c_lat} connections",
                      "microseconds (log)", lat_systems,
                      [(q, [float(med[(s, c_lat)][k]) for s in lat_systems])
                       for q, k in (("p50", "p50_us"), ("p99", "p99_us"),
                                    ("p99.9", "p999_us"))], logy=True)
    if png:
        out += [f"![echo latency]({png})", ""]

    for c in (100,):
        if ("gevent_cpp_epoll", c) in med and ("epoll_hand", c) in med:
            ratio, ok, note = paced_ratio(med[("gevent_cpp_epoll", c)],
                                          med[("epoll_hand", c)], 0.95, "gevent-cpp")
            targets.append(("echo, 100 connections: gevent-cpp (epoll) / hand-written epoll",
                            ">= 0.95", f"{ratio:.2f}", ok, note))
    for c in conns:
        if ("gevent_cpp_uring", c) in med and ("gevent_cpp_epoll", c) in med:
            ratio, ok, note = paced_ratio(med[("gevent_cpp_uring", c)],
                                          med[("gevent_cpp_epoll", c)], 1.0, "io_uring")
            targets.append((f"echo, {c} connections: io_uring / epoll backend", ">= 1.00",
                            f"{ratio:.2f}", ok, note))
    return "\n".join(out)


def http_section(res, charts):
    lines = read_lines(os.path.join(res, "http.raw"))
    fs = [fields(l) for l in lines if "requests_per_sec" in l]
    if not fs:
        return "## HTTP\n\nNot run.\n" + "".join(f"\n- {n}" for n in notes_of(lines))
    rows = [[f["system"], f["connections"], fmt(float(f["requests_per_sec"])),
             f["p50_ms"], f["p99_ms"], f["errors"]] for f in fs]
    out = ["## HTTP keep-alive \"hello\" (wrk -t1, one server thread)", "",
           "gevent-cpp is the `examples/http_server` example (epoll); Go is net/http "
           "with GOMAXPROCS=1; Python is gevent.pywsgi.", "",
           table(["system", "connections", "requests/s", "p50 ms", "p99 ms", "errors"],
                 rows), ""]
    png = charts.bars("http", "HTTP requests per second (one server thread)", "requests/s",
                      [f"{f['system']} c={f['connections']}" for f in fs],
                      [("requests/s", [float(f["requests_per_sec"]) for f in fs])])
    if png:
        out += [f"![http]({png})", ""]
    out += [f"- {n}" for n in notes_of(lines)]
    return "\n".join(out)


def tls_section(res, charts):
    lines = read_lines(os.path.join(res, "tls.raw"))
    fs = [fields(l) for l in lines if l.startswith("tls ")]
    if not fs:
        return "## TLS\n\nNot run.\n" + "".join(f"\n- {n}" for n in notes_of(lines))
    # Median over rounds of each (system, tls, mode).
    runs = collections.defaultdict(list)
    for f in fs:
        runs[(f["system"], f["tls"], f["mode"])].append(f)
    def median(key, field):
        vals = [float(f[field]) for f in runs.get(key, []) if float(f[field]) >= 0]
        return statistics.median(vals) if vals else None
    systems = list(dict.fromkeys(f["system"] for f in fs))
    rows = []
    for system in systems:
        for mode, unit in (("echo", "msgs/s"), ("handshake", "connections/s")):
            plain = median((system, "0", mode), "ops_per_sec")
            tls = median((system, "1", mode), "ops_per_sec")
            cpu = median((system, "1", mode), "server_cpu")
            per_cpu = tls / cpu if tls and cpu else None
            rows.append([system, f"{mode} ({unit})", fmt(plain), fmt(tls),
                         fmt(tls / plain, 2) if tls and plain else "-",
                         "%.0f%%" % (100 * cpu) if cpu is not None else "-",
                         fmt(per_cpu)])
    out = ["## TLS against plain TCP and Go's crypto/tls", "",
           "The echo servers, one thread each (Go: GOMAXPROCS=1), over TLS 1.3 (EC P-256 "
           "certificate made for the run) and over plain TCP, loaded by `bench/tls_load` "
           "(gevent-cpp, one thread, verifying the certificate): 64-byte ping-pong, and "
           "connect + full handshake + one byte + close over and over. Median of the "
           "rounds; \"per server CPU-s\" is TLS operations per second of server CPU, "
           "which compares the servers where the one-core load generator sets the pace.",
           "",
           table(["system", "load", "plain TCP", "TLS", "TLS / plain", "server CPU (TLS)",
                  "TLS per server CPU-s"], rows), ""]
    labels, values = [], []
    for system in systems:
        for mode in ("echo", "handshake"):
            v = median((system, "1", mode), "ops_per_sec")
            if v is not None:
                labels.append(f"{system} {mode}")
                values.append(v)
    png = charts.bars("tls", "TLS operations per second (one server thread)", "per second",
                      labels, [("TLS", values)])
    if png:
        out += [f"![tls]({png})", ""]
    out += [f"- {n}" for n in notes_of(lines)]
    return "\n".join(out)


def micro_section(res, charts, targets):
    lines = read_lines(os.path.join(res, "micro.raw"))
    m = collections.OrderedDict()
    for l in lines:
        p = l.split("\t")
        if p[0] == "MICRO" and len(p) >= 5:
            m[(p[1], p[2])] = (float(p[3]), p[4])
    if not m:
        return "## Micro comparisons\n\nNot run.\n"
    out = ["## Micro comparisons (one core, GOMAXPROCS=1)", ""]

    def sub(bench, title, note):
        rows = [(s, v) for (b, s), v in m.items() if b == bench]
        if not rows:
            return []
        return [f"### {title}", "", note, "",
                table(["system", rows[0][1][1]], [[s, fmt(v[0])] for s, v in rows]), ""]

    out += sub("switch", "Switch", "Nanoseconds per hop from one task to another (a "
               "round trip is two). `gevent_cpp_greenlet` and `python_greenlet` switch "
               "directly; `*_sleep0`, `go_gosched` and `boost_fiber_yield` go through "
               "the scheduler's run queue; `*_channel` hand a value over an unbuffered "
               "channel.")
    sw = [(s, v[0]) for (b, s), v in m.items() if b == "switch"]
    png = charts.bars("micro_switch", "Switch cost", "ns per switch (log)",
                      [s for s, _ in sw], [("ns", [v for _, v in sw])], logy=True)
    if png:
        out += [f"![switch]({png})", ""]
    out += sub("spawn_join", "Spawn + join", "Nanoseconds per do-nothing task: 100,000 "
               "spawned, then all joined (threads: 1,000 at a time).")
    sj = [(s, v[0]) for (b, s), v in m.items() if b == "spawn_join"]
    png = charts.bars("micro_spawn", "Spawn + join", "ns per task (log)",
                      [s for s, _ in sj], [("ns", [v for _, v in sj])], logy=True)
    if png:
        out += [f"![spawn join]({png})", ""]
    counts = sorted({int(b.rsplit("_", 1)[1]) for (b, _) in m if b.startswith("idle_memory_")})
    msys = list(dict.fromkeys(s for (b, s) in m if b.startswith("idle_memory_")))
    if counts:
        rows = [[s] + [fmt(m.get((f"idle_memory_{n}", s), (None,))[0]) for n in counts]
                for s in msys]
        out += ["### Memory per idle task", "",
                "Resident bytes per task parked on an event or channel (RSS growth over "
                "the tasks, each figure from a fresh process).", "",
                table(["system"] + [f"{n:,} tasks, bytes" for n in counts], rows), ""]
        png = charts.bars("micro_memory", "Memory per idle task", "bytes per task", msys,
                          [(f"{n:,} tasks", [m.get((f"idle_memory_{n}", s), (None,))[0]
                                             for s in msys]) for n in counts])
        if png:
            out += [f"![memory]({png})", ""]
    out += sub("skynet", "Skynet", "1,000,000 tasks in a 10-ary tree, each leaf returning "
               "its number, summed up the tree (best of 3), milliseconds.")

    def get(b, s):
        v = m.get((b, s))
        return v[0] if v else None

    raw, green = get("switch", "raw_boost_context"), get("switch", "gevent_cpp_greenlet")
    if raw and green:
        targets.append(("switch: gevent-cpp greenlet / raw Boost.Context", "<= 1.30",
                        f"{green / raw:.2f} ({green:.1f} vs {raw:.1f} ns)",
                        green / raw <= 1.3, ""))
    go, ours = get("spawn_join", "go"), get("spawn_join", "gevent_cpp")
    if go and ours:
        met = go / ours >= 10
        targets.append(("spawn+join: Go / gevent-cpp", ">= 10",
                        f"{go / ours:.1f} ({ours:.0f} vs {go:.0f} ns)", met,
                        "" if met else "a greenlet's start and end cost about Go's "
                        "tenth even in the caches: see bench/README.md, "
                        "\"Spawn + join\""))
    out += [f"- {n}" for n in notes_of(lines)]
    return "\n".join(out)


def downloader_section(res, charts, targets):
    lines = read_lines(os.path.join(res, "downloader.raw"))
    fs = [fields(l) for l in lines if l.startswith("users=")]
    if not fs:
        return "## Photo downloader\n\nNot run.\n"
    rows = []
    for f in fs:
        ok = f["failed"] == "0" and f["files"] == f["expected"]
        rows.append([f["system"], f["users"], f["wall"] + " s", f["rss_mib"] + " MiB",
                     f["cpu"] + " s", f"{f['files']}/{f['expected']}" + ("" if ok else " ✗")])
    out = ["## Photo downloader (the seed's job, against its peers)", "",
           "One photo server (`examples/downloader --serve`, 50 ms per response, 4 photos "
           "per user) on CPU 0, each client on CPU 1. Per user: log in, fetch the list, "
           "fetch and check each photo, save them under /dev/shm. Peak RSS is the "
           "client's; for process approaches, the largest single process. Process "
           "approaches run at 1,000 users only (64 at a time).", "",
           table(["client", "users", "wall", "peak RSS", "CPU", "files"], rows), ""]
    for users in sorted({int(f["users"]) for f in fs}):
        sel = [f for f in fs if int(f["users"]) == users]
        png = charts.bars(f"downloader_{users}", f"Downloader, {users:,} users",
                          "seconds / MiB (log)", [f["system"] for f in sel],
                          [("wall s", [float(f["wall"]) for f in sel]),
                           ("peak RSS MiB", [float(f["rss_mib"]) for f in sel])], logy=True)
        if png:
            out += [f"![downloader {users}]({png})", ""]
    by = {(f["system"], int(f["users"])): f for f in fs}
    g, go = by.get(("gevent_cpp_greenlets", 10000)), by.get(("go", 10000))
    if g and go:
        wr = float(g["wall"]) / float(go["wall"])
        rr = float(g["rss_mib"]) / float(go["rss_mib"])
        targets.append(("downloader, 10,000 users: greenlets wall / Go wall", "<= 1.10",
                        f"{wr:.2f} ({g['wall']} vs {go['wall']} s)", wr <= 1.1, ""))
        targets.append(("downloader, 10,000 users: greenlets peak RSS / Go", "<= 0.33",
                        f"{rr:.2f} ({g['rss_mib']} vs {go['rss_mib']} MiB)", rr <= 1 / 3, ""))
    out += [f"- {n}" for n in notes_of(lines)]
    return "\n".join(out)


def multicore_section(res, charts):
    lines = read_lines(os.path.join(res, "multicore.raw"))
    fs = [fields(l) for l in lines if "msgs_per_sec" in l]
    if not fs:
        return "## Multi-core\n\nNot run.\n"
    cores = fs[0]["cores"]
    rows = [[f["system"], f["threads"], fmt(float(f["msgs_per_sec"])), f["p99_us"],
             "%.0f%%" % (100 * float(f["server_cpu"]))] for f in fs]
    out = ["## Multi-core: StreamServer threads = N", "",
           f"On {cores} CPUs. Echo with {fs[0]['connections']} connections; the server runs "
           "N threads (one hub and SO_REUSEPORT listener each; Go: GOMAXPROCS=N), "
           "echo_load N threads. Server and load get half the CPUs each while N fits in "
           "half, and share them all past that, so on a small machine the load generator "
           "competes with the server.", "",
           table(["system", "threads", "msgs/s", "p99 µs", "server CPU"], rows), ""]
    systems = list(dict.fromkeys(f["system"] for f in fs))
    png = charts.lines("multicore", f"Echo msgs/s by server threads ({cores} CPUs)",
                       "threads", "messages per second",
                       [(s, [(int(f["threads"]), float(f["msgs_per_sec"])) for f in fs
                             if f["system"] == s]) for s in systems])
    if png:
        out += [f"![multicore]({png})", ""]
    return "\n".join(out)


def main():
    res = sys.argv[1] if len(sys.argv) > 1 else "bench/results"
    charts = Charts(res)
    targets = []
    run = read_lines(os.path.join(res, "run.txt"))
    sections = [echo_section(res, charts, targets), http_section(res, charts),
                tls_section(res, charts),
                micro_section(res, charts, targets),
                downloader_section(res, charts, targets), multicore_section(res, charts)]
    head = ["# gevent-cpp against the field", ""] + [f"{l}  " for l in run] + [""]
    t_rows = [[name, want, got, "met" if ok else "**missed**", why]
              for name, want, got, ok, why in targets]
    head += ["## Targets (issue 9), from this run", "",
             table(["target", "wanted", "measured", "", "note"], t_rows), ""]
    with open(os.path.join(res, "report.md"), "w") as f:
        f.write("\n".join(head + sections) + "\n")
    print(f"wrote {os.path.join(res, 'report.md')}", file=sys.stderr)


if __name__ == "__main__":
    main()
