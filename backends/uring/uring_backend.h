// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// uring_backend.h
//
// The completion backend on io_uring (liburing): recv, send, accept, connect,
// read and write are real io_uring operations, and readiness waits are poll-add
// operations. Nothing is submitted per operation: every SQE prepared since the
// last Poll() goes to the kernel in the one io_uring_enter that also waits for
// completions, so a request/response costs fewer syscalls than with epoll.
// Cancelling submits IORING_OP_ASYNC_CANCEL; the op still completes (usually
// with -ECANCELED) through a later Poll(), and only then may its buffer go.
// Wake() writes an eventfd that a read SQE keeps watching.
//
//   bazel build --//backends:backend=uring //...   (or --config=uring)
//
// Where io_uring cannot start (ENOSYS, EPERM, kernel.io_uring_disabled),
// MakeBackend() says so on stderr and falls back to epoll.

#ifndef GEVENT_BACKENDS_URING_URING_BACKEND_H_
#define GEVENT_BACKENDS_URING_URING_BACKEND_H_

#include <liburing.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "gevent/backends/backend.h"
#include "gevent/backends/internal/wake_fd.h"

namespace gevent {

class UringBackend : public Backend {
 public:
  // Throws std::system_error (with the kernel's errno) when io_uring cannot be
  // set up.
  explicit UringBackend(unsigned entries = 256);
  ~UringBackend() override;

  std::string_view name() const override { return "io_uring"; }
  bool Submit(IoOp* op) override;
  bool Cancel(IoOp* op) override;
  int Poll(int64_t timeout_ns) override;
  void Wake() override;
  void CloseFd(int fd) override;
  size_t pending() const override { return pending_; }
  bool completes_file_io() const override { return true; }

  // io_uring_enter calls made so far (for tests and benchmarks).
  uint64_t enters() const { return enters_; }

 private:
  struct FdSlots {
    IoOp* reader = nullptr;
    IoOp* writer = nullptr;
  };
  io_uring_sqe* GetSqe();
  void Handle(io_uring_cqe* cqe);
  FdSlots* Slots(int fd);

  io_uring ring_;
  internal::WakeFd wake_;
  uint64_t wake_buf_ = 0;
  bool wake_armed_ = false;
  std::vector<FdSlots> fds_;
  size_t pending_ = 0;
  uint64_t enters_ = 0;
};

}  // namespace gevent

#endif  // GEVENT_BACKENDS_URING_URING_BACKEND_H_
