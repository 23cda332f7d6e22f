#!/usr/bin/env bash
# echo_load against the hand-written epoll server and gevent-cpp's, briefly:
# one thread and several threads both report messages and no errors; a
# server that is not there is a clear error and a non-zero exit, not a hang.
set -uo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
server_pid=
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

start() { # server binary and flags; sets port
  "$@" --port=0 >"$tmp/server.out" 2>&1 &
  server_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^port=\([0-9]*\)$/\1/p' "$tmp/server.out")
    [[ -n "$port" ]] && return 0
    sleep 0.05
  done
  fail "$1 did not print port=N: $(cat "$tmp/server.out")"
}
stop() {
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
}
check() { # what, threads
  local line
  line=$(timeout 30 bench/echo_load --port="$port" --connections=8 \
    --threads="$2" --duration=0.3 --warmup=0.1 --server_pid="$server_pid") ||
    fail "$1, $2 threads: exit $?: $line"
  grep -q ' errors=0 ' <<<"$line" || fail "$1, $2 threads: $line"
  grep -Eq ' messages=[1-9][0-9]* ' <<<"$line" || fail "$1, $2 threads: no messages: $line"
  grep -q '^connections=8 size=64 ' <<<"$line" || fail "$1: $line"
}

start bench/epoll_echo_server
check epoll_echo_server 1
check epoll_echo_server 3
stop
start bench/gevent_echo_server_epoll --threads=2
check gevent_echo_server 2
stop

msg=$(timeout 60 bench/echo_load --port=1 --connections=1 2>&1)
rc=$?
[[ $rc -ne 0 && $rc -ne 124 ]] || fail "no server: exit $rc"
grep -q "cannot connect" <<<"$msg" || fail "no server: $msg"
msg=$(timeout 10 bench/echo_load --port=0 2>&1)
(($? == 2)) || fail "missing --port: $msg"
echo PASS
