#!/usr/bin/env bash
# The Go peers of hub/sync_benchmark.cc and hub/hub_benchmark.cc, run after them
# on the same machine so that the figures can be compared:
#
#   bench/go_handoff.sh
#
# Needs golang-go (installed when missing and root). GOMAXPROCS=1 throughout.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v go >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get install -y -q golang-go >&2
  else
    echo "go_handoff: install golang-go first" >&2
    exit 1
  fi
fi
export GOCACHE="${GOCACHE:-$(mktemp -d)}" GOFLAGS=-mod=mod GO111MODULE=off
echo "== Go (GOMAXPROCS=1)"
go run bench/go/handoff.go
echo "== gevent-cpp (${BACKEND:-epoll})"
./bazelw run -c opt "//hub:sync_benchmark_${BACKEND:-epoll}" -- \
  --benchmark_filter='Channel|Queue|BoostFiber' 2>/dev/null | grep '^BM_'
./bazelw run -c opt "//hub:hub_benchmark_${BACKEND:-epoll}" -- \
  --benchmark_filter='Yield|SpawnJoin' 2>/dev/null | grep '^BM_'
