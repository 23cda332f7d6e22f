#!/usr/bin/env bash
# The downloader end to end on loopback, with short settings: every approach
# saves every photo with the right bytes (the program checks each file and
# exits non-zero otherwise). Then bad input: an unknown flag or approach, a
# server that is down, one that speaks garbage, a port in use: each a clear
# message and a non-zero exit, never a hang.
set -uo pipefail
bin="examples/downloader/downloader"
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(timeout 120 "$bin" --users=40 --delay=5ms --sequential_sample=5 \
  --max_processes=8 2>&1) || fail "the run failed: $out"
for a in sequential processes threads callbacks greenlets greenlets_monkey; do
  line=$(grep -E "^\| $a \|" <<<"$out") || fail "no row for $a: $out"
  grep -Eq "\| [0-9]+ verified \|$" <<<"$line" || fail "$a: $line"
done
grep -q "| greenlets | 40 |" <<<"$out" || fail "greenlets did not run 40 users"

expect_failure() {  # expect_failure <what> <pattern> <args...>
  local what=$1 pattern=$2
  shift 2
  local msg rc
  msg=$(timeout 60 "$bin" "$@" 2>&1)
  rc=$?
  [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$what: exit $rc: $msg"
  grep -q -- "$pattern" <<<"$msg" || fail "$what: no '$pattern' in: $msg"
}

expect_failure "unknown flag" "bogus" --bogus=1
expect_failure "unknown approach" "valid: sequential" --approaches=telepathy
expect_failure "zero users" "--users must be" --users=0

# A port nobody listens on.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_failure "server down" "Connection refused" --server=127.0.0.1:$port

# A server that answers every connection with garbage.
python3 - "$port" <<'PY' &
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
s.settimeout(30)
try:
    while True:
        c, _ = s.accept()
        c.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")
        c.close()
except Exception:
    pass
PY
garbage=$!
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$port)).close()" 2>/dev/null && break
  sleep 0.1
done
expect_failure "garbage server" "bad response" --server=127.0.0.1:$port --users=3
# The same port is taken now: the built-in server cannot have it.
expect_failure "port in use" "Address already in use" --port=$port
kill $garbage 2>/dev/null
wait $garbage 2>/dev/null
echo ok
