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
# gevent-cpp runs on each backend whose //bench:gevent_echo_server_<backend>
# builds; a peer whose toolchain is missing (go, python3-gevent) is skipped with
# a note, or installed first when running as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONNS="${CONNS:-1 100 1000}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
SIZE="${SIZE:-64}"
ROUNDS="${ROUNDS:-3}"
BACKENDS=(epoll libevent uring)
PYTHON=/usr/bin/python3 # Debian's, where python3-gevent installs

results=bench/results
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

# Each process holds one socket per connection (plus a few); raise the soft
# limit, and the hard one too where we may.
max_conns=0
for c in $CONNS; do
  if ((c > max_conns)); then max_conns=$c; fi
done
need=$((max_conns + 256))
if [[ $(ulimit -Sn) != unlimited ]] && (($(ulimit -Sn) < need)); then
  hard=$(ulimit -Hn)
  if [[ $hard == unlimited ]] || ((hard >= need)); then
    ulimit -Sn "$need"
  elif ! ulimit -n "$need" 2>/dev/null; then
    echo "echo_compare: ulimit -n is $hard, $max_conns connections need $need" >&2
    exit 1
  fi
fi

# Server on CPU 0, load on CPU 1, so that neither steals the other's core.
pin_server=()
pin_load=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0)
  pin_load=(taskset -c 1)
  pinning="each server pinned to CPU 0 and echo_load to CPU 1 (taskset)"
else
  pinning="unpinned (needs taskset and 2 CPUs)"
  note "running unpinned: taskset or a second CPU is missing"
fi

# --- Build everything once; run copies, so a rebuild meanwhile changes nothing.
mkdir -p "$tmp/bin"
echo "== building (bazel -c opt, go)" >&2
if ! ./bazelw build -c opt //bench:echo_load //bench:epoll_echo_server \
  //bench:asio_echo_server >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  exit 1
fi
# Not the bazel-bin symlink: another build may point it at another config.
bazel_bin=$(./bazelw info -c opt bazel-bin 2>/dev/null)
for b in echo_load epoll_echo_server asio_echo_server; do
  cp "$bazel_bin/bench/$b" "$tmp/bin/"
done
systems=(epoll_hand asio)

install_as_root() { # package: apt-get installs it when we are root
  if [[ $(id -u) -eq 0 ]]; then
    echo "echo_compare: installing $1" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$1" >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "$1" >&2; }
  else
    return 1
  fi
}

if command -v go >/dev/null || install_as_root golang-go; then
  if GOCACHE="${GOCACHE:-${TMPDIR:-/tmp}/gevent-cpp-gocache}" GOFLAGS=-mod=mod \
    GO111MODULE=off go build -o "$tmp/bin/go_echo_server" \
    bench/go/echo_server.go >"$tmp/build.log" 2>&1; then
    systems+=(go)
  else
    cat "$tmp/build.log" >&2
    note "go skipped: bench/go/echo_server.go did not build"
  fi
else
  note "go skipped: install golang-go"
fi

if "$PYTHON" -c 'import gevent' 2>/dev/null || install_as_root python3-gevent; then
  systems+=(python_gevent)
else
  note "python_gevent skipped: install python3-gevent"
fi

for backend in "${BACKENDS[@]}"; do
  if [[ ! -f bench/gevent_echo_server.cc ]]; then
    note "gevent_cpp_$backend skipped: bench/gevent_echo_server.cc does not exist yet"
  elif ./bazelw build -c opt "//bench:gevent_echo_server_$backend" \
    >"$tmp/build.log" 2>&1 &&
    [[ -x "$bazel_bin/bench/gevent_echo_server_$backend" ]]; then
    cp "$bazel_bin/bench/gevent_echo_server_$backend" "$tmp/bin/"
    systems+=("gevent_cpp_$backend")
  else
    tail -5 "$tmp/build.log" >&2
    note "gevent_cpp_$backend skipped: //bench:gevent_echo_server_$backend did not build"
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
  server_port=
  for _ in $(seq 100); do # 10 s
    server_port=$(sed -n '1s/^port=\([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
    [[ -n "$server_port" ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
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
