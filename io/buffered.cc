// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/buffered.h"

#include <poll.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "gevent/hub/hub.h"

namespace gevent {

namespace {

// The absolute deadline of a call in monotonic ns, the hub's clock (-1 for
// none). A negative `timeout` gives "now": Fill rejects it before any wait.
int64_t DeadlineOf(const Socket& socket, absl::Duration timeout) {
  if (timeout == Socket::kDefaultTimeout) timeout = socket.timeout();
  if (timeout < absl::ZeroDuration()) return internal::MonotonicNowNs();
  return internal::DeadlineAfter(timeout, "BufferedReader");
}

bool Passed(int64_t deadline) {
  return deadline >= 0 && internal::MonotonicNowNs() >= deadline;
}

absl::Duration Remaining(int64_t deadline) {
  if (deadline < 0) return absl::InfiniteDuration();
  return absl::Nanoseconds(
      std::max<int64_t>(deadline - internal::MonotonicNowNs(), 0));
}

// Whether a recv on `fd` would return at once: bytes, EOF or an error.
bool ReadableNow(int fd) {
  pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, 0) > 0;
}

}  // namespace

BufferedReader::BufferedReader(Socket& socket, size_t buffer_size)
    : socket_(socket), buffer_size_(std::max<size_t>(buffer_size, 1)) {}

void BufferedReader::consume(size_t n) {
  start_ += std::min(n, buffered());
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
}

std::string BufferedReader::Take(size_t n) {
  std::string out(buf_, start_, n);
  consume(n);
  return out;
}

absl::StatusOr<size_t> BufferedReader::Fill(int64_t deadline,
                                            absl::Duration timeout) {
  if (timeout < absl::ZeroDuration() && timeout != Socket::kDefaultTimeout) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BufferedReader: negative timeout ", absl::FormatDuration(timeout)));
  }
  // Past the deadline the call takes what is already there but waits no
  // more, as gevent's Timeout fires at the greenlet's next wait. Waiting even
  // one loop iteration would let a byte that came meanwhile win over the
  // deadline's timer, and a peer sending a byte per iteration of a slow hub
  // would hold the call forever.
  if (Passed(deadline) && socket_.fileno() >= 0 &&
      !ReadableNow(socket_.fileno())) {
    return TimedOut(timeout);
  }
  // Move the unread bytes to the front before growing.
  if (start_ > 0) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  const size_t used = buf_.size();
  buf_.resize(used + buffer_size_);
  absl::StatusOr<size_t> n = socket_.recv_into(
      absl::MakeSpan(buf_.data() + used, buffer_size_), Remaining(deadline));
  buf_.resize(used + (n.ok() ? *n : 0));
  if (!n.ok() && absl::IsDeadlineExceeded(n.status()) && deadline >= 0) {
    return TimedOut(timeout);
  }
  return n;
}

absl::Status BufferedReader::TimedOut(absl::Duration timeout) const {
  return absl::DeadlineExceededError(absl::StrCat(
      "BufferedReader: timed out after ",
      absl::FormatDuration(
          timeout == Socket::kDefaultTimeout ? socket_.timeout() : timeout),
      " with ", buffered(), " bytes buffered"));
}

absl::StatusOr<std::string> BufferedReader::readline(size_t max_length,
                                                     absl::Duration timeout) {
  const int64_t deadline = DeadlineOf(socket_, timeout);
  size_t scanned = 0;
  for (;;) {
    std::string_view have = peek();
    const size_t limit = std::min(have.size(), max_length);
    if (const void* nl =
            std::memchr(have.data() + scanned, '\n', limit - scanned)) {
      return Take(static_cast<const char*>(nl) - have.data() + 1);
    }
    scanned = limit;
    if (have.size() >= max_length) {
      return absl::ResourceExhaustedError(
          absl::StrCat("readline: no end of line within ", max_length,
                       " bytes (they stay buffered)"));
    }
    absl::StatusOr<size_t> n = Fill(deadline, timeout);
    if (!n.ok()) return n.status();
    if (*n == 0) return Take(buffered());  // EOF: the last, unterminated line
  }
}

absl::StatusOr<std::string> BufferedReader::read_exactly(
    size_t n, absl::Duration timeout) {
  const int64_t deadline = DeadlineOf(socket_, timeout);
  while (buffered() < n) {
    absl::StatusOr<size_t> got = Fill(deadline, timeout);
    if (!got.ok()) return got.status();
    if (*got == 0) {
      return absl::OutOfRangeError(
          absl::StrCat("read_exactly(", n, "): the peer closed after ",
                       buffered(), " bytes (they stay buffered)"));
    }
  }
  return Take(n);
}

absl::StatusOr<std::string> BufferedReader::read(size_t max_bytes,
                                                 absl::Duration timeout) {
  if (buffered() == 0 && max_bytes > 0) {
    absl::StatusOr<size_t> got = Fill(DeadlineOf(socket_, timeout), timeout);
    if (!got.ok()) return got.status();
  }
  return Take(std::min(max_bytes, buffered()));
}

BufferedWriter::BufferedWriter(Socket& socket, size_t buffer_size)
    : socket_(socket), buffer_size_(std::max<size_t>(buffer_size, 1)) {}

absl::Status BufferedWriter::write(std::string_view data,
                                   absl::Duration timeout) {
  if (buf_.size() + data.size() <= buffer_size_) {
    buf_.append(data);
    return absl::OkStatus();
  }
  const int64_t deadline = DeadlineOf(socket_, timeout);
  if (absl::Status s = flush(Remaining(deadline)); !s.ok()) return s;
  if (data.size() <= buffer_size_) {
    buf_.append(data);
    return absl::OkStatus();
  }
  return socket_.sendall(data, Remaining(deadline));
}

absl::Status BufferedWriter::flush(absl::Duration timeout) {
  if (buf_.empty()) return absl::OkStatus();
  absl::Status s = socket_.sendall(buf_, timeout);
  buf_.clear();
  return s;
}

}  // namespace gevent
