// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// hub.h
//
// The Hub is a thread's scheduler: a greenlet that runs the event loop (ready
// greenlets, timers, the I/O backend) and to which a greenlet gives control
// when it would block. One hub per OS thread, created on first use. Most code
// never names it: gevent::sleep, wait_read, spawn and the sync primitives find
// it themselves.
//
//   gevent::sleep(absl::Milliseconds(50));     // parks this greenlet 50 ms
//   gevent::sleep(absl::ZeroDuration());       // yields to the others
//   absl::Status s = gevent::wait_read(fd, absl::Seconds(1));
//   gevent::Hub::current().post([] { ... });   // from any thread
//
// Scheduling: ready greenlets run in FIFO order. A greenlet that blocks hands
// control straight to the next ready one (one switch, no detour through the
// hub). The hub takes control back at least every kDispatchesPerPoll switches
// to fire timers and run posts, and blocks in the backend only when nothing is
// ready. While greenlets are ready it polls the backend without blocking at
// most every kMinPollIntervalNs (a syscall per yield would cost more than the
// yield), except that I/O the backend holds for a poll (io_uring's queued
// submissions) is polled for at the end of the round, once every greenlet that
// was ready when the last poll ended has run, as gevent polls once per pass
// over its callbacks: a send, receive or accept the kernel could finish at once
// waits for no more than a round of busy greenlets, on any backend. A blocking
// call made while nothing else can ever wake the caller (no ready greenlet,
// timer, I/O or pending post) raises gevent::LoopExit, as gevent does.
//
// Misuse fails loudly: a blocking call from the hub itself (a timer, link or
// post callback) throws BlockingSwitchOutError; a negative duration throws
// std::invalid_argument (or is an InvalidArgument status where one is
// returned).
//
// Not thread-safe, except post(): a hub and its greenlets belong to one thread.
// So do the objects its greenlets use: a Socket, File, Event, Queue, Lock or
// server belongs to the hub of the thread that first uses it, and a call from
// any other thread fails before it touches the object (FailedPrecondition where
// a status is returned, WrongThreadError otherwise). Hub::post runs a call on
// the owner's thread.

#ifndef GEVENT_HUB_HUB_H_
#define GEVENT_HUB_HUB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gevent/backends/backend.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/internal/owner.h"
#include "gevent/hub/internal/timer_heap.h"
#include "gevent/hub/monitor.h"

namespace gevent {

// A blocking call that would wait forever: nothing left could wake the caller.
class LoopExit : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A blocking call made from the hub greenlet itself.
class BlockingSwitchOutError : public GreenletError {
 public:
  using GreenletError::GreenletError;
};

// A call on an object that belongs to another thread's hub (an Event, Queue,
// Lock, server...) from a function that returns no status. Functions that
// return one give FailedPrecondition with the same message instead.
class WrongThreadError : public GreenletError {
 public:
  using GreenletError::GreenletError;
};

class Hub;

// A hub's always-on counters (Hub::stats()): a snapshot, callable from any
// thread (a metrics exporter, the monitor).
struct HubStats {
  uint64_t switches = 0;           // greenlet switches on the hub's thread
  uint64_t greenlets_spawned = 0;  // started on this hub (spawn, start)
  uint64_t greenlets_alive = 0;    // started and not yet ended
  uint64_t greenlets_killed = 0;   // ended by kill (also before they ran)
  uint64_t loop_iterations = 0;    // passes of the hub's loop
  uint64_t polls = 0;              // calls into the backend's poll
  absl::Duration time_in_poll;     // spent in those calls (mostly waiting)
  uint64_t io_ops = 0;             // I/O operations given to the backend
  uint64_t timers_fired = 0;       // sleeps, timeouts and delayed starts due
};

namespace internal {

// A counter written by one thread and read by any: the write is a plain add
// (no locked instruction), the read a relaxed load.
class Counter {
 public:
  void Add(uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void Sub(uint64_t n = 1) { Add(-n); }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class TaskBase;
struct Waiter;

// Greenlet-local values (Local<T>), destroyed when the greenlet ends.
struct LocalValue {
  virtual ~LocalValue() = default;
};
struct LocalStorage {
  std::vector<std::pair<uint64_t, std::unique_ptr<LocalValue>>> values;
  LocalValue* Find(uint64_t id) const {
    for (const auto& [key, v] : values) {
      if (key == id) return v.get();
    }
    return nullptr;
  }
  void Add(uint64_t id, std::unique_ptr<LocalValue> v) {
    values.emplace_back(id, std::move(v));
  }
};

// What the hub keeps per greenlet it runs (spawned ones, the thread's root and
// the hub itself), reached through RawGreenlet::scheduler_data().
struct Record {
  Waiter* parked = nullptr;  // the waiter it is parked on, if any
  // Raised at the next interruptible blocking point (a kill or a Timeout that
  // came while the greenlet could not take it at once).
  std::exception_ptr pending_error;
  const void* pending_owner = nullptr;
  TaskBase* task = nullptr;  // null for the root and the hub
  bool is_hub = false;
  std::unique_ptr<LocalStorage> locals;
};

// A parked greenlet's place in the hub's ready queue. It lives on the parked
// greenlet's stack, so parking allocates nothing.
struct Waiter {
  Waiter(RawGreenlet* g, Record* r) : greenlet(g), record(r) {}
  RawGreenlet* greenlet;
  Record* record;
  Waiter* next = nullptr;
  void* value = nullptr;
  std::exception_ptr error;
  // What it waits for, for dumps (format_run_info): a static text, and the fd
  // for I/O.
  const char* what = nullptr;
  int fd = -1;
  bool woken = false;
  bool interruptible = true;
};

// Where other threads leave work for a hub (Hub::post). Shared with them, so
// that a thread finishing after the hub has gone finds the mailbox closed
// instead of a freed hub.
struct Mailbox {
  std::mutex mu;
  std::vector<absl::AnyInvocable<void()>> posts;
  std::atomic<bool> has_posts{false};
  Backend* backend = nullptr;  // null once the hub is gone; guarded by mu
  // Queues `fn` and wakes the hub. False (and `fn` dropped) once the hub is
  // gone. The wake happens under `mu`, so the hub cannot close its backend
  // in the middle of it.
  bool Post(absl::AnyInvocable<void()> fn);
};

// Lists a hub for dump_on_signal (run_info.cc).
void RegisterHubForDumps(const std::shared_ptr<Mailbox>& mailbox);

// Owner tag of a pending kill (kills win over Timeouts).
inline constexpr char kKillOwner = 0;

// The wake value that means "your deadline passed".
extern void* const kTimedOut;
// A Timer callback that wakes the Waiter in its context with kTimedOut.
void WakeTimedOut(Timer* t);

}  // namespace internal

class Hub {
 public:
  // The hub gets control back at least every kDispatchesPerPoll switches (for
  // timers and posts); it polls the backend then if kMinPollIntervalNs has
  // passed since the last poll, or at once if the backend holds I/O for a poll
  // (Backend::needs_poll); it gets control back sooner for that I/O (see
  // PollAtRoundEnd in hub.cc).
  static constexpr int kDispatchesPerPoll = 64;
  static constexpr int64_t kMinPollIntervalNs = 50'000;

  // The calling thread's hub, created on first use.
  static Hub& current();
  // The calling thread's hub, or null if it has none yet.
  static Hub* current_if_exists();

  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;
  ~Hub();

  // Runs `fn` in this hub's thread, inside the hub, soon. Callable from any
  // thread (and wakes the hub if it is blocked in the backend). `fn` must not
  // block.
  void post(absl::AnyInvocable<void()> fn) { mailbox_->Post(std::move(fn)); }
  // The hub's mailbox, for threads that may outlive it: post through it, and a
  // post after the hub is gone is dropped instead of touching freed memory.
  const std::shared_ptr<internal::Mailbox>& mailbox() const { return mailbox_; }

  // Work started elsewhere (another thread) that will come back through post():
  // while any is outstanding the hub waits for it instead of raising LoopExit.
  void add_external_work() { external_work_.fetch_add(1); }
  void remove_external_work() { external_work_.fetch_sub(1); }

  // The backend this program was built with: "epoll", "libevent" or "io_uring".
  std::string_view backend_name() const { return backend_->name(); }
  Backend& backend() { return *backend_; }

  // --- for the library's own blocking primitives
  // ------------------------------

  // The current greenlet's record. Throws BlockingSwitchOutError in the hub and
  // GreenletError in a greenlet the hub does not run.
  internal::Record* CurrentRecord();
  // Parks the current greenlet (whose waiter `w` is) until `w` is woken.
  // Returns the wake value, or throws the wake error (or a pending kill/Timeout
  // when `w` is interruptible). Blocks.
  void* Park(internal::Waiter& w);
  // Puts `w`'s greenlet at the back of the ready queue with `value`. Only the
  // first wake of a waiter counts.
  void Wake(internal::Waiter& w, void* value = nullptr);
  void WakeWithError(internal::Waiter& w, std::exception_ptr error);
  // Raises `error` in the greenlet of `r` at its blocking point: now if it is
  // parked interruptibly, else at its next blocking point.
  void DeliverError(internal::Record& r, std::exception_ptr error,
                    const void* owner);
  void StartTimer(internal::Timer& t, int64_t deadline) {
    timers_.Push(&t, deadline);
  }
  void CancelTimer(internal::Timer& t) { timers_.Remove(&t); }
  // Runs `op` through the backend, parking the current greenlet while it is in
  // flight. Returns op.result, or -ETIMEDOUT once `deadline` (monotonic ns;
  // negative: none) passes. If the greenlet is killed meanwhile, the op is
  // cancelled and awaited before the exception propagates, so its buffer is
  // never used after this returns. Blocks.
  int64_t Io(IoOp& op, int64_t deadline);
  // Runs the `n` ops at once, parking the current greenlet until one of them
  // completes or `deadline` passes; the others are then cancelled and awaited
  // (also when the greenlet is killed), so every op is over when this returns.
  // Each op's result is set (-ECANCELED for the cancelled). Returns how many
  // completed on their own: 0 means the deadline passed. Blocks.
  int IoAny(IoOp* const* ops, size_t n, int64_t deadline);
  // `fd` is about to be closed: greenlets waiting on it wake with EBADF.
  void CloseFd(int fd) {
    backend_->CloseFd(fd);
    PollAtRoundEnd();  // io_uring completes the fd's ops through a poll
  }
  // Moves the current greenlet to the back of the ready queue and runs the next
  // one: sleep(ZeroDuration()). Blocks.
  void Yield();
  // Schedules a spawned greenlet's first run (now, or at `deadline`).
  void ScheduleStart(internal::TaskBase* task);
  void ScheduleStartAt(internal::TaskBase* task, int64_t deadline);
  // Ends a task that has not run yet (killed before it started).
  void KillUnstarted(internal::TaskBase* task);
  // Spawned greenlets that started and have not ended hold a hub reference.
  void TaskStarted(internal::TaskBase* task);
  // Called by a dying task, on its own stack: picks who runs next.
  RawGreenlet* TaskFinished(internal::TaskBase* task, void** value);
  RawGreenlet* hub_greenlet() { return &hub_greenlet_; }
  // Ended greenlets that ran tasks, kept for the next tasks to start on
  // (TaskBase::MakeRunner): a start then costs no allocation or construction.
  std::vector<RawGreenlet*>& spare_runners() { return spare_runners_; }

  // Starts a watchdog thread for this hub (gevent's monitor thread; see
  // monitor.h), replacing one already running. Call on the hub's thread.
  void start_monitor();
  void start_monitor(MonitorOptions options);
  void stop_monitor();
  // The running monitor, or null.
  Monitor* monitor() const { return monitor_.get(); }

  // format_run_info() (run_info.h) for this hub; call on its thread.
  std::string run_info();

  // This hub's counters. Any thread may call it.
  HubStats stats() const;
  // The hub's thread (gettid). Any thread.
  int thread_id() const { return thread_id_; }
  // True while the hub's thread waits in the backend (nothing to run): what a
  // monitor needs to tell an idle hub from a blocked one. Any thread.
  bool in_poll() const { return in_poll_.load(std::memory_order_relaxed); }

 private:
  Hub();
  void Loop();
  void* SwitchOut();
  void* Resume(internal::Waiter* w);
  [[gnu::noinline]] void* ResumeWithError(internal::Waiter* w);
  [[noreturn, gnu::noinline]] void ThrowPending(internal::Waiter& w);
  [[gnu::noinline]] static Hub& CreateForThisThread();
  internal::Waiter* PopReady();
  [[gnu::noinline]] internal::Waiter* PopReadySlow(internal::Waiter* w);
  void RemoveReady(internal::Waiter* w);  // O(n): for rare paths only
  void PushReady(internal::Waiter* w);
  void PollAtRoundEnd();
  void RunPosts();
  void FireTimers(int64_t now);
  void ReleaseZombie();
  void UnlinkLive(internal::TaskBase* task);
  [[noreturn]] void ThrowNotRunByHub() const;
  void OnLoopExit();

  std::unique_ptr<Backend> backend_;
  std::shared_ptr<internal::Mailbox> mailbox_;
  internal::Record root_record_;
  internal::Record hub_record_;
  RawGreenlet hub_greenlet_;
  internal::Waiter* ready_head_ = nullptr;
  internal::Waiter* ready_tail_ = nullptr;
  // Waiters put in and taken out of the ready queue so far, and the count of
  // takes at which the current round (a pass over the greenlets that were
  // ready when the last poll ended) ends: PollAtRoundEnd.
  uint64_t pushed_ = 0;
  uint64_t popped_ = 0;
  uint64_t round_end_ = 0;
  // Switches to ready greenlets left before the hub takes control back.
  size_t dispatches_left_ = kDispatchesPerPoll;
  int64_t last_poll_ = 0;
  internal::TimerHeap timers_;
  internal::TaskBase* live_ = nullptr;    // started, not yet ended
  internal::TaskBase* zombie_ = nullptr;  // ended; freed once off its stack
  std::vector<RawGreenlet*> spare_runners_;
  bool shutting_down_ = false;
  std::atomic<int> external_work_{0};
  // Counters (stats()).
  const std::atomic<uint64_t>* switches_;  // the thread's, kept by greenlet/
  internal::Counter spawned_;
  internal::Counter ended_;
  internal::Counter killed_;
  internal::Counter loops_;
  internal::Counter polls_;
  internal::Counter poll_ns_;
  internal::Counter io_ops_;
  internal::Counter timers_fired_;
  std::atomic<bool> in_poll_{false};
  const int thread_id_;
  std::unique_ptr<Monitor> monitor_;
};

// Suspends the current greenlet for `duration`; sleep(ZeroDuration()) yields to
// the other ready greenlets. Throws std::invalid_argument for a negative
// duration. Blocks.
inline void sleep(absl::Duration duration);

// Parks the current greenlet until `fd` is readable / writable.
// DeadlineExceeded after `timeout`; FailedPrecondition if another greenlet
// already waits on that side of `fd`; Cancelled if the fd is closed meanwhile
// (Hub::CloseFd); the errno text for a bad fd. Blocks.
absl::Status wait_read(int fd,
                       absl::Duration timeout = absl::InfiniteDuration());
absl::Status wait_write(int fd,
                        absl::Duration timeout = absl::InfiniteDuration());

// The backend this program was built with.
std::string_view backend_name();

namespace internal {
// A deadline `d` from now in monotonic ns; -1 for an infinite `d`. Throws
// std::invalid_argument for a negative `d`, naming `what`.
int64_t DeadlineAfterSlow(absl::Duration d, const char* what);
inline int64_t DeadlineAfter(absl::Duration d, const char* what) {
  if (d == absl::InfiniteDuration()) return -1;  // the common case: no clock
  return DeadlineAfterSlow(d, what);
}
// InvalidArgument for a negative timeout, OK otherwise.
absl::Status CheckTimeout(absl::Duration d, const char* what);
}  // namespace internal

// --- the hot path, inline: a call layer around a switch costs more than the
// bookkeeping (each one adds a return the CPU mispredicts after the switch) ---

inline Hub& Hub::current() {
  Hub* h = internal::tls_hub;
  if (ABSL_PREDICT_FALSE(h == nullptr)) return CreateForThisThread();
  return *h;
}

inline Hub* Hub::current_if_exists() { return internal::tls_hub; }

ABSL_ATTRIBUTE_ALWAYS_INLINE inline internal::Record* Hub::CurrentRecord() {
  auto* r =
      static_cast<internal::Record*>(RawGreenlet::current()->scheduler_data());
  if (ABSL_PREDICT_FALSE(r == nullptr || r->is_hub)) ThrowNotRunByHub();
  return r;
}

inline void Hub::PushReady(internal::Waiter* w) {
  w->next = nullptr;
  if (ready_tail_) {
    ready_tail_->next = w;
  } else {
    ready_head_ = w;
  }
  ready_tail_ = w;
  ++pushed_;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline internal::Waiter* Hub::PopReady() {
  internal::Waiter* w = ready_head_;
  if (w == nullptr) return nullptr;
  ++popped_;
  internal::Waiter* next = w->next;
  ready_head_ = next;
  if (next == nullptr) {
    ready_tail_ = nullptr;
  } else {
    // Waiters live on their greenlets' stacks: with many greenlets each one is
    // a cache miss. `next` was prefetched by the previous pop; start fetching
    // its greenlet and the waiter after it while this one runs.
    __builtin_prefetch(next->greenlet);
    __builtin_prefetch(next->next);
  }
  // A task's start entry has no greenlet yet; PopReadySlow makes it.
  if (w->greenlet == nullptr || ABSL_PREDICT_FALSE(w->greenlet->dead())) {
    return PopReadySlow(w);
  }
  return w;
}

inline void Hub::Wake(internal::Waiter& w, void* value) {
  if (w.woken) return;
  w.woken = true;
  w.value = value;
  PushReady(&w);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void* Hub::Resume(internal::Waiter* w) {
  if (ABSL_PREDICT_FALSE(w->error != nullptr)) return ResumeWithError(w);
  return w->greenlet->switch_to(w->value);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void* Hub::SwitchOut() {
  if (ready_head_ && dispatches_left_ > 0) {
    if (internal::Waiter* w = PopReady()) {
      --dispatches_left_;
      return Resume(w);
    }
  }
  return hub_greenlet_.switch_to(nullptr);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void* Hub::Park(internal::Waiter& w) {
  internal::Record* r = w.record;
  if (ABSL_PREDICT_FALSE(r->pending_error != nullptr) && w.interruptible) {
    ThrowPending(w);
  }
  r->parked = &w;
  struct Unpark {
    internal::Record* r;
    ~Unpark() { r->parked = nullptr; }
  } unpark{r};
  return SwitchOut();
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Hub::Yield() {
  internal::Waiter w(RawGreenlet::current(), CurrentRecord());
  w.what = "sleep(0)";
  Wake(w);
  Park(w);
}

namespace internal {
void SleepFor(absl::Duration duration);
}  // namespace internal

inline void sleep(absl::Duration duration) {
  if (duration == absl::ZeroDuration()) {
    Hub::current().Yield();
  } else {
    internal::SleepFor(duration);
  }
}

}  // namespace gevent

#endif  // GEVENT_HUB_HUB_H_
