// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// What multishot accept buys, on the backend itself and in one run: a burst of
// connections already in the backlog, accepted with one-shot SQEs (one
// io_uring_enter per connection, the address from the kernel) and with the
// multishot (the burst in one enter, the address from getpeername).
//
//   bazel run -c opt //backends/uring:uring_benchmark

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "gevent/backends/uring/uring_backend.h"

namespace gevent {
namespace {

void Done(IoOp* op) { *static_cast<bool*>(op->user) = true; }

void BM_AcceptBurst(benchmark::State& state) {
  const bool multishot = state.range(0) != 0;
  const int n = static_cast<int>(state.range(1));
  rlimit lim;
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  UringBackend::Options options;
  options.multishot_accept = multishot;
  UringBackend b(options);
  const int lfd =
      socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(lfd, 4096) != 0 ||
      getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    state.SkipWithError("listen failed");
    return;
  }
  std::vector<int> fds;
  uint64_t enters = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < n; ++i) {
      const int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        state.SkipWithError("connect failed");
      }
      fds.push_back(c);
    }
    const uint64_t enters_before = b.enters();
    state.ResumeTiming();
    for (int i = 0; i < n; ++i) {
      sockaddr_storage peer;
      bool done = false;
      IoOp op;
      op.kind = IoOp::Kind::kAccept;
      op.fd = lfd;
      op.addr = reinterpret_cast<sockaddr*>(&peer);
      op.addrlen = sizeof(peer);
      op.user = &done;
      op.on_complete = &Done;
      if (!b.Submit(&op)) {
        while (!done) b.Poll(-1);
      }
      if (op.result < 0) {
        state.SkipWithError("accept failed");
        break;
      }
      fds.push_back(static_cast<int>(op.result));
    }
    state.PauseTiming();
    enters += b.enters() - enters_before;
    for (int fd : fds) close(fd);
    fds.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["enters_per_accept"] =
      static_cast<double>(enters) / static_cast<double>(state.iterations() * n);
  state.SetLabel(multishot ? "multishot" : "one-shot");
  b.CloseFd(lfd);
  close(lfd);
}
BENCHMARK(BM_AcceptBurst)
    ->ArgsProduct({{0, 1}, {64, 1024}})
    ->ArgNames({"multishot", "n"})
    ->UseRealTime();

}  // namespace
}  // namespace gevent

BENCHMARK_MAIN();
