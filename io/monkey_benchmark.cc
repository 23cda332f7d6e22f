// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// What patch_all() costs. A 64-byte ping-pong over loopback TCP between the
// benchmark (the main greenlet) and an echo greenlet, written with
// gevent::Socket and written as plain blocking POSIX calls; and one call that
// passes straight through to libc (a read that says EAGAIN).
//
//   bazel run -c opt //io:monkey_benchmark_epoll     (_libevent, _uring)

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "gevent/hub/greenlet.h"
#include "gevent/io/internal/monkey_state.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/monkey.h"
#include "gevent/io/socket.h"

namespace {

constexpr size_t kMessage = 64;

// Echoes `fd` with plain blocking calls until EOF.
void PlainEcho(int fd) {
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0 || send(fd, buf, static_cast<size_t>(n), 0) != n) return;
  }
}

bool PlainRoundTrip(int fd, char* buf) {
  if (send(fd, buf, kMessage, 0) != static_cast<ssize_t>(kMessage)) {
    return false;
  }
  size_t got = 0;
  while (got < kMessage) {
    const ssize_t n = recv(fd, buf + got, 4096 - got, 0);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Both ends blocking POSIX sockets, as unmodified code makes them.
void BM_PingPongPlainPosixPatched(benchmark::State& state) {
  gevent::monkey::patch_all();
  auto [client, server] = gevent::testing::TcpPair();
  const int c = dup(client.fileno());
  const int s = dup(server.fileno());
  (void)client.close();
  (void)server.close();
  for (int fd : {c, s}) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // as libc makes it
    NoDelay(fd);
  }
  auto echo = gevent::spawn([s] { PlainEcho(s); });
  char buf[4096] = {};
  for (auto _ : state) {
    if (!PlainRoundTrip(c, buf)) state.SkipWithError("round trip failed");
  }
  close(c);
  (void)echo.join();
  close(s);
}
BENCHMARK(BM_PingPongPlainPosixPatched);

// The same with gevent::Socket (in the same patched process: its calls pass
// through the hooks to libc).
void BM_PingPongSocket(benchmark::State& state) {
  gevent::monkey::patch_all();
  auto [client, server] = gevent::testing::TcpPair();
  NoDelay(client.fileno());
  NoDelay(server.fileno());
  auto echo = gevent::spawn([&server = server] {
    char buf[4096];
    for (;;) {
      absl::StatusOr<size_t> n = server.recv_into(absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) return;
      if (!server.sendall(std::string_view(buf, *n)).ok()) return;
    }
  });
  char buf[4096] = {};
  for (auto _ : state) {
    if (!client.sendall(std::string_view(buf, kMessage)).ok()) {
      state.SkipWithError("send failed");
    }
    size_t got = 0;
    while (got < kMessage) {
      absl::StatusOr<size_t> n =
          client.recv_into(absl::MakeSpan(buf + got, sizeof(buf) - got));
      if (!n.ok() || *n == 0) {
        state.SkipWithError("recv failed");
        break;
      }
      got += *n;
    }
  }
  (void)client.close();
  (void)echo.join();
}
BENCHMARK(BM_PingPongSocket);

// A call the hooks hand straight to libc (a non-blocking fd), against libc's
// own function: the cost of the check.
void BM_PassThroughRead(benchmark::State& state) {
  gevent::monkey::patch_all();
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) state.SkipWithError("pipe2");
  char c;
  const bool hooked = state.range(0) == 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        hooked ? read(p[0], &c, 1)
               : gevent::monkey::internal::libc().read(p[0], &c, 1));
  }
  state.SetLabel(hooked ? "patched read()" : "libc read()");
  close(p[0]);
  close(p[1]);
}
BENCHMARK(BM_PassThroughRead)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
