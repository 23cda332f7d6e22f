// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// stack_pool.h (internal)
//
// Greenlet stacks, carved out of large mmap'd slabs and reused. Not for users:
// a Greenlet takes a stack when it first runs and gives it back when it dies.
//
// Why slabs: vm.max_map_count (65530 by default) caps the mappings of a
// process, so a million stacks cannot each be a mapping. Each slab holds many
// slots; every slot is [gap][stack], where the gap sits below the stack it
// protects, and a gap faults on any access wherever the kernel allows it:
// - A PROT_NONE gap costs two mappings per slot, so such guarded slabs are
//   made while a process-wide budget (half of vm.max_map_count) lasts.
// - Past it, on Linux 6.13 and later, guard markers (MADV_GUARD_INSTALL) in
//   the page tables fault like PROT_NONE without splitting the mapping, so
//   every slot of every further slab is guarded; one process_madvise call
//   installs a slab's. (They come second because gdb's gcore cannot read a
//   slab with markers: its stacks would be missing from the core.)
// - Past the budget on older kernels, slabs are unguarded: the gap is mapped
//   but never touched, so an overflow of up to kGapBytes lands in dead memory
//   instead of a neighbour's frames, and it is detected when the greenlet
//   next switches out with its stack pointer in the gap.
// A hard gap catches every overflow of code built with stack probing
// (-fstack-clash-protection, in the copts of every gevent-cpp target): a
// probed frame touches each page it allocates, so it cannot jump the gap.
// Bookkeeping lives in the Slab objects on the heap, never in the stack pages,
// so an idle greenlet costs the pages it touched and nothing more.
//
// One pool per thread (no locks on the hot path). Free slots are reused LIFO so
// a spawn usually gets a warm stack. Past max_free_stacks free slots, a slab
// that becomes wholly free is unmapped, so a burst of greenlets leaves no
// memory behind beyond the pool's bound.

#ifndef GEVENT_GREENLET_INTERNAL_STACK_POOL_H_
#define GEVENT_GREENLET_INTERNAL_STACK_POOL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gevent::internal {

class StackPool;
struct Slab;
struct SizeClass;

// Bytes below each stack kept as a guard (hard or soft). Stack probing touches
// every 4 KiB, so a probed frame cannot skip a gap of this size; an unprobed
// frame can skip up to this much.
inline constexpr size_t kGapBytes = 16 * 1024;

// One stack handed out by a StackPool. Usable memory is [bottom, top).
struct Stack {
  char* top = nullptr;
  char* bottom = nullptr;
  Slab* slab = nullptr;
  uint32_t slot = 0;
  bool guarded = false;

  size_t size() const { return static_cast<size_t>(top - bottom); }
  explicit operator bool() const { return top != nullptr; }
  // True when `address` is in the gap below this stack.
  bool InGap(const void* address) const {
    const char* a = static_cast<const char*>(address);
    return a < bottom && a >= bottom - kGapBytes;
  }
};

struct StackPoolStats {
  size_t slabs = 0;
  size_t guarded_slabs = 0;  // every gap faults (markers or PROT_NONE)
  size_t mapped_bytes = 0;
  // Held by greenlets (running, suspended, or not yet given back).
  size_t stacks_in_use = 0;
  size_t free_slots = 0;
  // Stacks of ended greenlets kept with their entry frame, ready for the next
  // greenlet to start on (see RawGreenlet); free in all but the address.
  size_t parked_stacks = 0;
};

class StackPool {
 public:
  static constexpr size_t kDefaultMaxFreeStacks = 1024;

  StackPool();
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // The usable bytes a stack of `size` gets: whole pages, at least two.
  static size_t UsableSize(size_t size) {
    constexpr size_t kPage = 4096;  // x86-64 and arm64 Linux base pages
    size_t usable = (size + kPage - 1) & ~(kPage - 1);
    return usable < 2 * kPage ? 2 * kPage : usable;
  }

  // Returns a stack of at least `size` usable bytes (rounded up to whole
  // pages). Throws std::system_error when the kernel refuses the memory.
  Stack Allocate(size_t size);

  // Gives `stack` back.
  void Release(Stack stack);

  // The owner keeps `delta` more (or fewer) of its allocated stacks parked
  // (counted as parked_stacks, not as in use).
  void CountParked(long delta) { parked_ += delta; }

  StackPoolStats stats() const;
  size_t max_free_stacks() const { return max_free_stacks_; }
  void set_max_free_stacks(size_t n) { max_free_stacks_ = n; }

  // True when slabs past the budget below get guard markers (Linux 6.13+),
  // which guard every slot without spending mappings.
  static bool GuardMarkersAvailable();
  // Process-wide count of guard mappings still allowed for PROT_NONE gaps (for
  // tests and benchmarks).
  static long GuardBudgetLeft();
  // Replaces the budget and returns the old one; tests use it to get unguarded
  // slabs (with markers turned off).
  static long ExchangeGuardBudgetForTesting(long budget);
  // Turns guard markers off (or back on where the kernel has them) for slabs
  // made from now on; returns whether they were on.
  static bool SetGuardMarkersForTesting(bool on);

 private:
  SizeClass& ClassFor(size_t usable);
  Slab* NewSlab(SizeClass& cls);
  void FreeSlab(Slab* slab);

  std::vector<SizeClass*> classes_;
  SizeClass* last_class_ = nullptr;  // most spawns use one size
  size_t max_free_stacks_ = kDefaultMaxFreeStacks;
  size_t total_free_slots_ = 0;
  size_t in_use_ = 0;
  size_t parked_ = 0;
};

}  // namespace gevent::internal

#endif  // GEVENT_GREENLET_INTERNAL_STACK_POOL_H_
