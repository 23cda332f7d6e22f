// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Timeout and with_timeout. Runs once per backend.

#include "gevent/hub/timeout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

using ::testing::HasSubstr;

class TimeoutTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(TimeoutTest, RaisedAtTheBlockingPointAfterTheDeadline) {
  const absl::Time start = absl::Now();
  std::string where;
  try {
    Timeout t(absl::Milliseconds(20));
    where = "before";
    sleep(absl::Seconds(10));
    where = "after";
  } catch (const Timeout& e) {
    EXPECT_THAT(e.what(), HasSubstr("20ms"));
  }
  // "before": the 10 s sleep did not run to its end.
  EXPECT_EQ(where, "before");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));
}

TEST_F(TimeoutTest, CancelledWhenTheScopeEnds) {
  {
    Timeout t(absl::Milliseconds(5));
    EXPECT_TRUE(t.pending());
  }
  sleep(absl::Milliseconds(20));  // nothing is raised
  Timeout t(absl::Milliseconds(5));
  t.cancel();
  EXPECT_FALSE(t.pending());
  sleep(absl::Milliseconds(20));
}

TEST_F(TimeoutTest, ExpiredWhileComputingIsRaisedAtTheNextBlockingPoint) {
  bool raised_at_sleep = false;
  try {
    Timeout t(absl::Milliseconds(1));
    const absl::Time start = absl::Now();
    while (absl::Now() - start < absl::Milliseconds(10)) {
      // busy, never blocking: the hub cannot run, nothing is raised here
    }
    sleep(absl::ZeroDuration());  // the hub fires the timer during this yield
    sleep(absl::ZeroDuration());
    sleep(absl::Milliseconds(50));
  } catch (const Timeout&) {
    raised_at_sleep = true;
  }
  EXPECT_TRUE(raised_at_sleep);
}

TEST_F(TimeoutTest, AScopeThatEndsBeforeTheNextBlockingPointRaisesNothing) {
  // The timer fires while another greenlet holds the hub busy... then the scope
  // ends before this greenlet blocks again: nothing is raised later.
  auto g = spawn([] {
    {
      Timeout t(absl::Milliseconds(1));
      const absl::Time start = absl::Now();
      while (absl::Now() - start < absl::Milliseconds(5)) {
      }
    }
    sleep(absl::Milliseconds(5));  // must not raise
    return true;
  });
  EXPECT_TRUE(g.get());
}

TEST_F(TimeoutTest, NestedTimeoutsKnowWhichFired) {
  // The inner one is shorter: it fires; the outer is untouched.
  {
    Timeout outer(absl::Seconds(10));
    bool inner_fired = false;
    {
      Timeout inner(absl::Milliseconds(5));
      try {
        sleep(absl::Seconds(1));
      } catch (const Timeout& e) {
        inner_fired = e.is(inner);
        EXPECT_FALSE(e.is(outer));
      }
    }
    EXPECT_TRUE(inner_fired);
    EXPECT_TRUE(outer.pending());
  }
  // The outer one is shorter: its exception passes through the inner scope.
  bool outer_fired = false;
  try {
    Timeout outer(absl::Milliseconds(5));
    try {
      Timeout inner(absl::Seconds(10));
      sleep(absl::Seconds(1));
    } catch (const Timeout& e) {
      EXPECT_FALSE(e.is(outer) == false && false);
      throw;  // not ours: pass it on
    }
  } catch (const Timeout&) {
    outer_fired = true;
  }
  EXPECT_TRUE(outer_fired);
}

TEST_F(TimeoutTest, WithTimeoutReturnsTheValueOrDeadlineExceeded) {
  absl::StatusOr<int> fast = with_timeout(absl::Seconds(5), [] { return 7; });
  ASSERT_TRUE(fast.ok());
  EXPECT_EQ(*fast, 7);
  absl::StatusOr<int> slow = with_timeout(absl::Milliseconds(5), [] {
    sleep(absl::Seconds(5));
    return 1;
  });
  EXPECT_TRUE(absl::IsDeadlineExceeded(slow.status())) << slow.status();
  absl::Status v =
      with_timeout(absl::Milliseconds(5), [] { sleep(absl::Seconds(5)); });
  EXPECT_TRUE(absl::IsDeadlineExceeded(v));
  EXPECT_TRUE(absl::IsInvalidArgument(with_timeout(absl::Seconds(-1), [] {})));
}

TEST_F(TimeoutTest, NegativeDurationIsAnErrorAndInfiniteNeverFires) {
  EXPECT_THROW(Timeout(absl::Seconds(-1)), std::invalid_argument);
  Timeout forever(absl::InfiniteDuration());
  EXPECT_FALSE(forever.pending());
  sleep(absl::Milliseconds(1));
}

TEST_F(TimeoutTest, TimeoutInsideAGreenletCancelsItsIo) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  auto g = spawn([&] {
    try {
      Timeout t(absl::Milliseconds(10));
      (void)wait_read(fds[0]);
      return std::string("read");
    } catch (const Timeout&) {
      return std::string("timed out");
    }
  });
  EXPECT_EQ(g.get(), "timed out");
  EXPECT_EQ(Hub::current().backend().pending(), 0u);
  for (int f : fds) {
    Hub::current().CloseFd(f);
    close(f);
  }
}

TEST_F(TimeoutTest, KillWinsOverAPendingTimeout) {
  auto g = spawn([] {
    Timeout t(absl::Milliseconds(1));
    sleep(absl::Seconds(30));
  });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(g.kill().ok());
  EXPECT_TRUE(g.killed());
}

}  // namespace
}  // namespace gevent
