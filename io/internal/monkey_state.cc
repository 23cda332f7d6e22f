// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/internal/monkey_state.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "gevent/backends/backend.h"
#include "gevent/hub/internal/timer_heap.h"

namespace gevent::monkey::internal {

std::atomic<bool> g_patched{false};
std::atomic<bool> g_forked_child{false};

namespace {

template <typename F>
void Resolve(F*& slot, const char* name) {
  slot = reinterpret_cast<F*>(dlsym(RTLD_NEXT, name));
  if (slot == nullptr) {
    std::fprintf(stderr, "gevent::monkey: libc has no '%s' (dlsym: %s)\n", name,
                 dlerror());
    std::abort();
  }
}

Libc ResolveAll() {
  Libc l{};
#define GEVENT_RESOLVE(name) Resolve(l.name, #name)
  GEVENT_RESOLVE(read);
  GEVENT_RESOLVE(write);
  GEVENT_RESOLVE(readv);
  GEVENT_RESOLVE(writev);
  GEVENT_RESOLVE(recv);
  GEVENT_RESOLVE(recvfrom);
  GEVENT_RESOLVE(recvmsg);
  GEVENT_RESOLVE(send);
  GEVENT_RESOLVE(sendto);
  GEVENT_RESOLVE(sendmsg);
  GEVENT_RESOLVE(connect);
  GEVENT_RESOLVE(accept);
  GEVENT_RESOLVE(accept4);
  GEVENT_RESOLVE(socket);
  GEVENT_RESOLVE(socketpair);
  GEVENT_RESOLVE(close);
  GEVENT_RESOLVE(dup);
  GEVENT_RESOLVE(dup2);
  GEVENT_RESOLVE(dup3);
  GEVENT_RESOLVE(fcntl);
  GEVENT_RESOLVE(fcntl64);
  GEVENT_RESOLVE(ioctl);
  GEVENT_RESOLVE(setsockopt);
  GEVENT_RESOLVE(poll);
  GEVENT_RESOLVE(ppoll);
  GEVENT_RESOLVE(select);
  GEVENT_RESOLVE(epoll_wait);
  GEVENT_RESOLVE(sleep);
  GEVENT_RESOLVE(usleep);
  GEVENT_RESOLVE(nanosleep);
  GEVENT_RESOLVE(clock_nanosleep);
  GEVENT_RESOLVE(getaddrinfo);
#undef GEVENT_RESOLVE
  return l;
}

// Two levels, allocated as fds appear: 4096 chunks of 4096 fds covers any
// RLIMIT_NOFILE Linux allows by default (a few beyond are left alone).
constexpr int kChunkBits = 12;
constexpr int kChunkSize = 1 << kChunkBits;
constexpr int kChunks = 4096;
std::atomic<std::atomic<uint8_t>*> g_chunks[kChunks];

std::atomic<uint8_t>* Slot(int fd, bool create) {
  if (fd < 0 || fd >= kChunkSize * kChunks) return nullptr;
  std::atomic<std::atomic<uint8_t>*>& chunk = g_chunks[fd >> kChunkBits];
  std::atomic<uint8_t>* c = chunk.load(std::memory_order_acquire);
  if (c == nullptr) {
    if (!create) return nullptr;
    auto* fresh = new std::atomic<uint8_t>[kChunkSize]();
    if (chunk.compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) {
      c = fresh;
    } else {
      delete[] fresh;  // another thread won
    }
  }
  return &c[fd & (kChunkSize - 1)];
}

bool HasTimeout(int fd, int option) {
  timeval tv{};
  socklen_t len = sizeof(tv);
  return getsockopt(fd, SOL_SOCKET, option, &tv, &len) == 0 &&
         (tv.tv_sec != 0 || tv.tv_usec != 0);
}

bool IsStream(int fd) {
  int type = 0;
  socklen_t len = sizeof(type);
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
         type == SOCK_STREAM;
}

}  // namespace

const Libc& libc() {
  static const Libc l = ResolveAll();
  return l;
}

uint8_t FdState(int fd) {
  std::atomic<uint8_t>* s = Slot(fd, false);
  return s == nullptr ? 0 : s->load(std::memory_order_relaxed);
}

void SetFdState(int fd, uint8_t bits) {
  if (std::atomic<uint8_t>* s = Slot(fd, bits != 0)) {
    s->store(bits, std::memory_order_relaxed);
  }
}

uint8_t ClassifyFd(int fd) {
  uint8_t bits = FdState(fd);
  if (bits != 0) return bits;
  struct stat st;
  if (fstat(fd, &st) != 0) return 0;
  const int flags = libc().fcntl(fd, F_GETFL);
  if (flags < 0) return 0;
  const mode_t type = st.st_mode & S_IFMT;
  if (flags & O_NONBLOCK) {
    bits = kKnown | kUserNonblock;
    if (type == S_IFSOCK) bits |= kSocket | (IsStream(fd) ? kStream : 0);
  } else if (type == S_IFSOCK) {
    if (libc().fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return 0;
    bits = kKnown | kSocket;
    if (HasTimeout(fd, SO_RCVTIMEO)) bits |= kRcvTimeo;
    if (HasTimeout(fd, SO_SNDTIMEO)) bits |= kSndTimeo;
    if (IsStream(fd)) bits |= kStream;
  } else if (type == S_IFIFO || type == S_IFCHR || type == 0) {
    // Pipes, terminals and anonymous inodes (eventfd, timerfd, signalfd,
    // epoll): pollable, maybe shared with another process, so their flags
    // stay as they are.
    bits = kKnown | kPollFirst;
  } else {
    bits = kKnown;  // a regular file or a directory: always "ready"
  }
  SetFdState(fd, bits);
  return bits;
}

int64_t NowNs() { return gevent::internal::MonotonicNowNs(); }

int64_t SocketDeadline(int fd, uint8_t bits, bool read_side) {
  if (!(bits & (read_side ? kRcvTimeo : kSndTimeo))) return -1;
  timeval tv{};
  socklen_t len = sizeof(tv);
  if (getsockopt(fd, SOL_SOCKET, read_side ? SO_RCVTIMEO : SO_SNDTIMEO, &tv,
                 &len) != 0 ||
      (tv.tv_sec == 0 && tv.tv_usec == 0)) {
    return -1;
  }
  return NowNs() + tv.tv_sec * 1'000'000'000LL + tv.tv_usec * 1000LL;
}

int WaitFd(int fd, bool read_side, int64_t deadline_ns, bool in_greenlet,
           bool drained) {
  if (!in_greenlet) {
    int timeout_ms = -1;
    if (deadline_ns >= 0) {
      const int64_t left = deadline_ns - NowNs();
      if (left <= 0) return -ETIMEDOUT;
      // Round up: waking early would only poll again.
      timeout_ms = static_cast<int>(
          std::min<int64_t>((left + 999'999) / 1'000'000, 1 << 30));
    }
    pollfd p{fd, static_cast<short>(read_side ? POLLIN : POLLOUT), 0};
    const int n = libc().poll(&p, 1, timeout_ms);
    if (n < 0) return -errno;
    if (n == 0) return -ETIMEDOUT;
    if (p.revents & POLLNVAL) return -EBADF;
    return 0;
  }
  IoOp op;
  op.kind = read_side ? IoOp::Kind::kWaitReadable : IoOp::Kind::kWaitWritable;
  op.fd = fd;
  op.drained = drained;
  Hub& hub = Hub::current();
  const int64_t r = hub.Io(op, deadline_ns);
  if (r != -EBUSY) return static_cast<int>(std::min<int64_t>(r, 0));
  // Another greenlet already waits on this fd in this direction (two
  // greenlets accepting on one listener, say): the hub takes one waiter per
  // side, so this one looks again a little later.
  int64_t pause = 2'000'000;
  if (deadline_ns >= 0) pause = std::min(pause, deadline_ns - NowNs());
  if (pause <= 0) return -ETIMEDOUT;
  gevent::sleep(absl::Nanoseconds(pause));
  return 0;
}

}  // namespace gevent::monkey::internal
