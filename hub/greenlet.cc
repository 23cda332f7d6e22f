// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/greenlet.h"

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace gevent::internal {

namespace {

bool OnOwnerThread(const TaskBase* t) {
  return Hub::current_if_exists() == t->hub;
}

absl::Status WrongThread(const TaskBase* t, const char* what) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot ", what, " greenlet '", t->name(),
      "': it belongs to another thread's hub; each thread runs its own "
      "greenlets (use Hub::post to hand work to that thread)"));
}

absl::Status EmptyHandle(const char* what) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot ", what, " an empty Greenlet handle"));
}

struct JoinLink : Link {
  Hub* hub;
  Waiter* waiter;
};

void FireJoin(Link* l) {
  auto* j = static_cast<JoinLink*>(l);
  j->hub->Wake(*j->waiter);
}

}  // namespace

void CheckOwnerThread(const TaskBase* t, const char* what) {
  if (t == nullptr)
    throw GreenletError(std::string(EmptyHandle(what).message()));
  if (!OnOwnerThread(t)) {
    throw GreenletError(std::string(WrongThread(t, what).message()));
  }
}

void ThrowKilled(const TaskBase* t) {
  throw GreenletKilled(absl::StrCat("greenlet '", t->name(), "' was killed"));
}

void Start(TaskBase* t) {
  CheckOwnerThread(t, "start");
  if (t->state != TaskBase::State::kUnstarted) return;
  t->hub->ScheduleStart(t);
}

void StartLater(TaskBase* t, absl::Duration delay) {
  const int64_t deadline = DeadlineAfter(delay, "Greenlet::start_later");
  CheckOwnerThread(t, "start");
  if (t->state != TaskBase::State::kUnstarted) return;
  t->hub->ScheduleStartAt(t, deadline);
}

absl::Status Join(TaskBase* t, absl::Duration timeout) {
  if (t == nullptr) return EmptyHandle("join");
  if (absl::Status s = CheckTimeout(timeout, "Greenlet::join"); !s.ok())
    return s;
  if (!OnOwnerThread(t)) return WrongThread(t, "join");
  if (t->dead()) return absl::OkStatus();
  Hub* hub = t->hub;
  Record* r = hub->CurrentRecord();
  if (r->task == t) {
    return absl::FailedPreconditionError(absl::StrCat(
        "greenlet '", t->name(),
        "' cannot join itself: it would wait for its own end forever"));
  }
  Waiter w(RawGreenlet::current(), r);
  w.what = "join";
  JoinLink link;
  link.fire = &FireJoin;
  link.hub = hub;
  link.waiter = &w;
  t->links.PushBack(&link);
  Timer timer;
  timer.fire = &WakeTimedOut;
  timer.context = &w;
  const int64_t deadline = DeadlineAfter(timeout, "Greenlet::join");
  if (deadline >= 0) hub->StartTimer(timer, deadline);
  struct Cleanup {
    Hub* hub;
    TaskBase* t;
    JoinLink* link;
    Timer* timer;
    ~Cleanup() {
      t->links.Remove(link);
      hub->CancelTimer(*timer);
    }
  } cleanup{hub, t, &link, &timer};
  if (hub->Park(w) == kTimedOut) {
    return absl::DeadlineExceededError(
        absl::StrCat("greenlet '", t->name(), "' did not end within ",
                     absl::FormatDuration(timeout)));
  }
  return absl::OkStatus();
}

absl::Status Kill(TaskBase* t, absl::Duration timeout, bool block) {
  if (t == nullptr) return EmptyHandle("kill");
  if (absl::Status s = CheckTimeout(timeout, "Greenlet::kill"); !s.ok())
    return s;
  if (!OnOwnerThread(t)) return WrongThread(t, "kill");
  if (t->dead()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot kill greenlet '", t->name(), "': it is already dead"));
  }
  if (t->kill_requested) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot kill greenlet '", t->name(),
                     "': it is already being killed (join() it to wait)"));
  }
  t->kill_requested = true;
  Hub* hub = t->hub;
  if (t->state != TaskBase::State::kRunning) {
    hub->KillUnstarted(t);
    return absl::OkStatus();
  }
  if (RawGreenlet::current() == t->raw) throw GreenletExit{};
  hub->DeliverError(t->record, std::make_exception_ptr(GreenletExit{}),
                    &kKillOwner);
  if (!block) return absl::OkStatus();
  absl::Status s = Join(t, timeout);
  if (absl::IsDeadlineExceeded(s)) {
    return absl::DeadlineExceededError(
        absl::StrCat("greenlet '", t->name(),
                     "' was told to die but did not "
                     "end within ",
                     absl::FormatDuration(timeout)));
  }
  return s;
}

void AddCallbackLink(TaskBase* t, absl::AnyInvocable<void()> fn, uint64_t* id) {
  CheckOwnerThread(t, "link");
  if (t->dead()) {
    *id = 0;
    fn();
    return;
  }
  auto link = std::make_unique<CallbackLink>();
  link->fn = std::move(fn);
  std::vector<std::unique_ptr<CallbackLink>>& callbacks = t->Extras().callbacks;
  link->id = callbacks.size() + 1;
  link->fire = [](Link* l) { static_cast<CallbackLink*>(l)->fn(); };
  *id = link->id;
  t->links.PushBack(link.get());
  callbacks.push_back(std::move(link));
}

void RemoveCallbackLink(TaskBase* t, uint64_t id) {
  CheckOwnerThread(t, "unlink");
  if (!t->extras) return;
  for (auto& link : t->extras->callbacks) {
    if (link->id == id) t->links.Remove(link.get());
  }
}

std::vector<size_t> Wait(std::span<TaskBase* const> tasks,
                         absl::Duration timeout, size_t count) {
  const int64_t deadline = DeadlineAfter(timeout, "gevent::wait");
  for (TaskBase* t : tasks) CheckOwnerThread(t, "wait for");
  const size_t need = count == 0 ? tasks.size() : std::min(count, tasks.size());
  auto ended = [&] {
    std::vector<size_t> out;
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i]->dead()) out.push_back(i);
    }
    return out;
  };
  size_t done = 0;
  for (TaskBase* t : tasks) done += t->dead();
  if (done >= need || deadline == 0) return ended();

  Hub& hub = Hub::current();
  Record* r = hub.CurrentRecord();
  Waiter w(RawGreenlet::current(), r);
  w.what = "joinall";
  struct WaitLink : Link {
    Hub* hub;
    Waiter* waiter;
    size_t* done;
    size_t need;
  };
  std::vector<WaitLink> links(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i]->dead()) continue;
    WaitLink& l = links[i];
    l.hub = &hub;
    l.waiter = &w;
    l.done = &done;
    l.need = need;
    l.fire = [](Link* link) {
      auto* wl = static_cast<WaitLink*>(link);
      if (++*wl->done >= wl->need) wl->hub->Wake(*wl->waiter);
    };
    tasks[i]->links.PushBack(&l);
  }
  Timer timer;
  timer.fire = &WakeTimedOut;
  timer.context = &w;
  if (deadline >= 0) hub.StartTimer(timer, deadline);
  struct Cleanup {
    Hub& hub;
    std::span<TaskBase* const> tasks;
    std::vector<WaitLink>& links;
    Timer& timer;
    ~Cleanup() {
      for (size_t i = 0; i < tasks.size(); ++i)
        tasks[i]->links.Remove(&links[i]);
      hub.CancelTimer(timer);
    }
  } cleanup{hub, tasks, links, timer};
  hub.Park(w);
  return ended();
}

}  // namespace gevent::internal
