// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/libevent/libevent_backend.h"

#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

namespace gevent {

LibeventBackend::LibeventBackend() {
  event_config* cfg = event_config_new();
  // Edge-triggered events need a backend that has them (epoll).
  event_config_require_features(cfg, EV_FEATURE_ET);
  base_ = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (base_ == nullptr) {
    throw std::system_error(
        ENOSYS, std::generic_category(),
        "gevent: libevent has no edge-triggered backend here");
  }
  // EV_CLOSED (EPOLLRDHUP) tells a FIN apart from data, which lets a short
  // stream read count as "drained" (see ReadinessBackend).
  fd_events_ = EV_READ | EV_WRITE | EV_PERSIST | EV_ET;
  if (event_base_get_features(base_) & EV_FEATURE_EARLY_CLOSE) {
    fd_events_ |= EV_CLOSED;
    reports_hangup_ = true;
  }
  wake_event_ = event_new(base_, wake_.fd(), EV_READ | EV_PERSIST,
                          &LibeventBackend::OnWake, this);
  event_add(wake_event_, nullptr);
  timer_ = evtimer_new(base_, &LibeventBackend::OnTimer, this);
}

LibeventBackend::~LibeventBackend() {
  for (event* ev : events_) {
    if (ev) event_free(ev);
  }
  event_free(timer_);
  event_free(wake_event_);
  event_base_free(base_);
}

int LibeventBackend::Register(int fd) {
  if (static_cast<size_t>(fd) >= events_.size()) {
    events_.resize(static_cast<size_t>(fd) + 1 + events_.size() / 2, nullptr);
  }
  event*& ev = events_[static_cast<size_t>(fd)];
  if (ev == nullptr) {
    ev = event_new(base_, fd, fd_events_, &LibeventBackend::OnFd, this);
    if (ev == nullptr) return -ENOMEM;
  }
  if (event_add(ev, nullptr) != 0) {
    // libevent hides the errno; an fd epoll refuses is a regular file or a
    // directory (EPERM: always ready) or not open at all (EBADF).
    event_free(ev);
    ev = nullptr;
    return fcntl(fd, F_GETFD) < 0 ? -EBADF : -EPERM;
  }
  return 0;
}

void LibeventBackend::Unregister(int fd) {
  if (static_cast<size_t>(fd) >= events_.size()) return;
  event*& ev = events_[static_cast<size_t>(fd)];
  if (ev) {
    event_free(ev);  // also deletes it from the base
    ev = nullptr;
  }
}

void LibeventBackend::OnFd(int fd, short what, void* self) {
  auto* b = static_cast<LibeventBackend*>(self);
  bool hangup = (what & EV_CLOSED) != 0;
  if (!hangup && (what & EV_READ) && (what & EV_WRITE)) {
    // libevent turns EPOLLERR/EPOLLHUP (a reset) into READ|WRITE without
    // EV_CLOSED; ask the fd, or a short read would wait for an edge that
    // already came.
    pollfd p{fd, POLLRDHUP, 0};
    hangup =
        poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }
  if (what & (EV_READ | EV_CLOSED)) b->OnReady(fd, true, hangup);
  if (what & EV_WRITE) b->OnReady(fd, false);
}

void LibeventBackend::OnWake(int, short, void* self) {
  static_cast<LibeventBackend*>(self)->wake_.Drain();
}

void LibeventBackend::OnTimer(int, short, void*) {}

int LibeventBackend::Poll(int64_t timeout_ns) {
  const size_t before = pending();
  int flags = EVLOOP_ONCE;
  if (timeout_ns == 0) {
    flags |= EVLOOP_NONBLOCK;
  } else if (timeout_ns > 0) {
    // Rounded up to microseconds so that a hub timer never fires early.
    const int64_t us = (timeout_ns + 999) / 1000;
    timeval tv{static_cast<time_t>(us / 1000000),
               static_cast<suseconds_t>(us % 1000000)};
    evtimer_add(timer_, &tv);
  }
  event_base_loop(base_, flags);
  if (timeout_ns > 0) evtimer_del(timer_);
  return static_cast<int>(before - pending());
}

void LibeventBackend::Wake() { wake_.Notify(); }

std::unique_ptr<Backend> MakeBackend() {
  return std::make_unique<LibeventBackend>();
}

}  // namespace gevent
