// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// raw_greenlet.h
//
// A RawGreenlet is a function running on its own small stack, switched to and
// from explicitly on one OS thread: Python's greenlet, in C++, on
// Boost.Context. It is the bottom layer of gevent-cpp; most programs use the
// hub's spawn() instead, which schedules greenlets for you.
//
//   gevent::RawGreenlet* main = gevent::RawGreenlet::current();
//   gevent::RawGreenlet ping([&](void* ball) -> void* {
//     for (int i = 0; i < 3; ++i) ball = main->switch_to(ball);  // back to
//     main return ball;                                                // ends:
//     to parent
//   });
//   int ball = 0;
//   ping.switch_to(&ball);  // starts ping; returns when ping switches back
//
// Semantics follow Python's greenlet:
// - switch_to(v) suspends the caller and resumes the target; v becomes the
//   value of the target's pending switch_to() (or the argument of its body
//   when it starts). Control comes back when someone switches to the caller.
// - When a greenlet's body returns, control passes to its parent (the first
//   one still alive) with the body's result; when the body throws, the
//   exception is rethrown in the parent, where the parent is resumed.
// - throw_into(e) raises e inside the target at its switch point; kill()
//   raises GreenletExit there, so the target unwinds and its destructors run.
// - A RawGreenlet destroyed while suspended is killed first: nothing leaks.
//
// Each greenlet saves the C++ exception-handling state (the exceptions being
// caught and the count of uncaught ones) across a switch, so a switch inside a
// catch block or a destructor that runs during unwinding is safe.
//
// Not thread-safe: a greenlet belongs to the thread that created it. Switching
// to it from another thread is an error (GreenletError), never a silent
// corruption.

#ifndef GEVENT_GREENLET_RAW_GREENLET_H_
#define GEVENT_GREENLET_RAW_GREENLET_H_

#include <atomic>
#include <boost/context/detail/fcontext.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gevent/greenlet/internal/stack_pool.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace gevent {

// Raised inside a greenlet by kill(). It is not a std::exception, so that
// `catch (const std::exception&)` in user code does not stop a kill; a greenlet
// that ends with GreenletExit counts as ended normally.
struct GreenletExit {
  const char* what() const noexcept { return "GreenletExit"; }
};

// Misuse of a greenlet: switching to a dead one, or to one of another thread.
class GreenletError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Default usable stack: enough for ordinary code and small enough that a
// million suspended greenlets fit in memory (only the pages a greenlet touches
// cost memory).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr size_t kDefaultStackSize =
    256 * 1024;  // sanitizers grow frames
#else
inline constexpr size_t kDefaultStackSize = 64 * 1024;
#endif

class RawGreenlet;

struct RawGreenletOptions {
  // Shown in errors and crash reports. Default: "greenlet-<id>".
  std::string name;
  // Usable stack bytes, rounded up to whole pages. Default: kDefaultStackSize.
  size_t stack_size = kDefaultStackSize;
  // Where control goes when the greenlet ends. Default: the greenlet creating
  // it.
  RawGreenlet* parent = nullptr;
};

namespace internal {
struct ThreadState;
// A greenlet's body as a plain function and its argument: fn(arg, value)
// runs the greenlet and returns its result. What a scheduler gives the
// greenlets it creates by the thousand: nothing to build, move or destroy.
struct PlainBody {
  void* (*fn)(void* arg, void* value) = nullptr;
  void* arg = nullptr;
};
// A fresh greenlet id, for a scheduler that names its work before the
// greenlet running it exists (see the PlainBody constructor).
uint64_t NewGreenletId();
struct EhState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};
// The part of a thread's greenlet state that a switch touches. The switch is
// inline (a call layer around jump_fcontext costs more than the switch itself),
// so this is visible here; the rest of the state is private to greenlet.cc.
struct SwitchState {
  RawGreenlet* current;
  RawGreenlet* from;  // who switched last; the resumed side stores its context
  EhState* eh;        // this thread's C++ exception-handling globals
  // Switches made on this thread. Only this thread writes it (a plain add, no
  // locked instruction); monitor threads read it.
  std::atomic<uint64_t> switches{0};
  // RawGreenlet::settrace's tracer, or null.
  absl::AnyInvocable<void(RawGreenlet*, RawGreenlet*)>* tracer = nullptr;
  void CountSwitch(RawGreenlet* origin, RawGreenlet* target) {
    switches.store(switches.load(std::memory_order_relaxed) + 1,
                   std::memory_order_relaxed);
    if (ABSL_PREDICT_FALSE(tracer != nullptr)) (*tracer)(origin, target);
  }
};
// Initial-exec: one instruction to read, even from a shared object.
extern thread_local constinit SwitchState* tls_switch
    __attribute__((tls_model("initial-exec")));
// The stack pool of the calling thread (for tests, benchmarks and monitoring).
StackPool& ThisThreadStackPool();
}  // namespace internal

class RawGreenlet {
 public:
  using Body = absl::AnyInvocable<void*(void*)>;

  // Creates an unstarted greenlet that runs `fn` when first switched to. `fn`
  // is callable as void*(void*) (it receives the first switch's value and its
  // result goes to the parent) or as void() / R() for convenience. No stack is
  // taken until the greenlet starts.
  template <typename F>
  requires(std::is_invocable_r_v<void*, std::decay_t<F>&, void*> ||
           std::is_invocable_v<std::decay_t<
               F>&>) explicit RawGreenlet(F&& fn,
                                          RawGreenletOptions options = {})
      : RawGreenlet(MakeBody(std::forward<F>(fn)), std::move(options), 0) {}

  // For schedulers built on top (the hub): a greenlet running body.fn(body.arg,
  // value), with no name (see set_name) and the given parent (not null) and
  // stack size. `id`, when not 0, is one from internal::NewGreenletId(), so
  // that the greenlet carries the id its scheduler already gave the work.
  RawGreenlet(internal::PlainBody body, RawGreenlet* parent, size_t stack_size,
              uint64_t id = 0);

  // For schedulers: makes this ended greenlet new again, to run `body` under
  // `id` (from internal::NewGreenletId()), with its parent, stack size and
  // settings kept and no name; what a scheduler does instead of destroying one
  // greenlet and constructing the next. False, and nothing changes, unless it
  // is dead, on the calling thread, and has no children left.
  bool Reuse(internal::PlainBody body, uint64_t id);

  // Kills the greenlet if it is suspended (its destructors run), then frees it.
  // Destroying the running greenlet, or a suspended one from another thread, is
  // a fatal error.
  ~RawGreenlet();

  RawGreenlet(const RawGreenlet&) = delete;
  RawGreenlet& operator=(const RawGreenlet&) = delete;

  // The greenlet running on this thread (the thread's root greenlet outside
  // any).
  static RawGreenlet* current() {
    internal::SwitchState* ts = internal::tls_switch;
    if (ABSL_PREDICT_FALSE(ts == nullptr)) return CurrentSlow();
    return ts->current;
  }
  // This thread's root greenlet: the thread's own stack. It never dies.
  static RawGreenlet* root();

  // Switches made on the calling thread so far (switch_to, throw_into, kill,
  // and a greenlet's end). Cheap enough that it is always counted.
  static uint64_t switch_count();
  // The calling thread's switch counter, for a thread that watches this one
  // (gevent's monitor): valid while this thread or any greenlet of it lives.
  static const std::atomic<uint64_t>* switch_counter();

  // greenlet.settrace: calls tracer(origin, target) on the calling thread
  // before each of its switches, for profilers and tracing. The tracer must
  // not switch, and should be quick (it runs on every switch). Null turns
  // tracing off. Returns the tracer it replaces.
  using Tracer =
      absl::AnyInvocable<void(RawGreenlet* origin, RawGreenlet* target)>;
  static Tracer settrace(Tracer tracer);

  // Suspends the caller and runs this greenlet (starting it if new). Returns
  // the value passed by whoever switches back. Rethrows an exception that ended
  // a child whose parent is the caller. Throws GreenletError if this greenlet
  // is dead or belongs to another thread. Blocks the caller until it is
  // switched to again.
  void* switch_to(void* value = nullptr);

  // Like switch_to, but raises `error` inside this greenlet at its switch
  // point. An unstarted greenlet dies without running; the error is then raised
  // in the caller, except GreenletExit, which just ends it. A dead greenlet:
  // GreenletError.
  void* throw_into(std::exception_ptr error);

  // Raises GreenletExit inside this greenlet and returns once control comes
  // back (the killed greenlet's parent becomes the caller, so it does). An
  // unstarted greenlet dies without running. Returns FailedPrecondition, and
  // does nothing, if it is already dead; killing the current greenlet throws
  // GreenletExit right away.
  absl::Status kill();

  // The greenlet control goes to when this one ends.
  RawGreenlet* parent() const { return parent_; }
  // Changes the parent. InvalidArgument if it would make a cycle, or if
  // `parent` is null or belongs to another thread.
  absl::Status set_parent(RawGreenlet* parent);

  bool started() const { return state_ != State::kNew; }
  bool dead() const { return state_ == State::kDead; }
  // Started and not dead: running or suspended.
  bool active() const { return state_ == State::kActive; }

  // The name given in RawGreenletOptions, or "greenlet-<id>".
  const std::string& name() const;
  // The name if one was given (or name() has made one), else "". Allocates
  // nothing, so a signal handler may ask the running greenlet.
  std::string_view given_name() const {
    return name_ ? std::string_view(*name_) : std::string_view();
  }
  // Names it (for errors and dumps), as RawGreenletOptions::name would have.
  void set_name(std::string name);
  uint64_t id() const { return id_; }
  size_t stack_size() const { return stack_size_; }
  bool is_root() const { return is_root_; }
  // The exception that ended this greenlet, or null (also when it ended by
  // kill).
  std::exception_ptr exception() const { return exception_; }

  // For schedulers built on top (the hub): when this greenlet ends, control
  // goes to `next` (with the body's result) instead of the parent, provided
  // `next` is still alive then and on the same thread. Null restores the
  // parent.
  void set_exit_target(RawGreenlet* next) { exit_target_ = next; }
  // For schedulers: this greenlet does not keep a list of its children, which
  // makes creating and destroying them cheaper; it must then outlive every
  // child that may still run (as the thread's root and the hub do).
  void set_tracks_children(bool tracks) { tracks_children_ = tracks; }
  // Where this greenlet is suspended: return addresses, innermost first, found
  // by following frame pointers from its saved context (code built without
  // them ends the walk early). Empty while it runs, before it starts and once
  // it is dead. x86-64 only (empty elsewhere). For dumps; must be called on
  // its thread.
  std::vector<void*> suspended_stack(size_t max_frames = 64) const;

  // An opaque pointer a scheduler keeps per greenlet (the hub's record of it).
  void* scheduler_data() const { return scheduler_data_; }
  void set_scheduler_data(void* data) { scheduler_data_ = data; }

 private:
  enum class State : uint8_t { kNew, kActive, kDead };
  friend struct internal::ThreadState;
  friend void OverflowSignalHandler(int, void*, void*);

  RawGreenlet(Body body, RawGreenletOptions options, int);
  void Init(RawGreenlet* parent);
  // Destroys the body (what it captured); may throw from their destructors.
  void DropBody();
  explicit RawGreenlet(internal::SwitchState* owner);  // a thread's root

  template <typename F>
  static Body MakeBody(F&& fn) {
    using Fn = std::decay_t<F>;
    if constexpr (std::is_invocable_r_v<void*, Fn&, void*>) {
      return Body(std::forward<F>(fn));
    } else {
      return Body([f = Fn(std::forward<F>(fn))](void*) mutable -> void* {
        f();
        return nullptr;
      });
    }
  }

  // Never returns (not marked so: ASan would then unpoison the stack before
  // the entry has told it of the switch).
  static void Entry(void* caller_context, void* value);
  [[gnu::noinline]] static RawGreenlet* CurrentSlow();
  // Ends this greenlet and leaves its stack. Returns only if the stack was
  // parked and a new greenlet now starts on it: the switch that resumed it.
  boost::context::detail::transfer_t Finish(void* result,
                                            std::exception_ptr error);
  // Frees (or parks, with its saved `context`) a dead greenlet's stack, from
  // the greenlet it switched to.
  static void ReleaseDead(RawGreenlet* dead, void* context);
  void* SwitchFrom(RawGreenlet* from, void* value);
  // Starts a new greenlet, or throws for misuse.
  [[gnu::noinline]] void* SwitchSlow(void* value);
  [[gnu::cold, gnu::noinline]] void AfterSwitchSlow(RawGreenlet* prev);
  [[noreturn, gnu::cold, gnu::noinline]] void ThrowMisuse(
      const char* what) const;
  void Start();
  void LinkChild(RawGreenlet* child);
  void UnlinkChild(RawGreenlet* child);

  // Hot fields first.
  void* context_ = nullptr;  // saved fcontext while suspended
  internal::SwitchState* owner_;
  RawGreenlet* parent_;
  // Children (greenlets whose parent this is), so that they can be handed to
  // this greenlet's parent when it is destroyed before them.
  RawGreenlet* first_child_ = nullptr;
  RawGreenlet* next_sibling_ = nullptr;
  RawGreenlet* prev_sibling_ = nullptr;
  State state_ = State::kNew;
  bool is_root_ = false;
  bool tracks_children_ = true;
  bool in_parent_list_ = false;  // linked into parent_'s list of children
  bool parks_ = false;           // its stack is parked when it ends
  bool owns_body_ = false;       // body_.arg is a heap Body to delete
  uint32_t stack_size_;          // (packs with the flags above)
  internal::EhState eh_;
  std::exception_ptr pending_;  // raised when this greenlet resumes
  internal::Stack stack_;
  RawGreenlet* exit_target_ = nullptr;
  void* scheduler_data_ = nullptr;
  internal::PlainBody body_;
  std::exception_ptr exception_;
  void* result_ = nullptr;
  // Sanitizer bookkeeping (unused in ordinary builds).
#if defined(__SANITIZE_ADDRESS__)
  const void* asan_bottom_ = nullptr;
  size_t asan_size_ = 0;
  void* asan_fake_stack_ = nullptr;
#endif
#if defined(__SANITIZE_THREAD__)
  void* tsan_fiber_ = nullptr;
#endif
  uint64_t id_;
  // The given name, or null until name() first makes "greenlet-<id>": naming
  // costs nothing per spawn.
  mutable std::unique_ptr<std::string> name_;
};

// --- implementation details
// -----------------------------------------------------

inline void* RawGreenlet::switch_to(void* value) {
  internal::SwitchState* ts = internal::tls_switch;
  if (ABSL_PREDICT_FALSE(ts != owner_ || state_ != State::kActive)) {
    return SwitchSlow(value);
  }
  RawGreenlet* from = ts->current;
  if (ABSL_PREDICT_FALSE(from == this)) return value;
  return SwitchFrom(from, value);
}

// Runs on `from`'s stack; `this` is the target. Branch-light: besides the
// register save in jump_fcontext, this is the whole cost of a switch.
inline void* RawGreenlet::SwitchFrom(RawGreenlet* from, void* value) {
  internal::SwitchState* ts = owner_;
  ts->CountSwitch(from, this);
  ts->from = from;
  ts->current = this;
  from->eh_ = *ts->eh;
  *ts->eh = eh_;
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(&from->asan_fake_stack_, asan_bottom_,
                                 asan_size_);
#endif
#if defined(__SANITIZE_THREAD__)
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
  boost::context::detail::transfer_t t =
      boost::context::detail::jump_fcontext(context_, value);
  // Back in `from`, resumed by ts->from.
  RawGreenlet* prev = ts->from;
#if defined(__SANITIZE_ADDRESS__)
  const void* bottom;
  size_t size;
  __sanitizer_finish_switch_fiber(from->asan_fake_stack_, &bottom, &size);
  if (prev->is_root_) {
    prev->asan_bottom_ = bottom;
    prev->asan_size_ = size;
  }
#endif
  prev->context_ = t.fctx;
  // A greenlet suspended with its stack pointer below its stack overflowed into
  // the gap without hitting a guard page (an unguarded slab). The root's bottom
  // is null and a dead greenlet's context is null, so neither ever matches.
  if (ABSL_PREDICT_FALSE(reinterpret_cast<uintptr_t>(t.fctx) <
                             reinterpret_cast<uintptr_t>(prev->stack_.bottom) ||
                         from->pending_ != nullptr)) {
    from->AfterSwitchSlow(prev);
  }
  return t.data;
}

}  // namespace gevent

#endif  // GEVENT_GREENLET_RAW_GREENLET_H_
