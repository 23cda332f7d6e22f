// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/greenlet/raw_greenlet.h"

#include <cxxabi.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/context/detail/fcontext.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define GEVENT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define GEVENT_TSAN 1
#endif

namespace gevent {

namespace ctx = boost::context::detail;

namespace internal {

// A stack whose greenlet ended, kept with its entry frame suspended in
// RawGreenlet::Entry's loop: the next greenlet of its size starts on it with
// one ordinary switch, instead of taking a stack from the pool and building a
// fresh context (and giving the old one back) every time.
struct ParkedStack {
  Stack stack;
  void* context;
  void* tsan_fiber;
};
// Enough for bursts of greenlets that end while others start; the rest go back
// to the pool.
constexpr size_t kMaxParkedStacks = 64;

// Everything a thread needs to run greenlets. Created on the thread's first use
// of a greenlet and destroyed when the thread exits.
struct ThreadState : SwitchState {
  StackPool pool;
  std::vector<ParkedStack> parked;  // last parked first
  RawGreenlet root;
  pid_t tid;
  size_t live =
      1;  // the thread itself plus every RawGreenlet object of this thread
  void* altstack = nullptr;
  size_t altstack_size = 0;
  bool exited = false;
  RawGreenlet::Tracer tracer_storage;  // SwitchState::tracer points here

  ThreadState()
      : SwitchState{&root, nullptr,
                    reinterpret_cast<EhState*>(abi::__cxa_get_globals())},
        root(this),
        tid(gettid()) {
    parked.reserve(kMaxParkedStacks);
  }
  ~ThreadState() {
    for (const ParkedStack& p : parked) {
#ifdef GEVENT_TSAN
      __tsan_destroy_fiber(p.tsan_fiber);
#endif
      pool.CountParked(-1);
      pool.Release(p.stack);
    }
  }
};

inline ThreadState* Owner(SwitchState* s) {
  return static_cast<ThreadState*>(s);
}

thread_local constinit SwitchState* tls_switch = nullptr;

}  // namespace internal

namespace {

using internal::ThreadState;

using internal::Owner;
using internal::tls_switch;

std::atomic<uint64_t> g_next_id_block{0};
constexpr uint64_t kIdBlock = 1 << 16;

// Ids are unique per process; each thread takes them in blocks so that naming a
// greenlet costs no atomic operation.
uint64_t NextId() {
  thread_local uint64_t next = 0;
  thread_local uint64_t end = 0;
  if (ABSL_PREDICT_FALSE(next == end)) {
    next =
        g_next_id_block.fetch_add(1, std::memory_order_relaxed) * kIdBlock + 1;
    end = next + kIdBlock - 1;
  }
  return next++;
}
// Guards ThreadState::live once its thread has exited (greenlets may then be
// destroyed anywhere).
std::mutex g_exited_mu;

struct sigaction g_previous_segv;
std::once_flag g_segv_once;

// Owns the thread's state; its destructor runs at thread exit.
struct ThreadStateOwner {
  ThreadState* state = nullptr;
  ~ThreadStateOwner() {
    if (!state) return;
    tls_switch = nullptr;
    state->exited = true;
    if (state->altstack) {
      stack_t disable{};
      disable.ss_flags = SS_DISABLE;
      sigaltstack(&disable, nullptr);
      munmap(state->altstack, state->altstack_size);
    }
    // Greenlets still alive keep the state; suspended ones cannot be unwound
    // any more and are discarded (stack and all) when destroyed.
    std::lock_guard<std::mutex> lock(g_exited_mu);
    if (--state->live == 0) delete state;
  }
};
thread_local ThreadStateOwner tls_owner;

void InstallAltStack(ThreadState* ts) {
  stack_t old{};
  if (sigaltstack(nullptr, &old) == 0 && !(old.ss_flags & SS_DISABLE)) return;
  const size_t size = 64 * 1024;
  void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return;
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = size;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(mem, size);
    return;
  }
  ts->altstack = mem;
  ts->altstack_size = size;
}

void InstallOverflowHandler();

ABSL_ATTRIBUTE_NOINLINE ThreadState* InitThread() {
  InstallOverflowHandler();
  auto* ts = new ThreadState;
  tls_owner.state = ts;
  tls_switch = ts;
  InstallAltStack(ts);
  return ts;
}

inline ThreadState* ThisThread() {
  ThreadState* ts = Owner(tls_switch);
  if (ABSL_PREDICT_FALSE(ts == nullptr)) ts = InitThread();
  return ts;
}

// Signal-safe output helpers for the overflow handler.
void WriteStr(const char* s) {
  ssize_t unused = write(STDERR_FILENO, s, std::strlen(s));
  (void)unused;
}
void WriteNum(uint64_t n) {
  char buf[24];
  int i = sizeof(buf);
  buf[--i] = '\0';
  do {
    buf[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n && i > 0);
  WriteStr(buf + i);
}

[[noreturn]] void Fatal(const std::string& message) {
  std::fprintf(stderr, "gevent: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

bool IsGreenletExit(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const GreenletExit&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

namespace internal {
StackPool& ThisThreadStackPool() { return ThisThread()->pool; }
uint64_t NewGreenletId() { return NextId(); }
}  // namespace internal

namespace {

// The stack pointer of the context that faulted (0 where unknown).
uintptr_t FaultingStackPointer(const void* ucontext) {
  const auto* uc = static_cast<const ucontext_t*>(ucontext);
#if defined(__x86_64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.sp);
#else
  (void)uc;
  return 0;
#endif
}

// Bytes below the stack pointer that a function may touch without moving it
// (x86-64's red zone is 128), with room for a probe at an offset.
constexpr uintptr_t kBelowStackPointer = 4096;

}  // namespace

// A fault of the running greenlet's own stack overflow: say which greenlet
// and die. It is one when the address is in the gap below the stack (a probe
// or a small frame hit the guard), or when the stack pointer itself is below
// the stack and the address is at or above it (a frame larger than the gap,
// from code built without stack probing, landed on whatever lies below). Any
// other fault goes to the handler installed before ours.
void OverflowSignalHandler(int sig, void* info_ptr, void* ucontext) {
  auto* info = static_cast<siginfo_t*>(info_ptr);
  ThreadState* ts = Owner(tls_switch);
  if (ts != nullptr) {
    const RawGreenlet* g = ts->current;
    const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
    const uintptr_t sp = FaultingStackPointer(ucontext);
    const uintptr_t bottom = reinterpret_cast<uintptr_t>(g->stack_.bottom);
    const uintptr_t top = reinterpret_cast<uintptr_t>(g->stack_.top);
    const bool in_gap = g->stack_.InGap(info->si_addr);
    const bool sp_below =
        sp != 0 && sp < bottom && addr + kBelowStackPointer >= sp && addr < top;
    if (!g->is_root_ && g->stack_ && (in_gap || sp_below)) {
      WriteStr("gevent: stack overflow in greenlet '");
      if (!g->name_) {
        WriteStr("greenlet-");
        WriteNum(g->id_);
      } else {
        WriteStr(g->name_->c_str());
      }
      WriteStr("' (stack of ");
      WriteNum(g->stack_.size());
      if (in_gap) {
        WriteStr(" bytes): it hit the guard page below its stack");
      } else {
        WriteStr(" bytes): a frame reached ");
        WriteNum(bottom - std::min(sp, addr));
        WriteStr(" bytes below its stack");
      }
      WriteStr(
          "; give it a larger stack_size or keep big buffers off the stack.\n");
      signal(SIGABRT, SIG_DFL);
      abort();
    }
  }
  if (g_previous_segv.sa_flags & SA_SIGINFO) {
    g_previous_segv.sa_sigaction(sig, info, ucontext);
  } else if (g_previous_segv.sa_handler == SIG_DFL ||
             g_previous_segv.sa_handler == SIG_IGN) {
    // Let the fault happen again with the default action (and a core dump).
    signal(sig, SIG_DFL);
  } else {
    g_previous_segv.sa_handler(sig);
  }
}

namespace {
void InstallOverflowHandler() {
  std::call_once(g_segv_once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = [](int sig, siginfo_t* info, void* uc) {
      OverflowSignalHandler(sig, info, uc);
    };
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous_segv);
  });
}
}  // namespace

// --- construction ---------------------------------------------------------

RawGreenlet::RawGreenlet(internal::SwitchState* owner)
    : owner_(owner),
      parent_(nullptr),
      state_(State::kActive),
      is_root_(true),
      stack_size_(0),
      id_(NextId()),
      name_(std::make_unique<std::string>("root")) {
  tracks_children_ = false;  // the root outlives every greenlet of its thread
#ifdef GEVENT_TSAN
  tsan_fiber_ = __tsan_get_current_fiber();
#endif
}

RawGreenlet::RawGreenlet(Body body, RawGreenletOptions options, int)
    : owner_(ThisThread()),
      parent_(options.parent ? options.parent : owner_->current),
      stack_size_(static_cast<uint32_t>(
          std::min<size_t>(options.stack_size, size_t{1} << 31))),
      id_(NextId()) {
  if (!options.name.empty()) {
    name_ = std::make_unique<std::string>(std::move(options.name));
  }
  Init(parent_);
  // Last, so that a throw above leaves nothing to free.
  body_.fn = [](void* arg, void* value) {
    return (*static_cast<Body*>(arg))(value);
  };
  body_.arg = new Body(std::move(body));
  owns_body_ = true;
}

RawGreenlet::RawGreenlet(internal::PlainBody body, RawGreenlet* parent,
                         size_t stack_size, uint64_t id)
    : owner_(ThisThread()),
      parent_(parent),
      stack_size_(
          static_cast<uint32_t>(std::min<size_t>(stack_size, size_t{1} << 31))),
      body_(body),
      id_(id != 0 ? id : NextId()) {
  Init(parent_);
}

void RawGreenlet::Init(RawGreenlet* parent) {
  if (ABSL_PREDICT_FALSE(parent->owner_ != owner_)) {
    throw GreenletError(absl::StrCat("greenlet '", name(),
                                     "' cannot have parent '", parent->name(),
                                     "': the parent belongs to another thread; "
                                     "a greenlet's parent must be on "
                                     "the same thread"));
  }
  parent->LinkChild(this);
  ++Owner(owner_)->live;
}

bool RawGreenlet::Reuse(internal::PlainBody body, uint64_t id) {
  if (state_ != State::kDead || owner_ != tls_switch || is_root_ ||
      first_child_ != nullptr) {
    return false;
  }
  if (owns_body_) DropBody();
  state_ = State::kNew;
  body_ = body;
  id_ = id;
  name_.reset();
  exception_ = nullptr;
  pending_ = nullptr;
  result_ = nullptr;
  exit_target_ = nullptr;
  eh_ = {};
#ifdef GEVENT_ASAN
  asan_fake_stack_ = nullptr;
#endif
  return true;
}

void RawGreenlet::DropBody() {
  if (!owns_body_) {
    body_ = {};
    return;
  }
  std::unique_ptr<Body> body(static_cast<Body*>(body_.arg));
  body_ = {};
  owns_body_ = false;
}

void RawGreenlet::set_name(std::string name) {
  name_ = std::make_unique<std::string>(std::move(name));
}

RawGreenlet::~RawGreenlet() {
  if (is_root_) return;
  ThreadState* ts = Owner(tls_switch);
  if (ts != owner_ && Owner(owner_)->exited) {
    // Its thread is gone: it cannot be unwound; only the bookkeeping is left.
    if (owns_body_) DropBody();
    std::lock_guard<std::mutex> lock(g_exited_mu);
    if (--Owner(owner_)->live == 0) delete Owner(owner_);
    return;
  }
  if (state_ == State::kActive) {
    if (ts != owner_) {
      Fatal(absl::StrCat("greenlet '", name(),
                         "' was destroyed on another thread while suspended; "
                         "destroy a greenlet on the thread that runs it"));
    }
    if (ts->current == this) {
      Fatal(
          absl::StrCat("greenlet '", name(),
                       "' was destroyed while running; destroy it from another "
                       "greenlet after it ends"));
    }
    try {
      (void)kill();
    } catch (...) {
      std::fprintf(
          stderr,
          "gevent: greenlet '%s' raised an exception while being killed "
          "by its destructor; the exception is dropped\n",
          name().c_str());
    }
    if (state_ == State::kActive) {
      Fatal(absl::StrCat("greenlet '", name(),
                         "' survived kill() in its destructor (it caught "
                         "GreenletExit and switched away); it must end"));
    }
  }
  // Orphaned children go to our parent, as in Python when a parent is
  // collected.
  while (first_child_) {
    RawGreenlet* child = first_child_;
    UnlinkChild(child);
    child->parent_ = parent_;
    if (parent_) parent_->LinkChild(child);
  }
  if (in_parent_list_) parent_->UnlinkChild(this);
  --Owner(owner_)->live;
  if (owns_body_) DropBody();  // never started
}

void RawGreenlet::LinkChild(RawGreenlet* child) {
  if (!tracks_children_) return;
  child->in_parent_list_ = true;
  child->prev_sibling_ = nullptr;
  child->next_sibling_ = first_child_;
  if (first_child_) first_child_->prev_sibling_ = child;
  first_child_ = child;
}

void RawGreenlet::UnlinkChild(RawGreenlet* child) {
  if (child->prev_sibling_) {
    child->prev_sibling_->next_sibling_ = child->next_sibling_;
  } else {
    first_child_ = child->next_sibling_;
  }
  if (child->next_sibling_)
    child->next_sibling_->prev_sibling_ = child->prev_sibling_;
  child->prev_sibling_ = child->next_sibling_ = nullptr;
  child->in_parent_list_ = false;
}

RawGreenlet* RawGreenlet::CurrentSlow() { return ThisThread()->current; }

RawGreenlet* RawGreenlet::root() { return &ThisThread()->root; }

// Reads frames of another stack of this thread, which is not poisoned but
// which ASan cannot know to be in use.
__attribute__((no_sanitize_address)) std::vector<void*>
RawGreenlet::suspended_stack(size_t max_frames) const {
  std::vector<void*> out;
#if defined(__x86_64__)
  if (state_ != State::kActive || context_ == nullptr ||
      owner_->current == this || max_frames == 0) {
    return out;
  }
  // Boost.Context's x86-64 jump_fcontext leaves, at the saved context:
  // mxcsr/x87 control words, r12-r15, rbx, rbp, then the return address.
  const auto* saved = static_cast<const uintptr_t*>(context_);
  out.push_back(reinterpret_cast<void*>(saved[7]));
  const uintptr_t low = reinterpret_cast<uintptr_t>(context_);
  // The root runs on the thread's own stack, whose top is not recorded here.
  const uintptr_t high = is_root_ ? low + (uintptr_t{64} << 20)
                                  : reinterpret_cast<uintptr_t>(stack_.top);
  uintptr_t fp = saved[6];
  while (out.size() < max_frames && fp >= low && fp + 16 <= high &&
         fp % sizeof(uintptr_t) == 0) {
    const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
    if (frame[1] == 0) break;
    out.push_back(reinterpret_cast<void*>(frame[1]));
    if (frame[0] <= fp) break;  // frames go up the stack, or it is not one
    fp = frame[0];
  }
#else
  (void)max_frames;
#endif
  return out;
}

uint64_t RawGreenlet::switch_count() {
  return ThisThread()->switches.load(std::memory_order_relaxed);
}

const std::atomic<uint64_t>* RawGreenlet::switch_counter() {
  return &ThisThread()->switches;
}

RawGreenlet::Tracer RawGreenlet::settrace(Tracer tracer) {
  ThreadState* ts = ThisThread();
  Tracer previous = std::move(ts->tracer_storage);
  ts->tracer_storage = std::move(tracer);
  ts->tracer = ts->tracer_storage ? &ts->tracer_storage : nullptr;
  return previous;
}

const std::string& RawGreenlet::name() const {
  if (!name_) {
    name_ = std::make_unique<std::string>(absl::StrCat("greenlet-", id_));
  }
  return *name_;
}

absl::Status RawGreenlet::set_parent(RawGreenlet* parent) {
  if (parent == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("greenlet '", name(), "': parent cannot be null"));
  }
  if (is_root_) {
    return absl::InvalidArgumentError("the root greenlet cannot have a parent");
  }
  if (parent->owner_ != owner_) {
    return absl::InvalidArgumentError(
        absl::StrCat("greenlet '", name(), "' cannot have parent '",
                     parent->name(), "': it belongs to another thread"));
  }
  for (RawGreenlet* p = parent; p; p = p->parent_) {
    if (p == this) {
      return absl::InvalidArgumentError(absl::StrCat(
          "greenlet '", name(), "' cannot have parent '", parent->name(),
          "': that would make a cycle of parents"));
    }
  }
  if (in_parent_list_) parent_->UnlinkChild(this);
  parent_ = parent;
  parent_->LinkChild(this);
  return absl::OkStatus();
}

// --- switching --------------------------------------------------------------

void RawGreenlet::ThrowMisuse(const char* what) const {
  ThreadState* ts = Owner(tls_switch);
  if (ts != owner_) {
    throw GreenletError(absl::StrCat(
        "cannot ", what, " greenlet '", name(), "': it belongs to thread ",
        Owner(owner_)->tid, " but this is thread ", gettid(),
        "; a greenlet runs only on the thread that created it (each thread has "
        "its own hub: hand the work to that thread instead)"));
  }
  throw GreenletError(absl::StrCat(
      "cannot ", what, " greenlet '", name(),
      "': it is dead (it returned, raised or was killed); start a new greenlet "
      "instead"));
}

void RawGreenlet::Start() {
  ThreadState* ts = Owner(owner_);
  state_ = State::kActive;
  if (!ts->parked.empty() && ts->parked.back().stack.size() ==
                                 internal::StackPool::UsableSize(stack_size_)) {
    // Resumes in Entry's loop, which runs this greenlet's body.
    const internal::ParkedStack& p = ts->parked.back();
    stack_ = p.stack;
    context_ = p.context;
#ifdef GEVENT_TSAN
    tsan_fiber_ = p.tsan_fiber;
#endif
    ts->parked.pop_back();
    ts->pool.CountParked(-1);
  } else {
    stack_ = ts->pool.Allocate(stack_size_);
    context_ =
        ctx::make_fcontext(stack_.top, stack_.size(),
                           [](ctx::transfer_t t) { Entry(t.fctx, t.data); });
#ifdef GEVENT_TSAN
    tsan_fiber_ = __tsan_create_fiber(0);
#endif
  }
#ifdef GEVENT_ASAN
  asan_bottom_ = stack_.bottom;
  asan_size_ = stack_.size();
#endif
}

void* RawGreenlet::SwitchSlow(void* value) {
  internal::SwitchState* ts = tls_switch;
  if (ts != owner_ || state_ == State::kDead) ThrowMisuse("switch to");
  Start();
  return SwitchFrom(ts->current, value);
}

void RawGreenlet::AfterSwitchSlow(RawGreenlet* prev) {
  if (reinterpret_cast<uintptr_t>(prev->context_) <
      reinterpret_cast<uintptr_t>(prev->stack_.bottom)) {
    Fatal(absl::StrCat("stack overflow in greenlet '", prev->name(),
                       "' (stack of ", prev->stack_.size(),
                       " bytes): it ran below its stack; give it a larger "
                       "stack_size"));
  }
  std::exception_ptr e = std::move(pending_);
  pending_ = nullptr;
  std::rethrow_exception(e);
}

// The bottom frame of every stack: runs greenlets one after another, as long
// as each leaves the stack parked when it ends.
void RawGreenlet::Entry(void* caller_context, void* value) {
#ifdef GEVENT_ASAN
  {
    ThreadState* ts = Owner(tls_switch);
    const void* bottom;
    size_t size;
    __sanitizer_finish_switch_fiber(nullptr, &bottom, &size);
    if (ts->from->is_root_) {
      ts->from->asan_bottom_ = bottom;
      ts->from->asan_size_ = size;
    }
  }
#endif
  for (;;) {
    ThreadState* ts = Owner(tls_switch);
    RawGreenlet* self = ts->current;
    RawGreenlet* prev = ts->from;
    if (prev->state_ == State::kDead) {
      // Entered from Finish(): start with its result.
      ReleaseDead(prev, caller_context);
      value = prev->result_;
    } else {
      prev->context_ = caller_context;
    }
    void* result = nullptr;
    std::exception_ptr error;
    try {
      if (self->pending_) {
        std::exception_ptr e = std::move(self->pending_);
        self->pending_ = nullptr;
        std::rethrow_exception(e);
      }
      result = self->body_.fn(self->body_.arg, value);
    } catch (const GreenletExit&) {
      // A killed greenlet ends normally.
    } catch (...) {
      error = std::current_exception();
    }
    // The body's captures die here, on the greenlet's own stack, where they
    // may block.
    try {
      self->DropBody();
    } catch (...) {
      if (!error) error = std::current_exception();
    }
    const ctx::transfer_t t = self->Finish(result, std::move(error));
    caller_context = t.fctx;
    value = t.data;
  }
}

ctx::transfer_t RawGreenlet::Finish(void* result, std::exception_ptr error) {
  ThreadState* ts = Owner(owner_);
  state_ = State::kDead;
  result_ = result;
  exception_ = error;
  RawGreenlet* target = exit_target_;
  if (target == nullptr || target->state_ == State::kDead ||
      target->owner_ != owner_) {
    target = parent_;
    while (target->state_ == State::kDead) target = target->parent_;
  }
  if (error) target->pending_ = std::move(error);
  // Decided here, before the switch, so that the sanitizers are told whether
  // this stack's frames live on. Parked stacks are all of one size (the last
  // parked one's), so that a start only ever looks at the top one.
  parks_ =
      ts->parked.size() < internal::kMaxParkedStacks &&
      (ts->parked.empty() || ts->parked.back().stack.size() == stack_.size());
  const bool fresh = target->state_ == State::kNew;
  if (fresh) target->Start();
  ts->CountSwitch(this, target);
  ts->from = this;
  ts->current = target;
  *ts->eh = target->eh_;
#ifdef GEVENT_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(parks_ ? &fake_stack : nullptr,
                                 target->asan_bottom_, target->asan_size_);
#endif
#ifdef GEVENT_TSAN
  __tsan_switch_to_fiber(target->tsan_fiber_, 0);
#endif
  // Leave this stack; the target's side frees or parks it.
  ctx::transfer_t t;
  if (fresh) {
    // A context entered for the first time (or a parked one, resuming here)
    // cannot take an on-top call's result as its first value; Entry sees
    // that it was entered from a dead greenlet and frees or parks our stack.
    t = ctx::jump_fcontext(target->context_, nullptr);
  } else {
    t = ctx::ontop_fcontext(target->context_, this, [](ctx::transfer_t t) {
      auto* dead = static_cast<RawGreenlet*>(t.data);
      ReleaseDead(dead, t.fctx);
      return ctx::transfer_t{nullptr, dead->result_};
    });
  }
  // Parked, and now resumed by a greenlet starting on this stack (`this` is
  // gone, or another greenlet's now).
#ifdef GEVENT_ASAN
  {
    const void* bottom;
    size_t size;
    __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
    RawGreenlet* from = Owner(tls_switch)->from;
    if (from->is_root_) {
      from->asan_bottom_ = bottom;
      from->asan_size_ = size;
    }
  }
#endif
  return t;
}

// Runs on the stack of the greenlet that a dying one switched to, once the
// dying one's stack is no longer in use. `context` is where the dead one left
// its stack.
void RawGreenlet::ReleaseDead(RawGreenlet* dead, void* context) {
  ThreadState* ts = Owner(dead->owner_);
  if (dead->parks_) {
#ifdef GEVENT_ASAN
    // Below the parked entry frame are frames that never returned (unwound by
    // a kill, or left by the switch): their red zones must not trip the next
    // greenlet's frames there.
    ASAN_UNPOISON_MEMORY_REGION(
        dead->stack_.bottom,
        static_cast<size_t>(static_cast<char*>(context) - dead->stack_.bottom));
#endif
    ts->parked.push_back({dead->stack_, context, nullptr});
#ifdef GEVENT_TSAN
    ts->parked.back().tsan_fiber = dead->tsan_fiber_;
#endif
    ts->pool.CountParked(1);
  } else {
#ifdef GEVENT_TSAN
    __tsan_destroy_fiber(dead->tsan_fiber_);
#endif
    ts->pool.Release(dead->stack_);
  }
#ifdef GEVENT_TSAN
  dead->tsan_fiber_ = nullptr;
#endif
  dead->stack_ = {};
  dead->context_ = nullptr;
}

void* RawGreenlet::throw_into(std::exception_ptr error) {
  ThreadState* ts = Owner(tls_switch);
  if (ts != owner_ || state_ == State::kDead) ThrowMisuse("throw into");
  if (state_ == State::kNew) {
    state_ = State::kDead;
    DropBody();
    if (IsGreenletExit(error)) return nullptr;
    std::rethrow_exception(error);
  }
  RawGreenlet* from = ts->current;
  if (from == this) std::rethrow_exception(error);
  pending_ = std::move(error);
  return SwitchFrom(from, nullptr);
}

absl::Status RawGreenlet::kill() {
  ThreadState* ts = Owner(tls_switch);
  if (ts != owner_) ThrowMisuse("kill");
  if (state_ == State::kDead) {
    return absl::FailedPreconditionError(
        absl::StrCat("greenlet '", name(), "' is already dead"));
  }
  if (is_root_) {
    return absl::FailedPreconditionError("the root greenlet cannot be killed");
  }
  if (state_ == State::kNew) {
    state_ = State::kDead;
    DropBody();
    return absl::OkStatus();
  }
  RawGreenlet* killer = ts->current;
  if (killer == this) throw GreenletExit{};
  // Control comes back to the killer when the greenlet ends (unless that would
  // make a cycle of parents, i.e. the killer descends from it).
  (void)set_parent(killer);
  throw_into(std::make_exception_ptr(GreenletExit{}));
  return absl::OkStatus();
}

}  // namespace gevent
