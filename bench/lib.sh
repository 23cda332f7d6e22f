# Shared by the bench/*.sh scripts (sourced, not run): installing peers,
# pinning, notes, and where the binaries are.
#
# BIN: a directory of prebuilt binaries (bench/build_bins.sh makes one, with
# their shared libraries beside them, to copy to another machine); empty means
# build them here with bazel first.

PYTHON=/usr/bin/python3 # Debian's, where python3-gevent installs
export GOCACHE="${GOCACHE:-${TMPDIR:-/tmp}/gevent-cpp-gocache}" GO111MODULE=off

# apt-get installs package $1 when we are root and it is missing; 1 otherwise.
install_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    echo "bench: installing $1" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$1" >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "$1" >&2; }
  else
    return 1
  fi
}

have_go() { command -v go >/dev/null || install_as_root golang-go; }
have_python_gevent() {
  "$PYTHON" -c 'import gevent' 2>/dev/null || install_as_root python3-gevent
}

# Builds bench/go/$1.go into $2 (quietly; 1 and the log on failure).
build_go() {
  local log
  log=$(go build -o "$2" "bench/go/$1.go" 2>&1) || {
    echo "$log" >&2
    return 1
  }
}

# Server on CPU 0, load on CPU 1, so that neither steals the other's core.
pin_server=()
pin_load=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0)
  pin_load=(taskset -c 1)
  pinning="servers pinned to CPU 0 and clients to CPU 1 (taskset)"
else
  pinning="unpinned (needs taskset and 2 CPUs)"
fi

# Lets this shell (and what it starts) open $1 files: raises the soft limit,
# and the hard one too where we may. 1, with a message, where it cannot.
raise_fd_limit() {
  local need=$1 hard
  [[ $(ulimit -Sn) == unlimited ]] && return 0
  (($(ulimit -Sn) >= need)) && return 0
  hard=$(ulimit -Hn)
  if [[ $hard == unlimited ]] || ((hard >= need)); then
    ulimit -Sn "$need"
  elif ! ulimit -n "$need" 2>/dev/null; then
    echo "bench: ulimit -n is $hard; $need open files are needed" >&2
    return 1
  fi
}

# wait_for SED_EXPR PID FILE...: the first value SED_EXPR prints from the
# files, waiting up to 10 s while process PID lives (a server's port line).
# Status 1 if none came.
wait_for() {
  local expr=$1 pid=$2 v
  shift 2
  for _ in $(seq 100); do
    v=$(sed -n "$expr" "$@" 2>/dev/null | head -1)
    [[ -n "$v" ]] && { echo "$v"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

machine_line() {
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs, $(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1048576)) GiB, Linux $(uname -r)"
}
