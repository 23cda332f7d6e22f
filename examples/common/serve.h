// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// serve.h
//
// How the example servers run: start, say where they listen (and write the
// port to a file for tests), serve until SIGINT or SIGTERM, then stop with a
// grace period. The signals arrive on a signalfd that a greenlet reads, so
// the hub keeps serving meanwhile.
//
//   gevent::StreamServer server(address, handler);
//   if (int rc = examples::Serve(server, "echo server", port_file)) return rc;
//   std::printf("echo server stopped\n");

#ifndef GEVENT_EXAMPLES_COMMON_SERVE_H_
#define GEVENT_EXAMPLES_COMMON_SERVE_H_

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/time/time.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/io/file.h"
#include "gevent/io/server.h"

namespace examples {

// Serves until a signal stops it: 0, or 1 (with a line on stderr) if the
// server cannot start. Blocks.
inline int Serve(gevent::StreamServer& server, const char* what,
                 const std::string& port_file,
                 absl::Duration grace = absl::Seconds(1)) {
  // Blocked before the server's threads start, so that they inherit it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  gevent::Greenlet<void> watcher = gevent::spawn([fd, &server, grace] {
    absl::StatusOr<gevent::File> f = gevent::File::FromFd(fd);
    if (f.ok()) (void)f->read(sizeof(signalfd_siginfo));
    server.stop(grace);
  });
  if (absl::Status s = server.start(); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, std::string(s.message()).c_str());
    (void)watcher.kill();
    return 1;
  }
  std::printf("%s on %s (backend %s)\n", what,
              server.address().ToString().c_str(),
              std::string(gevent::backend_name()).c_str());
  std::fflush(stdout);
  if (!port_file.empty()) std::ofstream(port_file) << server.address().port();
  (void)server.serve_forever();
  (void)watcher.kill();
  return 0;
}

}  // namespace examples

#endif  // GEVENT_EXAMPLES_COMMON_SERVE_H_
