// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// condition.h
//
// A Condition lets greenlets wait for a state change guarded by a Lock: wait()
// releases the lock, parks until notify(), and takes the lock again.
//
//   gevent::Lock lock;
//   gevent::Condition ready(lock);
//   // consumer                          // producer
//   gevent::LockGuard hold(lock);        gevent::LockGuard hold(lock);
//   while (items.empty()) ready.wait();  items.push_back(x);
//   use(items.front());                  ready.notify();
//
// Waking is first come, first served. Not thread-safe: serves the greenlets of
// one thread.

#ifndef GEVENT_HUB_CONDITION_H_
#define GEVENT_HUB_CONDITION_H_

#include <stdexcept>

#include "absl/time/time.h"
#include "gevent/hub/internal/wait_queue.h"
#include "gevent/hub/lock.h"

namespace gevent {

template <typename L>
class BasicCondition {
 public:
  explicit BasicCondition(L& lock) : lock_(lock) {}
  BasicCondition(const BasicCondition&) = delete;
  BasicCondition& operator=(const BasicCondition&) = delete;

  // Releases the lock (which the caller must hold: std::logic_error otherwise),
  // parks until notified or `timeout` passes, then takes the lock again (even
  // when killed, so that a guard's unlock stays balanced). Returns false on
  // timeout. Blocks.
  bool wait(absl::Duration timeout = absl::InfiniteDuration()) {
    const int64_t deadline =
        internal::DeadlineAfter(timeout, "Condition::wait");
    if (!lock_.locked()) {
      throw std::logic_error("Condition::wait: the lock is not held");
    }
    lock_.unlock();
    struct Relock {
      L& lock;
      ~Relock() {
        while (!lock.lock()) {
        }
      }
    } relock{lock_};
    return waiters_.Wait(deadline, nullptr, "Condition.wait");
  }
  // Wakes up to `n` waiters (they run once they get the lock).
  void notify(int n = 1) {
    for (int i = 0; i < n && waiters_.NotifyOne(); ++i) {
    }
  }
  void notify_all() { waiters_.NotifyAll(); }

 private:
  L& lock_;
  internal::WaitQueue waiters_;
};

using Condition = BasicCondition<Lock>;

}  // namespace gevent

#endif  // GEVENT_HUB_CONDITION_H_
