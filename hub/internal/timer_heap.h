// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// timer_heap.h (internal)
//
// The hub's timers: intrusive nodes (no allocation per timer) in a binary
// min-heap ordered by deadline, then by arming order, so that timers due at the
// same instant fire in the order they were started. Start, cancel and pop are
// O(log n).

#ifndef GEVENT_HUB_INTERNAL_TIMER_HEAP_H_
#define GEVENT_HUB_INTERNAL_TIMER_HEAP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gevent::internal {

struct Timer {
  static constexpr size_t kNotArmed = ~size_t{0};

  int64_t deadline = 0;  // monotonic nanoseconds
  uint64_t seq = 0;
  size_t heap_index = kNotArmed;
  void (*fire)(Timer*) = nullptr;  // runs in the hub; must not block
  void* context = nullptr;

  bool armed() const { return heap_index != kNotArmed; }
};

class TimerHeap {
 public:
  void Push(Timer* t, int64_t deadline);
  // Removes `t` if armed; a no-op otherwise.
  void Remove(Timer* t);
  Timer* Top() const { return heap_.empty() ? nullptr : heap_.front(); }
  Timer* Pop();
  size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }

 private:
  static bool Less(const Timer* a, const Timer* b) {
    return a->deadline < b->deadline ||
           (a->deadline == b->deadline && a->seq < b->seq);
  }
  void Place(size_t i, Timer* t) {
    heap_[i] = t;
    t->heap_index = i;
  }
  void SiftUp(size_t i);
  void SiftDown(size_t i);

  std::vector<Timer*> heap_;
  uint64_t next_seq_ = 0;
};

// The monotonic clock, in nanoseconds.
int64_t MonotonicNowNs();

}  // namespace gevent::internal

#endif  // GEVENT_HUB_INTERNAL_TIMER_HEAP_H_
