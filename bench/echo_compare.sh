#!/usr/bin/env bash
# Echo ping-pong over loopback TCP: gevent-cpp (one server per backend) against
# a hand-written epoll server (the practical limit), Boost.Asio, Go and Python
# gevent, all on one thread. Each server runs pinned to CPU 0, the load
# generator (bench/echo_load.cc, one message in flight per connection) to CPU 1:
#
#   bench/echo_compare.sh
#   CONNS="1 100" DURATION=2 bench/echo_compare.sh
#
# Environment: CONNS (connection counts, default "1 100 1000"), DURATION
# (measured seconds, default 5), WARMUP (seconds, default 1), SIZE (message
# bytes, default 64), ROUNDS (default 3: rounds alternate the systems and each
# system's median round is reported).
#
# Prints a table (msgs/s, the ratio to epoll_hand at the same connection count,
# p50/p99/p99.9 round-trip latency, and how busy the server's and the load
# generator's cores were: a load CPU near 100% means echo_load, not the server,
# set the pace, so servers that all reach it tie) and writes it as Markdown to
# bench/results/echo.md, with echo_load's raw lines in bench/results/echo.raw.
# BIN names a directory of prebuilt binaries (bench/build_bins.sh); without it
# they are built first. RESULTS (default bench/results) is where it writes.
# gevent-cpp runs on each backend whose server is there; a peer whose toolchain
# is missing (go, python3-gevent) is skipped with a note, or installed first
# when running as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh

CONNS="${CONNS:-1 100 1000}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
SIZE="${SIZE:-64}"
ROUNDS="${ROUNDS:-3}"
BACKENDS=(epoll libevent uring)

results=${RESULTS:-bench/results}
mkdir -p "$results"
tmp=$(mktemp -d)
server_pid=
notes=()
note() { # also from subshells: the notes file collects them
  echo "$1" >>"$tmp/notes"
  echo "echo_compare: $1" >&2
}

stop_server() {
  [[ -n "$server_pid" ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 30); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each process holds one socket per connection (plus a few).
max_conns=0
for c in $CONNS; do
  if ((c > max_conns)); then max_conns=$c; fi
done
raise_fd_limit $((max_conns + 256)) || exit 1

if [[ -z "${pin_server[*]}" ]]; then
  note "running unpinned: taskset or a second CPU is missing"
fi

# --- Build everything once; run copies, so a rebuild meanwhile changes nothing.
# BIN (bench/build_bins.sh's directory) supplies them prebuilt instead.
mkdir -p "$tmp/bin"
if [[ -z "${BIN:-}" ]]; then
  BIN="$tmp/prebuilt"
  echo "== building (bench/build_bins.sh)" >&2
  bench/build_bins.sh "$BIN" >"$tmp/build.log" 2>&1 || {
    cat "$tmp/build.log" >&2
    exit 1
  }
fi
run_bin() { # name: a launcher for $BIN/name with its libraries, in $tmp/bin
  [[ -x "$BIN/$1" ]] || return 1
  printf '#!/bin/sh\nexec "%s/run" "%s" "$@"\n' "$BIN" "$1" >"$tmp/bin/$1"
  chmod +x "$tmp/bin/$1"
}
run_bin echo_load || { echo "echo_compare: no echo_load in $BIN" >&2; exit 1; }
systems=()
for s in epoll_hand:epoll_echo_server asio:asio_echo_server; do
  if run_bin "${s#*:}"; then systems+=("${s%%:*}"); else note "${s%%:*} skipped: no ${s#*:} in $BIN"; fi
done

if [[ -x "$BIN/go_echo_server" ]]; then
  cp "$BIN/go_echo_server" "$tmp/bin/"
  systems+=(go)
elif have_go && build_go echo_server "$tmp/bin/go_echo_server"; then
  systems+=(go)
else
  note "go skipped: install golang-go"
fi

if have_python_gevent; then
  systems+=(python_gevent)
else
  note "python_gevent skipped: install python3-gevent"
fi

for backend in "${BACKENDS[@]}"; do
  if run_bin "gevent_echo_server_$backend"; then
    systems+=("gevent_cpp_$backend")
  else
    note "gevent_cpp_$backend skipped: no gevent_echo_server_$backend in $BIN"
  fi
done

# --- Runs.

# Starts system $1 on a kernel-picked port; sets server_pid and server_port.
start_server() {
  local cmd
  case $1 in
    epoll_hand) cmd=("$tmp/bin/epoll_echo_server") ;;
    asio) cmd=("$tmp/bin/asio_echo_server") ;;
    go) cmd=(env GOMAXPROCS=1 "$tmp/bin/go_echo_server") ;;
    python_gevent) cmd=("$PYTHON" bench/python/echo_server.py) ;;
    gevent_cpp_*) cmd=("$tmp/bin/gevent_echo_server_${1#gevent_cpp_}") ;;
  esac
  : >"$tmp/server.out"
  "${pin_server[@]}" "${cmd[@]}" --port=0 >"$tmp/server.out" 2>"$tmp/server.err" &
  server_pid=$!
  server_port=$(wait_for '1s/^port=\([0-9][0-9]*\)$/\1/p' "$server_pid" "$tmp/server.out") &&
    return 0
  tail -3 "$tmp/server.err" >&2
  stop_server
  return 1
}

field() { # name, line
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}

md_rows=()
declare -A base
: >"$results/echo.raw"
table_row() { printf '%-16s %11s %9s %13s %9s %9s %9s %10s %8s\n' "$@"; }
table_row system connections msgs/s vs_epoll_hand p50_us p99_us p999_us \
  server_cpu load_cpu
load_limit=$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN { print w + d + 60 }')
# One measurement of system $1 at $2 connections: echo_load's line, or nothing.
measure() {
  local system=$1 c=$2 status=0 out line errors
  if ! start_server "$system"; then
    note "$system at $c connections: the server did not print port=N"
    return 0
  fi
  out=$(timeout "$load_limit" "${pin_load[@]}" "$tmp/bin/echo_load" \
    --port="$server_port" --connections="$c" --size="$SIZE" \
    --duration="$DURATION" --warmup="$WARMUP" --server_pid="$server_pid" \
    2>"$tmp/load.err") || status=$?
  stop_server
  line=$(grep '^connections=' <<<"$out" | tail -1 || true)
  if [[ -z "$line" ]]; then
    tail -3 "$tmp/load.err" >&2
    note "$system at $c connections: echo_load failed (status $status)"
    return 0
  fi
  errors=$(field errors "$line")
  if ((status != 0 || errors != 0)); then
    note "$system at $c connections: $errors errors, echo_load status $status"
  fi
  echo "$line"
}

for c in $CONNS; do
  # Rounds alternate the systems, so a noisy minute on this shared machine hits
  # them all alike; each system's median round is reported.
  declare -A runs=()
  for round in $(seq "$ROUNDS"); do
    for system in "${systems[@]}"; do
      line=$(measure "$system" "$c")
      [[ -n "$line" ]] || continue
      echo "system=$system round=$round $line" >>"$results/echo.raw"
      runs[$system]+="$line"$'\n'
    done
  done
  for system in "${systems[@]}"; do
    [[ -n "${runs[$system]:-}" ]] || continue
    line=$(printf '%s' "${runs[$system]}" |
      awk '{ for (i = 1; i <= NF; ++i) if ($i ~ /^msgs_per_sec=/) {
               split($i, kv, "="); print kv[2], $0 } }' |
      sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }' |
      cut -d' ' -f2-)
    rate=$(field msgs_per_sec "$line")
    [[ $system == epoll_hand ]] && base[$c]=$rate
    ratio=$(awk -v r="$rate" -v b="${base[$c]:-0}" \
      'BEGIN { if (b > 0) printf "%.2f", r / b; else print "-" }')
    p50=$(field p50_us "$line")
    p99=$(field p99_us "$line")
    p999=$(field p999_us "$line")
    cpu=$(awk -v s="$(field server_cpu "$line")" -v l="$(field load_cpu "$line")" \
      'BEGIN { printf (s < 0 ? "- " : "%.0f%% ", s * 100);
               printf (l < 0 ? "-" : "%.0f%%", l * 100) }')
    read -r server_cpu load_cpu <<<"$cpu"
    table_row "$system" "$c" "$rate" "$ratio" "$p50" "$p99" "$p999" \
      "$server_cpu" "$load_cpu"
    md_rows+=("| $system | $c | $rate | $ratio | $p50 | $p99 | $p999 | $server_cpu | $load_cpu |")
  done
  unset runs
done

{
  echo "# Echo ping-pong: gevent-cpp and its peers"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo |
    cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs, Linux $(uname -r)."
  echo "${SIZE}-byte messages over loopback TCP, one in flight per connection;"
  echo "${WARMUP} s warm-up, then ${DURATION} s measured; $pinning."
  echo "Each row is the median of $ROUNDS rounds; the rounds alternate the systems."
  echo "Every server runs one thread (Go: GOMAXPROCS=1). \"vs epoll_hand\" is"
  echo "msgs/s over the hand-written epoll server's at the same connection count."
  echo "Server and load CPU: CPU time over the measured window (100% = one core"
  echo "busy); a load CPU near 100% means echo_load, not the server, set the pace."
  echo
  echo "Command: \`CONNS=\"$CONNS\" DURATION=$DURATION WARMUP=$WARMUP SIZE=$SIZE ROUNDS=$ROUNDS bench/echo_compare.sh\`"
  echo
  echo "| system | connections | msgs/s | vs epoll_hand | p50 µs | p99 µs | p99.9 µs | server CPU | load CPU |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
  for row in "${md_rows[@]}"; do echo "$row"; done
  [[ -f "$tmp/notes" ]] && mapfile -t notes <"$tmp/notes"
  if ((${#notes[@]})); then
    echo
    echo "Notes:"
    echo
    for n in "${notes[@]}"; do echo "- $n"; done
  fi
} >"$results/echo.md"
echo "wrote $results/echo.md and $results/echo.raw" >&2
