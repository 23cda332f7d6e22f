// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// libevent_backend.h
//
// The backend on libevent 2.1: one persistent, edge-triggered event per fd
// (read and write), made on the fd's first wait and kept until CloseFd(); an
// eventfd event for Wake(); event_base_loop(EVLOOP_ONCE) with a timer event for
// the hub's deadline. Operations are "try the syscall first", as with epoll.
//
//   bazel build --//backends:backend=libevent //...   (or --config=libevent)

#ifndef GEVENT_BACKENDS_LIBEVENT_LIBEVENT_BACKEND_H_
#define GEVENT_BACKENDS_LIBEVENT_LIBEVENT_BACKEND_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "gevent/backends/internal/readiness_backend.h"
#include "gevent/backends/internal/wake_fd.h"

struct event_base;
struct event;

namespace gevent {

class LibeventBackend : public internal::ReadinessBackend {
 public:
  // Throws std::system_error when libevent or the eventfd cannot be set up.
  LibeventBackend();
  ~LibeventBackend() override;

  std::string_view name() const override { return "libevent"; }
  int Poll(int64_t timeout_ns) override;
  void Wake() override;

 protected:
  int Register(int fd) override;
  void Unregister(int fd) override;

 private:
  static void OnFd(int fd, short what, void* self);
  static void OnWake(int fd, short what, void* self);
  static void OnTimer(int fd, short what, void* self);

  event_base* base_ = nullptr;
  short fd_events_ = 0;  // what every fd is watched for
  event* wake_event_ = nullptr;
  event* timer_ = nullptr;
  internal::WakeFd wake_;
  std::vector<event*> events_;  // by fd
};

}  // namespace gevent

#endif  // GEVENT_BACKENDS_LIBEVENT_LIBEVENT_BACKEND_H_
