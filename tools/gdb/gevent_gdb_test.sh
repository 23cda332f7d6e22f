#!/usr/bin/env bash
# The gdb extension on a live process and on its core dump: every greenlet
# listed with what it waits on, and a suspended one's backtrace.
set -uo pipefail
bin="tools/gdb/gdb_target"
py="tools/gdb/gevent_gdb.py"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v gdb >/dev/null || fail "gdb is not installed (tools/debian_packages.txt has it)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gdb_batch() {
  timeout 120 gdb -nx -batch -ex "set debuginfod enabled off" \
    -ex "set auto-load safe-path /" -ex "source $py" "$@" 2>&1
}

check() {  # check <what> <output>
  local what=$1 out=$2
  grep -q "greenlet 'napper' (id [0-9]*): waits in sleep" <<<"$out" || fail "$what: napper: $out"
  grep -q "greenlet 'waiter' (id [0-9]*): waits in Event.wait" <<<"$out" || fail "$what: waiter: $out"
  grep -q "greenlet 'reader' (id [0-9]*): waits in wait_read on fd [0-9]" <<<"$out" || fail "$what: reader: $out"
  grep -q "greenlet main (id 1): running" <<<"$out" || fail "$what: main: $out"
  grep -q "NapInAFunctionWithAName" <<<"$out" || fail "$what: no napper frame: $out"
  grep -q "SleepFor" <<<"$out" || fail "$what: no sleep frame: $out"
  grep -q "no live greenlet nobody" <<<"$out" || fail "$what: unknown name: $out"
}

# (Read whole first: with pipefail, grep -q leaving early would fail readelf.)
sanitized=false
if grep -q 'NEEDED.*lib[at]san' <<<"$(readelf -d "$bin")"; then sanitized=true; fi
gcore="gcore $tmp/core"
if $sanitized; then gcore="echo"; fi
live=$(gdb_batch -ex run -ex "gevent greenlets" -ex "gevent bt napper" \
  -ex "gevent bt nobody" -ex "$gcore" -ex kill --args "$bin")
check "live" "$live"

# Under ASan or TSan the process maps terabytes of shadow memory: gcore cannot
# write a usable core of it, so only the live half runs there.
if $sanitized; then
  echo "sanitizer build: the core-dump half is skipped"
  echo ok
  exit 0
fi
[[ -s "$tmp/core" ]] || fail "no core written: $live"

core=$(gdb_batch -ex "gevent greenlets" -ex "gevent bt napper" \
  -ex "gevent bt nobody" "$bin" "$tmp/core")
check "core dump" "$core"
echo ok
