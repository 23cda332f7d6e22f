// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Socket on every backend: echo round trips from 1 byte to 16 MiB, thousands of
// concurrent clients, resets, half-close, refused and timed-out connects,
// timeouts, close and kill while blocked, UDP and Unix sockets, bad input.
// Every test ends with the fds and greenlets it started with.

#include "gevent/io/socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/io/internal/test_util.h"

namespace gevent {
namespace {

using testing::AddressOf;
using testing::Checksum;
using testing::ListenLoopback;
using testing::Payload;
using testing::TcpPair;

class SocketTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

// Echoes everything until EOF, then closes.
void Echo(Socket& conn) {
  std::string buf(64 * 1024, '\0');
  for (;;) {
    absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) return;
    if (!conn.sendall(std::string_view(buf.data(), *n)).ok()) return;
  }
}

// Reads until EOF.
absl::StatusOr<std::string> ReadAll(Socket& s) {
  std::string out;
  std::string buf(64 * 1024, '\0');
  for (;;) {
    absl::StatusOr<size_t> n = s.recv_into(absl::MakeSpan(buf));
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf, 0, *n);
  }
}

class EchoSizeTest : public SocketTest,
                     public ::testing::WithParamInterface<size_t> {};

TEST_P(EchoSizeTest, RoundTripKeepsEveryByte) {
  const size_t size = GetParam();
  Socket listener = ListenLoopback();
  auto server = spawn([&] {
    absl::StatusOr<Accepted> a = listener.accept();
    ASSERT_TRUE(a.ok()) << a.status();
    Echo(a->socket);
  });
  absl::StatusOr<Socket> client = Socket::Tcp();
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->connect(AddressOf(listener), absl::Seconds(5)).ok());
  const std::string data = Payload(size, static_cast<uint32_t>(size));
  // Send and receive at once: neither side could buffer 16 MiB.
  auto sender = spawn([&] {
    EXPECT_TRUE(client->sendall(data).ok());
    EXPECT_TRUE(client->shutdown(SHUT_WR).ok());
  });
  absl::StatusOr<std::string> got = ReadAll(*client);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), data.size());
  EXPECT_EQ(Checksum(*got), Checksum(data));
  ASSERT_TRUE(sender.join().ok());
  ASSERT_TRUE(server.join().ok());
}

INSTANTIATE_TEST_SUITE_P(Sizes, EchoSizeTest,
                         ::testing::Values(1, 100, 64 * 1024 - 1, 1 << 20,
                                           16 << 20));

TEST_F(SocketTest, ManyConcurrentClientsAgainstOneServer) {
  const int clients = testing::kManyGreenlets;
  // Each client holds two fds (its end and the server's).
  const rlim_t limit = testing::RaiseFdLimit(2 * clients + 200);
  const int n = std::min<int>(clients, static_cast<int>((limit - 200) / 2));
  Socket listener = ListenLoopback();
  const Address where = AddressOf(listener);
  std::vector<Greenlet<void>> handlers;
  auto acceptor = spawn([&] {
    for (int i = 0; i < n; ++i) {
      absl::StatusOr<Accepted> a = listener.accept();
      ASSERT_TRUE(a.ok()) << a.status();
      handlers.push_back(
          spawn([conn = std::move(a->socket)]() mutable { Echo(conn); }));
    }
  });
  int ok = 0;
  std::vector<Greenlet<void>> all;
  all.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    all.push_back(spawn([&, i] {
      absl::StatusOr<Socket> s = Socket::Tcp();
      ASSERT_TRUE(s.ok()) << s.status();
      ASSERT_TRUE(s->connect(where, absl::Seconds(60)).ok());
      const std::string msg = absl::StrCat("hello from client ", i);
      ASSERT_TRUE(s->sendall(msg).ok());
      ASSERT_TRUE(s->shutdown(SHUT_WR).ok());
      absl::StatusOr<std::string> back = ReadAll(*s);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, msg);
      ++ok;
    }));
  }
  ASSERT_TRUE(joinall(all).ok());
  ASSERT_TRUE(acceptor.join().ok());
  ASSERT_TRUE(joinall(handlers).ok());
  EXPECT_EQ(ok, n);
  EXPECT_GE(n, 1000) << "fd limit too low to mean anything";
}

TEST_F(SocketTest, PeerResetMidTransferIsAClearError) {
  auto [client, server] = TcpPair();
  // SO_LINGER 0: close() sends RST instead of FIN.
  linger l{1, 0};
  ASSERT_TRUE(server.setsockopt(SOL_SOCKET, SO_LINGER, &l, sizeof(l)).ok());
  ASSERT_TRUE(server.sendall("partial").ok());
  auto resetter = spawn([&] {
    sleep(absl::Milliseconds(20));
    ASSERT_TRUE(server.close().ok());
  });
  // The client pushes far more than the buffers hold; the reset stops it.
  absl::Status s = client.sendall(Payload(64 << 20));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "ECONNRESET") ||
              absl::StrContains(s.message(), "EPIPE"))
      << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "after sending")) << s;
  absl::StatusOr<std::string> r = client.recv(100);
  EXPECT_TRUE(!r.ok() || r->empty() || *r == "partial") << r.status();
  ASSERT_TRUE(resetter.join().ok());
}

TEST_F(SocketTest, RecvAfterResetReportsConnectionReset) {
  auto [client, server] = TcpPair();
  linger l{1, 0};
  ASSERT_TRUE(server.setsockopt(SOL_SOCKET, SO_LINGER, &l, sizeof(l)).ok());
  auto closer = spawn([&] {
    sleep(absl::Milliseconds(10));
    (void)server.close();
  });
  absl::StatusOr<std::string> r = client.recv(100, absl::Seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.status().message(), "ECONNRESET"))
      << r.status();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(closer.join().ok());
}

// A short read drains the socket; what comes after it, and an EOF that came
// with it, must still be seen (a readiness backend skips the EAGAIN read only
// while no new edge has come).
TEST_F(SocketTest, ShortReadsThenMoreDataThenEof) {
  auto [client, server] = TcpPair();
  ASSERT_TRUE(server.sendall("0123456789").ok());
  sleep(absl::Milliseconds(2));
  EXPECT_EQ(*client.recv(100, absl::Seconds(5)), "0123456789");
  auto later = spawn([&] {
    sleep(absl::Milliseconds(2));
    ASSERT_TRUE(server.sendall("abc").ok());
  });
  EXPECT_EQ(*client.recv(100, absl::Seconds(5)), "abc");
  ASSERT_TRUE(later.join().ok());
  // Data and FIN together: the short read takes the data, the next sees EOF.
  ASSERT_TRUE(server.sendall("last").ok());
  ASSERT_TRUE(server.shutdown(SHUT_WR).ok());
  sleep(absl::Milliseconds(2));
  EXPECT_EQ(*client.recv(100, absl::Seconds(5)), "last");
  absl::StatusOr<std::string> eof = client.recv(100, absl::Seconds(5));
  ASSERT_TRUE(eof.ok()) << eof.status();
  EXPECT_EQ(*eof, "");
  // A peek leaves the bytes for the next recv.
  absl::StatusOr<std::pair<Socket, Socket>> p = Socket::Pair();
  ASSERT_TRUE(p->first.sendall("peek").ok());
  EXPECT_EQ(*p->second.recv(100, absl::Seconds(5), MSG_PEEK), "peek");
  EXPECT_EQ(*p->second.recv(100, absl::Seconds(5)), "peek");
}

TEST_F(SocketTest, HalfCloseLetsTheOtherSideAnswer) {
  auto [client, server] = TcpPair();
  auto responder = spawn([&] {
    absl::StatusOr<std::string> all = ReadAll(server);  // until the FIN
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(*all, "question");
    ASSERT_TRUE(server.sendall("answer").ok());
  });
  ASSERT_TRUE(client.sendall("question").ok());
  ASSERT_TRUE(client.shutdown(SHUT_WR).ok());
  EXPECT_FALSE(client.send("more").ok());  // EPIPE: our side is shut
  absl::StatusOr<std::string> r = client.recv(100, absl::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "answer");
  ASSERT_TRUE(responder.join().ok());
}

TEST_F(SocketTest, ConnectRefused) {
  Address closed_port;
  {
    Socket l = ListenLoopback();
    closed_port = AddressOf(l);
  }  // nobody listens there now
  absl::StatusOr<Socket> s = Socket::Tcp();
  ASSERT_TRUE(s.ok());
  absl::Status st = s->connect(closed_port, absl::Seconds(5));
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "ECONNREFUSED")) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), closed_port.ToString())) << st;
}

TEST_F(SocketTest, ConnectTimesOutAgainstAFullBacklog) {
  // Backlog 0 queues one connection; nobody accepts; the kernel then drops
  // further SYNs, so a connect waits until its timeout.
  Socket listener = ListenLoopback(/*backlog=*/0);
  const Address where = AddressOf(listener);
  std::vector<Socket> queued;
  absl::Status last;
  for (int i = 0; i < 16 && last.ok(); ++i) {
    absl::StatusOr<Socket> s = Socket::Tcp();
    ASSERT_TRUE(s.ok());
    const absl::Time start = absl::Now();
    last = s->connect(where, absl::Milliseconds(200));
    if (!last.ok()) {
      EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
    }
    queued.push_back(*std::move(s));
  }
  EXPECT_EQ(last.code(), absl::StatusCode::kDeadlineExceeded) << last;
  EXPECT_TRUE(absl::StrContains(last.message(), "timed out after 200ms"))
      << last;
}

TEST_F(SocketTest, RecvTimesOutPerCallAndPerSocket) {
  auto [client, server] = TcpPair();
  absl::StatusOr<std::string> r = client.recv(10, absl::Milliseconds(30));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(client.settimeout(absl::Milliseconds(30)).ok());
  r = client.recv(10);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  // Data that is already there comes back even with a zero timeout.
  ASSERT_TRUE(server.sendall("x").ok());
  sleep(absl::Milliseconds(5));
  r = client.recv(10, absl::ZeroDuration());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "x");
  EXPECT_EQ(client.settimeout(absl::Seconds(-1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client.recv(10, absl::Seconds(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// More readers at once than io_uring lends buffers (256): those that find
// none fall back to their own, and every reader gets exactly its message.
TEST_F(SocketTest, RecvOfAStringInMoreGreenletsThanThereAreLentBuffers) {
  const int n = 300;
  testing::RaiseFdLimit(2 * n + 200);
  std::vector<std::pair<Socket, Socket>> pairs;
  for (int i = 0; i < n; ++i) pairs.push_back(TcpPair());
  std::vector<std::string> got(n);
  std::vector<Greenlet<void>> readers;
  for (int i = 0; i < n; ++i) {
    readers.push_back(spawn([&, i] {
      absl::StatusOr<std::string> r =
          pairs[i].first.recv(100, absl::Seconds(10));
      ASSERT_TRUE(r.ok()) << r.status();
      got[i] = *r;
    }));
  }
  sleep(absl::Milliseconds(10));  // every reader is parked
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(pairs[i].second.sendall(absl::StrCat("message ", i)).ok());
  }
  ASSERT_TRUE(joinall(readers).ok());
  for (int i = 0; i < n; ++i) EXPECT_EQ(got[i], absl::StrCat("message ", i));
  // A message longer than what is asked for comes in pieces, none lost.
  ASSERT_TRUE(pairs[0].second.sendall(Payload(100000, 7)).ok());
  ASSERT_TRUE(pairs[0].second.shutdown(SHUT_WR).ok());
  std::string all;
  for (;;) {
    absl::StatusOr<std::string> r = pairs[0].first.recv(1000);
    ASSERT_TRUE(r.ok()) << r.status();
    if (r->empty()) break;
    ASSERT_LE(r->size(), 1000u);
    all += *r;
  }
  EXPECT_EQ(Checksum(all), Checksum(Payload(100000, 7)));
  // Peeking leaves the bytes for the next recv.
  ASSERT_TRUE(pairs[1].second.sendall("peek").ok());
  absl::StatusOr<std::string> peek =
      pairs[1].first.recv(10, absl::Seconds(5), MSG_PEEK);
  ASSERT_TRUE(peek.ok()) << peek.status();
  EXPECT_EQ(*peek, "peek");
  EXPECT_EQ(*pairs[1].first.recv(10), "peek");
}

// Greenlets parked in recv(16 KiB) hold no buffer of that size each: io_uring
// lends one when data comes, readiness backends allocate once readable.
TEST_F(SocketTest, RecvOfAStringPinsNoBufferWhileItWaits) {
  const int n = 200;
  const size_t max = 16 * 1024;
  testing::RaiseFdLimit(2 * n + 200);
  std::vector<std::pair<Socket, Socket>> pairs;
  for (int i = 0; i < n; ++i) pairs.push_back(TcpPair());
  const size_t before = mallinfo2().uordblks;
  std::vector<Greenlet<void>> readers;
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    readers.push_back(spawn([&, i] {
      absl::StatusOr<std::string> r =
          pairs[i].first.recv(max, absl::Seconds(10));
      ok += r.ok() && *r == "x";
    }));
  }
  sleep(absl::Milliseconds(10));  // every reader is parked
  const size_t parked = mallinfo2().uordblks;
  for (auto& p : pairs) ASSERT_TRUE(p.second.sendall("x").ok());
  ASSERT_TRUE(joinall(readers).ok());
  EXPECT_EQ(ok, n);
  if (before == 0 && parked == 0) {
    GTEST_SKIP() << "this allocator does not report its heap (sanitizer)";
  }
  // A buffer each would be 3.2 MB; greenlets and ops take far less.
  EXPECT_LT(parked - before, n * max / 4) << "the parked readers hold buffers";
}

// Data and then the end (FIN or reset) in one go, before the reader looks:
// after the data, recv(n) must see the end rather than wait for another edge.
TEST_F(SocketTest, RecvOfAStringSeesTheEndThatCameWithTheData) {
  for (bool reset : {false, true}) {
    auto [client, server] = TcpPair();
    ASSERT_TRUE(server.sendall("last words").ok());
    if (reset) {
      testing::Abort(server);
    } else {
      ASSERT_TRUE(server.close().ok());
    }
    sleep(absl::Milliseconds(5));  // the hub sees the edge before the read
    absl::StatusOr<std::string> r = client.recv(16384, absl::Seconds(5));
    if (reset && !r.ok()) {
      EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
      continue;  // the reset may discard the data
    }
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, "last words");
    r = client.recv(16384, absl::Seconds(5));
    if (reset) {
      EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
    } else {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(*r, "");
    }
  }
}

TEST_F(SocketTest, RecvIntoSeesAResetThatCameWithTheData) {
  auto [client, server] = TcpPair();
  ASSERT_TRUE(server.sendall("last words").ok());
  testing::Abort(server);
  sleep(absl::Milliseconds(5));  // the hub sees the edge before the read
  char buf[100];
  absl::StatusOr<size_t> n =
      client.recv_into(absl::MakeSpan(buf), absl::Seconds(5));
  if (n.ok()) {
    EXPECT_EQ(std::string(buf, *n), "last words");
    n = client.recv_into(absl::MakeSpan(buf), absl::Seconds(5));
  }
  EXPECT_TRUE(absl::IsUnavailable(n.status())) << n.status();
}

TEST_F(SocketTest, KillDuringRecvOfAStringLosesNothingThatCameAfter) {
  auto [client, server] = TcpPair();
  for (int i = 0; i < 300; ++i) {
    auto victim = spawn([&] { (void)client.recv(64); });
    sleep(absl::Milliseconds(i % 3 == 0 ? 1 : 0));
    ASSERT_TRUE(victim.kill(absl::Seconds(5)).ok());
  }
  ASSERT_TRUE(server.sendall("after").ok());
  absl::StatusOr<std::string> r = client.recv(64, absl::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "after");
}

// A burst that is all in the backlog before anyone accepts: every connection
// comes out once, with its own peer address. Closing the listener with more
// queued leaks no fd, and the port can be bound again at once.
TEST_F(SocketTest, AcceptABurstThenCloseTheListenerWithMoreQueued) {
  const int n = 100;
  absl::StatusOr<Socket> made = Socket::Tcp();
  ASSERT_TRUE(made.ok()) << made.status();
  Socket listener = *std::move(made);
  ASSERT_TRUE(listener.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1).ok());
  ASSERT_TRUE(listener.bind(Address::Loopback(0)).ok());
  ASSERT_TRUE(listener.listen(512).ok());
  const Address where = AddressOf(listener);
  std::vector<Socket> clients;
  std::vector<Address> locals;
  for (int i = 0; i < n + 20; ++i) {
    absl::StatusOr<Socket> c = Socket::Tcp();
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE(c->connect(where, absl::Seconds(5)).ok());
    locals.push_back(AddressOf(*c));
    clients.push_back(*std::move(c));
  }
  std::vector<Socket> accepted;
  std::vector<Address> peers;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<Accepted> a = listener.accept(absl::Seconds(5));
    ASSERT_TRUE(a.ok()) << a.status();
    peers.push_back(a->peer);
    accepted.push_back(std::move(a->socket));
  }
  for (const Address& p : peers) {
    EXPECT_EQ(std::count(locals.begin(), locals.end(), p), 1) << p;
    EXPECT_EQ(std::count(peers.begin(), peers.end(), p), 1) << p;
  }
  // Each accepted socket is the peer it says: a byte goes through.
  ASSERT_TRUE(accepted[0].sendall("x").ok());
  bool found = false;
  for (size_t i = 0; i < clients.size(); ++i) {
    if (locals[i] == peers[0]) {
      EXPECT_EQ(*clients[i].recv(1, absl::Seconds(5)), "x");
      found = true;
    }
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE(listener.close().ok());
  accepted.clear();
  clients.clear();
  absl::StatusOr<Socket> again = Socket::Tcp();
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->setsockopt(SOL_SOCKET, SO_REUSEADDR, 1).ok());
  EXPECT_TRUE(again->bind(where).ok()) << "the port is still held";
}

TEST_F(SocketTest, CloseWakesAGreenletBlockedOnTheSocket) {
  auto [client, server] = TcpPair();
  absl::Status seen;
  auto reader = spawn([&] { seen = client.recv(10).status(); });
  sleep(absl::Milliseconds(10));  // the reader is parked in recv
  ASSERT_TRUE(client.close().ok());
  ASSERT_TRUE(reader.join(absl::Seconds(5)).ok());
  EXPECT_EQ(seen.code(), absl::StatusCode::kCancelled) << seen;
  EXPECT_TRUE(absl::StrContains(seen.message(), "closed")) << seen;
  // Calls on a closed socket fail plainly.
  EXPECT_EQ(client.recv(10).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(client.close().ok());  // closing twice is fine
}

TEST_F(SocketTest, CloseWakesABlockedAccept) {
  Socket listener = ListenLoopback();
  absl::Status seen;
  auto acceptor = spawn([&] { seen = listener.accept().status(); });
  sleep(absl::Milliseconds(10));
  ASSERT_TRUE(listener.close().ok());
  ASSERT_TRUE(acceptor.join(absl::Seconds(5)).ok());
  EXPECT_EQ(seen.code(), absl::StatusCode::kCancelled) << seen;
}

TEST_F(SocketTest, KillWhileBlockedUnwindsAndClosesItsSocket) {
  Socket listener = ListenLoopback();
  const Address where = AddressOf(listener);
  bool unwound = false;
  auto victim = spawn([&] {
    struct Mark {
      bool& b;
      ~Mark() { b = true; }
    } mark{unwound};
    absl::StatusOr<Socket> s = Socket::Tcp();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->connect(where).ok());
    (void)s->recv(10);  // parks forever
    ADD_FAILURE() << "recv returned";
  });
  sleep(absl::Milliseconds(10));
  ASSERT_TRUE(victim.kill(absl::Seconds(5)).ok());
  EXPECT_TRUE(unwound);
  EXPECT_TRUE(victim.killed());
  // The queued connection is still there to accept, and it sees the EOF.
  absl::StatusOr<Accepted> a = listener.accept(absl::Seconds(5));
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<std::string> r = a->socket.recv(10, absl::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "");
}

TEST_F(SocketTest, TwoReadersOnOneSocketIsAnError) {
  auto [client, server] = TcpPair();
  auto first = spawn([&] { (void)client.recv(10, absl::Seconds(5)); });
  sleep(absl::Milliseconds(5));
  absl::StatusOr<std::string> second = client.recv(10, absl::Seconds(5));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition)
      << second.status();
  ASSERT_TRUE(server.sendall("x").ok());
  ASSERT_TRUE(first.join().ok());
}

TEST_F(SocketTest, UdpSendtoRecvfrom) {
  absl::StatusOr<Socket> a = Socket::Udp();
  absl::StatusOr<Socket> b = Socket::Udp();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a->bind(Address::Loopback(0)).ok());
  ASSERT_TRUE(b->bind(Address::Loopback(0)).ok());
  auto receiver = spawn([&] {
    absl::StatusOr<std::pair<std::string, Address>> got =
        a->recvfrom(1500, absl::Seconds(5));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->first, "ping");
    EXPECT_EQ(got->second, AddressOf(*b));
    ASSERT_TRUE(a->sendto("pong", got->second).ok());
  });
  absl::StatusOr<size_t> sent = b->sendto("ping", AddressOf(*a));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, 4u);
  absl::StatusOr<std::pair<std::string, Address>> back =
      b->recvfrom(1500, absl::Seconds(5));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->first, "pong");
  ASSERT_TRUE(receiver.join().ok());
  EXPECT_EQ(b->recvfrom(10, absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST_F(SocketTest, UnixStreamSocket) {
  char dir[] = "/tmp/gevent_unix_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = absl::StrCat(dir, "/s");
  absl::StatusOr<Address> where = Address::Unix(path);
  ASSERT_TRUE(where.ok());
  absl::StatusOr<Socket> listener = Socket::Unix();
  ASSERT_TRUE(listener.ok());
  ASSERT_TRUE(listener->bind(*where).ok());
  ASSERT_TRUE(listener->listen().ok());
  auto server = spawn([&] {
    absl::StatusOr<Accepted> a = listener->accept();
    ASSERT_TRUE(a.ok()) << a.status();
    Echo(a->socket);
  });
  absl::StatusOr<Socket> c = Socket::Unix();
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->connect(*where).ok());
  EXPECT_EQ(c->getpeername()->ToString(), absl::StrCat("unix:", path));
  ASSERT_TRUE(c->sendall("over unix").ok());
  ASSERT_TRUE(c->shutdown(SHUT_WR).ok());
  EXPECT_EQ(*ReadAll(*c), "over unix");
  ASSERT_TRUE(server.join().ok());
  unlink(path.c_str());
  rmdir(dir);
}

TEST_F(SocketTest, SocketPair) {
  absl::StatusOr<std::pair<Socket, Socket>> p = Socket::Pair();
  ASSERT_TRUE(p.ok());
  auto writer = spawn([&] { ASSERT_TRUE(p->first.sendall("pair").ok()); });
  EXPECT_EQ(*p->second.recv(10), "pair");
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(SocketTest, FromFdAdoptsABlockingSocket) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  absl::StatusOr<Socket> a = Socket::FromFd(fds[0]);
  absl::StatusOr<Socket> b = Socket::FromFd(fds[1]);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(::fcntl(a->fileno(), F_GETFL) & O_NONBLOCK);
  // Short reads on an adopted stream, then more data: nothing is missed.
  auto writer = spawn([&] {
    for (const char* part : {"one", "two", "three"}) {
      ASSERT_TRUE(b->sendall(part).ok());
      sleep(absl::Milliseconds(2));
    }
    ASSERT_TRUE(b->close().ok());
  });
  absl::StatusOr<std::string> all = ReadAll(*a);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, "onetwothree");
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(SocketTest, OptionsAndNames) {
  auto [client, server] = TcpPair();
  ASSERT_TRUE(client.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1).ok());
  EXPECT_EQ(*client.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1);
  EXPECT_EQ(*client.getpeername(), *server.getsockname());
  EXPECT_EQ(client.getpeername()->host(), "127.0.0.1");
  absl::Status bad = client.setsockopt(SOL_SOCKET, 12345, 1);
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.message(), "ENOPROTOOPT")) << bad;
}

TEST_F(SocketTest, BadFdsAndAddressesAreClearErrors) {
  EXPECT_EQ(Socket::FromFd(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  absl::StatusOr<Socket> not_socket = Socket::FromFd(fds[0]);
  EXPECT_EQ(not_socket.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(not_socket.status().message(), "not a socket"));
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(Socket::FromFd(fds[0]).status().code(),
            absl::StatusCode::kInvalidArgument);  // closed now

  Socket never_opened;
  EXPECT_EQ(never_opened.recv(1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(never_opened.sendall("x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(never_opened.accept().status().code(),
            absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<Socket> v4 = Socket::Tcp();
  ASSERT_TRUE(v4.ok());
  absl::Status wrong_family = v4->connect(*Address::Ip("::1", 80));
  EXPECT_FALSE(wrong_family.ok());
  EXPECT_TRUE(absl::StrContains(wrong_family.message(), "[E")) << wrong_family;
  absl::Status in_use = v4->bind(Address::Ip("10.255.255.1", 1).value());
  EXPECT_FALSE(in_use.ok());  // not a local address
  absl::Status no_family = Socket::Create(12345, SOCK_STREAM).status();
  EXPECT_FALSE(no_family.ok());
  EXPECT_TRUE(absl::StrContains(no_family.message(), "EAFNOSUPPORT"))
      << no_family;
}

// --- Ownership: a socket belongs to the hub of the thread that first waited
// on it; until then, and after a move, it may go to any thread.

using gevent::testing::kWrongThread;
using gevent::testing::RunOnAnotherThread;

TEST_F(SocketTest, ASocketRefusesCallsFromAnotherThread) {
  auto [a, b] = TcpPair();
  ASSERT_TRUE(a.sendall("ping").ok());  // binds both to this thread's hub
  ASSERT_EQ(*b.recv(4, absl::Seconds(5)), "ping");
  std::vector<absl::Status> statuses;
  std::string released;
  RunOnAnotherThread([&] {
    statuses.push_back(a.sendall("from there"));
    statuses.push_back(a.send("x").status());
    statuses.push_back(b.recv(100, absl::Milliseconds(1)).status());
    char buf[8];
    statuses.push_back(
        b.recv_into(absl::MakeSpan(buf), absl::Milliseconds(1)).status());
    statuses.push_back(a.settimeout(absl::Seconds(1)));
    statuses.push_back(a.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1));
    statuses.push_back(a.getpeername().status());
    statuses.push_back(a.shutdown(SHUT_WR));
    statuses.push_back(a.close());
    released = testing::ThrownMisuse([&] { (void)a.release(); });
  });
  ASSERT_EQ(statuses.size(), 9u);
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(testing::IsWrongThread(s));
  }
  EXPECT_TRUE(absl::StrContains(statuses[0].message(),
                                "Socket::sendall: this Socket belongs to "
                                "another thread's hub"))
      << statuses[0];
  EXPECT_TRUE(absl::StrContains(released, kWrongThread)) << released;
  // Nothing went out from there, and both ends are as they were.
  ASSERT_TRUE(a.is_open());
  EXPECT_EQ(a.timeout(), absl::InfiniteDuration());
  ASSERT_TRUE(a.sendall("pong").ok());
  EXPECT_EQ(*b.recv(100, absl::Seconds(5)), "pong");
}

TEST_F(SocketTest, ASocketMayGoToAnotherThreadBeforeUseOrByAMove) {
  auto [a, b] = TcpPair();                   // made here, not yet waited on
  ASSERT_TRUE(b.sendall("made here").ok());  // b is this thread's now
  std::string got;
  // Moved into a thread that runs its own hub: a was never used, and the move
  // hands it over anyway.
  RunOnAnotherThread([&a = a, &got] {
    Socket mine = std::move(a);
    absl::StatusOr<std::string> r = mine.recv(100, absl::Seconds(5));
    got = r.ok() ? *r : r.status().ToString();
    EXPECT_TRUE(mine.sendall("served there").ok());
    a = std::move(mine);  // and back
  });
  EXPECT_EQ(got, "made here");
  EXPECT_EQ(*b.recv(100, absl::Seconds(5)), "served there");
  // Back here by a move: usable again on this thread.
  ASSERT_TRUE(a.sendall("home").ok());
  EXPECT_EQ(*b.recv(100, absl::Seconds(5)), "home");
}

}  // namespace
}  // namespace gevent
