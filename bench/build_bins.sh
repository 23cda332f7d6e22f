#!/usr/bin/env bash
# Builds the benchmark binaries (bazel -c opt) and copies them into one
# directory with the shared libraries they need beside them (lib/), so that
# the directory can be copied to another Linux machine, a bigger one for the
# multi-core runs, and run there with nothing installed:
#
#   bench/build_bins.sh /tmp/gevent-bench-bin
#   scp -r /tmp/gevent-bench-bin big:
#   ssh big gevent-bench-bin/multicore.sh gevent-bench-bin out.raw 1 2 4 8 16
#
# `DIR/run NAME ARGS` runs bench binary NAME with lib/ on its library path.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${1:?usage: bench/build_bins.sh DIR}
targets=(//bench:echo_load //bench:epoll_echo_server //bench:asio_echo_server
  //bench:gevent_echo_server_epoll //bench:gevent_echo_server_libevent
  //bench:gevent_echo_server_uring //bench:micro_epoll //bench:tls_load
  //examples/downloader //examples/http_server)
log=$(mktemp)
if ! ./bazelw build -c opt "${targets[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
bazel_bin=$(./bazelw info -c opt bazel-bin 2>/dev/null)
mkdir -p "$dir/lib"
for t in "${targets[@]}"; do
  path=${t#//}
  pkg=${path%%:*}
  name=${path##*:}
  [[ $path == *:* ]] || name=${pkg##*/}
  cp -f "$bazel_bin/$pkg/$name" "$dir/"
  # Libraries not from glibc itself travel along.
  ldd "$dir/$name" | awk '$3 ~ /^\// {print $3}' |
    grep -vE '/(libc|libm|libdl|libpthread|librt|ld-linux[^/]*)\.so' |
    while read -r lib; do cp -fL "$lib" "$dir/lib/"; done
done
# Go's peers, static (no cgo), when go is installed.
if command -v go >/dev/null; then
  for g in echo_server micro downloader; do
    [[ -f bench/go/$g.go ]] || continue
    GOCACHE="${GOCACHE:-${TMPDIR:-/tmp}/gevent-cpp-gocache}" GO111MODULE=off \
      CGO_ENABLED=0 go build -o "$dir/go_$g" "bench/go/$g.go"
  done
fi
# The multi-core run needs nothing else on the other machine.
cp -f bench/multicore.sh bench/lib.sh "$dir/"
cat >"$dir/run" <<'RUN'
#!/usr/bin/env bash
# run NAME ARGS: one of the binaries here, with lib/ on the library path.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=$1
shift
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/$name" "$@"
RUN
chmod +x "$dir/run"
echo "bench binaries in $dir" >&2
