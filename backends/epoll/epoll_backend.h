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

#include <cstdint>
#include <string_view>

#include "gevent/backends/internal/readiness_backend.h"
#include "gevent/backends/internal/wake_fd.h"

namespace gevent {

class EpollBackend : public internal::ReadinessBackend {
 public:
  // Throws std::system_error when epoll or the eventfd cannot be created.
  EpollBackend();
  ~EpollBackend() override;

  std::string_view name() const override { return "epoll"; }
  int Poll(int64_t timeout_ns) override;
  void Wake() override;

 protected:
  int Register(int fd) override;
  void Unregister(int fd) override;

 private:
  int epfd_ = -1;
  internal::WakeFd wake_;
};

}  // namespace gevent

#endif  // GEVENT_BACKENDS_EPOLL_EPOLL_BACKEND_H_
