// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// benchmark_util.h (internal, benchmarks only)
//
// A Google Benchmark counter of nanoseconds per item, for benchmarks whose
// iteration does `per_iteration` items (two switches, 100,000 spawns...).

#ifndef GEVENT_HUB_INTERNAL_BENCHMARK_UTIL_H_
#define GEVENT_HUB_INTERNAL_BENCHMARK_UTIL_H_

#include <benchmark/benchmark.h>

namespace gevent::internal {

inline void NsPerItem(benchmark::State& state, const char* name,
                      double per_iteration) {
  state.counters[name] = benchmark::Counter(
      per_iteration * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace gevent::internal

#endif  // GEVENT_HUB_INTERNAL_BENCHMARK_UTIL_H_
