// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// 10,000 connections echoing for 30 seconds (GEVENT_LOAD_SECONDS) against a
// StreamServer on one hub, the clients in another process (load_client): no
// error, every byte back exactly, the server's byte count equal to the
// clients', and the fds and greenlet stacks back where they started.

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/test_util.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/server.h"
#include "gevent/io/socket.h"
#include "gtest/gtest.h"

extern char** environ;

namespace gevent {
namespace {

int EnvInt(const char* name, int fallback) {
  int v = 0;
  const char* s = std::getenv(name);
  return s != nullptr && absl::SimpleAtoi(s, &v) && v > 0 ? v : fallback;
}

// Runs load_client and returns its report line; the hub keeps serving while
// it waits for the child's output.
std::string RunClient(uint16_t port, int connections, int seconds,
                      int* status) {
  int out[2];
  EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<std::string> args = {"tests/load_client", std::to_string(port),
                                   std::to_string(connections),
                                   std::to_string(seconds)};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  EXPECT_EQ(rc, 0) << "cannot start tests/load_client";
  std::string report;
  for (;;) {
    if (!wait_read(out[0], absl::Seconds(seconds + 120)).ok()) break;
    char buf[512];
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  waitpid(pid, status, 0);
  return report;
}

TEST(LoadTest, TenThousandConnectionsEchoWithoutAnError) {
  const int connections = EnvInt("GEVENT_LOAD_CONNECTIONS", 10000);
  const int seconds = EnvInt("GEVENT_LOAD_SECONDS", 30);
  const rlim_t limit =
      testing::RaiseFdLimit(static_cast<rlim_t>(connections) + 100);
  ASSERT_GE(limit, static_cast<rlim_t>(connections + 100))
      << "the fd limit (ulimit -Hn) is too low for this test";

  testing::LeakCheck::StartHub();
  const int fds = testing::CountOpenFds();
  const size_t stacks = testing::StacksInUse();
  uint64_t echoed = 0;
  size_t peak = 0;
  {
    StreamServer::Options options;
    options.max_connections = static_cast<size_t>(connections) + 100;
    options.backlog = 65535;
    StreamServer server(
        Address::Loopback(0),
        [&echoed](Socket& conn, const Address&) {
          char buf[4096];
          for (;;) {
            absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf));
            if (!n.ok() || *n == 0) return;
            if (!conn.sendall(std::string_view(buf, *n)).ok()) return;
            echoed += *n;
          }
        },
        options);
    ASSERT_TRUE(server.start().ok());
    auto watch = spawn([&] {  // the most connections at once
      for (;;) {
        peak = std::max(peak, server.connections());
        sleep(absl::Milliseconds(100));
      }
    });
    int status = -1;
    const std::string report =
        RunClient(server.address().port(), connections, seconds, &status);
    std::printf("load_client: %s", report.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << report;
    EXPECT_TRUE(watch.kill().ok());
    server.stop();
    EXPECT_EQ(server.connections(), 0u);
    EXPECT_EQ(server.accepted(), static_cast<uint64_t>(connections));

    // The clients' byte count is the server's.
    const std::vector<std::string> words = absl::StrSplit(report, ' ');
    uint64_t client_bytes = 0;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "bytes") {
        ASSERT_TRUE(absl::SimpleAtoi(words[i + 1], &client_bytes));
      }
    }
    EXPECT_GT(client_bytes, 0u);
    EXPECT_EQ(echoed, client_bytes);
  }
  EXPECT_GE(peak, static_cast<size_t>(connections) * 9 / 10)
      << "the connections were not open at once";
  EXPECT_EQ(testing::CountOpenFds(), fds) << "file descriptors leaked";
  EXPECT_EQ(testing::StacksInUse(), stacks) << "greenlets left alive";
}

}  // namespace
}  // namespace gevent
