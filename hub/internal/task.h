// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// task.h (internal)
//
// A spawned greenlet's state, shared by its Greenlet<T> handles and the hub:
// the RawGreenlet that runs it, its hub record, its result, and the links fired
// when it ends. One allocation per spawn. Users see it only through
// Greenlet<T>.

#ifndef GEVENT_HUB_INTERNAL_TASK_H_
#define GEVENT_HUB_INTERNAL_TASK_H_

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/timer_heap.h"

namespace gevent::internal {

// Fired once when a task ends. Intrusive: joiners keep theirs on their stack.
struct Link {
  Link* prev = nullptr;
  Link* next = nullptr;
  void (*fire)(Link*) = nullptr;
  bool linked = false;
};

// Circular, so that one pointer per task holds it.
class LinkList {
 public:
  void PushBack(Link* l);
  void Remove(Link* l);
  Link* PopFront();
  bool empty() const { return head_ == nullptr; }

 private:
  Link* head_ = nullptr;
};

// A user's link() callback, owned by the task.
struct CallbackLink : Link {
  absl::AnyInvocable<void()> fn;
  uint64_t id = 0;
};

// What few tasks need.
struct TaskExtras {
  Timer start_timer;  // start_later()
  std::vector<std::unique_ptr<CallbackLink>> callbacks;
};

class TaskBase {
 public:
  enum class State : uint8_t { kUnstarted, kScheduled, kRunning, kDead };

  TaskBase(Hub* hub, std::string&& name, size_t stack_size);
  virtual ~TaskBase() = default;
  TaskBase(const TaskBase&) = delete;
  TaskBase& operator=(const TaskBase&) = delete;

  // Tasks come from a per-thread cache of freed ones (by size class), not from
  // malloc: a spawn costs no allocator call in steady state, and a burst of
  // spawns does not fault in fresh heap pages every time.
  static void* operator new(size_t size);
  static void operator delete(void* p, size_t size);

  void AddRef() { ++refs; }
  TaskExtras& Extras() {
    if (!extras) extras = std::make_unique<TaskExtras>();
    return *extras;
  }
  void Release() {
    if (--refs == 0) delete this;
  }

  bool dead() const { return state == State::kDead; }
  bool started() const { return state != State::kUnstarted; }
  // Ends a task that has not run yet: it never will. Fires its links.
  void KillBeforeStart();
  // Marks the task dead and fires its links (in the calling greenlet).
  void FireLinks();

  Hub* const hub;
  RawGreenlet raw;
  Record record;
  Waiter start_entry;
  State state = State::kUnstarted;
  bool kill_requested = false;
  bool killed = false;
  int refs = 1;  // (packs with the flags above)
  std::exception_ptr exception;
  LinkList links;
  // start_later()'s timer and link() callbacks: rare, so out of line.
  std::unique_ptr<TaskExtras> extras;
  TaskBase* live_prev = nullptr;
  TaskBase* live_next = nullptr;
  // For dumps: who spawned it, and when (the hub's last clock reading, so a
  // spawn costs no clock call).
  uint64_t spawner_id = 0;
  int64_t spawned_at_ns = 0;

 protected:
  // Runs the user's function and stores its result; may throw.
  virtual void RunBody() = 0;
  // Destroys the user's function (and what it captured).
  virtual void DropBody() = 0;

 private:
  void* Main();
};

template <typename T>
class TaskWithValue : public TaskBase {
 public:
  using TaskBase::TaskBase;
  std::optional<T> value;
};

template <>
class TaskWithValue<void> : public TaskBase {
 public:
  using TaskBase::TaskBase;
};

template <typename T, typename Fn>
class Task final : public TaskWithValue<T> {
 public:
  Task(Hub* hub, std::string&& name, size_t stack_size, Fn&& fn)
      : TaskWithValue<T>(hub, std::move(name), stack_size),
        fn_(std::move(fn)) {}

 private:
  void RunBody() override {
    if constexpr (std::is_void_v<T>) {
      (*fn_)();
    } else {
      this->value.emplace((*fn_)());
    }
  }
  void DropBody() override { fn_.reset(); }

  std::optional<Fn> fn_;
};

}  // namespace gevent::internal

#endif  // GEVENT_HUB_INTERNAL_TASK_H_
