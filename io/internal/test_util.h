// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// test_util.h (internal, testonly)
//
// Helpers for io tests: loopback listeners and connected pairs, deterministic
// payloads and a checksum to compare them by.

#ifndef GEVENT_IO_INTERNAL_TEST_UTIL_H_
#define GEVENT_IO_INTERNAL_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "gevent/hub/internal/test_util.h"
#include "gevent/io/address.h"
#include "gevent/io/socket.h"

namespace gevent::testing {

// A TCP socket listening on 127.0.0.1 and a port the kernel picked.
inline Socket ListenLoopback(int backlog = SOMAXCONN) {
  absl::StatusOr<Socket> s = Socket::Tcp();
  EXPECT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->bind(Address::Loopback(0)).ok());
  EXPECT_TRUE(s->listen(backlog).ok());
  return *std::move(s);
}

inline Address AddressOf(const Socket& s) {
  absl::StatusOr<Address> a = s.getsockname();
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? *a : Address();
}

// A connected TCP pair over loopback: {client, server side}.
inline std::pair<Socket, Socket> TcpPair() {
  Socket listener = ListenLoopback();
  absl::StatusOr<Socket> client = Socket::Tcp();
  EXPECT_TRUE(client.ok());
  // A loopback connect to a listening socket completes without accept.
  EXPECT_TRUE(client->connect(AddressOf(listener)).ok());
  absl::StatusOr<Accepted> a = listener.accept();
  EXPECT_TRUE(a.ok()) << a.status();
  return {*std::move(client), std::move(a->socket)};
}

// Closes `s` with a reset (RST) instead of a FIN.
inline void Abort(Socket& s) {
  struct linger hard {
    1, 0
  };
  EXPECT_TRUE(s.setsockopt(SOL_SOCKET, SO_LINGER, &hard, sizeof(hard)).ok());
  EXPECT_TRUE(s.close().ok());
}

// `n` bytes that differ with `seed` and position.
inline std::string Payload(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

// FNV-1a, to compare large payloads in messages without printing them.
inline uint64_t Checksum(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Raises the soft fd limit to at least `want` (up to the hard limit); returns
// the limit in force.
inline rlim_t RaiseFdLimit(rlim_t want) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min(want, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

}  // namespace gevent::testing

#endif  // GEVENT_IO_INTERNAL_TEST_UTIL_H_
