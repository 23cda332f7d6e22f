// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// idle_clients.cc
//
// Opens --connections connections to an echo server, makes one round trip of
// --size bytes on each (so every server-side handler has run and gone back to
// waiting), prints `ready connections=N` and holds them open for --hold
// seconds. bench/idle_memory.sh reads the server's RSS meanwhile.
//
//   bazel-bin/bench/idle_clients --port=39321 --connections=10000

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"

ABSL_FLAG(int, port, 0, "Server TCP port on 127.0.0.1 (required).");
ABSL_FLAG(int, connections, 10000, "Connections to open and hold.");
ABSL_FLAG(int, size, 64, "Bytes of the one round trip on each.");
ABSL_FLAG(double, hold, 3, "Seconds to hold them open.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  const int n = absl::GetFlag(FLAGS_connections);
  const size_t size = static_cast<size_t>(absl::GetFlag(FLAGS_size));
  if (port <= 0 || port > 65535 || n < 1 || size < 1) {
    std::fprintf(stderr, "idle_clients: need --port, --connections, --size\n");
    return 2;
  }
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string msg(size, 'i');
  std::string back(size, '\0');
  std::vector<int> fds;
  fds.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      std::perror("idle_clients: connect");
      return 1;
    }
    if (send(fd, msg.data(), size, 0) != static_cast<ssize_t>(size)) {
      std::perror("idle_clients: send");
      return 1;
    }
    size_t got = 0;
    while (got < size) {
      ssize_t r = recv(fd, back.data() + got, size - got, 0);
      if (r <= 0) {
        std::fprintf(stderr, "idle_clients: connection %d closed early\n", i);
        return 1;
      }
      got += static_cast<size_t>(r);
    }
    if (back != msg) {
      std::fprintf(stderr, "idle_clients: wrong echo on connection %d\n", i);
      return 1;
    }
    fds.push_back(fd);
  }
  std::printf("ready connections=%d\n", n);
  std::fflush(stdout);
  usleep(static_cast<useconds_t>(absl::GetFlag(FLAGS_hold) * 1e6));
  for (int fd : fds) close(fd);
  return 0;
}
