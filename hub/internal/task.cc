// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/internal/task.h"

#include <cstdio>

namespace gevent::internal {

void LinkList::PushBack(Link* l) {
  l->prev = tail_;
  l->next = nullptr;
  if (tail_) {
    tail_->next = l;
  } else {
    head_ = l;
  }
  tail_ = l;
  l->linked = true;
}

void LinkList::Remove(Link* l) {
  if (!l->linked) return;
  if (l->prev) {
    l->prev->next = l->next;
  } else {
    head_ = l->next;
  }
  if (l->next) {
    l->next->prev = l->prev;
  } else {
    tail_ = l->prev;
  }
  l->prev = l->next = nullptr;
  l->linked = false;
}

Link* LinkList::PopFront() {
  Link* l = head_;
  if (l) Remove(l);
  return l;
}

TaskBase::TaskBase(Hub* h, std::string name, size_t stack_size)
    : hub(h),
      raw([this](void*) -> void* { return Main(); },
          RawGreenletOptions{.name = std::move(name),
                             .stack_size = stack_size,
                             .parent = h->hub_greenlet()}),
      start_entry(&raw, &record) {
  record.task = this;
  raw.set_scheduler_data(&record);
}

void* TaskBase::Main() {
  state = State::kRunning;
  try {
    RunBody();
  } catch (const GreenletExit&) {
    killed = true;
  } catch (...) {
    exception = std::current_exception();
  }
  try {
    DropBody();  // on this stack, where its destructors may block
  } catch (...) {
    if (!exception) exception = std::current_exception();
  }
  FireLinks();
  void* value = nullptr;
  raw.set_exit_target(hub->TaskFinished(this, &value));
  return value;
}

void TaskBase::FireLinks() {
  state = State::kDead;
  record.pending_error = nullptr;
  while (Link* l = links.PopFront()) {
    try {
      l->fire(l);
    } catch (...) {
      std::fprintf(stderr,
                   "gevent: a link callback of greenlet '%s' threw; the "
                   "exception is dropped\n",
                   raw.name().c_str());
    }
  }
}

void TaskBase::KillBeforeStart() {
  (void)raw.kill();  // never runs now
  killed = true;
  DropBody();
  FireLinks();
}

}  // namespace gevent::internal
