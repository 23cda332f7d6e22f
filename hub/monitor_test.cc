// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The monitor thread: a greenlet that holds the hub is reported by name, with
// its stack, once per episode; a hub that waits or keeps switching is not.

#include "gevent/hub/monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

using ::testing::HasSubstr;

// Collects what the monitor reports (on its own thread).
struct Reports {
  std::mutex mu;
  std::vector<BlockingReport> blocking;
  std::vector<size_t> memory;

  MonitorOptions Options(absl::Duration threshold = absl::Milliseconds(100)) {
    MonitorOptions o;
    o.max_blocking_time = threshold;
    o.on_blocking = [this](const BlockingReport& r) {
      std::lock_guard<std::mutex> lock(mu);
      blocking.push_back(r);
    };
    return o;
  }
  std::vector<BlockingReport> Blocking() {
    std::lock_guard<std::mutex> lock(mu);
    return blocking;
  }
};

[[gnu::noinline]] void SpinFor(absl::Duration d) {
  const absl::Time end = absl::Now() + d;
  while (absl::Now() < end) {
    asm volatile("" ::: "memory");  // a CPU-bound loop that never yields
  }
}

// Spins (never yielding) until the monitor has reported it, then `more`;
// returns how long it spun. However late a loaded machine runs the monitor,
// the report comes while the spin goes on.
[[gnu::noinline]] absl::Duration SpinForUntilReported(Reports& reports,
                                                      absl::Duration more) {
  const absl::Time start = absl::Now();
  const absl::Time give_up = start + absl::Seconds(60);
  while (reports.Blocking().empty() && absl::Now() < give_up) {
    SpinFor(absl::Milliseconds(1));
  }
  SpinFor(more);
  return absl::Now() - start;
}

[[gnu::noinline]] ssize_t BlockInRead(int fd, char* c) {
  const ssize_t n = read(fd, c, 1);
  asm volatile("" ::: "memory");  // keep this frame (no tail call)
  return n;
}

class MonitorTest : public ::testing::Test {
 protected:
  void TearDown() override { Hub::current().stop_monitor(); }
  testing::LeakCheck leaks_;
  Reports reports_;
};

TEST_F(MonitorTest, ReportsASpinningGreenletByNameWithItsStack) {
  Hub::current().start_monitor(reports_.Options());
  absl::Duration spun;
  // After the report, two thresholds more of the same episode.
  auto spinner = spawn(SpawnOptions{.name = "spinner"}, [&] {
    spun = SpinForUntilReported(reports_, absl::Milliseconds(200));
  });
  auto bystander = spawn([] { sleep(absl::Milliseconds(10)); });
  ASSERT_TRUE(spinner.join().ok());
  ASSERT_TRUE(bystander.join().ok());
  Hub::current().stop_monitor();  // joins the monitor: all reports are in

  const std::vector<BlockingReport> got = reports_.Blocking();
  ASSERT_EQ(got.size(), 1u);  // once per episode, though it went on after
  const BlockingReport& r = got[0];
  std::fputs(r.ToString().c_str(), stderr);  // what a user would see
  EXPECT_EQ(r.greenlet, "spinner");
  EXPECT_GE(r.blocked_for, absl::Milliseconds(100));
  EXPECT_LT(r.blocked_for, spun);  // reported while it spun
  EXPECT_EQ(r.threshold, absl::Milliseconds(100));
  EXPECT_EQ(r.thread_id, gettid());
  const std::string stack = absl::StrJoin(r.stack, "\n");
  EXPECT_THAT(stack, HasSubstr("SpinFor")) << stack;
  EXPECT_THAT(r.ToString(), HasSubstr("greenlet 'spinner'"));
  EXPECT_THAT(r.ToString(), HasSubstr("SpinFor"));
}

TEST_F(MonitorTest, ReportsTheMainGreenletAndABlockingCallThatStillCompletes) {
  Hub::current().start_monitor(reports_.Options());
  auto waiting = spawn([] { sleep(absl::Milliseconds(10)); });
  sleep(absl::ZeroDuration());  // it is alive, parked on its timer
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(write(fds[1], "x", 1), 1);
  });
  char c = 0;
  // A plain blocking read on the main greenlet: the monitor's signal must not
  // break it (SA_RESTART).
  EXPECT_EQ(BlockInRead(fds[0], &c), 1);
  EXPECT_EQ(c, 'x');
  writer.join();
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(waiting.join().ok());
  Hub::current().stop_monitor();

  const std::vector<BlockingReport> got = reports_.Blocking();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].greenlet, "main");
  const std::string stack = absl::StrJoin(got[0].stack, "\n");
  EXPECT_THAT(stack, HasSubstr("BlockInRead")) << stack;
}

TEST_F(MonitorTest, AHubThatWaitsOrKeepsSwitchingIsNotReported) {
  Hub::current().start_monitor(reports_.Options(absl::Milliseconds(50)));
  // Waiting: every greenlet parked, the hub in its backend.
  auto sleeper = spawn([] { sleep(absl::Milliseconds(250)); });
  ASSERT_TRUE(sleeper.join().ok());
  // Busy but cooperative: greenlets that yield all the time.
  std::vector<Greenlet<void>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(spawn([] {
      const absl::Time end = absl::Now() + absl::Milliseconds(250);
      while (absl::Now() < end) sleep(absl::ZeroDuration());
    }));
  }
  for (auto& g : busy) ASSERT_TRUE(g.join().ok());
  // No greenlet to starve: the thread may do what it likes.
  SpinFor(absl::Milliseconds(150));
  Hub::current().stop_monitor();
  EXPECT_TRUE(reports_.Blocking().empty());
}

TEST_F(MonitorTest, EachEpisodeIsReportedOnce) {
  Hub::current().start_monitor(reports_.Options(absl::Milliseconds(50)));
  auto a = spawn(SpawnOptions{.name = "first"},
                 [] { SpinFor(absl::Milliseconds(150)); });
  auto b = spawn(SpawnOptions{.name = "second"}, [] {
    sleep(absl::Milliseconds(100));  // the hub runs freely meanwhile
    SpinFor(absl::Milliseconds(150));
  });
  ASSERT_TRUE(a.join().ok());
  ASSERT_TRUE(b.join().ok());
  Hub::current().stop_monitor();
  const std::vector<BlockingReport> got = reports_.Blocking();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].greenlet, "first");
  EXPECT_EQ(got[1].greenlet, "second");
}

TEST_F(MonitorTest, CallsBackWhenMemoryGoesAboveTheLimit) {
  MonitorOptions o = reports_.Options(absl::Milliseconds(20));
  o.max_memory_bytes = 1;  // any process is above this
  o.on_memory_exceeded = [this](size_t rss) {
    std::lock_guard<std::mutex> lock(reports_.mu);
    reports_.memory.push_back(rss);
  };
  Hub::current().start_monitor(o);
  sleep(absl::Milliseconds(100));
  Hub::current().stop_monitor();
  std::lock_guard<std::mutex> lock(reports_.mu);
  ASSERT_EQ(reports_.memory.size(), 1u);  // once, not every period
  EXPECT_GT(reports_.memory[0], 1u << 20);
}

TEST_F(MonitorTest, EachThreadsHubHasItsOwn) {
  std::thread other([this] {
    Hub::current().start_monitor(reports_.Options());
    auto spinner = spawn(SpawnOptions{.name = "elsewhere"},
                         [] { SpinFor(absl::Milliseconds(200)); });
    ASSERT_TRUE(spinner.join().ok());
    // The hub (and its monitor) go with the thread.
  });
  other.join();
  const std::vector<BlockingReport> got = reports_.Blocking();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].greenlet, "elsewhere");
  EXPECT_NE(got[0].thread_id, gettid());
}

TEST(MonitorOptionsTest, ReadFromTheEnvironment) {
  // (FromEnvironment reads once per process; the parser is what it runs.)
  setenv("GEVENT_MONITOR_THREAD", "1", 1);
  setenv("GEVENT_MAX_BLOCKING_TIME", "0.25", 1);
  setenv("GEVENT_MAX_MEMORY_USAGE", "1048576", 1);
  std::optional<MonitorOptions> o = Monitor::ParseEnvironment();
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->max_blocking_time, absl::Milliseconds(250));
  EXPECT_EQ(o->max_memory_bytes, 1048576u);
  setenv("GEVENT_MAX_BLOCKING_TIME", "soon", 1);
  o = Monitor::ParseEnvironment();
  ASSERT_TRUE(o.has_value());  // a bad value is said and the default used
  EXPECT_EQ(o->max_blocking_time, absl::Milliseconds(100));
  setenv("GEVENT_MONITOR_THREAD", "0", 1);
  EXPECT_FALSE(Monitor::ParseEnvironment().has_value());
  unsetenv("GEVENT_MONITOR_THREAD");
  unsetenv("GEVENT_MAX_BLOCKING_TIME");
  unsetenv("GEVENT_MAX_MEMORY_USAGE");
  EXPECT_FALSE(Monitor::ParseEnvironment().has_value());
}

}  // namespace
}  // namespace gevent
