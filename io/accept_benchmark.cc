// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Accepting a burst: N connections already in the listener's backlog, taken
// by Socket::accept with their peer addresses (as StreamServer does). On
// io_uring one multishot accept drains the burst in an io_uring_enter or two;
// the readiness backends make an accept4 per connection. One binary per
// backend:
//
//   bazel run -c opt //io:accept_benchmark_uring     (_epoll, _libevent)
//
// Also: Socket::recv(4096) of a 64-byte message, where io_uring lends a
// provided buffer and the others fill a zeroed 4 KiB string.

#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "gevent/hub/hub.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/socket.h"

namespace gevent {
namespace {

void BM_AcceptBurst(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  testing::RaiseFdLimit(static_cast<rlim_t>(2 * n + 100));
  Socket listener = testing::ListenLoopback(4096);
  const Address where = testing::AddressOf(listener);
  std::vector<int> clients;
  std::vector<Socket> accepted;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < n; ++i) {
      // Blocking connects: each completes into the backlog.
      const int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(c, where.sockaddr_ptr(), where.length()) != 0) {
        state.SkipWithError("connect failed");
      }
      clients.push_back(c);
    }
    state.ResumeTiming();
    for (int i = 0; i < n; ++i) {
      absl::StatusOr<Accepted> a = listener.accept();
      if (!a.ok()) {
        state.SkipWithError(a.status().ToString().c_str());
        break;
      }
      benchmark::DoNotOptimize(a->peer);
      accepted.push_back(std::move(a->socket));
    }
    state.PauseTiming();
    accepted.clear();
    for (int c : clients) close(c);
    clients.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(std::string(Hub::current().backend_name()));
}
BENCHMARK(BM_AcceptBurst)->Arg(256)->UseRealTime();

void BM_RecvString(benchmark::State& state) {
  auto [a, b] = testing::TcpPair();
  const std::string msg(64, 'm');
  for (auto _ : state) {
    if (!b.sendall(msg).ok()) state.SkipWithError("send failed");
    absl::StatusOr<std::string> r = a.recv(4096);
    if (!r.ok() || r->size() != msg.size()) state.SkipWithError("recv failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(std::string(Hub::current().backend_name()));
}
BENCHMARK(BM_RecvString)->UseRealTime();

}  // namespace
}  // namespace gevent

BENCHMARK_MAIN();
