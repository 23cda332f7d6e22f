// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/semaphore.h"

#include "absl/strings/str_cat.h"

namespace gevent {

Semaphore::Semaphore(int count) : count_(count) {
  if (count < 0) {
    throw std::invalid_argument(
        absl::StrCat("Semaphore: the count must not be negative, got ", count));
  }
}

bool Semaphore::try_acquire() {
  waiters_.Enter("Semaphore::try_acquire", "Semaphore");
  if (count_ <= 0) return false;
  --count_;
  return true;
}

bool Semaphore::acquire(absl::Duration timeout) {
  Hub& hub = waiters_.Enter("Semaphore::acquire", "Semaphore");
  const int64_t deadline =
      internal::DeadlineAfter(timeout, "Semaphore::acquire");
  if (count_ > 0) {
    --count_;
    return true;
  }
  if (deadline >= 0 && deadline <= internal::MonotonicNowNs()) return false;
  // release() hands its unit straight to the longest waiter (strict FIFO: a
  // newcomer cannot take it in between), so being woken means owning a unit.
  return waiters_.WaitEntered(hub, deadline, nullptr, "Semaphore.acquire");
}

void Semaphore::release() {
  waiters_.Enter("Semaphore::release", "Semaphore");
  if (!waiters_.NotifyOne()) ++count_;
}

void BoundedSemaphore::release() {
  waiters_.Enter("BoundedSemaphore::release", "Semaphore");
  if (count_ >= initial_) {
    throw std::logic_error(
        absl::StrCat("BoundedSemaphore released too many times (its bound is ",
                     initial_, "): a release without a matching acquire"));
  }
  Semaphore::release();
}

}  // namespace gevent
