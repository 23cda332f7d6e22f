// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// semaphore.h
//
// A Semaphore bounds how many greenlets may hold a resource at once. acquire()
// parks the calling greenlet until a unit is free; release() wakes the longest
// waiter first. A BoundedSemaphore also refuses to be released more often than
// acquired.
//
//   gevent::Semaphore slots(10);
//   for (auto& url : urls) {
//     gevent::spawn([&slots, url] {
//       gevent::SemaphoreGuard hold(slots);  // at most 10 fetches at a time
//       fetch(url);
//     });
//   }
//
// Not thread-safe: a Semaphore belongs to the hub of the thread that first
// uses it, and every call from another thread throws WrongThreadError (hub.h)
// without touching it.

#ifndef GEVENT_HUB_SEMAPHORE_H_
#define GEVENT_HUB_SEMAPHORE_H_

#include <stdexcept>

#include "absl/time/time.h"
#include "gevent/hub/internal/wait_queue.h"

namespace gevent {

class Semaphore {
 public:
  // Throws std::invalid_argument for a negative count.
  explicit Semaphore(int count = 1);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Takes a unit, parking until one is free or `timeout` passes. Returns false
  // on timeout (nothing taken). Waiters are served first come, first served.
  // Throws std::invalid_argument for a negative timeout. Blocks.
  bool acquire(absl::Duration timeout = absl::InfiniteDuration());
  // Takes a unit if one is free now; never blocks.
  bool try_acquire();
  // Returns a unit and wakes the longest waiter.
  void release();

  int counter() const {
    waiters_.Observe("Semaphore::counter", "Semaphore");
    return count_;
  }
  // True when acquire() would park.
  bool locked() const {
    waiters_.Observe("Semaphore::locked", "Semaphore");
    return count_ <= 0;
  }

 protected:
  friend class Lock;  // for its own names in the ownership check
  friend class RLock;

  int count_;
  internal::WaitQueue waiters_;
};

// A Semaphore whose release() beyond its initial count is an error
// (std::logic_error, counter unchanged), as a double release usually is a bug.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(int count = 1)
      : Semaphore(count), initial_(count) {}
  void release();

 private:
  int initial_;
};

// Holds one unit for its scope.
template <typename S>
class [[nodiscard]] BasicSemaphoreGuard {
 public:
  explicit BasicSemaphoreGuard(S& s) : s_(s) { s_.acquire(); }
  ~BasicSemaphoreGuard() { s_.release(); }
  BasicSemaphoreGuard(const BasicSemaphoreGuard&) = delete;
  BasicSemaphoreGuard& operator=(const BasicSemaphoreGuard&) = delete;

 private:
  S& s_;
};
using SemaphoreGuard = BasicSemaphoreGuard<Semaphore>;
using BoundedSemaphoreGuard = BasicSemaphoreGuard<BoundedSemaphore>;

}  // namespace gevent

#endif  // GEVENT_HUB_SEMAPHORE_H_
