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
// Two io_uring features are used where they pay off (uring_benchmark):
// - Multishot accept: one SQE keeps accepting while connections arrive, so a
//   burst drains the backlog in one io_uring_enter instead of one per
//   connection. Connections nobody has asked for yet wait in a per-listener
//   queue; once it holds kAcceptQueueCap the multishot is cancelled, so a
//   server that stops accepting leaves the rest in the kernel's backlog (a
//   burst that was already there when it ran comes in whole). The kernel would
//   write every peer into one shared address buffer, so the peer comes from
//   getpeername when the caller wants it.
// - Provided buffers (lent_buffer_size()): a recv with no buffer of its own
//   gets one of the backend's when data arrives, so an idle connection
//   waiting in Socket::recv(n) pins none.
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
#include <unordered_set>
#include <vector>

#include "gevent/backends/backend.h"
#include "gevent/backends/internal/wake_fd.h"

namespace gevent {

class UringBackend : public Backend {
 public:
  struct Options {
    unsigned entries = 256;  // submission queue size
    // Off: a one-shot accept SQE per accept (what kernels before 6.1 get).
    bool multishot_accept = true;
  };

  // Throws std::system_error (with the kernel's errno) when io_uring cannot be
  // set up.
  UringBackend() : UringBackend(Options{}) {}
  explicit UringBackend(Options options);
  ~UringBackend() override;

  std::string_view name() const override { return "io_uring"; }
  bool Submit(IoOp* op) override;
  bool Cancel(IoOp* op) override;
  int Poll(int64_t timeout_ns) override;
  void Wake() override;
  void CloseFd(int fd) override;
  size_t pending() const override { return pending_; }
  bool needs_poll() const override;
  bool completes_file_io() const override { return true; }
  bool completion_based() const override { return true; }
  size_t lent_buffer_size() const override { return kLentBufferSize; }
  void ReturnBuffer(IoOp* op) override;

  // Accepted connections a listener may hold before anyone asks for them.
  static constexpr size_t kAcceptQueueCap = 64;
  // The provided buffers: kLentBuffers of kLentBufferSize bytes, allocated on
  // the first recv that asks for one.
  static constexpr size_t kLentBufferSize = 16 * 1024;
  static constexpr unsigned kLentBuffers = 256;

  // io_uring_enter calls made so far (for tests and benchmarks).
  uint64_t enters() const { return enters_; }

 private:
  struct AcceptStream;
  struct FdSlots {
    IoOp* reader = nullptr;
    IoOp* writer = nullptr;
    AcceptStream* accepts = nullptr;  // the listener's multishot accept
  };
  io_uring_sqe* GetSqe();
  void Handle(io_uring_cqe* cqe);
  FdSlots* Slots(int fd);
  bool SubmitAccept(IoOp* op, FdSlots* slots);
  void ArmAccept(AcceptStream* s);
  void HandleAccept(AcceptStream* s, io_uring_cqe* cqe);
  void CompleteAccept(IoOp* op, int64_t result);
  bool SetUpBuffers();
  void RecycleBuffer(unsigned bid);

  io_uring ring_;
  internal::WakeFd wake_;
  uint64_t wake_buf_ = 0;
  bool wake_armed_ = false;
  std::vector<FdSlots> fds_;
  size_t pending_ = 0;
  uint64_t enters_ = 0;
  bool multishot_accept_ = false;  // the kernel has it (5.19+)
  std::unordered_set<AcceptStream*> accept_streams_;
  // Provided-buffer ring (group 0) and the buffers; null until first used.
  io_uring_buf_ring* buf_ring_ = nullptr;
  char* buffers_ = nullptr;
  bool buffers_failed_ = false;
};

}  // namespace gevent

#endif  // GEVENT_BACKENDS_URING_URING_BACKEND_H_
