// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/async_result.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

class AsyncResultTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(AsyncResultTest, GetParksUntilSetAndWakesEveryWaiter) {
  AsyncResult<int> r;
  std::vector<Greenlet<int>> readers;
  for (int i = 0; i < 3; ++i) readers.push_back(spawn([&] { return r.get(); }));
  sleep(absl::ZeroDuration());
  EXPECT_FALSE(r.ready());
  r.set(5);
  for (auto& g : readers) EXPECT_EQ(g.get(), 5);
  EXPECT_TRUE(r.successful());
}

TEST_F(AsyncResultTest, ExceptionIsRethrownAndTimeoutRaisesTimeout) {
  AsyncResult<std::string> r;
  EXPECT_THROW(r.get(absl::Milliseconds(2)), Timeout);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.wait(absl::Milliseconds(1))));
  r.set_exception(std::make_exception_ptr(std::runtime_error("no")));
  EXPECT_TRUE(r.ready());
  EXPECT_FALSE(r.successful());
  EXPECT_THROW(r.get(), std::runtime_error);
}

TEST_F(AsyncResultTest, LinkTargetTakesAGreenletsOutcome) {
  AsyncResult<int> ok, bad, killed;
  auto a = spawn([] { return 3; });
  auto b = spawn([]() -> int { throw std::logic_error("x"); });
  auto c = spawn([] {
    sleep(absl::Seconds(30));
    return 0;
  });
  a.link([&](Greenlet<int>& g) { ok(g); });
  b.link([&](Greenlet<int>& g) { bad(g); });
  c.link([&](Greenlet<int>& g) { killed(g); });
  EXPECT_EQ(ok.get(), 3);
  EXPECT_THROW(bad.get(), std::logic_error);
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(c.kill().ok());
  EXPECT_THROW(killed.get(), GreenletKilled);
}

TEST_F(AsyncResultTest, VoidResult) {
  AsyncResult<void> done;
  spawn([&] { done.set(); });
  done.get();
  EXPECT_TRUE(done.successful());
}

}  // namespace
}  // namespace gevent
