// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/internal/wake_fd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace gevent::internal {

WakeFd::WakeFd() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "gevent: eventfd failed");
  }
}

WakeFd::~WakeFd() { close(fd_); }

void WakeFd::Notify() {
  if (pending_.exchange(true, std::memory_order_acq_rel)) return;
  uint64_t one = 1;
  ssize_t unused = write(fd_, &one, sizeof(one));
  (void)unused;
}

void WakeFd::Drain() {
  uint64_t count;
  ssize_t unused = read(fd_, &count, sizeof(count));
  (void)unused;
  Rearm();
}

}  // namespace gevent::internal
