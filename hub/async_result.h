// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// async_result.h
//
// An AsyncResult<T> is a one-shot box for a value or an exception that
// greenlets can wait for: gevent's AsyncResult. It can be a greenlet's link
// target, so that a greenlet's outcome lands in it.
//
//   gevent::AsyncResult<int> answer;
//   gevent::spawn([&] { answer.set(compute()); });
//   int v = answer.get();                     // parks until set
//
//   gevent::Greenlet<int> g = gevent::spawn(compute);
//   g.link(answer);                           // answer gets g's value or error
//
// Not thread-safe: serves the greenlets of one thread (ThreadPool hands results
// across threads for you).

#ifndef GEVENT_HUB_ASYNC_RESULT_H_
#define GEVENT_HUB_ASYNC_RESULT_H_

#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/wait_queue.h"
#include "gevent/hub/timeout.h"

namespace gevent {

namespace internal {
template <typename T>
struct ValueBox {
  std::optional<T> value;
};
template <>
struct ValueBox<void> {
  bool value = false;
};
}  // namespace internal

template <typename T = void>
class AsyncResult {
 public:
  AsyncResult() = default;
  AsyncResult(const AsyncResult&) = delete;
  AsyncResult& operator=(const AsyncResult&) = delete;

  // Stores the value (replacing an earlier one) and wakes every waiter.
  template <typename U = T>
  requires(!std::is_void_v<U>) void set(U value) {
    box_.value.emplace(std::move(value));
    error_ = nullptr;
    waiters_.NotifyAll();
  }
  template <typename U = T>
  requires std::is_void_v<U>
  void set() {
    box_.value = true;
    error_ = nullptr;
    waiters_.NotifyAll();
  }
  // Stores an exception for get() to rethrow, and wakes every waiter.
  void set_exception(std::exception_ptr error) {
    error_ = std::move(error);
    waiters_.NotifyAll();
  }

  bool ready() const { return HasValue() || error_ != nullptr; }
  bool successful() const { return HasValue() && error_ == nullptr; }
  std::exception_ptr exception() const { return error_; }

  // Parks until it is ready: OK, or DeadlineExceeded after `timeout`. Blocks.
  absl::Status wait(absl::Duration timeout = absl::InfiniteDuration()) {
    const int64_t deadline =
        internal::DeadlineAfter(timeout, "AsyncResult::wait");
    while (!ready()) {
      if (deadline >= 0 && deadline <= internal::MonotonicNowNs()) break;
      if (!waiters_.Wait(deadline, nullptr, "AsyncResult.get")) break;
    }
    if (ready()) return absl::OkStatus();
    return absl::DeadlineExceededError(absl::StrCat(
        "AsyncResult: not ready after ", absl::FormatDuration(timeout)));
  }

  // The value, or the stored exception rethrown; throws gevent::Timeout if not
  // ready within `timeout`. Blocks.
  T get(absl::Duration timeout = absl::InfiniteDuration()) {
    if (!wait(timeout).ok()) throw Timeout::Expired(timeout);
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<T>) return *box_.value;
  }

  // As a link target: takes a greenlet's outcome (a killed one's is
  // GreenletKilled).
  void operator()(Greenlet<T>& g) {
    if (g.exception()) {
      set_exception(g.exception());
    } else if (g.killed()) {
      set_exception(std::make_exception_ptr(
          GreenletKilled("greenlet '" + g.name() + "' was killed")));
    } else if constexpr (std::is_void_v<T>) {
      set();
    } else {
      set(g.value());
    }
  }

 private:
  bool HasValue() const {
    if constexpr (std::is_void_v<T>) {
      return box_.value;
    } else {
      return box_.value.has_value();
    }
  }

  internal::ValueBox<T> box_;
  std::exception_ptr error_;
  internal::WaitQueue waiters_;
};

}  // namespace gevent

#endif  // GEVENT_HUB_ASYNC_RESULT_H_
