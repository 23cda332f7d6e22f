// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// One-way switch cost: a RawGreenlet against a raw boost::context::fiber, in
// one binary.
//
//   bazel run -c opt //greenlet:switch_benchmark
//
// Each iteration is a round trip (two switches); the ns_per_switch counter
// divides by two. Compare the two rows' ns_per_switch: the target is
// RawGreenlet
// <= 1.3x raw.

#include <benchmark/benchmark.h>

#include <boost/context/fiber.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>
#include <memory>
#include <utility>

#include "gevent/greenlet/raw_greenlet.h"

namespace {

namespace bctx = boost::context;

void SetSwitchCounter(benchmark::State& state) {
  state.counters["ns_per_switch"] = benchmark::Counter(
      2.0 * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_RawFiberSwitch(benchmark::State& state) {
  bool done = false;
  bctx::fiber f{[&done](bctx::fiber&& main) {
    while (!done) main = std::move(main).resume();
    return std::move(main);
  }};
  f = std::move(f).resume();  // run to its first suspension
  for (auto _ : state) f = std::move(f).resume();
  done = true;
  f = std::move(f).resume();
  SetSwitchCounter(state);
}
BENCHMARK(BM_RawFiberSwitch);

void BM_GreenletSwitch(benchmark::State& state) {
  gevent::RawGreenlet* main = gevent::RawGreenlet::current();
  bool done = false;
  gevent::RawGreenlet g([&] {
    while (!done) main->switch_to();
  });
  g.switch_to();
  for (auto _ : state) g.switch_to();
  done = true;
  g.switch_to();
  SetSwitchCounter(state);
}
BENCHMARK(BM_GreenletSwitch);

// Passing a value each way, as Python's switch(value) does.
void BM_GreenletSwitchWithValue(benchmark::State& state) {
  gevent::RawGreenlet* main = gevent::RawGreenlet::current();
  bool done = false;
  gevent::RawGreenlet g([&](void* v) -> void* {
    while (!done) v = main->switch_to(v);
    return v;
  });
  int token = 0;
  g.switch_to(&token);
  for (auto _ : state) benchmark::DoNotOptimize(g.switch_to(&token));
  done = true;
  g.switch_to();
  SetSwitchCounter(state);
}
BENCHMARK(BM_GreenletSwitchWithValue);

// Create, run to completion and free: a pooled warm stack makes this cheap.
void BM_GreenletCreateRunFinish(benchmark::State& state) {
  int n = 0;
  for (auto _ : state) {
    gevent::RawGreenlet g([&n] { ++n; });
    g.switch_to();
  }
  benchmark::DoNotOptimize(n);
}
BENCHMARK(BM_GreenletCreateRunFinish);

void BM_RawFiberCreateRunFinish(benchmark::State& state) {
  int n = 0;
  bctx::pooled_fixedsize_stack pool(64 * 1024);
  for (auto _ : state) {
    bctx::fiber f{std::allocator_arg, pool, [&n](bctx::fiber&& main) {
                    ++n;
                    return std::move(main);
                  }};
    f = std::move(f).resume();
  }
  benchmark::DoNotOptimize(n);
}
BENCHMARK(BM_RawFiberCreateRunFinish);

}  // namespace

BENCHMARK_MAIN();
