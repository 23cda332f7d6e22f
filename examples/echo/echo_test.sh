#!/usr/bin/env bash
# The echo server and client end to end on loopback: 200 connections echo,
# the server stops on SIGTERM; bad input and a server that is down fail
# clearly.
set -uo pipefail
server="examples/echo/echo_server"
client="examples/echo/echo_client"
fail() { echo "FAIL: $*" >&2; exit 1; }
port_file="$TEST_TMPDIR/port"

"$server" --port=0 --port_file="$port_file" >"$TEST_TMPDIR/server.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s $port_file ]] && break; sleep 0.05; done
port=$(cat "$port_file") || fail "the server did not start"
out=$(timeout 60 "$client" --server=127.0.0.1:$port --connections=200 \
  --messages=20) || fail "client: $out"
grep -q "200 connections x 20 messages of 64 bytes: all echoed" <<<"$out" ||
  fail "$out"
kill -TERM $pid
timeout 10 tail --pid=$pid -f /dev/null || fail "the server ignored SIGTERM"
wait $pid || fail "the server exited non-zero"
grep -q "stopped after 200 connections" "$TEST_TMPDIR/server.out" ||
  fail "$(cat "$TEST_TMPDIR/server.out")"

# Now nothing listens there.
msg=$(timeout 30 "$client" --server=127.0.0.1:$port --connections=3 2>&1) &&
  fail "a client of a dead server succeeded"
grep -q "refused" <<<"$msg" || fail "$msg"
msg=$(timeout 10 "$client" --server=nonsense 2>&1) && fail "accepted --server=nonsense"
msg=$(timeout 10 "$server" --port=70000 2>&1) && fail "accepted --port=70000"
grep -q "0..65535" <<<"$msg" || fail "$msg"
# A port in use.
"$server" --port=0 --port_file="$port_file.2" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s $port_file.2 ]] && break; sleep 0.05; done
msg=$(timeout 10 "$server" --port="$(cat "$port_file.2")" 2>&1) &&
  fail "two servers on one port"
grep -q "in use" <<<"$msg" || fail "$msg"
kill -TERM $pid
wait $pid
echo ok
