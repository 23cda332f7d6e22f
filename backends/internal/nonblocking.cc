// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/internal/nonblocking.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace gevent::internal {

namespace {
int64_t Result(ssize_t r) { return r >= 0 ? r : -errno; }
}  // namespace

int64_t RunNonBlocking(IoOp* op) {
  switch (op->kind) {
    case IoOp::Kind::kWaitReadable:
    case IoOp::Kind::kWaitWritable:
      return -EAGAIN;
    case IoOp::Kind::kRecv:
      return Result(recv(op->fd, op->buf, op->len, op->flags | MSG_DONTWAIT));
    case IoOp::Kind::kSend:
      return Result(send(op->fd, op->buf, op->len,
                         op->flags | MSG_DONTWAIT | MSG_NOSIGNAL));
    case IoOp::Kind::kAccept: {
      socklen_t* len = op->addr ? &op->addrlen : nullptr;
      return Result(
          accept4(op->fd, op->addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    }
    case IoOp::Kind::kConnect: {
      if (op->backend_state & kConnectStarted) {
        int error = 0;
        socklen_t len = sizeof(error);
        if (getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) {
          return -errno;
        }
        return error == 0 ? 0 : -error;
      }
      if (connect(op->fd, op->addr, op->addrlen) == 0) return 0;
      if (errno == EINPROGRESS || errno == EAGAIN) {
        op->backend_state |= kConnectStarted;
        return -EAGAIN;
      }
      return -errno;
    }
    case IoOp::Kind::kRead:
      return Result(op->offset >= 0
                        ? pread(op->fd, op->buf, op->len, op->offset)
                        : read(op->fd, op->buf, op->len));
    case IoOp::Kind::kWrite:
      return Result(op->offset >= 0
                        ? pwrite(op->fd, op->buf, op->len, op->offset)
                        : write(op->fd, op->buf, op->len));
  }
  return -EINVAL;
}

int ReadyNow(const IoOp* op) {
  pollfd p{};
  p.fd = op->fd;
  p.events = op->is_read_side() ? POLLIN : POLLOUT;
  if (poll(&p, 1, 0) != 1) return 0;
  return (p.revents & POLLNVAL) ? -EBADF : 1;
}

}  // namespace gevent::internal
