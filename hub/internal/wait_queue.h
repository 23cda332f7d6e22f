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
            const char* what = "a wait queue");

  // Wakes the longest waiter. Returns false if there is none. When `payload` is
  // given, it receives the woken waiter's payload.
  bool NotifyOne(void** payload = nullptr);
  // Wakes every waiter present now.
  void NotifyAll();

  bool empty() const { return head_ == nullptr; }
  Hub* hub() const { return hub_; }

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
  [[gnu::noinline]] void BindHub();

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  Hub* hub_ = nullptr;  // the hub of the first greenlet that waited
};

// Throws GreenletError if `hub` (the hub a primitive was first used on) is not
// the calling thread's: primitives belong to one thread.
void CheckSameHub(Hub*& hub, const char* what);

// Inline: the wait is on the path of every hand-off, and each call layer around
// a switch costs a mispredicted return.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool WaitQueue::Wait(int64_t deadline,
                                                         void* payload,
                                                         const char* what) {
  if (ABSL_PREDICT_FALSE(hub_ != tls_hub || hub_ == nullptr)) BindHub();
  Hub& hub = *hub_;
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
    hub_->Wake(*n->waiter);
    return true;
  }
  return false;
}

}  // namespace gevent::internal

#endif  // GEVENT_HUB_INTERNAL_WAIT_QUEUE_H_
