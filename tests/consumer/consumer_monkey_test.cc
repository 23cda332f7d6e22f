// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// @gevent_cpp//io:monkey from another workspace: after patch_all(), plain
// usleep() in many greenlets overlaps.

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "absl/time/clock.h"
#include "gevent/gevent.h"
#include "gevent/io/monkey.h"

namespace {

TEST(ConsumerMonkeyTest, PlainSleepsOverlapInGreenlets) {
  EXPECT_FALSE(gevent::monkey::patch_all().empty());
  // What 100 greenlets cost here without sleeping: the bound is measured
  // from it, so a slow or loaded machine does not break it.
  absl::Time start = absl::Now();
  std::vector<gevent::Greenlet<int>> sleepers;
  for (int i = 0; i < 100; ++i) {
    sleepers.push_back(gevent::spawn([] { return usleep(0); }));
  }
  ASSERT_TRUE(gevent::joinall(sleepers).ok());
  const absl::Duration overhead = absl::Now() - start;
  sleepers.clear();
  start = absl::Now();
  for (int i = 0; i < 100; ++i) {
    sleepers.push_back(gevent::spawn([] { return usleep(200'000); }));
  }
  ASSERT_TRUE(gevent::joinall(sleepers).ok());
  for (auto& g : sleepers) EXPECT_EQ(g.get(), 0);
  // Overlapping: the overhead and one sleep; serial: 20 s more.
  EXPECT_LT(absl::Now() - start, 2 * overhead + absl::Seconds(10));
}

}  // namespace
