// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/local.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

class LocalTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

struct Counted {
  static inline int alive = 0;
  Counted() { ++alive; }
  ~Counted() { --alive; }
  std::string user;
};

TEST_F(LocalTest, EachGreenletHasItsOwnValue) {
  Local<std::string> name;
  std::vector<Greenlet<std::string>> gs;
  for (const char* n : {"alice", "bob"}) {
    gs.push_back(spawn([&name, n] {
      name.set(n);
      sleep(absl::ZeroDuration());  // the other one runs in between
      return *name;
    }));
  }
  EXPECT_EQ(gs[0].get(), "alice");
  EXPECT_EQ(gs[1].get(), "bob");
  EXPECT_FALSE(name.has_value());  // main never set it
  EXPECT_EQ(*name, "");
}

TEST_F(LocalTest, ValuesDieWithTheirGreenlet) {
  Local<Counted> ctx;
  const int before = Counted::alive;
  auto g = spawn([&] {
    ctx->user = "x";
    EXPECT_EQ(Counted::alive, before + 1);
    sleep(absl::Seconds(30));
  });
  sleep(absl::ZeroDuration());
  EXPECT_EQ(Counted::alive, before + 1);
  EXPECT_TRUE(g.kill().ok());
  EXPECT_EQ(Counted::alive, before);  // destroyed when the greenlet ended
}

TEST_F(LocalTest, OutlivesTheLocalObject) {
  const int before = Counted::alive;
  auto local = std::make_unique<Local<Counted>>();
  auto g = spawn([&] {
    (void)local->get();
    sleep(absl::Milliseconds(2));
  });
  sleep(absl::ZeroDuration());
  local.reset();  // the greenlet's value lives on until it ends
  ASSERT_TRUE(g.join().ok());
  EXPECT_EQ(Counted::alive, before);
}

TEST_F(LocalTest, FactoryMakesTheFirstValue) {
  Local<int> n([] { return 41; });
  auto g = spawn([&] { return ++*n; });
  EXPECT_EQ(g.get(), 42);
}

}  // namespace
}  // namespace gevent
