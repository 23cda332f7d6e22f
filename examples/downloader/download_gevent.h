// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// download_gevent.h
//
// download_photos(user) on gevent-cpp's own API: a cooperative Socket for the
// requests; the photos, a few KiB each, are saved with plain writes (see
// save_photos in the .cc for why). Reads like the POSIX version; runs as a
// greenlet.

#ifndef GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_GEVENT_H_
#define GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_GEVENT_H_

#include <string>

#include "examples/downloader/job.h"

namespace downloader::green {

Outcome download_photos(const Job& job, const std::string& user);

}  // namespace downloader::green

#endif  // GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_GEVENT_H_
