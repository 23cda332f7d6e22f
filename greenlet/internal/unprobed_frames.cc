// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/greenlet/internal/unprobed_frames.h"

namespace gevent::internal {

[[gnu::noinline]] int UnprobedHugeArray() {
  constexpr size_t kBytes = 512 * 1024;
  volatile char array[kBytes];
  for (size_t i = 0; i < kBytes; i += 4096) array[i] = 1;
  return array[0] + array[kBytes - 4096];
}

}  // namespace gevent::internal
