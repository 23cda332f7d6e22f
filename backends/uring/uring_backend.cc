// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/uring/uring_backend.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

#include "gevent/backends/epoll/epoll_backend.h"

namespace gevent {

namespace {

// user_data tags for the SQEs that are not IoOps.
char wake_tag;
char cancel_tag;
void* const kWakeTag = &wake_tag;
void* const kCancelTag = &cancel_tag;

// IoOp::backend_state bits.
constexpr uint32_t kInFlight = 1u << 0;
constexpr uint32_t kClosed = 1u << 1;  // its fd went through CloseFd

bool IsPoll(const IoOp* op) {
  return op->kind == IoOp::Kind::kWaitReadable ||
         op->kind == IoOp::Kind::kWaitWritable;
}

}  // namespace

UringBackend::UringBackend(unsigned entries) {
  // Completions that arrive from the network run as task work in this thread.
  // By default the kernel interrupts the thread for each one (an IPI and a
  // kernel entry per message); deferred task work runs it in the batch of our
  // next io_uring_enter instead. Older kernels lack the flags: fall back.
  int r = -EINVAL;
  for (unsigned flags :
       {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, 0u}) {
    std::memset(&ring_, 0, sizeof(ring_));
    r = io_uring_queue_init(entries, &ring_, flags);
    if (r != -EINVAL) break;
  }
  if (r < 0) {
    throw std::system_error(-r, std::generic_category(),
                            "gevent: io_uring_queue_init failed");
  }
}

UringBackend::~UringBackend() { io_uring_queue_exit(&ring_); }

io_uring_sqe* UringBackend::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    // The submission queue is full: hand what is there to the kernel.
    io_uring_submit(&ring_);
    ++enters_;
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

UringBackend::FdSlots* UringBackend::Slots(int fd) {
  if (static_cast<size_t>(fd) >= fds_.size()) {
    fds_.resize(static_cast<size_t>(fd) + 1 + fds_.size() / 2);
  }
  return &fds_[static_cast<size_t>(fd)];
}

bool UringBackend::Submit(IoOp* op) {
  if (op->fd < 0) {
    op->result = -EBADF;
    return true;
  }
  FdSlots* slots = Slots(op->fd);
  IoOp*& slot = op->is_read_side() ? slots->reader : slots->writer;
  if (slot != nullptr) {
    op->result = -EBUSY;  // one reader and one writer per fd, as everywhere
    return true;
  }
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) {
    op->result = -EAGAIN;
    return true;
  }
  const int fd = op->fd;
  switch (op->kind) {
    case IoOp::Kind::kWaitReadable:
      io_uring_prep_poll_add(sqe, fd, POLLIN);
      break;
    case IoOp::Kind::kWaitWritable:
      io_uring_prep_poll_add(sqe, fd, POLLOUT);
      break;
    case IoOp::Kind::kRecv:
      io_uring_prep_recv(sqe, fd, op->buf, op->len, op->flags);
      break;
    case IoOp::Kind::kSend:
      io_uring_prep_send(sqe, fd, op->buf, op->len, op->flags | MSG_NOSIGNAL);
      break;
    case IoOp::Kind::kAccept:
      io_uring_prep_accept(sqe, fd, op->addr, op->addr ? &op->addrlen : nullptr,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
      break;
    case IoOp::Kind::kConnect:
      io_uring_prep_connect(sqe, fd, op->addr, op->addrlen);
      break;
    case IoOp::Kind::kRead:
      io_uring_prep_read(sqe, fd, op->buf, static_cast<unsigned>(op->len),
                         op->offset >= 0 ? static_cast<uint64_t>(op->offset)
                                         : static_cast<uint64_t>(-1));
      break;
    case IoOp::Kind::kWrite:
      io_uring_prep_write(sqe, fd, op->buf, static_cast<unsigned>(op->len),
                          op->offset >= 0 ? static_cast<uint64_t>(op->offset)
                                          : static_cast<uint64_t>(-1));
      break;
  }
  io_uring_sqe_set_data(sqe, op);
  op->backend_state = kInFlight;
  slot = op;
  ++pending_;
  return false;  // submitted with the next Poll()
}

bool UringBackend::Cancel(IoOp* op) {
  if (!(op->backend_state & kInFlight)) return true;  // already completed
  io_uring_sqe* sqe = GetSqe();
  if (sqe != nullptr) {
    io_uring_prep_cancel(sqe, op, 0);
    io_uring_sqe_set_data(sqe, kCancelTag);
  }
  return false;  // the op's own completion will come
}

void UringBackend::CloseFd(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return;
  FdSlots& s = fds_[static_cast<size_t>(fd)];
  for (IoOp* op : {s.reader, s.writer}) {
    if (op == nullptr) continue;
    op->backend_state |= kClosed;
    Cancel(op);
  }
  // The ops stay in flight (and counted) until the kernel completes them; the
  // slots are free for whatever opens this fd number next.
  s = FdSlots{};
}

void UringBackend::Handle(io_uring_cqe* cqe) {
  void* data = io_uring_cqe_get_data(cqe);
  if (data == kCancelTag) return;
  if (data == kWakeTag) {
    wake_armed_ = false;
    wake_.Rearm();  // the read SQE consumed the counter
    return;
  }
  auto* op = static_cast<IoOp*>(data);
  int64_t result = cqe->res;
  if (IsPoll(op) && result > 0) result = (result & POLLNVAL) ? -EBADF : 0;
  if (op->backend_state & kClosed) {
    if (result == -ECANCELED || result >= 0) result = -EBADF;
  } else {
    FdSlots* s = Slots(op->fd);
    (op->is_read_side() ? s->reader : s->writer) = nullptr;
  }
  op->backend_state = 0;
  --pending_;
  op->result = result;
  op->on_complete(op);
}

int UringBackend::Poll(int64_t timeout_ns) {
  if (!wake_armed_) {
    if (io_uring_sqe* sqe = GetSqe()) {
      io_uring_prep_read(sqe, wake_.fd(), &wake_buf_, sizeof(wake_buf_), 0);
      io_uring_sqe_set_data(sqe, kWakeTag);
      wake_armed_ = true;
    }
  }
  const size_t before = pending_;
  io_uring_cqe* cqe = nullptr;
  ++enters_;
  if (timeout_ns < 0) {
    io_uring_submit_and_wait(&ring_, 1);
  } else if (timeout_ns == 0) {
    // Submits and runs the deferred task work, so finished ops show up now.
    io_uring_submit_and_get_events(&ring_);
  } else {
    __kernel_timespec ts{timeout_ns / 1000000000, timeout_ns % 1000000000};
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  }
  unsigned head;
  unsigned seen = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    Handle(cqe);
    ++seen;
  }
  io_uring_cq_advance(&ring_, seen);
  return static_cast<int>(before - pending_);
}

void UringBackend::Wake() { wake_.Notify(); }

std::unique_ptr<Backend> MakeBackend() {
  try {
    return std::make_unique<UringBackend>();
  } catch (const std::system_error& e) {
    std::fprintf(stderr,
                 "gevent: io_uring is not available here (%s); falling back to "
                 "epoll\n",
                 e.what());
    return std::make_unique<EpollBackend>();
  }
}

}  // namespace gevent
