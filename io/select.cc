// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/select.h"

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gevent/hub/hub.h"
#include "gevent/io/internal/errors.h"

namespace gevent {

namespace {

// A non-blocking poll(2) of `fds`.
absl::StatusOr<int> PollNow(absl::Span<pollfd> fds) {
  for (;;) {
    int n = ::poll(fds.data(), fds.size(), 0);
    if (n >= 0) return n;
    if (errno != EINTR) return internal::ErrnoStatus(errno, "poll", -1);
  }
}

}  // namespace

absl::StatusOr<int> poll(absl::Span<pollfd> fds, absl::Duration timeout) {
  if (absl::Status s = internal::CheckTimeout(timeout, "gevent::poll");
      !s.ok()) {
    return s;
  }
  const absl::Time deadline = timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + timeout;
  Hub& hub = Hub::current();
  for (;;) {
    absl::StatusOr<int> ready = PollNow(fds);
    if (!ready.ok() || *ready > 0) return ready;
    const absl::Duration left =
        deadline == absl::InfiniteFuture()
            ? absl::InfiniteDuration()
            : std::max(deadline - absl::Now(), absl::ZeroDuration());
    if (left == absl::ZeroDuration()) return 0;

    // One readiness op per fd and direction; the first to fire wakes us.
    std::vector<IoOp> ops;
    ops.reserve(fds.size() * 2);
    for (const pollfd& p : fds) {
      if (p.fd < 0) continue;
      if (p.events & (POLLIN | POLLPRI | POLLRDHUP)) {
        ops.emplace_back();
        ops.back().kind = IoOp::Kind::kWaitReadable;
        ops.back().fd = p.fd;
      }
      if (p.events & POLLOUT) {
        ops.emplace_back();
        ops.back().kind = IoOp::Kind::kWaitWritable;
        ops.back().fd = p.fd;
      }
    }
    if (ops.empty()) {
      // Nothing to wait for (no fds, or no events): poll(2) just sleeps.
      if (left == absl::InfiniteDuration()) {
        return absl::InvalidArgumentError(
            "gevent::poll: no fds to wait for and no timeout: it would never "
            "return");
      }
      sleep(left);
      return 0;
    }
    std::vector<IoOp*> ptrs;
    ptrs.reserve(ops.size());
    for (IoOp& op : ops) ptrs.push_back(&op);
    hub.IoAny(ptrs.data(), ptrs.size(),
              internal::DeadlineAfter(left, "gevent::poll"));
    for (const IoOp& op : ops) {
      if (op.result == -EBUSY) {
        return absl::FailedPreconditionError(
            absl::StrCat("gevent::poll: another greenlet already waits on fd ",
                         op.fd, " in the same direction"));
      }
    }
    // Readiness (or a timeout) came: poll(2) says exactly what; a wake that
    // raced with the fd being drained by someone else loops around.
  }
}

absl::StatusOr<SelectResult> select(absl::Span<const int> read_fds,
                                    absl::Span<const int> write_fds,
                                    absl::Duration timeout) {
  std::vector<pollfd> fds;
  fds.reserve(read_fds.size() + write_fds.size());
  for (int fd : read_fds) fds.push_back({fd, POLLIN, 0});
  for (int fd : write_fds) fds.push_back({fd, POLLOUT, 0});
  for (const pollfd& p : fds) {
    if (p.fd < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("gevent::select: negative fd ", p.fd));
    }
  }
  absl::StatusOr<int> n = poll(absl::MakeSpan(fds), timeout);
  if (!n.ok()) return n.status();
  SelectResult out;
  for (size_t i = 0; i < fds.size(); ++i) {
    const pollfd& p = fds[i];
    if (p.revents & POLLNVAL) {
      return internal::ErrnoStatus(EBADF, "gevent::select", p.fd);
    }
    if (p.revents == 0) continue;
    (i < read_fds.size() ? out.readable : out.writable).push_back(p.fd);
  }
  return out;
}

}  // namespace gevent
