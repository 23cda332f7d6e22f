// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/greenlet/raw_greenlet.h"

#include <alloca.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gevent/greenlet/internal/stack_pool.h"
#include "gevent/greenlet/internal/unprobed_frames.h"

#if defined(__SANITIZE_ADDRESS__)
#define GEVENT_TEST_ASAN 1
#endif

namespace gevent {
namespace {

using ::testing::HasSubstr;

void* AsPtr(intptr_t v) { return reinterpret_cast<void*>(v); }
intptr_t AsInt(void* p) { return reinterpret_cast<intptr_t>(p); }

// Counts its own destructions, to see that a killed greenlet unwinds.
struct Witness {
  explicit Witness(int* counter) : counter(counter) {}
  ~Witness() { ++*counter; }
  int* counter;
};

TEST(RawGreenlet, RootIsCurrentOutsideAnyGreenlet) {
  RawGreenlet* root = RawGreenlet::root();
  EXPECT_EQ(RawGreenlet::current(), root);
  EXPECT_TRUE(root->is_root());
  EXPECT_TRUE(root->active());
  EXPECT_EQ(root->parent(), nullptr);
}

TEST(RawGreenlet, RunsOnlyWhenSwitchedTo) {
  int runs = 0;
  RawGreenlet g([&] { ++runs; });
  EXPECT_FALSE(g.started());
  EXPECT_EQ(runs, 0);
  g.switch_to();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(g.dead());
  EXPECT_FALSE(g.active());
}

TEST(RawGreenlet, SwitchPassesValuesBothWays) {
  RawGreenlet* main = RawGreenlet::current();
  std::vector<intptr_t> seen;
  RawGreenlet g([&](void* v) -> void* {
    seen.push_back(AsInt(v));        // 1: the starting switch's value
    v = main->switch_to(AsPtr(10));  // main receives 10
    seen.push_back(AsInt(v));        // 2
    v = main->switch_to(AsPtr(20));  // main receives 20
    seen.push_back(AsInt(v));        // 3
    return AsPtr(30);                // the result goes to the parent
  });
  EXPECT_EQ(AsInt(g.switch_to(AsPtr(1))), 10);
  EXPECT_EQ(AsInt(g.switch_to(AsPtr(2))), 20);
  EXPECT_EQ(AsInt(g.switch_to(AsPtr(3))), 30);
  EXPECT_EQ(seen, (std::vector<intptr_t>{1, 2, 3}));
  EXPECT_TRUE(g.dead());
}

TEST(RawGreenlet, CurrentAndParentInsideAGreenlet) {
  RawGreenlet* main = RawGreenlet::current();
  RawGreenlet* inside = nullptr;
  RawGreenlet* parent = nullptr;
  RawGreenlet g([&] {
    inside = RawGreenlet::current();
    parent = inside->parent();
  });
  g.switch_to();
  EXPECT_EQ(inside, &g);
  EXPECT_EQ(parent, main);
  EXPECT_EQ(RawGreenlet::current(), main);
}

TEST(RawGreenlet, EndingGoesToParentNotToWhoeverSwitchedLast) {
  std::vector<std::string> order;
  RawGreenlet* main = RawGreenlet::current();
  std::unique_ptr<RawGreenlet> child;
  RawGreenlet parent([&] {
    child =
        std::make_unique<RawGreenlet>([&] { order.push_back("child ends"); });
    // child's parent is `parent`; main switches to the child below.
    main->switch_to();
    order.push_back("parent resumed by child's end");
  });
  parent.switch_to();  // parent creates the child and comes back
  child->switch_to();  // the child ends: control goes to its parent, then
                       // parent ends
  order.push_back("main");
  EXPECT_EQ(order, (std::vector<std::string>{
                       "child ends", "parent resumed by child's end", "main"}));
}

TEST(RawGreenlet, ResultSkipsDeadParents) {
  RawGreenlet* main = RawGreenlet::current();
  std::unique_ptr<RawGreenlet> child;
  RawGreenlet parent([&] {
    child = std::make_unique<RawGreenlet>(
        [&](void*) -> void* { return AsPtr(42); });
  });
  parent.switch_to();  // creates the child (parent = `parent`) and ends
  EXPECT_TRUE(parent.dead());
  EXPECT_EQ(child->parent(), &parent);
  EXPECT_EQ(AsInt(child->switch_to()),
            42);  // parent is dead: main gets the result
  EXPECT_EQ(RawGreenlet::current(), main);
}

TEST(RawGreenlet, ExceptionReachesTheParentAtItsSwitchPoint) {
  RawGreenlet g([] { throw std::runtime_error("boom in child"); });
  try {
    g.switch_to();
    FAIL() << "the child's exception should have been rethrown here";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom in child");
  }
  EXPECT_TRUE(g.dead());
  ASSERT_TRUE(g.exception() != nullptr);
}

TEST(RawGreenlet, ExceptionAfterASwitchStillReachesTheParent) {
  RawGreenlet* main = RawGreenlet::current();
  RawGreenlet g([&] {
    main->switch_to();
    throw std::logic_error("late");
  });
  g.switch_to();
  EXPECT_THROW(g.switch_to(), std::logic_error);
  EXPECT_TRUE(g.dead());
}

TEST(RawGreenlet, ThrowIntoRaisesAtTheSwitchPoint) {
  RawGreenlet* main = RawGreenlet::current();
  std::string caught;
  RawGreenlet g([&](void*) -> void* {
    try {
      main->switch_to();
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    return AsPtr(5);  // handled: the greenlet goes on and ends normally
  });
  g.switch_to();
  void* r =
      g.throw_into(std::make_exception_ptr(std::runtime_error("thrown in")));
  EXPECT_EQ(caught, "thrown in");
  EXPECT_EQ(AsInt(r), 5);
  EXPECT_TRUE(g.dead());
  EXPECT_TRUE(g.exception() == nullptr);
}

TEST(RawGreenlet, ThrowIntoUnstartedKillsItWithoutRunning) {
  bool ran = false;
  RawGreenlet g([&] { ran = true; });
  EXPECT_THROW(g.throw_into(std::make_exception_ptr(std::out_of_range("x"))),
               std::out_of_range);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(g.dead());
  RawGreenlet h([&] { ran = true; });
  EXPECT_EQ(h.throw_into(std::make_exception_ptr(GreenletExit{})), nullptr);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(h.dead());
}

TEST(RawGreenlet, KillUnwindsASuspendedGreenlet) {
  RawGreenlet* main = RawGreenlet::current();
  int destroyed = 0;
  bool after = false;
  RawGreenlet g([&] {
    Witness w(&destroyed);
    main->switch_to();
    after = true;
  });
  g.switch_to();
  EXPECT_EQ(destroyed, 0);
  EXPECT_TRUE(g.kill().ok());
  EXPECT_EQ(destroyed, 1);
  EXPECT_FALSE(after);
  EXPECT_TRUE(g.dead());
  EXPECT_TRUE(g.exception() == nullptr);  // GreenletExit is a normal end
  EXPECT_EQ(RawGreenlet::current(), main);
}

TEST(RawGreenlet, KillIsNotStoppedByCatchingStdException) {
  RawGreenlet* main = RawGreenlet::current();
  bool swallowed = false;
  RawGreenlet g([&] {
    try {
      main->switch_to();
    } catch (const std::exception&) {
      swallowed = true;
    }
  });
  g.switch_to();
  EXPECT_TRUE(g.kill().ok());
  EXPECT_FALSE(swallowed);
  EXPECT_TRUE(g.dead());
}

TEST(RawGreenlet, KillBeforeStartNeverRunsIt) {
  bool ran = false;
  int destroyed = 0;
  {
    auto w = std::make_shared<Witness>(&destroyed);
    RawGreenlet g([&ran, w] { ran = true; });
    w.reset();
    EXPECT_TRUE(g.kill().ok());
    EXPECT_TRUE(g.dead());
    EXPECT_EQ(destroyed, 1);  // the body (and its captures) are gone
  }
  EXPECT_FALSE(ran);
}

TEST(RawGreenlet, SecondKillIsAClearErrorAndChangesNothing) {
  RawGreenlet g([] {});
  g.switch_to();
  absl::Status s = g.kill();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("already dead"));
  EXPECT_THAT(std::string(s.message()), HasSubstr(g.name()));
}

TEST(RawGreenlet, KillingTheCurrentGreenletEndsIt) {
  bool after = false;
  RawGreenlet g([&] {
    (void)RawGreenlet::current()->kill();
    after = true;
  });
  g.switch_to();
  EXPECT_FALSE(after);
  EXPECT_TRUE(g.dead());
}

TEST(RawGreenlet, DestroyingASuspendedGreenletRunsItsDestructors) {
  RawGreenlet* main = RawGreenlet::current();
  int destroyed = 0;
  {
    RawGreenlet g([&] {
      Witness a(&destroyed);
      Witness b(&destroyed);
      main->switch_to();
    });
    g.switch_to();
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 2);
}

TEST(RawGreenlet, KillCanBlockWhileUnwinding) {
  // A destructor that switches during the unwind (as closing a socket may).
  RawGreenlet* main = RawGreenlet::current();
  std::vector<std::string> order;
  struct SwitchesOnDestruction {
    RawGreenlet* to;
    std::vector<std::string>* order;
    ~SwitchesOnDestruction() {
      order->push_back("unwinding");
      to->switch_to();
      order->push_back("unwound");
    }
  };
  RawGreenlet g([&] {
    SwitchesOnDestruction s{main, &order};
    main->switch_to();
  });
  g.switch_to();
  EXPECT_TRUE(g.kill().ok());  // comes back during the unwind
  order.push_back("killer");
  g.switch_to();  // let it finish
  EXPECT_TRUE(g.dead());
  EXPECT_EQ(order,
            (std::vector<std::string>{"unwinding", "killer", "unwound"}));
}

TEST(RawGreenlet, SwitchingInsideCatchBlocksKeepsEachGreenletsException) {
  RawGreenlet* main = RawGreenlet::current();
  std::string a_rethrown, b_rethrown;
  RawGreenlet a([&] {
    try {
      throw std::runtime_error("a");
    } catch (...) {
      main->switch_to();  // suspended inside a handler
      try {
        throw;  // must rethrow a's exception, not b's
      } catch (const std::runtime_error& e) {
        a_rethrown = e.what();
      }
    }
  });
  RawGreenlet b([&] {
    try {
      throw std::runtime_error("b");
    } catch (...) {
      main->switch_to();
      try {
        throw;
      } catch (const std::runtime_error& e) {
        b_rethrown = e.what();
      }
    }
  });
  a.switch_to();
  b.switch_to();
  EXPECT_EQ(std::uncaught_exceptions(), 0);
  a.switch_to();  // a's handler ends while b's is still open
  b.switch_to();
  EXPECT_EQ(a_rethrown, "a");
  EXPECT_EQ(b_rethrown, "b");
  EXPECT_TRUE(a.dead());
  EXPECT_TRUE(b.dead());
}

TEST(RawGreenlet, UncaughtExceptionCountIsPerGreenlet) {
  RawGreenlet* main = RawGreenlet::current();
  int seen_in_other = -1;
  int seen_in_unwinding = -1;
  struct Probe {
    RawGreenlet* main;
    int* seen;
    ~Probe() {
      *seen = std::uncaught_exceptions();
      main->switch_to();  // switches while unwinding
    }
  };
  RawGreenlet unwinding([&] {
    try {
      Probe p{main, &seen_in_unwinding};
      throw 1;
    } catch (int) {
    }
  });
  RawGreenlet other([&] { seen_in_other = std::uncaught_exceptions(); });
  unwinding.switch_to();  // suspended in Probe's destructor, mid-unwind
  other.switch_to();
  unwinding.switch_to();
  EXPECT_EQ(seen_in_unwinding, 1);
  EXPECT_EQ(seen_in_other, 0);
  EXPECT_TRUE(unwinding.dead());
}

TEST(RawGreenlet, SwitchingToADeadGreenletIsAClearError) {
  RawGreenlet g([] {}, {.name = "finished-one"});
  g.switch_to();
  try {
    g.switch_to();
    FAIL() << "expected GreenletError";
  } catch (const GreenletError& e) {
    EXPECT_THAT(e.what(), HasSubstr("finished-one"));
    EXPECT_THAT(e.what(), HasSubstr("dead"));
  }
  EXPECT_THROW(g.throw_into(std::make_exception_ptr(1)), GreenletError);
}

TEST(RawGreenlet, SwitchingAcrossThreadsIsAClearError) {
  RawGreenlet* main = RawGreenlet::current();
  RawGreenlet g([&] { main->switch_to(); }, {.name = "home-thread"});
  g.switch_to();
  std::string error;
  std::thread other([&] {
    try {
      g.switch_to();
    } catch (const GreenletError& e) {
      error = e.what();
    }
  });
  other.join();
  EXPECT_THAT(error, HasSubstr("home-thread"));
  EXPECT_THAT(error, HasSubstr("belongs to thread"));
  EXPECT_TRUE(g.active());  // nothing changed
  g.switch_to();
  EXPECT_TRUE(g.dead());
}

TEST(RawGreenlet, ParentFromAnotherThreadIsRejected) {
  RawGreenlet* main = RawGreenlet::current();
  std::string error;
  std::thread other([&] {
    try {
      RawGreenlet g([] {}, {.parent = main});
    } catch (const GreenletError& e) {
      error = e.what();
    }
  });
  other.join();
  EXPECT_THAT(error, HasSubstr("another thread"));
}

TEST(RawGreenlet, EachThreadRunsItsOwnGreenlets) {
  std::vector<std::thread> threads;
  std::vector<int> sums(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &sums] {
      RawGreenlet* main = RawGreenlet::current();
      int sum = 0;
      RawGreenlet g([&] {
        for (int i = 0; i < 1000; ++i) {
          sum += i;
          main->switch_to();
        }
      });
      while (!g.dead()) g.switch_to();
      sums[t] = sum;
    });
  }
  for (auto& th : threads) th.join();
  for (int s : sums) EXPECT_EQ(s, 499500);
}

TEST(RawGreenlet, SetParentRejectsCyclesAndNull) {
  RawGreenlet a([] {});
  RawGreenlet b([] {}, {.parent = &a});
  absl::Status s = a.set_parent(&b);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("cycle"));
  EXPECT_EQ(a.set_parent(nullptr).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.set_parent(&a).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.parent(), &a);
}

TEST(RawGreenlet, ChildrenOfADestroyedParentGoToItsParent) {
  RawGreenlet* main = RawGreenlet::current();
  auto parent = std::make_unique<RawGreenlet>([] {});
  RawGreenlet child([](void*) -> void* { return AsPtr(3); },
                    {.parent = parent.get()});
  parent.reset();
  EXPECT_EQ(child.parent(), main);
  EXPECT_EQ(AsInt(child.switch_to()), 3);
}

TEST(RawGreenlet, ExitTargetOverridesTheParent) {
  RawGreenlet* main = RawGreenlet::current();
  std::vector<std::string> order;
  RawGreenlet next([&](void* v) -> void* {
    order.push_back("next got " + std::to_string(AsInt(v)));
    return nullptr;
  });
  RawGreenlet first([&](void*) -> void* {
    order.push_back("first");
    return AsPtr(9);
  });
  first.set_exit_target(&next);  // next starts with first's result
  first.switch_to();
  order.push_back("main");
  EXPECT_EQ(order, (std::vector<std::string>{"first", "next got 9", "main"}));
  EXPECT_TRUE(next.dead());
  // A dead exit target falls back to the parent.
  RawGreenlet third([] {});
  third.set_exit_target(&next);
  third.switch_to();
  EXPECT_EQ(RawGreenlet::current(), main);
}

TEST(RawGreenlet, SchedulerDataIsKeptPerGreenlet) {
  int a = 0;
  RawGreenlet g([] {});
  EXPECT_EQ(g.scheduler_data(), nullptr);
  g.set_scheduler_data(&a);
  EXPECT_EQ(g.scheduler_data(), &a);
}

TEST(RawGreenlet, NamesAndIds) {
  RawGreenlet a([] {}, {.name = "alpha"});
  RawGreenlet b([] {});
  EXPECT_EQ(a.name(), "alpha");
  EXPECT_EQ(b.name(), "greenlet-" + std::to_string(b.id()));
  EXPECT_NE(a.id(), b.id());
}

TEST(RawGreenlet, StackSizeIsHonoured) {
  size_t used = 0;
  RawGreenlet g(
      [&] {
        // Touch most of a 256 KiB stack; the default 64 KiB could not hold
        // this.
        volatile char* big = static_cast<char*>(alloca(200 * 1024));
        big[0] = 1;
        big[200 * 1024 - 1] = 1;
        used = 200 * 1024;
      },
      {.stack_size = 512 * 1024});
  EXPECT_EQ(g.stack_size(), 512 * 1024u);
  g.switch_to();
  EXPECT_EQ(used, 200 * 1024u);
}

#if defined(__SANITIZE_THREAD__)
constexpr int kMany =
    4000;  // TSan counts each greenlet as a thread (8128 at most)
#else
constexpr int kMany = 100000;
#endif

// An ended greenlet parks its stack (entry frame and all); the next greenlet
// of that size starts on it, whatever way the previous one ended.
TEST(RawGreenlet, TheNextGreenletStartsOnAnEndedOnesParkedStack) {
  internal::StackPool& pool = internal::ThisThreadStackPool();
  RawGreenlet* main = RawGreenlet::current();
  auto stack_of = [](RawGreenlet& g) {
    uintptr_t where = 0;
    g.switch_to(&where);
    return where;
  };
  auto body = [main](void* out) -> void* {
    int local = 0;
    *static_cast<uintptr_t*>(out) = reinterpret_cast<uintptr_t>(&local);
    main->switch_to();
    return nullptr;
  };
  RawGreenlet first(body);
  const uintptr_t first_stack = stack_of(first);
  first.switch_to();  // ends: its stack is parked
  ASSERT_TRUE(first.dead());
  const internal::StackPoolStats parked = pool.stats();
  EXPECT_GE(parked.parked_stacks, 1u);

  RawGreenlet second(body);
  EXPECT_EQ(stack_of(second), first_stack);
  EXPECT_EQ(pool.stats().parked_stacks, parked.parked_stacks - 1);
  // It raises; the stack is parked again and works for the next one.
  EXPECT_THROW(
      second.throw_into(std::make_exception_ptr(std::runtime_error("x"))),
      std::runtime_error);
  RawGreenlet third(body);
  EXPECT_EQ(stack_of(third), first_stack);
  (void)third.kill();  // killed while suspended: parked again
  ASSERT_TRUE(third.dead());

  // Another size does not take it.
  RawGreenlet other(body, RawGreenletOptions{.stack_size = 128 * 1024});
  EXPECT_NE(stack_of(other), first_stack);
  (void)other.kill();
  // Parked stacks count as free, not in use.
  EXPECT_EQ(pool.stats().stacks_in_use, parked.stacks_in_use);

  RawGreenlet fourth(body);
  EXPECT_EQ(stack_of(fourth), first_stack);
  fourth.switch_to();
  EXPECT_TRUE(fourth.dead());
}

// What a scheduler does with an ended greenlet instead of destroying it.
TEST(RawGreenlet, AnEndedGreenletIsReusedForANewBody) {
  RawGreenlet* main = RawGreenlet::current();
  struct Run {
    RawGreenlet* main;
    int runs = 0;
    bool fail = false;
  } run{main};
  auto body = [](void* arg, void* value) -> void* {
    auto* r = static_cast<Run*>(arg);
    ++r->runs;
    if (r->fail) throw std::runtime_error("first body fails");
    r->main->switch_to();  // suspends once
    return value;
  };
  run.fail = true;
  RawGreenlet g(internal::PlainBody{body, &run}, main, kDefaultStackSize);
  const uint64_t first_id = g.id();
  // Not while new or alive.
  EXPECT_FALSE(g.Reuse(internal::PlainBody{body, &run}, 7));
  EXPECT_THROW(g.switch_to(), std::runtime_error);
  ASSERT_TRUE(g.dead());
  EXPECT_NE(g.exception(), nullptr);

  const uint64_t id = internal::NewGreenletId();
  ASSERT_TRUE(g.Reuse(internal::PlainBody{body, &run}, id));
  EXPECT_FALSE(g.dead());
  EXPECT_FALSE(g.started());
  EXPECT_EQ(g.id(), id);
  EXPECT_NE(g.id(), first_id);
  EXPECT_EQ(g.name(), absl::StrCat("greenlet-", id));
  EXPECT_EQ(g.exception(), nullptr);  // the first body's error is gone
  run.fail = false;
  int token = 0;
  g.switch_to(&token);
  EXPECT_TRUE(g.active());
  EXPECT_FALSE(g.Reuse(internal::PlainBody{body, &run}, id));  // suspended
  EXPECT_EQ(g.switch_to(), &token);  // it ends, returning its first value
  EXPECT_TRUE(g.dead());
  EXPECT_EQ(run.runs, 2);

  // One whose children are still there is not reused.
  ASSERT_TRUE(g.Reuse(internal::PlainBody{[](void*, void*) -> void* {
                                            auto* child =
                                                new RawGreenlet([] {});
                                            return child;
                                          },
                                          nullptr},
                      internal::NewGreenletId()));
  auto* child = static_cast<RawGreenlet*>(g.switch_to());
  ASSERT_TRUE(g.dead());
  EXPECT_EQ(child->parent(), &g);
  EXPECT_FALSE(g.Reuse(internal::PlainBody{body, &run}, 9));
  delete child;
  EXPECT_TRUE(g.Reuse(internal::PlainBody{body, &run}, 9));

  // Nor one of another thread.
  std::thread([&] {
    EXPECT_FALSE(g.Reuse(internal::PlainBody{body, &run}, 10));
  }).join();
}

TEST(RawGreenlet, ManyGreenletsFinishAndLeaveOnlyThePoolBehind) {
  RawGreenlet* main = RawGreenlet::current();
  internal::StackPool& pool = internal::ThisThreadStackPool();
  const size_t bound = pool.max_free_stacks();
  const internal::StackPoolStats before = pool.stats();
  std::vector<std::unique_ptr<RawGreenlet>> gs;
  gs.reserve(kMany);
  int finished = 0;
  for (int i = 0; i < kMany; ++i) {
    gs.push_back(std::make_unique<RawGreenlet>(
        [main, &finished] {
          main->switch_to();
          ++finished;
        },
        RawGreenletOptions{.stack_size = 32 * 1024}));
    gs.back()->switch_to();  // all of them suspended at once
  }
  internal::StackPoolStats busy = pool.stats();
  EXPECT_GE(busy.stacks_in_use, static_cast<size_t>(kMany));
  for (auto& g : gs) g->switch_to();  // all finish
  EXPECT_EQ(finished, kMany);
  gs.clear();
  internal::StackPoolStats idle = pool.stats();
  EXPECT_EQ(idle.stacks_in_use, 0u);
  const size_t stride = 32 * 1024 + internal::kGapBytes;
  const size_t one_slab = 8 << 20;  // slabs are about 8 MiB
  EXPECT_LE(idle.mapped_bytes, before.mapped_bytes + bound * stride + one_slab)
      << "slabs left: " << idle.slabs << " of " << busy.slabs;
}

// --- stack overflow
// -----------------------------------------------------------

// Recurses `limit` deep; `volatile` keeps the frames real. A limit far beyond
// any stack makes it run out.
int Recurse(int depth, int limit) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth >= limit) return frame[0];
  return Recurse(depth + 1, limit) + frame[0];
}

using RawGreenletDeathTest = ::testing::Test;

TEST(RawGreenletDeathTest, OverflowIntoAGuardPageNamesTheGreenlet) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        RawGreenlet g([] { Recurse(0, 1 << 30); }, {.name = "deep-recursion"});
        g.switch_to();
      },
      "stack overflow in greenlet 'deep-recursion'");
}

// A frame of `kBytes` (built with the library's stack probing) that writes
// its lowest byte first, as a local array filled from its start does.
template <size_t kBytes>
[[gnu::noinline]] int HugeFrame() {
  volatile char frame[kBytes];
  frame[0] = 1;
  frame[kBytes - 1] = 2;
  return frame[0] + frame[kBytes - 1];
}

// `n` greenlets suspended in their first switch, on the stacks below the next
// one's: what an overflow would write into.
std::vector<std::unique_ptr<RawGreenlet>> Neighbours(int n) {
  std::vector<std::unique_ptr<RawGreenlet>> gs;
  RawGreenlet* main = RawGreenlet::current();
  for (int i = 0; i < n; ++i) {
    gs.push_back(std::make_unique<RawGreenlet>([main] { main->switch_to(); }));
    gs.back()->switch_to();
  }
  return gs;
}

TEST(RawGreenletDeathTest, AFrameLargerThanTheGapIsNamedNotWrittenBelow) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto below = Neighbours(4);
        // 100 KiB on a 64 KiB stack: its first write would land in the
        // stack below the 16 KiB gap; the probes hit the gap first.
        RawGreenlet g([] { HugeFrame<100 * 1024>(); },
                      {.name = "huge-frame", .stack_size = 64 * 1024});
        g.switch_to();
      },
      "stack overflow in greenlet 'huge-frame'");
}

TEST(RawGreenletDeathTest, PastTheGuardBudgetAFrameLargerThanTheGapIsNamed) {
  if (!internal::StackPool::GuardMarkersAvailable()) {
    GTEST_SKIP() << "this kernel has no guard markers (Linux 6.13+)";
  }
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        internal::StackPool::ExchangeGuardBudgetForTesting(0);
        auto below = Neighbours(4);
        RawGreenlet g([] { HugeFrame<100 * 1024>(); },
                      {.name = "marked", .stack_size = 64 * 1024});
        g.switch_to();
      },
      "stack overflow in greenlet 'marked'");
}

TEST(RawGreenletDeathTest, AHugeLocalArrayIsNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto below = Neighbours(4);
        RawGreenlet g([] { HugeFrame<512 * 1024>(); },
                      {.name = "huge-array", .stack_size = 64 * 1024});
        g.switch_to();
      },
      "stack overflow in greenlet 'huge-array'");
}

TEST(RawGreenletDeathTest, AnUnprobedFrameThatFaultsBelowTheGapIsNamed) {
#ifdef GEVENT_TEST_ASAN
  GTEST_SKIP() << "ASan reports the write into the suspended neighbours' red "
                  "zones before the fault";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // Enough stacks below that the array's first write lands among them
        // and its climb faults in one of their gaps, not in this stack's.
        auto below = Neighbours(16);
        RawGreenlet g([] { internal::UnprobedHugeArray(); },
                      {.name = "unprobed", .stack_size = 64 * 1024});
        g.switch_to();
      },
      "stack overflow in greenlet 'unprobed' .*below its stack");
}

TEST(RawGreenletDeathTest, OverflowOfAnUnguardedStackIsCaughtAtTheNextSwitch) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        internal::StackPool::ExchangeGuardBudgetForTesting(0);
        internal::StackPool::SetGuardMarkersForTesting(false);
        RawGreenlet* main = RawGreenlet::current();
        RawGreenlet g(
            [main] {
              // Move the stack pointer below the 32 KiB stack, into the gap.
              volatile char* p = static_cast<char*>(alloca(36 * 1024));
              p[0] = 0;
              main->switch_to();
            },
            {.name = "sunk", .stack_size = 32 * 1024});
        g.switch_to();
      },
      "stack overflow in greenlet 'sunk'");
}

TEST(RawGreenletDeathTest, DestroyingTheRunningGreenletIsFatalAndNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        RawGreenlet* self = nullptr;
        auto* g =
            new RawGreenlet([&] { delete self; }, {.name = "self-destroyer"});
        self = g;
        g->switch_to();
      },
      "greenlet 'self-destroyer' was destroyed while running");
}

TEST(RawGreenlet, CountsEverySwitchOfItsThread) {
  const uint64_t before = RawGreenlet::switch_count();
  RawGreenlet* root = RawGreenlet::root();
  RawGreenlet g([root] {
    root->switch_to();  // 2: out again
  });
  g.switch_to();  // 1: in
  g.switch_to();  // 3: back in; 4: it ends, to the root
  EXPECT_TRUE(g.dead());
  EXPECT_EQ(RawGreenlet::switch_count() - before, 4u);
  EXPECT_EQ(RawGreenlet::switch_counter()->load(), before + 4);

  // Another thread has its own count.
  uint64_t other = 99;
  std::thread([&other] {
    other = RawGreenlet::switch_count();
    RawGreenlet h([] {});
    h.switch_to();
    other = RawGreenlet::switch_count() - other;
  }).join();
  EXPECT_EQ(other, 2u);
  EXPECT_EQ(RawGreenlet::switch_count() - before, 4u);
}

TEST(RawGreenlet, SettraceSeesEachSwitchWithOriginAndTarget) {
  std::vector<std::pair<std::string, std::string>> seen;
  auto name = [](RawGreenlet* g) {
    return g->is_root() ? std::string("root") : g->name();
  };
  EXPECT_FALSE(RawGreenlet::settrace([&](RawGreenlet* from, RawGreenlet* to) {
    seen.emplace_back(name(from), name(to));
  }));
  RawGreenlet* root = RawGreenlet::root();
  RawGreenlet a([root] { root->switch_to(); }, {.name = "a"});
  a.switch_to();
  a.switch_to();  // and a ends
  RawGreenlet b([] { throw std::runtime_error("b failed"); }, {.name = "b"});
  EXPECT_THROW(b.switch_to(), std::runtime_error);
  RawGreenlet c([root] { root->switch_to(); }, {.name = "c"});
  c.switch_to();
  EXPECT_TRUE(c.kill().ok());  // in with GreenletExit, and out as it ends
  RawGreenlet::Tracer previous = RawGreenlet::settrace(nullptr);
  EXPECT_TRUE(previous);
  RawGreenlet d([] {});
  d.switch_to();  // not traced
  using P = std::pair<std::string, std::string>;
  EXPECT_THAT(seen, ::testing::ElementsAre(P("root", "a"), P("a", "root"),
                                           P("root", "a"), P("a", "root"),
                                           P("root", "b"), P("b", "root"),
                                           P("root", "c"), P("c", "root"),
                                           P("root", "c"), P("c", "root")));
}

}  // namespace
}  // namespace gevent
