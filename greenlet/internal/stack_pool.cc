// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/greenlet/internal/stack_pool.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <system_error>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace gevent::internal {

namespace {

// A slab aims at this many bytes of address space: large enough that a million
// stacks stay far below vm.max_map_count, small enough that a quiet thread
// keeps little.
constexpr size_t kSlabTargetBytes = 8 * 1024 * 1024;
constexpr size_t kMaxSlotsPerSlab = 1024;  // also IOV_MAX: one process_madvise

// Mappings the process may still spend on guard pages. Half of vm.max_map_count
// is left to everything else (the heap, libraries, threads' stacks).
std::atomic<long>& GuardBudget() {
  static std::atomic<long> budget = [] {
    long max_map_count = 65530;
    if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
      if (std::fscanf(f, "%ld", &max_map_count) != 1) max_map_count = 65530;
      std::fclose(f);
    }
    return max_map_count / 2;
  }();
  return budget;
}

// Guard markers (Linux 6.13): faulting entries in the page tables, not
// mappings. Older headers lack the constants.
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
// process_madvise on this process without a pidfd (Linux 6.15's PIDFD_SELF).
constexpr int kPidfdSelfProcess = -10001;

// 1: markers work, 0: they do not (old kernel, seccomp) or a test turned them
// off, -1: not tried yet.
std::atomic<int> g_markers{-1};

// Installs a guard marker on the gap of each of `slots` slots; false (with
// none left installed) when the kernel cannot.
bool InstallGuardMarkers(char* base, size_t stride, uint32_t slots) {
  if (g_markers.load(std::memory_order_relaxed) == 0) return false;
  // On the heap: this may run on a small greenlet stack.
  std::vector<iovec> gaps(slots);
  for (uint32_t i = 0; i < slots; ++i) {
    gaps[i].iov_base = base + i * stride;
    gaps[i].iov_len = kGapBytes;
  }
  const long want = static_cast<long>(slots * kGapBytes);
  long done = syscall(SYS_process_madvise, kPidfdSelfProcess, gaps.data(),
                      slots, MADV_GUARD_INSTALL, 0);
  if (done < 0 && errno == EBADF) {
    // Linux 6.13-6.14: markers, but no PIDFD_SELF; a pidfd for the call.
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
    if (pidfd >= 0) {
      done = syscall(SYS_process_madvise, pidfd, gaps.data(), slots,
                     MADV_GUARD_INSTALL, 0);
      close(pidfd);
    }
  }
  if (done == want) {
    g_markers.store(1, std::memory_order_relaxed);
    return true;
  }
  // Refused or partial: take back what went in and use mprotect from now on.
  madvise(base, stride * slots, MADV_GUARD_REMOVE);
  g_markers.store(0, std::memory_order_relaxed);
  return false;
}

bool TakeGuardBudget(long mappings) {
  auto& budget = GuardBudget();
  long left = budget.load(std::memory_order_relaxed);
  while (left >= mappings) {
    if (budget.compare_exchange_weak(left, left - mappings,
                                     std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

}  // namespace

struct Slab {
  SizeClass* cls;
  char* base;
  size_t length;
  size_t stride;
  uint32_t slots;
  uint32_t used = 0;
  uint32_t fresh = 0;  // slots [fresh, slots) have never been handed out
  bool guarded = false;
  long guard_mappings = 0;
  std::vector<uint32_t> free;  // released slots, reused last-in first-out
  // Membership of the size class's lists.
  Slab* all_prev = nullptr;
  Slab* all_next = nullptr;
  Slab* avail_prev = nullptr;
  Slab* avail_next = nullptr;
  bool available = false;

  uint32_t free_slots() const { return slots - used; }
};

struct SizeClass {
  size_t usable;
  size_t stride;
  uint32_t slots_per_slab;
  Slab* all = nullptr;
  Slab* available = nullptr;  // slabs with at least one free slot

  void LinkAvailable(Slab* s) {
    s->available = true;
    s->avail_prev = nullptr;
    s->avail_next = available;
    if (available) available->avail_prev = s;
    available = s;
  }
  void UnlinkAvailable(Slab* s) {
    s->available = false;
    if (s->avail_prev) s->avail_prev->avail_next = s->avail_next;
    if (s->avail_next) s->avail_next->avail_prev = s->avail_prev;
    if (available == s) available = s->avail_next;
    s->avail_prev = s->avail_next = nullptr;
  }
  void LinkAll(Slab* s) {
    s->all_next = all;
    if (all) all->all_prev = s;
    all = s;
  }
  void UnlinkAll(Slab* s) {
    if (s->all_prev) s->all_prev->all_next = s->all_next;
    if (s->all_next) s->all_next->all_prev = s->all_prev;
    if (all == s) all = s->all_next;
  }
};

StackPool::StackPool() = default;

StackPool::~StackPool() {
  for (SizeClass* cls : classes_) {
    while (cls->all) FreeSlab(cls->all);
    delete cls;
  }
}

bool StackPool::GuardMarkersAvailable() {
  if (g_markers.load(std::memory_order_relaxed) == -1) {
    // Try once on a scratch mapping.
    const size_t length = kGapBytes + 4096;
    void* mem = mmap(nullptr, length, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) return false;
    InstallGuardMarkers(static_cast<char*>(mem), length, 1);
    munmap(mem, length);
  }
  return g_markers.load(std::memory_order_relaxed) == 1;
}

bool StackPool::SetGuardMarkersForTesting(bool on) {
  const bool was = GuardMarkersAvailable();
  // Back on means "try again": the next slab finds out.
  g_markers.store(on ? -1 : 0, std::memory_order_relaxed);
  return was;
}

long StackPool::GuardBudgetLeft() {
  return GuardBudget().load(std::memory_order_relaxed);
}

long StackPool::ExchangeGuardBudgetForTesting(long budget) {
  return GuardBudget().exchange(budget, std::memory_order_relaxed);
}

SizeClass& StackPool::ClassFor(size_t usable) {
  if (last_class_ && last_class_->usable == usable) return *last_class_;
  for (SizeClass* cls : classes_) {
    if (cls->usable == usable) return *(last_class_ = cls);
  }
  auto* cls = new SizeClass;
  cls->usable = usable;
  cls->stride = usable + kGapBytes;
  size_t slots = kSlabTargetBytes / cls->stride;
  if (slots < 1) slots = 1;
  if (slots > kMaxSlotsPerSlab) slots = kMaxSlotsPerSlab;
  cls->slots_per_slab = static_cast<uint32_t>(slots);
  classes_.push_back(cls);
  return *(last_class_ = cls);
}

Slab* StackPool::NewSlab(SizeClass& cls) {
  const size_t length = cls.stride * cls.slots_per_slab;
  void* mem = mmap(nullptr, length, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) {
    throw std::system_error(errno, std::generic_category(),
                            "gevent: cannot map a slab of greenlet stacks");
  }
  // A huge page would turn every touched 4 KiB of stack into 2 MiB of memory.
  madvise(mem, length, MADV_NOHUGEPAGE);

  auto* slab = new Slab;
  slab->cls = &cls;
  slab->base = static_cast<char*>(mem);
  slab->length = length;
  slab->stride = cls.stride;
  slab->slots = cls.slots_per_slab;
  // PROT_NONE gaps first, while the budget lasts: each guarded slot splits the
  // slab into a gap and a stack mapping. gdb's gcore can read such a slab,
  // and a slab with guard markers not at all (its stacks come out empty in
  // the core), so markers guard the slabs past the budget.
  const long mappings = 2L * cls.slots_per_slab + 1;
  if (TakeGuardBudget(mappings)) {
    slab->guarded = true;
    slab->guard_mappings = mappings;
    for (uint32_t i = 0; i < slab->slots; ++i) {
      if (mprotect(slab->base + i * cls.stride, kGapBytes, PROT_NONE) != 0) {
        // Out of mappings after all (another library spent them).
        for (uint32_t j = 0; j < i; ++j) {
          mprotect(slab->base + j * cls.stride, kGapBytes,
                   PROT_READ | PROT_WRITE);
        }
        GuardBudget().fetch_add(mappings, std::memory_order_relaxed);
        slab->guarded = false;
        slab->guard_mappings = 0;
        break;
      }
    }
  }
  // Otherwise markers where the kernel has them, or else the soft gap.
  if (!slab->guarded) {
    slab->guarded = InstallGuardMarkers(slab->base, cls.stride, slab->slots);
  }
  cls.LinkAll(slab);
  cls.LinkAvailable(slab);
  total_free_slots_ += slab->slots;
  return slab;
}

void StackPool::FreeSlab(Slab* slab) {
  SizeClass& cls = *slab->cls;
  if (slab->available) cls.UnlinkAvailable(slab);
  cls.UnlinkAll(slab);
  total_free_slots_ -= slab->free_slots();
  in_use_ -= slab->used;
#if defined(__SANITIZE_ADDRESS__)
  // Stacks still in use (a thread's end discards its suspended greenlets) may
  // leave poisoned red zones, which a later mapping at this address would
  // inherit.
  ASAN_UNPOISON_MEMORY_REGION(slab->base, slab->length);
#endif
  munmap(slab->base, slab->length);
  if (slab->guard_mappings) {
    GuardBudget().fetch_add(slab->guard_mappings, std::memory_order_relaxed);
  }
  delete slab;
}

Stack StackPool::Allocate(size_t size) {
  const size_t usable = UsableSize(size);
  SizeClass& cls = ClassFor(usable);
  Slab* slab = cls.available ? cls.available : NewSlab(cls);

  uint32_t slot;
  if (!slab->free.empty()) {
    slot = slab->free.back();
    slab->free.pop_back();
  } else {
    slot = slab->fresh++;
  }
  if (++slab->used == slab->slots) cls.UnlinkAvailable(slab);
  --total_free_slots_;
  ++in_use_;

  Stack stack;
  stack.bottom = slab->base + slot * slab->stride + kGapBytes;
  stack.top = stack.bottom + usable;
  stack.slab = slab;
  stack.slot = slot;
  stack.guarded = slab->guarded;
  return stack;
}

void StackPool::Release(Stack stack) {
  Slab* slab = stack.slab;
#if defined(__SANITIZE_ADDRESS__)
  // Frames that never returned (the greenlet's entry) leave poisoned red zones.
  ASAN_UNPOISON_MEMORY_REGION(stack.bottom, stack.size());
#endif
  SizeClass& cls = *slab->cls;
  slab->free.push_back(stack.slot);
  --slab->used;
  ++total_free_slots_;
  --in_use_;
  if (!slab->available) cls.LinkAvailable(slab);
  if (slab->used == 0 && total_free_slots_ - slab->slots >= max_free_stacks_) {
    FreeSlab(slab);
  }
}

StackPoolStats StackPool::stats() const {
  StackPoolStats s;
  for (const SizeClass* cls : classes_) {
    for (const Slab* slab = cls->all; slab; slab = slab->all_next) {
      ++s.slabs;
      if (slab->guarded) ++s.guarded_slabs;
      s.mapped_bytes += slab->length;
    }
  }
  s.stacks_in_use = in_use_ - parked_;
  s.free_slots = total_free_slots_;
  s.parked_stacks = parked_;
  return s;
}

}  // namespace gevent::internal
