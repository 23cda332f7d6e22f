// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Fuzzes BufferedReader over a real socket pair: a writer greenlet sends the
// payload in pieces, a reader takes it apart with readline (and, where the
// input says, read_exactly), skipping over-long lines with read(). Every byte
// must come out exactly once and in order; a line never exceeds its limit and
// ends with '\n' unless it is the last; the only errors are the documented
// ones (ResourceExhausted, OutOfRange).
//
// Input: byte 0 the line limit (1-256), byte 1 the writer's piece size
// (1-256), byte 2 the reader's buffer size (1-64), byte 3 every how many
// lines to read_exactly (0: never); the rest is the payload.
//
//   ./bazelw run --config=fuzz //io:buffered_readline_fuzzer --
//       -max_total_time=60 io/testdata/readline_corpus

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gevent/gevent.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "buffered_readline_fuzzer: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const size_t max_length = 1 + data[0];
  const size_t piece = 1 + data[1];
  const size_t buffer_size = 1 + data[2] % 64;
  const int exact_every = data[3] % 8;
  const std::string_view payload(reinterpret_cast<const char*>(data + 4),
                                 size - 4);

  auto pair = gevent::Socket::Pair();
  Check(pair.ok(), "socketpair failed");
  gevent::Socket& in = pair->first;
  gevent::Socket& out = pair->second;
  auto writer = gevent::spawn([&] {
    for (size_t at = 0; at < payload.size(); at += piece) {
      Check(out.sendall(payload.substr(at, piece)).ok(), "sendall failed");
    }
    Check(out.shutdown(SHUT_WR).ok(), "shutdown failed");
  });

  gevent::BufferedReader reader(in, buffer_size);
  std::string got;
  for (int lines = 1;; ++lines) {
    if (exact_every != 0 && lines % exact_every == 0) {
      const size_t n = 1 + static_cast<size_t>(lines) % 17;
      absl::StatusOr<std::string> chunk = reader.read_exactly(n);
      if (chunk.ok()) {
        Check(chunk->size() == n, "read_exactly returned a short read");
        got += *chunk;
        continue;
      }
      Check(absl::IsOutOfRange(chunk.status()),
            "read_exactly failed other than at EOF");
      // EOF came first: what did come is still buffered.
      got += std::string(reader.peek());
      reader.consume(reader.buffered());
      break;
    }
    absl::StatusOr<std::string> line = reader.readline(max_length);
    if (!line.ok()) {
      Check(absl::IsResourceExhausted(line.status()),
            "readline failed other than for an over-long line");
      Check(reader.buffered() >= max_length,
            "an over-long line without max_length bytes buffered");
      // Skip past it, as a server would after answering 413.
      absl::StatusOr<std::string> skipped = reader.read(max_length);
      Check(skipped.ok() && !skipped->empty(), "read after a long line");
      got += *skipped;
      continue;
    }
    if (line->empty()) break;  // EOF
    Check(line->size() <= max_length, "a line over its limit");
    got += *line;
    if (line->back() != '\n') {
      absl::StatusOr<std::string> eof = reader.readline(max_length);
      Check(eof.ok() && eof->empty(), "a line without '\\n' before the end");
      break;
    }
  }
  Check(writer.join().ok(), "the writer failed");
  Check(got == payload, "bytes were lost, repeated or reordered");
  return 0;
}
