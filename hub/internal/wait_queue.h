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
  bool Wait(int64_t deadline, void* payload = nullptr);

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
  void Push(Node* n);
  void Remove(Node* n);
  static void OnTimeout(Timer* t);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  Hub* hub_ = nullptr;  // the hub of the first greenlet that waited
};

// Throws GreenletError if `hub` (the hub a primitive was first used on) is not
// the calling thread's: primitives belong to one thread.
void CheckSameHub(Hub*& hub, const char* what);

}  // namespace gevent::internal

#endif  // GEVENT_HUB_INTERNAL_WAIT_QUEUE_H_
