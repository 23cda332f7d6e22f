// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// event.h
//
// An Event is a flag greenlets can wait for: wait() parks until someone calls
// set(), which wakes every waiter at once; clear() lowers the flag again.
//
//   gevent::Event ready;
//   auto worker = gevent::spawn([&] {
//     ready.wait();                  // parks until set()
//     start_work();
//   });
//   load_config();
//   ready.set();                     // wakes every waiter
//
// Not thread-safe: an Event belongs to the hub of the thread that first uses
// it, and every call from another thread throws WrongThreadError (hub.h)
// without touching it. Reach the owner's thread with Hub::post.

#ifndef GEVENT_HUB_EVENT_H_
#define GEVENT_HUB_EVENT_H_

#include "absl/time/time.h"
#include "gevent/hub/internal/wait_queue.h"

namespace gevent {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Raises the flag and wakes every waiting greenlet (in the order they came).
  void set();
  // Lowers the flag; later wait()s park again.
  void clear() {
    waiters_.Enter("Event::clear", "Event");
    flag_ = false;
  }
  bool is_set() const {
    waiters_.Observe("Event::is_set", "Event");
    return flag_;
  }

  // Returns at once if the flag is up; otherwise parks until set() or until
  // `timeout` passes. Returns the flag: false means it timed out. Throws
  // std::invalid_argument for a negative timeout. Blocks.
  bool wait(absl::Duration timeout = absl::InfiniteDuration());

 private:
  bool flag_ = false;
  internal::WaitQueue waiters_;
};

}  // namespace gevent

#endif  // GEVENT_HUB_EVENT_H_
