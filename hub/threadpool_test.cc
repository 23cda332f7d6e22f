// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/threadpool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

class ThreadPoolTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(ThreadPoolTest, ApplyRunsOnAnotherThreadAndReturns) {
  ThreadPool pool(2);
  const std::thread::id me = std::this_thread::get_id();
  std::thread::id where;
  int v = pool.apply([&] {
    where = std::this_thread::get_id();
    return 7;
  });
  EXPECT_EQ(v, 7);
  EXPECT_NE(where, me);
  EXPECT_THROW(pool.apply([]() -> int { throw std::out_of_range("x"); }),
               std::out_of_range);
}

TEST_F(ThreadPoolTest, OtherGreenletsRunWhileACallBlocks) {
  ThreadPool pool(1);
  std::atomic<int> ticks{0};
  auto ticker = spawn([&] {
    for (int i = 0; i < 5; ++i) {
      sleep(absl::Milliseconds(2));
      ++ticks;
    }
  });
  // The call blocks its thread until the ticker, a greenlet of this hub, has
  // ticked five times: it can only return if the hub kept running meanwhile.
  const bool hub_ran = pool.apply([&] {
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (ticks.load() < 5 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return ticks.load() == 5;
  });
  EXPECT_TRUE(hub_ran);
  ASSERT_TRUE(ticker.join().ok());
}

TEST_F(ThreadPoolTest, BoundedThreadsServeManyCallers) {
  ThreadPool pool(3);
  std::atomic<int> concurrent{0}, most{0};
  std::vector<Greenlet<int>> gs;
  for (int i = 0; i < 20; ++i) {
    gs.push_back(spawn([&, i] {
      return pool.apply([&, i] {
        int now = ++concurrent;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        --concurrent;
        return i;
      });
    }));
  }
  int sum = 0;
  for (auto& g : gs) sum += g.get();
  EXPECT_EQ(sum, 190);
  EXPECT_LE(most.load(), 3);
  EXPECT_LE(pool.threads(), 3u);
}

TEST_F(ThreadPoolTest, KillingTheWaiterLeavesThePoolWorking) {
  ThreadPool pool(1);
  std::atomic<bool> ran{false};
  auto g = spawn([&] {
    pool.apply([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ran = true;
    });
  });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(g.kill().ok());
  EXPECT_EQ(pool.apply([] { return 1; }), 1);  // the pool still serves
  EXPECT_TRUE(ran.load());
  sleep(absl::Milliseconds(1));  // let the dropped result's post run
}

TEST_F(ThreadPoolTest, ZeroThreadsIsAnError) {
  EXPECT_THROW(ThreadPool(0), std::invalid_argument);
}

}  // namespace
}  // namespace gevent
