// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/internal/wait_queue.h"

namespace gevent::internal {

void WaitQueue::OnTimeout(Timer* t) {
  auto* n = static_cast<Node*>(t->context);
  n->queue->Remove(n);  // no NotifyOne may pick it now
  n->queue->owner_.hub()->Wake(*n->waiter, kTimedOut);
}

void WaitQueue::NotifyAll() {
  while (NotifyOne()) {
  }
}

}  // namespace gevent::internal
