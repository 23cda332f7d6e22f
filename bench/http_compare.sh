#!/usr/bin/env bash
# HTTP/1.1 keep-alive "hello" under wrk: the http_server example (gevent-cpp)
# next to Go's net/http (bench/go/http_server.go, GOMAXPROCS=1) and Python
# gevent's pywsgi (bench/python/http_server.py), one thread each. Appends
# `system=S connections=C requests_per_sec=R p50_ms= p99_ms= errors=E` lines
# to OUT.
#
#   bench/http_compare.sh BIN OUT [CONNECTIONS ...]      (default 100)
#
# Server on CPU 0, wrk (one thread) on CPU 1; DURATION seconds (default 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bin=$(cd "${1:?usage: http_compare.sh BIN OUT [CONNECTIONS ...]}" && pwd)
out=${2:?usage: http_compare.sh BIN OUT [CONNECTIONS ...]}
shift 2
(($#)) || set -- 100
DURATION=${DURATION:-5}
command -v wrk >/dev/null || install_as_root wrk || {
  echo "NOTE	http: skipped (install wrk)" >>"$out"
  exit 0
}
raise_fd_limit 4096 || exit 1
tmp=$(mktemp -d)
server_pid=
stop_server() {
  [[ -n "$server_pid" ]] || return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT

systems=(gevent_cpp_epoll)
if [[ -x "$bin/go_http_server" ]] || { have_go && build_go http_server "$bin/go_http_server"; }; then
  systems+=(go)
fi
have_python_gevent && systems+=(python_gevent)

# wrk's latency figure ("1.23ms", "456.00us", "1.20s") in ms.
ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}

for c in "$@"; do
  for system in "${systems[@]}"; do
    case $system in
      gevent_cpp_epoll) cmd=("$bin/run" http_server --port=0 --port_file="$tmp/port") ;;
      go) cmd=(env GOMAXPROCS=1 "$bin/go_http_server" --port=0) ;;
      python_gevent) cmd=("$PYTHON" bench/python/http_server.py --port=0) ;;
    esac
    "${pin_server[@]}" "${cmd[@]}" >"$tmp/server.out" 2>"$tmp/server.err" &
    server_pid=$!
    : >"$tmp/port"
    # Go and Python print port=N; the example writes N to its --port_file.
    if ! port=$(wait_for 's/^\(port=\)\{0,1\}\([0-9][0-9]*\)$/\2/p' "$server_pid" \
      "$tmp/server.out" "$tmp/port"); then
      echo "NOTE	http: $system did not start: $(tail -1 "$tmp/server.err")" >>"$out"
      stop_server
      continue
    fi
    "${pin_load[@]}" wrk -t1 -c"$c" -d"${DURATION}s" --latency \
      "http://127.0.0.1:$port/" >"$tmp/wrk.out" 2>&1 || true
    stop_server
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
    errors=$(awk '/Socket errors|Non-2xx/ { for (i = 1; i <= NF; ++i) if ($i ~ /^[0-9]+,?$/) s += $i } END { print s + 0 }' "$tmp/wrk.out")
    if [[ -z "$rps" ]]; then
      echo "NOTE	http: wrk against $system failed: $(tail -1 "$tmp/wrk.out")" >>"$out"
      continue
    fi
    echo "system=$system connections=$c requests_per_sec=$rps p50_ms=$(ms "$p50") p99_ms=$(ms "$p99") errors=$errors" | tee -a "$out" >&2
  done
done
