#!/usr/bin/env bash
# The seed's photo downloader against its peers, on one photo server
# (examples/downloader --serve): gevent-cpp's approaches (threads, callbacks,
# greenlets, monkey-patched greenlets; processes too at 1,000 users or fewer)
# next to Go (bench/go/downloader.go, a goroutine per user) and Python's
# threads, multiprocessing and gevent (bench/python/downloader.py). Appends
# `users=N system=S wall=s rss_mib=M cpu=s failed=F files=K expected=E` lines
# to OUT.
#
#   bench/downloader_compare.sh BIN OUT [USERS ...]     (default 1000 10000)
#
# The server runs on CPU 0 and every client on CPU 1 (one core each); as root
# the accept-queue limits are raised for the run (see below). Photos
# are saved under /dev/shm and counted after each run. Peak RSS is the
# client's (for process approaches: the largest single process).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bin=$(cd "${1:?usage: downloader_compare.sh BIN OUT [USERS ...]}" && pwd)
out=${2:?usage: downloader_compare.sh BIN OUT [USERS ...]}
shift 2
(($#)) || set -- 1000 10000
PHOTOS=4
# A socket per user at once in the client, and as many in the server.
max_users=0
for u in "$@"; do
  if ((u > max_users)); then max_users=$u; fi
done
raise_fd_limit $((max_users + 1024)) || exit 1
# 10,000 users connect at once. With Linux's defaults (somaxconn 4096, SYN
# backlog 2048) the photo server's accept queue overflows, and every dropped
# SYN costs its client a 1 s retransmit: the wall times would then measure the
# kernel's retry timer. As root, raise both for the run and restore them after.
sysctls=(net.core.somaxconn net.ipv4.tcp_max_syn_backlog)
declare -A saved=()
if [[ $(id -u) -eq 0 ]]; then
  for k in "${sysctls[@]}"; do
    saved[$k]=$(sysctl -n "$k" 2>/dev/null) || continue
    sysctl -q -w "$k=65535" 2>/dev/null || unset "saved[$k]"
  done
fi
restore_sysctls() {
  for k in "${!saved[@]}"; do sysctl -q -w "$k=${saved[$k]}" 2>/dev/null || true; done
}
[[ -x /usr/bin/time ]] || install_as_root time
tmp=$(mktemp -d /dev/shm/gevent-bench-XXXXXX 2>/dev/null || mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  restore_sysctls
  rm -rf "$tmp"
}
trap cleanup EXIT

"${pin_server[@]}" "$bin/run" downloader --serve --port=0 --photos=$PHOTOS >"$tmp/server.out" &
server_pid=$!
server=$(wait_for 's/^photo server on \([0-9.]*:[0-9]*\):.*/\1/p' "$server_pid" "$tmp/server.out") ||
  { echo "downloader_compare: the photo server did not start" >&2; exit 1; }

peers=()
if [[ -x "$bin/go_downloader" ]] || { have_go && build_go downloader "$bin/go_downloader"; }; then
  peers+=(go)
else
  echo "NOTE	downloader: Go skipped (install golang-go)" >>"$out"
fi
if have_python_gevent; then
  peers+=(python_threads python_processes python_gevent)
else
  echo "NOTE	downloader: Python skipped (install python3-gevent)" >>"$out"
fi

# Runs peer $1 for $2 users; appends its line.
run_peer() {
  local system=$1 users=$2 dir="$tmp/$1-$2" cmd result t
  mkdir -p "$dir"
  case $system in
    go) cmd=("$bin/go_downloader" -server "$server" -users "$users" -out "$dir") ;;
    python_*) cmd=("$PYTHON" bench/python/downloader.py --approach "${system#python_}"
      --server "$server" --users "$users" --out "$dir") ;;
  esac
  "${pin_load[@]}" timeout 300 /usr/bin/time -o "$tmp/time" -f 'TIME %e %M %U %S' \
    "${cmd[@]}" >"$tmp/client.out" 2>"$tmp/client.err" || true
  result=$(grep '^RESULT ' "$tmp/client.out" | tail -1 || true)
  t=$(grep '^TIME ' "$tmp/time" | tail -1 || true)
  if [[ -z "$result" || -z "$t" ]]; then
    echo "NOTE	downloader: $system at $users users failed: $(tail -2 "$tmp/client.err" | tr '\n' ' ')" >>"$out"
  else
    read -r _ _ failed wall _ <<<"$result"
    read -r _ elapsed rss_kib user sys <<<"$t"
    echo "users=$users system=$system wall=$(printf '%.2f' "$wall") rss_mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }') cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') failed=$failed files=$(find "$dir" -type f | wc -l) expected=$((users * PHOTOS))" | tee -a "$out" >&2
  fi
  rm -rf "$dir"
}

# gevent-cpp's own runner; its Markdown table rows become lines.
run_gevent_cpp() {
  local users=$1 approaches=threads,callbacks,greenlets,greenlets_monkey
  ((users <= 1000)) && approaches=processes,$approaches
  "${pin_load[@]}" "$bin/run" downloader --server="$server" --users="$users" \
    --approaches="$approaches" --out="$tmp/cpp" --approach_timeout=300 \
    >"$tmp/cpp.out" 2>"$tmp/cpp.err" || true
  awk -v users="$users" -F'|' '
    function num(s) { gsub(/[^0-9.]/, "", s); return s }
    $2 ~ /^ [a-z_]+ $/ && $3 ~ /[0-9]/ {
      name = $2; gsub(/ /, "", name)
      split($7, f, " "); sub(/\/.*/, "", f[1])
      failed = ($7 ~ /verified —/ || $7 ~ /\//) ? 1 : 0
      printf "users=%s system=gevent_cpp_%s wall=%s rss_mib=%s cpu=%s failed=%d files=%s expected=%d\n",
        users, name, num($4), num($5), num($6), failed, num(f[1]), users * 4
    }' "$tmp/cpp.out" | tee -a "$out" >&2
  rm -rf "$tmp/cpp"
}

for users in "$@"; do
  echo "== downloader: $users users" >&2
  run_gevent_cpp "$users"
  for p in "${peers[@]}"; do
    [[ $p == python_processes ]] && ((users > 1000)) && continue
    run_peer "$p" "$users"
  done
done
