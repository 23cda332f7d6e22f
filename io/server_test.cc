// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// StreamServer and DatagramServer on every backend: serving, the connection
// bound, graceful and forced stop, handlers that throw, EMFILE on accept, and
// threads=N mode.

#include "gevent/io/server.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/buffered.h"
#include "gevent/io/internal/test_util.h"

namespace gevent {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

void EchoHandler(Socket& conn, const Address&) {
  char buf[4096];
  for (;;) {
    absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) return;
    if (!conn.sendall(std::string_view(buf, *n)).ok()) return;
  }
}

// Connects, sends `msg`, half-closes and returns what came back.
std::string RoundTrip(const Address& where, const std::string& msg) {
  absl::StatusOr<Socket> s = Socket::Tcp();
  if (!s.ok() || !s->connect(where, absl::Seconds(10)).ok()) return "<connect>";
  if (!s->sendall(msg).ok() || !s->shutdown(SHUT_WR).ok()) return "<send>";
  std::string out;
  for (;;) {
    absl::StatusOr<std::string> part = s->recv(4096, absl::Seconds(10));
    if (!part.ok()) return absl::StrCat("<", part.status().ToString(), ">");
    if (part->empty()) return out;
    out += *part;
  }
}

TEST_F(ServerTest, EchoesForManyClients) {
  StreamServer server(Address::Loopback(0), EchoHandler);
  ASSERT_TRUE(server.start().ok());
  EXPECT_NE(server.address().port(), 0);
  std::vector<Greenlet<std::string>> clients;
  for (int i = 0; i < 200; ++i) {
    clients.push_back(
        spawn(RoundTrip, server.address(), absl::StrCat("msg", i)));
  }
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(clients[i].get(), absl::StrCat("msg", i));
  EXPECT_EQ(server.accepted(), 200u);
  server.stop();
  EXPECT_EQ(server.connections(), 0u);
}

TEST_F(ServerTest, MaxConnectionsBoundsTheHandlers) {
  int running = 0;
  int peak = 0;
  StreamServer::Options options;
  options.max_connections = 3;
  StreamServer server(
      Address::Loopback(0),
      [&](Socket& conn, const Address& peer) {
        peak = std::max(peak, ++running);
        sleep(absl::Milliseconds(10));
        --running;
        EchoHandler(conn, peer);
      },
      options);
  ASSERT_TRUE(server.start().ok());
  std::vector<Greenlet<std::string>> clients;
  for (int i = 0; i < 12; ++i) {
    clients.push_back(spawn(RoundTrip, server.address(), std::string("x")));
  }
  for (auto& c : clients) EXPECT_EQ(c.get(), "x");
  EXPECT_EQ(peak, 3);
  server.stop();
}

TEST_F(ServerTest, StopGivesGraceThenKills) {
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  std::atomic<int> killed{0};
  Event gate;
  StreamServer server(Address::Loopback(0), [&](Socket& conn, const Address&) {
    ++started;
    struct OnKill {
      std::atomic<int>& killed;
      bool done = false;
      ~OnKill() {
        if (!done) ++killed;
      }
    } guard{killed};
    absl::StatusOr<std::string> first = conn.recv(10);
    if (first.ok() && *first == "quick") {
      gate.wait();  // finishes once stop() has begun, within the grace
      ++finished;
    } else {
      sleep(absl::Seconds(60));  // never finishes on its own
    }
    guard.done = true;
  });
  ASSERT_TRUE(server.start().ok());
  std::vector<Socket> conns;
  for (const char* what : {"quick", "slow", "quick", "slow"}) {
    absl::StatusOr<Socket> s = Socket::Tcp();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->connect(server.address()).ok());
    ASSERT_TRUE(s->sendall(what).ok());
    conns.push_back(*std::move(s));
  }
  while (started < 4) sleep(absl::Milliseconds(1));
  gate.set();
  server.stop(/*grace=*/absl::Milliseconds(200));
  EXPECT_EQ(finished, 2);
  EXPECT_EQ(killed, 2);
  EXPECT_EQ(server.connections(), 0u);
  // The listener is closed: new connections are refused.
  absl::StatusOr<Socket> late = Socket::Tcp();
  EXPECT_FALSE(late->connect(server.address()).ok());
  // The handlers' sockets were closed: clients see EOF.
  for (Socket& c : conns) EXPECT_EQ(*c.recv(10, absl::Seconds(5)), "");
}

TEST_F(ServerTest, AThrowingHandlerIsReportedAndTheServerGoesOn) {
  std::vector<std::string> errors;
  StreamServer::Options options;
  options.on_error = [&](const Address& peer, std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      errors.push_back(absl::StrCat(peer.host(), ": ", ex.what()));
    }
  };
  StreamServer server(
      Address::Loopback(0),
      [](Socket& conn, const Address& peer) {
        absl::StatusOr<std::string> r = conn.recv(10);
        if (r.ok() && *r == "boom") throw std::runtime_error("handler blew up");
        (void)conn.sendall(*r);
        EchoHandler(conn, peer);
      },
      options);
  ASSERT_TRUE(server.start().ok());
  EXPECT_EQ(RoundTrip(server.address(), "boom"), "");
  EXPECT_EQ(RoundTrip(server.address(), "fine"), "fine");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "127.0.0.1: handler blew up");
  server.stop();
}

TEST_F(ServerTest, SurvivesEmfileOnAccept) {
  StreamServer server(Address::Loopback(0), EchoHandler);
  ASSERT_TRUE(server.start().ok());
  // Client sockets first: with the limit lowered, only accept needs new fds.
  std::vector<Socket> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(*Socket::Tcp());
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(clients.back().fileno() + 1);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  // Fill the holes below the limit, so accept4 fails with EMFILE.
  std::vector<int> fillers;
  for (int fd; (fd = ::dup(0)) >= 0;) fillers.push_back(fd);
  ASSERT_EQ(errno, EMFILE);
  for (Socket& c : clients) {
    ASSERT_TRUE(c.connect(server.address(), absl::Seconds(5)).ok());
    ASSERT_TRUE(c.sendall("still here").ok());
  }
  sleep(absl::Milliseconds(50));  // the acceptor hits EMFILE and backs off
  EXPECT_EQ(server.accepted(), 0u);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  for (int fd : fillers) ::close(fd);
  for (Socket& c : clients) {
    ASSERT_TRUE(c.shutdown(SHUT_WR).ok());
    BufferedReader in(c);
    absl::StatusOr<std::string> back = in.read_exactly(10, absl::Seconds(10));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, "still here");
  }
  EXPECT_EQ(server.accepted(), 5u);
  server.stop();
}

TEST_F(ServerTest, ServeForeverUntilStopAndBadStarts) {
  StreamServer server(Address::Loopback(0), EchoHandler);
  auto stopper = spawn([&] {
    while (!server.started()) sleep(absl::Milliseconds(1));
    EXPECT_EQ(RoundTrip(server.address(), "ping"), "ping");
    server.stop();
  });
  ASSERT_TRUE(server.serve_forever().ok());
  ASSERT_TRUE(stopper.join().ok());
  EXPECT_EQ(server.start().code(), absl::StatusCode::kFailedPrecondition);

  // The port is taken (no SO_REUSEPORT on the holder): a clear bind error.
  Socket holder = testing::ListenLoopback();
  StreamServer clash(testing::AddressOf(holder), EchoHandler);
  absl::Status s = clash.start();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "EADDRINUSE")) << s;
  StreamServer::Options zero;
  zero.threads = 0;
  StreamServer bad(Address::Loopback(0), EchoHandler, zero);
  EXPECT_EQ(bad.start().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServerTest, ServesOnAGivenListeningSocket) {
  Socket listener = testing::ListenLoopback();
  const Address where = testing::AddressOf(listener);
  StreamServer server(std::move(listener), EchoHandler);
  ASSERT_TRUE(server.start().ok());
  EXPECT_EQ(server.address(), where);
  EXPECT_EQ(RoundTrip(where, "given"), "given");
  server.stop();
}

TEST_F(ServerTest, ThreadsModeServesOnSeveralHubs) {
  StreamServer::Options options;
  options.threads = 3;
  StreamServer server(Address::Loopback(0), EchoHandler, options);
  ASSERT_TRUE(server.start().ok());
  std::vector<Greenlet<std::string>> clients;
  for (int i = 0; i < 60; ++i) {
    clients.push_back(spawn(RoundTrip, server.address(), absl::StrCat("t", i)));
  }
  for (int i = 0; i < 60; ++i)
    EXPECT_EQ(clients[i].get(), absl::StrCat("t", i));
  EXPECT_EQ(server.accepted(), 60u);
  server.stop();
  EXPECT_EQ(server.connections(), 0u);
}

TEST_F(ServerTest, DatagramServerAnswersEachDatagram) {
  DatagramServer* self = nullptr;
  DatagramServer server(Address::Loopback(0),
                        [&](std::string data, const Address& from) {
                          (void)self->sendto("re:" + data, from);
                        });
  self = &server;
  ASSERT_TRUE(server.start().ok());
  absl::StatusOr<Socket> c = Socket::Udp();
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c->sendto(absl::StrCat("d", i), server.address()).ok());
    absl::StatusOr<std::pair<std::string, Address>> r =
        c->recvfrom(100, absl::Seconds(5));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->first, absl::StrCat("re:d", i));
  }
  EXPECT_EQ(server.received(), 10u);
  server.stop();
  EXPECT_FALSE(server.sendto("x", server.address()).ok());
}

// --- Ownership: a server belongs to the hub of the thread that started it.

TEST_F(ServerTest, AStreamServerRefusesCallsFromAnotherThread) {
  StreamServer server(Address::Loopback(0), EchoHandler);
  ASSERT_TRUE(server.start().ok());
  std::vector<absl::Status> statuses;
  std::vector<std::string> thrown;
  testing::RunOnAnotherThread([&] {
    statuses.push_back(server.start());
    statuses.push_back(server.serve_forever());
    thrown.push_back(testing::ThrownMisuse([&] { server.stop(); }));
    thrown.push_back(testing::ThrownMisuse([&] { (void)server.started(); }));
    EXPECT_EQ(server.accepted(), 0u);  // the counters are for any thread
  });
  ASSERT_EQ(statuses.size(), 2u);
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(testing::IsWrongThread(s));
  }
  EXPECT_TRUE(absl::StrContains(statuses[0].message(),
                                "StreamServer::start: this StreamServer"))
      << statuses[0];
  for (const std::string& e : thrown) {
    EXPECT_TRUE(absl::StrContains(e, testing::kWrongThread)) << e;
  }
  // Still serving: the stop() from there did nothing.
  EXPECT_TRUE(server.started());
  EXPECT_EQ(RoundTrip(server.address(), "still here"), "still here");
  server.stop();
}

TEST_F(ServerTest, ADatagramServerRefusesCallsFromAnotherThread) {
  DatagramServer server(Address::Loopback(0),
                        [](std::string, const Address&) {});
  ASSERT_TRUE(server.start().ok());
  std::vector<absl::Status> statuses;
  std::vector<std::string> thrown;
  testing::RunOnAnotherThread([&] {
    statuses.push_back(server.start());
    statuses.push_back(server.sendto("x", server.address()).status());
    thrown.push_back(testing::ThrownMisuse([&] { server.stop(); }));
    thrown.push_back(testing::ThrownMisuse([&] { (void)server.received(); }));
  });
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(testing::IsWrongThread(s));
  }
  for (const std::string& e : thrown) {
    EXPECT_TRUE(absl::StrContains(e, testing::kWrongThread)) << e;
  }
  EXPECT_EQ(server.received(), 0u);
  server.stop();
}

}  // namespace
}  // namespace gevent
