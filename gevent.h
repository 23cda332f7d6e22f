// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// gevent.h
//
// The whole runtime in one include: green threads (spawn, Greenlet<T>), the
// per-thread hub (sleep, wait_read/wait_write, post), Timeout and with_timeout,
// cooperative sockets and TLS, servers, resolver, select/poll and files, on the
// backend the program was built with. Link //:gevent.
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
#include "gevent/hub/async_result.h"
#include "gevent/hub/channel.h"
#include "gevent/hub/condition.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/local.h"
#include "gevent/hub/lock.h"
#include "gevent/hub/pool.h"
#include "gevent/hub/queue.h"
#include "gevent/hub/semaphore.h"
#include "gevent/hub/threadpool.h"
#include "gevent/hub/timeout.h"
#include "gevent/io/address.h"
#include "gevent/io/buffered.h"
#include "gevent/io/file.h"
#include "gevent/io/resolver.h"
#include "gevent/io/select.h"
#include "gevent/io/server.h"
#include "gevent/io/socket.h"
#include "gevent/io/ssl.h"

#endif  // GEVENT_GEVENT_H_
