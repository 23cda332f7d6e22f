// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The smallest gevent-cpp program a consumer might write: 100 greenlets sleep
// 100 ms at once and finish together.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/gevent.h"

int main() {
  const absl::Time start = absl::Now();
  std::vector<gevent::Greenlet<int>> sleepers;
  for (int i = 0; i < 100; ++i) {
    sleepers.push_back(gevent::spawn([i] {
      gevent::sleep(absl::Milliseconds(100));
      return i;
    }));
  }
  int sum = 0;
  for (auto& g : sleepers) sum += g.get();
  std::printf("backend=%s sum=%d elapsed=%s\n",
              std::string(gevent::backend_name()).c_str(), sum,
              absl::FormatDuration(absl::Now() - start).c_str());
  return 0;
}
