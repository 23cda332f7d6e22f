#!/usr/bin/env bash
# The micro comparisons: switch, spawn+join, memory per idle task (100k and 1M)
# and skynet, for gevent-cpp (bench/micro.cc, with raw Boost.Context,
# Boost.Fiber and std::thread in the same binary), Go (bench/go/micro.go,
# GOMAXPROCS=1) and Python greenlet/gevent (bench/python/micro.py). Writes
# their `MICRO bench system value unit` lines to OUT.
#
#   bench/micro_compare.sh BIN OUT
#
# BIN holds micro_epoll (bench/build_bins.sh). Every program runs pinned to one
# CPU; each idle-memory figure comes from a fresh process. MAX_TASKS (default
# 1000000) bounds the idle-memory counts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bin=$(cd "${1:?usage: micro_compare.sh BIN OUT}" && pwd)
out=${2:?usage: micro_compare.sh BIN OUT}
MAX_TASKS=${MAX_TASKS:-1000000}
: >"$out"
pin=("${pin_load[@]}")
counts=(100000)
((MAX_TASKS >= 1000000)) && counts+=(1000000)

echo "== micro: gevent-cpp, Boost.Context, Boost.Fiber, std::thread" >&2
"${pin[@]}" "$bin/run" micro_epoll --only=switch,spawn_join,skynet | tee -a "$out" >&2
for n in "${counts[@]}"; do
  for s in gevent_cpp boost_fiber; do
    "${pin[@]}" "$bin/run" micro_epoll --only=idle_memory --idle_tasks="$n" \
      --idle_system="$s" | tee -a "$out" >&2
  done
done

if [[ -x "$bin/go_micro" ]] || { have_go && build_go micro "$bin/go_micro"; }; then
  echo "== micro: Go (GOMAXPROCS=1)" >&2
  "${pin[@]}" "$bin/go_micro" -max-tasks "$MAX_TASKS" | tee -a "$out" >&2
else
  echo "NOTE	micro: Go skipped (install golang-go)" >>"$out"
fi

if have_python_gevent; then
  echo "== micro: Python greenlet and gevent" >&2
  "${pin[@]}" "$PYTHON" bench/python/micro.py --max-tasks "$MAX_TASKS" | tee -a "$out" >&2
else
  echo "NOTE	micro: Python skipped (install python3-gevent)" >>"$out"
fi
