// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// epoll_backend.h
//
// The default backend: epoll, edge-triggered, with an eventfd for Wake(). An fd
// is registered once, on its first wait, for both directions, and stays
// registered until CloseFd(): a hot fd costs no epoll_ctl per wait. Operations
// are "try the syscall first; on EAGAIN wait for the edge, then try again".
//
//   std::unique_ptr<gevent::Backend> backend = gevent::MakeBackend();  // epoll
//
// An fd closed behind the backend's back (plain close() without CloseFd) leaves
// a stale registration; the hub's and io's close paths, and monkey's close(),
// call CloseFd first.

#ifndef GEVENT_BACKENDS_EPOLL_EPOLL_BACKEND_H_
#define GEVENT_BACKENDS_EPOLL_EPOLL_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gevent/backends/backend.h"

namespace gevent {

class EpollBackend : public Backend {
 public:
  // Throws std::system_error when epoll or the eventfd cannot be created.
  EpollBackend();
  ~EpollBackend() override;

  std::string_view name() const override { return "epoll"; }
  bool Submit(IoOp* op) override;
  bool Cancel(IoOp* op) override;
  int Poll(int64_t timeout_ns) override;
  void Wake() override;
  void CloseFd(int fd) override;
  size_t pending() const override { return pending_; }

 private:
  struct FdEntry {
    IoOp* reader = nullptr;
    IoOp* writer = nullptr;
    bool registered = false;
    // An edge arrived while nobody waited on that side: a pure wait checks the
    // fd (poll) instead of parking, since no new edge may come.
    bool maybe_readable = false;
    bool maybe_writable = false;
  };

  FdEntry& Entry(int fd);
  void Complete(IoOp* op, int64_t result);
  void OnReady(FdEntry& e, bool read_side);

  int epfd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> wake_pending_{false};
  std::vector<FdEntry> fds_;
  size_t pending_ = 0;
};

}  // namespace gevent

#endif  // GEVENT_BACKENDS_EPOLL_EPOLL_BACKEND_H_
