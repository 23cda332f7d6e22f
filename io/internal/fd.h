// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// fd.h (internal)
//
// What Socket and File share about owning an fd: closing it so that greenlets
// waiting on it wake (Hub::CloseFd first, then close(2)), and turning a
// syscall's return into a result or -errno.

#ifndef GEVENT_IO_INTERNAL_FD_H_
#define GEVENT_IO_INTERNAL_FD_H_

#include <sys/types.h>

#include <cerrno>
#include <cstdint>

#include "absl/status/status.h"

namespace gevent::internal {

// `r` if it is >= 0, else -errno.
inline int64_t ErrnoResult(ssize_t r) { return r >= 0 ? r : -errno; }

// Wakes the greenlets waiting on `fd` (with EBADF, through the hub of this
// thread, if it has one), then closes it. The errno text if close(2) fails.
absl::Status CloseWakingWaiters(int fd);

}  // namespace gevent::internal

#endif  // GEVENT_IO_INTERNAL_FD_H_
