// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

using ::testing::ElementsAre;

class PoolTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(PoolTest, NeverRunsMoreThanItsSize) {
  Pool pool(4);
  int running = 0, most = 0, done = 0;
  for (int i = 0; i < 40; ++i) {
    pool.spawn([&] {
      most = std::max(most, ++running);
      sleep(absl::Microseconds(200));
      --running;
      ++done;
    });
    EXPECT_LE(pool.size(), 4u);
  }
  ASSERT_TRUE(pool.join().ok());
  EXPECT_EQ(done, 40);
  EXPECT_EQ(most, 4);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.free_count(), 4u);
}

TEST_F(PoolTest, WaitAvailableAndJoinTimeout) {
  Pool pool(1);
  pool.spawn([] { sleep(absl::Milliseconds(20)); });
  EXPECT_EQ(pool.free_count(), 0u);
  EXPECT_FALSE(pool.wait_available(absl::Milliseconds(1)));
  EXPECT_TRUE(absl::IsDeadlineExceeded(pool.join(absl::Milliseconds(1))));
  EXPECT_TRUE(pool.wait_available(absl::Seconds(5)));
  ASSERT_TRUE(pool.join().ok());
  EXPECT_THROW(Pool(0), std::invalid_argument);
}

TEST_F(PoolTest, KillEndsEveryMember) {
  Group group;
  for (int i = 0; i < 5; ++i) group.spawn([] { sleep(absl::Seconds(30)); });
  sleep(absl::ZeroDuration());
  EXPECT_EQ(group.size(), 5u);
  EXPECT_TRUE(group.kill(absl::Seconds(5)).ok());
  EXPECT_EQ(group.size(), 0u);
}

TEST_F(PoolTest, KilledMembersFreeTheirSlots) {
  Pool pool(2);
  auto a = pool.spawn([] { sleep(absl::Seconds(30)); });
  auto b = pool.spawn([] { sleep(absl::Seconds(30)); });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(a.kill().ok());
  EXPECT_EQ(pool.free_count(), 1u);
  EXPECT_TRUE(pool.kill().ok());
  EXPECT_EQ(pool.free_count(), 2u);
}

TEST_F(PoolTest, MapKeepsInputOrder) {
  Pool pool(3);
  std::vector<int> inputs{5, 1, 4, 2, 3};
  std::vector<int> out = pool.map(
      [](int ms) {
        sleep(absl::Milliseconds(ms));
        return ms * 10;
      },
      inputs);
  EXPECT_THAT(out, ElementsAre(50, 10, 40, 20, 30));
}

TEST_F(PoolTest, ImapIsOrderedAndImapUnorderedComesAsDone) {
  Pool pool(5);
  // Each call ends `ms` after one common start, however slowly the calls start
  // (sanitizers), so the order they end in is known.
  absl::Time start = absl::Now();
  auto slow_double = [&start](int ms) {
    sleep(std::max(absl::ZeroDuration(),
                   start + absl::Milliseconds(ms) - absl::Now()));
    return ms * 2;
  };
  std::vector<int> ordered, unordered;
  for (int v : pool.imap(slow_double, std::vector<int>{60, 10, 30})) {
    ordered.push_back(v);
  }
  EXPECT_THAT(ordered, ElementsAre(120, 20, 60));
  start = absl::Now();
  for (int v : pool.imap_unordered(slow_double, std::vector<int>{60, 10, 30})) {
    unordered.push_back(v);
  }
  EXPECT_THAT(unordered, ElementsAre(20, 60, 120));
  ASSERT_TRUE(pool.join().ok());
}

TEST_F(PoolTest, MapRethrowsAnError) {
  Group group;
  EXPECT_THROW(group.map(
                   [](int v) {
                     if (v == 2) throw std::runtime_error("bad input");
                     return v;
                   },
                   std::vector<int>{1, 2, 3}),
               std::runtime_error);
  ASSERT_TRUE(group.join().ok());
}

TEST_F(PoolTest, GroupAddsOutsideGreenlets) {
  Group group;
  auto g = spawn([] { sleep(absl::Milliseconds(2)); });
  group.add(g);
  EXPECT_EQ(group.size(), 1u);
  ASSERT_TRUE(group.join().ok());
  EXPECT_TRUE(g.dead());
}

}  // namespace
}  // namespace gevent
