// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The threaded resolver and create_connection, on every backend. Names come
// from /etc/hosts ("localhost"), so nothing leaves the machine.

#include "gevent/io/resolver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/internal/test_util.h"

namespace gevent {
namespace {

class ResolverTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(ResolverTest, NumericHostsSkipTheThreadPool) {
  absl::StatusOr<std::vector<Address>> a = resolve("127.0.0.1", 80);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].ToString(), "127.0.0.1:80");
}

TEST_F(ResolverTest, ResolvesLocalhost) {
  absl::StatusOr<std::vector<Address>> a = resolve("localhost", 8080, AF_INET);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_FALSE(a->empty());
  EXPECT_EQ((*a)[0].ToString(), "127.0.0.1:8080");
}

TEST_F(ResolverTest, ManyLookupsRunAtOnceWhileOtherGreenletsRun) {
  std::vector<Greenlet<bool>> lookups;
  for (int i = 0; i < 50; ++i) {
    lookups.push_back(spawn([] {
      absl::StatusOr<std::vector<Address>> a = resolve("localhost", 1, AF_INET);
      return a.ok() && !a->empty();
    }));
  }
  int ticks = 0;
  auto ticker = spawn([&] {
    while (ticks < 3) {
      ++ticks;
      sleep(absl::ZeroDuration());
    }
  });
  for (auto& g : lookups) EXPECT_TRUE(g.get());
  ASSERT_TRUE(ticker.join().ok());
  EXPECT_EQ(ticks, 3);
}

TEST_F(ResolverTest, BadNamesAreClearErrors) {
  EXPECT_EQ(resolve("", 80).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(resolve(std::string("a\0b", 3), 80).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(resolve(std::string(300, 'a'), 80).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A family that does not match the numeric host.
  absl::Status s = resolve("127.0.0.1", 80, AF_INET6).status();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "127.0.0.1")) << s;
}

TEST_F(ResolverTest, CreateConnectionConnectsAndSetsTheTimeout) {
  Socket listener = testing::ListenLoopback();
  const uint16_t port = testing::AddressOf(listener).port();
  absl::StatusOr<Socket> c =
      create_connection("localhost", port, absl::Seconds(3));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->timeout(), absl::Seconds(3));
  absl::StatusOr<Accepted> a = listener.accept(absl::Seconds(5));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(c->sendall("hi").ok());
  EXPECT_EQ(*a->socket.recv(10), "hi");
}

TEST_F(ResolverTest, CreateConnectionReportsEveryAttempt) {
  Address gone;
  {
    Socket l = testing::ListenLoopback();
    gone = testing::AddressOf(l);
  }
  absl::StatusOr<Socket> c = create_connection("127.0.0.1", gone.port());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(c.status().message(), "ECONNREFUSED"))
      << c.status();
  EXPECT_EQ(
      create_connection("127.0.0.1", 1, absl::Seconds(-1)).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gevent
