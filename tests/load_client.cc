// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The client side of load_test, in its own process (10,000 connections need
// 10,000 fds on each side): a greenlet per connection sends messages of 1 to
// 2,048 bytes, each different, and checks that every byte comes back exactly,
// until the time is up.
//
//   load_client PORT CONNECTIONS SECONDS
//   -> "connections C completed D messages M bytes B errors E first_error ..."
// Exit 0 when no connection failed and every one echoed at least once.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "gevent/gevent.h"
#include "gevent/io/internal/test_util.h"

namespace {

struct Totals {
  uint64_t messages = 0;
  uint64_t bytes = 0;
  int completed = 0;  // connections that echoed at least once and closed
  int errors = 0;
  std::string first_error;
  void Fail(int conn, const std::string& what) {
    if (errors++ == 0) {
      first_error = "connection " + std::to_string(conn) + ": " + what;
    }
  }
};

// Bytes that differ by connection, message and position.
void Fill(std::string* s, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (char& c : *s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
}

void Client(int id, const gevent::Address& server, absl::Time deadline,
            Totals* totals) {
  // Spread the connects over about a second: a burst of 10,000 SYNs would
  // overflow the accept queue and cost retransmits, not test anything.
  gevent::sleep(absl::Microseconds(100) * id);
  absl::StatusOr<gevent::Socket> s = gevent::Socket::Tcp();
  if (!s.ok()) return totals->Fail(id, std::string(s.status().message()));
  (void)s->settimeout(absl::Seconds(20));
  if (absl::Status c = s->connect(server); !c.ok()) {
    return totals->Fail(id, "connect: " + std::string(c.message()));
  }
  std::string out, in;
  uint64_t seq = 0;
  uint64_t state = static_cast<uint64_t>(id) * 7919 + 17;
  do {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    out.resize(1 + (state >> 33) % 2048);
    Fill(&out, (static_cast<uint64_t>(id) << 32) | seq++);
    if (absl::Status w = s->sendall(out); !w.ok()) {
      return totals->Fail(id, "send: " + std::string(w.message()));
    }
    in.resize(out.size());
    size_t got = 0;
    while (got < in.size()) {
      absl::StatusOr<size_t> n =
          s->recv_into(absl::MakeSpan(in.data() + got, in.size() - got));
      if (!n.ok())
        return totals->Fail(id, "recv: " + std::string(n.status().message()));
      if (*n == 0) return totals->Fail(id, "the server closed the connection");
      got += *n;
    }
    if (in != out)
      return totals->Fail(id, "the echo differs from what was sent");
    ++totals->messages;
    totals->bytes += out.size();
  } while (absl::Now() < deadline);
  (void)s->close();
  ++totals->completed;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, connections = 0, seconds = 0;
  if (argc != 4 || !absl::SimpleAtoi(argv[1], &port) ||
      !absl::SimpleAtoi(argv[2], &connections) ||
      !absl::SimpleAtoi(argv[3], &seconds)) {
    std::fprintf(stderr, "usage: load_client PORT CONNECTIONS SECONDS\n");
    return 2;
  }
  gevent::testing::RaiseFdLimit(static_cast<rlim_t>(connections) + 100);
  const gevent::Address server =
      gevent::Address::Loopback(static_cast<uint16_t>(port));
  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  Totals totals;
  std::vector<gevent::Greenlet<void>> clients;
  clients.reserve(connections);
  for (int i = 0; i < connections; ++i) {
    clients.push_back(gevent::spawn(&Client, i, server, deadline, &totals));
  }
  for (auto& c : clients) {
    if (!c.join().ok()) totals.Fail(-1, "a client greenlet failed");
  }
  std::printf(
      "connections %d completed %d messages %llu bytes %llu errors %d "
      "first_error %s\n",
      connections, totals.completed,
      static_cast<unsigned long long>(totals.messages),  // NOLINT
      static_cast<unsigned long long>(totals.bytes),     // NOLINT
      totals.errors, totals.first_error.c_str());
  return totals.errors == 0 && totals.completed == connections ? 0 : 1;
}
