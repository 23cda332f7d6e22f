// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The io_uring features the hub-level suites cannot see, on the backend
// itself: multishot accept (a burst drains in a few io_uring_enters, the queue
// stops at its cap and leaves the rest in the backlog, closing the listener
// closes what was queued and frees the port) and provided buffers (a lent
// buffer carries the data, goes back to the ring, and running out says
// ENOBUFS instead of failing).

#include "gevent/backends/uring/uring_backend.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace gevent {
namespace {

int CountOpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n - 1;  // the DIR's own fd
}

struct Done {
  int count = 0;
};

void CountDone(IoOp* op) { ++static_cast<Done*>(op->user)->count; }

IoOp MakeOp(IoOp::Kind kind, int fd, Done* done) {
  IoOp op;
  op.kind = kind;
  op.fd = fd;
  op.user = done;
  op.on_complete = &CountDone;
  return op;
}

// Submits `op` and polls until it is over; returns its result.
int64_t RunOp(UringBackend& b, IoOp& op) {
  Done* done = static_cast<Done*>(op.user);
  const int before = done->count;
  if (b.Submit(&op)) return op.result;
  for (int i = 0; i < 1000 && done->count == before; ++i) b.Poll(10'000'000);
  EXPECT_GT(done->count, before) << "the op never completed";
  return op.result;
}

int Listen(sockaddr_in* addr, int backlog, uint16_t port = 0) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(fd, backlog) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *addr = a;
  return fd;
}

// Blocking connects: each completes into the listener's backlog.
std::vector<int> Connect(const sockaddr_in& addr, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(
        connect(c, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
    fds.push_back(c);
  }
  return fds;
}

uint16_t LocalPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

TEST(UringAccept, ABurstDrainsInFewEntersWithEveryPeersAddress) {
  const int fds_before = CountOpenFds() + 2;  // the ring and the wake fd
  UringBackend b;
  sockaddr_in addr;
  const int lfd = Listen(&addr, 256);
  ASSERT_GE(lfd, 0);
  // The first accept arms the multishot.
  Done done;
  IoOp first = MakeOp(IoOp::Kind::kAccept, lfd, &done);
  ASSERT_FALSE(b.Submit(&first));
  std::vector<int> clients = Connect(addr, 50);
  for (int i = 0; i < 100 && done.count == 0; ++i) b.Poll(10'000'000);
  ASSERT_EQ(done.count, 1);
  ASSERT_GE(first.result, 0);
  std::vector<int> accepted{static_cast<int>(first.result)};
  // The other 49 were accepted by the same SQE and are queued: taking them
  // costs no io_uring_enter at all.
  b.Poll(0);
  const uint64_t enters = b.enters();
  std::vector<uint16_t> peers;
  for (int i = 1; i < 50; ++i) {
    sockaddr_in peer{};
    IoOp op = MakeOp(IoOp::Kind::kAccept, lfd, &done);
    op.addr = reinterpret_cast<sockaddr*>(&peer);
    op.addrlen = sizeof(peer);
    const int64_t fd = RunOp(b, op);
    ASSERT_GE(fd, 0) << std::strerror(static_cast<int>(-fd));
    ASSERT_EQ(op.addrlen, sizeof(peer));
    EXPECT_EQ(peer.sin_family, AF_INET);
    peers.push_back(ntohs(peer.sin_port));
    accepted.push_back(static_cast<int>(fd));
  }
  EXPECT_LE(b.enters() - enters, 5u) << "49 queued accepts went to the kernel";
  // Every client's port shows up once as a peer (the first came without one).
  std::vector<uint16_t> ports;
  for (int c : clients) ports.push_back(LocalPort(c));
  for (uint16_t p : peers) {
    EXPECT_NE(std::find(ports.begin(), ports.end(), p), ports.end());
  }
  std::sort(peers.begin(), peers.end());
  EXPECT_EQ(std::unique(peers.begin(), peers.end()), peers.end());
  EXPECT_EQ(b.pending(), 0u);
  for (int fd : accepted) close(fd);
  for (int c : clients) close(c);
  b.CloseFd(lfd);
  close(lfd);
  b.Poll(0);
  EXPECT_EQ(CountOpenFds(), fds_before);
}

TEST(UringAccept, TheQueueStopsAtItsCapAndClosingTheListenerClosesIt) {
  const int fds_before = CountOpenFds();
  {
    UringBackend b;
    sockaddr_in addr;
    const int lfd = Listen(&addr, 1024);
    Done done;
    IoOp first = MakeOp(IoOp::Kind::kAccept, lfd, &done);
    ASSERT_FALSE(b.Submit(&first));
    // Connections trickle in while nobody asks for them after the first.
    std::vector<int> clients;
    for (int i = 0; i < 30; ++i) {
      for (int c : Connect(addr, 10)) clients.push_back(c);
      b.Poll(1'000'000);
    }
    for (int i = 0; i < 5; ++i) b.Poll(1'000'000);
    ASSERT_EQ(done.count, 1);
    close(static_cast<int>(first.result));
    // The backend holds its cap (plus what one batch brought past it); the
    // rest wait in the kernel's backlog.
    const int held = CountOpenFds() - fds_before - 1 /*ring*/ - 1 /*wake*/ -
                     1 /*listener*/ - 300 /*clients*/;
    EXPECT_GE(held, static_cast<int>(UringBackend::kAcceptQueueCap));
    EXPECT_LE(held, static_cast<int>(UringBackend::kAcceptQueueCap) + 20);
    b.CloseFd(lfd);
    close(lfd);
    EXPECT_EQ(CountOpenFds(), fds_before + 2 + 300) << "queued fds left open";
    for (int c : clients) close(c);
    b.Poll(0);
    EXPECT_EQ(b.pending(), 0u);
  }
  EXPECT_EQ(CountOpenFds(), fds_before);
}

// A listener with an accept waiting on it, its multishot in the kernel.
struct WaitingAccept {
  UringBackend b;
  sockaddr_in addr;
  int lfd = Listen(&addr, 16);
  Done done;
  IoOp op = MakeOp(IoOp::Kind::kAccept, lfd, &done);
  WaitingAccept() {
    EXPECT_FALSE(b.Submit(&op));
    b.Poll(0);
  }
};

TEST(UringAccept, ClosingAListenerWithAnArmedMultishotFreesThePort) {
  WaitingAccept w;
  auto& [b, addr, lfd, done, op] = w;
  ASSERT_TRUE(b.Cancel(&op));  // the multishot stays armed for the next one
  // The multishot holds the socket in the kernel: CloseFd must end it at
  // once, so that the port can be bound again before the next Poll.
  b.CloseFd(lfd);
  close(lfd);
  sockaddr_in again;
  const int lfd2 = Listen(&again, 16, ntohs(addr.sin_port));
  EXPECT_GE(lfd2, 0) << "the port is still held: " << std::strerror(errno);
  if (lfd2 >= 0) close(lfd2);
  b.Poll(0);
  EXPECT_EQ(b.pending(), 0u);
}

TEST(UringAccept, ACancelledAcceptLeavesTheStreamForTheNextOne) {
  const int fds_before = CountOpenFds();
  {
    UringBackend b;
    sockaddr_in addr;
    const int lfd = Listen(&addr, 16);
    Done done;
    for (int i = 0; i < 10000; ++i) {
      IoOp op = MakeOp(IoOp::Kind::kAccept, lfd, &done);
      ASSERT_FALSE(b.Submit(&op));
      if (i % 100 == 0) b.Poll(0);
      ASSERT_TRUE(b.Cancel(&op));
      EXPECT_EQ(op.result, -ECANCELED);
    }
    EXPECT_EQ(done.count, 0);
    EXPECT_EQ(b.pending(), 0u);
    std::vector<int> clients = Connect(addr, 1);
    IoOp op = MakeOp(IoOp::Kind::kAccept, lfd, &done);
    const int64_t fd = RunOp(b, op);
    ASSERT_GE(fd, 0);
    close(static_cast<int>(fd));
    close(clients[0]);
    b.CloseFd(lfd);
    close(lfd);
  }
  EXPECT_EQ(CountOpenFds(), fds_before);
}

TEST(UringAccept, CloseFdCompletesAWaitingAcceptWithEbadf) {
  WaitingAccept w;
  auto& [b, addr, lfd, done, op] = w;
  b.CloseFd(lfd);
  close(lfd);
  EXPECT_EQ(done.count, 1);
  EXPECT_EQ(op.result, -EBADF);
  EXPECT_EQ(b.pending(), 0u);
}

TEST(UringAccept, ANonListeningSocketIsAnError) {
  UringBackend b;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  Done done;
  IoOp op = MakeOp(IoOp::Kind::kAccept, fd, &done);
  EXPECT_EQ(RunOp(b, op), -EINVAL);
  EXPECT_EQ(b.pending(), 0u);
  b.CloseFd(fd);
  close(fd);
}

TEST(UringBuffers, ALentBufferCarriesTheDataAndGoesBack) {
  UringBackend b;
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  Done done;
  // Many more rounds than there are buffers: each must go back.
  for (unsigned i = 0; i < 3 * UringBackend::kLentBuffers; ++i) {
    IoOp op = MakeOp(IoOp::Kind::kRecv, sv[0], &done);
    op.len = 100;
    const std::string msg = "message " + std::to_string(i);
    if (i % 2 == 0) {
      // Half wait for the data in the kernel, half find it there.
      ASSERT_FALSE(b.Submit(&op));
      b.Poll(0);
      ASSERT_EQ(write(sv[1], msg.data(), msg.size()),
                static_cast<ssize_t>(msg.size()));
      for (int k = 0; k < 100 && done.count == static_cast<int>(i); ++k) {
        b.Poll(10'000'000);
      }
      ASSERT_EQ(op.result, static_cast<int64_t>(msg.size()));
    } else {
      ASSERT_EQ(write(sv[1], msg.data(), msg.size()),
                static_cast<ssize_t>(msg.size()));
      ASSERT_EQ(RunOp(b, op), static_cast<int64_t>(msg.size()));
    }
    ASSERT_NE(op.buf, nullptr);
    EXPECT_EQ(std::string(static_cast<char*>(op.buf), msg.size()), msg);
    b.ReturnBuffer(&op);
    EXPECT_EQ(op.buf, nullptr);
  }
  // EOF consumes no lent buffer for good either.
  close(sv[1]);
  IoOp eof = MakeOp(IoOp::Kind::kRecv, sv[0], &done);
  eof.len = 100;
  EXPECT_EQ(RunOp(b, eof), 0);
  EXPECT_EQ(eof.buf, nullptr);
  b.CloseFd(sv[0]);
  close(sv[0]);
}

TEST(UringBuffers, RunningOutIsEnobufsAndReturningOneHelps) {
  UringBackend b;
  const unsigned n = UringBackend::kLentBuffers;
  std::vector<std::array<int, 2>> pairs(n + 1);
  for (auto& p : pairs) {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p.data()), 0);
    ASSERT_EQ(write(p[1], "x", 1), 1);
  }
  Done done;
  std::vector<IoOp> ops(n + 1);
  for (unsigned i = 0; i < n; ++i) {
    ops[i] = MakeOp(IoOp::Kind::kRecv, pairs[i][0], &done);
    ops[i].len = 1;
    ASSERT_EQ(RunOp(b, ops[i]), 1);
  }
  // Every buffer is lent out.
  IoOp last = MakeOp(IoOp::Kind::kRecv, pairs[n][0], &done);
  last.len = 1;
  EXPECT_EQ(RunOp(b, last), -ENOBUFS);
  // The data is still in the socket: give one back and ask again.
  b.ReturnBuffer(&ops[0]);
  EXPECT_EQ(RunOp(b, last), 1);
  EXPECT_EQ(static_cast<char*>(last.buf)[0], 'x');
  b.ReturnBuffer(&last);
  for (auto& op : ops) b.ReturnBuffer(&op);
  // A recv larger than a lent buffer is refused rather than cut short.
  IoOp big = MakeOp(IoOp::Kind::kRecv, pairs[0][0], &done);
  big.len = UringBackend::kLentBufferSize + 1;
  EXPECT_TRUE(b.Submit(&big));
  EXPECT_EQ(big.result, -ENOBUFS);
  for (auto& p : pairs) {
    for (int fd : p) {
      b.CloseFd(fd);
      close(fd);
    }
  }
}

TEST(UringBuffers, ACancelledLentRecvLosesNoData) {
  UringBackend b;
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  Done done;
  for (int i = 0; i < 1000; ++i) {
    IoOp op = MakeOp(IoOp::Kind::kRecv, sv[0], &done);
    op.len = 64;
    ASSERT_FALSE(b.Submit(&op));
    if (i % 2) b.Poll(0);  // half of them reach the kernel first
    if (!b.Cancel(&op)) {
      const int before = done.count;
      while (done.count == before) b.Poll(-1);
    }
    EXPECT_EQ(op.result, -ECANCELED);
    EXPECT_EQ(op.buf, nullptr);
  }
  EXPECT_EQ(b.pending(), 0u);
  ASSERT_EQ(write(sv[1], "kept", 4), 4);
  IoOp op = MakeOp(IoOp::Kind::kRecv, sv[0], &done);
  op.len = 64;
  ASSERT_EQ(RunOp(b, op), 4);
  EXPECT_EQ(std::string(static_cast<char*>(op.buf), 4), "kept");
  b.ReturnBuffer(&op);
  for (int fd : sv) {
    b.CloseFd(fd);
    close(fd);
  }
}

}  // namespace
}  // namespace gevent
