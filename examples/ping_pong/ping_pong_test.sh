#!/usr/bin/env bash
# The example runs, rallies the asked number of times, and rejects bad input.
set -euo pipefail
bin="examples/ping_pong/ping_pong"
out=$("$bin" 2)
grep -q "ping: hit 1, switching to pong" <<<"$out"
grep -q "pong: hit 4, switching to ping" <<<"$out"
grep -q "back in main with 4 hits; ping dead=1, pong dead=0" <<<"$out"
grep -q "pong dead=1" <<<"$out"
grep -q "caught \"the net broke\" raised in greenlet 'faulty'" <<<"$out"
if "$bin" 0 2>/dev/null; then echo "accepted 0 rallies" >&2; exit 1; fi
echo ok
