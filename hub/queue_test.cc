// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Queue, LifoQueue, PriorityQueue, JoinableQueue, Channel. Runs once per
// backend.

#include "gevent/hub/queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/channel.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class QueueTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

template <typename Q>
std::vector<int> Drain(Q& q) {
  std::vector<int> out;
  while (true) {
    absl::StatusOr<int> v = q.get_nowait();
    if (!v.ok()) break;
    out.push_back(*v);
  }
  return out;
}

TEST_F(QueueTest, OrderOfEachKind) {
  Queue<int> fifo;
  LifoQueue<int> lifo;
  PriorityQueue<int> prio;
  for (int v : {3, 1, 2}) {
    ASSERT_TRUE(fifo.put(v).ok());
    ASSERT_TRUE(lifo.put(v).ok());
    ASSERT_TRUE(prio.put(v).ok());
  }
  EXPECT_THAT(Drain(fifo), ElementsAre(3, 1, 2));
  EXPECT_THAT(Drain(lifo), ElementsAre(2, 1, 3));
  EXPECT_THAT(Drain(prio), ElementsAre(1, 2, 3));
}

TEST_F(QueueTest, NowaitResultsAreClearAndLoseNothing) {
  Queue<std::unique_ptr<int>> q(1);
  EXPECT_TRUE(absl::IsUnavailable(q.get_nowait().status()));
  ASSERT_TRUE(q.put_nowait(std::make_unique<int>(1)).ok());
  auto second = std::make_unique<int>(2);
  absl::Status full = q.put_nowait(std::move(second));
  EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
  ASSERT_NE(second, nullptr);  // not moved from: the caller still has it
  EXPECT_EQ(*second, 2);
  EXPECT_TRUE(q.full());
}

TEST_F(QueueTest, TimeoutsAreDeadlineExceeded) {
  Queue<int> q(1);
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.get(absl::Milliseconds(5)).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(5));
  ASSERT_TRUE(q.put(1).ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(q.put(2, absl::Milliseconds(5))));
  EXPECT_EQ(q.qsize(), 1u);
  EXPECT_THROW((void)q.get(absl::Seconds(-1)), std::invalid_argument);
}

TEST_F(QueueTest, BoundedPutParksUntilThereIsRoomAndKeepsOrder) {
  Queue<int> q(2);
  auto producer = spawn([&] {
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(q.put(i).ok());
  });
  sleep(absl::ZeroDuration());  // producer fills 2 and parks on the third
  EXPECT_EQ(q.qsize(), 2u);
  EXPECT_FALSE(producer.ready());
  std::vector<int> got;
  for (int i = 0; i < 5; ++i) got.push_back(*q.get());
  EXPECT_THAT(got, ElementsAre(0, 1, 2, 3, 4));
  ASSERT_TRUE(producer.join().ok());
}

TEST_F(QueueTest, GettersAreServedFirstComeFirstServed) {
  Queue<int> q;
  std::vector<std::string> got;
  std::vector<Greenlet<void>> gs;
  for (const char* name : {"a", "b", "c"}) {
    gs.push_back(spawn([&, name] {
      got.push_back(std::string(name) + std::to_string(*q.get()));
    }));
  }
  sleep(absl::ZeroDuration());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(q.put(i).ok());
  ASSERT_TRUE(joinall(gs).ok());
  EXPECT_THAT(got, ElementsAre("a1", "b2", "c3"));
}

TEST_F(QueueTest, ManyProducersAndConsumersLoseAndDuplicateNothing) {
  constexpr int kProducers = 10, kConsumers = 10, kEach = 1000;
  Queue<int> q(16);
  std::vector<int> seen(kProducers * kEach, 0);
  long sum = 0;
  std::vector<Greenlet<void>> producers, consumers;
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(spawn([&, p] {
      for (int i = 0; i < kEach; ++i) {
        ASSERT_TRUE(q.put(p * kEach + i).ok());
        if (i % 7 == 0) sleep(absl::ZeroDuration());
      }
    }));
  }
  for (int c = 0; c < kConsumers; ++c) {
    consumers.push_back(spawn([&] {
      for (int v : q) {
        ++seen[v];
        sum += v;
      }
    }));
  }
  ASSERT_TRUE(joinall(producers).ok());
  q.close();
  ASSERT_TRUE(joinall(consumers).ok());
  const long n = kProducers * kEach;
  EXPECT_EQ(sum, (n - 1) * n / 2);
  for (int count : seen) ASSERT_EQ(count, 1);
}

TEST_F(QueueTest, AKilledGetterLeavesTheQueueConsistent) {
  Queue<int> q;
  auto doomed = spawn([&] { (void)q.get(); });
  auto next = spawn([&] { return *q.get(); });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(doomed.kill().ok());
  ASSERT_TRUE(q.put(7).ok());
  EXPECT_EQ(next.get(), 7);  // the item went to the live getter
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, AKilledPutterDoesNotInsertItsItem) {
  Queue<int> q(1);
  ASSERT_TRUE(q.put(1).ok());
  auto doomed = spawn([&] { (void)q.put(2); });
  sleep(absl::ZeroDuration());
  EXPECT_TRUE(doomed.kill().ok());
  EXPECT_EQ(*q.get(), 1);
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(absl::IsUnavailable(q.get_nowait().status()));
}

TEST_F(QueueTest, CloseDrainsThenEndsIteration) {
  Queue<int> q(1);
  ASSERT_TRUE(q.put(1).ok());
  auto blocked_putter = spawn([&] { return q.put(2); });
  sleep(absl::ZeroDuration());
  q.close();
  EXPECT_TRUE(absl::IsFailedPrecondition(blocked_putter.get()));
  EXPECT_TRUE(absl::IsFailedPrecondition(q.put(3)));
  std::vector<int> rest;
  for (int v : q) rest.push_back(v);
  EXPECT_THAT(rest, ElementsAre(1));
  EXPECT_TRUE(absl::IsOutOfRange(q.get().status()));
}

TEST_F(QueueTest, JoinableQueueJoinWaitsForEveryTask) {
  JoinableQueue<int> jobs;
  int done = 0;
  std::vector<Greenlet<void>> workers;
  for (int w = 0; w < 3; ++w) {
    workers.push_back(spawn([&] {
      for (int j : jobs) {
        sleep(absl::Microseconds(100 * j));
        ++done;
        jobs.task_done();
      }
    }));
  }
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(jobs.put(i).ok());
  EXPECT_FALSE(jobs.join(absl::ZeroDuration()));
  EXPECT_TRUE(jobs.join());
  EXPECT_EQ(done, 10);
  EXPECT_EQ(jobs.unfinished_tasks(), 0u);
  EXPECT_THROW(jobs.task_done(), std::logic_error);
  jobs.close();
  ASSERT_TRUE(joinall(workers).ok());
}

TEST_F(QueueTest, ChannelPutWaitsForAGetter) {
  Channel<int> ch;
  bool put_returned = false;
  auto putter = spawn([&] {
    EXPECT_TRUE(ch.put(42).ok());
    put_returned = true;
  });
  sleep(absl::Milliseconds(2));
  EXPECT_FALSE(put_returned);  // nobody took it yet
  EXPECT_EQ(ch.qsize(), 0u);   // and it is not buffered
  EXPECT_EQ(*ch.get(), 42);
  ASSERT_TRUE(putter.join().ok());
  EXPECT_TRUE(put_returned);
  EXPECT_TRUE(absl::IsResourceExhausted(ch.put_nowait(1)));  // no getter
}

TEST_F(QueueTest, ChannelGetWaitsForAPutterAndIteratesUntilClosed) {
  Channel<int> ch;
  int total = 0;
  auto consumer = spawn([&] {
    for (int v : ch) total += v;
  });
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(ch.put(i).ok());
  ch.close();
  ASSERT_TRUE(consumer.join().ok());
  EXPECT_EQ(total, 55);
}

// --- Ownership: a queue belongs to the hub of the thread that first used it.

TEST_F(QueueTest, AQueueRefusesCallsFromAnotherThread) {
  using testing::kWrongThread;
  Queue<int> q;
  ASSERT_TRUE(q.put(1).ok());  // binds it to this thread's hub
  std::vector<absl::Status> statuses;
  std::vector<std::string> thrown;
  testing::RunOnAnotherThread([&] {
    statuses.push_back(q.put(2));
    statuses.push_back(q.put_nowait(3));
    statuses.push_back(q.get(absl::Milliseconds(1)).status());
    statuses.push_back(q.get_nowait().status());
    thrown.push_back(testing::ThrownMisuse([&] { q.close(); }));
    thrown.push_back(testing::ThrownMisuse([&] { (void)q.qsize(); }));
    thrown.push_back(testing::ThrownMisuse([&] { (void)q.closed(); }));
  });
  ASSERT_EQ(statuses.size(), 4u);
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(testing::IsWrongThread(s));
  }
  EXPECT_THAT(std::string(statuses[0].message()),
              HasSubstr(std::string("Queue::put: this Queue ") + kWrongThread));
  for (const std::string& e : thrown) EXPECT_THAT(e, HasSubstr(kWrongThread));
  // Nothing from there got in or out, and the queue is still open.
  EXPECT_EQ(q.qsize(), 1u);
  EXPECT_FALSE(q.closed());
  EXPECT_EQ(*q.get(), 1);
}

TEST_F(QueueTest, AJoinableQueueRefusesTaskDoneFromAnotherThread) {
  JoinableQueue<int> q;
  ASSERT_TRUE(q.put(1).ok());
  std::string error;
  testing::RunOnAnotherThread(
      [&] { error = testing::ThrownMisuse([&] { q.task_done(); }); });
  EXPECT_THAT(error, HasSubstr(testing::kWrongThread));
  EXPECT_EQ(q.unfinished_tasks(), 1u);
}

}  // namespace
}  // namespace gevent
