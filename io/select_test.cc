// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/select.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/file.h"
#include "gevent/io/internal/test_util.h"

namespace gevent {
namespace {

class SelectTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(SelectTest, PollWakesOnTheFdThatBecomesReady) {
  auto p1 = pipe();
  auto p2 = pipe();
  ASSERT_TRUE(p1.ok() && p2.ok());
  auto writer = spawn([&] {
    sleep(absl::Milliseconds(10));
    ASSERT_TRUE(p2->second.write_all("x").ok());
  });
  pollfd fds[2] = {{p1->first.fileno(), POLLIN, 0},
                   {p2->first.fileno(), POLLIN, 0}};
  absl::StatusOr<int> n = poll(absl::MakeSpan(fds), absl::Seconds(5));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(fds[0].revents, 0);
  EXPECT_TRUE(fds[1].revents & POLLIN);
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(SelectTest, PollTimesOutWithZeroAndOtherGreenletsRun) {
  auto p = pipe();
  ASSERT_TRUE(p.ok());
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 5; ++i) {
      ++ticks;
      sleep(absl::Milliseconds(1));
    }
  });
  pollfd fd{p->first.fileno(), POLLIN, 0};
  const absl::Time start = absl::Now();
  absl::StatusOr<int> n = poll(absl::MakeSpan(&fd, 1), absl::Milliseconds(50));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
  EXPECT_EQ(ticks, 5);
  ASSERT_TRUE(ticker.join().ok());
}

TEST_F(SelectTest, WritableAndClosedFds) {
  auto p = pipe();
  ASSERT_TRUE(p.ok());
  pollfd fds[3] = {{p->second.fileno(), POLLOUT, 0},
                   {-1, POLLIN, 0},  // ignored, as in poll(2)
                   {12345, POLLIN, 0}};
  absl::StatusOr<int> n = poll(absl::MakeSpan(fds), absl::Seconds(1));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(fds[0].revents & POLLOUT);
  EXPECT_EQ(fds[1].revents, 0);
  EXPECT_TRUE(fds[2].revents & POLLNVAL);
}

TEST_F(SelectTest, SelectListsReadyFds) {
  auto p = pipe();
  ASSERT_TRUE(p.ok());
  const int r = p->first.fileno();
  const int w = p->second.fileno();
  absl::StatusOr<SelectResult> s = select({r}, {w}, absl::Seconds(1));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->readable.empty());
  EXPECT_EQ(s->writable, std::vector<int>{w});
  ASSERT_TRUE(p->second.write_all("data").ok());
  s = select({r}, {}, absl::Seconds(1));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->readable, std::vector<int>{r});
  s = select({}, {}, absl::Milliseconds(5));  // just a sleep
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->readable.empty() && s->writable.empty());
  EXPECT_FALSE(select({12345}, {}, absl::Seconds(1)).ok());
  EXPECT_EQ(select({-3}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(select({}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(select({r}, {}, absl::Seconds(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SelectTest, KillDuringPollCancelsEveryWait) {
  auto p1 = pipe();
  auto p2 = pipe();
  ASSERT_TRUE(p1.ok() && p2.ok());
  auto victim = spawn([&] {
    pollfd fds[2] = {{p1->first.fileno(), POLLIN, 0},
                     {p2->first.fileno(), POLLIN, 0}};
    (void)poll(absl::MakeSpan(fds));
    ADD_FAILURE() << "poll returned";
  });
  sleep(absl::Milliseconds(5));
  ASSERT_TRUE(victim.kill(absl::Seconds(5)).ok());
  EXPECT_EQ(Hub::current().backend().pending(), 0u);
  // The fds are free to wait on again.
  ASSERT_TRUE(p1->second.write_all("x").ok());
  EXPECT_TRUE(wait_read(p1->first.fileno(), absl::Seconds(1)).ok());
}

TEST_F(SelectTest, WaitReadAndWriteOnAnyFd) {
  auto p = pipe();
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(wait_write(p->second.fileno(), absl::Seconds(1)).ok());
  EXPECT_EQ(wait_read(p->first.fileno(), absl::Milliseconds(5)).code(),
            absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace gevent
