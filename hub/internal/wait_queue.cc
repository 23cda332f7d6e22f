// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/internal/wait_queue.h"

#include "absl/strings/str_cat.h"

namespace gevent::internal {

void CheckSameHub(Hub*& hub, const char* what) {
  Hub* current = &Hub::current();
  if (hub == nullptr) {
    hub = current;
  } else if (hub != current) {
    throw GreenletError(absl::StrCat(
        what,
        " belongs to another thread's hub; a synchronisation primitive "
        "serves the greenlets of one thread (use Hub::post to reach "
        "another thread)"));
  }
}

void WaitQueue::Push(Node* n) {
  n->prev = tail_;
  n->next = nullptr;
  (tail_ ? tail_->next : head_) = n;
  tail_ = n;
  n->linked = true;
}

void WaitQueue::Remove(Node* n) {
  if (!n->linked) return;
  (n->prev ? n->prev->next : head_) = n->next;
  (n->next ? n->next->prev : tail_) = n->prev;
  n->prev = n->next = nullptr;
  n->linked = false;
}

void WaitQueue::OnTimeout(Timer* t) {
  auto* n = static_cast<Node*>(t->context);
  n->queue->Remove(n);  // no NotifyOne may pick it now
  n->queue->hub_->Wake(*n->waiter, kTimedOut);
}

bool WaitQueue::Wait(int64_t deadline, void* payload) {
  CheckSameHub(hub_, "this primitive");
  Hub& hub = *hub_;
  Waiter w(RawGreenlet::current(), hub.CurrentRecord());
  Node node{&w, this, payload};
  Push(&node);
  Timer timer;
  timer.fire = &WaitQueue::OnTimeout;
  timer.context = &node;
  if (deadline >= 0) hub.StartTimer(timer, deadline);
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

bool WaitQueue::NotifyOne(void** payload) {
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

void WaitQueue::NotifyAll() {
  while (NotifyOne()) {
  }
}

}  // namespace gevent::internal
