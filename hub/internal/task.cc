// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/internal/task.h"

#include <algorithm>
#include <cstdio>
#include <new>

#include "absl/strings/str_cat.h"

namespace gevent::internal {

namespace {

constexpr size_t kSizeClassBytes = 64;
constexpr size_t kSizeClasses = 16;  // cached up to 1 KiB
// Freed tasks kept per size class: up to 64 MiB, about 150,000 ordinary tasks,
// which is what a burst of spawns reuses instead of faulting in fresh heap.
[[maybe_unused]] constexpr size_t kMaxCachedBytesPerClass =
    size_t{64} << 20;  // (not under ASan)

struct FreeTask {
  FreeTask* next;
};

struct TaskCache {
  FreeTask* head[kSizeClasses];
  size_t count[kSizeClasses];
};
thread_local constinit TaskCache tls_task_cache{};

// Frees the cache at thread exit.
struct TaskCacheOwner {
  bool armed = false;
  ~TaskCacheOwner() {
    for (size_t c = 0; c < kSizeClasses; ++c) {
      while (FreeTask* f = tls_task_cache.head[c]) {
        tls_task_cache.head[c] = f->next;
        ::operator delete(f);
      }
      tls_task_cache.count[c] = 0;
    }
  }
};
thread_local TaskCacheOwner tls_task_cache_owner;

[[maybe_unused]] size_t TaskSizeClass(size_t size) {
  return (size + kSizeClassBytes - 1) / kSizeClassBytes - 1;
}

// From the calling thread's cache of freed blocks of that size class (tasks
// and their runners share it).
void* CachedAlloc(size_t size) {
#if defined(__SANITIZE_ADDRESS__)
  return ::operator new(size);  // ASan must see every allocation
#else
  const size_t c = TaskSizeClass(size);
  if (c >= kSizeClasses) return ::operator new(size);
  TaskCache& cache = tls_task_cache;
  if (FreeTask* f = cache.head[c]) {
    cache.head[c] = f->next;
    --cache.count[c];
    return f;
  }
  tls_task_cache_owner.armed = true;  // registers the thread-exit cleanup
  return ::operator new((c + 1) * kSizeClassBytes);
#endif
}

void CachedFree(void* p, size_t size) {
#if defined(__SANITIZE_ADDRESS__)
  ::operator delete(p, size);
#else
  const size_t c = TaskSizeClass(size);
  TaskCache& cache = tls_task_cache;
  if (c >= kSizeClasses) {
    ::operator delete(p, size);
  } else if (cache.count[c] * (c + 1) * kSizeClassBytes >=
             kMaxCachedBytesPerClass) {
    ::operator delete(p, (c + 1) * kSizeClassBytes);
  } else {
    auto* f = static_cast<FreeTask*>(p);
    f->next = cache.head[c];
    cache.head[c] = f;
    ++cache.count[c];
  }
#endif
}

}  // namespace

void* TaskBase::operator new(size_t size) { return CachedAlloc(size); }

void TaskBase::operator delete(void* p, size_t size) { CachedFree(p, size); }

void LinkList::PushBack(Link* l) {
  if (head_ == nullptr) {
    l->prev = l->next = l;
    head_ = l;
  } else {
    Link* tail = head_->prev;
    l->prev = tail;
    l->next = head_;
    tail->next = l;
    head_->prev = l;
  }
  l->linked = true;
}

void LinkList::Remove(Link* l) {
  if (!l->linked) return;
  if (l->next == l) {
    head_ = nullptr;
  } else {
    l->prev->next = l->next;
    l->next->prev = l->prev;
    if (head_ == l) head_ = l->next;
  }
  l->prev = l->next = nullptr;
  l->linked = false;
}

Link* LinkList::PopFront() {
  Link* l = head_;
  if (l) Remove(l);
  return l;
}

TaskBase::TaskBase(Hub* h, std::string&& given_name, size_t stack)
    : hub(h),
      start_entry(nullptr, &record),
      id(NewGreenletId()),
      stack_size(
          static_cast<uint32_t>(std::min<size_t>(stack, size_t{1} << 31))) {
  if (!given_name.empty()) {
    name_ = std::make_unique<std::string>(std::move(given_name));
    named = true;
  }
  record.task = this;
  spawner_id = RawGreenlet::current()->id();
}

const std::string& TaskBase::name() const {
  if (!name_)
    name_ = std::make_unique<std::string>(absl::StrCat("greenlet-", id));
  return *name_;
}

namespace {

// Ended runners a hub keeps: enough for the greenlets that end between two
// starts, few enough to cost nothing idle.
constexpr size_t kSpareRunners = 16;

void* RunTask(void* self, void*) {
  return static_cast<TaskBase*>(self)->Main();
}

}  // namespace

void DestroyRunner(RawGreenlet* g) {
  g->~RawGreenlet();
  CachedFree(g, sizeof(RawGreenlet));
}

RawGreenlet* TaskBase::MakeRunner() {
  const PlainBody body{&RunTask, this};
  std::vector<RawGreenlet*>& spares = hub->spare_runners();
  while (!spares.empty() && spares.back()->stack_size() == stack_size) {
    RawGreenlet* g = spares.back();
    spares.pop_back();
    if (g->Reuse(body, id)) {
      raw = g;
      break;
    }
    DestroyRunner(g);  // a child of its run still names it as parent
  }
  if (raw == nullptr) {
    void* mem = CachedAlloc(sizeof(RawGreenlet));
    try {
      raw = new (mem) RawGreenlet(body, hub->hub_greenlet(), stack_size, id);
    } catch (...) {
      CachedFree(mem, sizeof(RawGreenlet));
      throw;
    }
  }
  if (named) raw->set_name(*name_);
  raw->set_scheduler_data(&record);
  start_entry.greenlet = raw;
  return raw;
}

void TaskBase::DropRunner() {
  RawGreenlet* g = raw;
  raw = nullptr;
  start_entry.greenlet = nullptr;
  std::vector<RawGreenlet*>& spares = hub->spare_runners();
  if (g->dead() && spares.size() < kSpareRunners) {
    spares.push_back(g);
  } else {
    DestroyRunner(g);
  }
}

void* TaskBase::Main() {
  state = State::kRunning;
  try {
    RunBody();
  } catch (const GreenletExit&) {
    killed = true;
  } catch (...) {
    exception = std::current_exception();
  }
  try {
    DropBody();  // on this stack, where its destructors may block
    record.locals.reset();
  } catch (...) {
    if (!exception) exception = std::current_exception();
  }
  FireLinks();
  void* value = nullptr;
  raw->set_exit_target(hub->TaskFinished(this, &value));
  return value;
}

void TaskBase::FireLinks() {
  state = State::kDead;
  record.pending_error = nullptr;
  while (Link* l = links.PopFront()) {
    try {
      l->fire(l);
    } catch (...) {
      std::fprintf(stderr,
                   "gevent: a link callback of greenlet '%s' threw; the "
                   "exception is dropped\n",
                   name().c_str());
    }
  }
}

void TaskBase::KillBeforeStart() {
  killed = true;  // never runs now
  DropBody();
  FireLinks();
}

}  // namespace gevent::internal
