// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// backend.h
//
// The interface between the hub and an event backend (epoll, libevent,
// io_uring). The hub hands the backend IoOps: readiness waits and real
// operations (recv, send, accept, connect, read, write). A readiness backend
// runs an operation as "try the syscall first; only on EAGAIN wait until the fd
// is ready, then try again", as gevent does; a completion backend (io_uring)
// submits it to the kernel. Either way the op completes exactly once, through
// its on_complete callback, with `result` set to the syscall's result or
// -errno.
//
//   gevent::IoOp op;
//   op.kind = gevent::IoOp::Kind::kRecv;
//   op.fd = fd; op.buf = buf; op.len = sizeof(buf);
//   op.on_complete = [](gevent::IoOp* o) { /* wake whoever waits for o */ };
//   if (!backend->Submit(&op)) { /* in flight: poll() will complete it */ }
//
// Cancellation: Cancel(op) asks the backend to stop an op. The op still
// completes exactly once (with -ECANCELED unless it finished first); until then
// its buffer and the IoOp itself must stay alive. That is what lets a killed
// greenlet unwind safely with an io_uring operation in flight.
//
// Users never touch this: the hub owns the backend. Not thread-safe except
// wake().

#ifndef GEVENT_BACKENDS_BACKEND_H_
#define GEVENT_BACKENDS_BACKEND_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace gevent {

struct IoOp {
  enum class Kind : uint8_t {
    kWaitReadable,  // completes with 0 when the fd is readable (or hung up)
    kWaitWritable,  // completes with 0 when the fd is writable (or hung up)
    kRecv,          // recv(fd, buf, len, flags)
    kSend,          // send(fd, buf, len, flags | MSG_NOSIGNAL)
    kAccept,        // accept4(fd, addr, &addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC)
    kConnect,       // connect(fd, addr, addrlen); 0 once connected
    kRead,          // read(fd, buf, len), or pread at `offset` when >= 0
    kWrite,         // write(fd, buf, len), or pwrite at `offset` when >= 0
  };

  Kind kind = Kind::kWaitReadable;
  int fd = -1;
  void* buf = nullptr;
  size_t len = 0;
  int flags = 0;
  sockaddr* addr = nullptr;  // accept: filled in; connect: the peer
  socklen_t addrlen = 0;     // accept: capacity in, length out; connect: length
  int64_t offset = -1;
  // The fd is a byte stream (TCP, Unix stream, pipe): a recv/read shorter
  // than `len` drained the kernel's buffer, so a readiness backend may wait
  // for the next edge before trying again instead of paying for an EAGAIN.
  bool stream = false;
  // A readiness wait (kWaitReadable/kWaitWritable) whose caller has just seen
  // EAGAIN on the fd: the backend may park it at once instead of checking
  // whether the fd is ready first.
  bool drained = false;
  // A readiness wait whose caller tries the call itself next and copes with
  // EAGAIN: where the fd may be ready, the backend completes it at once
  // rather than check with a syscall.
  bool optimistic = false;

  // Set by the backend before on_complete: >= 0 on success, -errno on failure.
  int64_t result = 0;
  // Called once, from Backend::Poll() or Backend::CloseFd(), unless Submit() or
  // Cancel() returned true (then the op is already over and nothing is called).
  void (*on_complete)(IoOp* op) = nullptr;
  void* user = nullptr;

  // Backend bookkeeping.
  IoOp* backend_next = nullptr;
  uint32_t backend_state = 0;

  bool is_read_side() const {
    return kind == Kind::kWaitReadable || kind == Kind::kRecv ||
           kind == Kind::kAccept || kind == Kind::kRead;
  }
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "epoll", "libevent" or "io_uring".
  virtual std::string_view name() const = 0;

  // Starts `op`. Returns true when it completed at once (op->result is set and
  // on_complete will not be called); false when it is in flight. An fd that
  // already has an op waiting on the same side completes with -EBUSY.
  virtual bool Submit(IoOp* op) = 0;

  // Asks an in-flight op to stop. Returns true when it is over now (op->result
  // is -ECANCELED, or its real result if it had finished): on_complete will not
  // be called. Returns false when the completion is still to come through
  // Poll().
  virtual bool Cancel(IoOp* op) = 0;

  // Waits up to `timeout_ns` (negative: no limit; 0: do not block) for events
  // and completes the ops they finish. Returns the number of ops completed.
  virtual int Poll(int64_t timeout_ns) = 0;

  // Makes a Poll() in progress, or the next one, return soon. Thread-safe and
  // async-signal-safe.
  virtual void Wake() = 0;

  // `fd` is about to be closed: every op waiting on it completes with -EBADF
  // (through on_complete, before this returns, on readiness backends), and the
  // backend forgets the fd, so a later fd with the same number starts clean.
  virtual void CloseFd(int fd) = 0;

  // Ops submitted and not yet completed.
  virtual size_t pending() const = 0;

  // True when work that only Poll() moves is already here, in user space: a
  // Poll(0) now would make progress without waiting for the kernel (io_uring:
  // SQEs not yet submitted, or completions waiting in the ring). The hub then
  // polls once the greenlets ready now have run, however busy they keep it.
  // Never makes a syscall. A readiness backend tries each op at once and
  // learns of readiness only through a syscall: false.
  virtual bool needs_poll() const { return false; }

  // True for a completion backend (io_uring): ops run in the kernel, not as
  // "try, then wait for readiness".
  virtual bool completion_based() const { return false; }

  // Provided buffers. Where this is not 0, a kRecv of at most that many bytes
  // may leave `buf` null: the backend picks one of its own buffers when data
  // arrives, so a connection that waits long pins no memory of its own. On
  // success op->buf points at the bytes, and the caller hands the buffer back
  // with ReturnBuffer(op) once it has copied them. -ENOBUFS means none was
  // free: retry with a buffer of your own.
  virtual size_t lent_buffer_size() const { return 0; }
  virtual void ReturnBuffer(IoOp* /*op*/) {}

  // True when kRead/kWrite on a regular file run without blocking the thread
  // (io_uring). On readiness backends a file is always "ready" and the read
  // blocks the thread, so callers hand files to a thread pool instead.
  virtual bool completes_file_io() const { return false; }
};

// Defined by the backend library the program links (exactly one).
std::unique_ptr<Backend> MakeBackend();

}  // namespace gevent

#endif  // GEVENT_BACKENDS_BACKEND_H_
