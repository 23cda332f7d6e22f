// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// hiredis's blocking client, unmodified, made concurrent by patch_all(),
// against a redis-server the test starts on a free loopback port.

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/monkey.h"

namespace gevent {
namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";

class MonkeyRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    monkey::patch_all();
    ASSERT_EQ(access(kRedisServer, X_OK), 0)
        << kRedisServer << " is missing: apt-get install redis-server";
    {
      // A port nobody uses now (the kernel's pick, released at once).
      Socket probe = testing::ListenLoopback();
      port_ = testing::AddressOf(probe).port();
    }
    const std::string port = std::to_string(port_);
    server_ = fork();
    ASSERT_GE(server_, 0);
    if (server_ == 0) {
      execl(kRedisServer, kRedisServer, "--port", port.c_str(), "--bind",
            "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel",
            "warning", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Up once it answers PING (a few tries: it needs a moment to start).
    for (int i = 0; i < 100; ++i) {
      if (redisContext* c = redisConnect("127.0.0.1", port_)) {
        const bool up = c->err == 0;
        redisFree(c);
        if (up) return;
      }
      usleep(50'000);
    }
    FAIL() << "redis-server did not start on port " << port_;
  }
  static void TearDownTestSuite() {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      waitpid(server_, nullptr, 0);
    }
  }

  static int port_;
  static pid_t server_;
  testing::LeakCheck leaks_;
};

int MonkeyRedisTest::port_ = 0;
pid_t MonkeyRedisTest::server_ = -1;

// One blocking command on its own connection; the reply as text ("nil" for
// a nil reply), or "error: ...".
std::string Command(int port, const std::string& command) {
  redisContext* c = redisConnect("127.0.0.1", port);
  if (c == nullptr || c->err) {
    std::string e = c ? c->errstr : "no context";
    redisFree(c);
    return "error: " + e;
  }
  auto* reply = static_cast<redisReply*>(redisCommand(c, command.c_str()));
  std::string out;
  if (reply == nullptr) {
    out = absl::StrCat("error: ", c->errstr);
  } else if (reply->type == REDIS_REPLY_NIL) {
    out = "nil";
  } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
    out = reply->element[1]->str;  // BLPOP: [list, value]
  } else if (reply->type == REDIS_REPLY_STRING ||
             reply->type == REDIS_REPLY_STATUS) {
    out = reply->str;
  } else if (reply->type == REDIS_REPLY_INTEGER) {
    out = std::to_string(reply->integer);
  } else {
    out = absl::StrCat("reply type ", reply->type);
  }
  freeReplyObject(reply);
  redisFree(c);
  return out;
}

double SecondsSince(absl::Time start) {
  return absl::ToDoubleSeconds(absl::Now() - start);
}

TEST_F(MonkeyRedisTest, TwoHundredBlockingPopsWaitTogether) {
  // Each BLPOP waits 0.5 s on the server for a list nobody fills.
  const absl::Time start = absl::Now();
  testing::Overlap overlap;
  std::vector<Greenlet<std::string>> pops;
  for (int i = 0; i < 200; ++i) {
    pops.push_back(spawn([i, &overlap] {
      auto inside = overlap.Enter();
      return Command(port_, absl::StrCat("BLPOP empty:", i, " 0.5"));
    }));
  }
  ASSERT_TRUE(joinall(pops).ok());
  for (auto& g : pops) EXPECT_EQ(g.get(), "nil");
  // Blocking, the pops would wait one after another: 100 s.
  EXPECT_GT(overlap.peak(), 1);
  EXPECT_GE(SecondsSince(start), 0.49);
}

TEST_F(MonkeyRedisTest, GreenletsTalkThroughRedisOnOneThread) {
  // Without cooperation the popper would block the thread and the pusher
  // could never run.
  auto popper = spawn([] { return Command(port_, "BLPOP handoff 5"); });
  auto pusher = spawn([] {
    gevent::sleep(absl::Milliseconds(20));
    return Command(port_, "RPUSH handoff photo");
  });
  EXPECT_EQ(popper.get(), "photo");
  EXPECT_EQ(pusher.get(), "1");
}

TEST_F(MonkeyRedisTest, ConcurrentSetsAndGetsKeepTheirValues) {
  std::vector<Greenlet<std::string>> ops;
  for (int i = 0; i < 100; ++i) {
    ops.push_back(spawn([i] {
      const std::string set =
          Command(port_, absl::StrCat("SET key:", i, " value:", i));
      if (set != "OK") return set;
      return Command(port_, absl::StrCat("GET key:", i));
    }));
  }
  ASSERT_TRUE(joinall(ops).ok());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(ops[i].get(), absl::StrCat("value:", i));
  }
}

TEST_F(MonkeyRedisTest, AServerThatIsDownIsAConnectError) {
  Socket closed = testing::ListenLoopback();
  const int port = testing::AddressOf(closed).port();
  ASSERT_TRUE(closed.close().ok());
  EXPECT_TRUE(absl::StartsWith(
      spawn([port] { return Command(port, "PING"); }).get(), "error: "));
}

}  // namespace
}  // namespace gevent
