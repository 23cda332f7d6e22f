// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// buffered.h
//
// Buffered reading and writing over a Socket, for line- and length-framed
// protocols: BufferedReader::readline (bounded, so a peer cannot make a line
// eat all memory), read_exactly, and BufferedWriter, which gathers small writes
// into one send until flush(). The buffer is allocated on first use, so an
// idle connection costs nothing here.
//
//   gevent::BufferedReader in(conn);
//   gevent::BufferedWriter out(conn);
//   while (true) {
//     absl::StatusOr<std::string> line = in.readline(/*max_length=*/8192);
//     if (!line.ok() || line->empty()) break;   // error, or EOF
//     out.write(*line);
//     if (!out.flush().ok()) break;
//   }
//
// Nothing read is lost on an error: bytes that came before a timeout, an
// over-long line or an early EOF stay buffered (peek(), read()). A writer does
// not flush when it is destroyed (flushing can block and fail): call flush().
// Timeouts bound the whole call: once its deadline has passed, a call takes
// the bytes already there but waits for no more (as gevent's Timeout fires at
// the greenlet's next wait), so a peer that trickles bytes cannot stretch it.
// Not thread-safe.

#ifndef GEVENT_IO_BUFFERED_H_
#define GEVENT_IO_BUFFERED_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gevent/io/socket.h"

namespace gevent {

class BufferedReader {
 public:
  static constexpr size_t kDefaultBufferSize = 8192;

  // Reads from `socket`, which must outlive the reader.
  explicit BufferedReader(Socket& socket,
                          size_t buffer_size = kDefaultBufferSize);

  // The next line, with its '\n'. At EOF, what is left ("" when nothing is).
  // ResourceExhausted when no '\n' comes within `max_length` bytes (those
  // bytes stay buffered). Blocks.
  absl::StatusOr<std::string> readline(
      size_t max_length = 65536,
      absl::Duration timeout = Socket::kDefaultTimeout);
  // Exactly `n` bytes. OutOfRange when EOF comes first (what did come stays
  // buffered). Blocks.
  absl::StatusOr<std::string> read_exactly(
      size_t n, absl::Duration timeout = Socket::kDefaultTimeout);
  // What is buffered, up to `max_bytes`, or else the result of one recv; ""
  // at EOF. Blocks when nothing is buffered.
  absl::StatusOr<std::string> read(
      size_t max_bytes, absl::Duration timeout = Socket::kDefaultTimeout);

  // The buffered bytes, not yet consumed.
  std::string_view peek() const {
    return std::string_view(buf_).substr(start_);
  }
  size_t buffered() const { return buf_.size() - start_; }
  // Drops the first `n` buffered bytes (at most buffered()).
  void consume(size_t n);

 private:
  // Receives more bytes into the buffer before `deadline` (monotonic ns, -1
  // for none): how many (0 at EOF). Blocks.
  absl::StatusOr<size_t> Fill(int64_t deadline, absl::Duration timeout);
  absl::Status TimedOut(absl::Duration timeout) const;
  std::string Take(size_t n);

  Socket& socket_;
  const size_t buffer_size_;
  std::string buf_;
  size_t start_ = 0;
};

class BufferedWriter {
 public:
  static constexpr size_t kDefaultBufferSize = 8192;

  // Writes to `socket`, which must outlive the writer.
  explicit BufferedWriter(Socket& socket,
                          size_t buffer_size = kDefaultBufferSize);

  // Buffers `data`; sends when the buffer would overflow (a large `data` goes
  // straight out after what is buffered). Blocks only then.
  absl::Status write(std::string_view data,
                     absl::Duration timeout = Socket::kDefaultTimeout);
  // Sends everything buffered. On failure the message says how much went
  // out; the rest is dropped (the connection is broken). Blocks.
  absl::Status flush(absl::Duration timeout = Socket::kDefaultTimeout);
  size_t buffered() const { return buf_.size(); }

 private:
  Socket& socket_;
  const size_t buffer_size_;
  std::string buf_;
};

}  // namespace gevent

#endif  // GEVENT_IO_BUFFERED_H_
