// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// wake_fd.h (internal)
//
// The eventfd every backend watches so that Backend::Wake() (from any thread,
// or a signal handler) makes a Poll() return. Writes coalesce: only the first
// Notify() after a Drain() touches the kernel.

#ifndef GEVENT_BACKENDS_INTERNAL_WAKE_FD_H_
#define GEVENT_BACKENDS_INTERNAL_WAKE_FD_H_

#include <atomic>
#include <cstdint>

namespace gevent::internal {

class WakeFd {
 public:
  // Throws std::system_error if the eventfd cannot be made.
  WakeFd();
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;

  int fd() const { return fd_; }
  // Thread-safe and async-signal-safe.
  void Notify();
  // After the fd was seen readable: reads it empty and re-arms Notify().
  void Drain();
  // For a completion backend that read the counter itself.
  void Rearm() { pending_.store(false, std::memory_order_release); }

 private:
  int fd_;
  std::atomic<bool> pending_{false};
};

}  // namespace gevent::internal

#endif  // GEVENT_BACKENDS_INTERNAL_WAKE_FD_H_
