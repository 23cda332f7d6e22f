// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/event.h"

namespace gevent {

void Event::set() {
  waiters_.Enter("Event::set", "Event");
  flag_ = true;
  waiters_.NotifyAll();
}

bool Event::wait(absl::Duration timeout) {
  Hub& hub = waiters_.Enter("Event::wait", "Event");
  const int64_t deadline = internal::DeadlineAfter(timeout, "Event::wait");
  if (flag_) return true;
  if (deadline == -1 || deadline > internal::MonotonicNowNs()) {
    waiters_.WaitEntered(hub, deadline, nullptr, "Event.wait");
  }
  return flag_;
}

}  // namespace gevent
