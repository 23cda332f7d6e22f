// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The hub's costs, next to the raw greenlet switch in the same binary:
//
//   bazel run -c opt //hub:hub_benchmark_epoll
//
// - BM_RawGreenletSwitch: one-way RawGreenlet switch (the floor).
// - BM_YieldPingPong: two greenlets alternating with sleep(0); ns_per_yield is
//   one hand-off from one greenlet to the other. Target: <= 2x the raw switch.
// - BM_SpawnJoin/100000: spawn 100,000 greenlets, then joinall;
// ns_per_greenlet.
//   Target: < 110 ns (Go's goroutine + WaitGroup: 1.1 us here).
// - BM_SpawnJoinPhases/N: the same, timed per phase (spawn, run + join,
//   destroy), to show where the memory traffic at 100,000 lands.
// - BM_TaskMemoryPass/N: one pass over N task-sized objects, a touch per
//   cache line: the memory floor of a spawn+join pass at that batch size.
// - BM_ConcurrentTimers/N: N greenlets each sleeping (1..N us), all at once.
//   Past the stack pool's bound (1,024 free stacks) every greenlet
//   first-touches a fresh stack page, which dominates at 10,000 and more.
// - BM_SpawnLaterTimers/N: N timers armed at once (spawn_later), one warm
// stack;
//   ns_per_timer should grow like log N.
// - BM_TimerHeapPushPop/N: the heap alone with N timers armed.

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "absl/time/time.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/benchmark_util.h"
#include "gevent/hub/internal/timer_heap.h"

namespace gevent {
namespace {

using internal::NsPerItem;

void BM_RawGreenletSwitch(benchmark::State& state) {
  RawGreenlet* main = RawGreenlet::current();
  bool done = false;
  RawGreenlet g([&] {
    while (!done) main->switch_to();
  });
  g.switch_to();
  for (auto _ : state) g.switch_to();
  done = true;
  g.switch_to();
  NsPerItem(state, "ns_per_switch", 2);
}
BENCHMARK(BM_RawGreenletSwitch);

void BM_YieldPingPong(benchmark::State& state) {
  (void)Hub::current();
  bool done = false;
  auto other = spawn([&] {
    while (!done) sleep(absl::ZeroDuration());
  });
  sleep(absl::ZeroDuration());  // other starts and yields back
  for (auto _ : state) sleep(absl::ZeroDuration());  // main -> other -> main
  done = true;
  (void)other.join();
  NsPerItem(state, "ns_per_yield", 2);
}
BENCHMARK(BM_YieldPingPong);

void BM_SpawnJoin(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<Greenlet<int>> gs;
  gs.reserve(n);
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) gs.push_back(spawn([i] { return i; }));
    if (!joinall(gs).ok()) state.SkipWithError("joinall failed");
    gs.clear();
  }
  NsPerItem(state, "ns_per_greenlet", n);
}
// 1,000 at a time fit in the CPU caches; 100,000 at a time do not, and the
// memory traffic of each greenlet's state then shows.
BENCHMARK(BM_SpawnJoin)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// BM_SpawnJoin/100000 split into its phases, each as ns per greenlet:
// spawn (the loop of spawn calls), run+join (joinall: every greenlet runs,
// then each is checked), destroy (dropping the handles frees the tasks).
void BM_SpawnJoinPhases(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<Greenlet<int>> gs;
  gs.reserve(n);
  double spawn_ns = 0, join_ns = 0, destroy_ns = 0;
  for (auto _ : state) {
    const absl::Time t0 = absl::Now();
    for (int i = 0; i < n; ++i) gs.push_back(spawn([i] { return i; }));
    const absl::Time t1 = absl::Now();
    if (!joinall(gs).ok()) state.SkipWithError("joinall failed");
    const absl::Time t2 = absl::Now();
    gs.clear();
    const absl::Time t3 = absl::Now();
    spawn_ns += absl::ToDoubleNanoseconds(t1 - t0);
    join_ns += absl::ToDoubleNanoseconds(t2 - t1);
    destroy_ns += absl::ToDoubleNanoseconds(t3 - t2);
  }
  const double per = static_cast<double>(state.iterations()) * n;
  state.counters["spawn_ns"] = spawn_ns / per;
  state.counters["run_join_ns"] = join_ns / per;
  state.counters["destroy_ns"] = destroy_ns / per;
}
BENCHMARK(BM_SpawnJoinPhases)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

// The memory floor under BM_SpawnJoin/100000: one read-modify-write pass, a
// byte per cache line, over as many task-sized objects as that batch keeps
// alive. A spawn+join touches each task in about four such passes (spawn, run,
// join, destroy), in that order over the batch.
void BM_TaskMemoryPass(benchmark::State& state) {
  using Fn = decltype(internal::Bind([i = 0] { return i; }));
  constexpr size_t kTaskBytes =
      (sizeof(internal::Task<int, Fn>) + 63) / 64 * 64;  // its size class
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<char> tasks(n * kTaskBytes, 1);
  for (auto _ : state) {
    for (size_t i = 0; i < tasks.size(); i += 64) ++tasks[i];
    benchmark::ClobberMemory();
  }
  NsPerItem(state, "ns_per_task", static_cast<int>(n));
  state.counters["task_bytes"] = kTaskBytes;
}
BENCHMARK(BM_TaskMemoryPass)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

void BM_ConcurrentTimers(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<Greenlet<void>> gs;
  gs.reserve(n);
  std::mt19937 rng(1);
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) {
      const auto d = absl::Microseconds(1 + rng() % n);
      gs.push_back(spawn([d] { sleep(d); }));
    }
    if (!joinall(gs).ok()) state.SkipWithError("joinall failed");
    gs.clear();
  }
  NsPerItem(state, "ns_per_timer", n);
}
BENCHMARK(BM_ConcurrentTimers)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// N timers armed at once without N stacks: spawn_later() arms a timer per
// greenlet, and each greenlet runs to its end when its timer fires, so one warm
// stack serves them all. ns_per_timer is arm + fire + spawn + join.
void BM_SpawnLaterTimers(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<Greenlet<void>> gs;
  gs.reserve(n);
  std::mt19937 rng(3);
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) {
      gs.push_back(spawn_later(absl::Microseconds(rng() % 1000), [] {}));
    }
    if (!joinall(gs).ok()) state.SkipWithError("joinall failed");
    gs.clear();
  }
  NsPerItem(state, "ns_per_timer", n);
}
BENCHMARK(BM_SpawnLaterTimers)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

void BM_TimerHeapPushPop(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  internal::TimerHeap heap;
  std::vector<internal::Timer> timers(n + 1);
  std::mt19937_64 rng(2);
  for (size_t i = 0; i < n; ++i) heap.Push(&timers[i], rng() % 1000000);
  internal::Timer& probe = timers[n];
  for (auto _ : state) {
    heap.Push(&probe, rng() % 1000000);
    heap.Remove(&probe);
  }
}
BENCHMARK(BM_TimerHeapPushPop)->Arg(1000)->Arg(100000)->Arg(1000000);

}  // namespace
}  // namespace gevent

BENCHMARK_MAIN();
