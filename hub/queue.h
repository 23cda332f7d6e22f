// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// queue.h
//
// Queues that pass items between greenlets: Queue (FIFO), LifoQueue,
// PriorityQueue (smallest first, as Python's heapq) and JoinableQueue
// (task_done and join). Bounded or unbounded; get() parks while the queue is
// empty, put() while it is full. Items go to waiting getters first come, first
// served, and a getter woken for an item always gets it.
//
//   gevent::Queue<std::string> urls(100);              // at most 100 queued
//   auto producer = gevent::spawn([&] {
//     for (auto& u : all_urls) urls.put(u).IgnoreError();  // parks when full
//     urls.close();                                      // no more items
//   });
//   for (std::string& url : urls) fetch(url);  // until closed and empty
//
// Results are statuses: put_nowait on a full queue is ResourceExhausted,
// get_nowait on an empty one Unavailable, a timeout DeadlineExceeded, get() on
// a closed and drained queue OutOfRange, put() on a closed queue
// FailedPrecondition. A put that fails leaves an rvalue item unmoved: nothing
// is lost.
//
// Not thread-safe: a queue belongs to the hub of the thread that first uses it.
// From any other thread, put and get return FailedPrecondition and the other
// calls throw WrongThreadError (hub.h), leaving the queue untouched.

#ifndef GEVENT_HUB_QUEUE_H_
#define GEVENT_HUB_QUEUE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/wait_queue.h"

namespace gevent {

namespace internal {

template <typename T>
struct FifoContainer {
  std::deque<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() {
    T v = std::move(items.front());
    items.pop_front();
    return v;
  }
  size_t size() const { return items.size(); }
};

template <typename T>
struct LifoContainer {
  std::vector<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() {
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  size_t size() const { return items.size(); }
};

template <typename T, typename Less>
struct PriorityContainer {
  std::vector<T> heap;
  // std heaps keep the largest first; invert to pop the smallest.
  static bool After(const T& a, const T& b) { return Less()(b, a); }
  void push(T&& v) {
    heap.push_back(std::move(v));
    std::push_heap(heap.begin(), heap.end(), &After);
  }
  T pop() {
    std::pop_heap(heap.begin(), heap.end(), &After);
    T v = std::move(heap.back());
    heap.pop_back();
    return v;
  }
  size_t size() const { return heap.size(); }
};

}  // namespace internal

template <typename T, typename Container>
class BasicQueue {
 public:
  static constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();

  // maxsize: how many items it holds before put() parks (kUnbounded: never).
  explicit BasicQueue(size_t maxsize = kUnbounded) : maxsize_(maxsize) {}
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  // Adds an item, parking while the queue is full, up to `timeout`. Blocks.
  absl::Status put(T&& item,
                   absl::Duration timeout = absl::InfiniteDuration()) {
    return Put(item, timeout, false);
  }
  absl::Status put(const T& item,
                   absl::Duration timeout = absl::InfiniteDuration()) {
    T copy(item);
    return Put(copy, timeout, false);
  }
  // Adds an item if there is room now; ResourceExhausted otherwise.
  absl::Status put_nowait(T&& item) {
    return Put(item, absl::ZeroDuration(), true);
  }
  absl::Status put_nowait(const T& item) {
    T copy(item);
    return Put(copy, absl::ZeroDuration(), true);
  }

  // Takes the next item, parking while the queue is empty, up to `timeout`.
  // Blocks.
  absl::StatusOr<T> get(absl::Duration timeout = absl::InfiniteDuration()) {
    return Get(timeout, false);
  }
  // Takes the next item if there is one now; Unavailable otherwise.
  absl::StatusOr<T> get_nowait() { return Get(absl::ZeroDuration(), true); }

  // No more items: waiting putters fail (FailedPrecondition, their items
  // untouched), getters drain what is queued, then get OutOfRange.
  void close() {
    getters_.Enter("Queue::close", "Queue");
    closed_ = true;
    getters_.NotifyAll();
    putters_.NotifyAll();
  }
  bool closed() const {
    getters_.Observe("Queue::closed", "Queue");
    return closed_;
  }

  size_t qsize() const {
    getters_.Observe("Queue::qsize", "Queue");
    return items_.size();
  }
  bool empty() const { return qsize() == 0; }
  bool full() const { return qsize() >= maxsize_; }
  size_t maxsize() const { return maxsize_; }

  // Iterates with get() until the queue is closed and drained. Blocks.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = T*;
    using reference = T&;
    iterator() = default;
    explicit iterator(BasicQueue* q) : q_(q) { ++*this; }
    T& operator*() { return *item_; }
    iterator& operator++() {
      absl::StatusOr<T> next = q_->get();
      if (next.ok()) {
        item_.emplace(std::move(*next));
      } else {
        item_.reset();
        q_ = nullptr;
      }
      return *this;
    }
    bool operator==(const iterator& o) const { return q_ == o.q_; }

   private:
    BasicQueue* q_ = nullptr;
    std::optional<T> item_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 protected:
  // A parked putter's item; taken by the getter that frees room for it.
  struct PutSlot {
    T* item;
    bool taken = false;
  };
  // A parked getter's slot; filled by the putter that serves it.
  struct GetSlot {
    std::optional<T> item;
  };

  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::Status Put(T& item, absl::Duration timeout,
                                                bool nowait) {
    if (ABSL_PREDICT_FALSE(!getters_.Owned())) {
      return getters_.WrongThread(nowait ? "Queue::put_nowait" : "Queue::put",
                                  "Queue");
    }
    const int64_t deadline = internal::DeadlineAfter(timeout, "Queue::put");
    if (closed_)
      return absl::FailedPreconditionError("put: the queue is closed");
    void* p;
    if (items_.size() == 0 && getters_.NotifyOne(&p)) {
      static_cast<GetSlot*>(p)->item.emplace(std::move(item));
      return absl::OkStatus();
    }
    if (items_.size() < maxsize_) {
      items_.push(std::move(item));
      return absl::OkStatus();
    }
    if (nowait) {
      return absl::ResourceExhaustedError(
          absl::StrCat("put_nowait: the queue is full (", maxsize_, " items)"));
    }
    if (deadline >= 0 && deadline <= internal::MonotonicNowNs()) {
      return TimedOut("put", timeout);
    }
    PutSlot slot{&item};
    putters_.Wait(deadline, &slot, "Queue.put");
    if (slot.taken) return absl::OkStatus();
    if (closed_)
      return absl::FailedPreconditionError("put: the queue was closed");
    return TimedOut("put", timeout);
  }

  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::StatusOr<T> Get(absl::Duration timeout,
                                                     bool nowait) {
    Hub* hub = getters_.Bound();
    if (ABSL_PREDICT_FALSE(hub == nullptr)) {
      return getters_.WrongThread(nowait ? "Queue::get_nowait" : "Queue::get",
                                  "Queue");
    }
    const int64_t deadline = internal::DeadlineAfter(timeout, "Queue::get");
    void* p;
    if (items_.size() > 0) {
      T v = items_.pop();
      // Room for the longest-waiting putter's item.
      if (items_.size() < maxsize_ && putters_.NotifyOne(&p)) {
        auto* slot = static_cast<PutSlot*>(p);
        slot->taken = true;
        items_.push(std::move(*slot->item));
      }
      return v;
    }
    if (putters_.NotifyOne(&p)) {  // no room at all (a Channel): hand-off
      auto* slot = static_cast<PutSlot*>(p);
      slot->taken = true;
      return T(std::move(*slot->item));
    }
    if (closed_)
      return absl::OutOfRangeError("get: the queue is closed and empty");
    if (nowait) return absl::UnavailableError("get_nowait: the queue is empty");
    if (deadline >= 0 && deadline <= internal::MonotonicNowNs()) {
      return TimedOut("get", timeout);
    }
    GetSlot slot;
    getters_.WaitEntered(*hub, deadline, &slot, "Queue.get");
    if (slot.item) return std::move(*slot.item);
    if (closed_) return absl::OutOfRangeError("get: the queue was closed");
    return TimedOut("get", timeout);
  }

  static absl::Status TimedOut(const char* what, absl::Duration timeout) {
    return absl::DeadlineExceededError(absl::StrCat(
        what, ": timed out after ", absl::FormatDuration(timeout)));
  }

  size_t maxsize_;
  bool closed_ = false;
  Container items_;
  internal::WaitQueue getters_;
  internal::WaitQueue putters_;
};

template <typename T>
using Queue = BasicQueue<T, internal::FifoContainer<T>>;

template <typename T>
using LifoQueue = BasicQueue<T, internal::LifoContainer<T>>;

// Pops the smallest item first (by Less), as Python's heapq.
template <typename T, typename Less = std::less<T>>
using PriorityQueue = BasicQueue<T, internal::PriorityContainer<T, Less>>;

// A Queue that counts unfinished work: every item put is a task, task_done()
// finishes one, join() waits until all are done.
//
//   gevent::JoinableQueue<Job> jobs;
//   for (int i = 0; i < 4; ++i) workers.push_back(gevent::spawn([&] {
//     for (Job& j : jobs) { run(j); jobs.task_done(); }
//   }));
//   jobs.join();   // every job ran
template <typename T>
class JoinableQueue : public Queue<T> {
 public:
  using Queue<T>::Queue;

  absl::Status put(T&& item,
                   absl::Duration timeout = absl::InfiniteDuration()) {
    return Count(Queue<T>::put(std::move(item), timeout));
  }
  absl::Status put(const T& item,
                   absl::Duration timeout = absl::InfiniteDuration()) {
    return Count(Queue<T>::put(item, timeout));
  }
  absl::Status put_nowait(T&& item) {
    return Count(Queue<T>::put_nowait(std::move(item)));
  }
  absl::Status put_nowait(const T& item) {
    return Count(Queue<T>::put_nowait(item));
  }

  // One task finished. Throws std::logic_error (changing nothing) if called
  // more often than items were put.
  void task_done() {
    this->getters_.Enter("JoinableQueue::task_done", "Queue");
    if (unfinished_ == 0) {
      throw std::logic_error("JoinableQueue::task_done called too many times");
    }
    if (--unfinished_ == 0) done_.NotifyAll();
  }
  // Parks until every item put has been marked done (true), or `timeout` passes
  // (false). Blocks.
  bool join(absl::Duration timeout = absl::InfiniteDuration()) {
    this->getters_.Enter("JoinableQueue::join", "Queue");
    const int64_t deadline = internal::DeadlineAfter(timeout, "Queue::join");
    while (unfinished_ > 0) {
      if (!done_.Wait(deadline, nullptr, "Queue.join")) return unfinished_ == 0;
    }
    return true;
  }
  size_t unfinished_tasks() const {
    this->getters_.Observe("JoinableQueue::unfinished_tasks", "Queue");
    return unfinished_;
  }

 private:
  absl::Status Count(absl::Status s) {
    if (s.ok()) ++unfinished_;
    return s;
  }
  size_t unfinished_ = 0;
  internal::WaitQueue done_;
};

}  // namespace gevent

#endif  // GEVENT_HUB_QUEUE_H_
