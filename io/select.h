// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// select.h
//
// poll() and select() for greenlets: wait until any of several fds is ready,
// parking only the calling greenlet. gevent.select for C++. Any fd the backend
// can watch works (sockets, pipes, eventfds, terminals); wait_read/wait_write
// (hub.h) wait on a single fd.
//
//   pollfd fds[2] = {{a.fileno(), POLLIN, 0}, {b.fileno(), POLLIN, 0}};
//   absl::StatusOr<int> ready = gevent::poll(absl::MakeSpan(fds),
//                                            absl::Seconds(1));
//   // *ready fds have revents set; 0 after the timeout
//
//   absl::StatusOr<gevent::SelectResult> r =
//       gevent::select({a.fileno(), b.fileno()}, {}, absl::Seconds(1));
//
// An fd that is not open is reported as POLLNVAL by poll() and is an EBADF
// error for select(). An fd on which another greenlet
// already waits in the same direction is FailedPrecondition (one waiter per fd
// and direction, as for sockets). Blocks.

#ifndef GEVENT_IO_SELECT_H_
#define GEVENT_IO_SELECT_H_

#include <poll.h>

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace gevent {

// Like poll(2): fills in each entry's revents and returns how many entries
// have any. POLLIN/POLLPRI wait for reading, POLLOUT for writing; POLLERR,
// POLLHUP and POLLNVAL are always reported. Entries with fd < 0 are ignored.
absl::StatusOr<int> poll(absl::Span<pollfd> fds,
                         absl::Duration timeout = absl::InfiniteDuration());

struct SelectResult {
  std::vector<int> readable;
  std::vector<int> writable;
};

// Like select(2), without FD_SETSIZE's limit: the fds of each list that are
// ready, once at least one is or `timeout` passes (then both lists are
// empty).
absl::StatusOr<SelectResult> select(
    absl::Span<const int> read_fds, absl::Span<const int> write_fds,
    absl::Duration timeout = absl::InfiniteDuration());

}  // namespace gevent

#endif  // GEVENT_IO_SELECT_H_
