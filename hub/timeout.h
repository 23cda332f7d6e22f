// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// timeout.h
//
// A Timeout bounds how long the code in its scope may block. Once its duration
// has passed, the greenlet that created it gets a gevent::Timeout exception at
// its next blocking point (sleep, I/O, join, a lock...); leaving the scope
// first cancels it. Timeouts nest: each exception knows which Timeout raised
// it.
//
//   try {
//     gevent::Timeout deadline(absl::Seconds(2));
//     fetch_everything();                 // any blocking call in here
//   } catch (const gevent::Timeout& t) {  // 2 s passed
//   }
//
//   absl::StatusOr<int> n = gevent::with_timeout(absl::Seconds(1), [] {
//     return count_lines();               // DeadlineExceeded after 1 s
//   });
//
// The exception is a copy of the scoped object, unarmed; is(t) tells whether an
// exception came from the Timeout `t`. A Timeout belongs to the greenlet (and
// thread) that created it.

#ifndef GEVENT_HUB_TIMEOUT_H_
#define GEVENT_HUB_TIMEOUT_H_

#include <cstdint>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/timer_heap.h"

namespace gevent {

class Timeout {
 public:
  // Starts counting now. InfiniteDuration() never fires. Throws
  // std::invalid_argument for a negative duration.
  explicit Timeout(absl::Duration duration);
  // Cancels it if it has not fired; a raise still pending for this Timeout is
  // dropped (the scope ended before any blocking point).
  ~Timeout();

  // Copies are the exception objects: unarmed, same identity.
  Timeout(const Timeout& other);
  Timeout& operator=(const Timeout&) = delete;

  // An exception object for a wait that timed out with no scoped Timeout (as
  // Greenlet::get(timeout) throws).
  static Timeout Expired(absl::Duration duration);

  // Stops the timer; nothing is raised after this.
  void cancel();
  // Armed and not yet fired.
  bool pending() const { return timer_.armed(); }
  // Whether this (exception) came from `t`.
  bool is(const Timeout& t) const { return id_ == t.id_; }
  absl::Duration duration() const { return duration_; }
  const char* what() const noexcept { return what_.c_str(); }

 private:
  struct ExpiredTag {};
  Timeout(absl::Duration duration, ExpiredTag);
  static void Fire(internal::Timer* t);

  internal::Timer timer_;
  Hub* hub_ = nullptr;
  internal::Record* record_ = nullptr;
  uint64_t id_;
  absl::Duration duration_;
  std::string what_;
  bool owner_ = false;  // the scoped original, not a copy
};

// Runs fn() with a Timeout of `duration` around it. Returns its result, or
// DeadlineExceeded if that Timeout fired (another Timeout's exception passes
// through). InvalidArgument for a negative duration. Blocks as fn does.
template <typename F>
auto with_timeout(absl::Duration duration, F&& fn)
    -> std::conditional_t<std::is_void_v<std::invoke_result_t<F>>, absl::Status,
                          absl::StatusOr<std::invoke_result_t<F>>> {
  if (absl::Status s = internal::CheckTimeout(duration, "gevent::with_timeout");
      !s.ok()) {
    return s;
  }
  Timeout t(duration);
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      std::forward<F>(fn)();
      return absl::OkStatus();
    } else {
      return std::forward<F>(fn)();
    }
  } catch (const Timeout& e) {
    if (!e.is(t)) throw;
    return absl::DeadlineExceededError(
        absl::StrCat("timed out after ", absl::FormatDuration(duration)));
  }
}

}  // namespace gevent

#endif  // GEVENT_HUB_TIMEOUT_H_
