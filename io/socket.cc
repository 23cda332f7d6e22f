// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "gevent/hub/hub.h"
#include "gevent/io/internal/errors.h"
#include "gevent/io/internal/fd.h"

namespace gevent {

namespace {}  // namespace

// --- lifetime
// ---------------------------------------------------------------

Socket::~Socket() {
  if (fd_ >= 0) (void)internal::CloseWakingWaiters(std::exchange(fd_, -1));
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) (void)internal::CloseWakingWaiters(std::exchange(fd_, -1));
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    stream_ = other.stream_;
    owner_.Release();
    other.owner_.Release();
  }
  return *this;
}

absl::Status Socket::Enter(const char* what, Hub** hub, const char* object) {
  *hub = owner_.Bind();
  if (ABSL_PREDICT_TRUE(*hub != nullptr)) return absl::OkStatus();
  return owner_.Error(absl::StrCat(object, "::", what), object);
}

absl::Status Socket::Check(const char* what, const char* object) const {
  if (ABSL_PREDICT_TRUE(owner_.here())) return absl::OkStatus();
  return owner_.Error(absl::StrCat(object, "::", what), object);
}

absl::StatusOr<Socket> Socket::Create(int family, int type, int protocol) {
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    int err = errno;
    return internal::ErrnoStatus(
        err, absl::StrCat("socket(family ", family, ", type ", type, ")"), -1);
  }
  return Socket(fd, (type & 0xf) == SOCK_STREAM);
}

absl::StatusOr<Socket> Socket::FromFd(int fd) {
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Socket::FromFd(", fd, "): not an open fd"));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Socket::FromFd(", fd, "): not a socket"));
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return internal::ErrnoStatus(errno, "Socket::FromFd: fcntl", fd);
  }
  int type = 0;
  socklen_t len = sizeof(type);
  ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
  return Socket(fd, type == SOCK_STREAM);
}

absl::StatusOr<std::pair<Socket, Socket>> Socket::Pair(int type) {
  int fds[2];
  if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    return internal::ErrnoStatus(errno, "socketpair", -1);
  }
  const bool stream = (type & 0xf) == SOCK_STREAM;
  return std::pair<Socket, Socket>(Socket(fds[0], stream),
                                   Socket(fds[1], stream));
}

absl::Status Socket::close() {
  if (absl::Status s = Check("close"); !s.ok()) return s;
  if (fd_ < 0) return absl::OkStatus();
  return internal::CloseWakingWaiters(std::exchange(fd_, -1));
}

absl::Status Socket::settimeout(absl::Duration timeout) {
  if (absl::Status s = Check("settimeout"); !s.ok()) return s;
  if (timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Socket::settimeout: negative timeout ",
                     absl::FormatDuration(timeout)));
  }
  timeout_ = timeout;
  return absl::OkStatus();
}

// --- the cooperative core
// ---------------------------------------------------

namespace {

// The deadline for `timeout` (kDefaultTimeout: `fallback`), in monotonic ns;
// -1 for none, -2 (and `*error`) for a negative timeout.
int64_t DeadlineFor(absl::Duration timeout, absl::Duration fallback,
                    const char* what, absl::Duration* effective,
                    absl::Status* error) {
  if (timeout == Socket::kDefaultTimeout) timeout = fallback;
  *effective = timeout;
  if (timeout < absl::ZeroDuration()) {
    *error = absl::InvalidArgumentError(absl::StrCat(
        what, ": negative timeout ", absl::FormatDuration(timeout)));
    return -2;
  }
  return internal::DeadlineAfter(timeout, what);
}

}  // namespace

absl::Status Socket::Failure(int64_t result, int fd, int64_t deadline,
                             absl::Duration timeout, const char* what) const {
  const int err = static_cast<int>(-result);
  if (err == ETIMEDOUT && deadline >= 0) {
    return internal::TimeoutStatus(what, fd, timeout);
  }
  if (err == EBADF && fd_ != fd) {
    return internal::ClosedWhileWaitingStatus(what, fd);
  }
  if (err == EBUSY) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, "(fd ", fd,
                     "): another greenlet is already waiting on this socket "
                     "in the same direction"));
  }
  return internal::ErrnoStatus(err, what, fd);
}

int64_t Socket::Run(Hub& hub, IoOp& op, absl::Duration timeout,
                    const char* what, absl::Status* error) {
  if (fd_ < 0) {
    *error = internal::ClosedStatus(what);
    return -1;
  }
  absl::Duration effective;
  const int64_t deadline =
      DeadlineFor(timeout, timeout_, what, &effective, error);
  if (deadline == -2) return -1;
  return RunUntil(hub, op, deadline, effective, what, error);
}

int64_t Socket::RunUntil(Hub& hub, IoOp& op, int64_t deadline,
                         absl::Duration timeout, const char* what,
                         absl::Status* error) {
  if (fd_ < 0) {
    *error = internal::ClosedStatus(what);
    return -1;
  }
  op.fd = fd_;
  const int64_t r = hub.Io(op, deadline);
  if (r >= 0) return r;
  *error = Failure(r, op.fd, deadline, timeout, what);
  return -1;
}

template <typename F>
int64_t Socket::Retry(Hub& hub, F attempt, IoOp::Kind wait, int64_t deadline,
                      absl::Duration timeout, const char* what,
                      absl::Status* error) {
  const int fd = fd_;
  for (;;) {
    int64_t r = attempt(fd);
    if (r >= 0) return r;
    if (r == -EINTR) continue;
    if (r == -EAGAIN || r == -EWOULDBLOCK) {
      IoOp op;
      op.kind = wait;
      op.fd = fd;
      r = hub.Io(op, deadline);
      if (r >= 0) continue;
    }
    *error = Failure(r, fd, deadline, timeout, what);
    return -1;
  }
}

// --- calls
// ------------------------------------------------------------------

absl::Status Socket::bind(const Address& address) {
  if (absl::Status s = Check("bind"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("bind");
  if (::bind(fd_, address.sockaddr_ptr(), address.length()) != 0) {
    return internal::ErrnoStatus(
        errno, absl::StrCat("bind ", address.ToString()), fd_);
  }
  return absl::OkStatus();
}

absl::Status Socket::listen(int backlog) {
  if (absl::Status s = Check("listen"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("listen");
  if (::listen(fd_, backlog) != 0) {
    return internal::ErrnoStatus(errno, "listen", fd_);
  }
  return absl::OkStatus();
}

absl::StatusOr<Accepted> Socket::accept(absl::Duration timeout) {
  Hub* hub;
  if (absl::Status s = Enter("accept", &hub); !s.ok()) return s;
  Accepted a;
  IoOp op;
  op.kind = IoOp::Kind::kAccept;
  op.addr = a.peer.mutable_sockaddr();
  op.addrlen = Address::kCapacity;
  absl::Status error;
  const int64_t fd = Run(*hub, op, timeout, "accept", &error);
  if (fd < 0) return error;
  *a.peer.mutable_length() = op.addrlen;
  a.socket = Socket(static_cast<int>(fd), stream_);
  return a;
}

absl::Status Socket::connect(const Address& address, absl::Duration timeout) {
  Hub* hub;
  if (absl::Status s = Enter("connect", &hub); !s.ok()) return s;
  IoOp op;
  op.kind = IoOp::Kind::kConnect;
  op.addr = const_cast<sockaddr*>(address.sockaddr_ptr());
  op.addrlen = address.length();
  absl::Status error;
  if (Run(*hub, op, timeout, "connect", &error) < 0) {
    return absl::Status(error.code(), absl::StrCat(error.message(), " (to ",
                                                   address.ToString(), ")"));
  }
  return absl::OkStatus();
}

IoOp Socket::RecvOp(void* buf, size_t len, int flags) const {
  IoOp op;
  op.kind = IoOp::Kind::kRecv;
  op.buf = buf;
  op.len = len;
  op.flags = flags;
  op.stream = stream_;
  return op;
}

absl::StatusOr<size_t> Socket::recv_into(absl::Span<char> buf,
                                         absl::Duration timeout, int flags) {
  Hub* hub;
  if (absl::Status s = Enter("recv_into", &hub); !s.ok()) return s;
  IoOp op = RecvOp(buf.data(), buf.size(), flags);
  absl::Status error;
  const int64_t n = Run(*hub, op, timeout, "recv", &error);
  if (n < 0) return error;
  return static_cast<size_t>(n);
}

absl::StatusOr<std::string> Socket::recv(size_t max_bytes,
                                         absl::Duration timeout, int flags) {
  Hub* hub;
  if (absl::Status s = Enter("recv", &hub); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("recv");
  absl::Status error;
  absl::Duration effective;
  const int64_t deadline =
      DeadlineFor(timeout, timeout_, "recv", &effective, &error);
  if (deadline == -2) return error;
  Backend& backend = hub->backend();
  if (max_bytes > 0 && max_bytes <= backend.lent_buffer_size()) {
    // The backend lends a buffer once data is there.
    IoOp op = RecvOp(nullptr, max_bytes, flags);
    struct GiveBack {
      Backend& backend;
      IoOp& op;
      ~GiveBack() {
        if (op.buf != nullptr) backend.ReturnBuffer(&op);
      }
    } give_back{backend, op};
    const int64_t n = RunUntil(*hub, op, deadline, effective, "recv", &error);
    if (n >= 0) {
      return std::string(static_cast<const char*>(op.buf),
                         static_cast<size_t>(n));
    }
    if (op.result != -ENOBUFS) return error;
    // All lent out: read into a buffer of our own.
  } else if (max_bytes > 0 && !backend.completion_based() &&
             (flags & MSG_DONTWAIT) == 0) {
    // A readiness backend: wait until there is something to read, then
    // allocate. Optimistic: where data may be there the wait is free, and
    // where the fd is known drained recv would have waited anyway.
    IoOp wait;
    wait.kind = IoOp::Kind::kWaitReadable;
    wait.optimistic = true;
    if (RunUntil(*hub, wait, deadline, effective, "recv", &error) < 0) {
      return error;
    }
  }
  std::string out(max_bytes, '\0');
  IoOp op = RecvOp(out.data(), out.size(), flags);
  const int64_t n = RunUntil(*hub, op, deadline, effective, "recv", &error);
  if (n < 0) return error;
  out.resize(static_cast<size_t>(n));
  return out;
}

absl::StatusOr<size_t> Socket::send(std::string_view data,
                                    absl::Duration timeout, int flags) {
  Hub* hub;
  if (absl::Status s = Enter("send", &hub); !s.ok()) return s;
  IoOp op;
  op.kind = IoOp::Kind::kSend;
  op.buf = const_cast<char*>(data.data());
  op.len = data.size();
  op.flags = flags;
  absl::Status error;
  const int64_t n = Run(*hub, op, timeout, "send", &error);
  if (n < 0) return error;
  return static_cast<size_t>(n);
}

absl::Status Socket::sendall(std::string_view data, absl::Duration timeout,
                             int flags) {
  Hub* hub;
  if (absl::Status s = Enter("sendall", &hub); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("sendall");
  absl::Duration effective;
  absl::Status error;
  const int64_t deadline =
      DeadlineFor(timeout, timeout_, "sendall", &effective, &error);
  if (deadline == -2) return error;
  size_t sent = 0;
  while (sent < data.size()) {
    IoOp op;
    op.kind = IoOp::Kind::kSend;
    op.fd = fd_;
    op.buf = const_cast<char*>(data.data() + sent);
    op.len = data.size() - sent;
    op.flags = flags;
    const int64_t n = hub->Io(op, deadline);
    if (n < 0) {
      absl::Status s = Failure(n, op.fd, deadline, effective, "sendall");
      return absl::Status(
          s.code(), absl::StrCat(s.message(), " after sending ", sent, " of ",
                                 data.size(), " bytes"));
    }
    sent += static_cast<size_t>(n);
    if (fd_ < 0 && sent < data.size()) {
      return absl::CancelledError(absl::StrCat(
          "sendall(fd ", op.fd, "): the socket was closed after sending ", sent,
          " of ", data.size(), " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ReceivedFrom> Socket::recvfrom_into(absl::Span<char> buf,
                                                   absl::Duration timeout,
                                                   int flags) {
  Hub* hub;
  if (absl::Status s = Enter("recvfrom_into", &hub); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("recvfrom");
  absl::Duration effective;
  absl::Status error;
  const int64_t deadline =
      DeadlineFor(timeout, timeout_, "recvfrom", &effective, &error);
  if (deadline == -2) return error;
  ReceivedFrom out;
  const int64_t n = Retry(
      *hub,
      [&](int fd) {
        *out.from.mutable_length() = Address::kCapacity;
        return internal::ErrnoResult(
            ::recvfrom(fd, buf.data(), buf.size(), flags | MSG_DONTWAIT,
                       out.from.mutable_sockaddr(), out.from.mutable_length()));
      },
      IoOp::Kind::kWaitReadable, deadline, effective, "recvfrom", &error);
  if (n < 0) return error;
  out.size = static_cast<size_t>(n);
  return out;
}

absl::StatusOr<std::pair<std::string, Address>> Socket::recvfrom(
    size_t max_bytes, absl::Duration timeout, int flags) {
  std::string data(max_bytes, '\0');
  absl::StatusOr<ReceivedFrom> r =
      recvfrom_into(absl::MakeSpan(data), timeout, flags);
  if (!r.ok()) return r.status();
  data.resize(r->size);
  return std::make_pair(std::move(data), r->from);
}

absl::StatusOr<size_t> Socket::sendto(std::string_view data, const Address& to,
                                      absl::Duration timeout, int flags) {
  Hub* hub;
  if (absl::Status s = Enter("sendto", &hub); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("sendto");
  absl::Duration effective;
  absl::Status error;
  const int64_t deadline =
      DeadlineFor(timeout, timeout_, "sendto", &effective, &error);
  if (deadline == -2) return error;
  const int64_t n = Retry(
      *hub,
      [&](int fd) {
        return internal::ErrnoResult(::sendto(
            fd, data.data(), data.size(), flags | MSG_DONTWAIT | MSG_NOSIGNAL,
            to.sockaddr_ptr(), to.length()));
      },
      IoOp::Kind::kWaitWritable, deadline, effective, "sendto", &error);
  if (n < 0) {
    return absl::Status(error.code(), absl::StrCat(error.message(), " (to ",
                                                   to.ToString(), ")"));
  }
  return static_cast<size_t>(n);
}

absl::Status Socket::shutdown(int how) {
  if (absl::Status s = Check("shutdown"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("shutdown");
  if (::shutdown(fd_, how) != 0) {
    return internal::ErrnoStatus(errno, "shutdown", fd_);
  }
  return absl::OkStatus();
}

absl::StatusOr<Address> Socket::getsockname() const {
  if (absl::Status s = Check("getsockname"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("getsockname");
  Address a;
  *a.mutable_length() = Address::kCapacity;
  if (::getsockname(fd_, a.mutable_sockaddr(), a.mutable_length()) != 0) {
    return internal::ErrnoStatus(errno, "getsockname", fd_);
  }
  return a;
}

absl::StatusOr<Address> Socket::getpeername() const {
  if (absl::Status s = Check("getpeername"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("getpeername");
  Address a;
  *a.mutable_length() = Address::kCapacity;
  if (::getpeername(fd_, a.mutable_sockaddr(), a.mutable_length()) != 0) {
    return internal::ErrnoStatus(errno, "getpeername", fd_);
  }
  return a;
}

absl::Status Socket::setsockopt(int level, int name, int value) {
  return setsockopt(level, name, &value, sizeof(value));
}

absl::Status Socket::setsockopt(int level, int name, const void* value,
                                socklen_t length) {
  if (absl::Status s = Check("setsockopt"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("setsockopt");
  if (::setsockopt(fd_, level, name, value, length) != 0) {
    return internal::ErrnoStatus(
        errno, absl::StrCat("setsockopt(level ", level, ", option ", name, ")"),
        fd_);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Socket::getsockopt(int level, int name) const {
  if (absl::Status s = Check("getsockopt"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("getsockopt");
  int value = 0;
  socklen_t len = sizeof(value);
  if (::getsockopt(fd_, level, name, &value, &len) != 0) {
    return internal::ErrnoStatus(
        errno, absl::StrCat("getsockopt(level ", level, ", option ", name, ")"),
        fd_);
  }
  return value;
}

}  // namespace gevent
