// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The hub: scheduling order, sleep and timers, fd waits, post() from threads,
// and misuse. Runs once per backend.

#include "gevent/hub/hub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class HubTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(HubTest, HubIsPerThreadAndReportsItsBackend) {
  Hub& a = Hub::current();
  EXPECT_EQ(&a, &Hub::current());
  EXPECT_FALSE(backend_name().empty());
  Hub* other = nullptr;
  std::thread t([&] { other = &Hub::current(); });
  t.join();
  EXPECT_NE(other, &a);
}

TEST_F(HubTest, ReadyGreenletsRunInFifoOrder) {
  std::vector<std::string> order;
  std::vector<Greenlet<void>> gs;
  for (const char* name : {"a", "b", "c"}) {
    gs.push_back(spawn([&order, name] {
      order.push_back(std::string(name) + "1");
      sleep(absl::ZeroDuration());
      order.push_back(std::string(name) + "2");
    }));
  }
  EXPECT_TRUE(order.empty());  // spawn only schedules
  ASSERT_TRUE(joinall(gs).ok());
  EXPECT_THAT(order, ElementsAre("a1", "b1", "c1", "a2", "b2", "c2"));
}

TEST_F(HubTest, SleepZeroLetsEveryReadyGreenletRunFirst) {
  std::vector<int> order;
  auto g = spawn([&] { order.push_back(1); });
  sleep(absl::ZeroDuration());  // main yields: g runs
  order.push_back(2);
  EXPECT_THAT(order, ElementsAre(1, 2));
  EXPECT_TRUE(g.dead());
}

TEST_F(HubTest, TimersFireInOrderAndNeverEarly) {
  std::vector<int> order;
  std::vector<Greenlet<void>> gs;
  const absl::Time start = absl::Now();
  for (int ms : {30, 10, 20, 10}) {
    gs.push_back(spawn([&order, ms, start] {
      // Deadlines from one common start, 100 ms out so that every greenlet is
      // parked before the first one is due, however slowly they start
      // (sanitizers): the order must follow the deadlines.
      const absl::Time deadline = start + absl::Milliseconds(100 + ms);
      sleep(std::max(absl::ZeroDuration(), deadline - absl::Now()));
      EXPECT_GE(absl::Now(), deadline);  // never early
      order.push_back(ms);
    }));
  }
  ASSERT_TRUE(joinall(gs).ok());
  EXPECT_THAT(order, ElementsAre(10, 10, 20, 30));
}

TEST_F(HubTest, ManySleepersFinishInAboutTheTimeOfOne) {
  constexpr int kSleepers = 1000;
  // What spawning, starting and joining as many greenlets costs on this
  // machine (a sanitizer and a loaded machine make it seconds): the bound
  // below is measured from it, not fixed.
  absl::Time start = absl::Now();
  {
    std::vector<Greenlet<void>> gs;
    for (int i = 0; i < kSleepers; ++i) {
      gs.push_back(spawn([] { sleep(absl::ZeroDuration()); }));
    }
    ASSERT_TRUE(joinall(gs).ok());
  }
  const absl::Duration overhead = absl::Now() - start;
  std::vector<Greenlet<void>> gs;
  start = absl::Now();
  for (int i = 0; i < kSleepers; ++i) {
    gs.push_back(spawn([] { sleep(absl::Milliseconds(50)); }));
  }
  ASSERT_TRUE(joinall(gs).ok());
  // Concurrent: about the overhead plus one sleep; one after another would
  // take the overhead plus kSleepers x 50 ms = 50 s.
  EXPECT_LT(absl::Now() - start, 2 * overhead + absl::Seconds(25))
      << "overhead " << overhead;
}

// A greenlet killed before it started, on a hub that never runs again: the
// hub's exit frees it (ASan's leak check fails the test otherwise).
TEST(HubExitTest, FreesATaskKilledBeforeItStarted) {
  bool killed = false;
  std::thread([&] {
    Greenlet<void> g = spawn(SpawnOptions{.name = "never-ran"}, [] {});
    killed = g.kill().ok();
  }).join();
  EXPECT_TRUE(killed);
}

TEST_F(HubTest, NegativeSleepIsAnError) {
  EXPECT_THROW(sleep(absl::Milliseconds(-1)), std::invalid_argument);
}

TEST_F(HubTest, BlockingInTheHubIsAClearError) {
  std::string error;
  Hub::current().post([&] {
    try {
      sleep(absl::Milliseconds(1));
    } catch (const BlockingSwitchOutError& e) {
      error = e.what();
    }
  });
  sleep(absl::Milliseconds(5));
  EXPECT_THAT(error, HasSubstr("from the hub itself"));
}

TEST_F(HubTest, BlockingForeverRaisesLoopExit) {
  Greenlet<void> never([] {});  // never started: joining it can never end
  try {
    (void)never.join();
    FAIL() << "expected LoopExit";
  } catch (const LoopExit& e) {
    EXPECT_THAT(e.what(), HasSubstr("block forever"));
  }
}

TEST_F(HubTest, PostFromOtherThreadsRunsInTheHubThread) {
  Hub& hub = Hub::current();
  const std::thread::id me = std::this_thread::get_id();
  std::atomic<int> posted{0};
  int ran = 0;
  bool wrong_thread = false;
  constexpr int kThreads = 4, kPosts = 250;
  hub.add_external_work();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPosts; ++i) {
        hub.post([&] {
          ++ran;
          wrong_thread |= std::this_thread::get_id() != me;
        });
        posted.fetch_add(1);
      }
    });
  }
  while (ran < kThreads * kPosts) sleep(absl::Milliseconds(1));
  for (auto& t : threads) t.join();
  hub.remove_external_work();
  EXPECT_EQ(ran, kThreads * kPosts);
  EXPECT_FALSE(wrong_thread);
}

TEST_F(HubTest, PostWakesAHubBlockedInTheBackend) {
  Hub& hub = Hub::current();
  hub.add_external_work();
  Greenlet<void> woken([] {});  // started by the post, from the hub
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    hub.post([&] { woken.start(); });
  });
  // The hub has nothing else to wake it (no timer but the join's own): a join
  // that returns ok was woken by the post.
  EXPECT_TRUE(woken.join(absl::Seconds(60)).ok());
  t.join();
  hub.remove_external_work();
}

// --- fd waits
// -------------------------------------------------------------------

class SocketPair {
 public:
  SocketPair() {
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd), 0);
  }
  ~SocketPair() {
    for (int f : fd) {
      if (f >= 0) {
        Hub::current().CloseFd(f);
        close(f);
      }
    }
  }
  int fd[2] = {-1, -1};
};

TEST_F(HubTest, WaitReadWakesWhenDataArrives) {
  SocketPair sp;
  auto writer = spawn([&] {
    sleep(absl::Milliseconds(10));
    ASSERT_EQ(write(sp.fd[1], "x", 1), 1);
  });
  ASSERT_TRUE(wait_read(sp.fd[0], absl::Seconds(5)).ok());
  char c;
  EXPECT_EQ(read(sp.fd[0], &c, 1), 1);
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(HubTest, WaitReadReturnsAtOnceWhenAlreadyReadable) {
  SocketPair sp;
  ASSERT_EQ(write(sp.fd[1], "xy", 2), 2);
  EXPECT_TRUE(wait_read(sp.fd[0], absl::ZeroDuration()).ok());
  char c;
  ASSERT_EQ(read(sp.fd[0], &c, 1), 1);
  // One byte is still there: ready again, although no new edge comes.
  EXPECT_TRUE(wait_read(sp.fd[0], absl::ZeroDuration()).ok());
}

TEST_F(HubTest, WaitReadAfterAPartialReadOfWhatWokeItReturnsAtOnce) {
  SocketPair sp;
  auto writer = spawn([&] {
    sleep(absl::Milliseconds(10));
    ASSERT_EQ(write(sp.fd[1], "xy", 2), 2);
  });
  // Parked when the data came (the edge woke it), then reads half of it: the
  // rest must be seen without a new edge.
  ASSERT_TRUE(wait_read(sp.fd[0], absl::Seconds(5)).ok());
  char c;
  ASSERT_EQ(read(sp.fd[0], &c, 1), 1);
  EXPECT_TRUE(wait_read(sp.fd[0], absl::Milliseconds(200)).ok());
  ASSERT_TRUE(writer.join().ok());
}

// An optimistic readiness wait trusts what the backend knows: on an fd that
// may be ready (an edge came, nothing drained it) it returns at once, with
// no poll(2); the caller's own read then sees whether data is there. A
// completion backend waits for real.
TEST_F(HubTest, AnOptimisticWaitOnAMaybeReadyFdReturnsAtOnce) {
  SocketPair sp;
  auto writer = spawn([&] {
    sleep(absl::Milliseconds(10));
    ASSERT_EQ(write(sp.fd[1], "xy", 2), 2);
  });
  ASSERT_TRUE(wait_read(sp.fd[0], absl::Seconds(5)).ok());  // the edge
  char buf[2];
  ASSERT_EQ(read(sp.fd[0], buf, 2), 2);  // read behind the backend's back
  IoOp wait;
  wait.kind = IoOp::Kind::kWaitReadable;
  wait.fd = sp.fd[0];
  wait.optimistic = true;
  const int64_t deadline = internal::DeadlineAfter(absl::Milliseconds(50), "");
  const int64_t r = Hub::current().Io(wait, deadline);
  if (Hub::current().backend().completion_based()) {
    EXPECT_EQ(r, -ETIMEDOUT);  // nothing there: it waited
  } else {
    EXPECT_EQ(r, 0);  // trusted the edge
  }
  // A plain wait checks, and parks until data comes.
  ASSERT_EQ(write(sp.fd[1], "z", 1), 1);
  EXPECT_TRUE(wait_read(sp.fd[0], absl::Seconds(5)).ok());
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(HubTest, WaitWriteOnAWritableSocketIsImmediate) {
  SocketPair sp;
  EXPECT_TRUE(wait_write(sp.fd[0], absl::Seconds(1)).ok());
}

TEST_F(HubTest, WaitReadTimesOut) {
  SocketPair sp;
  const absl::Time start = absl::Now();
  absl::Status s = wait_read(sp.fd[0], absl::Milliseconds(20));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));
}

TEST_F(HubTest, SecondReaderOnTheSameFdIsRefused) {
  SocketPair sp;
  auto first = spawn([&] { return wait_read(sp.fd[0], absl::Seconds(5)); });
  sleep(absl::ZeroDuration());  // first is now waiting
  absl::Status s = wait_read(sp.fd[0], absl::Seconds(1));
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  ASSERT_EQ(write(sp.fd[1], "x", 1), 1);
  EXPECT_TRUE(first.get().ok());
}

TEST_F(HubTest, ClosingAnFdWakesItsWaiter) {
  SocketPair sp;
  auto waiter = spawn([&] { return wait_read(sp.fd[0]); });
  sleep(absl::ZeroDuration());
  Hub::current().CloseFd(sp.fd[0]);
  close(sp.fd[0]);
  sp.fd[0] = -1;
  absl::Status s = waiter.get();
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("closed"));
}

TEST_F(HubTest, BadFdsAreClearErrors) {
  EXPECT_FALSE(wait_read(-1, absl::Seconds(1)).ok());
  const int fd = dup(0);
  close(fd);  // a number that is not open
  EXPECT_FALSE(wait_read(fd, absl::Seconds(1)).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(wait_read(0, absl::Seconds(-1))));
}

TEST_F(HubTest, IoTriesTheSyscallFirst) {
  SocketPair sp;
  ASSERT_EQ(write(sp.fd[1], "hello", 5), 5);
  char buf[16];
  IoOp op;
  op.kind = IoOp::Kind::kRecv;
  op.fd = sp.fd[0];
  op.buf = buf;
  op.len = sizeof(buf);
  EXPECT_EQ(Hub::current().Io(op, -1), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
}

TEST_F(HubTest, IoWaitsThenCompletes) {
  SocketPair sp;
  auto writer = spawn([&] {
    sleep(absl::Milliseconds(5));
    ASSERT_EQ(write(sp.fd[1], "later", 5), 5);
  });
  char buf[16];
  IoOp op;
  op.kind = IoOp::Kind::kRecv;
  op.fd = sp.fd[0];
  op.buf = buf;
  op.len = sizeof(buf);
  EXPECT_EQ(
      Hub::current().Io(op, internal::DeadlineAfter(absl::Seconds(5), "")), 5);
  EXPECT_EQ(std::string(buf, 5), "later");
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(HubTest, IoTimesOutAndLeavesTheDataForLater) {
  SocketPair sp;
  char buf[4];
  IoOp op;
  op.kind = IoOp::Kind::kRecv;
  op.fd = sp.fd[0];
  op.buf = buf;
  op.len = sizeof(buf);
  EXPECT_EQ(Hub::current().Io(
                op, internal::DeadlineAfter(absl::Milliseconds(10), "")),
            -ETIMEDOUT);
  ASSERT_EQ(write(sp.fd[1], "ok", 2), 2);
  IoOp again = op;
  again.on_complete = nullptr;
  EXPECT_EQ(Hub::current().Io(again, -1), 2);
}

TEST_F(HubTest, StatsCountWhatTheHubDid) {
  Hub& hub = Hub::current();
  const HubStats before = hub.stats();
  std::vector<Greenlet<void>> sleepers;
  for (int i = 0; i < 10; ++i) {
    sleepers.push_back(spawn([] { sleep(absl::Milliseconds(30)); }));
  }
  std::vector<Greenlet<void>> victims;
  for (int i = 0; i < 2; ++i) {
    victims.push_back(spawn([] { sleep(absl::Seconds(60)); }));
  }
  sleep(absl::ZeroDuration());  // all twelve are running now
  EXPECT_EQ(hub.stats().greenlets_alive - before.greenlets_alive, 12u);
  for (auto& v : victims) EXPECT_TRUE(v.kill().ok());
  for (auto& g : sleepers) ASSERT_TRUE(g.join().ok());
  SocketPair sp;
  ASSERT_EQ(write(sp.fd[1], "x", 1), 1);
  ASSERT_TRUE(wait_read(sp.fd[0], absl::Seconds(5)).ok());

  const HubStats after = hub.stats();
  EXPECT_EQ(after.greenlets_spawned - before.greenlets_spawned, 12u);
  EXPECT_EQ(after.greenlets_alive, before.greenlets_alive);
  EXPECT_EQ(after.greenlets_killed - before.greenlets_killed, 2u);
  EXPECT_GE(after.timers_fired - before.timers_fired, 10u);
  EXPECT_GE(after.io_ops - before.io_ops, 1u);
  // Each of the twelve was switched into to start, and each sleeper again
  // when its timer fired (a greenlet that parks hands over straight to the
  // next ready one: one switch, not two).
  EXPECT_GE(after.switches - before.switches, 12u + 10u);
  EXPECT_GE(after.loop_iterations - before.loop_iterations, 1u);
  EXPECT_GE(after.polls - before.polls, 1u);
  // Most of the sleepers' 30 ms was spent waiting in the backend.
  EXPECT_GE(after.time_in_poll - before.time_in_poll, absl::Milliseconds(10));
  EXPECT_FALSE(hub.in_poll());  // this greenlet is running
}

TEST_F(HubTest, StatsCanBeReadFromAnotherThreadWhileItRuns) {
  Hub& hub = Hub::current();
  std::atomic<bool> stop{false};
  std::atomic<int> seen_in_poll{0};
  std::thread reader([&] {
    uint64_t last_switches = 0;
    while (!stop.load()) {
      const HubStats st = hub.stats();
      EXPECT_LE(st.greenlets_alive, st.greenlets_spawned);
      EXPECT_GE(st.switches, last_switches);
      last_switches = st.switches;
      if (hub.in_poll()) seen_in_poll.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  for (int round = 0; round < 20; ++round) {
    std::vector<Greenlet<void>> gs;
    for (int i = 0; i < 50; ++i)
      gs.push_back(spawn([] { sleep(absl::Milliseconds(1)); }));
    for (auto& g : gs) ASSERT_TRUE(g.join().ok());
  }
  sleep(absl::Milliseconds(100));  // all parked: the hub waits in its backend
  stop.store(true);
  reader.join();
  EXPECT_GT(seen_in_poll.load(), 0);
}

TEST_F(HubTest, ThreadsEachRunTheirOwnHub) {
  std::vector<std::thread> threads;
  std::atomic<int> total{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<Greenlet<int>> gs;
      for (int i = 0; i < 100; ++i) {
        gs.push_back(spawn([i] {
          sleep(absl::Milliseconds(1));
          return i;
        }));
      }
      int sum = 0;
      for (auto& g : gs) sum += g.get();
      total += sum;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(total.load(), 4 * 4950);
}

}  // namespace
}  // namespace gevent
