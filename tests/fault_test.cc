// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// A line-echo server (BufferedReader, 1 s per line and per reply) under
// clients that misbehave, next to clients that do not: resets, slowloris,
// floods, clients that never read, handlers that throw, and the server
// stopped while busy. The good clients get every byte back exactly; the bad
// ones are cut within bounds; the server goes on; fds and greenlet stacks end
// where they started.

#include <sys/socket.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/io/buffered.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/server.h"
#include "gevent/io/socket.h"
#include "gtest/gtest.h"

namespace gevent {
namespace {

constexpr size_t kMaxLine = 4096;
constexpr absl::Duration kStep = absl::Seconds(1);  // per line, per reply

// A printable line of 1..200 bytes (and '\n') that differs by client and seq.
std::string Line(int client, int seq) {
  std::string s = testing::Payload(1 + (client * 31 + seq * 7) % 200,
                                   static_cast<uint32_t>(client * 1000 + seq));
  for (char& c : s)
    c = static_cast<char>('a' + static_cast<unsigned char>(c) % 26);
  return s + "\n";
}

class LineServer {
 public:
  LineServer() {
    StreamServer::Options options;
    options.on_error = [this](const Address&, std::exception_ptr) {
      ++errors_;
    };
    server_ = std::make_unique<StreamServer>(
        Address::Loopback(0),
        [](Socket& conn, const Address&) {
          BufferedReader in(conn, kMaxLine);
          for (;;) {
            absl::StatusOr<std::string> line = in.readline(kMaxLine, kStep);
            if (!line.ok() || line->empty()) return;  // slow, long, gone
            if (*line == "THROW\n") throw std::runtime_error("asked to throw");
            if (!conn.sendall(*line, kStep).ok()) return;  // not reading
          }
        },
        options);
    EXPECT_TRUE(server_->start().ok());
  }
  StreamServer& server() { return *server_; }
  int errors() const { return errors_; }
  Address address() const { return server_->address(); }

 private:
  std::unique_ptr<StreamServer> server_;
  int errors_ = 0;
};

Socket Connect(const Address& to) {
  absl::StatusOr<Socket> s = Socket::Tcp();
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(s->connect(to, absl::Seconds(5)).ok());
  return *std::move(s);
}

// True once the server has closed `s` (EOF or reset), within `within`.
bool CutWithin(Socket& s, absl::Duration within) {
  const absl::Time deadline = absl::Now() + within;
  char buf[4096];
  while (absl::Now() < deadline) {
    absl::StatusOr<size_t> n =
        s.recv_into(absl::MakeSpan(buf), deadline - absl::Now());
    if (!n.ok()) return !absl::IsDeadlineExceeded(n.status());
    if (*n == 0) return true;
  }
  return false;
}

// 200 lines each, every byte checked. Returns "" or what went wrong.
std::string GoodClient(const Address& to, int id) {
  Socket s = Connect(to);
  BufferedReader in(s);
  for (int seq = 0; seq < 200; ++seq) {
    const std::string line = Line(id, seq);
    if (!s.sendall(line, absl::Seconds(10)).ok()) return "send failed";
    absl::StatusOr<std::string> back = in.readline(kMaxLine, absl::Seconds(10));
    if (!back.ok()) return std::string(back.status().message());
    if (*back != line) return "the echo differs";
  }
  return "";
}

class FaultTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(FaultTest, BadClientsAreCutAndGoodOnesGetEveryByte) {
  LineServer ls;
  const Address to = ls.address();
  std::vector<Greenlet<std::string>> good;
  for (int i = 0; i < 200; ++i) good.push_back(spawn(&GoodClient, to, i));

  std::vector<Greenlet<bool>> bad;
  for (int i = 0; i < 100; ++i) {  // resets mid-line
    bad.push_back(spawn([to] {
      Socket s = Connect(to);
      (void)s.sendall("half a li");
      sleep(absl::Milliseconds(10));
      testing::Abort(s);
      return true;
    }));
  }
  for (int i = 0; i < 50; ++i) {  // slowloris: a byte every 200 ms
    bad.push_back(spawn([to] {
      Socket s = Connect(to);
      const absl::Time start = absl::Now();
      for (int b = 0; b < 50; ++b) {
        if (!s.sendall("x").ok()) break;
        char c;
        absl::StatusOr<size_t> n =
            s.recv_into(absl::MakeSpan(&c, 1), absl::Milliseconds(200));
        if (n.ok() || !absl::IsDeadlineExceeded(n.status())) break;  // cut
      }
      return absl::Now() - start < 3 * kStep;
    }));
  }
  for (int i = 0; i < 20; ++i) {  // floods one endless line
    bad.push_back(spawn([to] {
      Socket s = Connect(to);
      (void)s.sendall(std::string(1 << 20, 'x'), absl::Seconds(5));
      return CutWithin(s, 3 * kStep);
    }));
  }
  for (int i = 0; i < 20; ++i) {  // sends lines and never reads the echoes
    bad.push_back(spawn([to, i] {
      Socket s = Connect(to);
      const std::string line(kMaxLine - 1, static_cast<char>('a' + i % 26));
      const absl::Time deadline = absl::Now() + absl::Seconds(20);
      while (absl::Now() < deadline) {
        if (!s.sendall(line + "\n", absl::Seconds(5)).ok()) return true;
      }
      return false;  // the server never gave up on it
    }));
  }
  for (int i = 0; i < 10; ++i) {  // its handler throws
    bad.push_back(spawn([to] {
      Socket s = Connect(to);
      BufferedReader in(s);
      if (!s.sendall("hello\n").ok()) return false;
      absl::StatusOr<std::string> back = in.readline();
      if (!back.ok() || *back != "hello\n") return false;
      if (!s.sendall("THROW\n").ok()) return false;
      return CutWithin(s, 3 * kStep);
    }));
  }

  for (size_t i = 0; i < good.size(); ++i) {
    ASSERT_TRUE(good[i].join().ok());
    EXPECT_EQ(good[i].get(), "") << "good client " << i;
  }
  for (size_t i = 0; i < bad.size(); ++i) {
    ASSERT_TRUE(bad[i].join().ok());
    EXPECT_TRUE(bad[i].get()) << "misbehaving client " << i << " was not cut";
  }
  EXPECT_EQ(ls.errors(), 10);  // each throw reported, none fatal
  // Every handler ends: nothing of the bad ones lingers.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (ls.server().connections() > 0 && absl::Now() < deadline) {
    sleep(absl::Milliseconds(10));
  }
  EXPECT_EQ(ls.server().connections(), 0u);
  // And the server still serves.
  EXPECT_EQ(GoodClient(ls.address(), 999), "");
  ls.server().stop();
}

TEST_F(FaultTest, StoppingTheServerWhileBusyEndsEveryConnectionCleanly) {
  LineServer ls;
  const Address to = ls.address();
  int broken = 0;
  std::vector<Greenlet<std::string>> clients;
  for (int i = 0; i < 300; ++i) {
    clients.push_back(spawn([to, i, &broken]() -> std::string {
      Socket s = Connect(to);
      BufferedReader in(s);
      for (int seq = 0;; ++seq) {
        const std::string line = Line(i, seq);
        if (!s.sendall(line, absl::Seconds(5)).ok()) break;
        absl::StatusOr<std::string> back =
            in.readline(kMaxLine, absl::Seconds(5));
        if (!back.ok()) {
          if (absl::IsDeadlineExceeded(back.status())) return "hung";
          break;
        }
        if (back->empty()) break;  // EOF
        // A line cut short by the stop is the only partial one allowed.
        if (*back != line &&
            !(back->back() != '\n' && line.starts_with(*back))) {
          return "the echo differs";
        }
      }
      ++broken;
      return "";
    }));
  }
  // All of them connected and busy (slow builds take longer to get there).
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (ls.server().connections() < 300 && absl::Now() < until) {
    sleep(absl::Milliseconds(10));
  }
  sleep(absl::Milliseconds(100));
  EXPECT_EQ(ls.server().connections(), 300u);
  ls.server().stop(absl::ZeroDuration());  // no grace: kill the handlers
  EXPECT_EQ(ls.server().connections(), 0u);
  for (auto& c : clients) {
    ASSERT_TRUE(c.join().ok());
    EXPECT_EQ(c.get(), "");
  }
  EXPECT_EQ(broken, 300);
}

}  // namespace
}  // namespace gevent
