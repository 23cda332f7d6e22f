// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/internal/readiness_backend.h"

#include <sys/socket.h>

#include <cerrno>

#include "gevent/backends/internal/nonblocking.h"

namespace gevent::internal {

namespace {
bool IsPureWait(const IoOp* op) {
  return op->kind == IoOp::Kind::kWaitReadable ||
         op->kind == IoOp::Kind::kWaitWritable;
}

// Whether data may be left after a read of a stream gave `r`: not after a
// short read (it drained the buffer; new data brings a new edge), but after a
// full one, EOF or an error (all of which the next call must see).
bool ShortRead(const IoOp* op, int64_t r) {
  return r > 0 && static_cast<size_t>(r) < op->len;
}

// A read that consumes from a stream (a MSG_PEEK leaves the data there).
bool IsStreamRead(const IoOp* op) {
  return op->stream &&
         (op->kind == IoOp::Kind::kRead ||
          (op->kind == IoOp::Kind::kRecv && !(op->flags & MSG_PEEK)));
}
}  // namespace

ReadinessBackend::FdEntry& ReadinessBackend::Entry(int fd) {
  if (static_cast<size_t>(fd) >= fds_.size()) {
    fds_.resize(static_cast<size_t>(fd) + 1 + fds_.size() / 2);
  }
  return fds_[static_cast<size_t>(fd)];
}

bool ReadinessBackend::Submit(IoOp* op) {
  if (op->fd < 0) {
    op->result = -EBADF;
    return true;
  }
  const bool read_side = op->is_read_side();
  const bool pure_wait = IsPureWait(op);
  FdEntry& e = Entry(op->fd);
  bool& maybe_ready = read_side ? e.maybe_readable : e.maybe_writable;
  if (!pure_wait) {
    // A stream known to be drained since the last edge: wait for the next one
    // rather than pay for a recv that returns EAGAIN (one syscall in three on
    // a ping-pong connection).
    const bool known_drained = IsStreamRead(op) && e.registered && !maybe_ready;
    if (!known_drained) {
      int64_t r = RunNonBlocking(op);
      if (r != -EAGAIN) {
        if (IsStreamRead(op)) {
          maybe_ready = !(reports_hangup_ && !e.hung_up && ShortRead(op, r));
        }
        op->result = r;
        return true;
      }
      maybe_ready = false;
    }
  } else if (op->drained) {
    maybe_ready = false;  // an edge seen before that EAGAIN is spent
  } else if (op->optimistic && maybe_ready && e.registered) {
    op->result = 0;
    return true;
  } else if (maybe_ready || !e.registered) {
    if (int ready = ReadyNow(op); ready != 0) {
      op->result = ready < 0 ? ready : 0;
      return true;
    }
    maybe_ready = false;
  }
  IoOp*& slot = read_side ? e.reader : e.writer;
  if (slot != nullptr) {
    op->result = -EBUSY;
    return true;
  }
  if (!e.registered) {
    if (int r = Register(op->fd); r != 0) {
      if (r == -EPERM) {
        // A regular file or a directory: always ready, as for poll().
        op->result = pure_wait ? 0 : RunNonBlocking(op);
      } else {
        op->result = r;
      }
      return true;
    }
    e.registered = true;
  }
  slot = op;
  ++pending_;
  return false;
}

void ReadinessBackend::Complete(IoOp* op, int64_t result) {
  FdEntry& e = fds_[static_cast<size_t>(op->fd)];
  (op->is_read_side() ? e.reader : e.writer) = nullptr;
  --pending_;
  op->result = result;
  op->on_complete(op);
}

bool ReadinessBackend::Cancel(IoOp* op) {
  if (op->fd < 0 || static_cast<size_t>(op->fd) >= fds_.size()) return true;
  FdEntry& e = fds_[static_cast<size_t>(op->fd)];
  IoOp*& slot = op->is_read_side() ? e.reader : e.writer;
  if (slot == op) {
    slot = nullptr;
    --pending_;
    op->result = -ECANCELED;
  }
  return true;
}

void ReadinessBackend::OnReady(int fd, bool read_side, bool hangup) {
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return;
  FdEntry& e = fds_[static_cast<size_t>(fd)];
  if (hangup) e.hung_up = true;
  IoOp* op = read_side ? e.reader : e.writer;
  if (op == nullptr) {
    (read_side ? e.maybe_readable : e.maybe_writable) = true;
    return;
  }
  int64_t r = IsPureWait(op) ? 0 : RunNonBlocking(op);
  if (r == -EAGAIN) return;  // a spurious edge: keep waiting for the next
  if (IsPureWait(op)) {
    // The waiter reads or writes on its own, maybe not all that is there: the
    // next wait must check the fd rather than wait for an edge that may never
    // come.
    (read_side ? e.maybe_readable : e.maybe_writable) = true;
  } else if (IsStreamRead(op)) {
    e.maybe_readable = !(reports_hangup_ && !e.hung_up && ShortRead(op, r));
  }
  Complete(op, r);
}

void ReadinessBackend::CloseFd(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return;
  FdEntry& e = fds_[static_cast<size_t>(fd)];
  if (e.registered) Unregister(fd);
  IoOp* reader = e.reader;
  IoOp* writer = e.writer;
  e = FdEntry{};
  // Complete after the reset: a callback may start a new op on another fd and
  // grow fds_, which would move `e`.
  for (IoOp* op : {reader, writer}) {
    if (op == nullptr) continue;
    --pending_;
    op->result = -EBADF;
    op->on_complete(op);
  }
}

}  // namespace gevent::internal
