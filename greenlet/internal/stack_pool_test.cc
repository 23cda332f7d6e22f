// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/greenlet/internal/stack_pool.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace gevent::internal {
namespace {

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

// Turns guard markers off and sets the guard budget for a test (as on a kernel
// before 6.13), restoring both after it.
class BudgetGuard {
 public:
  explicit BudgetGuard(long budget)
      : markers_(StackPool::SetGuardMarkersForTesting(false)),
        old_(StackPool::ExchangeGuardBudgetForTesting(budget)) {}
  ~BudgetGuard() {
    StackPool::ExchangeGuardBudgetForTesting(old_);
    StackPool::SetGuardMarkersForTesting(markers_);
  }

 private:
  bool markers_;
  long old_;
};

// True when the kernel refuses to write at `address` (a guard), false when it
// writes there.
bool KernelCannotWrite(char* address) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  EXPECT_EQ(write(fds[1], "x", 1), 1);
  const bool refused = read(fds[0], address, 1) == -1 && errno == EFAULT;
  close(fds[0]);
  close(fds[1]);
  return refused;
}

int MappingCount() {
  int lines = 0;
  if (FILE* f = std::fopen("/proc/self/maps", "r")) {
    for (int c; (c = std::fgetc(f)) != EOF;) lines += c == '\n';
    std::fclose(f);
  }
  return lines;
}

TEST(StackPool, RoundsUpToPagesAndIsWritable) {
  StackPool pool;
  Stack s = pool.Allocate(10000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s.size() % kPage, 0u);
  EXPECT_GE(s.size(), 10000u);
  std::memset(s.bottom, 0xab, s.size());  // every byte of the stack is usable
  pool.Release(s);
}

TEST(StackPool, ReusesTheLastReleasedStackFirst) {
  StackPool pool;
  Stack a = pool.Allocate(64 * 1024);
  Stack b = pool.Allocate(64 * 1024);
  EXPECT_NE(a.bottom, b.bottom);
  pool.Release(a);
  Stack c = pool.Allocate(64 * 1024);
  EXPECT_EQ(c.bottom, a.bottom);  // warm stack reused
  pool.Release(b);
  pool.Release(c);
  EXPECT_EQ(pool.stats().stacks_in_use, 0u);
}

TEST(StackPool, SizeClassesDoNotMix) {
  StackPool pool;
  Stack small = pool.Allocate(16 * 1024);
  Stack big = pool.Allocate(256 * 1024);
  EXPECT_EQ(small.size(), 16 * 1024u);
  EXPECT_EQ(big.size(), 256 * 1024u);
  pool.Release(small);
  Stack big2 = pool.Allocate(256 * 1024);
  EXPECT_NE(big2.bottom, small.bottom);
  pool.Release(big);
  pool.Release(big2);
}

TEST(StackPool, GuardedSlabHasProtNoneGapBelowEachStack) {
  StackPool pool;
  ASSERT_GT(StackPool::GuardBudgetLeft(), 10000);
  Stack s = pool.Allocate(32 * 1024);
  ASSERT_TRUE(s.guarded);
  EXPECT_TRUE(KernelCannotWrite(s.bottom - 1));
  EXPECT_TRUE(KernelCannotWrite(s.bottom - kGapBytes));
  EXPECT_FALSE(KernelCannotWrite(s.bottom));  // the stack is writable
  pool.Release(s);
}

TEST(StackPool, PastTheBudgetGuardMarkersGuardEveryStack) {
  if (!StackPool::GuardMarkersAvailable()) {
    GTEST_SKIP() << "this kernel has no guard markers (Linux 6.13+)";
  }
  const long budget = StackPool::ExchangeGuardBudgetForTesting(0);
  const int maps_before = MappingCount();
  {
    StackPool pool;
    // As many stacks as half of vm.max_map_count could guard with PROT_NONE.
    const size_t n = static_cast<size_t>(budget) / 2;
    std::vector<Stack> stacks;
    stacks.reserve(n);
    for (size_t i = 0; i < n; ++i) stacks.push_back(pool.Allocate(16 * 1024));
    for (size_t i : {size_t{0}, n / 2, n - 1}) {
      ASSERT_TRUE(stacks[i].guarded) << i;
      EXPECT_TRUE(KernelCannotWrite(stacks[i].bottom - 1)) << i;
      EXPECT_TRUE(KernelCannotWrite(stacks[i].bottom - kGapBytes)) << i;
      EXPECT_FALSE(KernelCannotWrite(stacks[i].bottom)) << i;
    }
    const StackPoolStats stats = pool.stats();
    EXPECT_EQ(stats.guarded_slabs, stats.slabs);
    // About a mapping per slab (and what a sanitizer's allocator maps), not
    // two per stack as PROT_NONE gaps take.
    EXPECT_LT(MappingCount() - maps_before, static_cast<int>(n / 8));
    for (Stack& s : stacks) pool.Release(s);
  }
  StackPool::ExchangeGuardBudgetForTesting(budget);
}

TEST(StackPool, PastTheBudgetSlabsAreUnguardedWithAWritableGap) {
  BudgetGuard no_guards(0);
  StackPool pool;
  Stack s = pool.Allocate(32 * 1024);
  EXPECT_FALSE(s.guarded);
  EXPECT_TRUE(s.InGap(s.bottom - 1));
  EXPECT_TRUE(s.InGap(s.bottom - kGapBytes));
  EXPECT_FALSE(s.InGap(s.bottom));
  s.bottom[-1] = 1;  // an overflow lands in the gap, not in a neighbour's stack
  Stack t = pool.Allocate(32 * 1024);
  EXPECT_TRUE(t.bottom >= s.top || t.top <= s.bottom - kGapBytes);
  pool.Release(s);
  pool.Release(t);
}

TEST(StackPool, GuardsReturnToTheBudgetWhenSlabsAreUnmapped) {
  const long before = StackPool::GuardBudgetLeft();
  {
    StackPool pool;
    Stack s = pool.Allocate(32 * 1024);
    EXPECT_LT(StackPool::GuardBudgetLeft(), before);
    pool.Release(s);
  }
  EXPECT_EQ(StackPool::GuardBudgetLeft(), before);
}

TEST(StackPool, BurstLeavesNoMoreThanTheBoundMapped) {
  StackPool pool;
  pool.set_max_free_stacks(256);
  std::vector<Stack> stacks;
  for (int i = 0; i < 100000; ++i) stacks.push_back(pool.Allocate(16 * 1024));
  StackPoolStats busy = pool.stats();
  EXPECT_EQ(busy.stacks_in_use, 100000u);
  for (Stack& s : stacks) pool.Release(s);
  StackPoolStats idle = pool.stats();
  EXPECT_EQ(idle.stacks_in_use, 0u);
  const size_t stride = 16 * 1024 + kGapBytes;
  const size_t slab_bytes = busy.mapped_bytes / busy.slabs;
  // At most the bound's worth of free stacks, plus one slab's rounding.
  EXPECT_LE(idle.mapped_bytes, 256 * stride + slab_bytes);
  EXPECT_LT(idle.slabs, busy.slabs);
}

}  // namespace
}  // namespace gevent::internal
