#!/usr/bin/env bash
# Multi-core echo: StreamServer with Options::threads = N (N hubs, one
# SO_REUSEPORT listener each) for N = 1.. the machine's cores, next to Go with
# GOMAXPROCS=N when its binary is there, loaded by echo_load with as many
# threads. Appends `system=.. threads=N <echo_load line>` lines to OUT.
#
#   bench/multicore.sh BIN OUT [N ...]      (default N: 1 2 4 .. nproc)
#
# BIN holds the binaries (bench/build_bins.sh, which also copies Go's server
# when go is installed, and this script with lib.sh as BIN/multicore.sh);
# nothing else is needed, so it runs on a bigger machine as it is. Server threads get the first half of the CPUs and the
# load the second half while N fits in half; past that they share them all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=$(cd "${1:?usage: multicore.sh BIN OUT [N ...]}" && pwd)
out=${2:?usage: multicore.sh BIN OUT [N ...]}
shift 2
cores=$(nproc)
if (($# == 0)); then
  set -- 1
  for ((n = 2; n < cores; n *= 2)); do set -- "$@" "$n"; done
  ((cores > 1)) && set -- "$@" "$cores"
fi
MULTICORE_CONNS=${MULTICORE_CONNS:-1000}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
run() { "$bin/run" "$@"; }
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

systems=(gevent_cpp_epoll gevent_cpp_uring)
[[ -x "$bin/go_echo_server" ]] && systems+=(go)
for n in "$@"; do
  half=$((cores / 2))
  if ((cores >= 2 && n <= half)); then
    server_cpus="0-$((half - 1))"
    load_cpus="$half-$((cores - 1))"
  else
    server_cpus="0-$((cores - 1))"
    load_cpus=$server_cpus
  fi
  for system in "${systems[@]}"; do
    case $system in
      go) cmd=(env "GOMAXPROCS=$n" "$bin/go_echo_server") ;;
      *) cmd=("$bin/run" "gevent_echo_server_${system#gevent_cpp_}" "--threads=$n") ;;
    esac
    taskset -c "$server_cpus" "${cmd[@]}" --port=0 >"$tmp/server.out" 2>"$tmp/server.err" &
    server_pid=$!
    if ! port=$(wait_for 's/^port=\([0-9][0-9]*\)$/\1/p' "$server_pid" "$tmp/server.out"); then
      echo "multicore: $system with $n threads did not start: $(tail -2 "$tmp/server.err")" >&2
    elif line=$(taskset -c "$load_cpus" "$bin/run" echo_load --port="$port" \
      --connections="$MULTICORE_CONNS" --threads="$n" --duration="$DURATION" \
      --warmup="$WARMUP" --server_pid="$server_pid" 2>"$tmp/load.err"); then
      echo "system=$system threads=$n cores=$cores $line" | tee -a "$out" >&2
    else
      echo "multicore: $system with $n threads: $(tail -2 "$tmp/load.err")" >&2
    fi
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  done
done
