// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The interposed waiting calls: poll, ppoll, select, epoll_wait and the sleeps.
// In a greenlet each waits through the hub; libc still decides what is ready
// (a zero-timeout call after every wake), so results and revents are libc's.

#undef _FORTIFY_SOURCE

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gevent/hub/hub.h"
#include "gevent/io/internal/monkey_state.h"

using gevent::monkey::internal::InGreenlet;
using gevent::monkey::internal::libc;
using gevent::monkey::internal::NowNs;

extern "C" void __chk_fail(void) __attribute__((__noreturn__));

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

// fd and direction (true: readable).
using Want = std::pair<int, bool>;

// Parks the greenlet until one of `want` may be ready or `deadline_ns`
// passes (-1: never). Spurious wakes are fine: the caller asks libc again.
void WaitAny(const std::vector<Want>& want, int64_t deadline_ns) {
  if (want.empty()) {
    // Nothing to watch, as poll(NULL, 0, t): a plain sleep.
    const int64_t left = deadline_ns < 0
                             ? 3600 * kNsPerSec
                             : std::max<int64_t>(0, deadline_ns - NowNs());
    gevent::sleep(absl::Nanoseconds(left));
    return;
  }
  std::vector<gevent::IoOp> ops(want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ops[i].kind = want[i].second ? gevent::IoOp::Kind::kWaitReadable
                                 : gevent::IoOp::Kind::kWaitWritable;
    ops[i].fd = want[i].first;
    ops[i].drained = true;  // libc has just said none is ready
  }
  std::vector<gevent::IoOp*> ptrs;
  for (gevent::IoOp& op : ops) ptrs.push_back(&op);
  gevent::Hub& hub = gevent::Hub::current();
  hub.IoAny(ptrs.data(), ptrs.size(), deadline_ns);
  // An fd another greenlet already waits on in that direction completes at
  // once with EBUSY: wait on the others, and look again at it soon.
  bool busy = false;
  bool woke = false;
  for (const gevent::IoOp& op : ops) {
    if (op.result == -EBUSY) {
      busy = true;
    } else if (op.result != -ECANCELED && op.result != -ETIMEDOUT) {
      woke = true;
    }
  }
  if (!busy || woke) return;
  int64_t soon = NowNs() + 2'000'000;
  if (deadline_ns >= 0) soon = std::min(soon, deadline_ns);
  ptrs.clear();
  for (gevent::IoOp& op : ops) {
    if (op.result == -EBUSY) continue;
    op = gevent::IoOp{.kind = op.kind, .fd = op.fd, .drained = true};
    ptrs.push_back(&op);
  }
  if (ptrs.empty()) {
    gevent::sleep(absl::Nanoseconds(std::max<int64_t>(0, soon - NowNs())));
  } else {
    hub.IoAny(ptrs.data(), ptrs.size(), soon);
  }
}

int64_t DeadlineFromMs(int timeout_ms) {
  return timeout_ms < 0 ? -1 : NowNs() + int64_t{timeout_ms} * 1'000'000;
}

int64_t DeadlineFromTimespec(const timespec* t) {
  if (t == nullptr) return -1;
  return NowNs() + t->tv_sec * kNsPerSec + t->tv_nsec;
}

bool Expired(int64_t deadline_ns) {
  return deadline_ns >= 0 && NowNs() >= deadline_ns;
}

int CooperativePoll(pollfd* fds, nfds_t n, int64_t deadline_ns) {
  const int saved = errno;
  for (;;) {
    const int ready = libc().poll(fds, n, 0);
    if (ready != 0) return ready;  // some are ready, or an error
    if (Expired(deadline_ns)) {
      errno = saved;
      return 0;
    }
    std::vector<Want> want;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].fd < 0) continue;
      const short ev = fds[i].events;
      const bool out = ev & (POLLOUT | POLLWRNORM | POLLWRBAND);
      // A read-side wait also wakes on hangup and errors, which poll
      // reports even for events == 0.
      if ((ev & ~(POLLOUT | POLLWRNORM | POLLWRBAND)) || !out) {
        want.emplace_back(fds[i].fd, true);
      }
      if (out) want.emplace_back(fds[i].fd, false);
    }
    WaitAny(want, deadline_ns);
  }
}

bool ValidTimespec(const timespec* t) {
  return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < kNsPerSec;
}

int PollHook(pollfd* fds, nfds_t n, int timeout_ms) {
  if (timeout_ms == 0 || !InGreenlet()) return libc().poll(fds, n, timeout_ms);
  return CooperativePoll(fds, n, DeadlineFromMs(timeout_ms));
}

int PpollHook(pollfd* fds, nfds_t n, const timespec* t, const sigset_t* mask) {
  if (!InGreenlet() || (t != nullptr && t->tv_sec == 0 && t->tv_nsec == 0)) {
    return libc().ppoll(fds, n, t, mask);
  }
  if (t != nullptr && !ValidTimespec(t)) {
    errno = EINVAL;
    return -1;
  }
  // The signal mask cannot be swapped in atomically around a park; it is not
  // applied in a greenlet.
  return CooperativePoll(fds, n, DeadlineFromTimespec(t));
}

void SleepNs(int64_t ns) { gevent::sleep(absl::Nanoseconds(ns)); }

}  // namespace

extern "C" {

int poll(pollfd* fds, nfds_t n, int timeout_ms) {
  return PollHook(fds, n, timeout_ms);
}

int __poll_chk(pollfd* fds, nfds_t n, int timeout_ms, size_t fdslen) {
  if (fdslen / sizeof(*fds) < n) __chk_fail();
  return PollHook(fds, n, timeout_ms);
}

int ppoll(pollfd* fds, nfds_t n, const timespec* t, const sigset_t* mask) {
  return PpollHook(fds, n, t, mask);
}

int __ppoll_chk(pollfd* fds, nfds_t n, const timespec* t, const sigset_t* mask,
                size_t fdslen) {
  if (fdslen / sizeof(*fds) < n) __chk_fail();
  return PpollHook(fds, n, t, mask);
}

int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
           timeval* timeout) {
  if (!InGreenlet() ||
      (timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_usec == 0)) {
    return libc().select(nfds, readfds, writefds, exceptfds, timeout);
  }
  if (nfds < 0 || nfds > FD_SETSIZE ||
      (timeout != nullptr && (timeout->tv_sec < 0 || timeout->tv_usec < 0))) {
    errno = EINVAL;
    return -1;
  }
  const int64_t deadline =
      timeout == nullptr
          ? -1
          : NowNs() + timeout->tv_sec * kNsPerSec + timeout->tv_usec * 1000LL;
  const int saved = errno;
  fd_set* sets[3] = {readfds, writefds, exceptfds};
  fd_set given[3];
  for (int s = 0; s < 3; ++s) {
    if (sets[s] != nullptr) given[s] = *sets[s];
  }
  for (;;) {
    timeval zero{0, 0};
    const int ready = libc().select(nfds, readfds, writefds, exceptfds, &zero);
    if (ready != 0 || Expired(deadline)) {
      if (timeout != nullptr) {
        // Linux leaves the time not slept in *timeout.
        const int64_t left =
            ready < 0 ? 0 : std::max<int64_t>(0, deadline - NowNs());
        timeout->tv_sec = left / kNsPerSec;
        timeout->tv_usec = (left % kNsPerSec) / 1000;
      }
      if (ready == 0) errno = saved;
      return ready;  // libc cleared the sets when nothing was ready
    }
    std::vector<Want> want;
    for (int fd = 0; fd < nfds; ++fd) {
      const bool r = (readfds != nullptr && FD_ISSET(fd, &given[0])) ||
                     (exceptfds != nullptr && FD_ISSET(fd, &given[2]));
      const bool w = writefds != nullptr && FD_ISSET(fd, &given[1]);
      if (r) want.emplace_back(fd, true);
      if (w) want.emplace_back(fd, false);
    }
    WaitAny(want, deadline);
    for (int s = 0; s < 3; ++s) {
      if (sets[s] != nullptr) *sets[s] = given[s];
    }
  }
}

int epoll_wait(int epfd, epoll_event* events, int max_events, int timeout_ms) {
  if (timeout_ms == 0 || !InGreenlet()) {
    return libc().epoll_wait(epfd, events, max_events, timeout_ms);
  }
  const int64_t deadline = DeadlineFromMs(timeout_ms);
  const int saved = errno;
  for (;;) {
    // An epoll fd is itself readable when any of its fds is ready.
    const int n = libc().epoll_wait(epfd, events, max_events, 0);
    if (n != 0) return n;
    if (Expired(deadline)) {
      errno = saved;
      return 0;
    }
    WaitAny({{epfd, true}}, deadline);
  }
}

unsigned sleep(unsigned seconds) {
  if (!InGreenlet()) return libc().sleep(seconds);
  SleepNs(int64_t{seconds} * kNsPerSec);
  return 0;
}

int usleep(useconds_t usec) {
  if (!InGreenlet()) return libc().usleep(usec);
  SleepNs(int64_t{usec} * 1000);
  return 0;
}

int nanosleep(const timespec* req, timespec* rem) {
  if (!InGreenlet() || req == nullptr) return libc().nanosleep(req, rem);
  if (!ValidTimespec(req)) {
    errno = EINVAL;
    return -1;
  }
  SleepNs(
      std::min<int64_t>(req->tv_sec,
                        std::numeric_limits<int64_t>::max() / kNsPerSec - 1) *
          kNsPerSec +
      req->tv_nsec);
  return 0;
}

int clock_nanosleep(clockid_t clock, int flags, const timespec* req,
                    timespec* rem) {
  const bool wall_or_mono = clock == CLOCK_REALTIME ||
                            clock == CLOCK_MONOTONIC ||
                            clock == CLOCK_BOOTTIME || clock == CLOCK_TAI;
  if (!InGreenlet() || req == nullptr || !wall_or_mono) {
    return libc().clock_nanosleep(clock, flags, req, rem);
  }
  if (!ValidTimespec(req)) return EINVAL;
  int64_t ns = req->tv_sec * kNsPerSec + req->tv_nsec;
  if (flags & TIMER_ABSTIME) {
    timespec now{};
    clock_gettime(clock, &now);
    ns -= now.tv_sec * kNsPerSec + now.tv_nsec;
  }
  SleepNs(std::max<int64_t>(ns, 0));
  return 0;
}

}  // extern "C"
