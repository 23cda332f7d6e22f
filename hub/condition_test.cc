// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/condition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <stdexcept>
#include <vector>

#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

class ConditionTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(ConditionTest, ProducerConsumer) {
  Lock lock;
  Condition ready(lock);
  std::deque<int> items;
  std::vector<int> got;
  auto consumer = spawn([&] {
    for (int n = 0; n < 5; ++n) {
      LockGuard hold(lock);
      while (items.empty()) ready.wait();
      got.push_back(items.front());
      items.pop_front();
    }
  });
  for (int i = 0; i < 5; ++i) {
    {
      LockGuard hold(lock);
      items.push_back(i);
      ready.notify();
    }
    sleep(absl::ZeroDuration());
  }
  ASSERT_TRUE(consumer.join(absl::Seconds(5)).ok());
  EXPECT_THAT(got, ::testing::ElementsAre(0, 1, 2, 3, 4));
}

TEST_F(ConditionTest, WaitTimesOutHoldingTheLockAgain) {
  Lock lock;
  Condition c(lock);
  LockGuard hold(lock);
  EXPECT_FALSE(c.wait(absl::Milliseconds(2)));
  EXPECT_TRUE(lock.locked());
}

TEST_F(ConditionTest, WaitWithoutTheLockIsAnError) {
  Lock lock;
  Condition c(lock);
  EXPECT_THROW(c.wait(), std::logic_error);
}

TEST_F(ConditionTest, NotifyAllWakesEveryone) {
  Lock lock;
  Condition c(lock);
  int woken = 0;
  std::vector<Greenlet<void>> gs;
  for (int i = 0; i < 4; ++i) {
    gs.push_back(spawn([&] {
      LockGuard hold(lock);
      c.wait();
      ++woken;
    }));
  }
  sleep(absl::ZeroDuration());
  {
    LockGuard hold(lock);
    c.notify_all();
  }
  ASSERT_TRUE(joinall(gs).ok());
  EXPECT_EQ(woken, 4);
}

TEST_F(ConditionTest, AKilledWaiterReleasesTheLock) {
  Lock lock;
  Condition c(lock);
  auto g = spawn([&] {
    LockGuard hold(lock);
    c.wait();
  });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(g.kill().ok());
  EXPECT_FALSE(lock.locked());
}

}  // namespace
}  // namespace gevent
