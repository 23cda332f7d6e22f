// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// gevent-cpp used from another workspace: the backend the consumer selected is
// the one linked, and greenlets, a server and a client work through
// @gevent_cpp//:gevent alone.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gevent/gevent.h"

namespace {

TEST(ConsumerTest, TheSelectedBackendIsLinked) {
  EXPECT_EQ(gevent::backend_name(), EXPECTED_BACKEND);
}

TEST(ConsumerTest, GreenletsAndAnEchoServer) {
  gevent::StreamServer server(gevent::Address::Loopback(0),
                              [](gevent::Socket& conn, const gevent::Address&) {
                                gevent::BufferedReader in(conn);
                                absl::StatusOr<std::string> line =
                                    in.readline(1024);
                                if (line.ok()) (void)conn.sendall(*line);
                              });
  ASSERT_TRUE(server.start().ok());
  std::vector<gevent::Greenlet<std::string>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(gevent::spawn([&server, i] {
      absl::StatusOr<gevent::Socket> c = gevent::create_connection(
          "127.0.0.1", server.address().port(), absl::Seconds(5));
      if (!c.ok()) return c.status().ToString();
      (void)c->sendall("line " + std::to_string(i) + "\n");
      gevent::BufferedReader in(*c);
      absl::StatusOr<std::string> back = in.readline(1024, absl::Seconds(5));
      return back.ok() ? *back : back.status().ToString();
    }));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(clients[i].get(), "line " + std::to_string(i) + "\n");
  }
  server.stop();
}

// The consumer's own code, built with the .bazelrc README asks for: a local
// array far larger than the greenlet's stack stops the process with the
// greenlet's name.
[[gnu::noinline]] int FillLocalArray() {
  volatile char array[512 * 1024];
  for (size_t i = 0; i < sizeof(array); i += 512) array[i] = 1;
  return array[0];
}

TEST(ConsumerDeathTest, AnOverflowInTheConsumersCodeIsNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::vector<gevent::Greenlet<void>> idle;
        for (int i = 0; i < 8; ++i) {
          idle.push_back(
              gevent::spawn([] { gevent::sleep(absl::Seconds(60)); }));
        }
        gevent::sleep(absl::ZeroDuration());
        (void)gevent::spawn(gevent::SpawnOptions{.name = "consumer-frame",
                                                 .stack_size = 64 * 1024},
                            [] { FillLocalArray(); })
            .join();
      },
      "stack overflow in greenlet 'consumer-frame'");
}

}  // namespace
