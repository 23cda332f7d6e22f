#!/usr/bin/env bash
# gevent-cpp against the field, in one run: echo ping-pong (hand-written epoll,
# Boost.Asio, Go, Python gevent, gevent-cpp on each backend), HTTP under wrk,
# the micro comparisons (switch, spawn+join, memory per idle task, skynet), the
# photo downloader against Go and Python clients, and StreamServer threads=N.
# Installs what it needs (as root, from Debian), builds, runs everything with
# bounded time (about 12 minutes on 2 cores), and writes bench/results/:
# report.md with PNG charts, and the raw lines each part printed.
#
#   bench/compare.sh
#   BIN=/path/from/build_bins bench/compare.sh     (prebuilt binaries)
#
# Environment: CONNS (echo connection counts, default "1 100 1000"), ROUNDS
# (echo rounds, default 3), DURATION (seconds per echo/HTTP measurement,
# default 3), USERS (downloader user counts, default "1000 10000"), MAX_TASKS
# (idle-memory counts up to, default 1000000), THREADS (multi-core server
# threads, default 1 2 4 .. nproc), RESULTS (default bench/results).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
started=$(date +%s)
CONNS=${CONNS:-1 100 1000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3}
USERS=${USERS:-1000 10000}
export MAX_TASKS=${MAX_TASKS:-1000000}
RESULTS=${RESULTS:-bench/results}
mkdir -p "$RESULTS"
results=$(cd "$RESULTS" && pwd)

for p in golang-go:go python3-gevent: wrk:wrk gnuplot-nox:gnuplot time:/usr/bin/time; do
  pkg=${p%%:*} cmd=${p#*:}
  if [[ -n "$cmd" ]] && command -v "$cmd" >/dev/null; then continue; fi
  [[ $pkg == python3-gevent ]] && "$PYTHON" -c 'import gevent' 2>/dev/null && continue
  install_as_root "$pkg" || echo "compare: $pkg is missing; its part is skipped" >&2
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -z "${BIN:-}" ]]; then
  echo "== building (bench/build_bins.sh)" >&2
  BIN="$tmp/bin"
  bench/build_bins.sh "$BIN"
fi
export BIN

rm -f "$results"/{echo,http,tls,micro,downloader,multicore}.raw "$results"/*.png
# step NAME LIMIT COMMAND...: runs one part within LIMIT seconds.
step() {
  local name=$1 limit=$2 t0
  shift 2
  t0=$(date +%s)
  echo "== $name" >&2
  if ! timeout "$limit" "$@"; then
    echo "compare: $name failed or ran past ${limit} s" >&2
    echo "NOTE	$name: failed or ran past ${limit} s" >>"$results/$name.raw"
  fi
  echo "$name: $(($(date +%s) - t0)) s" >>"$tmp/times"
}
step echo 420 env RESULTS="$results" CONNS="$CONNS" ROUNDS="$ROUNDS" \
  DURATION="$DURATION" WARMUP=1 bench/echo_compare.sh
step http 60 env DURATION="$DURATION" bench/http_compare.sh "$BIN" "$results/http.raw" 100
step tls 180 env ROUNDS="$ROUNDS" DURATION="$DURATION" bench/tls_compare.sh "$BIN" \
  "$results/tls.raw"
step micro 240 bench/micro_compare.sh "$BIN" "$results/micro.raw"
# shellcheck disable=SC2086
step downloader 300 bench/downloader_compare.sh "$BIN" "$results/downloader.raw" $USERS
# shellcheck disable=SC2086
step multicore 120 env DURATION="$DURATION" bench/multicore.sh "$BIN" \
  "$results/multicore.raw" ${THREADS:-}

{
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(machine_line), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Command: \`CONNS=\"$CONNS\" ROUNDS=$ROUNDS DURATION=$DURATION USERS=\"$USERS\" MAX_TASKS=$MAX_TASKS bench/compare.sh\` ($pinning)."
  echo "Took $(($(date +%s) - started)) s: $(paste -sd, "$tmp/times" | sed 's/,/, /g')."
} >"$results/run.txt"
"$PYTHON" bench/report.py "$results"
