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

void WaitQueue::OnTimeout(Timer* t) {
  auto* n = static_cast<Node*>(t->context);
  n->queue->Remove(n);  // no NotifyOne may pick it now
  n->queue->hub_->Wake(*n->waiter, kTimedOut);
}

void WaitQueue::BindHub() { CheckSameHub(hub_, "this primitive"); }

void WaitQueue::NotifyAll() {
  while (NotifyOne()) {
  }
}

}  // namespace gevent::internal
