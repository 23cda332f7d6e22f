// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// readiness_backend.h (internal)
//
// The shared half of the readiness backends (epoll, libevent): the table of
// fds, the one reader and one writer an fd may have, "try the syscall first,
// wait for readiness on EAGAIN, try again", cancellation and CloseFd. A
// subclass only says how to register an fd (once, for both directions,
// edge-triggered), how to forget it, and how to poll; its poll calls OnReady().

#ifndef GEVENT_BACKENDS_INTERNAL_READINESS_BACKEND_H_
#define GEVENT_BACKENDS_INTERNAL_READINESS_BACKEND_H_

#include <cstddef>
#include <vector>

#include "gevent/backends/backend.h"

namespace gevent::internal {

class ReadinessBackend : public Backend {
 public:
  bool Submit(IoOp* op) override;
  bool Cancel(IoOp* op) override;
  void CloseFd(int fd) override;
  size_t pending() const override { return pending_; }

 protected:
  // Starts watching `fd` for both directions, edge-triggered. Returns 0, or
  // -errno (-EPERM: a file that is always ready, such as a regular file).
  virtual int Register(int fd) = 0;
  // Stops watching `fd` (it is about to be closed).
  virtual void Unregister(int fd) = 0;

  // The subclass's poll reports an edge on `fd`'s read or write side;
  // `hangup` when the edge says the peer closed (or the fd errored).
  void OnReady(int fd, bool read_side, bool hangup = false);

  // Set by a subclass whose edges carry `hangup` reliably. Only then may a
  // short read of a stream count as "drained": a FIN that came with the data
  // brings no edge of its own.
  bool reports_hangup_ = false;

 private:
  struct FdEntry {
    IoOp* reader = nullptr;
    IoOp* writer = nullptr;
    bool registered = false;
    // An edge arrived while nobody waited on that side: a pure wait checks the
    // fd (poll) instead of parking, since no new edge may come.
    bool maybe_readable = false;
    bool maybe_writable = false;
    bool hung_up = false;  // an edge said the peer closed: never "drained"
  };
  FdEntry& Entry(int fd);
  void Complete(IoOp* op, int64_t result);

  std::vector<FdEntry> fds_;
  size_t pending_ = 0;
};

}  // namespace gevent::internal

#endif  // GEVENT_BACKENDS_INTERNAL_READINESS_BACKEND_H_
