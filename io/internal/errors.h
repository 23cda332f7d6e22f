// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// errors.h (internal)
//
// Statuses for failed I/O calls, one wording everywhere:
//   "recv(fd 7): Connection reset by peer [ECONNRESET]"
// The code follows the errno (absl::ErrnoToStatusCode); ETIMEDOUT is
// DeadlineExceeded, and EBADF on a socket that was open when the call began is
// Cancelled ("closed while waiting"), as gevent's cancel_wait.

#ifndef GEVENT_IO_INTERNAL_ERRORS_H_
#define GEVENT_IO_INTERNAL_ERRORS_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gevent::internal {

// Debian's Abseil has its own string_view; the public API speaks std's.
inline absl::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }

// The symbolic name of `err` ("ECONNRESET"), or "".
absl::string_view ErrnoName(int err);

// `what`(fd N): strerror [ENAME], with the code ErrnoToStatusCode gives.
absl::Status ErrnoStatus(int err, absl::string_view what, int fd);

// DeadlineExceeded: "`what`(fd N): timed out after 1.5s".
absl::Status TimeoutStatus(absl::string_view what, int fd,
                           absl::Duration timeout);

// Cancelled: the fd was closed (by another greenlet) while `what` waited.
absl::Status ClosedWhileWaitingStatus(absl::string_view what, int fd);

// FailedPrecondition: `what` on a socket or file already closed.
absl::Status ClosedStatus(absl::string_view what);

}  // namespace gevent::internal

#endif  // GEVENT_IO_INTERNAL_ERRORS_H_
