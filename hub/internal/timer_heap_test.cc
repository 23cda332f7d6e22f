// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/internal/timer_heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace gevent::internal {
namespace {

TEST(TimerHeap, PopsInDeadlineOrderThenArmingOrder) {
  TimerHeap heap;
  std::vector<Timer> timers(6);
  const int64_t deadlines[] = {50, 10, 30, 10, 20, 30};
  for (size_t i = 0; i < timers.size(); ++i)
    heap.Push(&timers[i], deadlines[i]);
  std::vector<Timer*> order;
  while (Timer* t = heap.Pop()) order.push_back(t);
  EXPECT_EQ(order, (std::vector<Timer*>{&timers[1], &timers[3], &timers[4],
                                        &timers[2], &timers[5], &timers[0]}));
  for (Timer& t : timers) EXPECT_FALSE(t.armed());
}

TEST(TimerHeap, RemoveAnywhereKeepsTheOrder) {
  std::mt19937 rng(7);
  TimerHeap heap;
  std::vector<Timer> timers(1000);
  for (Timer& t : timers) heap.Push(&t, rng() % 500);
  for (size_t i = 0; i < timers.size(); i += 3) heap.Remove(&timers[i]);
  heap.Remove(&timers[0]);  // removing twice is a no-op
  int64_t last = -1;
  size_t n = 0;
  while (Timer* t = heap.Pop()) {
    EXPECT_GE(t->deadline, last);
    last = t->deadline;
    ++n;
  }
  EXPECT_EQ(n, timers.size() - (timers.size() + 2) / 3);
}

TEST(TimerHeap, RearmingMovesTheTimer) {
  TimerHeap heap;
  Timer a, b;
  heap.Push(&a, 10);
  heap.Push(&b, 20);
  heap.Push(&a, 30);  // re-armed later
  EXPECT_EQ(heap.size(), 2u);
  EXPECT_EQ(heap.Pop(), &b);
  EXPECT_EQ(heap.Pop(), &a);
}

}  // namespace
}  // namespace gevent::internal
