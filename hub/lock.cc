// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/lock.h"

#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"

namespace gevent {

void Lock::unlock() {
  sem_.waiters_.Enter("Lock::unlock", "Lock");
  if (sem_.count_ > 0) {
    throw std::logic_error("Lock::unlock: the lock is not held");
  }
  sem_.release();
}

bool RLock::lock(absl::Duration timeout) {
  sem_.waiters_.Enter("RLock::lock", "RLock");
  const uint64_t me = RawGreenlet::current()->id();
  if (owner_id_ == me) {
    ++depth_;
    return true;
  }
  if (!sem_.acquire(timeout)) return false;
  owner_id_ = me;
  depth_ = 1;
  return true;
}

bool RLock::try_lock() {
  sem_.waiters_.Enter("RLock::try_lock", "RLock");
  const uint64_t me = RawGreenlet::current()->id();
  if (owner_id_ == me) {
    ++depth_;
    return true;
  }
  if (!sem_.try_acquire()) return false;
  owner_id_ = me;
  depth_ = 1;
  return true;
}

void RLock::unlock() {
  sem_.waiters_.Enter("RLock::unlock", "RLock");
  RawGreenlet* me = RawGreenlet::current();
  if (owner_id_ != me->id()) {
    throw std::logic_error(absl::StrCat(
        "RLock::unlock from greenlet '", me->name(),
        "', which does not hold it",
        owner_id_ != 0 ? absl::StrCat(" (greenlet id ", owner_id_, " does)")
                       : std::string(" (nobody does)")));
  }
  if (--depth_ == 0) {
    owner_id_ = 0;
    sem_.release();
  }
}

}  // namespace gevent
