// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// job.h
//
// What every approach is given: where the photo server is, where to save,
// and a progress counter. And the three steps of the seed's job, named as
// there: download_photos(user) = get_auth_connection(user), get_photos(conn),
// save_photos(user, photos). Each approach implements them its own way.

#ifndef GEVENT_EXAMPLES_DOWNLOADER_JOB_H_
#define GEVENT_EXAMPLES_DOWNLOADER_JOB_H_

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;  // OpenSSL's, without its headers
namespace gevent {
class SslContext;
}

namespace downloader {

struct Job {
  sockaddr_storage server{};
  socklen_t server_len = 0;
  std::string out_dir;
  int timeout_seconds = 30;  // per request: nothing waits forever

  // --tls: HTTPS, the server's certificate checked against `tls_name`. The
  // two contexts trust the same CAs: plain OpenSSL's for the POSIX and
  // callback code, gevent's for the greenlet code.
  SSL_CTX* tls = nullptr;
  const gevent::SslContext* green_tls = nullptr;
  std::string tls_name;
};

// Counts finished users; draws a bar on stderr when it is a terminal.
// Thread-safe.
class Progress {
 public:
  Progress(std::string label, int total);
  void Tick();
  void Finish();

 private:
  std::string label_;
  int total_;
  bool tty_;
  std::atomic<int> done_{0};
  std::atomic<int64_t> last_draw_ns_{0};
};

// One user's outcome: "" or what went wrong.
using Outcome = std::string;

}  // namespace downloader

#endif  // GEVENT_EXAMPLES_DOWNLOADER_JOB_H_
