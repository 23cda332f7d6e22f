// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/internal/errors.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace gevent::internal {

absl::string_view ErrnoName(int err) {
  switch (err) {
#define GEVENT_ERRNO_CASE(e) \
  case e:                    \
    return #e;
    GEVENT_ERRNO_CASE(EPERM)
    GEVENT_ERRNO_CASE(ENOENT)
    GEVENT_ERRNO_CASE(EINTR)
    GEVENT_ERRNO_CASE(EIO)
    GEVENT_ERRNO_CASE(EBADF)
    GEVENT_ERRNO_CASE(EAGAIN)
    GEVENT_ERRNO_CASE(ENOMEM)
    GEVENT_ERRNO_CASE(EACCES)
    GEVENT_ERRNO_CASE(EFAULT)
    GEVENT_ERRNO_CASE(EBUSY)
    GEVENT_ERRNO_CASE(EEXIST)
    GEVENT_ERRNO_CASE(ENOTDIR)
    GEVENT_ERRNO_CASE(EISDIR)
    GEVENT_ERRNO_CASE(EINVAL)
    GEVENT_ERRNO_CASE(ENFILE)
    GEVENT_ERRNO_CASE(EMFILE)
    GEVENT_ERRNO_CASE(ENOSPC)
    GEVENT_ERRNO_CASE(ESPIPE)
    GEVENT_ERRNO_CASE(EPIPE)
    GEVENT_ERRNO_CASE(ENAMETOOLONG)
    GEVENT_ERRNO_CASE(ENOTSOCK)
    GEVENT_ERRNO_CASE(EDESTADDRREQ)
    GEVENT_ERRNO_CASE(EMSGSIZE)
    GEVENT_ERRNO_CASE(EPROTOTYPE)
    GEVENT_ERRNO_CASE(ENOPROTOOPT)
    GEVENT_ERRNO_CASE(EPROTONOSUPPORT)
    GEVENT_ERRNO_CASE(EOPNOTSUPP)
    GEVENT_ERRNO_CASE(EAFNOSUPPORT)
    GEVENT_ERRNO_CASE(EADDRINUSE)
    GEVENT_ERRNO_CASE(EADDRNOTAVAIL)
    GEVENT_ERRNO_CASE(ENETDOWN)
    GEVENT_ERRNO_CASE(ENETUNREACH)
    GEVENT_ERRNO_CASE(ECONNABORTED)
    GEVENT_ERRNO_CASE(ECONNRESET)
    GEVENT_ERRNO_CASE(ENOBUFS)
    GEVENT_ERRNO_CASE(EISCONN)
    GEVENT_ERRNO_CASE(ENOTCONN)
    GEVENT_ERRNO_CASE(ETIMEDOUT)
    GEVENT_ERRNO_CASE(ECONNREFUSED)
    GEVENT_ERRNO_CASE(EHOSTUNREACH)
    GEVENT_ERRNO_CASE(EALREADY)
    GEVENT_ERRNO_CASE(EINPROGRESS)
    GEVENT_ERRNO_CASE(ECANCELED)
#undef GEVENT_ERRNO_CASE
    default:
      return {};
  }
}

absl::Status ErrnoStatus(int err, absl::string_view what, int fd) {
  absl::string_view name = ErrnoName(err);
  std::string message =
      absl::StrCat(what, "(fd ", fd, "): ", std::strerror(err), " [",
                   name.empty() ? absl::StrCat("errno ", err) : name, "]");
  if (err == ETIMEDOUT) return absl::DeadlineExceededError(message);
  return absl::Status(absl::ErrnoToStatusCode(err), message);
}

absl::Status TimeoutStatus(absl::string_view what, int fd,
                           absl::Duration timeout) {
  return absl::DeadlineExceededError(absl::StrCat(
      what, "(fd ", fd, "): timed out after ", absl::FormatDuration(timeout)));
}

absl::Status ClosedWhileWaitingStatus(absl::string_view what, int fd) {
  return absl::CancelledError(
      absl::StrCat(what, "(fd ", fd,
                   "): the socket was closed by another greenlet while this "
                   "call waited on it"));
}

absl::Status ClosedStatus(absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": the socket or file is closed"));
}

}  // namespace gevent::internal
