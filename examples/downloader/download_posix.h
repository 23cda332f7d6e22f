// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// download_posix.h
//
// download_photos(user) as plain blocking POSIX code: socket, connect, send,
// recv, open, write. It knows nothing of greenlets. The sequential, process
// and thread approaches run it as it is, and so do greenlets once
// gevent::monkey::patch_all() has made these calls cooperative. With --tls
// it is plain blocking OpenSSL on the same fd (SSL_connect, SSL_read,
// SSL_write), whose read() and write() the patch makes cooperative too.

#ifndef GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_POSIX_H_
#define GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_POSIX_H_

#include <string>
#include <vector>

#include "examples/downloader/job.h"
#include "examples/downloader/photos.h"

namespace downloader::posix {

// Logs in, fetches the photo list and every photo (checking each against
// the list's size and checksum), and saves them. "" or what went wrong.
Outcome download_photos(const Job& job, const std::string& user);

// The last step alone, with plain open/write/close: "" or what went wrong.
// (The callback approach saves this way too.)
std::string save_photos(const Job& job, const std::string& user,
                        const std::vector<Photo>& photos);

}  // namespace downloader::posix

#endif  // GEVENT_EXAMPLES_DOWNLOADER_DOWNLOAD_POSIX_H_
