// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Cancelling operations in flight, on every backend: a kill during recv, accept
// and connect, a timeout during a send that cannot finish, and 10,000 cancels
// in a row. Each must leave no op in the backend, no fd open and no greenlet
// alive, and the fd must work again afterwards. On io_uring these are real
// IORING_OP_ASYNC_CANCELs awaited before the greenlet unwinds.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

class IoCancelTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
  Hub& hub_ = Hub::current();
};

void Close(int fd) {
  Hub::current().CloseFd(fd);
  close(fd);
}

IoOp MakeOp(IoOp::Kind kind, int fd, void* buf = nullptr, size_t len = 0) {
  IoOp op;
  op.kind = kind;
  op.fd = fd;
  op.buf = buf;
  op.len = len;
  return op;
}

// A listening TCP socket on 127.0.0.1 and an ephemeral port.
int Listen(sockaddr_in* addr, int backlog) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(listen(fd, backlog), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *addr = a;
  return fd;
}

TEST_F(IoCancelTest, KillDuringRecv) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  char buf[64];
  std::memset(buf, 'z', sizeof(buf));
  auto g = spawn([&] {
    IoOp op = MakeOp(IoOp::Kind::kRecv, sv[0], buf, sizeof(buf));
    return Hub::current().Io(op, -1);
  });
  sleep(absl::Milliseconds(1));
  EXPECT_EQ(hub_.backend().pending(), 1u);
  ASSERT_TRUE(g.kill().ok());
  EXPECT_EQ(hub_.backend().pending(), 0u);
  EXPECT_EQ(buf[0], 'z');  // the cancelled op never wrote into it
  ASSERT_EQ(write(sv[1], "hi", 2), 2);
  IoOp again = MakeOp(IoOp::Kind::kRecv, sv[0], buf, sizeof(buf));
  EXPECT_EQ(hub_.Io(again, -1), 2);
  Close(sv[0]);
  Close(sv[1]);
}

TEST_F(IoCancelTest, KillDuringAccept) {
  sockaddr_in addr;
  int lfd = Listen(&addr, 16);
  auto g = spawn([&] {
    IoOp op = MakeOp(IoOp::Kind::kAccept, lfd);
    return Hub::current().Io(op, -1);
  });
  sleep(absl::Milliseconds(1));
  ASSERT_TRUE(g.kill().ok());
  EXPECT_EQ(hub_.backend().pending(), 0u);
  // The listener still accepts.
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  IoOp conn = MakeOp(IoOp::Kind::kConnect, c);
  conn.addr = reinterpret_cast<sockaddr*>(&addr);
  conn.addrlen = sizeof(addr);
  EXPECT_EQ(hub_.Io(conn, -1), 0);
  IoOp acc = MakeOp(IoOp::Kind::kAccept, lfd);
  int64_t afd = hub_.Io(acc, internal::DeadlineAfter(absl::Seconds(5), ""));
  ASSERT_GE(afd, 0);
  Close(static_cast<int>(afd));
  Close(c);
  Close(lfd);
}

TEST_F(IoCancelTest, KillDuringConnect) {
  // A listener that never accepts, with its queue full: further connects hang.
  sockaddr_in addr;
  int lfd = Listen(&addr, 0);
  std::vector<int> fillers;
  for (int i = 0; i < 64; ++i) {
    int f = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int r = connect(f, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    fillers.push_back(f);
    if (r < 0 && errno == EINPROGRESS) {
      sleep(absl::Milliseconds(5));
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(f, SOL_SOCKET, SO_ERROR, &err, &len);
      // Still in progress after a while: the queue is full.
      pollfd p{f, POLLOUT, 0};
      if (poll(&p, 1, 0) == 0) break;
    }
  }
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto g = spawn([&] {
    IoOp op = MakeOp(IoOp::Kind::kConnect, c);
    op.addr = reinterpret_cast<sockaddr*>(&addr);
    op.addrlen = sizeof(addr);
    return Hub::current().Io(op, -1);
  });
  sleep(absl::Milliseconds(5));
  if (g.dead()) {
    GTEST_SKIP() << "this kernel completed the connect at once";
  }
  ASSERT_TRUE(g.kill().ok());
  EXPECT_EQ(hub_.backend().pending(), 0u);
  Close(c);
  for (int f : fillers) Close(f);
  Close(lfd);
}

TEST_F(IoCancelTest, TimeoutDuringASendThatCannotFinish) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  std::vector<char> chunk(64 * 1024, 'x');
  while (send(sv[0], chunk.data(), chunk.size(), MSG_DONTWAIT) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);  // the socket buffer is full; nobody reads
  std::vector<char> big(16 << 20, 'y');
  IoOp op = MakeOp(IoOp::Kind::kSend, sv[0], big.data(), big.size());
  EXPECT_EQ(hub_.Io(op, internal::DeadlineAfter(absl::Milliseconds(20), "")),
            -ETIMEDOUT);
  EXPECT_EQ(hub_.backend().pending(), 0u);
  Close(sv[0]);
  Close(sv[1]);
}

TEST_F(IoCancelTest, TenThousandCancelsLeakNothing) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  char buf[16];
  for (int i = 0; i < 10000; ++i) {
    IoOp op = MakeOp(IoOp::Kind::kRecv, sv[0], buf, sizeof(buf));
    ASSERT_EQ(hub_.Io(op, internal::DeadlineAfter(absl::Microseconds(1), "")),
              -ETIMEDOUT);
  }
  EXPECT_EQ(hub_.backend().pending(), 0u);
  ASSERT_EQ(write(sv[1], "ok", 2), 2);
  IoOp last = MakeOp(IoOp::Kind::kRecv, sv[0], buf, sizeof(buf));
  EXPECT_EQ(hub_.Io(last, -1), 2);
  Close(sv[0]);
  Close(sv[1]);
}

}  // namespace
}  // namespace gevent
