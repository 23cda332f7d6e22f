// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Fuzzes the examples' HTTP request parser (what http_server and the photo
// server parse from the network). Beyond not crashing, the parser must not
// depend on how the bytes were split: the input is parsed whole and in pieces
// (the first byte picks the piece size), and both must yield the same
// requests and the same verdict. A failure always says why.
//
//   ./bazelw run --config=fuzz //examples/common:http_request_fuzzer --
//       -max_total_time=60 examples/common/testdata/http_request_corpus

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "examples/common/http.h"

namespace {

constexpr size_t kMaxMessage = 16 * 1024;

struct Outcome {
  std::vector<std::string> requests;  // method, url and body of each
  bool failed = false;
  bool operator==(const Outcome&) const = default;
};

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "http_request_fuzzer: %s\n", what);
    std::abort();
  }
}

// Takes the complete requests out of `p`; false once it has failed.
bool Drain(examples::HttpParser& p, Outcome* out) {
  while (p.done()) {
    Check(!p.method().empty(), "a request without a method");
    Check(p.body().size() <= kMaxMessage, "a body over the limit");
    out->requests.push_back(p.method() + " " + p.url() + "\n" + p.body());
    if (!p.Next()) {
      Check(!p.error().empty(), "Next() failed without saying why");
      return false;
    }
  }
  return true;
}

Outcome Parse(const char* data, size_t size, size_t piece) {
  examples::HttpParser p(examples::HttpParser::kRequest, kMaxMessage);
  Outcome out;
  for (size_t at = 0; at < size; at += piece) {
    const size_t n = std::min(piece, size - at);
    if (!p.Feed(data + at, n)) {
      Check(!p.error().empty(), "Feed() failed without saying why");
      // What came complete before the error still counts.
      Drain(p, &out);
      out.failed = true;
      return out;
    }
    if (!Drain(p, &out)) {
      out.failed = true;
      return out;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const Outcome whole = Parse(bytes, size - 1, size);
  const Outcome pieces = Parse(bytes, size - 1, piece);
  Check(whole.requests == pieces.requests,
        "the requests depend on how the bytes were split");
  Check(whole.failed == pieces.failed,
        "the verdict depends on how the bytes were split");
  return 0;
}
