// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/epoll/epoll_backend.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

#include "gevent/backends/internal/nonblocking.h"

namespace gevent {

namespace {
constexpr int kMaxEvents = 256;
}  // namespace

EpollBackend::EpollBackend() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "gevent: epoll_create1 failed");
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    int e = errno;
    close(epfd_);
    throw std::system_error(e, std::generic_category(),
                            "gevent: eventfd failed");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: drained on every wake
  ev.data.fd = wake_fd_;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

EpollBackend::~EpollBackend() {
  close(wake_fd_);
  close(epfd_);
}

EpollBackend::FdEntry& EpollBackend::Entry(int fd) {
  if (static_cast<size_t>(fd) >= fds_.size()) {
    fds_.resize(static_cast<size_t>(fd) + 1 + fds_.size() / 2);
  }
  return fds_[static_cast<size_t>(fd)];
}

bool EpollBackend::Submit(IoOp* op) {
  if (op->fd < 0) {
    op->result = -EBADF;
    return true;
  }
  const bool read_side = op->is_read_side();
  const bool pure_wait = op->kind == IoOp::Kind::kWaitReadable ||
                         op->kind == IoOp::Kind::kWaitWritable;
  FdEntry& e = Entry(op->fd);
  bool& maybe_ready = read_side ? e.maybe_readable : e.maybe_writable;
  if (!pure_wait) {
    int64_t r = internal::RunNonBlocking(op);
    if (r != -EAGAIN) {
      op->result = r;
      return true;
    }
    maybe_ready = false;
  } else if (maybe_ready || !e.registered) {
    if (int ready = internal::ReadyNow(op); ready != 0) {
      op->result = ready < 0 ? ready : 0;
      return true;
    }
    maybe_ready = false;
  }
  IoOp*& slot = read_side ? e.reader : e.writer;
  if (slot != nullptr) {
    op->result = -EBUSY;
    return true;
  }
  if (!e.registered) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.fd = op->fd;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, op->fd, &ev) != 0) {
      if (errno == EEXIST) {
        // Registered by an earlier life of this fd number that was closed
        // without CloseFd: take it over.
        epoll_ctl(epfd_, EPOLL_CTL_MOD, op->fd, &ev);
      } else if (errno == EPERM) {
        // A regular file or a directory: always ready, as for poll().
        op->result = pure_wait ? 0 : internal::RunNonBlocking(op);
        return true;
      } else {
        op->result = -errno;
        return true;
      }
    }
    e.registered = true;
  }
  slot = op;
  ++pending_;
  return false;
}

void EpollBackend::Complete(IoOp* op, int64_t result) {
  FdEntry& e = fds_[static_cast<size_t>(op->fd)];
  (op->is_read_side() ? e.reader : e.writer) = nullptr;
  --pending_;
  op->result = result;
  op->on_complete(op);
}

bool EpollBackend::Cancel(IoOp* op) {
  if (op->fd < 0 || static_cast<size_t>(op->fd) >= fds_.size()) return true;
  FdEntry& e = fds_[static_cast<size_t>(op->fd)];
  IoOp*& slot = op->is_read_side() ? e.reader : e.writer;
  if (slot == op) {
    slot = nullptr;
    --pending_;
    op->result = -ECANCELED;
  }
  return true;
}

void EpollBackend::OnReady(FdEntry& e, bool read_side) {
  IoOp* op = read_side ? e.reader : e.writer;
  if (op == nullptr) {
    (read_side ? e.maybe_readable : e.maybe_writable) = true;
    return;
  }
  int64_t r = internal::RunNonBlocking(op);
  if (op->kind == IoOp::Kind::kWaitReadable ||
      op->kind == IoOp::Kind::kWaitWritable) {
    r = 0;
  }
  if (r == -EAGAIN) return;  // a spurious edge: keep waiting for the next
  Complete(op, r);
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
  const size_t before = pending_;
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    const uint32_t ev = events[i].events;
    if (fd == wake_fd_) {
      uint64_t count;
      ssize_t unused = read(wake_fd_, &count, sizeof(count));
      (void)unused;
      wake_pending_.store(false, std::memory_order_release);
      continue;
    }
    if (static_cast<size_t>(fd) >= fds_.size()) continue;
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      OnReady(fds_[static_cast<size_t>(fd)], true);
    }
    if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
      OnReady(fds_[static_cast<size_t>(fd)], false);
    }
  }
  return static_cast<int>(before - pending_);
}

void EpollBackend::Wake() {
  if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
  uint64_t one = 1;
  ssize_t unused = write(wake_fd_, &one, sizeof(one));
  (void)unused;
}

void EpollBackend::CloseFd(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return;
  FdEntry& e = fds_[static_cast<size_t>(fd)];
  if (e.registered) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  IoOp* reader = e.reader;
  IoOp* writer = e.writer;
  e = FdEntry{};
  // Complete after the reset: a callback may start a new op on another fd and
  // grow fds_, which would move `e`.
  for (IoOp* op : {reader, writer}) {
    if (op == nullptr) continue;
    --pending_;
    op->result = -EBADF;
    op->on_complete(op);
  }
}

std::unique_ptr<Backend> MakeBackend() {
  return std::make_unique<EpollBackend>();
}

}  // namespace gevent
