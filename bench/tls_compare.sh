#!/usr/bin/env bash
# TLS against plain TCP, gevent-cpp against Go's crypto/tls: the echo servers
# (bench/gevent_echo_server.cc with --tls_cert, bench/go/echo_server.go with
# --cert, GOMAXPROCS=1), one thread each, loaded by bench/tls_load.cc:
# 64-byte ping-pong over C connections (msgs/s), and connect + full handshake
# + one byte + close over and over (connections/s). A self-signed EC P-256
# certificate is made for the run. Appends lines to OUT:
#
#   tls system=S tls=0|1 mode=echo|handshake round=R ops_per_sec=N
#       server_cpu=F load_cpu=F errors=E
#
#   bench/tls_compare.sh BIN OUT       (BIN from bench/build_bins.sh)
#
# Server on CPU 0, load on CPU 1; ROUNDS (default 3) alternating rounds of
# DURATION seconds (default 3); TLS_CONNS echo connections (default 100),
# HANDSHAKERS concurrent handshaking clients (default 50).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
bin=$(cd "${1:?usage: tls_compare.sh BIN OUT}" && pwd)
out=${2:?usage: tls_compare.sh BIN OUT}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3}
TLS_CONNS=${TLS_CONNS:-100}
HANDSHAKERS=${HANDSHAKERS:-50}
command -v openssl >/dev/null || install_as_root openssl || {
  echo "NOTE	tls: skipped (install openssl)" >>"$out"
  exit 0
}
raise_fd_limit 4096 || exit 1
tmp=$(mktemp -d)
server_pid=
stop_server() {
  [[ -n "$server_pid" ]] || return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null

systems=(gevent_cpp_epoll)
if [[ -x "$bin/go_echo_server" ]] || { have_go && build_go echo_server "$bin/go_echo_server"; }; then
  systems+=(go)
fi

for round in $(seq "$ROUNDS"); do
  for system in "${systems[@]}"; do
    for tls in 0 1; do
      case $system in
        gevent_cpp_epoll) cmd=("$bin/run" gevent_echo_server_epoll --port=0)
          ((tls)) && cmd+=(--tls_cert="$tmp/cert.pem" --tls_key="$tmp/key.pem") ;;
        go) cmd=(env GOMAXPROCS=1 "$bin/go_echo_server" --port=0)
          ((tls)) && cmd+=(--cert="$tmp/cert.pem" --key="$tmp/key.pem") ;;
      esac
      for mode in echo handshake; do
        "${pin_server[@]}" "${cmd[@]}" >"$tmp/server.out" 2>"$tmp/server.err" &
        server_pid=$!
        if ! port=$(wait_for 's/^port=\([0-9][0-9]*\)$/\1/p' "$server_pid" "$tmp/server.out"); then
          echo "NOTE	tls: $system did not start: $(tail -1 "$tmp/server.err")" >>"$out"
          stop_server
          continue
        fi
        conns=$TLS_CONNS
        [[ $mode == handshake ]] && conns=$HANDSHAKERS
        tls_flags=()
        ((tls)) && tls_flags=(--tls --ca="$tmp/cert.pem")
        line=$("${pin_load[@]}" "$bin/run" tls_load --port="$port" --mode=$mode \
          "${tls_flags[@]}" --connections="$conns" --duration="$DURATION" \
          --warmup=1 --server_pid="$server_pid" 2>"$tmp/load.err" || true)
        stop_server
        if [[ -z "$line" ]]; then
          echo "NOTE	tls: load against $system failed: $(tail -1 "$tmp/load.err")" >>"$out"
          continue
        fi
        ops=$(sed -n 's/.*ops_per_sec=\([0-9.]*\).*/\1/p' <<<"$line")
        errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$line")
        scpu=$(sed -n 's/.*server_cpu=\([-0-9.]*\).*/\1/p' <<<"$line")
        lcpu=$(sed -n 's/.*load_cpu=\([-0-9.]*\).*/\1/p' <<<"$line")
        echo "tls system=$system tls=$tls mode=$mode round=$round ops_per_sec=$ops server_cpu=$scpu load_cpu=$lcpu errors=$errors" | tee -a "$out" >&2
      done
    done
  done
done
