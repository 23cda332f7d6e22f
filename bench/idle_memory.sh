#!/usr/bin/env bash
# Memory per idle connection: each echo server gets N connections (default
# 10,000) that make one 64-byte round trip and then sit idle; the server's RSS
# growth divided by N is what an idle connection costs it (greenlet stack,
# buffers, bookkeeping; not the kernel's socket buffers).
#
#   bench/idle_memory.sh [connections]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n="${1:-10000}"
ulimit -n "$(ulimit -Hn)"
./bazelw build -c opt //bench:idle_clients //bench:epoll_echo_server \
  //bench:gevent_echo_server_epoll //bench:gevent_echo_server_libevent \
  //bench:gevent_echo_server_uring >/dev/null 2>&1
tmp=$(mktemp -d)
cp bazel-bin/bench/idle_clients bazel-bin/bench/epoll_echo_server \
  bazel-bin/bench/gevent_echo_server_{epoll,libevent,uring} "$tmp"/
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

printf '%-40s %12s %12s %14s\n' server rss_before_kib rss_idle_kib kib_per_conn
# gevent-cpp servers with --recv=string wait in Socket::recv(4096): io_uring
# lends a buffer only once data comes, the others hold one per connection.
for run in epoll_echo_server gevent_echo_server_epoll \
  gevent_echo_server_libevent gevent_echo_server_uring \
  "gevent_echo_server_epoll --recv=string" \
  "gevent_echo_server_uring --recv=string"; do
  read -r s args <<<"$run"
  # shellcheck disable=SC2086  # args is a list of flags
  "$tmp/$s" --port=0 $args >"$tmp/server.out" &
  server_pid=$!
  for _ in $(seq 50); do
    grep -q '^port=' "$tmp/server.out" 2>/dev/null && break
    sleep 0.1
  done
  port=$(sed -n 's/^port=//p' "$tmp/server.out")
  before=$(rss_kib "$server_pid")
  "$tmp/idle_clients" --port="$port" --connections="$n" --hold=2 \
    >"$tmp/clients.out" &
  clients_pid=$!
  for _ in $(seq 600); do
    grep -q '^ready' "$tmp/clients.out" 2>/dev/null && break
    kill -0 "$clients_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^ready' "$tmp/clients.out" || {
    echo "idle_memory: $s: clients failed" >&2
    exit 1
  }
  sleep 0.5
  after=$(rss_kib "$server_pid")
  wait "$clients_pid" || true
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
  printf '%-40s %12d %12d %14.2f\n' "$run" "$before" "$after" \
    "$(echo "($after - $before) / $n" | bc -l)"
done
