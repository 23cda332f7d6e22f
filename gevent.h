// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// gevent.h
//
// The whole runtime in one include: green threads (spawn, Greenlet<T>), the
// per-thread hub (sleep, wait_read/wait_write, post), Timeout and with_timeout,
// on the backend the program was built with. Link //:gevent.
//
//   #include "gevent/gevent.h"
//
//   int main() {
//     std::vector<gevent::Greenlet<int>> jobs;
//     for (int i = 0; i < 1000; ++i) {
//       jobs.push_back(gevent::spawn([i] {
//         gevent::sleep(absl::Milliseconds(100));  // all in ~100 ms
//         return i;
//       }));
//     }
//     gevent::joinall(jobs).IgnoreError();
//   }

#ifndef GEVENT_GEVENT_H_
#define GEVENT_GEVENT_H_

#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/timeout.h"

#endif  // GEVENT_GEVENT_H_
