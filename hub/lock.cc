// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/lock.h"

#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"

namespace gevent {

void Lock::unlock() {
  if (!sem_.locked()) {
    throw std::logic_error("Lock::unlock: the lock is not held");
  }
  sem_.release();
}

bool RLock::lock(absl::Duration timeout) {
  RawGreenlet* me = RawGreenlet::current();
  if (owner_ == me) {
    ++depth_;
    return true;
  }
  if (!sem_.acquire(timeout)) return false;
  owner_ = me;
  depth_ = 1;
  return true;
}

bool RLock::try_lock() {
  RawGreenlet* me = RawGreenlet::current();
  if (owner_ == me) {
    ++depth_;
    return true;
  }
  if (!sem_.try_acquire()) return false;
  owner_ = me;
  depth_ = 1;
  return true;
}

void RLock::unlock() {
  RawGreenlet* me = RawGreenlet::current();
  if (owner_ != me) {
    throw std::logic_error(absl::StrCat(
        "RLock::unlock from greenlet '", me->name(),
        "', which does not hold it",
        owner_ ? absl::StrCat(" (greenlet '", owner_->name(), "' does)")
               : std::string(" (nobody does)")));
  }
  if (--depth_ == 0) {
    owner_ = nullptr;
    sem_.release();
  }
}

}  // namespace gevent
