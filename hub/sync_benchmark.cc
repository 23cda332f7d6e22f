// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Hand-offs between greenlets through the sync primitives:
//
//   bazel run -c opt //hub:sync_benchmark_epoll
//
// - BM_ChannelHandoff: a producer puts ints into a Channel, a consumer gets
//   them; ns_per_item is one rendezvous. Target: < 30 ns (Go's unbuffered
//   channel hop: 98 ns here).
// - BM_QueuePingPong: two greenlets bounce an int through two Queues.
// - BM_EventWake: set() waking one waiter, which waits again.
// - BM_SemaphoreContention/1000: 1,000 greenlets share a Semaphore(10).
// - BM_ThreadPoolRoundTrip: apply() of a trivial call on a pool thread.
// - BM_BoostFiber*: the same hand-offs with Boost.Fiber's unbuffered and
//   buffered channels, in this binary. Target: gevent-cpp at least 3x faster.

#include <benchmark/benchmark.h>

#include <boost/fiber/all.hpp>
#include <vector>

#include "absl/time/time.h"
#include "gevent/hub/channel.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/benchmark_util.h"
#include "gevent/hub/queue.h"
#include "gevent/hub/semaphore.h"
#include "gevent/hub/threadpool.h"

namespace gevent {
namespace {

using internal::NsPerItem;

void BM_ChannelHandoff(benchmark::State& state) {
  Channel<int> ch;
  long sum = 0;
  auto consumer = spawn([&] {
    for (int v : ch) sum += v;
  });
  int i = 0;
  for (auto _ : state) (void)ch.put(i++);
  ch.close();
  (void)consumer.join();
  benchmark::DoNotOptimize(sum);
  NsPerItem(state, "ns_per_item", 1);
}
BENCHMARK(BM_ChannelHandoff);

void BM_QueuePingPong(benchmark::State& state) {
  Queue<int> ping, pong;
  auto echo = spawn([&] {
    for (int v : ping) (void)pong.put(v);
  });
  for (auto _ : state) {
    (void)ping.put(1);
    benchmark::DoNotOptimize(pong.get());
  }
  ping.close();
  (void)echo.join();
  NsPerItem(state, "ns_per_hop", 2);
}
BENCHMARK(BM_QueuePingPong);

void BM_EventWake(benchmark::State& state) {
  Event go, done;
  bool stop = false;
  auto waiter = spawn([&] {
    while (true) {
      go.wait();
      go.clear();
      if (stop) return;
      done.set();
    }
  });
  for (auto _ : state) {
    go.set();
    done.wait();
    done.clear();
  }
  stop = true;
  go.set();
  (void)waiter.join();
  NsPerItem(state, "ns_per_wake", 2);
}
BENCHMARK(BM_EventWake);

void BM_SemaphoreContention(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Semaphore sem(10);
  for (auto _ : state) {
    std::vector<Greenlet<void>> gs;
    gs.reserve(n);
    for (int i = 0; i < n; ++i) {
      gs.push_back(spawn([&] {
        for (int k = 0; k < 10; ++k) {
          SemaphoreGuard hold(sem);
          sleep(absl::ZeroDuration());
        }
      }));
    }
    (void)joinall(gs);
  }
  NsPerItem(state, "ns_per_acquire", 10.0 * n);
}
BENCHMARK(BM_SemaphoreContention)->Arg(1000)->Unit(benchmark::kMillisecond);

// A greenlet hands a trivial call to a ThreadPool thread and gets the result
// back through the hub's cross-thread wake.
void BM_ThreadPoolRoundTrip(benchmark::State& state) {
  ThreadPool pool(1);
  int i = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(pool.apply([&] { return ++i; }));
  NsPerItem(state, "ns_per_call", 1);
}
BENCHMARK(BM_ThreadPoolRoundTrip);

// --- Boost.Fiber, the same work
// ----------------------------------------------------

void BM_BoostFiberUnbufferedChannelHandoff(benchmark::State& state) {
  boost::fibers::unbuffered_channel<int> ch;
  long sum = 0;
  boost::fibers::fiber consumer([&] {
    int v;
    while (ch.pop(v) == boost::fibers::channel_op_status::success) sum += v;
  });
  int i = 0;
  for (auto _ : state) ch.push(i++);
  ch.close();
  consumer.join();
  benchmark::DoNotOptimize(sum);
  NsPerItem(state, "ns_per_item", 1);
}
BENCHMARK(BM_BoostFiberUnbufferedChannelHandoff);

void BM_BoostFiberBufferedChannelPingPong(benchmark::State& state) {
  boost::fibers::buffered_channel<int> ping(2), pong(2);
  boost::fibers::fiber echo([&] {
    int v;
    while (ping.pop(v) == boost::fibers::channel_op_status::success) {
      pong.push(v);
    }
  });
  for (auto _ : state) {
    ping.push(1);
    int v;
    pong.pop(v);
    benchmark::DoNotOptimize(v);
  }
  ping.close();
  echo.join();
  NsPerItem(state, "ns_per_hop", 2);
}
BENCHMARK(BM_BoostFiberBufferedChannelPingPong);

}  // namespace
}  // namespace gevent

BENCHMARK_MAIN();
