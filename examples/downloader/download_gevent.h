// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// download_gevent.h
//
// download_photos(user) on gevent-cpp's own API: a cooperative Socket for the
// requests; the saves go to a ThreadPool, one job per user (disk writes do not
// stall the other greenlets). Reads like the POSIX version; runs as a
// greenlet. (gevent::File would do each open, write and close as its own
// round trip to a pool thread: twelve per user instead of one, and the
// photos wait in memory meanwhile.)

#ifndef GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_GEVENT_H_
#define GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_GEVENT_H_

#include <string>

#include "examples/downloader/job.h"

namespace downloader::green {

Outcome download_photos(const Job& job, const std::string& user);

}  // namespace downloader::green

#endif  // GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_GEVENT_H_
