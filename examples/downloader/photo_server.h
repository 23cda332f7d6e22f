// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// photo_server.h
//
// The downloader's built-in photo service (photos.h's protocol): a gevent-cpp
// StreamServer speaking HTTP/1.1 with keep-alive (HTTPS given a server
// SslContext), on its own thread and hub, answering each request after
// `delay` (a remote service's latency).
//
//   downloader::PhotoServer server({.delay = absl::Milliseconds(50)});
//   absl::Status s = server.Start(gevent::Address::Loopback(0));
//   // clients connect to server.address() ... then server.Stop();

#ifndef GEVENT_EXAMPLES_DOWNLOADER_PHOTO_SERVER_H_
#define GEVENT_EXAMPLES_DOWNLOADER_PHOTO_SERVER_H_

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gevent/io/address.h"
#include "gevent/io/ssl.h"

namespace downloader {

class PhotoServer {
 public:
  struct Options {
    absl::Duration delay = absl::Milliseconds(50);  // before each response
    int photos_per_user = 4;
    // A connection idle this long is closed (a stalled client).
    absl::Duration idle_timeout = absl::Seconds(30);
    // HTTPS with this server context (certificate and key) when set.
    std::optional<gevent::SslContext> tls;
  };

  explicit PhotoServer(Options options) : options_(std::move(options)) {}
  ~PhotoServer() { Stop(); }
  PhotoServer(const PhotoServer&) = delete;
  PhotoServer& operator=(const PhotoServer&) = delete;

  // Binds `address` and serves on a new thread. The bind error (a port in
  // use, say) if it cannot. Blocks until it listens.
  absl::Status Start(const gevent::Address& address);
  // Stops serving and joins the thread.
  void Stop();

  const gevent::Address& address() const { return address_; }
  uint64_t requests() const { return requests_->load(); }

 private:
  Options options_;
  gevent::Address address_;
  std::shared_ptr<std::atomic<uint64_t>> requests_ =
      std::make_shared<std::atomic<uint64_t>>(0);
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace downloader

#endif  // GEVENT_EXAMPLES_DOWNLOADER_PHOTO_SERVER_H_
