// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// wait_queue.h (internal)
//
// The parking lot under every sync primitive: greenlets wait in FIFO order and
// are woken one at a time or all at once. A waiter's node lives on its own
// stack. A waiter that times out or is killed leaves the queue before anyone
// can hand it a wake-up, so no notification is ever spent on a greenlet that
// will not take it.

#ifndef GEVENT_HUB_INTERNAL_WAIT_QUEUE_H_
#define GEVENT_HUB_INTERNAL_WAIT_QUEUE_H_

#include <cstdint>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "gevent/hub/hub.h"

namespace gevent::internal {

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // Parks the current greenlet at the back of the queue until NotifyOne/All
  // reaches it (true) or `deadline` (monotonic ns; negative: none) passes
  // (false). A kill or Timeout propagates, with the greenlet out of the queue.
  // Blocks.
  // `payload` travels with the waiter: NotifyOne hands it to the notifier (a
  // queue passes items through it).
  // `what` names the wait in dumps ("Event.wait").
  bool Wait(int64_t deadline, void* payload = nullptr,
            const char* what = "a wait queue") {
    return WaitEntered(Enter(what, "primitive"), deadline, payload, what);
  }
  // Wait for a primitive that has made its own check (Enter) on this queue in
  // the same call, with the hub it returned: one check per call.
  bool WaitEntered(Hub& hub, int64_t deadline, void* payload, const char* what);

  // Wakes the longest waiter. Returns false if there is none. When `payload` is
  // given, it receives the woken waiter's payload.
  bool NotifyOne(void** payload = nullptr);
  // Wakes every waiter present now.
  void NotifyAll();

  bool empty() const { return head_ == nullptr; }
  Hub* hub() const { return owner_.hub(); }

  // The ownership check of the primitive this queue serves, made first thing
  // in each of its calls. Enter binds the queue to this thread's hub at its
  // first use and returns that hub; it throws WrongThreadError, naming `what`
  // (the call) and `object` (the primitive), when another thread's hub owns
  // it. Observe does not bind (for const calls).
  ABSL_ATTRIBUTE_ALWAYS_INLINE Hub& Enter(const char* what,
                                          const char* object) {
    Hub* hub = owner_.Bind();
    if (ABSL_PREDICT_FALSE(hub == nullptr)) owner_.Throw(what, object);
    return *hub;
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Observe(const char* what,
                                            const char* object) const {
    if (ABSL_PREDICT_FALSE(!owner_.here())) owner_.Throw(what, object);
  }
  // For calls that return a status: Owned and Bound bind as Enter does;
  // Owned is false, Bound null, when another thread's hub owns the queue, and
  // WrongThread is then the status to return (FailedPrecondition).
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Owned() { return owner_.Bind() != nullptr; }
  ABSL_ATTRIBUTE_ALWAYS_INLINE Hub* Bound() { return owner_.Bind(); }
  absl::Status WrongThread(const char* what, const char* object) const {
    return owner_.Error(what, object);
  }

 private:
  struct Node {
    Waiter* waiter;
    WaitQueue* queue;
    void* payload;
    Node* prev = nullptr;
    Node* next = nullptr;
    bool linked = false;
  };
  void Push(Node* n) {
    n->prev = tail_;
    n->next = nullptr;
    (tail_ ? tail_->next : head_) = n;
    tail_ = n;
    n->linked = true;
  }
  void Remove(Node* n) {
    if (!n->linked) return;
    (n->prev ? n->prev->next : head_) = n->next;
    (n->next ? n->next->prev : tail_) = n->prev;
    n->prev = n->next = nullptr;
    n->linked = false;
  }
  static void OnTimeout(Timer* t);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  Owner owner_;  // the hub of the thread that first used it
};

// Inline: the wait is on the path of every hand-off, and each call layer around
// a switch costs a mispredicted return.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool WaitQueue::WaitEntered(
    Hub& hub, int64_t deadline, void* payload, const char* what) {
  Waiter w(RawGreenlet::current(), hub.CurrentRecord());
  w.what = what;
  Node node{&w, this, payload};
  Push(&node);
  if (deadline < 0) {
    struct Unlink {
      WaitQueue* q;
      Node* n;
      ~Unlink() { q->Remove(n); }
    } unlink{this, &node};
    return hub.Park(w) != kTimedOut;
  }
  Timer timer;
  timer.fire = &WaitQueue::OnTimeout;
  timer.context = &node;
  hub.StartTimer(timer, deadline);
  struct Cleanup {
    WaitQueue* q;
    Node* n;
    Hub& hub;
    Timer& t;
    ~Cleanup() {
      q->Remove(n);
      hub.CancelTimer(t);
    }
  } cleanup{this, &node, hub, timer};
  return hub.Park(w) != kTimedOut;
}

inline bool WaitQueue::NotifyOne(void** payload) {
  while (Node* n = head_) {
    Remove(n);
    // A waiter already woken (killed, about to unwind) cannot take this one.
    if (n->waiter->woken) continue;
    if (payload) *payload = n->payload;
    owner_.hub()->Wake(*n->waiter);
    return true;
  }
  return false;
}

}  // namespace gevent::internal

#endif  // GEVENT_HUB_INTERNAL_WAIT_QUEUE_H_
