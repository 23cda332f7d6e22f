#!/usr/bin/env bash
# The crawler end to end: it fetches exactly the pages its site map says are
# within reach (no page twice, none missed), at several concurrencies; bad
# flags are refused.
set -uo pipefail
bin="examples/crawler/crawler"
fail() { echo "FAIL: $*" >&2; exit 1; }
for c in 1 7 50; do
  out=$(timeout 120 "$bin" --pages=300 --depth=4 --concurrency=$c \
    --delay=2ms) || fail "concurrency $c: $out"
  grep -q "matches the site map" <<<"$out" || fail "$out"
  grep -q "0 errors" <<<"$out" || fail "$out"
done
out=$(timeout 60 "$bin" --pages=1 --depth=0 --delay=0) || fail "$out"
grep -q "crawled 1 pages" <<<"$out" || fail "$out"
timeout 10 "$bin" --concurrency=0 >/dev/null 2>&1 && fail "accepted --concurrency=0"
timeout 10 "$bin" --nope >/dev/null 2>&1 && fail "accepted --nope"
echo ok
