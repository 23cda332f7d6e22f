// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Memory held by suspended greenlets: N greenlets each started and parked at a
// switch, all alive at once; reports resident memory per greenlet (RSS growth,
// which includes the RawGreenlet objects, their touched stack pages and the
// heap) and the page tables the kernel spent on them (VmPTE, not part of RSS).
//
//   bazel run -c opt //greenlet:suspended_memory_benchmark
//
// Target: rss_per_greenlet <= 5 KiB at 1,000,000 (Go's goroutine: 2.7 KiB
// here).

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gevent/greenlet/internal/stack_pool.h"
#include "gevent/greenlet/raw_greenlet.h"

namespace {

// A field of /proc/self/status in KiB ("VmRSS", "VmPTE").
long StatusKiB(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof(line), f)) {
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
      std::sscanf(line + n + 1, "%ld", &value);
      break;
    }
  }
  std::fclose(f);
  return value;
}

long MapCount() {
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (!f) return -1;
  long lines = 0;
  for (int c; (c = std::fgetc(f)) != EOF;) lines += (c == '\n');
  std::fclose(f);
  return lines;
}

void BM_SuspendedGreenlets(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  gevent::RawGreenlet* main = gevent::RawGreenlet::current();
  for (auto _ : state) {
    std::vector<std::unique_ptr<gevent::RawGreenlet>> gs;
    gs.reserve(n);
    const long rss0 = StatusKiB("VmRSS");
    const long pte0 = StatusKiB("VmPTE");
    for (size_t i = 0; i < n; ++i) {
      gs.push_back(
          std::make_unique<gevent::RawGreenlet>([main] { main->switch_to(); }));
      gs.back()->switch_to();  // runs to its switch and stays suspended there
    }
    const long rss1 = StatusKiB("VmRSS");
    const long pte1 = StatusKiB("VmPTE");
    const auto pool = gevent::internal::ThisThreadStackPool().stats();
    // The vector of pointers is bookkeeping of this benchmark, not of
    // greenlets.
    const double vector_kib = static_cast<double>(n * sizeof(void*)) / 1024;
    state.counters["rss_per_greenlet_KiB"] =
        (static_cast<double>(rss1 - rss0) - vector_kib) /
        static_cast<double>(n);
    state.counters["pte_per_greenlet_KiB"] =
        static_cast<double>(pte1 - pte0) / static_cast<double>(n);
    state.counters["maps"] = static_cast<double>(MapCount());
    state.counters["guarded_slabs"] = static_cast<double>(pool.guarded_slabs);
    state.counters["slabs"] = static_cast<double>(pool.slabs);
    state.counters["sizeof_Greenlet"] = sizeof(gevent::RawGreenlet);
    state.PauseTiming();
    for (auto& g : gs) g->switch_to();  // let them all finish
    gs.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_SuspendedGreenlets)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
