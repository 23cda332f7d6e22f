// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/epoll/epoll_backend.h"

#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

namespace gevent {

namespace {
constexpr int kMaxEvents = 256;
}  // namespace

EpollBackend::EpollBackend() {
  reports_hangup_ = true;  // EPOLLRDHUP rides on every edge it concerns
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "gevent: epoll_create1 failed");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: drained on every wake
  ev.data.fd = wake_.fd();
  epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_.fd(), &ev);
}

EpollBackend::~EpollBackend() { close(epfd_); }

int EpollBackend::Register(int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.fd = fd;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
  if (errno == EEXIST) {
    // Registered by an earlier life of this fd number that was closed without
    // CloseFd: take it over.
    return epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : -errno;
  }
  return -errno;
}

void EpollBackend::Unregister(int fd) {
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

int EpollBackend::Poll(int64_t timeout_ns) {
  epoll_event events[kMaxEvents];
  int n;
  if (timeout_ns < 0) {
    n = epoll_wait(epfd_, events, kMaxEvents, -1);
  } else {
    timespec ts{static_cast<time_t>(timeout_ns / 1000000000),
                static_cast<long>(timeout_ns % 1000000000)};
    n = epoll_pwait2(epfd_, events, kMaxEvents, &ts, nullptr);
    if (n < 0 && errno == ENOSYS) {
      // Before Linux 5.11: milliseconds, rounded up so that a timer never fires
      // early.
      n = epoll_wait(epfd_, events, kMaxEvents,
                     static_cast<int>((timeout_ns + 999999) / 1000000));
    }
  }
  if (n <= 0) return 0;  // EINTR or timeout
  const size_t before = pending();
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    const uint32_t ev = events[i].events;
    if (fd == wake_.fd()) {
      wake_.Drain();
      continue;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      OnReady(fd, true, ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
    }
    if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) OnReady(fd, false);
  }
  return static_cast<int>(before - pending());
}

void EpollBackend::Wake() { wake_.Notify(); }

}  // namespace gevent
