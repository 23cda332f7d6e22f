// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// nonblocking.h (internal)
//
// The "try the syscall first" half of a readiness backend: runs an IoOp's
// syscall once without blocking. Shared by the epoll and libevent backends.

#ifndef GEVENT_BACKENDS_INTERNAL_NONBLOCKING_H_
#define GEVENT_BACKENDS_INTERNAL_NONBLOCKING_H_

#include <cstdint>

#include "gevent/backends/backend.h"

namespace gevent::internal {

// Bit in IoOp::backend_state: a connect() is in progress; the next attempt
// reads SO_ERROR instead of connecting again.
inline constexpr uint32_t kConnectStarted = 1u << 0;

// Runs `op`'s syscall once. Returns its result (>= 0 or -errno), or -EAGAIN
// when the op must wait for the fd to become ready (always, for the pure
// readiness waits).
int64_t RunNonBlocking(IoOp* op);

// Whether `fd` is ready for the op's side right now (poll() with no wait): 1 if
// ready, 0 if not, -EBADF if the fd is not open.
int ReadyNow(const IoOp* op);

}  // namespace gevent::internal

#endif  // GEVENT_BACKENDS_INTERNAL_NONBLOCKING_H_
