// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Code written only against blocking POSIX calls, run in greenlets after
// patch_all(): it must cooperate, and behave as libc where it fails.

#include "gevent/io/monkey.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/io/internal/http_test_server.h"
#include "gevent/io/internal/monkey_state.h"
#include "gevent/io/internal/test_util.h"

namespace gevent {
namespace {

using monkey::internal::libc;

class MonkeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    monkey::patch_all();
    signal(SIGPIPE, SIG_IGN);
  }
  testing::LeakCheck leaks_;
};

// --- plain blocking code, as a user would write it ---

// A connected blocking TCP socket to 127.0.0.1:port, or -1.
int PlainConnect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// GET `path` with socket/connect/send/recv; the body, or "error: ...".
std::string PlainHttpGet(uint16_t port, const std::string& path) {
  int fd = PlainConnect(port);
  if (fd < 0) return absl::StrCat("error: connect: ", strerror(errno));
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  if (send(fd, request.data(), request.size(), 0) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::StrCat("error: send: ", strerror(errno));
  }
  std::string response;
  char buf[1024];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      close(fd);
      return absl::StrCat("error: recv: ", strerror(errno));
    }
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return "error: no header end";
  return response.substr(body + 4);
}

// A blocking TCP pair made with plain calls: {client, accepted}.
std::pair<int, int> PlainTcpPair() {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  EXPECT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(listen(listener, 8), 0);
  EXPECT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
  int client = PlainConnect(ntohs(a.sin_port));
  int server = accept(listener, nullptr, nullptr);
  close(listener);
  EXPECT_GE(client, 0);
  EXPECT_GE(server, 0);
  return {client, server};
}

double SecondsSince(absl::Time start) {
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// --- the headline cases ---

TEST_F(MonkeyTest, PatchAllReportsWhatItPatched) {
  std::vector<std::string_view> names = monkey::patch_all();
  EXPECT_TRUE(monkey::is_patched());
  for (std::string_view want :
       {"read", "write", "recv", "send", "connect", "accept", "poll", "select",
        "sleep", "nanosleep", "getaddrinfo", "close", "fcntl"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST_F(MonkeyTest, SleepsInAThousandGreenletsWaitTogether) {
  const absl::Time start = absl::Now();
  testing::Overlap overlap;
  std::vector<Greenlet<unsigned>> sleepers;
  for (int i = 0; i < 1000; ++i) {
    sleepers.push_back(spawn([&overlap] {
      auto inside = overlap.Enter();
      return ::sleep(1);
    }));
  }
  ASSERT_TRUE(joinall(sleepers).ok());
  for (auto& g : sleepers) EXPECT_EQ(g.get(), 0u);
  // libc's sleep would hold the thread: one sleeper at a time, 1,000 s.
  EXPECT_GT(overlap.peak(), 1);
  EXPECT_GE(SecondsSince(start), 0.99);
}

TEST_F(MonkeyTest, EverySleepCallCooperates) {
  const absl::Time start = absl::Now();
  // One counter per call: each kind must overlap with the others of its kind.
  std::array<testing::Overlap, 4> overlap;
  std::vector<Greenlet<int>> sleepers;
  for (int i = 0; i < 50; ++i) {
    sleepers.push_back(spawn([&overlap] {
      auto inside = overlap[0].Enter();
      return usleep(300'000);
    }));
    sleepers.push_back(spawn([&overlap] {
      auto inside = overlap[1].Enter();
      timespec t{0, 300'000'000};
      return nanosleep(&t, nullptr);
    }));
    sleepers.push_back(spawn([&overlap] {
      auto inside = overlap[2].Enter();
      timespec t{0, 300'000'000};
      return clock_nanosleep(CLOCK_MONOTONIC, 0, &t, nullptr);
    }));
    sleepers.push_back(spawn([&overlap] {
      auto inside = overlap[3].Enter();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return 0;
    }));
  }
  ASSERT_TRUE(joinall(sleepers).ok());
  for (auto& g : sleepers) EXPECT_EQ(g.get(), 0);
  for (int kind = 0; kind < 4; ++kind) {
    EXPECT_GT(overlap[kind].peak(), 1) << "sleep call " << kind;
  }
  EXPECT_GE(SecondsSince(start), 0.29);
}

TEST_F(MonkeyTest, PlainHttpGetsInAThousandGreenletsWaitTogether) {
  testing::RaiseFdLimit(4096);
  testing::DelayedHttpServer server(absl::Milliseconds(500));
  testing::Overlap overlap;
  std::vector<Greenlet<std::string>> clients;
  for (int i = 0; i < 1000; ++i) {
    clients.push_back(spawn([port = server.port(), i, &overlap] {
      auto inside = overlap.Enter();
      return PlainHttpGet(port, absl::StrCat("/", i));
    }));
  }
  ASSERT_TRUE(joinall(clients).ok());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(clients[i].get(), absl::StrCat("hello /", i));
  }
  EXPECT_EQ(server.requests(), 1000);
  // Blocking connect and recv would run the requests one by one: 500 s.
  EXPECT_GT(overlap.peak(), 1);
}

// --- libc's results and errno, side by side ---

// Runs each failing call through the patched symbol and through libc's own
// function, on the calling thread, and compares.
void ExpectSameFailures() {
  char buf[16];
  auto same = [](const char* what, auto patched, auto real) {
    errno = 0;
    const long r1 = static_cast<long>(patched());  // NOLINT(runtime/int)
    const int e1 = errno;
    errno = 0;
    const long r2 = static_cast<long>(real());  // NOLINT(runtime/int)
    const int e2 = errno;
    EXPECT_EQ(r1, r2) << what;
    EXPECT_EQ(e1, e2) << what << ": " << strerror(e1) << " vs " << strerror(e2);
  };
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  same(
      "read(-1)", [&] { return read(-1, buf, 1); },
      [&] { return libc().read(-1, buf, 1); });
  same(
      "write(-1)", [&] { return write(-1, buf, 1); },
      [&] { return libc().write(-1, buf, 1); });
  same(
      "recv(pipe)", [&] { return recv(p[0], buf, 1, 0); },
      [&] { return libc().recv(p[0], buf, 1, 0); });
  same(
      "send(pipe)", [&] { return send(p[1], buf, 1, 0); },
      [&] { return libc().send(p[1], buf, 1, 0); });
  same(
      "accept(pipe)", [&] { return accept(p[0], nullptr, nullptr); },
      [&] { return libc().accept(p[0], nullptr, nullptr); });
  same(
      "close(-1)", [&] { return close(-1); }, [&] { return libc().close(-1); });
  same(
      "dup2(-1, 5)", [&] { return dup2(-1, 5); },
      [&] { return libc().dup2(-1, 5); });
  same(
      "fcntl(-1)", [&] { return fcntl(-1, F_GETFL); },
      [&] { return libc().fcntl(-1, F_GETFL); });
  same(
      "ioctl(-1)", [&] { return ioctl(-1, FIONREAD, buf); },
      [&] { return libc().ioctl(-1, FIONREAD, buf); });
  // An fd that is not open: POLLNVAL at once, from both.
  const int not_open = dup(p[0]);
  close(not_open);
  pollfd nv1{not_open, POLLIN, 0};
  pollfd nv2{not_open, POLLIN, 0};
  same(
      "poll(not open)", [&] { return poll(&nv1, 1, 1000); },
      [&] { return libc().poll(&nv2, 1, 1000); });
  EXPECT_EQ(nv1.revents, nv2.revents);
  same(
      "select(-1)",
      [&] { return select(-1, nullptr, nullptr, nullptr, nullptr); },
      [&] { return libc().select(-1, nullptr, nullptr, nullptr, nullptr); });
  timespec bad{0, 2'000'000'000};
  same(
      "nanosleep(bad)", [&] { return nanosleep(&bad, nullptr); },
      [&] { return libc().nanosleep(&bad, nullptr); });
  same(
      "clock_nanosleep(bad)",
      [&] { return clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, nullptr); },
      [&] {
        return libc().clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, nullptr);
      });
  same(
      "epoll_wait(pipe)",
      [&] {
        epoll_event ev;
        return epoll_wait(p[0], &ev, 1, 10);
      },
      [&] {
        epoll_event ev;
        return libc().epoll_wait(p[0], &ev, 1, 10);
      });
  // A refused connection: the patched call waits cooperatively for the
  // outcome, libc's reports it at once; both say ECONNREFUSED.
  Socket closed = testing::ListenLoopback();
  const Address gone = testing::AddressOf(closed);
  ASSERT_TRUE(closed.close().ok());
  int s1 = socket(AF_INET, SOCK_STREAM, 0);
  int s2 = socket(AF_INET, SOCK_STREAM, 0);
  same(
      "connect(refused)",
      [&] { return connect(s1, gone.sockaddr_ptr(), gone.length()); },
      [&] { return libc().connect(s2, gone.sockaddr_ptr(), gone.length()); });
  // Unconnected TCP socket.
  same(
      "send(unconnected)", [&] { return send(s1, buf, 1, MSG_NOSIGNAL); },
      [&] { return libc().send(s2, buf, 1, MSG_NOSIGNAL); });
  same(
      "recv(unconnected)", [&] { return recv(s1, buf, 1, 0); },
      [&] { return libc().recv(s2, buf, 1, 0); });
  close(s1);
  close(s2);
  // A name that does not resolve.
  addrinfo* r1 = nullptr;
  addrinfo* r2 = nullptr;
  const int g1 = getaddrinfo("no-such-host.invalid", "80", nullptr, &r1);
  const int g2 = libc().getaddrinfo("no-such-host.invalid", "80", nullptr, &r2);
  EXPECT_EQ(g1, g2) << gai_strerror(g1) << " vs " << gai_strerror(g2);
  if (r1) freeaddrinfo(r1);
  if (r2) freeaddrinfo(r2);
  close(p[0]);
  close(p[1]);
}

TEST_F(MonkeyTest, FailuresMatchLibcOnAThreadWithoutAHub) {
  std::thread t([] { ExpectSameFailures(); });
  t.join();
}

TEST_F(MonkeyTest, FailuresMatchLibcInAGreenlet) {
  ASSERT_TRUE(spawn([] { ExpectSameFailures(); }).join().ok());
}

TEST_F(MonkeyTest, SuccessfulCallsMatchLibcOnAThreadWithoutAHub) {
  std::thread t([] {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    errno = 1234;
    EXPECT_EQ(write(p[1], "abc", 3), 3);
    char buf[8];
    EXPECT_EQ(read(p[0], buf, sizeof(buf)), 3);
    EXPECT_EQ(errno, 1234);  // untouched on success, as libc
    EXPECT_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    const absl::Time start = absl::Now();
    EXPECT_EQ(usleep(20'000), 0);
    EXPECT_GE(SecondsSince(start), 0.019);
    pollfd pf{p[0], POLLIN, 0};
    EXPECT_EQ(poll(&pf, 1, 10), 0);
    close(p[0]);
    close(p[1]);
  });
  t.join();
}

// --- blocking sockets in greenlets ---

TEST_F(MonkeyTest, BlockingRecvParksOnlyTheGreenlet) {
  auto [a, b] = PlainTcpPair();
  int ticks = 0;
  auto reader = spawn([fd = a] {
    char buf[8];
    return recv(fd, buf, sizeof(buf), 0);
  });
  auto ticker = spawn([&] {
    for (int i = 0; i < 5; ++i) {
      gevent::sleep(absl::Milliseconds(5));
      ++ticks;
    }
    EXPECT_EQ(send(b, "hi", 2, 0), 2);
  });
  ASSERT_TRUE(ticker.join().ok());
  EXPECT_EQ(reader.get(), 2);
  EXPECT_EQ(ticks, 5);
  close(a);
  close(b);
}

TEST_F(MonkeyTest, CallerKeepsItsViewOfBlockingMode) {
  auto [a, b] = PlainTcpPair();
  ASSERT_TRUE(spawn([fd = a, peer = b] {
                EXPECT_EQ(send(peer, "x", 1, 0), 1);
                char c;
                EXPECT_EQ(recv(fd, &c, 1, 0), 1);
                // Non-blocking for real, blocking in the caller's eyes.
                EXPECT_NE(libc().fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
                EXPECT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
                // The caller asks for non-blocking: EAGAIN at once.
                ASSERT_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK),
                          0);
                EXPECT_NE(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
                errno = 0;
                EXPECT_EQ(recv(fd, &c, 1, 0), -1);
                EXPECT_EQ(errno, EAGAIN);
                // And back to blocking with FIONBIO: it parks again.
                int off = 0;
                ASSERT_EQ(ioctl(fd, FIONBIO, &off), 0);
                EXPECT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
                EXPECT_NE(libc().fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
                auto later = spawn_later(absl::Milliseconds(20), [peer] {
                  EXPECT_EQ(send(peer, "y", 1, 0), 1);
                });
                EXPECT_EQ(recv(fd, &c, 1, 0), 1);
                EXPECT_EQ(c, 'y');
                ASSERT_TRUE(later.join().ok());
              })
                  .join()
                  .ok());
  close(a);
  close(b);
}

TEST_F(MonkeyTest, ReceiveTimeoutIsHonouredAndOthersRun) {
  auto [a, b] = PlainTcpPair();
  timeval tv{0, 200'000};
  ASSERT_EQ(setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 10; ++i) {
      gevent::sleep(absl::Milliseconds(5));
      ++ticks;
    }
  });
  const absl::Time start = absl::Now();
  auto reader = spawn([fd = a] {
    char c;
    errno = 0;
    const ssize_t n = recv(fd, &c, 1, 0);
    return std::make_pair(n, errno);
  });
  auto [n, err] = reader.get();
  EXPECT_EQ(n, -1);
  EXPECT_EQ(err, EAGAIN);
  EXPECT_GE(SecondsSince(start), 0.19);
  ASSERT_TRUE(ticker.join().ok());
  EXPECT_EQ(ticks, 10);
  // The same socket, now non-blocking for real, on a plain thread: it still
  // blocks for the timeout, as libc's would.
  std::thread t([fd = a] {
    char c;
    const absl::Time t0 = absl::Now();
    errno = 0;
    EXPECT_EQ(recv(fd, &c, 1, 0), -1);
    EXPECT_EQ(errno, EAGAIN);
    EXPECT_GE(SecondsSince(t0), 0.19);
  });
  t.join();
  close(a);
  close(b);
}

TEST_F(MonkeyTest, ConnectTimeoutIsEinprogressAsInLibc) {
  // Backlog 0 queues one connection; nobody accepts; the kernel then drops
  // further SYNs, so a blocking connect waits for SO_SNDTIMEO.
  Socket listener = testing::ListenLoopback(/*backlog=*/0);
  const Address where = testing::AddressOf(listener);
  std::vector<int> fds;
  int r = 0;
  int err = 0;
  double took = 0;
  for (int i = 0; i < 16 && r == 0; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    fds.push_back(fd);
    timeval tv{0, 200'000};
    ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
    const absl::Time start = absl::Now();
    errno = 0;
    r = connect(fd, where.sockaddr_ptr(), where.length());
    err = errno;
    took = SecondsSince(start);
  }
  EXPECT_EQ(r, -1);
  EXPECT_EQ(err, EINPROGRESS) << strerror(err);
  EXPECT_GE(took, 0.15);
  for (int fd : fds) close(fd);
}

TEST_F(MonkeyTest, SendTimeoutReturnsWhatWentOut) {
  auto [a, b] = PlainTcpPair();
  timeval tv{0, 100'000};
  ASSERT_EQ(setsockopt(a, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
  const std::string big(16 << 20, 'z');  // more than the socket buffers hold
  ASSERT_TRUE(spawn([&, fd = a] {
                const ssize_t n = send(fd, big.data(), big.size(), 0);
                EXPECT_GT(n, 0);
                EXPECT_LT(n, static_cast<ssize_t>(big.size()));
                // With nothing read, the buffers fill up (they may grow a
                // few times first): then a send times out with nothing sent.
                ssize_t r = 0;
                for (int i = 0; i < 50 && r >= 0; ++i) {
                  errno = 0;
                  r = send(fd, big.data(), big.size(), 0);
                }
                EXPECT_EQ(r, -1);
                EXPECT_EQ(errno, EAGAIN);
              })
                  .join()
                  .ok());
  close(a);
  close(b);
}

TEST_F(MonkeyTest, BlockingSendMovesEveryByte) {
  auto [a, b] = PlainTcpPair();
  const std::string payload = testing::Payload(4 << 20, 7);
  auto writer =
      spawn([&, fd = a] { return write(fd, payload.data(), payload.size()); });
  auto reader = spawn([fd = b, size = payload.size()] {
    std::string got(size, '\0');
    // MSG_WAITALL: one call fills the buffer, as libc's blocking recv does.
    const ssize_t n = recv(fd, got.data(), got.size(), MSG_WAITALL);
    EXPECT_EQ(n, static_cast<ssize_t>(size));
    return got;
  });
  EXPECT_EQ(writer.get(), static_cast<ssize_t>(payload.size()));
  EXPECT_EQ(testing::Checksum(reader.get()), testing::Checksum(payload));
  close(a);
  close(b);
}

TEST_F(MonkeyTest, WritevAndSendmsgMoveEveryByte) {
  auto [a, b] = PlainTcpPair();
  const std::string x = testing::Payload(3 << 20, 1);
  const std::string y = testing::Payload(2 << 20, 2);
  auto writer = spawn([&, fd = a] {
    iovec v[2] = {{const_cast<char*>(x.data()), x.size()},
                  {const_cast<char*>(y.data()), y.size()}};
    EXPECT_EQ(writev(fd, v, 2), static_cast<ssize_t>(x.size() + y.size()));
    msghdr m{};
    m.msg_iov = v;
    m.msg_iovlen = 2;
    EXPECT_EQ(sendmsg(fd, &m, 0), static_cast<ssize_t>(x.size() + y.size()));
  });
  std::string got;
  ASSERT_TRUE(spawn([&, fd = b] {
                std::vector<char> buf(65536);
                while (got.size() < 2 * (x.size() + y.size())) {
                  const ssize_t n = read(fd, buf.data(), buf.size());
                  ASSERT_GT(n, 0);
                  got.append(buf.data(), static_cast<size_t>(n));
                }
              })
                  .join()
                  .ok());
  ASSERT_TRUE(writer.join().ok());
  EXPECT_EQ(testing::Checksum(got), testing::Checksum(x + y + x + y));
  close(a);
  close(b);
}

TEST_F(MonkeyTest, AcceptParksAndTwoAcceptorsShareAListener) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(listener, 8), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
  auto acceptor = [listener] { return accept(listener, nullptr, nullptr); };
  auto first = spawn(acceptor);
  auto second = spawn(acceptor);  // same listener, same direction
  auto clients = spawn([port = ntohs(a.sin_port)] {
    gevent::sleep(absl::Milliseconds(10));
    return std::make_pair(PlainConnect(port), PlainConnect(port));
  });
  const int s1 = first.get();
  const int s2 = second.get();
  auto [c1, c2] = clients.get();
  EXPECT_GE(s1, 0);
  EXPECT_GE(s2, 0);
  // Accepted sockets are blocking, as libc's accept makes them.
  EXPECT_EQ(fcntl(s1, F_GETFL) & O_NONBLOCK, 0);
  for (int fd : {s1, s2, c1, c2, listener}) close(fd);
}

TEST_F(MonkeyTest, CloseWakesAGreenletBlockedOnTheFd) {
  auto [a, b] = PlainTcpPair();
  auto reader = spawn([fd = a] {
    char c;
    errno = 0;
    const ssize_t n = recv(fd, &c, 1, 0);
    return std::make_pair(n, errno);
  });
  gevent::sleep(absl::Milliseconds(10));  // it is parked in recv
  EXPECT_EQ(close(a), 0);
  auto [n, err] = reader.get();
  EXPECT_EQ(n, -1);
  EXPECT_EQ(err, EBADF);
  close(b);
}

TEST_F(MonkeyTest, Dup2OverAWaitedFdWakesItAndDupSharesTheView) {
  auto [a, b] = PlainTcpPair();
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  auto reader = spawn([fd = a] {
    char c;
    errno = 0;
    const ssize_t n = recv(fd, &c, 1, 0);
    return std::make_pair(n, errno);
  });
  gevent::sleep(absl::Milliseconds(10));
  ASSERT_EQ(dup2(p[0], a), a);  // a now names the pipe
  EXPECT_EQ(reader.get().first, -1);
  EXPECT_EQ(reader.get().second, EBADF);
  for (int fd : {a, b, p[0], p[1]}) close(fd);
}

TEST_F(MonkeyTest, DupsShareTheCallersViewOfBlockingMode) {
  auto [a, b] = PlainTcpPair();
  // Duplicated before any greenlet touched it: both fds name one file, whose
  // O_NONBLOCK we set for real; both still block in the caller's eyes.
  const int d = dup(b);
  const int d2 = fcntl(b, F_DUPFD_CLOEXEC, 0);
  ASSERT_TRUE(spawn([&] {
                char c;
                for (int fd : {d, b, d2}) {
                  auto later = spawn_later(absl::Milliseconds(10), [a] {
                    EXPECT_EQ(send(a, "d", 1, 0), 1);
                  });
                  EXPECT_EQ(recv(fd, &c, 1, 0), 1);  // parks, no EAGAIN
                  EXPECT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
                  ASSERT_TRUE(later.join().ok());
                }
                EXPECT_NE(libc().fcntl(b, F_GETFL) & O_NONBLOCK, 0);
              })
                  .join()
                  .ok());
  for (int fd : {a, b, d, d2}) close(fd);
}

TEST_F(MonkeyTest, KillDuringABlockingCallUnwindsTheGreenlet) {
  auto [a, b] = PlainTcpPair();
  bool unwound = false;
  auto reader = spawn([&, fd = a] {
    struct Flag {
      bool* f;
      ~Flag() { *f = true; }
    } flag{&unwound};
    char c;
    recv(fd, &c, 1, 0);
    ADD_FAILURE() << "recv returned";
  });
  gevent::sleep(absl::Milliseconds(10));
  ASSERT_TRUE(reader.kill().ok());
  EXPECT_TRUE(unwound);
  // The socket still works.
  EXPECT_EQ(send(b, "k", 1, 0), 1);
  ASSERT_TRUE(spawn([fd = a] {
                char c;
                EXPECT_EQ(recv(fd, &c, 1, 0), 1);
              })
                  .join()
                  .ok());
  close(a);
  close(b);
}

// --- pipes, poll, select, epoll ---

TEST_F(MonkeyTest, BlockingPipeReadCooperatesAndKeepsItsFlags) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int ticks = 0;
  auto reader = spawn([fd = p[0]] {
    char buf[8];
    return read(fd, buf, sizeof(buf));
  });
  auto writer = spawn([&, fd = p[1]] {
    for (int i = 0; i < 3; ++i) {
      gevent::sleep(absl::Milliseconds(5));
      ++ticks;
    }
    EXPECT_EQ(write(fd, "pipe", 4), 4);
  });
  EXPECT_EQ(reader.get(), 4);
  ASSERT_TRUE(writer.join().ok());
  EXPECT_EQ(ticks, 3);
  // A pipe may be shared with another process: its flags are left alone.
  EXPECT_EQ(libc().fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
  close(p[0]);
  close(p[1]);
}

TEST_F(MonkeyTest, PollInAHundredGreenletsWakesEachOnItsFd) {
  std::vector<std::array<int, 2>> pipes(100);
  for (auto& p : pipes) ASSERT_EQ(pipe(p.data()), 0);
  std::vector<Greenlet<std::pair<int, short>>> pollers;
  for (auto& p : pipes) {
    pollers.push_back(spawn([fd = p[0]] {
      pollfd pf{fd, POLLIN, 0};
      const int n = poll(&pf, 1, 5000);
      return std::make_pair(n, pf.revents);
    }));
  }
  auto writer = spawn([&] {
    gevent::sleep(absl::Milliseconds(20));
    for (auto& p : pipes) EXPECT_EQ(write(p[1], "!", 1), 1);
  });
  // A poll that held the thread would keep the writer out: it would time out
  // with 0 after 5 s instead of waking with 1.
  ASSERT_TRUE(joinall(pollers).ok());
  for (auto& g : pollers) {
    EXPECT_EQ(g.get().first, 1);
    EXPECT_EQ(g.get().second, POLLIN);
  }
  ASSERT_TRUE(writer.join().ok());
  for (auto& p : pipes) {
    close(p[0]);
    close(p[1]);
  }
}

TEST_F(MonkeyTest, PollSelectAndEpollTimeOutWhileOthersRun) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = p[0];
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 10; ++i) {
      gevent::sleep(absl::Milliseconds(5));
      ++ticks;
    }
  });
  const absl::Time start = absl::Now();
  auto waiters = spawn([&] {
    pollfd pf{p[0], POLLIN, 0};
    EXPECT_EQ(poll(&pf, 1, 100), 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    timeval tv{0, 100'000};
    EXPECT_EQ(select(p[0] + 1, &r, nullptr, nullptr, &tv), 0);
    EXPECT_FALSE(FD_ISSET(p[0], &r));  // cleared, as libc does
    epoll_event out;
    EXPECT_EQ(epoll_wait(ep, &out, 1, 100), 0);
  });
  ASSERT_TRUE(waiters.join().ok());
  EXPECT_GE(SecondsSince(start), 0.29);
  ASSERT_TRUE(ticker.join().ok());
  EXPECT_EQ(ticks, 10);  // they ran meanwhile
  // And each reports readiness that comes while it waits.
  auto ready = spawn([&] {
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    timeval tv{5, 0};
    EXPECT_EQ(select(p[0] + 1, &r, nullptr, nullptr, &tv), 1);
    EXPECT_TRUE(FD_ISSET(p[0], &r));
    EXPECT_LT(tv.tv_sec, 5);  // the time left, as Linux reports it
    epoll_event out{};
    EXPECT_EQ(epoll_wait(ep, &out, 1, 5000), 1);
    EXPECT_EQ(out.data.fd, p[0]);
  });
  gevent::sleep(absl::Milliseconds(10));
  ASSERT_EQ(write(p[1], "e", 1), 1);
  ASSERT_TRUE(ready.join().ok());
  close(ep);
  close(p[0]);
  close(p[1]);
}

// --- the hub's own code, threads, fork, the resolver ---

TEST_F(MonkeyTest, AForkedChildGetsLibcsCalls) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The hub is the parent's: these must not touch it.
    const bool ok = usleep(1000) == 0 && write(p[1], "c", 1) == 1;
    _exit(ok ? 0 : 1);
  }
  char c = 0;
  EXPECT_EQ(read(p[0], &c, 1), 1);  // parks this greenlet, not the thread
  EXPECT_EQ(c, 'c');
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(p[0]);
  close(p[1]);
}

TEST_F(MonkeyTest, TheHubsOwnSocketsAndCallbacksDoNotRecurse) {
  // gevent's own Socket and StreamServer run on the patched calls too.
  StreamServer echo(Address::Loopback(0), [](Socket& conn, const Address&) {
    char buf[256];
    for (;;) {
      absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf));
      if (!n.ok() || *n == 0 || !conn.sendall(std::string_view(buf, *n)).ok()) {
        break;
      }
    }
  });
  ASSERT_TRUE(echo.start().ok());
  absl::StatusOr<Socket> c = Socket::Tcp();
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->connect(echo.address()).ok());
  ASSERT_TRUE(c->sendall("ping").ok());
  char buf[4];
  ASSERT_TRUE(c->recv_into(absl::MakeSpan(buf)).ok());
  EXPECT_EQ(std::string_view(buf, 4), "ping");
  // A callback on the hub itself makes a blocking call: libc's, no park.
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Event done;
  Hub::current().post([&] {
    EXPECT_EQ(write(p[1], "h", 1), 1);
    done.set();
  });
  ASSERT_TRUE(done.wait(absl::Seconds(5)));
  char h;
  EXPECT_EQ(read(p[0], &h, 1), 1);
  close(p[0]);
  close(p[1]);
  echo.stop(absl::ZeroDuration());
}

TEST_F(MonkeyTest, GetaddrinfoInGreenletsReturnsLibcsList) {
  std::vector<Greenlet<int>> lookups;
  for (int i = 0; i < 20; ++i) {
    lookups.push_back(spawn([] {
      addrinfo hints{};
      hints.ai_family = AF_INET;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* res = nullptr;
      const int rc = getaddrinfo("localhost", "80", &hints, &res);
      if (rc != 0) return rc;
      auto* in = reinterpret_cast<sockaddr_in*>(res->ai_addr);
      EXPECT_EQ(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
      EXPECT_EQ(ntohs(in->sin_port), 80);
      freeaddrinfo(res);
      return 0;
    }));
  }
  ASSERT_TRUE(joinall(lookups).ok());
  for (auto& g : lookups) EXPECT_EQ(g.get(), 0);
}

}  // namespace
}  // namespace gevent
