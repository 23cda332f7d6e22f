// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Greenlet<T>: spawn, get/join, kill, links, wait. Runs once per backend.

#include "gevent/hub/greenlet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class GreenletTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

struct Witness {
  explicit Witness(int* n) : n(n) {}
  ~Witness() { ++*n; }
  int* n;
};

TEST_F(GreenletTest, SpawnRunsAndGetReturnsTheValue) {
  auto g =
      spawn([](int a, const std::string& b) { return b + std::to_string(a); },
            42, std::string("x"));
  EXPECT_TRUE(g.started());
  EXPECT_FALSE(g.ready());
  EXPECT_EQ(g.get(), "x42");
  EXPECT_TRUE(g.ready());
  EXPECT_TRUE(g.successful());
  EXPECT_EQ(g.value(), "x42");
}

TEST_F(GreenletTest, UnstartedGreenletRunsOnlyAfterStart) {
  bool ran = false;
  Greenlet<void> g([&] { ran = true; });
  EXPECT_FALSE(g.started());
  sleep(absl::Milliseconds(1));
  EXPECT_FALSE(ran);
  g.start();
  g.start();  // a no-op
  ASSERT_TRUE(g.join().ok());
  EXPECT_TRUE(ran);
}

TEST_F(GreenletTest, StartLaterAndSpawnLaterWaitTheirTurn) {
  std::vector<int> order;
  const absl::Time start = absl::Now();
  auto late = spawn_later(absl::Milliseconds(20), [&] { order.push_back(2); });
  Greenlet<void> g([&] { order.push_back(1); });
  g.start_later(absl::Milliseconds(5));
  ASSERT_TRUE(joinall(std::vector{late, g}).ok());
  EXPECT_THAT(order, ElementsAre(1, 2));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));
}

TEST_F(GreenletTest, ExceptionCrossesGetButNotJoin) {
  auto g = spawn([]() -> int { throw std::out_of_range("no such photo"); });
  EXPECT_TRUE(g.join().ok());  // join only waits
  EXPECT_FALSE(g.successful());
  ASSERT_TRUE(g.exception() != nullptr);
  try {
    g.get();
    FAIL() << "expected the greenlet's exception";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "no such photo");
  }
}

TEST_F(GreenletTest, JoinallCanRaiseTheFirstError) {
  std::vector<Greenlet<void>> gs{
      spawn([] {}), spawn([] { throw std::runtime_error("bad"); })};
  EXPECT_TRUE(joinall(gs).ok());
  EXPECT_THROW((void)joinall(gs, absl::InfiniteDuration(), true),
               std::runtime_error);
}

TEST_F(GreenletTest, JoinTimesOut) {
  auto g = spawn([] { sleep(absl::Milliseconds(200)); });
  absl::Status s = g.join(absl::Milliseconds(10));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_THROW(g.get(absl::Milliseconds(10)), Timeout);
  EXPECT_TRUE(g.kill().ok());
}

TEST_F(GreenletTest, KillWhileSleepingUnwinds) {
  int destroyed = 0;
  bool after = false;
  auto g = spawn([&] {
    Witness w(&destroyed);
    sleep(absl::Seconds(30));
    after = true;
  });
  sleep(absl::ZeroDuration());  // let it start and park
  EXPECT_TRUE(g.kill().ok());
  EXPECT_EQ(destroyed, 1);
  EXPECT_FALSE(after);  // the 30 s sleep did not run to its end
  EXPECT_TRUE(g.dead());
  EXPECT_TRUE(g.killed());
  EXPECT_FALSE(g.successful());
  EXPECT_THROW(g.get(), GreenletKilled);
}

TEST_F(GreenletTest, KillWhileWaitingOnAnFdCancelsTheWait) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  int destroyed = 0;
  auto g = spawn([&] {
    Witness w(&destroyed);
    (void)wait_read(fds[0]);
  });
  sleep(absl::ZeroDuration());
  EXPECT_EQ(Hub::current().backend().pending(), 1u);
  EXPECT_TRUE(g.kill().ok());
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(Hub::current().backend().pending(), 0u);  // the wait is gone
  // The fd is usable again by someone else.
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  EXPECT_TRUE(wait_read(fds[0], absl::Seconds(1)).ok());
  for (int f : fds) {
    Hub::current().CloseFd(f);
    close(f);
  }
}

TEST_F(GreenletTest, KillBeforeItEverRanNeverRunsIt) {
  bool ran = false;
  int links = 0;
  auto g = spawn([&] { ran = true; });
  g.link([&](Greenlet<void>&) { ++links; });
  EXPECT_TRUE(g.kill().ok());
  EXPECT_TRUE(g.dead());
  EXPECT_TRUE(g.killed());
  EXPECT_EQ(links, 1);
  sleep(absl::Milliseconds(1));
  EXPECT_FALSE(ran);
  Greenlet<void> unstarted([&] { ran = true; });
  EXPECT_TRUE(unstarted.kill().ok());
  EXPECT_TRUE(unstarted.dead());
  EXPECT_FALSE(ran);
}

TEST_F(GreenletTest, KillWithoutBlockingReturnsAtOnce) {
  auto g = spawn([] { sleep(absl::Seconds(30)); });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(g.kill(absl::InfiniteDuration(), /*block=*/false).ok());
  EXPECT_FALSE(g.dead());
  EXPECT_TRUE(g.join(absl::Seconds(5)).ok());
  EXPECT_TRUE(g.killed());
}

TEST_F(GreenletTest, KillTimeoutWhenTheGreenletRefusesToDie) {
  auto g = spawn([] {
    try {
      sleep(absl::Seconds(30));
    } catch (const GreenletExit&) {
      sleep(absl::Milliseconds(100));  // cleanup that takes a while
      throw;
    }
  });
  sleep(absl::ZeroDuration());
  absl::Status s = g.kill(absl::Milliseconds(10));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_TRUE(g.join(absl::Seconds(5)).ok());
  EXPECT_TRUE(g.killed());
}

TEST_F(GreenletTest, SecondKillIsAClearError) {
  auto g = spawn([] { sleep(absl::Seconds(30)); });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(g.kill(absl::InfiniteDuration(), false).ok());
  absl::Status again = g.kill();
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  EXPECT_THAT(std::string(again.message()), HasSubstr("already being killed"));
  ASSERT_TRUE(g.join().ok());
  absl::Status dead = g.kill();
  EXPECT_TRUE(absl::IsFailedPrecondition(dead)) << dead;
  EXPECT_THAT(std::string(dead.message()), HasSubstr("already dead"));
}

TEST_F(GreenletTest, KillingItselfEndsIt) {
  bool after = false;
  Greenlet<void> g;
  g = spawn([&] {
    (void)g.kill();
    after = true;
  });
  ASSERT_TRUE(g.join().ok());
  EXPECT_FALSE(after);
  EXPECT_TRUE(g.killed());
}

TEST_F(GreenletTest, JoiningItselfIsAClearError) {
  Greenlet<absl::Status> g;
  g = spawn([&] { return g.join(); });
  absl::Status s = g.get();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("cannot join itself"));
}

TEST_F(GreenletTest, NegativeTimeoutsAreClearErrors) {
  auto g = spawn([] {});
  EXPECT_TRUE(absl::IsInvalidArgument(g.join(absl::Seconds(-1))));
  EXPECT_TRUE(absl::IsInvalidArgument(g.kill(absl::Seconds(-1))));
  EXPECT_THROW(g.start_later(absl::Seconds(-1)), std::invalid_argument);
  ASSERT_TRUE(g.join().ok());
}

TEST_F(GreenletTest, UsingAGreenletFromAnotherThreadIsAClearError) {
  auto g = spawn([] { sleep(absl::Milliseconds(5)); });
  absl::Status join_status, kill_status;
  std::thread t([&] {
    join_status = g.join();
    kill_status = g.kill();
  });
  t.join();
  EXPECT_TRUE(absl::IsFailedPrecondition(join_status)) << join_status;
  EXPECT_THAT(std::string(join_status.message()), HasSubstr("another thread"));
  EXPECT_TRUE(absl::IsFailedPrecondition(kill_status));
  ASSERT_TRUE(g.join().ok());
}

TEST_F(GreenletTest, EmptyHandleIsAClearError) {
  Greenlet<int> empty;
  EXPECT_FALSE(empty);
  EXPECT_TRUE(absl::IsFailedPrecondition(empty.join()));
  EXPECT_THROW(empty.start(), GreenletError);
}

TEST_F(GreenletTest, LinksFireByOutcome) {
  std::vector<std::string> fired;
  auto ok = spawn([] { return 1; });
  auto bad = spawn([]() -> int { throw std::runtime_error("x"); });
  for (auto* g : {&ok, &bad}) {
    g->link(
        [&](Greenlet<int>& self) { fired.push_back("any:" + self.name()); });
    g->link_value([&](Greenlet<int>& self) {
      fired.push_back("value:" + std::to_string(self.value()));
    });
    g->link_exception([&](Greenlet<int>&) { fired.push_back("exception"); });
  }
  uint64_t removed =
      ok.link([&](Greenlet<int>&) { fired.push_back("removed"); });
  ok.unlink(removed);
  ASSERT_TRUE(joinall(std::vector{ok, bad}).ok());
  EXPECT_THAT(fired, ElementsAre("any:" + ok.name(), "value:1",
                                 "any:" + bad.name(), "exception"));
  int late = 0;
  ok.link([&](Greenlet<int>&) { ++late; });  // already dead: fires at once
  EXPECT_EQ(late, 1);
}

TEST_F(GreenletTest, WaitReturnsOnceEnoughHaveEnded) {
  std::vector<Greenlet<void>> gs{
      spawn([] { sleep(absl::Milliseconds(200)); }),
      spawn([] { sleep(absl::Milliseconds(1)); }),
      spawn([] { sleep(absl::Milliseconds(40)); }),
  };
  std::vector<size_t> first = wait(gs, absl::InfiniteDuration(), 1);
  EXPECT_THAT(first, ElementsAre(1));
  std::vector<size_t> two = wait(gs, absl::InfiniteDuration(), 2);
  EXPECT_THAT(two, ElementsAre(1, 2));
  std::vector<size_t> timed = wait(gs, absl::Milliseconds(1));
  EXPECT_EQ(timed.size(), 2u);
  EXPECT_THAT(wait(gs), ElementsAre(0, 1, 2));
}

TEST_F(GreenletTest, KillallKillsEveryone) {
  int destroyed = 0;
  std::vector<Greenlet<void>> gs;
  for (int i = 0; i < 10; ++i) {
    gs.push_back(spawn([&] {
      Witness w(&destroyed);
      sleep(absl::Seconds(30));
    }));
  }
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(killall(gs).ok());
  EXPECT_EQ(destroyed, 10);
}

TEST_F(GreenletTest, SpawnOptionsNameAndStack) {
  auto g = spawn(SpawnOptions{.name = "downloader", .stack_size = 256 * 1024},
                 [] { return Hub::current().backend_name().size(); });
  EXPECT_EQ(g.name(), "downloader");
  EXPECT_GT(g.get(), 0u);
}

// A local array far larger than the stack, on a hub with other greenlets
// parked below it: the process stops with the greenlet's name, whatever the
// backend.
template <size_t kBytes>
[[gnu::noinline]] int FillLocalArray() {
  volatile char array[kBytes];
  for (size_t i = 0; i < kBytes; i += 512) array[i] = 1;
  return array[0];
}

TEST(GreenletDeathTest, AnOverflowingTaskIsNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::vector<Greenlet<void>> idle;
        for (int i = 0; i < 8; ++i) {
          idle.push_back(spawn([] { sleep(absl::Seconds(60)); }));
        }
        sleep(absl::ZeroDuration());  // the idle ones park on their stacks
        (void)spawn(SpawnOptions{.name = "fat-frame", .stack_size = 64 * 1024},
                    [] { FillLocalArray<512 * 1024>(); })
            .join();
      },
      "stack overflow in greenlet 'fat-frame'");
}

// A task's greenlet exists from its start to its end; one that ended is
// reused for the next start. Each run still has its task's id and name, and
// nothing of the run before.
TEST_F(GreenletTest, EachRunHasItsTasksIdAndNameOnAReusedGreenlet) {
  struct Seen {
    RawGreenlet* runner = nullptr;
    std::string name;
    bool had_error = false;
  };
  auto look = [](Seen* seen) {
    RawGreenlet* g = RawGreenlet::current();
    seen->runner = g;
    seen->name = g->name();
    seen->had_error = g->exception() != nullptr;
  };
  Seen a, b, c;
  auto first = spawn([&] {
    look(&a);
    throw std::runtime_error("first fails");
  });
  const std::string first_name = first.name();  // asked before it starts
  EXPECT_FALSE(first.join().ok() && first.successful());
  EXPECT_NE(first.exception(), nullptr);
  auto second = spawn(SpawnOptions{.name = "bee"}, [&] { look(&b); });
  ASSERT_TRUE(second.join().ok());
  auto third = spawn([&] {
    look(&c);
    return 3;
  });
  EXPECT_EQ(third.get(), 3);

  EXPECT_EQ(a.name, first_name);
  EXPECT_EQ(b.name, "bee");
  EXPECT_EQ(c.name, third.name());
  EXPECT_NE(c.name, a.name);
  EXPECT_FALSE(b.had_error);
  EXPECT_FALSE(c.had_error);
  // An ended greenlet was taken again (which one depends on when the hub
  // lets go of an ended task): three runs, two greenlets.
  EXPECT_TRUE(c.runner == a.runner || c.runner == b.runner);
}

// A task that leaves a RawGreenlet of its own behind: its ended greenlet is
// not reused while the child names it as parent, but freed (the child then
// goes to the hub's greenlet, as orphans do), and the child lives on.
TEST_F(GreenletTest, ARunThatLeavesAChildBehindIsNotReused) {
  auto g = spawn([] { return new RawGreenlet([] {}); });
  std::unique_ptr<RawGreenlet> child(g.get());
  for (int i = 0; i < 2; ++i) {  // the next starts find g's greenlet
    int ran = 0;
    auto h = spawn([&] { ++ran; });
    ASSERT_TRUE(h.join().ok());
    EXPECT_EQ(ran, 1);
  }
  EXPECT_EQ(child->parent(), Hub::current().hub_greenlet());
  ASSERT_TRUE(child->set_parent(RawGreenlet::current()).ok());
  child->switch_to();
  EXPECT_TRUE(child->dead());
}

TEST_F(GreenletTest, ManyGreenletsLeaveNothingBehind) {
  std::vector<Greenlet<int>> gs;
  const int n = testing::kManyGreenlets;
  for (int i = 0; i < n; ++i) {
    gs.push_back(spawn([i] {
      sleep(absl::ZeroDuration());
      return i;
    }));
  }
  long sum = 0;
  for (auto& g : gs) sum += g.get();
  EXPECT_EQ(sum, (n - 1L) * n / 2);
}

TEST_F(GreenletTest, FireAndForgetGreenletsAreFreed) {
  int done = 0;
  for (int i = 0; i < 1000; ++i) spawn([&] { ++done; });
  sleep(absl::Milliseconds(1));
  EXPECT_EQ(done, 1000);
}

TEST(GreenletExitTest, HubExitKillsWhatIsLeft) {
  int destroyed = 0;
  std::thread t([&] {
    spawn([&] {
      Witness w(&destroyed);
      sleep(absl::Seconds(30));
    });
    spawn([&] { Witness w(&destroyed); });  // scheduled, never ran
    sleep(absl::ZeroDuration());            // the first one parks
  });
  t.join();  // the thread's hub goes, and kills the first
  EXPECT_EQ(destroyed, 2);
}

}  // namespace
}  // namespace gevent
