// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// download_libevent.h
//
// The event-driven way: every user's download at once on one libevent loop,
// each a chain of callbacks (connected -> login sent -> token read -> list
// sent -> list read -> photo sent -> ...), its state in a struct rather than
// on a stack. Fast, and what green threads spare you from writing.

#ifndef GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_LIBEVENT_H_
#define GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_LIBEVENT_H_

#include <string>
#include <vector>

#include "examples/downloader/job.h"

namespace downloader::callbacks {

// One outcome per user, in order. "" for each that succeeded.
std::vector<Outcome> download_all(const Job& job,
                                  const std::vector<std::string>& users,
                                  Progress* progress);

}  // namespace downloader::callbacks

#endif  // GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_LIBEVENT_H_
