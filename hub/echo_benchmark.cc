// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// 64-byte echo ping-pong over loopback TCP, server and clients as greenlets on
// one hub, through Hub::Io (the path sockets take). One binary per backend:
//
//   bazel run -c opt //hub:echo_benchmark_epoll     (_libevent, _uring)
//   bench/echo_syscalls.sh                          (adds syscalls per request)
//
// --connections=N (default 64) clients, each with one message in flight;
// --requests=M in total (default 200,000). Prints requests per second.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"

namespace {

using gevent::Hub;
using gevent::IoOp;

int64_t Run(IoOp::Kind kind, int fd, void* buf, size_t len) {
  IoOp op;
  op.kind = kind;
  op.fd = fd;
  op.buf = buf;
  op.len = len;
  op.stream = true;  // TCP, as gevent::Socket marks it
  return Hub::current().Io(op, -1);
}

// Writes exactly `len` bytes; false on error.
bool SendAll(int fd, char* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    int64_t n = Run(IoOp::Kind::kSend, fd, buf + done, len - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads a `len`-byte message into `buf` (at least kRecvBuffer bytes), asking
// for as much as fits, as servers do (a short read tells a readiness backend
// the socket is drained); false on EOF or error.
constexpr size_t kRecvBuffer = 4096;
bool RecvMessage(int fd, char* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    int64_t n = Run(IoOp::Kind::kRecv, fd, buf + done, kRecvBuffer - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void Close(int fd) {
  Hub::current().CloseFd(fd);
  close(fd);
}

int ArgOr(int argc, char** argv, const char* name, int fallback) {
  const size_t n = std::strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') {
      return std::atoi(argv[i] + n + 1);
    }
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int connections = ArgOr(argc, argv, "--connections", 64);
  const int requests = ArgOr(argc, argv, "--requests", 200000);
  if (connections < 1 || requests < connections) {
    std::fprintf(stderr,
                 "usage: echo_benchmark [--connections=N] [--requests=M]\n");
    return 2;
  }
  Hub& hub = Hub::current();

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(lfd, 1024) != 0) {
    std::perror("echo_benchmark: bind/listen");
    return 1;
  }
  socklen_t alen = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);

  std::vector<gevent::Greenlet<void>> handlers;
  auto server = gevent::spawn([&] {
    for (int i = 0; i < connections; ++i) {
      IoOp op;
      op.kind = IoOp::Kind::kAccept;
      op.fd = lfd;
      int64_t cfd = hub.Io(op, -1);
      if (cfd < 0) return;
      handlers.push_back(gevent::spawn([fd = static_cast<int>(cfd)] {
        char buf[kRecvBuffer];
        while (RecvMessage(fd, buf, 64) && SendAll(fd, buf, 64)) {
        }
        Close(fd);
      }));
    }
  });

  const int per_client = requests / connections;
  std::vector<gevent::Greenlet<void>> clients;
  const absl::Time start = absl::Now();
  for (int c = 0; c < connections; ++c) {
    clients.push_back(gevent::spawn([&] {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      IoOp op;
      op.kind = IoOp::Kind::kConnect;
      op.fd = fd;
      op.addr = reinterpret_cast<sockaddr*>(&addr);
      op.addrlen = sizeof(addr);
      if (hub.Io(op, -1) != 0) {
        Close(fd);
        return;
      }
      char msg[kRecvBuffer];
      std::memset(msg, 'p', sizeof(msg));
      for (int i = 0; i < per_client; ++i) {
        if (!SendAll(fd, msg, 64) || !RecvMessage(fd, msg, 64)) {
          break;
        }
      }
      Close(fd);
    }));
  }
  (void)gevent::joinall(clients);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  (void)server.join();
  (void)gevent::joinall(handlers);
  Close(lfd);
  const long total = static_cast<long>(per_client) * connections;
  std::printf("backend=%s connections=%d requests=%ld seconds=%.3f rps=%.0f\n",
              std::string(hub.backend_name()).c_str(), connections, total,
              seconds, total / seconds);
  return 0;
}
