// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The interposed data calls: read, write, readv, writev, recv*, send*,
// connect, accept, accept4 (and glibc's _FORTIFY_SOURCE variants). Each is
// libc's own call, made non-blocking; only the waiting in between changes.

#undef _FORTIFY_SOURCE  // these files define read() etc.: no inline wrappers

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "gevent/backends/backend.h"
#include "gevent/hub/hub.h"
#include "gevent/io/internal/monkey_state.h"

using gevent::monkey::internal::ClassifyFd;
using gevent::monkey::internal::CooperativeSocket;
using gevent::monkey::internal::FdState;
using gevent::monkey::internal::InGreenlet;
using gevent::monkey::internal::kKnown;
using gevent::monkey::internal::kPollFirst;
using gevent::monkey::internal::kSocket;
using gevent::monkey::internal::kStream;
using gevent::monkey::internal::kUserNonblock;
using gevent::monkey::internal::libc;
using gevent::monkey::internal::NowNs;
using gevent::monkey::internal::Patched;
using gevent::monkey::internal::SetFdState;
using gevent::monkey::internal::SocketDeadline;
using gevent::monkey::internal::WaitFd;

extern "C" void __chk_fail(void) __attribute__((__noreturn__));

namespace {

enum class Mode { kNative, kSocket, kPollFirst };

struct Route {
  Mode mode = Mode::kNative;
  uint8_t bits = 0;
  bool in_greenlet = false;
};

// How a call on `fd` goes: as libc (not patched, or a fd the caller made
// non-blocking, or a regular file), by retrying a blocking caller's socket
// around readiness waits, or, in a greenlet, by waiting for a pipe or terminal
// before libc's call.
inline Route RouteFor(int fd) {
  if (!Patched()) return {};
  const bool in_greenlet = InGreenlet();
  const uint8_t bits = in_greenlet ? ClassifyFd(fd) : FdState(fd);
  if (CooperativeSocket(bits)) return {Mode::kSocket, bits, in_greenlet};
  if (in_greenlet && (bits & kPollFirst)) {
    return {Mode::kPollFirst, bits, true};
  }
  return {};
}

// Waits for a pipe or terminal before libc's blocking call. False (errno
// set) if the fd was closed meanwhile.
bool WaitFirst(int fd, bool read_side) {
  const int w = WaitFd(fd, read_side, -1, /*in_greenlet=*/true,
                       /*drained=*/false);
  if (w == -EBADF) {
    errno = EBADF;
    return false;
  }
  return true;  // any other trouble: libc's call will say what it is
}

// The result of a wait that ends a call: EAGAIN for a timeout (what a blocking
// socket's SO_RCVTIMEO / SO_SNDTIMEO give), else the wait's errno.
ssize_t WaitFailed(int w, int timeout_errno = EAGAIN) {
  errno = w == -ETIMEDOUT ? timeout_errno : -w;
  return -1;
}

// Calls `attempt` (libc's call, which does not block) until it does not say
// EAGAIN, waiting for readiness in between, up to the socket's timeout.
template <typename F>
ssize_t Retry(int fd, const Route& route, bool read_side, F attempt) {
  const int saved = errno;
  int64_t deadline = -2;  // looked up on the first wait
  for (;;) {
    const ssize_t r = attempt();
    if (r >= 0) {
      errno = saved;
      return r;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) return r;
    if (deadline == -2) deadline = SocketDeadline(fd, route.bits, read_side);
    const int w =
        WaitFd(fd, read_side, deadline, route.in_greenlet, /*drained=*/true);
    if (w != 0) return WaitFailed(w);
  }
}

// A receive into `buf` on a blocking caller's socket, in a greenlet, as one
// hub operation: a real recv on io_uring; on readiness backends the same
// try-then-wait as Retry, minus an EAGAIN the backend knows it would get.
// The result is the syscall's, with errno; SO_RCVTIMEO gives EAGAIN.
ssize_t HubRecv(int fd, const Route& route, void* buf, size_t n, int flags) {
  const int saved = errno;
  const int64_t deadline = SocketDeadline(fd, route.bits, true);
  gevent::IoOp op;
  op.kind = gevent::IoOp::Kind::kRecv;
  op.fd = fd;
  op.buf = buf;
  op.len = n;
  op.flags = flags;
  op.stream = (route.bits & kStream) != 0;
  const int64_t r = gevent::Hub::current().Io(op, deadline);
  if (r >= 0) {
    errno = saved;
    return static_cast<ssize_t>(r);
  }
  if (r == -EBUSY) {  // another greenlet reads it: take turns (WaitFd)
    return Retry(fd, route, true,
                 [&] { return libc().recv(fd, buf, n, flags); });
  }
  return WaitFailed(static_cast<int>(r));
}

// A blocking stream socket moves every byte before returning, unless an
// error or the timeout comes first (then it returns what it moved, if any).
// `attempt(done)` transfers from offset `done`. A datagram socket (or a read
// that needs not fill its buffer) returns after one transfer.
template <typename F>
ssize_t RetryAll(int fd, const Route& route, bool read_side, size_t total,
                 F attempt) {
  const int saved = errno;
  int64_t deadline = -2;
  size_t done = 0;
  for (;;) {
    const ssize_t r = attempt(done);
    if (r > 0) done += static_cast<size_t>(r);
    if (r >= 0 && (done >= total || r == 0 || !(route.bits & kStream))) {
      errno = saved;
      return static_cast<ssize_t>(done);
    }
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return done > 0 ? static_cast<ssize_t>(done) : r;
    }
    if (deadline == -2) deadline = SocketDeadline(fd, route.bits, read_side);
    const int w =
        WaitFd(fd, read_side, deadline, route.in_greenlet, /*drained=*/true);
    if (w != 0) return done > 0 ? static_cast<ssize_t>(done) : WaitFailed(w);
  }
}

// `iov` without its first `skip` bytes, in `out`.
const iovec* Advance(const iovec* iov, int n, size_t skip, int* out_n,
                     std::vector<iovec>& out) {
  if (skip == 0) {
    *out_n = n;
    return iov;
  }
  out.clear();
  for (int i = 0; i < n; ++i) {
    if (skip >= iov[i].iov_len) {
      skip -= iov[i].iov_len;
      continue;
    }
    out.push_back(
        {static_cast<char*>(iov[i].iov_base) + skip, iov[i].iov_len - skip});
    skip = 0;
  }
  *out_n = static_cast<int>(out.size());
  return out.data();
}

size_t TotalLength(const iovec* iov, int n) {
  size_t total = 0;
  for (int i = 0; iov != nullptr && i < n; ++i) total += iov[i].iov_len;
  return total;
}

// A new fd from accept/accept4: what we know of it (the listener's kind; a
// blocking one is looked at on first use).
void NoteAccepted(int fd, uint8_t listener_bits, int flags) {
  if (fd < 0 || !Patched()) return;
  SetFdState(fd, (flags & SOCK_NONBLOCK)
                     ? static_cast<uint8_t>(kKnown | kSocket | kUserNonblock |
                                            (listener_bits & kStream))
                     : 0);
}

ssize_t ReadHook(int fd, void* buf, size_t n) {
  const Route route = RouteFor(fd);
  switch (route.mode) {
    case Mode::kSocket:
      if (route.in_greenlet) return HubRecv(fd, route, buf, n, 0);
      return Retry(fd, route, true, [&] { return libc().read(fd, buf, n); });
    case Mode::kPollFirst:
      if (!WaitFirst(fd, true)) return -1;
      [[fallthrough]];
    case Mode::kNative:
      break;
  }
  return libc().read(fd, buf, n);
}

ssize_t RecvHook(int fd, void* buf, size_t n, int flags) {
  const Route route = RouteFor(fd);
  if (route.mode == Mode::kSocket && !(flags & MSG_DONTWAIT)) {
    if ((flags & MSG_WAITALL) && !(flags & MSG_PEEK)) {
      return RetryAll(fd, route, true, n, [&](size_t done) {
        return libc().recv(fd, static_cast<char*>(buf) + done, n - done,
                           flags & ~MSG_WAITALL);
      });
    }
    if (route.in_greenlet) return HubRecv(fd, route, buf, n, flags);
    return Retry(fd, route, true,
                 [&] { return libc().recv(fd, buf, n, flags); });
  }
  return libc().recv(fd, buf, n, flags);
}

ssize_t RecvfromHook(int fd, void* buf, size_t n, int flags, sockaddr* addr,
                     socklen_t* addrlen) {
  const Route route = RouteFor(fd);
  if (route.mode == Mode::kSocket && !(flags & MSG_DONTWAIT)) {
    return Retry(fd, route, true, [&] {
      return libc().recvfrom(fd, buf, n, flags, addr, addrlen);
    });
  }
  return libc().recvfrom(fd, buf, n, flags, addr, addrlen);
}

}  // namespace

extern "C" {

ssize_t read(int fd, void* buf, size_t n) { return ReadHook(fd, buf, n); }

ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  if (n > buflen) __chk_fail();
  return ReadHook(fd, buf, n);
}

ssize_t write(int fd, const void* buf, size_t n) {
  const Route route = RouteFor(fd);
  switch (route.mode) {
    case Mode::kSocket:
      return RetryAll(fd, route, false, n, [&](size_t done) {
        return libc().write(fd, static_cast<const char*>(buf) + done, n - done);
      });
    case Mode::kPollFirst:
      if (!WaitFirst(fd, false)) return -1;
      [[fallthrough]];
    case Mode::kNative:
      break;
  }
  return libc().write(fd, buf, n);
}

ssize_t readv(int fd, const iovec* iov, int n) {
  const Route route = RouteFor(fd);
  switch (route.mode) {
    case Mode::kSocket:
      return Retry(fd, route, true, [&] { return libc().readv(fd, iov, n); });
    case Mode::kPollFirst:
      if (!WaitFirst(fd, true)) return -1;
      [[fallthrough]];
    case Mode::kNative:
      break;
  }
  return libc().readv(fd, iov, n);
}

ssize_t writev(int fd, const iovec* iov, int n) {
  const Route route = RouteFor(fd);
  switch (route.mode) {
    case Mode::kSocket: {
      std::vector<iovec> rest;
      return RetryAll(fd, route, false, TotalLength(iov, n), [&](size_t done) {
        int m = 0;
        const iovec* v = Advance(iov, n, done, &m, rest);
        return libc().writev(fd, v, m);
      });
    }
    case Mode::kPollFirst:
      if (!WaitFirst(fd, false)) return -1;
      [[fallthrough]];
    case Mode::kNative:
      break;
  }
  return libc().writev(fd, iov, n);
}

ssize_t recv(int fd, void* buf, size_t n, int flags) {
  return RecvHook(fd, buf, n, flags);
}

ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
  if (n > buflen) __chk_fail();
  return RecvHook(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void* __restrict buf, size_t n, int flags,
                 sockaddr* __restrict addr, socklen_t* __restrict addrlen) {
  return RecvfromHook(fd, buf, n, flags, addr, addrlen);
}

ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags,
                       sockaddr* addr, socklen_t* addrlen) {
  if (n > buflen) __chk_fail();
  return RecvfromHook(fd, buf, n, flags, addr, addrlen);
}

ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  const Route route = RouteFor(fd);
  if (route.mode == Mode::kSocket && !(flags & MSG_DONTWAIT)) {
    return Retry(fd, route, true,
                 [&] { return libc().recvmsg(fd, msg, flags); });
  }
  return libc().recvmsg(fd, msg, flags);
}

ssize_t send(int fd, const void* buf, size_t n, int flags) {
  const Route route = RouteFor(fd);
  if (route.mode == Mode::kSocket && !(flags & MSG_DONTWAIT)) {
    return RetryAll(fd, route, false, n, [&](size_t done) {
      return libc().send(fd, static_cast<const char*>(buf) + done, n - done,
                         flags);
    });
  }
  return libc().send(fd, buf, n, flags);
}

ssize_t sendto(int fd, const void* buf, size_t n, int flags,
               const sockaddr* addr, socklen_t addrlen) {
  const Route route = RouteFor(fd);
  if (route.mode == Mode::kSocket && !(flags & MSG_DONTWAIT)) {
    return RetryAll(fd, route, false, n, [&](size_t done) {
      return libc().sendto(fd, static_cast<const char*>(buf) + done, n - done,
                           flags, addr, addrlen);
    });
  }
  return libc().sendto(fd, buf, n, flags, addr, addrlen);
}

ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  const Route route = RouteFor(fd);
  if (route.mode == Mode::kSocket && !(flags & MSG_DONTWAIT) &&
      msg != nullptr) {
    std::vector<iovec> rest;
    return RetryAll(fd, route, false,
                    TotalLength(msg->msg_iov, msg->msg_iovlen),
                    [&](size_t done) {
                      if (done == 0) return libc().sendmsg(fd, msg, flags);
                      // The rest of the bytes; ancillary data went with the
                      // first part.
                      msghdr m = *msg;
                      int iovlen = 0;
                      m.msg_iov = const_cast<iovec*>(Advance(
                          msg->msg_iov, static_cast<int>(msg->msg_iovlen), done,
                          &iovlen, rest));
                      m.msg_iovlen = static_cast<size_t>(iovlen);
                      m.msg_control = nullptr;
                      m.msg_controllen = 0;
                      return libc().sendmsg(fd, &m, flags);
                    });
  }
  return libc().sendmsg(fd, msg, flags);
}

int connect(int fd, const sockaddr* addr, socklen_t len) {
  const Route route = RouteFor(fd);
  if (route.mode != Mode::kSocket) return libc().connect(fd, addr, len);
  const int saved = errno;
  int64_t deadline = -2;
  for (;;) {
    if (libc().connect(fd, addr, len) == 0) {
      errno = saved;
      return 0;
    }
    if (deadline == -2) deadline = SocketDeadline(fd, route.bits, false);
    if (errno == EAGAIN) {
      // A Unix socket whose listener's backlog is full: a blocking connect
      // waits for room, which poll cannot tell us about. Look again shortly.
      if (deadline >= 0 && NowNs() >= deadline) return -1;
      if (route.in_greenlet) {
        gevent::sleep(absl::Milliseconds(1));
      } else {
        libc().poll(nullptr, 0, 1);
      }
      continue;
    }
    if (errno != EINPROGRESS) return -1;
    for (;;) {
      const int w = WaitFd(fd, false, deadline, route.in_greenlet, true);
      if (w != 0) return static_cast<int>(WaitFailed(w, EINPROGRESS));
      // Ask connect itself how it went, rather than SO_ERROR: on failure the
      // kernel then resets the socket as after a failed blocking connect
      // (recv says ENOTCONN, not EOF).
      if (libc().connect(fd, addr, len) == 0 || errno == EISCONN) {
        errno = saved;
        return 0;
      }
      if (errno != EALREADY && errno != EINPROGRESS) return -1;
    }
  }
}

int accept(int fd, sockaddr* __restrict addr, socklen_t* __restrict len) {
  const Route route = RouteFor(fd);
  int r;
  if (route.mode == Mode::kSocket) {
    r = static_cast<int>(
        Retry(fd, route, true, [&] { return libc().accept(fd, addr, len); }));
  } else {
    r = libc().accept(fd, addr, len);
  }
  NoteAccepted(r, route.bits != 0 ? route.bits : FdState(fd), 0);
  return r;
}

int accept4(int fd, sockaddr* __restrict addr, socklen_t* __restrict len,
            int flags) {
  const Route route = RouteFor(fd);
  int r;
  if (route.mode == Mode::kSocket) {
    r = static_cast<int>(Retry(
        fd, route, true, [&] { return libc().accept4(fd, addr, len, flags); }));
  } else {
    r = libc().accept4(fd, addr, len, flags);
  }
  NoteAccepted(r, route.bits != 0 ? route.bits : FdState(fd), flags);
  return r;
}

}  // extern "C"
