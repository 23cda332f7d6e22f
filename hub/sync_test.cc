// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Event, Semaphore, BoundedSemaphore, Lock, RLock. Runs once per backend.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/test_util.h"
#include "gevent/hub/lock.h"
#include "gevent/hub/semaphore.h"

namespace gevent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SyncTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

// --- Event
// ------------------------------------------------------------------------

TEST_F(SyncTest, EventSetWakesEveryWaiterInOrder) {
  Event e;
  std::vector<int> order;
  std::vector<Greenlet<void>> gs;
  for (int i = 0; i < 3; ++i) {
    gs.push_back(spawn([&, i] {
      EXPECT_TRUE(e.wait());
      order.push_back(i);
    }));
  }
  sleep(absl::ZeroDuration());  // all three wait
  EXPECT_TRUE(order.empty());
  e.set();
  ASSERT_TRUE(joinall(gs).ok());
  EXPECT_THAT(order, ElementsAre(0, 1, 2));
  EXPECT_TRUE(e.wait());  // set: returns at once
  e.clear();
  EXPECT_FALSE(e.is_set());
}

TEST_F(SyncTest, EventWaitTimesOut) {
  Event e;
  const absl::Time start = absl::Now();
  EXPECT_FALSE(e.wait(absl::Milliseconds(10)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(10));
  EXPECT_FALSE(e.wait(absl::ZeroDuration()));
  EXPECT_THROW(e.wait(absl::Seconds(-1)), std::invalid_argument);
}

TEST_F(SyncTest, AKilledEventWaiterLeavesTheOthersWaiting) {
  Event e;
  int woken = 0;
  auto a = spawn([&] {
    e.wait();
    ++woken;
  });
  auto b = spawn([&] {
    e.wait();
    ++woken;
  });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(a.kill().ok());
  e.set();
  ASSERT_TRUE(b.join().ok());
  EXPECT_EQ(woken, 1);
}

// --- Semaphore
// --------------------------------------------------------------------

TEST_F(SyncTest, SemaphoreServesWaitersFirstComeFirstServed) {
  Semaphore s(1);
  ASSERT_TRUE(s.acquire());
  std::vector<int> order;
  std::vector<Greenlet<void>> gs;
  for (int i = 0; i < 4; ++i) {
    gs.push_back(spawn([&, i] {
      SemaphoreGuard hold(s);
      order.push_back(i);
      sleep(absl::ZeroDuration());
    }));
  }
  sleep(absl::ZeroDuration());
  s.release();
  // A newcomer cannot jump the queue while the woken waiter has yet to run.
  EXPECT_FALSE(s.try_acquire());
  ASSERT_TRUE(joinall(gs).ok());
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(s.counter(), 1);
}

TEST_F(SyncTest, SemaphoreBoundsConcurrency) {
  Semaphore s(3);
  int inside = 0, most = 0;
  std::vector<Greenlet<void>> gs;
  for (int i = 0; i < 20; ++i) {
    gs.push_back(spawn([&] {
      SemaphoreGuard hold(s);
      most = std::max(most, ++inside);
      sleep(absl::Milliseconds(1));
      --inside;
    }));
  }
  ASSERT_TRUE(joinall(gs).ok());
  EXPECT_EQ(most, 3);
  EXPECT_EQ(s.counter(), 3);
}

TEST_F(SyncTest, SemaphoreAcquireTimesOutWithoutTakingAUnit) {
  Semaphore s(0);
  EXPECT_FALSE(s.acquire(absl::Milliseconds(5)));
  EXPECT_FALSE(s.acquire(absl::ZeroDuration()));
  EXPECT_EQ(s.counter(), 0);
  s.release();
  EXPECT_TRUE(s.acquire(absl::ZeroDuration()));
  EXPECT_THROW(Semaphore(-1), std::invalid_argument);
}

TEST_F(SyncTest, AWaiterKilledWhileQueuedDoesNotSwallowARelease) {
  Semaphore s(0);
  auto doomed = spawn([&] { s.acquire(); });
  bool second_got_it = false;
  auto second = spawn([&] { second_got_it = s.acquire(absl::Seconds(5)); });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(doomed.kill().ok());
  s.release();  // must go to `second`, not to the dead one
  ASSERT_TRUE(second.join().ok());
  EXPECT_TRUE(second_got_it);
  EXPECT_EQ(s.counter(), 0);
}

TEST_F(SyncTest, AWaiterTimingOutDoesNotSwallowARelease) {
  Semaphore s(0);
  auto impatient = spawn([&] { return s.acquire(absl::Milliseconds(1)); });
  bool patient_got_it = false;
  auto patient = spawn([&] { patient_got_it = s.acquire(absl::Seconds(5)); });
  EXPECT_FALSE(impatient.get());
  s.release();
  ASSERT_TRUE(patient.join().ok());
  EXPECT_TRUE(patient_got_it);
}

TEST_F(SyncTest, BoundedSemaphoreRefusesAnExtraRelease) {
  BoundedSemaphore s(2);
  ASSERT_TRUE(s.acquire());
  s.release();
  try {
    s.release();
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("released too many times"));
  }
  EXPECT_EQ(s.counter(), 2);  // unchanged
}

// --- Lock and RLock
// ---------------------------------------------------------------

TEST_F(SyncTest, LockExcludesAcrossBlockingCalls) {
  Lock lock;
  std::vector<std::string> log;
  auto writer = [&](std::string name) {
    LockGuard hold(lock);
    log.push_back(name + " in");
    sleep(absl::Milliseconds(2));  // others must wait, not interleave
    log.push_back(name + " out");
  };
  ASSERT_TRUE(joinall(std::vector{spawn(writer, std::string("a")),
                                  spawn(writer, std::string("b"))})
                  .ok());
  EXPECT_THAT(log, ElementsAre("a in", "a out", "b in", "b out"));
  EXPECT_FALSE(lock.locked());
  EXPECT_THROW(lock.unlock(), std::logic_error);
}

TEST_F(SyncTest, LockTimesOut) {
  Lock lock;
  ASSERT_TRUE(lock.lock());
  auto other = spawn([&] { return lock.lock(absl::Milliseconds(5)); });
  EXPECT_FALSE(other.get());
  lock.unlock();
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

// In a greenlet that does not hold `lock`: checks that it cannot take or
// release it, and returns unlock()'s error.
std::string AsStranger(RLock& lock) {
  EXPECT_FALSE(lock.is_owned());
  EXPECT_FALSE(lock.try_lock());
  try {
    lock.unlock();
    return "unlocked";
  } catch (const std::logic_error& e) {
    return e.what();
  }
}

TEST_F(SyncTest, RLockIsReentrantAndOwnerAware) {
  RLock lock;
  ASSERT_TRUE(lock.lock());
  ASSERT_TRUE(lock.lock());  // again, same greenlet
  EXPECT_TRUE(lock.is_owned());
  EXPECT_THAT(spawn([&] { return AsStranger(lock); }).get(),
              HasSubstr("does not hold it"));
  lock.unlock();
  EXPECT_TRUE(lock.locked());  // one level left
  auto waiter = spawn([&] {
    RLockGuard hold(lock);
    return lock.is_owned();
  });
  sleep(absl::ZeroDuration());
  EXPECT_FALSE(waiter.ready());
  lock.unlock();
  EXPECT_TRUE(waiter.get());
  EXPECT_FALSE(lock.locked());
}

// A greenlet that ends holding an RLock keeps it held: the greenlets after it
// (which the hub may run on the same reused RawGreenlet) do not own it.
TEST_F(SyncTest, AnRLockHeldByAnEndedGreenletIsNotOwnedByTheNextOne) {
  RLock lock;
  ASSERT_TRUE(spawn([&] { return lock.lock(); }).get());
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(spawn([&] { return AsStranger(lock); }).get(),
                HasSubstr("does not hold it"));
    EXPECT_TRUE(lock.locked());
  }
}

// --- Ownership: a primitive belongs to the hub of the thread that first used
// it; from any other thread every call throws before touching it.

using testing::kWrongThread;
using testing::RunOnAnotherThread;
using testing::ThrownMisuse;

TEST_F(SyncTest, AnEventRefusesCallsFromAnotherThread) {
  Event e;
  EXPECT_FALSE(e.wait(absl::Milliseconds(1)));  // binds it to this thread's hub
  std::vector<std::string> errors;
  RunOnAnotherThread([&] {
    errors.push_back(ThrownMisuse([&] { e.set(); }));
    errors.push_back(ThrownMisuse([&] { e.clear(); }));
    errors.push_back(ThrownMisuse([&] { (void)e.is_set(); }));
    errors.push_back(ThrownMisuse([&] { e.wait(absl::Milliseconds(1)); }));
  });
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_THAT(errors[0],
              HasSubstr(std::string("Event::set: this Event ") + kWrongThread));
  EXPECT_THAT(errors[1], HasSubstr(kWrongThread));
  EXPECT_THAT(errors[2], HasSubstr(kWrongThread));
  EXPECT_THAT(errors[3], HasSubstr(kWrongThread));
  EXPECT_FALSE(e.is_set());  // the set() from there changed nothing
  e.set();
  EXPECT_TRUE(e.wait());
}

TEST_F(SyncTest, APrimitiveBelongsToTheThreadThatUsesItFirst) {
  Event e;  // made here, first used there
  std::string there;
  RunOnAnotherThread([&] {
    there = ThrownMisuse([&] {
      e.set();
      EXPECT_TRUE(e.wait());
    });
  });
  EXPECT_EQ(there, "");
  EXPECT_THAT(ThrownMisuse([&] { e.clear(); }), HasSubstr(kWrongThread));
}

TEST_F(SyncTest, ALockRefusesCallsFromAnotherThread) {
  Lock lock;
  ASSERT_TRUE(lock.lock());
  std::vector<std::string> errors;
  RunOnAnotherThread([&] {
    errors.push_back(ThrownMisuse([&] { lock.unlock(); }));
    errors.push_back(ThrownMisuse([&] { (void)lock.try_lock(); }));
    errors.push_back(ThrownMisuse([&] { lock.lock(absl::Milliseconds(1)); }));
    errors.push_back(ThrownMisuse([&] { (void)lock.locked(); }));
  });
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_THAT(errors[0], HasSubstr(std::string("Lock::unlock: this Lock ") +
                                   kWrongThread));
  for (const std::string& e : errors) EXPECT_THAT(e, HasSubstr(kWrongThread));
  EXPECT_TRUE(lock.locked());  // the unlock from there changed nothing
  lock.unlock();
}

TEST_F(SyncTest, AnRLockRefusesCallsFromAnotherThread) {
  RLock lock;
  ASSERT_TRUE(lock.lock());
  std::vector<std::string> errors;
  RunOnAnotherThread([&] {
    errors.push_back(ThrownMisuse([&] { lock.unlock(); }));
    errors.push_back(ThrownMisuse([&] { (void)lock.try_lock(); }));
    errors.push_back(ThrownMisuse([&] { (void)lock.is_owned(); }));
  });
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr(std::string("RLock::unlock: this RLock ") +
                                   kWrongThread));
  for (const std::string& e : errors) EXPECT_THAT(e, HasSubstr(kWrongThread));
  EXPECT_TRUE(lock.is_owned());
  lock.unlock();
}

TEST_F(SyncTest, ASemaphoreRefusesCallsFromAnotherThread) {
  BoundedSemaphore sem(2);
  ASSERT_TRUE(sem.acquire());
  std::vector<std::string> errors;
  RunOnAnotherThread([&] {
    errors.push_back(ThrownMisuse([&] { sem.release(); }));
    errors.push_back(ThrownMisuse([&] { (void)sem.try_acquire(); }));
    errors.push_back(ThrownMisuse([&] { (void)sem.counter(); }));
  });
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr(kWrongThread));
  EXPECT_THAT(errors[1], HasSubstr(std::string("Semaphore::try_acquire: ") +
                                   "this Semaphore " + kWrongThread));
  EXPECT_THAT(errors[2], HasSubstr(kWrongThread));
  EXPECT_EQ(sem.counter(), 1);
  sem.release();
}

}  // namespace
}  // namespace gevent
