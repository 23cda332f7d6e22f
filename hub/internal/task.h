// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// task.h (internal)
//
// A spawned greenlet's state, shared by its Greenlet<T> handles and the hub:
// its hub record, its result, and the links fired when it ends. One allocation
// per spawn. The RawGreenlet that runs it is the task's only from its start to
// its end (the hub takes an ended one back for the next task, or makes one), so
// that a batch of spawned or ended tasks costs memory traffic for small objects
// only.
// Users see it only through Greenlet<T>.

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

// Destroys and frees a greenlet made by TaskBase::MakeRunner.
void DestroyRunner(RawGreenlet* g);

class TaskBase {
 public:
  enum class State : uint8_t { kUnstarted, kScheduled, kRunning, kDead };

  TaskBase(Hub* hub, std::string&& name, size_t stack_size);
  // (Inline: an out-of-line virtual would make task.cc, built without debug
  // info, the only place the class is described, and tools/gdb reads it.)
  virtual ~TaskBase() {
    if (raw != nullptr) DestroyRunner(raw);
  }
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

  // The name given at spawn, or "greenlet-<id>" (the running greenlet's too).
  const std::string& name() const;
  // Makes `raw`, the greenlet that will run the task (the hub, when it first
  // dispatches the task's start entry).
  RawGreenlet* MakeRunner();
  // Lets go of `raw` once it has ended and its stack has been left: the hub
  // keeps it for a later task, or it is freed. On the hub's thread.
  void DropRunner();

  bool dead() const { return state == State::kDead; }
  bool started() const { return state != State::kUnstarted; }
  // Ends a task that has not run yet: it never will. Fires its links.
  void KillBeforeStart();
  // Marks the task dead and fires its links (in the calling greenlet).
  void FireLinks();
  // The runner's body: runs the user's function, then ends the task.
  void* Main();

  Hub* const hub;
  RawGreenlet* raw = nullptr;  // while it runs (see MakeRunner)
  Record record;
  // Its place in the ready queue until it starts: `greenlet` is null until
  // the hub dispatches it and makes `raw`.
  Waiter start_entry;
  State state = State::kUnstarted;
  bool kill_requested = false;
  bool killed = false;
  bool named = false;  // name_ was given at spawn
  int refs = 1;        // (packs with the flags above)
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
  const uint64_t id;
  const uint32_t stack_size;

 protected:
  // Runs the user's function and stores its result; may throw.
  virtual void RunBody() = 0;
  // Destroys the user's function (and what it captured).
  virtual void DropBody() = 0;

 private:
  mutable std::unique_ptr<std::string> name_;  // made on first ask if not given
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
