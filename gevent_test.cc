// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The umbrella header alone is enough for a program: the example in gevent.h.

#include "gevent/gevent.h"

#include <gtest/gtest.h>

#include <vector>

#include "absl/time/clock.h"

TEST(Gevent, UmbrellaHeaderRunsTheDocumentedExample) {
  const absl::Time start = absl::Now();
  std::vector<gevent::Greenlet<int>> jobs;
  for (int i = 0; i < 1000; ++i) {
    jobs.push_back(gevent::spawn([i] {
      gevent::sleep(absl::Milliseconds(100));
      return i;
    }));
  }
  ASSERT_TRUE(gevent::joinall(jobs).ok());
  int sum = 0;
  for (auto& j : jobs) sum += j.get();
  EXPECT_EQ(sum, 999 * 1000 / 2);
  EXPECT_LT(absl::Now() - start, absl::Seconds(50));  // not 1000 x 100 ms
  EXPECT_EQ(gevent::backend_name(), GEVENT_EXPECTED_BACKEND);
}
