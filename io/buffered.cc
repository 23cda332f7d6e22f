// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/buffered.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace gevent {

namespace {

// The absolute deadline of a call (InfiniteFuture for none).
absl::Time DeadlineOf(const Socket& socket, absl::Duration timeout) {
  if (timeout == Socket::kDefaultTimeout) timeout = socket.timeout();
  if (timeout == absl::InfiniteDuration()) return absl::InfiniteFuture();
  return absl::Now() + timeout;
}

absl::Duration Remaining(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return absl::InfiniteDuration();
  return std::max(deadline - absl::Now(), absl::ZeroDuration());
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

absl::StatusOr<size_t> BufferedReader::Fill(absl::Time deadline,
                                            absl::Duration timeout) {
  if (timeout < absl::ZeroDuration() && timeout != Socket::kDefaultTimeout) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BufferedReader: negative timeout ", absl::FormatDuration(timeout)));
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
  if (!n.ok() && absl::IsDeadlineExceeded(n.status()) &&
      deadline != absl::InfiniteFuture()) {
    return absl::DeadlineExceededError(absl::StrCat(
        "BufferedReader: timed out after ",
        absl::FormatDuration(
            timeout == Socket::kDefaultTimeout ? socket_.timeout() : timeout),
        " with ", buffered(), " bytes buffered"));
  }
  return n;
}

absl::StatusOr<std::string> BufferedReader::readline(size_t max_length,
                                                     absl::Duration timeout) {
  const absl::Time deadline = DeadlineOf(socket_, timeout);
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
  const absl::Time deadline = DeadlineOf(socket_, timeout);
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
  const absl::Time deadline = DeadlineOf(socket_, timeout);
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
