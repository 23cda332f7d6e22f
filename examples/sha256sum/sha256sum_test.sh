#!/usr/bin/env bash
# The example against coreutils' sha256sum: same lines for small, empty and
# multi-MiB files; a missing file and a directory are reported and the exit
# status is 1, while the other files are still hashed.
set -uo pipefail
bin="examples/sha256sum/sha256sum"
fail() { echo "FAIL: $*" >&2; exit 1; }
d="$TEST_TMPDIR"
: >"$d/empty"
printf 'hello\n' >"$d/small"
head -c 5000000 /dev/urandom >"$d/big"
for i in $(seq 40); do head -c $((i * 1000)) /dev/urandom >"$d/f$i"; done
files=("$d/empty" "$d/small" "$d/big")
for i in $(seq 40); do files+=("$d/f$i"); done
ours=$(timeout 60 "$bin" --jobs=8 "${files[@]}") || fail "exit $?"
theirs=$(sha256sum "${files[@]}")
[[ "$ours" == "$theirs" ]] || fail "differs from coreutils: $(diff <(echo "$ours") <(echo "$theirs"))"
msg=$(timeout 60 "$bin" "$d/small" "$d/missing" "$d" 2>&1 >/dev/null)
rc=$?
[[ $rc -eq 1 ]] || fail "exit $rc for a missing file"
grep -q "missing" <<<"$msg" || fail "$msg"
out=$(timeout 60 "$bin" "$d/small" "$d/missing" 2>/dev/null)
grep -q "small" <<<"$out" || fail "the good file was not hashed: $out"
timeout 10 "$bin" >/dev/null 2>&1 && fail "accepted no files"
echo ok
