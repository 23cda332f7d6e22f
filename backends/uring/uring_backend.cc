// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/backends/uring/uring_backend.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <system_error>

#include "gevent/backends/epoll/epoll_backend.h"

namespace gevent {

namespace {

// user_data tags for the SQEs that are not IoOps.
// Aligned, so that they never look like a tagged AcceptStream.
alignas(8) char wake_tag;
alignas(8) char cancel_tag;
void* const kWakeTag = &wake_tag;
void* const kCancelTag = &cancel_tag;

// An AcceptStream's CQEs carry its address with this bit set (IoOps and
// streams are at least 8-byte aligned), to tell them from IoOps.
constexpr uintptr_t kAcceptStreamBit = 1;

// IoOp::backend_state bits.
constexpr uint32_t kInFlight = 1u << 0;
constexpr uint32_t kClosed = 1u << 1;  // its fd went through CloseFd
constexpr uint32_t kParked = 1u << 2;  // an accept waiting on its stream
constexpr uint32_t kLent = 1u << 3;    // a recv that asked for a lent buffer

constexpr int kBufferGroup = 0;

bool IsPoll(const IoOp* op) {
  return op->kind == IoOp::Kind::kWaitReadable ||
         op->kind == IoOp::Kind::kWaitWritable;
}

}  // namespace

// A listener's multishot accept: connections it accepted that nobody has
// taken yet, and whether its SQE is in the kernel. Lives until the kernel
// ends the multishot, which may be after the fd was closed.
struct UringBackend::AcceptStream {
  int fd;
  bool armed = false;       // the multishot SQE is in the kernel
  bool cancelling = false;  // and we asked it to stop
  bool closed = false;      // its fd went through CloseFd
  std::deque<int> ready;
};

UringBackend::UringBackend(Options options) {
  // Completions that arrive from the network run as task work in this thread.
  // By default the kernel interrupts the thread for each one (an IPI and a
  // kernel entry per message); deferred task work runs it in the batch of our
  // next io_uring_enter instead. Older kernels lack the flags: fall back.
  int r = -EINVAL;
  for (unsigned flags :
       {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, 0u}) {
    std::memset(&ring_, 0, sizeof(ring_));
    r = io_uring_queue_init(options.entries, &ring_, flags);
    if (r != -EINVAL) {
      // DEFER_TASKRUN came with 6.1, after multishot accept (5.19).
      multishot_accept_ =
          options.multishot_accept && (flags & IORING_SETUP_DEFER_TASKRUN) != 0;
      break;
    }
  }
  if (r < 0) {
    throw std::system_error(-r, std::generic_category(),
                            "gevent: io_uring_queue_init failed");
  }
}

UringBackend::~UringBackend() {
  io_uring_queue_exit(&ring_);
  for (AcceptStream* s : accept_streams_) {
    for (int fd : s->ready) ::close(fd);
    delete s;
  }
  if (buf_ring_ != nullptr) {
    munmap(buf_ring_, kLentBuffers * sizeof(io_uring_buf));
    munmap(buffers_, kLentBuffers * kLentBufferSize);
  }
}

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
  if (op->kind == IoOp::Kind::kAccept && multishot_accept_) {
    return SubmitAccept(op, slots);
  }
  const bool lend = op->kind == IoOp::Kind::kRecv && op->buf == nullptr;
  if (lend && (op->len > kLentBufferSize || !SetUpBuffers())) {
    op->result = -ENOBUFS;
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
      if (lend) {
        // The kernel picks a buffer from group 0 when data is there.
        io_uring_prep_recv(sqe, fd, nullptr, op->len, op->flags);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = kBufferGroup;
      } else {
        io_uring_prep_recv(sqe, fd, op->buf, op->len, op->flags);
      }
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
  op->backend_state = kInFlight | (lend ? kLent : 0u);
  slot = op;
  ++pending_;
  return false;  // submitted with the next Poll()
}

bool UringBackend::SubmitAccept(IoOp* op, FdSlots* slots) {
  AcceptStream* s = slots->accepts;
  if (s == nullptr) {
    s = new AcceptStream{op->fd};
    slots->accepts = s;
    accept_streams_.insert(s);
  }
  if (!s->ready.empty()) {
    const int fd = s->ready.front();
    s->ready.pop_front();
    CompleteAccept(op, fd);
    return true;
  }
  slots->reader = op;
  op->backend_state = kInFlight | kParked;
  ++pending_;
  if (!s->armed) ArmAccept(s);
  return false;
}

void UringBackend::ArmAccept(AcceptStream* s) {
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return;  // retried when the next accept comes
  // No address: the kernel would write every peer into the same buffer.
  io_uring_prep_multishot_accept(sqe, s->fd, nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data(sqe,
                        reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(s) |
                                                kAcceptStreamBit));
  s->armed = true;
  s->cancelling = false;
}

void UringBackend::CompleteAccept(IoOp* op, int64_t result) {
  if (result >= 0 && op->addr != nullptr) {
    socklen_t len = op->addrlen;
    // A peer that already hung up has no address left: report none.
    op->addrlen =
        getpeername(static_cast<int>(result), op->addr, &len) == 0 ? len : 0;
  }
  op->result = result;
}

void UringBackend::HandleAccept(AcceptStream* s, io_uring_cqe* cqe) {
  const bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
  IoOp* waiter = nullptr;
  if (!s->closed) {
    IoOp* r = Slots(s->fd)->reader;
    if (r != nullptr && (r->backend_state & kParked)) waiter = r;
  }
  const int res = cqe->res;
  if (res >= 0 && s->closed) {
    ::close(res);
  } else if (res >= 0 && waiter == nullptr) {
    s->ready.push_back(res);
    if (s->ready.size() >= kAcceptQueueCap && s->armed && !s->cancelling) {
      // Nobody is taking them: leave the rest in the kernel's backlog.
      if (io_uring_sqe* sqe = GetSqe()) {
        io_uring_prep_cancel(sqe, io_uring_cqe_get_data(cqe), 0);
        io_uring_sqe_set_data(sqe, kCancelTag);
        s->cancelling = true;
      }
    }
  } else if (waiter != nullptr && res != -ECANCELED) {
    // A connection, or an error (EMFILE, ...) for the one who asked.
    Slots(s->fd)->reader = nullptr;
    waiter->backend_state = 0;
    --pending_;
    CompleteAccept(waiter, res);
    waiter->on_complete(waiter);
    waiter = nullptr;
  }
  if (more) return;
  s->armed = false;
  s->cancelling = false;
  if (s->closed) {
    accept_streams_.erase(s);
    delete s;
  } else if (waiter != nullptr) {
    ArmAccept(s);  // someone still waits
  }
}

bool UringBackend::Cancel(IoOp* op) {
  if (!(op->backend_state & kInFlight)) return true;  // already completed
  if (op->backend_state & kParked) {
    // No SQE of its own: the multishot stays armed for the next accept.
    FdSlots* s = Slots(op->fd);
    if (s->reader == op) s->reader = nullptr;
    op->backend_state = 0;
    op->result = -ECANCELED;
    --pending_;
    return true;
  }
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
  const FdSlots was = s;
  // The slots are free for whatever opens this fd number next; the ops stay
  // in flight (and counted) until the kernel completes them.
  s = FdSlots{};
  for (IoOp* op : {was.reader, was.writer}) {
    if (op == nullptr) continue;
    if (op->backend_state & kParked) {
      op->backend_state = 0;
      --pending_;
      op->result = -EBADF;
      op->on_complete(op);
      continue;
    }
    op->backend_state |= kClosed;
    Cancel(op);
  }
  if (AcceptStream* a = was.accepts) {
    a->closed = true;
    for (int afd : a->ready) ::close(afd);
    a->ready.clear();
    if (!a->armed) {
      accept_streams_.erase(a);
      delete a;
    } else {
      if (!a->cancelling) {
        if (io_uring_sqe* sqe = GetSqe()) {
          io_uring_prep_cancel(
              sqe,
              reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(a) |
                                      kAcceptStreamBit),
              0);
          io_uring_sqe_set_data(sqe, kCancelTag);
          a->cancelling = true;
        }
      }
      // The multishot holds the listening socket open in the kernel: end it
      // now, so the port is free once the caller closes the fd.
      ++enters_;
      io_uring_submit_and_get_events(&ring_);
    }
  }
}

void UringBackend::Handle(io_uring_cqe* cqe) {
  void* data = io_uring_cqe_get_data(cqe);
  if (data == kCancelTag) return;
  if (data == kWakeTag) {
    wake_armed_ = false;
    wake_.Rearm();  // the read SQE consumed the counter
    return;
  }
  if (reinterpret_cast<uintptr_t>(data) & kAcceptStreamBit) {
    HandleAccept(reinterpret_cast<AcceptStream*>(
                     reinterpret_cast<uintptr_t>(data) & ~kAcceptStreamBit),
                 cqe);
    return;
  }
  auto* op = static_cast<IoOp*>(data);
  int64_t result = cqe->res;
  if (IsPoll(op) && result > 0) result = (result & POLLNVAL) ? -EBADF : 0;
  const bool closed = (op->backend_state & kClosed) != 0;
  if (closed && (result == -ECANCELED || result >= 0)) result = -EBADF;
  if (cqe->flags & IORING_CQE_F_BUFFER) {
    const unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    if (result > 0) {
      op->buf = buffers_ + static_cast<size_t>(bid) * kLentBufferSize;
    } else {
      RecycleBuffer(bid);  // consumed by an EOF or an error: nothing to lend
    }
  }
  if (!closed) {
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

bool UringBackend::needs_poll() const {
  // Both read the rings' shared indexes: no syscall. A completion shows up in
  // the ring without one only on kernels without DEFER_TASKRUN.
  return io_uring_sq_ready(&ring_) > 0 || io_uring_cq_ready(&ring_) > 0;
}

void UringBackend::Wake() { wake_.Notify(); }

bool UringBackend::SetUpBuffers() {
  if (buf_ring_ != nullptr) return true;
  if (buffers_failed_) return false;
  const size_t ring_bytes = kLentBuffers * sizeof(io_uring_buf);
  const size_t data_bytes = kLentBuffers * kLentBufferSize;
  // Anonymous mappings: pages cost nothing until the kernel writes into them.
  void* ring = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void* data = mmap(nullptr, data_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(ring);
  reg.ring_entries = kLentBuffers;
  reg.bgid = kBufferGroup;
  if (ring == MAP_FAILED || data == MAP_FAILED ||
      io_uring_register_buf_ring(&ring_, &reg, 0) != 0) {
    // An older kernel (before 5.19): callers use their own buffers.
    if (ring != MAP_FAILED) munmap(ring, ring_bytes);
    if (data != MAP_FAILED) munmap(data, data_bytes);
    buffers_failed_ = true;
    return false;
  }
  buf_ring_ = static_cast<io_uring_buf_ring*>(ring);
  buffers_ = static_cast<char*>(data);
  io_uring_buf_ring_init(buf_ring_);
  for (unsigned i = 0; i < kLentBuffers; ++i) {
    io_uring_buf_ring_add(buf_ring_, buffers_ + i * kLentBufferSize,
                          kLentBufferSize, static_cast<unsigned short>(i),
                          io_uring_buf_ring_mask(kLentBuffers),
                          static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buf_ring_, kLentBuffers);
  return true;
}

void UringBackend::RecycleBuffer(unsigned bid) {
  io_uring_buf_ring_add(buf_ring_, buffers_ + bid * kLentBufferSize,
                        kLentBufferSize, static_cast<unsigned short>(bid),
                        io_uring_buf_ring_mask(kLentBuffers), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

void UringBackend::ReturnBuffer(IoOp* op) {
  if (op->buf == nullptr || buffers_ == nullptr) return;
  const auto offset = static_cast<char*>(op->buf) - buffers_;
  if (offset < 0 ||
      static_cast<size_t>(offset) >= kLentBuffers * kLentBufferSize) {
    return;  // not one of ours
  }
  RecycleBuffer(
      static_cast<unsigned>(static_cast<size_t>(offset) / kLentBufferSize));
  op->buf = nullptr;
}

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
