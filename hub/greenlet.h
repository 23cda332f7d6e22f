// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// greenlet.h
//
// Greenlet<T> is a handle to a function running as a green thread on this
// thread's hub: gevent's Greenlet. spawn() starts one; get() waits for its
// result (or rethrows its exception); kill() raises GreenletExit at its
// blocking point so its destructors run.
//
//   gevent::Greenlet<int> g = gevent::spawn([](int x) {
//     gevent::sleep(absl::Milliseconds(10));
//     return x * 2;
//   }, 21);
//   int v = g.get();                            // 42; blocks this greenlet
//
//   gevent::Greenlet<void> later(download_photos, "alice");  // not started yet
//   later.start();
//   gevent::joinall(std::vector{later});
//
// Handles are cheap to copy (reference counted); the greenlet runs to its end
// whether or not a handle remains. A Greenlet belongs to the thread whose hub
// runs it: using it from another thread is an error (GreenletError, or a
// FailedPrecondition status where one is returned).

#ifndef GEVENT_HUB_GREENLET_H_
#define GEVENT_HUB_GREENLET_H_

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/task.h"
#include "gevent/hub/timeout.h"

namespace gevent {

// Thrown by Greenlet::get() when the greenlet was killed instead of returning.
class GreenletKilled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SpawnOptions {
  // Shown in errors and dumps. Default: "greenlet-<id>".
  std::string name;
  // Usable stack bytes. Default: kDefaultStackSize (64 KiB).
  size_t stack_size = kDefaultStackSize;
};

namespace internal {

absl::Status Join(TaskBase* t, absl::Duration timeout);
absl::Status Kill(TaskBase* t, absl::Duration timeout, bool block);
void Start(TaskBase* t);
void StartLater(TaskBase* t, absl::Duration delay);
// Fires `fn` when `t` ends (at once if it has).
void AddCallbackLink(TaskBase* t, absl::AnyInvocable<void()> fn, uint64_t* id);
void RemoveCallbackLink(TaskBase* t, uint64_t id);
void CheckOwnerThread(const TaskBase* t, const char* what);
[[noreturn]] void ThrowKilled(const TaskBase* t);
std::vector<size_t> Wait(std::span<TaskBase* const> tasks,
                         absl::Duration timeout, size_t count);

template <typename F, typename... Args>
auto Bind(F&& fn, Args&&... args) {
  return [f = std::forward<F>(fn),
          tup = std::make_tuple(std::forward<Args>(args)...)]() mutable {
    return std::apply(f, std::move(tup));
  };
}

}  // namespace internal

template <typename T = void>
class Greenlet {
 public:
  using value_type = T;

  // An empty handle.
  Greenlet() = default;

  // An unstarted greenlet that will run fn(args...) (copied or moved in) once
  // start()ed, as gevent's Greenlet(run, *args).
  template <typename F, typename... Args>
  requires std::is_invocable_v < std::decay_t<F>
  &, std::decay_t<Args>... > explicit Greenlet(F&& fn, Args&&... args)
      : Greenlet(SpawnOptions{}, std::forward<F>(fn),
                 std::forward<Args>(args)...) {}

  template <typename F, typename... Args>
  requires std::is_invocable_v < std::decay_t<F>
  &, std::decay_t<Args>... >
         Greenlet(SpawnOptions options, F&& fn, Args&&... args) {
    auto bound =
        internal::Bind(std::forward<F>(fn), std::forward<Args>(args)...);
    static_assert(std::is_same_v<decltype(bound()), T>,
                  "Greenlet<T>: the function must return T");
    task_ = new internal::Task<T, decltype(bound)>(
        &Hub::current(), std::move(options.name), options.stack_size,
        std::move(bound));
  }

  Greenlet(const Greenlet& o) : task_(o.task_) {
    if (task_) task_->AddRef();
  }
  Greenlet(Greenlet&& o) noexcept : task_(std::exchange(o.task_, nullptr)) {}
  Greenlet& operator=(Greenlet o) noexcept {
    std::swap(task_, o.task_);
    return *this;
  }
  ~Greenlet() {
    if (task_) task_->Release();
  }

  explicit operator bool() const { return task_ != nullptr; }

  // Schedules the greenlet to run (after the greenlets already ready). A no-op
  // if it was started already.
  void start() { internal::Start(task_); }
  // Schedules it to run after `delay`. Throws std::invalid_argument if
  // negative.
  void start_later(absl::Duration delay) { internal::StartLater(task_, delay); }

  // Waits until it has ended (returned, raised or been killed).
  // DeadlineExceeded after `timeout`; FailedPrecondition when joining itself or
  // from another thread; InvalidArgument for a negative timeout. Blocks.
  absl::Status join(absl::Duration timeout = absl::InfiniteDuration()) const {
    // Inline for the common case of one that has ended (joinall's loop).
    if (task_ != nullptr && task_->dead() &&
        task_->hub == Hub::current_if_exists() &&
        timeout >= absl::ZeroDuration()) {
      return absl::OkStatus();
    }
    return internal::Join(task_, timeout);
  }

  // Waits for the result: its value, or its exception rethrown here;
  // GreenletKilled if it was killed. Blocks.
  T get() const {
    absl::Status s = join();
    if (!s.ok()) throw GreenletError(std::string(s.message()));
    return Result();
  }
  // As get(), but throws gevent::Timeout if it has not ended within `timeout`.
  T get(absl::Duration timeout) const {
    absl::Status s = join(timeout);
    if (absl::IsDeadlineExceeded(s)) throw Timeout::Expired(timeout);
    if (!s.ok()) throw GreenletError(std::string(s.message()));
    return Result();
  }

  // Raises GreenletExit in the greenlet at its blocking point (cancelling I/O
  // in flight), so it unwinds and its destructors run; one never started just
  // ends. With `block`, waits up to `timeout` for it to end (DeadlineExceeded
  // if it has not). FailedPrecondition if it is already dead or already being
  // killed. Killing the current greenlet throws GreenletExit at once. Blocks if
  // `block`.
  absl::Status kill(absl::Duration timeout = absl::InfiniteDuration(),
                    bool block = true) const {
    return internal::Kill(task_, timeout, block);
  }

  bool started() const { return task_ && task_->started(); }
  // Ended, in any way (gevent's ready()).
  bool ready() const { return task_ && task_->dead(); }
  bool dead() const { return ready(); }
  // Ended by returning (not raising, not killed).
  bool successful() const {
    return ready() && !task_->exception && !task_->killed;
  }
  bool killed() const { return task_ && task_->killed; }
  // The exception it ended with, or null.
  std::exception_ptr exception() const {
    return task_ ? task_->exception : nullptr;
  }
  // Its value; only when successful().
  template <typename U = T>
  requires(!std::is_void_v<U>) const U& value() const { return *task_->value; }
  const std::string& name() const { return task_->name(); }

  // Calls `callback(greenlet)` when it ends (at once if it has), in the ending
  // greenlet. link_value only if it returned; link_exception only if it raised.
  // Returns an id for unlink().
  uint64_t link(absl::AnyInvocable<void(Greenlet<T>&)> callback) const {
    return Link(std::move(callback), /*when=*/0);
  }
  uint64_t link_value(absl::AnyInvocable<void(Greenlet<T>&)> callback) const {
    return Link(std::move(callback), 1);
  }
  uint64_t link_exception(
      absl::AnyInvocable<void(Greenlet<T>&)> callback) const {
    return Link(std::move(callback), 2);
  }
  void unlink(uint64_t id) const { internal::RemoveCallbackLink(task_, id); }

  internal::TaskBase* task() const { return task_; }

 private:
  explicit Greenlet(internal::TaskWithValue<T>* t) : task_(t) {
    if (task_) task_->AddRef();
  }

  T Result() const {
    if (task_->exception) std::rethrow_exception(task_->exception);
    if (task_->killed) internal::ThrowKilled(task_);
    if constexpr (!std::is_void_v<T>) return *task_->value;
  }

  uint64_t Link(absl::AnyInvocable<void(Greenlet<T>&)> callback,
                int when) const {
    uint64_t id = 0;
    internal::TaskWithValue<T>* t = task_;
    internal::AddCallbackLink(
        task_,
        [t, when, cb = std::move(callback)]() mutable {
          const bool raised = t->exception != nullptr;
          const bool returned = !raised && !t->killed;
          if (when == 1 && !returned) return;
          if (when == 2 && !raised) return;
          Greenlet<T> self(t);
          cb(self);
        },
        &id);
    return id;
  }

  internal::TaskWithValue<T>* task_ = nullptr;
};

// Creates a greenlet running fn(args...) and schedules it. Returns its handle.
template <typename F, typename... Args>
requires std::is_invocable_v < std::decay_t<F>
&, std::decay_t<Args>... > auto spawn(F&& fn, Args&&... args) {
  using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>...>;
  Greenlet<R> g(std::forward<F>(fn), std::forward<Args>(args)...);
  g.task()->hub->ScheduleStart(g.task());  // new, on this thread's hub
  return g;
}

// spawn() with options (name, stack size).
template <typename F, typename... Args>
requires std::is_invocable_v < std::decay_t<F>
&, std::decay_t<Args>... >
       auto spawn(SpawnOptions options, F&& fn, Args&&... args) {
  using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>...>;
  Greenlet<R> g(std::move(options), std::forward<F>(fn),
                std::forward<Args>(args)...);
  g.task()->hub->ScheduleStart(g.task());  // new, on this thread's hub
  return g;
}

// Creates a greenlet that starts after `delay`.
template <typename F, typename... Args>
requires std::is_invocable_v < std::decay_t<F>
&, std::decay_t<Args>... >
       auto spawn_later(absl::Duration delay, F&& fn, Args&&... args) {
  using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>...>;
  Greenlet<R> g(std::forward<F>(fn), std::forward<Args>(args)...);
  g.start_later(delay);
  return g;
}

// Waits until every greenlet has ended. DeadlineExceeded if some have not
// within `timeout`. With raise_error, rethrows the first exception one of them
// ended with. Blocks.
template <typename T>
absl::Status joinall(const std::vector<Greenlet<T>>& greenlets,
                     absl::Duration timeout = absl::InfiniteDuration(),
                     bool raise_error = false) {
  if (absl::Status s = internal::CheckTimeout(timeout, "gevent::joinall");
      !s.ok()) {
    return s;
  }
  const int64_t deadline = internal::DeadlineAfter(timeout, "gevent::joinall");
  for (const Greenlet<T>& g : greenlets) {
    absl::Duration left = absl::InfiniteDuration();
    if (deadline >= 0) {
      left = absl::Nanoseconds(
          std::max<int64_t>(0, deadline - internal::MonotonicNowNs()));
    }
    if (absl::Status s = g.join(left); !s.ok()) return s;
    if (raise_error && g.exception()) std::rethrow_exception(g.exception());
  }
  return absl::OkStatus();
}

// Waits until `count` of the greenlets have ended (all of them when count is
// 0), or `timeout` passes. Returns the indices of those that have ended, in
// order. Throws std::invalid_argument for a negative timeout. Blocks.
template <typename T>
std::vector<size_t> wait(const std::vector<Greenlet<T>>& greenlets,
                         absl::Duration timeout = absl::InfiniteDuration(),
                         size_t count = 0) {
  std::vector<internal::TaskBase*> tasks;
  tasks.reserve(greenlets.size());
  for (const Greenlet<T>& g : greenlets) tasks.push_back(g.task());
  return internal::Wait(tasks, timeout, count);
}

// Kills every greenlet (see Greenlet::kill); with `block`, waits for all of
// them up to `timeout`. Dead ones are skipped. Blocks if `block`.
template <typename T>
absl::Status killall(const std::vector<Greenlet<T>>& greenlets,
                     absl::Duration timeout = absl::InfiniteDuration(),
                     bool block = true) {
  for (const Greenlet<T>& g : greenlets) {
    if (!g.dead()) (void)g.kill(absl::ZeroDuration(), /*block=*/false);
  }
  if (!block) return absl::OkStatus();
  return joinall(greenlets, timeout);
}

}  // namespace gevent

#endif  // GEVENT_HUB_GREENLET_H_
