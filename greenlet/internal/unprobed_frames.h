// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// unprobed_frames.h (internal, tests only)
//
// Functions with large frames built *without* stack probing
// (-fno-stack-clash-protection), as a user's code built without gevent-cpp's
// copts would be: they stand in for such code in the overflow tests.

#ifndef GEVENT_GREENLET_INTERNAL_UNPROBED_FRAMES_H_
#define GEVENT_GREENLET_INTERNAL_UNPROBED_FRAMES_H_

#include <cstddef>

namespace gevent::internal {

// A 512 KiB local array filled from its lowest byte up, one byte a page: the
// frame's first write lands far below the stack pointer's old place, and the
// writes climb from there.
int UnprobedHugeArray();

}  // namespace gevent::internal

#endif  // GEVENT_GREENLET_INTERNAL_UNPROBED_FRAMES_H_
