// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// monkey_state.h (internal)
//
// What the interposed libc calls (monkey_*.cc) share: whether patch_all() ran,
// whether the caller is a greenlet, libc's own functions, and what we know of
// each fd.
//
// A socket a greenlet uses in blocking mode is switched to O_NONBLOCK for
// real, and the fd table remembers that the caller still believes it blocks
// (fcntl and ioctl report and record the caller's view). Calls on it park the
// greenlet until the fd is ready; outside greenlets they wait in poll(2), so
// they still block as the caller expects. Other pollable fds the process did
// not make (pipes, terminals, eventfds) keep their flags: a greenlet waits for
// readiness through the hub, then makes the blocking call.

#ifndef GEVENT_IO_INTERNAL_MONKEY_STATE_H_
#define GEVENT_IO_INTERNAL_MONKEY_STATE_H_

#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <atomic>
#include <cstdint>

#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/hub.h"

namespace gevent::monkey::internal {

extern std::atomic<bool> g_patched;
// Set in the child of a fork(): its hub shares the parent's epoll or io_uring
// instance and must not be used, so nothing there is a greenlet.
extern std::atomic<bool> g_forked_child;

inline bool Patched() { return g_patched.load(std::memory_order_relaxed); }

// A greenlet of this thread's hub (or the thread's main context once it has a
// hub), not the hub's loop itself, and patch_all() ran. A thread with no hub
// has nothing to cooperate with: libc's behaviour is right there.
inline bool InGreenlet() {
  if (!Patched() || gevent::internal::tls_hub == nullptr ||
      g_forked_child.load(std::memory_order_relaxed)) {
    return false;
  }
  const auto* r = static_cast<const gevent::internal::Record*>(
      RawGreenlet::current()->scheduler_data());
  return r != nullptr && !r->is_hub;
}

// libc's functions (the next definition after ours: libc, or a sanitizer's
// interceptor that calls it).
struct Libc {
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*writev)(int, const iovec*, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*recvmsg)(int, msghdr*, int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*socket)(int, int, int);
  int (*socketpair)(int, int, int, int*);
  int (*close)(int);
  int (*dup)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*fcntl)(int, int, ...);
  int (*fcntl64)(int, int, ...);
  int (*ioctl)(int, unsigned long, ...);  // NOLINT(runtime/int): libc's type
  int (*setsockopt)(int, int, int, const void*, socklen_t);
  int (*poll)(pollfd*, nfds_t, int);
  int (*ppoll)(pollfd*, nfds_t, const timespec*, const sigset_t*);
  int (*select)(int, fd_set*, fd_set*, fd_set*, timeval*);
  int (*epoll_wait)(int, epoll_event*, int, int);
  unsigned (*sleep)(unsigned);
  int (*usleep)(useconds_t);
  int (*nanosleep)(const timespec*, timespec*);
  int (*clock_nanosleep)(clockid_t, int, const timespec*, timespec*);
  int (*getaddrinfo)(const char*, const char*, const addrinfo*, addrinfo**);
};

// Resolved once, on first use (dlsym(RTLD_NEXT)); aborts with a message if
// one is missing.
const Libc& libc();

// --- the fd table ---

enum FdBits : uint8_t {
  kKnown = 1,         // looked at; 0 means "look at it on next use"
  kSocket = 2,        // a socket whose real O_NONBLOCK we keep set
  kUserNonblock = 4,  // the caller's view is non-blocking: leave it alone
  kRcvTimeo = 8,      // the caller set SO_RCVTIMEO
  kSndTimeo = 16,     // the caller set SO_SNDTIMEO
  kPollFirst = 32,    // pollable, flags left alone: wait, then the call
  kStream = 64,       // a stream socket: a blocking send moves every byte
};

// The bits for `fd` (0 for one never seen, or out of range).
uint8_t FdState(int fd);
void SetFdState(int fd, uint8_t bits);

// The bits for `fd`, looking at it first (fstat, F_GETFL) if it is new; a
// blocking socket becomes non-blocking for real here. 0 if it is not open.
uint8_t ClassifyFd(int fd);

// A blocking caller's socket: calls on it must wait for readiness.
inline bool CooperativeSocket(uint8_t bits) {
  return (bits & (kSocket | kUserNonblock)) == kSocket;
}

// --- waiting ---

// Waits until `fd` is readable (`read_side`) or writable: through the hub in
// a greenlet, in poll(2) otherwise. `deadline_ns` is CLOCK_MONOTONIC, -1 for
// none. 0 when ready (or worth another try); -ETIMEDOUT; -EBADF if the fd was
// closed meanwhile; -EINTR when a signal interrupted poll(2). `drained`: the
// caller has just seen EAGAIN.
int WaitFd(int fd, bool read_side, int64_t deadline_ns, bool in_greenlet,
           bool drained);

// The deadline for the caller's SO_RCVTIMEO / SO_SNDTIMEO on `fd`, if `bits`
// says one is set; -1 for none.
int64_t SocketDeadline(int fd, uint8_t bits, bool read_side);

// Monotonic nanoseconds, the hub's clock.
int64_t NowNs();

}  // namespace gevent::monkey::internal

#endif  // GEVENT_IO_INTERNAL_MONKEY_STATE_H_
