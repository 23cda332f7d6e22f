// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// An echo server: a greenlet per connection, written as plain blocking code.
//
//   bazel run //examples/echo:echo_server -- --port=8007
//   bazel run //examples/echo:echo_client -- --server=127.0.0.1:8007
//
// Stops on SIGINT/SIGTERM, giving connections a second to finish.

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "examples/common/serve.h"
#include "gevent/gevent.h"

ABSL_FLAG(int, port, 8007, "port on 127.0.0.1 (0: any free port)");
ABSL_FLAG(int, max_connections, 10000, "connections served at once");
ABSL_FLAG(int, threads, 1, "OS threads, each with its own hub");
ABSL_FLAG(std::string, port_file, "", "write the port here once listening");

namespace {

void Echo(gevent::Socket& conn, const gevent::Address&) {
  char buf[4096];
  for (;;) {
    absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) return;  // reset, or the client is done
    if (!conn.sendall(std::string_view(buf, *n)).ok()) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "echoes every byte back, a greenlet per "
      "connection");
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "echo_server: --port must be 0..65535\n");
    return 2;
  }
  gevent::StreamServer::Options options;
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.threads = absl::GetFlag(FLAGS_threads);
  gevent::StreamServer server(
      gevent::Address::Loopback(static_cast<uint16_t>(port)), Echo, options);
  if (int rc = examples::Serve(server, "echo server",
                               absl::GetFlag(FLAGS_port_file)))
    return rc;
  std::printf("echo server stopped after %llu connections\n",
              static_cast<unsigned long long>(server.accepted()));  // NOLINT
  return 0;
}
