#!/usr/bin/env bash
# The example runs 2,000 greenlets concurrently, names its backend, rejects bad
# input.
set -euo pipefail
bin="examples/sleepers/sleepers"
out=$("$bin" 2000)
grep -q "2000 greenlets, each sleeping 100 ms" <<<"$out"
grep -q "checksum ok" <<<"$out"
"$bin" --version | grep -Eq "backend (epoll|libevent|io_uring)"
if "$bin" 0 2>/dev/null; then echo "accepted 0 greenlets" >&2; exit 1; fi
echo ok
