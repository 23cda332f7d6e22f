// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// socket.h
//
// A cooperative socket (TCP, UDP or Unix-domain): its calls look blocking, but
// only the calling greenlet waits; the hub runs the others meanwhile.
// gevent.socket for C++. A Socket owns its fd (move-only; closed when it goes).
//
//   absl::StatusOr<gevent::Socket> s = gevent::Socket::Tcp();
//   absl::Status st = s->connect(*gevent::Address::Ip("127.0.0.1", 8080),
//                                absl::Seconds(5));
//   st = s->sendall("GET / HTTP/1.0\r\n\r\n");
//   absl::StatusOr<std::string> reply = s->recv(4096);   // "" at EOF
//
// Failures are values: absl::Status / absl::StatusOr with the errno text
// ("recv(fd 7): Connection reset by peer [ECONNRESET]"). A timeout is
// DeadlineExceeded. Every call takes a timeout; kDefaultTimeout means the
// socket's own (settimeout; infinite unless set). Closing a socket on which
// another greenlet waits wakes that greenlet with Cancelled (gevent's
// cancel_wait) instead of leaving it hanging; killing a waiting greenlet
// cancels its operation first (on io_uring, the kernel's too), so no buffer is
// touched after the call returns.
//
// At most one greenlet may wait to read and one to write on a socket at a time
// (a second gets FailedPrecondition).
//
// Not thread-safe: a Socket belongs to the hub of the thread that first waits
// on it (its first accept, connect, recv or send), and from then on every call
// from another thread returns FailedPrecondition, naming both threads, without
// touching the socket (release() throws WrongThreadError instead; fileno(),
// is_open() and timeout() only read). Until then it may be handed to any
// thread, and moving it hands it over: the new Socket binds again at its next
// use. So a socket made on one thread and moved into another that runs its
// own hub works, and StreamServer's threads get theirs the same way.

#ifndef GEVENT_IO_SOCKET_H_
#define GEVENT_IO_SOCKET_H_

#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gevent/backends/backend.h"
#include "gevent/hub/internal/owner.h"
#include "gevent/io/address.h"

namespace gevent {

class Hub;
class Socket;
class SslSocket;

// What accept() returns: the connection and who is on the other end.
struct Accepted;
// What recvfrom_into() returns: bytes received and who sent them.
struct ReceivedFrom {
  size_t size = 0;
  Address from;
};

class Socket {
 public:
  // As a per-call timeout: use the socket's own (timeout()).
  static constexpr absl::Duration kDefaultTimeout = -absl::InfiniteDuration();

  // A socket that is not open: every call but close() is FailedPrecondition.
  Socket() = default;
  // Closes the fd (waking any greenlet that waits on it). Unchecked: destroy a
  // socket on its own thread, or once its greenlets are done with it.
  ~Socket();
  // Hands the socket over: the new one binds at its next use, and so does
  // `other` if it is used again.
  Socket(Socket&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        timeout_(other.timeout_),
        stream_(other.stream_) {
    other.owner_.Release();
  }
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // A new non-blocking, close-on-exec socket. The errno text on failure.
  static absl::StatusOr<Socket> Create(int family, int type, int protocol = 0);
  static absl::StatusOr<Socket> Tcp(int family = AF_INET) {
    return Create(family, SOCK_STREAM);
  }
  static absl::StatusOr<Socket> Udp(int family = AF_INET) {
    return Create(family, SOCK_DGRAM);
  }
  static absl::StatusOr<Socket> Unix(int type = SOCK_STREAM) {
    return Create(AF_UNIX, type);
  }
  // Takes ownership of an open socket fd and makes it non-blocking.
  // InvalidArgument (and the fd left alone) when `fd` is not an open socket.
  static absl::StatusOr<Socket> FromFd(int fd);
  // A connected pair of Unix-domain sockets.
  static absl::StatusOr<std::pair<Socket, Socket>> Pair(int type = SOCK_STREAM);

  bool is_open() const { return fd_ >= 0; }
  int fileno() const { return fd_; }
  // Gives up ownership: returns the fd (still non-blocking) and leaves this
  // socket closed, and free to be used by any thread, without closing it.
  int release() {
    if (ABSL_PREDICT_FALSE(!owner_.here())) {
      owner_.Throw("Socket::release", "Socket");
    }
    owner_.Release();
    return std::exchange(fd_, -1);
  }

  // The default for calls made with kDefaultTimeout; InfiniteDuration (the
  // initial value) waits forever. InvalidArgument for a negative duration.
  absl::Duration timeout() const { return timeout_; }
  absl::Status settimeout(absl::Duration timeout);

  absl::Status bind(const Address& address);
  absl::Status listen(int backlog = SOMAXCONN);
  // The next connection, non-blocking and close-on-exec. Blocks.
  absl::StatusOr<Accepted> accept(absl::Duration timeout = kDefaultTimeout);
  // Connects; DeadlineExceeded after `timeout` (the socket is then unusable:
  // close it). Blocks.
  absl::Status connect(const Address& address,
                       absl::Duration timeout = kDefaultTimeout);

  // Receives up to buf.size() bytes into `buf`; 0 means the peer closed (or
  // buf is empty). Blocks until at least one byte or EOF.
  absl::StatusOr<size_t> recv_into(absl::Span<char> buf,
                                   absl::Duration timeout = kDefaultTimeout,
                                   int flags = 0);
  // Receives up to `max_bytes`; "" means the peer closed. Blocks. While it
  // waits it holds no buffer (io_uring lends one when data comes; the other
  // backends allocate once the socket is readable), so thousands of idle
  // connections parked here cost no max_bytes each.
  absl::StatusOr<std::string> recv(size_t max_bytes,
                                   absl::Duration timeout = kDefaultTimeout,
                                   int flags = 0);
  // Sends some of `data` (at least one byte); returns how many. Blocks.
  absl::StatusOr<size_t> send(std::string_view data,
                              absl::Duration timeout = kDefaultTimeout,
                              int flags = 0);
  // Sends all of `data`. `timeout` bounds the whole call. On failure the
  // message says how many bytes went out first. Blocks.
  absl::Status sendall(std::string_view data,
                       absl::Duration timeout = kDefaultTimeout, int flags = 0);
  // A datagram (or stream bytes) and its sender. Blocks.
  absl::StatusOr<ReceivedFrom> recvfrom_into(
      absl::Span<char> buf, absl::Duration timeout = kDefaultTimeout,
      int flags = 0);
  absl::StatusOr<std::pair<std::string, Address>> recvfrom(
      size_t max_bytes, absl::Duration timeout = kDefaultTimeout,
      int flags = 0);
  // Sends `data` to `to` as one datagram; returns the bytes sent. Blocks.
  absl::StatusOr<size_t> sendto(std::string_view data, const Address& to,
                                absl::Duration timeout = kDefaultTimeout,
                                int flags = 0);

  // SHUT_RD, SHUT_WR or SHUT_RDWR.
  absl::Status shutdown(int how);
  // Closes now: greenlets waiting on this socket wake with Cancelled. Closing
  // a closed socket is OK.
  absl::Status close();

  absl::StatusOr<Address> getsockname() const;
  absl::StatusOr<Address> getpeername() const;
  absl::Status setsockopt(int level, int name, int value);
  absl::Status setsockopt(int level, int name, const void* value,
                          socklen_t length);
  absl::StatusOr<int> getsockopt(int level, int name) const;

 private:
  Socket(int fd, bool stream) : fd_(fd), stream_(stream) {}
  // The ownership check, first thing in every call: FailedPrecondition for a
  // call `what` on `object` (this socket, or the SslSocket over it) from a
  // thread whose hub does not own it. Enter binds the socket at its first use
  // (the calls that wait) and sets `*hub`; Check does not bind.
  absl::Status Enter(const char* what, Hub** hub,
                     const char* object = "Socket");
  absl::Status Check(const char* what, const char* object = "Socket") const;
  // Runs `op` on this socket's fd with `timeout` (kDefaultTimeout: timeout_).
  // Returns the result (>= 0) or sets `*error` and returns -1.
  int64_t Run(Hub& hub, IoOp& op, absl::Duration timeout, const char* what,
              absl::Status* error);
  // The same with the deadline already computed (`timeout` for messages).
  int64_t RunUntil(Hub& hub, IoOp& op, int64_t deadline, absl::Duration timeout,
                   const char* what, absl::Status* error);
  // A kRecv of `len` bytes into `buf` (null: a lent buffer) on this socket.
  IoOp RecvOp(void* buf, size_t len, int flags) const;
  // Tries `attempt` (a non-blocking syscall returning >= 0 or -errno) and
  // waits for readiness on EAGAIN, until `deadline`.
  template <typename F>
  int64_t Retry(Hub& hub, F attempt, IoOp::Kind wait, int64_t deadline,
                absl::Duration timeout, const char* what, absl::Status* error);
  absl::Status Failure(int64_t result, int fd, int64_t deadline,
                       absl::Duration timeout, const char* what) const;

  friend class SslSocket;  // checks the thread with its own calls' names

  int fd_ = -1;
  absl::Duration timeout_ = absl::InfiniteDuration();
  bool stream_ = false;    // SOCK_STREAM: lets the backend skip EAGAIN reads
  internal::Owner owner_;  // unbound until the first wait; a move unbinds
};

struct Accepted {
  Socket socket;
  Address peer;
};

}  // namespace gevent

#endif  // GEVENT_IO_SOCKET_H_
