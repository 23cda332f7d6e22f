// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The C++ side of the micro comparisons in bench/compare.sh: switch cost,
// spawn+join, memory per idle task and skynet, for gevent-cpp next to raw
// Boost.Context, Boost.Fiber and std::thread, in one process. The Go and
// Python peers (bench/go/micro.go, bench/python/micro.py) print the same lines:
//
//   MICRO <tab> bench <tab> system <tab> value <tab> unit
//
//   bazel run -c opt //bench:micro_epoll -- --only=switch,spawn_join,skynet
//   bazel run -c opt //bench:micro_epoll -- --only=idle_memory
//       --idle_tasks=1000000 --idle_system=gevent_cpp   (one process each)
//
// Each timing is the best of --rounds; memory is RSS growth over the tasks.

#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/fiber/all.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/channel.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"

ABSL_FLAG(int, rounds, 5, "Timed rounds per measurement; the best counts.");
ABSL_FLAG(int, idle_tasks, 100000, "Tasks parked for --only=idle_memory.");
ABSL_FLAG(std::string, idle_system, "",
          "gevent_cpp or boost_fiber: the one system --only=idle_memory "
          "measures (empty: both). Run each in a fresh process: a warm pool or "
          "heap from an earlier measurement would hide the growth.");
ABSL_FLAG(std::string, only, "",
          "Run only these benches (comma list: switch,spawn_join,idle_memory,"
          "skynet); empty runs all.");

namespace {

namespace bctx = boost::context;
namespace fibers = boost::fibers;

// Boost.Fiber's default stack (128 KiB from malloc) is an mmap and munmap per
// fiber; its pooled allocator, with gevent-cpp's 64 KiB, is its fast path.
fibers::pooled_fixedsize_stack FiberStacks() {
  static fibers::pooled_fixedsize_stack* pool =
      new fibers::pooled_fixedsize_stack(64 * 1024);
  return *pool;
}

void Report(const std::string& bench, const std::string& system, double value,
            const char* unit) {
  std::printf("MICRO\t%s\t%s\t%.2f\t%s\n", bench.c_str(), system.c_str(), value,
              unit);
  std::fflush(stdout);
}

// Best of --rounds runs of each body(n), in ns per unit of `per`, after a
// warm-up run (caches, stacks, pools). The bodies' rounds are interleaved (a,
// b, a, b, ...): a quiet or a noisy second on this shared machine then hits
// all alike, which matters when the figures are a ratio.
std::vector<double> BestNsInterleaved(
    int64_t n, double per,
    const std::vector<std::function<void(int64_t)>>& bodies) {
  std::vector<double> best(bodies.size(), 1e300);
  for (const auto& body : bodies) body(n / 10);
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    for (size_t i = 0; i < bodies.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      bodies[i](n);
      const std::chrono::duration<double, std::nano> took =
          std::chrono::steady_clock::now() - start;
      best[i] =
          std::min(best[i], took.count() / (static_cast<double>(n) * per));
    }
  }
  return best;
}

double BestNs(int64_t n, double per, const std::function<void(int64_t)>& body) {
  return BestNsInterleaved(n, per, {body})[0];
}

int64_t RssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;  // NOLINT(runtime/int): fscanf's type
  if (f == nullptr || std::fscanf(f, "%ld %ld", &pages, &resident) != 2) {
    std::perror("/proc/self/statm");
    std::exit(1);
  }
  std::fclose(f);
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

// --- switch: ns per hop from one task to another ---

void Switches() {
  constexpr int64_t kHops = 10'000'000;
  // The pair whose ratio is a target: measured interleaved.
  const std::vector<double> direct = BestNsInterleaved(
      kHops / 2, 2,
      {[](int64_t n) {
         int64_t left = n;
         bctx::fiber f{[&left](bctx::fiber&& main) {
           while (left > 0) main = std::move(main).resume();
           return std::move(main);
         }};
         for (; left > 0; --left) f = std::move(f).resume();
         f = std::move(f).resume();
       },
       [](int64_t n) {
         gevent::RawGreenlet* main = gevent::RawGreenlet::current();
         int64_t left = n;
         gevent::RawGreenlet g([&] {
           while (left > 0) main->switch_to();
         });
         for (; left > 0; --left) g.switch_to();
         g.switch_to();
       }});
  Report("switch", "raw_boost_context", direct[0], "ns");
  Report("switch", "gevent_cpp_greenlet", direct[1], "ns");
  // Through the hub's run queue, as gevent.sleep(0) and Go's Gosched.
  Report("switch", "gevent_cpp_sleep0",
         BestNs(kHops / 4, 2,
                [](int64_t n) {
                  bool done = false;
                  auto other = gevent::spawn([&] {
                    while (!done) gevent::sleep(absl::ZeroDuration());
                  });
                  for (int64_t i = 0; i < n; ++i)
                    gevent::sleep(absl::ZeroDuration());
                  done = true;
                  (void)other.join();
                }),
         "ns");
  Report("switch", "gevent_cpp_channel",
         BestNs(kHops / 4, 2,
                [](int64_t n) {
                  gevent::Channel<int> ping, pong;
                  auto echo = gevent::spawn([&] {
                    for (int64_t i = 0; i < n; ++i) (void)pong.put(*ping.get());
                  });
                  for (int64_t i = 0; i < n; ++i) {
                    (void)ping.put(1);
                    (void)pong.get();
                  }
                  (void)echo.join();
                }),
         "ns");
  Report("switch", "boost_fiber_yield",
         BestNs(kHops / 4, 2,
                [](int64_t n) {
                  fibers::fiber other(std::allocator_arg, FiberStacks(), [n] {
                    for (int64_t i = 0; i < n; ++i) boost::this_fiber::yield();
                  });
                  for (int64_t i = 0; i < n; ++i) boost::this_fiber::yield();
                  other.join();
                }),
         "ns");
  Report("switch", "boost_fiber_channel",
         BestNs(kHops / 4, 2,
                [](int64_t n) {
                  fibers::unbuffered_channel<int> ping, pong;
                  fibers::fiber echo(std::allocator_arg, FiberStacks(), [&] {
                    int v;
                    while (ping.pop(v) == fibers::channel_op_status::success) {
                      pong.push(v);
                    }
                  });
                  for (int64_t i = 0; i < n; ++i) {
                    ping.push(1);
                    int v;
                    pong.pop(v);
                  }
                  ping.close();
                  echo.join();
                }),
         "ns");
}

// --- spawn_join: ns per do-nothing task, spawned in a batch, all joined ---

void SpawnJoins() {
  constexpr int64_t kTasks = 100'000;
  Report("spawn_join", "gevent_cpp",
         BestNs(kTasks, 1,
                [](int64_t n) {
                  std::vector<gevent::Greenlet<void>> gs;
                  gs.reserve(n);
                  for (int64_t i = 0; i < n; ++i)
                    gs.push_back(gevent::spawn([] {}));
                  if (!gevent::joinall(gs).ok()) std::abort();
                }),
         "ns");
  Report("spawn_join", "boost_fiber",
         BestNs(kTasks, 1,
                [](int64_t n) {
                  std::vector<fibers::fiber> fs;
                  fs.reserve(n);
                  for (int64_t i = 0; i < n; ++i) {
                    fs.emplace_back(std::allocator_arg, FiberStacks(), [] {});
                  }
                  for (fibers::fiber& f : fs) f.join();
                }),
         "ns");
  // Threads one batch of 1,000 at a time: the OS would refuse 100,000.
  Report("spawn_join", "std_thread",
         BestNs(10'000, 1,
                [](int64_t n) {
                  for (int64_t done = 0; done < n; done += 1000) {
                    std::vector<std::thread> ts;
                    for (int i = 0; i < 1000 && done + i < n; ++i)
                      ts.emplace_back([] {});
                    for (std::thread& t : ts) t.join();
                  }
                }),
         "ns");
}

// --- idle_memory: RSS per task parked on an event ---

void IdleMemory() {
  const int64_t n = absl::GetFlag(FLAGS_idle_tasks);
  const std::string system = absl::GetFlag(FLAGS_idle_system);
  const std::string bench = "idle_memory_" + std::to_string(n);
  if (system.empty() || system == "gevent_cpp") {
    gevent::Event release;
    int64_t parked = 0;
    std::vector<gevent::Greenlet<void>> gs;
    gs.reserve(n);
    const int64_t before = RssBytes();
    for (int64_t i = 0; i < n; ++i) {
      gs.push_back(gevent::spawn([&] {
        ++parked;
        release.wait();
      }));
    }
    while (parked < n) gevent::sleep(absl::ZeroDuration());
    Report(bench, "gevent_cpp",
           static_cast<double>(RssBytes() - before) / static_cast<double>(n),
           "bytes");
    release.set();
    if (!gevent::joinall(gs).ok()) std::abort();
  }
  if (system.empty() || system == "boost_fiber") {
    fibers::mutex mu;
    fibers::condition_variable cv;
    bool go = false;
    int64_t parked = 0;
    std::vector<fibers::fiber> fs;
    fs.reserve(n);
    const int64_t before = RssBytes();
    for (int64_t i = 0; i < n; ++i) {
      fs.emplace_back(std::allocator_arg, FiberStacks(), [&] {
        std::unique_lock<fibers::mutex> lock(mu);
        ++parked;
        cv.wait(lock, [&] { return go; });
      });
    }
    while (parked < n) boost::this_fiber::yield();
    Report(bench, "boost_fiber",
           static_cast<double>(RssBytes() - before) / static_cast<double>(n),
           "bytes");
    {
      std::unique_lock<fibers::mutex> lock(mu);
      go = true;
    }
    cv.notify_all();
    for (fibers::fiber& f : fs) f.join();
  }
}

// --- skynet: 1M tasks in a 10-ary tree, each leaf returning its number ---

int64_t GeventSkynet(int64_t num, int64_t size) {
  if (size == 1) return num;
  const int64_t child = size / 10;
  gevent::Greenlet<int64_t> kids[10];
  for (int i = 0; i < 10; ++i) {
    kids[i] = gevent::spawn(GeventSkynet, num + i * child, child);
  }
  int64_t sum = 0;
  for (auto& k : kids) sum += k.get();
  return sum;
}

int64_t FiberSkynet(int64_t num, int64_t size) {
  if (size == 1) return num;
  const int64_t child = size / 10;
  int64_t sums[10];
  fibers::fiber kids[10];
  for (int i = 0; i < 10; ++i) {
    kids[i] = fibers::fiber(std::allocator_arg, FiberStacks(),
                            [&sums, i, num, child] {
                              sums[i] = FiberSkynet(num + i * child, child);
                            });
  }
  int64_t sum = 0;
  for (int i = 0; i < 10; ++i) {
    kids[i].join();
    sum += sums[i];
  }
  return sum;
}

void Skynet() {
  constexpr int64_t kTasks = 1'000'000, kSum = kTasks * (kTasks - 1) / 2;
  auto best_ms = [](int64_t (*skynet)(int64_t, int64_t)) {
    double best = 1e300;
    for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
      const auto start = std::chrono::steady_clock::now();
      const int64_t sum = skynet(0, kTasks);
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      if (sum != kSum) {
        std::fprintf(stderr, "skynet: sum %lld, expected %lld\n",
                     static_cast<long long>(sum),    // NOLINT(runtime/int)
                     static_cast<long long>(kSum));  // NOLINT(runtime/int)
        std::exit(1);
      }
      best = std::min(best, took.count());
    }
    return best;
  };
  Report("skynet", "gevent_cpp", best_ms(GeventSkynet), "ms");
  Report("skynet", "boost_fiber", best_ms(FiberSkynet), "ms");
}

bool Wanted(const std::string& bench) {
  const std::string only = absl::GetFlag(FLAGS_only);
  return only.empty() ||
         ("," + only + ",").find("," + bench + ",") != std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  (void)gevent::Hub::current();
  if (Wanted("switch")) Switches();
  if (Wanted("spawn_join")) SpawnJoins();
  if (Wanted("idle_memory")) IdleMemory();
  if (Wanted("skynet")) Skynet();
  return 0;
}
