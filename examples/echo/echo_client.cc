// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// An echo client: --connections greenlets, each sending --messages messages
// and checking that every byte comes back, on one thread.
//
//   bazel run //examples/echo:echo_client -- --server=127.0.0.1:8007
//       --connections=1000 --messages=100      (one command line)

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gevent/gevent.h"

ABSL_FLAG(std::string, server, "127.0.0.1:8007", "host:port of the server");
ABSL_FLAG(int, connections, 100, "connections, a greenlet each");
ABSL_FLAG(int, messages, 100, "messages per connection");
ABSL_FLAG(int, size, 64, "bytes per message");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "how long any one call may take");

namespace {

// "" or what went wrong.
std::string Talk(const gevent::Address& server, int id) {
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  absl::StatusOr<gevent::Socket> s = gevent::Socket::Tcp(server.family());
  if (!s.ok()) return std::string(s.status().message());
  (void)s->settimeout(timeout);
  if (absl::Status c = s->connect(server); !c.ok()) {
    return std::string(c.message());
  }
  const size_t size = static_cast<size_t>(absl::GetFlag(FLAGS_size));
  std::string buf(size, '\0');
  for (int m = 0; m < absl::GetFlag(FLAGS_messages); ++m) {
    std::string message(size, static_cast<char>('a' + (id + m) % 26));
    if (absl::Status st = s->sendall(message); !st.ok()) {
      return std::string(st.message());
    }
    size_t got = 0;
    while (got < size) {
      absl::StatusOr<size_t> n =
          s->recv_into(absl::MakeSpan(buf.data() + got, size - got));
      if (!n.ok()) return std::string(n.status().message());
      if (*n == 0) return "the server closed the connection";
      got += *n;
    }
    if (buf != message) return "an echo came back different";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("talks to an echo server from many greenlets");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<gevent::Address> server =
      gevent::Address::Parse(absl::GetFlag(FLAGS_server));
  if (!server.ok()) {
    std::fprintf(stderr, "echo_client: --server: %s\n",
                 std::string(server.status().message()).c_str());
    return 2;
  }
  const int connections = absl::GetFlag(FLAGS_connections);
  if (connections < 1 || absl::GetFlag(FLAGS_messages) < 0 ||
      absl::GetFlag(FLAGS_size) < 1 || absl::GetFlag(FLAGS_size) > (1 << 24)) {
    std::fprintf(stderr,
                 "echo_client: --connections >= 1, --messages >= 0, "
                 "--size 1..16777216\n");
    return 2;
  }
  const absl::Time start = absl::Now();
  std::vector<gevent::Greenlet<std::string>> talkers;
  for (int i = 0; i < connections; ++i) {
    talkers.push_back(gevent::spawn(Talk, *server, i));
  }
  (void)gevent::joinall(talkers);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  int failed = 0;
  for (auto& t : talkers) {
    const std::string e = t.get();
    if (e.empty()) continue;
    if (failed++ == 0) std::fprintf(stderr, "echo_client: %s\n", e.c_str());
  }
  const double total = 1.0 * connections * absl::GetFlag(FLAGS_messages);
  std::printf(
      "%d connections x %d messages of %d bytes: %s, %.2f s, "
      "%.0f messages/s\n",
      connections, absl::GetFlag(FLAGS_messages), absl::GetFlag(FLAGS_size),
      failed == 0 ? "all echoed"
                  : absl::StrCat(failed, " connections failed").c_str(),
      seconds, total / seconds);
  return failed == 0 ? 0 : 1;
}
