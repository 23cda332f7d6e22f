// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// monitor.h
//
// A watchdog for a hub, like gevent's monitor thread: it notices a greenlet
// that keeps the hub from running the others (a CPU-bound loop, a blocking
// call that was not made cooperative) and reports which greenlet it is, how
// long it has held the thread, and its stack. Off by default.
//
//   gevent::Hub::current().start_monitor();  // 100 ms threshold, to stderr
//   // or, for every hub of a program: GEVENT_MONITOR_THREAD=1
//   //   (GEVENT_MAX_BLOCKING_TIME=0.1 seconds, GEVENT_MAX_MEMORY_USAGE=bytes)
//
// The monitor thread samples the hub's switch and loop counters. When neither
// has moved for max_blocking_time while the hub was not waiting in its
// backend, and greenlets are alive to be starved, it sends the hub's thread a
// signal (SIGURG, which nothing else uses by default; the handler passes on
// signals that are not its own) whose handler records the running greenlet
// and its stack; the monitor thread symbolizes it and reports once per
// episode. The signal interrupts a blocking system call in the culprit: most
// restart (SA_RESTART), but sleep, poll and epoll_wait return early with
// EINTR, as they would for any signal.
//
// Optionally it also watches the process's resident memory and calls back
// when it first goes above a limit (and again after it fell below).

#ifndef GEVENT_HUB_MONITOR_H_
#define GEVENT_HUB_MONITOR_H_

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace gevent {

class Hub;

// What the monitor found: a greenlet that held its hub's thread too long.
struct BlockingReport {
  std::string greenlet;  // its name; "main" for the thread's own stack
  uint64_t greenlet_id = 0;
  absl::Duration blocked_for;  // at least this long, when it was caught
  absl::Duration threshold;
  int thread_id = 0;               // the hub's thread (gettid)
  std::vector<std::string> stack;  // "0x... function", innermost first
  // The report as printed by default.
  std::string ToString() const;
};

struct MonitorOptions {
  absl::Duration max_blocking_time = absl::Milliseconds(100);
  // Called on the monitor's thread, once per blocking episode. Default: print
  // BlockingReport::ToString() to stderr.
  std::function<void(const BlockingReport&)> on_blocking;
  // Resident memory limit in bytes; 0: not watched.
  size_t max_memory_bytes = 0;
  // Called on the monitor's thread with the resident size when it first goes
  // above max_memory_bytes. Default: a line on stderr.
  std::function<void(size_t rss_bytes)> on_memory_exceeded;
};

// One hub's watchdog thread. Made by Hub::start_monitor on the hub's thread;
// the hub stops it before it goes.
class Monitor {
 public:
  Monitor(Hub& hub, MonitorOptions options);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  const MonitorOptions& options() const { return options_; }
  // Blocking episodes reported so far.
  uint64_t reports() const;

  // The options GEVENT_MONITOR_THREAD and friends ask for, if it is set to
  // something other than "" or "0" (read once per process).
  static const MonitorOptions* FromEnvironment();
  // The same, read now (for tests).
  static std::optional<MonitorOptions> ParseEnvironment();

 private:
  void Run();
  void Check(absl::Time now);
  void Report(absl::Duration blocked_for);
  void CheckMemory();

  Hub& hub_;
  const MonitorOptions options_;
  const pthread_t hub_thread_;
  const int hub_tid_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  uint64_t reports_ = 0;   // guarded by mu_
  // The monitor thread's own view (touched by it alone).
  uint64_t last_progress_ = ~uint64_t{0};
  absl::Time progress_at_;
  bool reported_ = false;
  bool over_memory_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace gevent

#endif  // GEVENT_HUB_MONITOR_H_
