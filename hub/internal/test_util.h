// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// test_util.h (internal, testonly)
//
// Leak checks for hub and io tests: open fds and greenlet stacks in use,
// counted before and after a test. Helpers for the ownership tests: a call
// made from another thread, and the misuse error it throws. Overlap, for tests
// that show blocking calls waiting together.

#ifndef GEVENT_HUB_INTERNAL_TEST_UTIL_H_
#define GEVENT_HUB_INTERNAL_TEST_UTIL_H_

#include <dirent.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/hub.h"

namespace gevent::testing {

// How many greenlets a test may hold alive at once: TSan counts each as a
// thread and stops at 8128.
#if defined(__SANITIZE_THREAD__)
inline constexpr int kManyGreenlets = 2000;
#else
inline constexpr int kManyGreenlets = 10000;
#endif

// Counts how many greenlets are inside a section at once. A call that blocks
// the thread lets one greenlet through at a time, so a peak above one shows
// that the calls overlapped, on a machine of any speed and under any
// sanitizer: tests of "1,000 sleeps wait together" assert on it, not on time.
//
//   testing::Overlap overlap;
//   spawn([&] { auto inside = overlap.Enter(); ::sleep(1); });
//   ...
//   EXPECT_GT(overlap.peak(), 1);
class Overlap {
 public:
  class Inside {
   public:
    explicit Inside(Overlap& o) : o_(o) {
      if (++o_.now_ > o_.peak_) o_.peak_ = o_.now_;
    }
    ~Inside() { --o_.now_; }
    Inside(const Inside&) = delete;
    Inside& operator=(const Inside&) = delete;

   private:
    Overlap& o_;
  };

  // Greenlets of one hub only: the counts are not atomic.
  [[nodiscard]] Inside Enter() { return Inside(*this); }
  int peak() const { return peak_; }

 private:
  int now_ = 0;
  int peak_ = 0;
};

inline int CountOpenFds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

inline size_t StacksInUse() {
  return internal::ThisThreadStackPool().stats().stacks_in_use;
}

// Fails the test if fds or greenlet stacks leaked between construction and
// destruction.
class LeakCheck {
 public:
  static void StartHub() { sleep(absl::Nanoseconds(1)); }

  // Brings the hub up first (its epoll fd, eventfd and loop greenlet are not
  // leaks), then counts.
  LeakCheck() : fds_((StartHub(), CountOpenFds())), stacks_(StacksInUse()) {}
  ~LeakCheck() {
    EXPECT_EQ(CountOpenFds(), fds_) << "file descriptors leaked";
    EXPECT_EQ(StacksInUse(), stacks_) << "greenlets left alive";
  }

 private:
  int fds_;
  size_t stacks_;
};

// What a call on an object from a thread whose hub does not own it fails with
// (in the message of the status or of the exception).
inline constexpr char kWrongThread[] = "belongs to another thread's hub";

// `s` is what a call from the wrong thread returns: FailedPrecondition naming
// the owner's hub.
inline ::testing::AssertionResult IsWrongThread(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kFailedPrecondition &&
      s.message().find(kWrongThread) != absl::string_view::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "not a wrong-thread error: " << s;
}

// Runs `fn` on a new OS thread, which has no hub until something makes one,
// and waits for it. The join orders everything `fn` did before the caller's
// next step, so a check that fails before touching the object leaves nothing
// for TSan to report.
template <typename F>
void RunOnAnotherThread(F&& fn) {
  std::thread t(std::forward<F>(fn));
  t.join();
}

// The message of the GreenletError (WrongThreadError, BlockingSwitchOutError)
// that `fn` throws; "" if it returns.
template <typename F>
std::string ThrownMisuse(F&& fn) {
  try {
    fn();
  } catch (const GreenletError& e) {
    return e.what();
  }
  return "";
}

}  // namespace gevent::testing

#endif  // GEVENT_HUB_INTERNAL_TEST_UTIL_H_
