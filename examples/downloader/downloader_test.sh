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

# Every approach again over TLS, against the built-in server's own CA.
out=$(timeout 120 "$bin" --users=40 --delay=5ms --sequential_sample=5 \
  --max_processes=8 --tls 2>&1) || fail "the TLS run failed: $out"
grep -q "over TLS" <<<"$out" || fail "the TLS run did not say TLS: $out"
for a in sequential processes threads callbacks greenlets greenlets_monkey; do
  line=$(grep -E "^\| $a \|" <<<"$out") || fail "TLS: no row for $a: $out"
  grep -Eq "\| [0-9]+ verified \|$" <<<"$line" || fail "TLS $a: $line"
done

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
expect_failure "TLS to a garbage server" "TLS handshake" \
  --server=127.0.0.1:$port --users=3 --tls
kill $garbage 2>/dev/null
wait $garbage 2>/dev/null

# An HTTPS photo server on its own (--serve --tls), and clients of it that
# name it by address: verified against the CA it wrote, and refused with the
# reason when they trust something else or expect another name.
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
expect_failure "--serve --tls without a CA file" "needs --tls_ca" \
  --serve --tls --port=$port
"$bin" --serve --tls --tls_ca="$tmp/ca.pem" --port=$port --delay=1ms \
  >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  grep -q "over TLS" "$tmp/serve.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "over TLS" "$tmp/serve.log" || fail "no TLS server: $(cat "$tmp/serve.log")"
out=$(timeout 120 "$bin" --server=127.0.0.1:$port --tls --tls_ca="$tmp/ca.pem" \
  --users=20 --approaches=threads,callbacks,greenlets,greenlets_monkey 2>&1) ||
  fail "clients of --serve --tls failed: $out"
for a in threads callbacks greenlets greenlets_monkey; do
  grep -Eq "^\| $a \| 20 \|.*\| 80 verified \|$" <<<"$out" || fail "external TLS $a: $out"
done
expect_failure "untrusted certificate" "certificate verify failed" \
  --server=127.0.0.1:$port --tls --users=2
expect_failure "wrong name" "certificate verify failed: hostname mismatch" \
  --server=127.0.0.1:$port --tls --tls_ca="$tmp/ca.pem" --tls_name=example.com
expect_failure "plain HTTP to the TLS server" "does not work" \
  --server=127.0.0.1:$port --users=2
expect_failure "missing CA file" "no-such-ca.pem" \
  --server=127.0.0.1:$port --tls --tls_ca="$tmp/no-such-ca.pem"
# Each approach's own client says why (the probe above is POSIX code).
for a in callbacks greenlets; do
  out=$(timeout 60 "$bin" --child=$a --server=127.0.0.1:$port --tls \
    --tls_ca="$tmp/ca.pem" --tls_name=example.com --users=2 --out="$tmp" 2>&1)
  grep -q "^RESULT 2 2 .*certificate verify failed: hostname mismatch" \
    <<<"$out" || fail "$a with the wrong name: $out"
done
# The server is still serving after all of that.
out=$(timeout 60 "$bin" --server=127.0.0.1:$port --tls --tls_ca="$tmp/ca.pem" \
  --users=5 --approaches=greenlets 2>&1) || fail "the TLS server broke: $out"
kill $server
wait $server 2>/dev/null
grep -q "stopped after" "$tmp/serve.log" || fail "no clean stop: $(cat "$tmp/serve.log")"
echo ok
