// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/hub.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "gevent/hub/internal/task.h"
#include "gevent/hub/run_info.h"

namespace gevent {

using internal::Record;
using internal::TaskBase;
using internal::Timer;
using internal::Waiter;

namespace {

struct HubOwner {
  std::unique_ptr<Hub> hub;
  ~HubOwner() {
    hub.reset();
    internal::tls_hub = nullptr;
  }
};
thread_local HubOwner tls_hub_owner;

constexpr size_t kHubStackSize = 256 * 1024;

}  // namespace

namespace internal {

thread_local constinit Hub* tls_hub = nullptr;

namespace {
char timed_out_token;
}  // namespace
void* const kTimedOut = &timed_out_token;

void WakeTimedOut(Timer* t) {
  Hub::current().Wake(*static_cast<Waiter*>(t->context), internal::kTimedOut);
}

int64_t DeadlineAfterSlow(absl::Duration d, const char* what) {
  if (d < absl::ZeroDuration()) {
    throw std::invalid_argument(
        absl::StrCat(what, ": the duration must not be negative, got ",
                     absl::FormatDuration(d)));
  }
  if (d == absl::InfiniteDuration()) return -1;
  const int64_t now = MonotonicNowNs();
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  if (ns > std::numeric_limits<int64_t>::max() - now) return -1;
  return now + ns;
}

Hub* Owner::BindSlow() {
  Hub* here = tls_hub;
  if (hub_ != nullptr) return hub_ == here ? here : nullptr;
  hub_ = &Hub::current();
  thread_id_ = hub_->thread_id();
  return hub_;
}

namespace {
std::string WrongThreadMessage(std::string_view what, std::string_view object,
                               int owner) {
  return absl::StrCat(std::string(what), ": this ", std::string(object),
                      " belongs to another thread's hub (thread ", owner,
                      "; the caller is thread ", static_cast<int>(gettid()),
                      ") and serves the greenlets of that thread only: run "
                      "the call there with Hub::post, or hand the object over "
                      "before its first use");
}
}  // namespace

absl::Status Owner::Error(std::string_view what,
                          std::string_view object) const {
  return absl::FailedPreconditionError(
      WrongThreadMessage(what, object, thread_id_));
}

void Owner::Throw(std::string_view what, std::string_view object) const {
  throw WrongThreadError(WrongThreadMessage(what, object, thread_id_));
}

absl::Status CheckTimeout(absl::Duration d, const char* what) {
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the timeout must not be negative, got ",
                     absl::FormatDuration(d)));
  }
  return absl::OkStatus();
}

}  // namespace internal

Hub& Hub::CreateForThisThread() {
  // The greenlet layer's per-thread state first, so that it is destroyed after
  // the hub at thread exit.
  (void)RawGreenlet::root();
  tls_hub_owner.hub.reset(new Hub());
  internal::tls_hub = tls_hub_owner.hub.get();
  return *internal::tls_hub;
}

namespace {

// GEVENT_DUMP_ON_SIGQUIT=1: dump_on_signal(SIGQUIT) for the whole process, as
// Go does by default (once; a later hub finds it done).
void DumpOnSigquitIfAsked() {
  static const bool done = [] {
    const char* on = std::getenv("GEVENT_DUMP_ON_SIGQUIT");
    if (on == nullptr || *on == '\0' || std::strcmp(on, "0") == 0) return false;
    if (absl::Status s = dump_on_signal(SIGQUIT); !s.ok()) {
      std::fprintf(stderr, "gevent: GEVENT_DUMP_ON_SIGQUIT: %s\n",
                   std::string(s.message()).c_str());
    }
    return true;
  }();
  (void)done;
}

}  // namespace

Hub::Hub()
    : backend_(MakeBackend()),
      mailbox_(std::make_shared<internal::Mailbox>()),
      hub_greenlet_([this] { Loop(); },
                    RawGreenletOptions{.name = "hub",
                                       .stack_size = kHubStackSize,
                                       .parent = RawGreenlet::root()}),
      switches_(RawGreenlet::switch_counter()),
      thread_id_(static_cast<int>(gettid())) {
  mailbox_->backend = backend_.get();
  hub_record_.is_hub = true;
  hub_greenlet_.set_scheduler_data(&hub_record_);
  // Spawned greenlets are children of the hub, which outlives every one that
  // runs.
  hub_greenlet_.set_tracks_children(false);
  RawGreenlet::root()->set_scheduler_data(&root_record_);
  internal::RegisterHubForDumps(mailbox_);
  DumpOnSigquitIfAsked();
  if (const MonitorOptions* options = Monitor::FromEnvironment()) {
    start_monitor(*options);
  }
}

void Hub::start_monitor() { start_monitor(MonitorOptions{}); }

void Hub::start_monitor(MonitorOptions options) {
  monitor_.reset();
  monitor_ = std::make_unique<Monitor>(*this, std::move(options));
}

void Hub::stop_monitor() { monitor_.reset(); }

HubStats Hub::stats() const {
  HubStats st;
  st.switches = switches_->load(std::memory_order_relaxed);
  // Ended first: a greenlet spawned and ended meanwhile cannot make the
  // difference negative (and the clamp covers a reordered read).
  const uint64_t ended = ended_.Get();
  st.greenlets_spawned = spawned_.Get();
  st.greenlets_alive =
      st.greenlets_spawned - std::min(ended, st.greenlets_spawned);
  st.greenlets_killed = killed_.Get();
  st.loop_iterations = loops_.Get();
  st.polls = polls_.Get();
  st.time_in_poll = absl::Nanoseconds(poll_ns_.Get());
  st.io_ops = io_ops_.Get();
  st.timers_fired = timers_fired_.Get();
  return st;
}

Hub::~Hub() {
  monitor_.reset();  // before the greenlets are killed: no report of that
  // A task killed before it started has left the live list, but its start
  // entry still holds the hub's reference, which only PopReady would drop.
  Waiter* kept_tail = nullptr;
  for (Waiter** link = &ready_head_; *link != nullptr;) {
    Waiter* w = *link;
    if (w->greenlet == nullptr && w->record->task->dead()) {
      *link = w->next;
      w->record->task->Release();  // may free `w`
    } else {
      kept_tail = w;
      link = &w->next;
    }
  }
  ready_tail_ = kept_tail;
  // Greenlets still alive are killed, so that their destructors run; ones that
  // never started just end.
  shutting_down_ = true;
  while (live_) {
    TaskBase* t = live_;
    t->AddRef();
    if (t->state == TaskBase::State::kRunning) {
      t->kill_requested = true;
      if (Waiter* w = t->record.parked; w && w->woken) RemoveReady(w);
      (void)t->raw->kill();  // unwinds it; it unlinks itself from live_
      if (!t->dead()) {
        std::fprintf(
            stderr, "gevent: greenlet '%s' survived being killed at hub exit\n",
            t->name().c_str());
        // Unlink it so that the loop ends.
        live_ = t->live_next;
        if (live_) live_->live_prev = nullptr;
      }
    } else {
      const bool queued = t->start_entry.woken;
      KillUnstarted(t);
      if (queued) t->Release();  // the ready queue is dropped below
    }
    t->Release();
  }
  ReleaseZombie();
  for (RawGreenlet* g : spare_runners_) internal::DestroyRunner(g);
  spare_runners_.clear();
  ready_head_ = ready_tail_ = nullptr;
  RawGreenlet::root()->set_scheduler_data(nullptr);
  // Close the mailbox before the backend goes; posts still queued are dropped
  // (outside the lock: dropping one may run destructors).
  std::vector<absl::AnyInvocable<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mailbox_->mu);
    mailbox_->backend = nullptr;
    dropped.swap(mailbox_->posts);
  }
  // hub_greenlet_ is killed by its destructor: Loop() unwinds.
}

bool internal::Mailbox::Post(absl::AnyInvocable<void()> fn) {
  std::lock_guard<std::mutex> lock(mu);
  if (backend == nullptr) return false;
  posts.push_back(std::move(fn));
  has_posts.store(true, std::memory_order_release);
  backend->Wake();
  return true;
}

void Hub::RunPosts() {
  if (!mailbox_->has_posts.load(std::memory_order_acquire)) return;
  std::vector<absl::AnyInvocable<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mailbox_->mu);
    batch.swap(mailbox_->posts);
    mailbox_->has_posts.store(false, std::memory_order_relaxed);
  }
  for (auto& fn : batch) {
    try {
      fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gevent: a Hub::post callback threw (%s); dropped\n",
                   e.what());
    } catch (...) {
      std::fprintf(stderr, "gevent: a Hub::post callback threw; dropped\n");
    }
  }
}

// --- the ready queue
// ------------------------------------------------------------

Waiter* Hub::PopReadySlow(Waiter* w) {
  for (;;) {
    if (w->greenlet == nullptr) {
      // A task's start entry: it starts now, on a greenlet made for it, unless
      // it was killed before it started; then drop the entry and the reference
      // the hub held for it.
      TaskBase* t = w->record->task;
      if (!t->dead()) {
        t->MakeRunner();
        return w;
      }
      t->Release();
    } else if (!w->greenlet->dead()) {
      return w;
    }
    w = ready_head_;
    if (w == nullptr) return nullptr;
    ready_head_ = w->next;
    ++popped_;
    if (ready_head_ == nullptr) ready_tail_ = nullptr;
  }
}

void Hub::RemoveReady(Waiter* w) {
  Waiter* prev = nullptr;
  for (Waiter* p = ready_head_; p; prev = p, p = p->next) {
    if (p != w) continue;
    (prev ? prev->next : ready_head_) = p->next;
    if (ready_tail_ == p) ready_tail_ = prev;
    ++popped_;
    return;
  }
}

void Hub::WakeWithError(Waiter& w, std::exception_ptr error) {
  if (w.woken) return;
  w.woken = true;
  w.error = std::move(error);
  PushReady(&w);
}

void Hub::DeliverError(Record& r, std::exception_ptr error, const void* owner) {
  Waiter* w = r.parked;
  if (w && w->interruptible && !w->woken) {
    WakeWithError(*w, std::move(error));
    return;
  }
  // Not parked, already woken, or in a wait that must finish (an I/O
  // cancellation): raise it at the next blocking point. A kill wins over a
  // Timeout.
  if (!r.pending_error || owner == &internal::kKillOwner) {
    r.pending_error = std::move(error);
    r.pending_owner = owner;
  }
}

// --- parking
// --------------------------------------------------------------------

void Hub::ThrowNotRunByHub() const {
  RawGreenlet* g = RawGreenlet::current();
  if (auto* r = static_cast<Record*>(g->scheduler_data()); r && r->is_hub) {
    throw BlockingSwitchOutError(
        "a blocking call was made from the hub itself (in a timer, link or "
        "post() callback); the hub must never block: spawn a greenlet for "
        "blocking work");
  }
  throw GreenletError(absl::StrCat(
      "a blocking call was made from greenlet '", g->name(),
      "', which the hub does not run (a RawGreenlet); run blocking code in a "
      "greenlet started with gevent::spawn, or on the thread's main stack"));
}

void Hub::ThrowPending(Waiter& w) {
  Record* r = w.record;
  std::exception_ptr e = std::move(r->pending_error);
  r->pending_error = nullptr;
  r->pending_owner = nullptr;
  if (w.woken) RemoveReady(&w);  // a yield had queued it already
  std::rethrow_exception(e);
}

void* Hub::ResumeWithError(Waiter* w) {
  std::exception_ptr e = std::move(w->error);
  w->error = nullptr;
  return w->greenlet->throw_into(std::move(e));
}

// --- spawned greenlets
// ----------------------------------------------------------

void Hub::TaskStarted(TaskBase* t) {
  spawned_.Add();
  t->spawned_at_ns = last_poll_;
  t->AddRef();  // the hub's reference, until the task has ended
  t->live_prev = nullptr;
  t->live_next = live_;
  if (live_) live_->live_prev = t;
  live_ = t;
}

void Hub::ScheduleStart(TaskBase* t) {
  TaskStarted(t);
  t->state = TaskBase::State::kScheduled;
  Wake(t->start_entry);
}

void Hub::ScheduleStartAt(TaskBase* t, int64_t deadline) {
  TaskStarted(t);
  t->state = TaskBase::State::kScheduled;
  Timer& timer = t->Extras().start_timer;
  timer.fire = [](Timer* timer) {
    auto* task = static_cast<TaskBase*>(timer->context);
    task->hub->Wake(task->start_entry);
  };
  timer.context = t;
  if (deadline >= 0) StartTimer(timer, deadline);
}

void Hub::KillUnstarted(TaskBase* t) {
  const bool scheduled = t->state == TaskBase::State::kScheduled;
  const bool queued = t->start_entry.woken;  // its entry is in the ready queue
  if (t->extras) CancelTimer(t->extras->start_timer);
  t->KillBeforeStart();
  if (!scheduled) return;
  UnlinkLive(t);
  // A queued start entry keeps the hub's reference until PopReady drops it.
  if (!queued) t->Release();
}

void Hub::UnlinkLive(TaskBase* t) {
  ended_.Add();
  if (t->killed) killed_.Add();
  if (t->live_prev) {
    t->live_prev->live_next = t->live_next;
  } else if (live_ == t) {
    live_ = t->live_next;
  }
  if (t->live_next) t->live_next->live_prev = t->live_prev;
  t->live_prev = t->live_next = nullptr;
}

void Hub::ReleaseZombie() {
  if (zombie_) {
    TaskBase* z = zombie_;
    zombie_ = nullptr;
    z->DropRunner();
    z->Release();
  }
}

RawGreenlet* Hub::TaskFinished(TaskBase* t, void** value) {
  UnlinkLive(t);
  // The hub's reference goes once we are off this task's stack.
  ReleaseZombie();
  zombie_ = t;
  // Hand control straight to the next ready greenlet when there is one (and it
  // is not to be woken with an exception, which only a switch can deliver).
  if (!shutting_down_ && ready_head_ && dispatches_left_ > 0 &&
      ready_head_->error == nullptr) {
    if (Waiter* w = PopReady()) {
      if (w->error == nullptr) {
        --dispatches_left_;
        *value = w->value;
        return w->greenlet;
      }
      // Put it back in front; the hub will deliver its exception.
      w->next = ready_head_;
      ready_head_ = w;
      if (ready_tail_ == nullptr) ready_tail_ = w;
      --popped_;
    }
  }
  return nullptr;  // to the parent: the hub
}

// --- the loop
// -------------------------------------------------------------------

void Hub::FireTimers(int64_t now) {
  while (Timer* t = timers_.Top()) {
    if (t->deadline > now) break;
    timers_.Pop();
    timers_fired_.Add();
    t->fire(t);
  }
}

// I/O is in flight. Where it waits in the backend for a poll rather than for
// the kernel (io_uring: an SQE that goes to the kernel with the next
// io_uring_enter, or a completion already in the ring), the hub takes control
// back, and polls, at the end of the current round: once every greenlet that
// was ready when the last poll ended has run, as gevent polls once per pass
// over its callbacks. Greenlets readied since that poll, the yielding caller
// included, run after the next one: a greenlet that yields after each line it
// queues (the chat server's reader) then queues one line per poll, and each
// writer sends one. Greenlets the poll itself woke (an echo server's
// handlers) all run before the next poll, so its batch stays whole. Without
// this, such an op would wait for kDispatchesPerPoll switches and
// kMinPollIntervalNs while other greenlets are ready, where a readiness backend
// (epoll, libevent) finishes the same send or receive at once inside Submit; a
// greenlet that floods (reads, queues a line for each writer, yields) would
// outrun writers that get one send per poll, which made the chat example drop
// readers that kept up, on io_uring only. Readiness backends never hold an op
// for a poll (they try it at once, and learning that an fd became ready takes a
// syscall, which kMinPollIntervalNs rations), so for them this changes nothing,
// and greenlets that only yield still make no syscall per pass on any backend.
// Trying sends inline on io_uring (MSG_DONTWAIT first) would also fix the
// flood, but only for sends, and at a syscall per send, where the poll sends
// every queued op in one.
void Hub::PollAtRoundEnd() {
  const uint64_t round_left = round_end_ > popped_ ? round_end_ - popped_ : 0;
  if (round_left < dispatches_left_ && backend_->needs_poll()) {
    dispatches_left_ = static_cast<size_t>(round_left);
  }
}

void Hub::OnLoopExit() {
  auto error = std::make_exception_ptr(LoopExit(
      "this operation would block forever: no greenlet is ready and no timer, "
      "I/O or post() could wake one (gevent's LoopExit)"));
  if (Waiter* w = root_record_.parked; w && !w->woken) {
    WakeWithError(*w, std::move(error));
    return;
  }
  RawGreenlet::root()->throw_into(std::move(error));
}

void Hub::Loop() {
  for (;;) {
    loops_.Add();
    ReleaseZombie();
    while (ready_head_ && dispatches_left_ > 0) {
      if (Waiter* w = PopReady()) {
        --dispatches_left_;
        Resume(w);
      }
    }
    dispatches_left_ = kDispatchesPerPoll;
    ReleaseZombie();
    RunPosts();
    int64_t timeout;
    if (ready_head_ || mailbox_->has_posts.load(std::memory_order_acquire)) {
      // Busy: poll without blocking, but not more often than kMinPollInterval,
      // so that greenlets that only yield do not pay a syscall per round;
      // unless the backend holds I/O for a poll (PollAtRoundEnd).
      const int64_t now = internal::MonotonicNowNs();
      if (now - last_poll_ < kMinPollIntervalNs && !backend_->needs_poll()) {
        FireTimers(now);
        continue;
      }
      timeout = 0;
    } else if (Timer* t = timers_.Top()) {
      timeout = std::max<int64_t>(0, t->deadline - internal::MonotonicNowNs());
    } else if (backend_->pending() > 0 ||
               external_work_.load(std::memory_order_acquire) > 0) {
      timeout = -1;
    } else {
      OnLoopExit();
      continue;
    }
    const int64_t before = internal::MonotonicNowNs();
    in_poll_.store(true, std::memory_order_relaxed);
    backend_->Poll(timeout);
    in_poll_.store(false, std::memory_order_relaxed);
    const int64_t now = internal::MonotonicNowNs();
    polls_.Add();
    poll_ns_.Add(static_cast<uint64_t>(now - before));
    last_poll_ = now;
    round_end_ = pushed_;  // the next round: every greenlet ready now
    FireTimers(now);
  }
}

// --- I/O
// ------------------------------------------------------------------------

namespace {

struct IoWait {
  Hub* hub;
  Waiter* waiter;
  bool done = false;
};

const char* IoWaitName(IoOp::Kind kind) {
  switch (kind) {
    case IoOp::Kind::kWaitReadable:
      return "wait_read";
    case IoOp::Kind::kWaitWritable:
      return "wait_write";
    case IoOp::Kind::kRecv:
      return "recv";
    case IoOp::Kind::kSend:
      return "send";
    case IoOp::Kind::kAccept:
      return "accept";
    case IoOp::Kind::kConnect:
      return "connect";
    case IoOp::Kind::kRead:
      return "read";
    case IoOp::Kind::kWrite:
      return "write";
  }
  return "I/O";
}

void OnIoComplete(IoOp* op) {
  auto* iw = static_cast<IoWait*>(op->user);
  iw->done = true;
  iw->hub->Wake(*iw->waiter);
}

}  // namespace

int64_t Hub::Io(IoOp& op, int64_t deadline) {
  Record* r = CurrentRecord();
  RawGreenlet* self = RawGreenlet::current();
  if (r->pending_error) {
    Waiter w(self, r);
    Park(w);  // throws the pending error without parking
  }
  io_ops_.Add();
  if (backend_->Submit(&op)) return op.result;
  PollAtRoundEnd();
  Waiter w(self, r);
  w.what = IoWaitName(op.kind);
  w.fd = op.fd;
  IoWait iw{this, &w};
  op.user = &iw;
  op.on_complete = &OnIoComplete;
  Timer timer;
  timer.fire = &internal::WakeTimedOut;
  timer.context = &w;
  if (deadline >= 0) StartTimer(timer, deadline);

  // Cancels the op if it is still in flight and waits for its completion, come
  // what may: the op's buffer belongs to the caller's frame.
  auto finish = [&] {
    CancelTimer(timer);
    if (iw.done) return;
    if (backend_->Cancel(&op)) {
      iw.done = true;
      return;
    }
    PollAtRoundEnd();
    while (!iw.done) {
      Waiter uninterruptible(self, r);
      uninterruptible.interruptible = false;
      iw.waiter = &uninterruptible;
      Park(uninterruptible);
    }
  };
  try {
    Park(w);
  } catch (...) {
    finish();
    throw;
  }
  const bool completed = iw.done;
  finish();
  if (!completed && op.result == -ECANCELED) return -ETIMEDOUT;
  return op.result;
}

namespace {

struct IoAnyWait {
  Hub* hub;
  Waiter* waiter;
  size_t outstanding = 0;
};

// A completed op of IoAny drops its callback: that marks it done.
void OnIoAnyComplete(IoOp* op) {
  auto* st = static_cast<IoAnyWait*>(op->user);
  op->on_complete = nullptr;
  --st->outstanding;
  st->hub->Wake(*st->waiter);
}

}  // namespace

int Hub::IoAny(IoOp* const* ops, size_t n, int64_t deadline) {
  Record* r = CurrentRecord();
  RawGreenlet* self = RawGreenlet::current();
  if (r->pending_error) {
    Waiter w(self, r);
    Park(w);  // throws the pending error without parking
  }
  io_ops_.Add(n);
  Waiter w(self, r);
  w.what = "I/O on any of several fds";
  w.fd = n > 0 ? ops[0]->fd : -1;
  IoAnyWait st{this, &w};
  bool any_done = false;
  for (size_t i = 0; i < n; ++i) {
    IoOp* op = ops[i];
    op->user = &st;
    op->on_complete = &OnIoAnyComplete;
    ++st.outstanding;
    if (backend_->Submit(op)) {
      op->on_complete = nullptr;
      --st.outstanding;
      any_done = true;
    }
  }
  Timer timer;
  timer.fire = &internal::WakeTimedOut;
  timer.context = &w;
  auto finish = [&] {
    CancelTimer(timer);
    for (size_t i = 0; i < n; ++i) {
      IoOp* op = ops[i];
      if (op->on_complete != nullptr && backend_->Cancel(op)) {
        op->on_complete = nullptr;
        --st.outstanding;
      }
    }
    if (st.outstanding > 0) PollAtRoundEnd();
    while (st.outstanding > 0) {
      Waiter uninterruptible(self, r);
      uninterruptible.interruptible = false;
      st.waiter = &uninterruptible;
      Park(uninterruptible);
    }
  };
  if (!any_done && st.outstanding > 0) {
    PollAtRoundEnd();
    if (deadline >= 0) StartTimer(timer, deadline);
    try {
      Park(w);
    } catch (...) {
      finish();
      throw;
    }
  }
  finish();
  int completed = 0;
  for (size_t i = 0; i < n; ++i) completed += ops[i]->result != -ECANCELED;
  return completed;
}

// --- greenlet-local storage

namespace internal {

uint64_t NextLocalId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

LocalStorage& CurrentLocals() {
  (void)Hub::current();  // the root greenlet's record exists from here on
  auto* r = static_cast<Record*>(RawGreenlet::current()->scheduler_data());
  if (r == nullptr) {
    throw GreenletError(absl::StrCat(
        "gevent::Local used in greenlet '", RawGreenlet::current()->name(),
        "', which the hub does not run (a RawGreenlet)"));
  }
  if (!r->locals) r->locals = std::make_unique<LocalStorage>();
  return *r->locals;
}

}  // namespace internal

// --- free functions
// -------------------------------------------------------------

void internal::SleepFor(absl::Duration duration) {
  Hub& hub = Hub::current();
  Record* r = hub.CurrentRecord();
  Waiter w(RawGreenlet::current(), r);
  w.what = "sleep";
  const int64_t deadline = internal::DeadlineAfter(duration, "gevent::sleep");
  Timer timer;
  timer.fire = &internal::WakeTimedOut;
  timer.context = &w;
  if (deadline >= 0) hub.StartTimer(timer, deadline);
  struct Cancel {
    Hub& hub;
    Timer& t;
    ~Cancel() { hub.CancelTimer(t); }
  } cancel{hub, timer};
  hub.Park(w);
}

namespace {

absl::Status WaitFd(int fd, absl::Duration timeout, IoOp::Kind kind,
                    const char* what) {
  if (absl::Status s = internal::CheckTimeout(timeout, what); !s.ok()) return s;
  IoOp op;
  op.kind = kind;
  op.fd = fd;
  const int64_t r =
      Hub::current().Io(op, internal::DeadlineAfter(timeout, what));
  if (r >= 0) return absl::OkStatus();
  switch (-r) {
    case ETIMEDOUT:
      return absl::DeadlineExceededError(absl::StrCat(
          what, "(", fd, "): timed out after ", absl::FormatDuration(timeout)));
    case EBUSY:
      return absl::FailedPreconditionError(
          absl::StrCat(what, "(", fd,
                       "): another greenlet is already waiting on this fd "
                       "in the same direction"));
    case EBADF:
      if (fd >= 0) {
        return absl::CancelledError(
            absl::StrCat(what, "(", fd,
                         "): the fd was closed while waiting, or is not open"));
      }
      [[fallthrough]];
    default:
      return absl::ErrnoToStatus(static_cast<int>(-r),
                                 absl::StrCat(what, "(", fd, ")"));
  }
}

}  // namespace

absl::Status wait_read(int fd, absl::Duration timeout) {
  return WaitFd(fd, timeout, IoOp::Kind::kWaitReadable, "gevent::wait_read");
}

absl::Status wait_write(int fd, absl::Duration timeout) {
  return WaitFd(fd, timeout, IoOp::Kind::kWaitWritable, "gevent::wait_write");
}

std::string_view backend_name() { return Hub::current().backend_name(); }

}  // namespace gevent
