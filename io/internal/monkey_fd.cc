// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The interposed fd bookkeeping calls: socket, socketpair, close, dup, dup2,
// dup3, fcntl, ioctl and setsockopt. They keep the fd table right (a new fd
// starts clean; a dup shares its original's file, hence its flags), keep the
// caller's view of O_NONBLOCK on sockets we made non-blocking, and wake
// greenlets waiting on an fd that is closed.

#undef _FORTIFY_SOURCE

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdint>

#include "gevent/hub/hub.h"
#include "gevent/io/internal/monkey_state.h"

using gevent::monkey::internal::ClassifyFd;
using gevent::monkey::internal::CooperativeSocket;
using gevent::monkey::internal::FdState;
using gevent::monkey::internal::InGreenlet;
using gevent::monkey::internal::kKnown;
using gevent::monkey::internal::kRcvTimeo;
using gevent::monkey::internal::kSndTimeo;
using gevent::monkey::internal::kSocket;
using gevent::monkey::internal::kStream;
using gevent::monkey::internal::kUserNonblock;
using gevent::monkey::internal::libc;
using gevent::monkey::internal::Patched;
using gevent::monkey::internal::SetFdState;

namespace {

// A socket just made with `type` (which may carry SOCK_NONBLOCK): a blocking
// one is looked at when a greenlet first uses it.
uint8_t NewSocketBits(int type) {
  if (!(type & SOCK_NONBLOCK)) return 0;
  return kKnown | kSocket | kUserNonblock |
         ((type & 0xf) == SOCK_STREAM ? kStream : 0);
}

// `fd` now names another file (closed, or replaced by dup2): the hub of this
// thread wakes whoever waits on it and forgets it.
void Forget(int fd) {
  SetFdState(fd, 0);
  if (InGreenlet()) gevent::Hub::current().CloseFd(fd);
}

// What a duplicate of `fd` shares with it. The two name one open file, and
// O_NONBLOCK belongs to the file: in a greenlet a blocking socket is switched
// now, so that both fds agree on what the caller set. Elsewhere (a plain
// thread, a forked child about to exec) the file is left as it is.
uint8_t SharedBits(int fd) {
  if (!Patched()) return 0;
  return InGreenlet() ? ClassifyFd(fd) : FdState(fd);
}

using FcntlFn = int (*)(int, int, ...);

int Fcntl(FcntlFn real, int fd, int cmd, void* arg) {
  if (!Patched()) return real(fd, cmd, arg);
  switch (cmd) {
    case F_GETFL: {
      const int flags = real(fd, F_GETFL);
      const uint8_t bits = FdState(fd);
      if (flags < 0 || !CooperativeSocket(bits)) return flags;
      if (!(flags & O_NONBLOCK)) {
        // Not the file we made non-blocking (its fd was closed behind our
        // back, by fclose say): start over.
        SetFdState(fd, 0);
        return flags;
      }
      return flags & ~O_NONBLOCK;  // the caller's view
    }
    case F_SETFL: {
      const int flags = static_cast<int>(reinterpret_cast<intptr_t>(arg));
      const uint8_t bits = FdState(fd);
      if (bits & kSocket) {
        // Keep it non-blocking for real; remember what the caller wants.
        const int r = real(fd, F_SETFL, flags | O_NONBLOCK);
        if (r == 0) {
          SetFdState(fd, static_cast<uint8_t>(
                             (bits & ~kUserNonblock) |
                             ((flags & O_NONBLOCK) ? kUserNonblock : 0)));
        }
        return r;
      }
      const int r = real(fd, F_SETFL, flags);
      if (r == 0) SetFdState(fd, 0);  // look at it again on next use
      return r;
    }
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const uint8_t bits = SharedBits(fd);
      const int r = real(fd, cmd, arg);
      if (r >= 0) SetFdState(r, bits);
      return r;
    }
    default:
      return real(fd, cmd, arg);
  }
}

}  // namespace

extern "C" {

int socket(int domain, int type, int protocol) noexcept {
  const int fd = libc().socket(domain, type, protocol);
  if (fd >= 0 && Patched()) SetFdState(fd, NewSocketBits(type));
  return fd;
}

int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  const int r = libc().socketpair(domain, type, protocol, fds);
  if (r == 0 && Patched()) {
    SetFdState(fds[0], NewSocketBits(type));
    SetFdState(fds[1], NewSocketBits(type));
  }
  return r;
}

int close(int fd) {
  if (Patched()) Forget(fd);
  return libc().close(fd);
}

int dup(int fd) noexcept {
  const uint8_t bits = SharedBits(fd);
  const int r = libc().dup(fd);
  if (r >= 0 && Patched()) SetFdState(r, bits);
  return r;
}

int dup2(int fd, int fd2) noexcept {
  const uint8_t bits = SharedBits(fd);
  const int r = libc().dup2(fd, fd2);
  if (r >= 0 && fd != fd2 && Patched()) {
    Forget(fd2);
    SetFdState(fd2, bits);
  }
  return r;
}

int dup3(int fd, int fd2, int flags) noexcept {
  const uint8_t bits = SharedBits(fd);
  const int r = libc().dup3(fd, fd2, flags);
  if (r >= 0 && Patched()) {
    Forget(fd2);
    SetFdState(fd2, bits);
  }
  return r;
}

// fcntl's third argument is an int or a pointer depending on `cmd`; passed on
// as a pointer-sized value, it reaches libc as it came.
int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return Fcntl(libc().fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return Fcntl(libc().fcntl64, fd, cmd, arg);
}

int ioctl(int fd, unsigned long request, ...) noexcept {  // NOLINT(runtime/int)
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (!Patched() || request != FIONBIO || arg == nullptr) {
    return libc().ioctl(fd, request, arg);
  }
  const uint8_t bits = FdState(fd);
  if (!(bits & kSocket)) {
    const int r = libc().ioctl(fd, request, arg);
    if (r == 0) SetFdState(fd, 0);
    return r;
  }
  const bool nonblocking = *static_cast<int*>(arg) != 0;
  int on = 1;
  const int r = libc().ioctl(fd, FIONBIO, &on);
  if (r == 0) {
    SetFdState(fd, static_cast<uint8_t>((bits & ~kUserNonblock) |
                                        (nonblocking ? kUserNonblock : 0)));
  }
  return r;
}

int setsockopt(int fd, int level, int name, const void* value,
               socklen_t len) noexcept {
  const int r = libc().setsockopt(fd, level, name, value, len);
  if (r != 0 || level != SOL_SOCKET || !Patched()) return r;
  const bool rcv = name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW;
  const bool snd = name == SO_SNDTIMEO_OLD || name == SO_SNDTIMEO_NEW;
  const uint8_t bits = FdState(fd);
  if ((!rcv && !snd) || bits == 0) return r;
  // Ask the kernel what it kept rather than decode the caller's struct.
  timeval tv{};
  socklen_t tv_len = sizeof(tv);
  const bool set = getsockopt(fd, SOL_SOCKET, rcv ? SO_RCVTIMEO : SO_SNDTIMEO,
                              &tv, &tv_len) == 0 &&
                   (tv.tv_sec != 0 || tv.tv_usec != 0);
  const uint8_t bit = rcv ? kRcvTimeo : kSndTimeo;
  SetFdState(fd, static_cast<uint8_t>(set ? (bits | bit) : (bits & ~bit)));
  return r;
}

}  // extern "C"
