// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// stop_on_signal.h
//
// For the example servers: SIGINT and SIGTERM arrive on a signalfd that a
// greenlet reads (the hub keeps serving meanwhile), which then calls `stop`.
// Call it before starting server threads, so they block the signals too.
//
//   gevent::Greenlet<void> watcher =
//       examples::StopOnSignal([&] { server.stop(absl::Seconds(1)); });
//   server.serve_forever();

#ifndef GEVENT_EXAMPLES_COMMON_STOP_ON_SIGNAL_H_
#define GEVENT_EXAMPLES_COMMON_STOP_ON_SIGNAL_H_

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <functional>
#include <utility>

#include "gevent/hub/greenlet.h"
#include "gevent/io/file.h"

namespace examples {

inline gevent::Greenlet<void> StopOnSignal(std::function<void()> stop) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  return gevent::spawn([fd, stop = std::move(stop)] {
    absl::StatusOr<gevent::File> f = gevent::File::FromFd(fd);
    if (f.ok()) (void)f->read(sizeof(signalfd_siginfo));
    stop();
  });
}

}  // namespace examples

#endif  // GEVENT_EXAMPLES_COMMON_STOP_ON_SIGNAL_H_
