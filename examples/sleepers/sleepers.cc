// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// N greenlets each "download" for 100 ms (a sleep standing in for network I/O)
// on one OS thread: the whole batch takes about 100 ms, not N x 100 ms. Prints
// the backend it was built with.
//
//   bazel run //examples/sleepers                  # 10,000 greenlets
//   bazel run //examples/sleepers -- 1000          # N greenlets
//   bazel run --config=uring //examples/sleepers   # the io_uring backend
//   bazel run //examples/sleepers -- --version     # the backend only

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/gevent.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("gevent-cpp, backend %s\n",
                std::string(gevent::backend_name()).c_str());
    return 0;
  }
  const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10000;
  if (n < 1 || n > 1000000) {
    std::fprintf(stderr,
                 "usage: sleepers [greenlets: 1..1000000] | --version\n");
    return 2;
  }
  std::printf("gevent-cpp on %s: %ld greenlets, each sleeping 100 ms\n",
              std::string(gevent::backend_name()).c_str(), n);
  const absl::Time start = absl::Now();
  std::vector<gevent::Greenlet<long>> jobs;
  jobs.reserve(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i) {
    jobs.push_back(gevent::spawn([i] {
      gevent::sleep(absl::Milliseconds(100));
      return i;
    }));
  }
  if (!gevent::joinall(jobs).ok()) return 1;
  long sum = 0;
  for (auto& j : jobs) sum += j.get();
  const absl::Duration took = absl::Now() - start;
  std::printf("done in %s (sequentially: %s); checksum %s\n",
              absl::FormatDuration(took).c_str(),
              absl::FormatDuration(absl::Milliseconds(100) * n).c_str(),
              sum == n * (n - 1) / 2 ? "ok" : "WRONG");
  return sum == n * (n - 1) / 2 ? 0 : 1;
}
