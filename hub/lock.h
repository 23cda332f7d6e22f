// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// lock.h
//
// Lock is a mutex for greenlets (a BoundedSemaphore of one, as in gevent): the
// holder may block while holding it, and waiters are served in FIFO order.
// RLock is re-entrant and knows its owner: the greenlet that holds it may lock
// it again, and only that greenlet may unlock it.
//
//   gevent::Lock lock;
//   {
//     gevent::LockGuard hold(lock);   // parks while another greenlet holds it
//     append_to_log(line);            // may block; others wait their turn
//   }
//
// Unlocking a Lock that is not held, or an RLock from a greenlet that does not
// own it, throws std::logic_error and changes nothing. Not thread-safe: a lock
// belongs to the hub of the thread that first uses it, and every call from
// another thread throws WrongThreadError (hub.h) without touching it (use
// std::mutex across threads).

#ifndef GEVENT_HUB_LOCK_H_
#define GEVENT_HUB_LOCK_H_

#include <cstdint>

#include "absl/time/time.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/semaphore.h"

namespace gevent {

class Lock {
 public:
  // Parks until the lock is free or `timeout` passes (false: not taken).
  // Blocks.
  bool lock(absl::Duration timeout = absl::InfiniteDuration()) {
    sem_.waiters_.Enter("Lock::lock", "Lock");
    return sem_.acquire(timeout);
  }
  bool try_lock() {
    sem_.waiters_.Enter("Lock::try_lock", "Lock");
    return sem_.try_acquire();
  }
  // Throws std::logic_error if the lock is not held.
  void unlock();
  bool locked() const {
    sem_.waiters_.Observe("Lock::locked", "Lock");
    return sem_.count_ <= 0;
  }

 private:
  BoundedSemaphore sem_{1};
};

class RLock {
 public:
  // Takes the lock, or takes it once more if the calling greenlet holds it.
  // Parks until it is free or `timeout` passes (false). Blocks.
  bool lock(absl::Duration timeout = absl::InfiniteDuration());
  bool try_lock();
  // Releases one level. Throws std::logic_error, changing nothing, if the
  // calling greenlet does not hold it.
  void unlock();
  bool locked() const {
    sem_.waiters_.Observe("RLock::locked", "RLock");
    return owner_id_ != 0;
  }
  // True when the calling greenlet holds it.
  bool is_owned() const {
    sem_.waiters_.Observe("RLock::is_owned", "RLock");
    return owner_id_ == RawGreenlet::current()->id();
  }

 private:
  Semaphore sem_{1};
  // The holder by id, not by pointer: a greenlet that ended holding the lock
  // may be gone, or its RawGreenlet reused by the hub for another greenlet.
  uint64_t owner_id_ = 0;
  int depth_ = 0;
};

// Holds a Lock or RLock for its scope (std::lock_guard works too).
template <typename L>
class [[nodiscard]] BasicLockGuard {
 public:
  explicit BasicLockGuard(L& l) : l_(l) { l_.lock(); }
  ~BasicLockGuard() { l_.unlock(); }
  BasicLockGuard(const BasicLockGuard&) = delete;
  BasicLockGuard& operator=(const BasicLockGuard&) = delete;

 private:
  L& l_;
};
using LockGuard = BasicLockGuard<Lock>;
using RLockGuard = BasicLockGuard<RLock>;

}  // namespace gevent

#endif  // GEVENT_HUB_LOCK_H_
