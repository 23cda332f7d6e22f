// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// A line-echo server (BufferedReader, a step per line and per reply) under
// clients that misbehave, next to clients that do not: resets, slowloris,
// floods, clients that never read, handlers that throw, and the server
// stopped while busy. The good clients get every byte back exactly; the bad
// ones are cut within bounds; the server goes on; fds and greenlet stacks end
// where they started.
//
// No bound here is a fixed time, so that a slow machine (TSan, other work
// beside the test) cannot fail it. The clients run on a thread of their own,
// with their own hub, so that the server's hub carries the server alone. A
// probe greenlet on each hub measures how late it runs (Lateness): a step is
// 1 s plus twice the worst stall of either hub during it, and a bad client
// must be cut within three steps plus four times that stall. A slow or
// stalled hub widens the bounds; a server that does not cut a bad client
// still exceeds them.

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/test_util.h"
#include "gevent/io/buffered.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/server.h"
#include "gevent/io/socket.h"
#include "gtest/gtest.h"

namespace gevent {
namespace {

constexpr size_t kMaxLine = 4096;
// The step per line and per reply on an unloaded machine.
constexpr absl::Duration kStep = absl::Seconds(1);

absl::Duration Since(int64_t start_ns) {
  return absl::Nanoseconds(internal::MonotonicNowNs() - start_ns);
}

// How late a hub runs, as a probe greenlet on it (Lateness::Probe) sees it:
// by how much each of its ticks overslept, and when it last ran. Any thread.
class HubLag {
 public:
  static constexpr absl::Duration kTick = absl::Milliseconds(5);

  // The worst stall since `since_ns`: the worst oversleep of a tick that ended
  // after it, or how long the probe has not run now, if more.
  absl::Duration WorstSince(int64_t since_ns) const {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t worst = 0;
    if (last_ns_ >= 0) {
      worst = internal::MonotonicNowNs() - last_ns_ -
              absl::ToInt64Nanoseconds(kTick);
    }
    for (const auto& [end_ns, late_ns] : worst_) {
      if (end_ns >= since_ns) {
        worst = std::max(worst, late_ns);
        break;
      }
    }
    return absl::Nanoseconds(worst);
  }
  absl::Duration WorstEver() const {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::Nanoseconds(worst_.empty() ? 0 : worst_.front().second);
  }

  // The probe's side: it runs from `now_ns`, a tick ended, it stopped.
  void Start(int64_t now_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    last_ns_ = now_ns;
  }
  void Tick(int64_t now_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t late_ns = now_ns - last_ns_ - absl::ToInt64Nanoseconds(kTick);
    // An older tick that overslept less can no longer be the worst since
    // any time: keep the oversleeps decreasing from the oldest on.
    while (!worst_.empty() && worst_.back().second <= late_ns) {
      worst_.pop_back();
    }
    worst_.emplace_back(now_ns, late_ns);
    last_ns_ = now_ns;
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    last_ns_ = -1;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<int64_t, int64_t>> worst_;  // (end, oversleep), ns
  int64_t last_ns_ = -1;                            // -1: no probe running
};

// How late the server's hub and the clients' have run, and the bounds scaled
// from it: a stall of either hub during a wait makes the wait's bound longer
// (the bytes a stalled hub holds back are late, not missing).
class Lateness {
 public:
  // Probes the calling thread's hub into `lag` while it lives.
  class Probe {
   public:
    explicit Probe(HubLag& lag) : lag_(lag) {
      lag_.Start(internal::MonotonicNowNs());
      greenlet_ = spawn([&lag] {
        for (;;) {
          sleep(HubLag::kTick);
          lag.Tick(internal::MonotonicNowNs());
        }
      });
    }
    ~Probe() {
      EXPECT_TRUE(greenlet_.kill().ok());
      lag_.Stop();
    }

   private:
    HubLag& lag_;
    Greenlet<void> greenlet_;
  };

  // The worst stall of each hub since `start_ns`, summed.
  absl::Duration LateSince(int64_t start_ns) const {
    return server.WorstSince(start_ns) + client.WorstSince(start_ns);
  }
  // The server's step per line and per reply, for one that began at
  // `start_ns`.
  absl::Duration Step(int64_t start_ns) const {
    return kStep + 2 * LateSince(start_ns);
  }
  // How long a misbehaving client may take to be cut, from `start_ns` on: a
  // few steps, and the server's close may reach the client's hub late.
  absl::Duration CutBound(int64_t start_ns) const {
    return 3 * Step(start_ns) + 4 * LateSince(start_ns);
  }

  HubLag server;
  HubLag client;
};

// A line within `bound(start)`, which is read again when it expires: it
// grows while a hub stalls.
template <typename Bound>
absl::StatusOr<std::string> ReadLine(BufferedReader& in, Bound bound) {
  const int64_t start = internal::MonotonicNowNs();
  for (;;) {
    absl::StatusOr<std::string> line = in.readline(
        kMaxLine, std::max(bound(start) - Since(start), absl::ZeroDuration()));
    if (!absl::IsDeadlineExceeded(line.status()) ||
        Since(start) >= bound(start)) {
      return line;
    }
  }
}

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
  explicit LineServer(const Lateness& lateness) {
    StreamServer::Options options;
    options.on_error = [this](const Address&, std::exception_ptr) {
      ++errors_;
    };
    server_ = std::make_unique<StreamServer>(
        Address::Loopback(0),
        [&lateness](Socket& conn, const Address&) {
          BufferedReader in(conn, kMaxLine);
          auto step = [&lateness](int64_t start) {
            return lateness.Step(start);
          };
          for (;;) {
            absl::StatusOr<std::string> line = ReadLine(in, step);
            if (!line.ok() || line->empty()) return;  // slow, long, gone
            if (*line == "THROW\n") throw std::runtime_error("asked to throw");
            if (!conn.sendall(*line, step(internal::MonotonicNowNs())).ok()) {
              return;  // not reading
            }
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

// Runs clients on a thread of its own, with its own hub (probed into
// `lateness.client`), while the caller's hub goes on serving.
class ClientThread {
 public:
  ClientThread(Lateness& lateness, absl::AnyInvocable<void()> clients)
      : hub_(Hub::current()) {
    hub_.add_external_work();
    thread_ =
        std::thread([this, &lateness, clients = std::move(clients)]() mutable {
          testing::LeakCheck::StartHub();
          const size_t stacks = testing::StacksInUse();
          {
            Lateness::Probe probe(lateness.client);
            clients();
          }
          EXPECT_EQ(testing::StacksInUse(), stacks) << "client greenlets left";
          hub_.post([this] { done_.set(); });
        });
  }
  ~ClientThread() { Join(); }

  // Returns once the clients have returned and their thread has ended.
  // Blocks (the calling greenlet only).
  void Join() {
    if (!thread_.joinable()) return;
    done_.wait();
    thread_.join();
    hub_.remove_external_work();
  }
  // Whether the clients have returned (the caller's hub learns it through a
  // post, so a greenlet that polls this must yield).
  bool done() const { return done_.is_set(); }

 private:
  Hub& hub_;
  Event done_;
  std::thread thread_;
};

absl::StatusOr<Socket> Connect(const Address& to, int rcvbuf = 0) {
  absl::StatusOr<Socket> s = Socket::Tcp();
  if (!s.ok()) return s.status();
  if (rcvbuf > 0) {
    if (absl::Status o = s->setsockopt(SOL_SOCKET, SO_RCVBUF, rcvbuf);
        !o.ok()) {
      return o;
    }
  }
  // No timeout: the backlog (SOMAXCONN) holds every client of these tests.
  if (absl::Status c = s->connect(to, absl::InfiniteDuration()); !c.ok()) {
    return c;
  }
  return s;
}

// True once the server has closed `s` (EOF or reset); false if it has not
// within the CutBound (read again as the probes measure more).
bool Cut(Socket& s, const Lateness& lateness) {
  const int64_t start = internal::MonotonicNowNs();
  char buf[4096];
  for (absl::Duration left = lateness.CutBound(start);
       left > absl::ZeroDuration();
       left = lateness.CutBound(start) - Since(start)) {
    absl::StatusOr<size_t> n = s.recv_into(absl::MakeSpan(buf), left);
    if (!n.ok() && !absl::IsDeadlineExceeded(n.status())) return true;
    if (n.ok() && *n == 0) return true;
  }
  return false;
}

// 200 lines each, every byte checked. Returns "" or what went wrong. No
// timeout: the server's steps bound every wait here (it closes a connection
// that makes no progress), and a good client cut is an error.
std::string GoodClient(const Address& to, int id) {
  absl::StatusOr<Socket> s = Connect(to);
  if (!s.ok()) return std::string(s.status().message());
  BufferedReader in(*s);
  for (int seq = 0; seq < 200; ++seq) {
    const std::string line = Line(id, seq);
    if (absl::Status sent = s->sendall(line, absl::InfiniteDuration());
        !sent.ok()) {
      return std::string(sent.message());
    }
    absl::StatusOr<std::string> back =
        in.readline(kMaxLine, absl::InfiniteDuration());
    if (!back.ok()) return std::string(back.status().message());
    if (*back != line) {
      return "the echo of line " + std::to_string(seq) + " differs (cut?)";
    }
  }
  return "";
}

// Sends `line` and reads it back: the connection's handler is running.
bool Echoes(Socket& s, BufferedReader& in, const std::string& line) {
  if (!s.sendall(line, absl::InfiniteDuration()).ok()) return false;
  absl::StatusOr<std::string> back =
      in.readline(kMaxLine, absl::InfiniteDuration());
  return back.ok() && *back == line;
}

class FaultTest : public ::testing::Test {
 protected:
  ~FaultTest() override {
    std::printf("worst lateness: server hub %s, client hub %s\n",
                absl::FormatDuration(lateness_.server.WorstEver()).c_str(),
                absl::FormatDuration(lateness_.client.WorstEver()).c_str());
  }

  testing::LeakCheck leaks_;
  Lateness lateness_;
  Lateness::Probe probe_{lateness_.server};
};

TEST_F(FaultTest, BadClientsAreCutAndGoodOnesGetEveryByte) {
  LineServer ls(lateness_);
  const Address to = ls.address();
  const Lateness& lateness = lateness_;
  std::vector<std::string> good(200);
  std::vector<std::string> bad(200);  // "" once cut, or what went wrong
  ClientThread clients(lateness_, [&] {
    std::vector<Greenlet<void>> all;
    for (int i = 0; i < 200; ++i) {
      all.push_back(spawn([&, i] { good[i] = GoodClient(to, i); }));
    }
    size_t next = 0;
    auto run = [&](absl::AnyInvocable<std::string()> client) {
      std::string* out = &bad.at(next++);
      all.push_back(spawn(
          [out, client = std::move(client)]() mutable { *out = client(); }));
    };
    for (int i = 0; i < 100; ++i) {  // resets mid-line
      run([to]() -> std::string {
        absl::StatusOr<Socket> s = Connect(to);
        if (!s.ok()) return std::string(s.status().message());
        (void)s->sendall("half a li");
        sleep(absl::Milliseconds(10));
        testing::Abort(*s);
        return "";
      });
    }
    for (int i = 0; i < 50; ++i) {  // slowloris: a byte every 200 ms
      run([to, &lateness]() -> std::string {
        absl::StatusOr<Socket> s = Connect(to);
        if (!s.ok()) return std::string(s.status().message());
        BufferedReader in(*s);
        const int64_t start = internal::MonotonicNowNs();
        if (!Echoes(*s, in, "served\n")) return "slowloris not served";
        while (Since(start) < lateness.CutBound(start)) {
          if (!s->sendall("x").ok()) return "";  // reset
          char c;
          absl::StatusOr<size_t> n =
              s->recv_into(absl::MakeSpan(&c, 1), absl::Milliseconds(200));
          if (n.ok() || !absl::IsDeadlineExceeded(n.status())) return "";
        }
        return "slowloris not cut after " + absl::FormatDuration(Since(start));
      });
    }
    for (int i = 0; i < 20; ++i) {  // floods one endless line
      run([to, &lateness]() -> std::string {
        absl::StatusOr<Socket> s = Connect(to);
        if (!s.ok()) return std::string(s.status().message());
        (void)s->sendall(std::string(1 << 20, 'x'),
                         lateness.CutBound(internal::MonotonicNowNs()));
        return Cut(*s, lateness) ? "" : "flood not cut";
      });
    }
    for (int i = 0; i < 20; ++i) {  // sends lines and never reads the echoes
      run([to, i, &lateness]() -> std::string {
        // A small window, so that the replies back up soon.
        absl::StatusOr<Socket> s = Connect(to, /*rcvbuf=*/16384);
        if (!s.ok()) return std::string(s.status().message());
        const std::string line =
            std::string(kMaxLine - 1, static_cast<char>('a' + i % 26)) + "\n";
        // A send blocks only while the server does not read: while it is
        // blocked in a reply, which it must give up within a step.
        int64_t start = internal::MonotonicNowNs();
        for (int sent = 0; sent < (1 << 16);) {
          absl::Status st = s->sendall(line, lateness.CutBound(start));
          if (st.ok()) {
            ++sent;
            start = internal::MonotonicNowNs();
            sleep(absl::ZeroDuration());  // sends that never block never yield
          } else if (!absl::IsDeadlineExceeded(st)) {
            return "";  // reset
          } else if (Since(start) >= lateness.CutBound(start)) {
            return "non-reader not cut";
          }
        }
        return "the server read 256 MiB it could not echo";
      });
    }
    for (int i = 0; i < 10; ++i) {  // its handler throws
      run([to, &lateness]() -> std::string {
        absl::StatusOr<Socket> s = Connect(to);
        if (!s.ok()) return std::string(s.status().message());
        BufferedReader in(*s);
        if (!Echoes(*s, in, "hello\n")) return "thrower not served";
        if (!s->sendall("THROW\n").ok()) return "THROW not sent";
        return Cut(*s, lateness) ? "" : "thrower not cut";
      });
    }
    EXPECT_EQ(next, bad.size());
    for (auto& g : all) EXPECT_TRUE(g.join().ok());
  });
  clients.Join();

  for (size_t i = 0; i < good.size(); ++i) {
    EXPECT_EQ(good[i], "") << "good client " << i;
  }
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(bad[i], "") << "misbehaving client " << i;
  }
  EXPECT_EQ(ls.errors(), 10);  // each throw reported, none fatal
  // Every handler ends: nothing of the bad ones lingers.
  const int64_t start = internal::MonotonicNowNs();
  while (ls.server().connections() > 0 &&
         Since(start) < lateness.CutBound(start)) {
    sleep(absl::Milliseconds(10));
  }
  EXPECT_EQ(ls.server().connections(), 0u);
  // And the server still serves.
  EXPECT_EQ(GoodClient(ls.address(), 999), "");
  ls.server().stop();
}

TEST_F(FaultTest, StoppingTheServerWhileBusyEndsEveryConnectionCleanly) {
  LineServer ls(lateness_);
  const Address to = ls.address();
  const Lateness& lateness = lateness_;
  std::vector<std::string> results(300);  // "" once broken by the stop
  ClientThread clients(lateness_, [&] {
    std::vector<Greenlet<void>> all;
    for (int i = 0; i < 300; ++i) {
      all.push_back(spawn([&, i] {
        absl::StatusOr<Socket> s = Connect(to);
        if (!s.ok()) {
          results[i] = std::string(s.status().message());
          return;
        }
        BufferedReader in(*s);
        auto bound = [&lateness](int64_t start) {
          return lateness.CutBound(start);
        };
        for (int seq = 0;; ++seq) {
          const std::string line = Line(i, seq);
          if (!s->sendall(line, absl::InfiniteDuration()).ok()) break;
          absl::StatusOr<std::string> back = ReadLine(in, bound);
          if (!back.ok()) {
            if (absl::IsDeadlineExceeded(back.status())) {
              results[i] = "hung";
              return;
            }
            break;
          }
          if (back->empty()) break;  // EOF
          // A line cut short by the stop is the only partial one allowed.
          if (*back != line &&
              !(back->back() != '\n' && line.starts_with(*back))) {
            results[i] = "the echo differs";
            return;
          }
        }
      }));
    }
    for (auto& g : all) EXPECT_TRUE(g.join().ok());
  });
  // All of them connected and busy, however long that takes (or the clients
  // gave up).
  while (ls.server().connections() < 300 && !clients.done()) {
    sleep(absl::Milliseconds(10));
  }
  sleep(absl::Milliseconds(100));
  EXPECT_EQ(ls.server().connections(), 300u);
  ls.server().stop(absl::ZeroDuration());  // no grace: kill the handlers
  EXPECT_EQ(ls.server().connections(), 0u);
  clients.Join();
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i], "") << "client " << i;
  }
}

}  // namespace
}  // namespace gevent
