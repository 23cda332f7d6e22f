// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/internal/fd.h"

#include <unistd.h>

#include "gevent/hub/hub.h"
#include "gevent/io/internal/errors.h"

namespace gevent::internal {

absl::Status CloseWakingWaiters(int fd) {
  // Waiters first: their ops must not outlive the fd number.
  if (Hub* hub = Hub::current_if_exists()) hub->CloseFd(fd);
  if (::close(fd) != 0 && errno != EINTR)
    return ErrnoStatus(errno, "close", fd);
  return absl::OkStatus();
}

}  // namespace gevent::internal
