// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Two greenlets hit a ball back and forth on one thread, and say what happens:
// who runs, where control goes when one ends, and how an exception and a kill
// travel.
//
//   bazel run //examples/ping_pong             # 3 rallies
//   bazel run //examples/ping_pong -- 5        # 5 rallies

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "gevent/greenlet/raw_greenlet.h"

namespace {

struct Ball {
  int hits = 0;
  int rallies = 3;
};

}  // namespace

int main(int argc, char** argv) {
  Ball ball;
  if (argc > 1) ball.rallies = std::atoi(argv[1]);
  if (ball.rallies < 1 || ball.rallies > 1000) {
    std::fprintf(stderr, "usage: ping_pong [rallies: 1..1000]\n");
    return 2;
  }

  gevent::RawGreenlet* pong_ptr = nullptr;

  gevent::RawGreenlet ping(
      [&](void* arg) -> void* {
        auto* b = static_cast<Ball*>(arg);
        while (b->hits < 2 * b->rallies) {
          ++b->hits;
          std::printf("  ping: hit %d, switching to pong\n", b->hits);
          pong_ptr->switch_to(b);
        }
        std::printf(
            "  ping: rally over, returning (control goes to my parent)\n");
        return b;
      },
      {.name = "ping"});

  gevent::RawGreenlet pong(
      [&](void* arg) -> void* {
        auto* b = static_cast<Ball*>(arg);
        for (;;) {
          ++b->hits;
          std::printf("  pong: hit %d, switching to ping\n", b->hits);
          ping.switch_to(b);
        }
      },
      {.name = "pong"});
  pong_ptr = &pong;

  std::printf("main: starting ping (ping's parent is main)\n");
  auto* result = static_cast<Ball*>(ping.switch_to(&ball));
  std::printf("main: back in main with %d hits; ping dead=%d, pong dead=%d\n",
              result->hits, ping.dead(), pong.dead());

  std::printf("main: pong is still suspended; killing it unwinds its stack\n");
  (void)pong.kill();
  std::printf("main: pong dead=%d\n", pong.dead());

  gevent::RawGreenlet faulty([] { throw std::runtime_error("the net broke"); },
                             {.name = "faulty"});
  try {
    faulty.switch_to();
  } catch (const std::exception& e) {
    std::printf("main: caught \"%s\" raised in greenlet '%s'\n", e.what(),
                faulty.name().c_str());
  }
  return 0;
}
