// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/internal/timer_heap.h"

#include <time.h>

namespace gevent::internal {

int64_t MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void TimerHeap::Push(Timer* t, int64_t deadline) {
  if (t->armed()) Remove(t);
  t->deadline = deadline;
  t->seq = next_seq_++;
  heap_.push_back(t);
  t->heap_index = heap_.size() - 1;
  SiftUp(heap_.size() - 1);
}

void TimerHeap::Remove(Timer* t) {
  if (!t->armed()) return;
  const size_t i = t->heap_index;
  t->heap_index = Timer::kNotArmed;
  Timer* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;  // it was the last
  Place(i, last);
  SiftUp(i);
  SiftDown(last->heap_index);
}

Timer* TimerHeap::Pop() {
  if (heap_.empty()) return nullptr;
  Timer* top = heap_.front();
  Remove(top);
  return top;
}

void TimerHeap::SiftUp(size_t i) {
  Timer* t = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!Less(t, heap_[parent])) break;
    Place(i, heap_[parent]);
    i = parent;
  }
  Place(i, t);
}

void TimerHeap::SiftDown(size_t i) {
  Timer* t = heap_[i];
  const size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && Less(heap_[child + 1], heap_[child])) ++child;
    if (!Less(heap_[child], t)) break;
    Place(i, heap_[child]);
    i = child;
  }
  Place(i, t);
}

}  // namespace gevent::internal
