#!/usr/bin/env bash
# 64-byte echo ping-pong on each backend, one process, one thread: requests per
# second and syscalls per request (perf's raw_syscalls:sys_enter tracepoint),
# from one run so that the backends compare as ratios:
#
#   bench/echo_syscalls.sh [connections] [requests]
#
# Needs perf (Debian: linux-perf) and root for the tracepoint.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
conns="${1:-64}"
reqs="${2:-200000}"
./bazelw build -c opt //hub:echo_benchmark_epoll //hub:echo_benchmark_libevent \
  //hub:echo_benchmark_uring >/dev/null 2>&1
printf '%-10s %12s %18s\n' backend rps syscalls/request
for b in epoll libevent uring; do
  out=$(perf stat -x, -e raw_syscalls:sys_enter \
    "bazel-bin/hub/echo_benchmark_$b" --connections="$conns" --requests="$reqs" 2>&1)
  rps=$(grep -o 'rps=[0-9]*' <<<"$out" | cut -d= -f2)
  total=$(grep -o 'requests=[0-9]*' <<<"$out" | cut -d= -f2)
  calls=$(grep 'raw_syscalls:sys_enter' <<<"$out" | cut -d, -f1)
  printf '%-10s %12s %18.2f\n' "$b" "$rps" "$(echo "$calls / $total" | bc -l)"
done
