// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// A program for gevent_gdb_test: greenlets parked in known places, then a
// SIGTRAP for the debugger to stop at.

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"

namespace {

[[gnu::noinline]] void NapInAFunctionWithAName() {
  gevent::sleep(absl::Seconds(60));
  asm volatile("" ::: "memory");  // keep this frame (no tail call)
}

}  // namespace

int main() {
  gevent::Event event;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 1;
  auto napper = gevent::spawn(gevent::SpawnOptions{.name = "napper"},
                              &NapInAFunctionWithAName);
  auto waiter = gevent::spawn(gevent::SpawnOptions{.name = "waiter"},
                              [&] { event.wait(); });
  auto reader = gevent::spawn(gevent::SpawnOptions{.name = "reader"},
                              [&] { (void)gevent::wait_read(fds[0]); });
  gevent::sleep(absl::ZeroDuration());  // each runs to its wait
  raise(SIGTRAP);                       // the debugger looks now
  event.set();
  (void)write(fds[1], "x", 1);
  (void)napper.kill();
  return waiter.join().ok() && reader.join().ok() ? 0 : 1;
}
