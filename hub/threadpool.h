// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// threadpool.h
//
// A ThreadPool runs blocking code (a CPU-heavy computation, a library call that
// cannot be made cooperative) on OS threads, while the greenlet that asked
// waits without blocking its hub: the other greenlets keep running. The result,
// or the exception, comes back to the caller. gevent.threadpool for C++.
//
//   gevent::ThreadPool pool(4);                       // up to 4 OS threads
//   std::string digest = pool.apply([&] { return sha256(big_file); });
//
// The waiting greenlet is resumed through the hub's cross-thread wake (the
// backend's eventfd), not by polling. Killing it while its call runs leaves the
// pool intact: the call finishes on its thread and its result is dropped.
// apply() may be called from greenlets of any thread; the pool itself is
// thread-safe.

#ifndef GEVENT_HUB_THREADPOOL_H_
#define GEVENT_HUB_THREADPOOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "gevent/hub/hub.h"

namespace gevent {

namespace internal {

// A call handed to a worker thread. `waiter` and `done` are touched only on the
// caller's hub thread (the worker reaches them through Hub::post).
struct ThreadJob {
  virtual ~ThreadJob() = default;
  virtual void Run() = 0;  // on the worker
  Hub* hub = nullptr;
  std::shared_ptr<Mailbox> mailbox;  // hub's; outlives it
  Waiter* waiter = nullptr;
  bool done = false;
};

template <typename R, typename F>
struct ThreadJobOf : ThreadJob {
  explicit ThreadJobOf(F f) : fn(std::move(f)) {}
  void Run() override {
    try {
      if constexpr (std::is_void_v<R>) {
        fn();
      } else {
        value.emplace(fn());
      }
    } catch (...) {
      error = std::current_exception();
    }
  }
  F fn;
  std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> value;
  std::exception_ptr error;
};

}  // namespace internal

class ThreadPool {
 public:
  // At most `max_threads` OS threads, started as work arrives. Throws
  // std::invalid_argument for 0.
  explicit ThreadPool(size_t max_threads);
  // Lets queued calls finish, then stops and joins the threads.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs fn() on a pool thread; parks the calling greenlet until it returns.
  // Returns its value or rethrows its exception. Blocks (the greenlet, not the
  // hub).
  template <typename F>
  auto apply(F fn) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    auto job = std::make_shared<internal::ThreadJobOf<R, F>>(std::move(fn));
    Await(job);
    if (job->error) std::rethrow_exception(job->error);
    if constexpr (!std::is_void_v<R>) return std::move(*job->value);
  }

  size_t max_threads() const { return max_threads_; }
  // Threads started so far.
  size_t threads() const;

 private:
  void Await(const std::shared_ptr<internal::ThreadJob>& job);
  void Submit(std::shared_ptr<internal::ThreadJob> job);
  void Worker();

  const size_t max_threads_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<internal::ThreadJob>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace gevent

#endif  // GEVENT_HUB_THREADPOOL_H_
