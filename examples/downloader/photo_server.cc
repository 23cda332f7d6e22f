// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/photo_server.h"

#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "examples/common/http.h"
#include "examples/downloader/photos.h"
#include "gevent/hub/hub.h"
#include "gevent/io/server.h"

namespace downloader {

using examples::FormatGet;
using examples::FormatResponse;
using examples::HttpParser;
using examples::QueryValue;

namespace {

// The response to one request.
std::string Respond(const HttpParser& request, int photos_per_user,
                    bool keep_alive) {
  const std::string& url = request.url();
  const std::string_view path = std::string_view(url).substr(0, url.find('?'));
  if (request.method() != "GET") {
    return FormatResponse(405, "Method Not Allowed", "GET only\n", keep_alive);
  }
  if (path == "/login") {
    const std::string user = QueryValue(url, "user");
    if (user.empty() || user.size() > 64) {
      return FormatResponse(400, "Bad Request", "user=<name> needed\n",
                            keep_alive);
    }
    return FormatResponse(200, "OK", TokenFor(user), keep_alive);
  }
  const std::string user = UserOfToken(QueryValue(url, "token"));
  if (path == "/photos" || path.starts_with("/photo/")) {
    if (user.empty()) {
      return FormatResponse(401, "Unauthorized", "bad token\n", keep_alive);
    }
  }
  if (path == "/photos") {
    return FormatResponse(200, "OK", FormatPhotoList(user, photos_per_user),
                          keep_alive);
  }
  int id = -1;
  if (path.starts_with("/photo/") &&
      absl::SimpleAtoi(absl::string_view(path.data() + 7, path.size() - 7),
                       &id) &&
      id >= 0 && id < photos_per_user) {
    return FormatResponse(200, "OK", PhotoBytes(user, id), keep_alive);
  }
  return FormatResponse(404, "Not Found", "no such thing\n", keep_alive);
}

// One connection: requests until the client leaves, idles too long, or
// sends something that is not HTTP. `Conn` is a Socket or an SslSocket.
template <typename Conn>
void Serve(Conn& conn, const PhotoServer::Options& options,
           std::atomic<uint64_t>& requests) {
  HttpParser request(HttpParser::kRequest);
  char buf[4096];
  for (;;) {
    while (!request.done()) {
      absl::StatusOr<size_t> n =
          conn.recv_into(absl::MakeSpan(buf), options.idle_timeout);
      if (!n.ok() || *n == 0) return;  // gone, or idle too long
      if (!request.Feed(buf, *n)) {
        (void)conn.sendall(
            FormatResponse(400, "Bad Request", request.error() + "\n", false),
            options.idle_timeout);
        return;
      }
    }
    requests.fetch_add(1, std::memory_order_relaxed);
    gevent::sleep(options.delay);
    const bool keep_alive = request.keep_alive();
    if (!conn.sendall(Respond(request, options.photos_per_user, keep_alive),
                      options.idle_timeout)
             .ok() ||
        !keep_alive || !request.Next()) {
      return;
    }
  }
}

}  // namespace

absl::Status PhotoServer::Start(const gevent::Address& address) {
  std::promise<absl::Status> started;
  std::future<absl::Status> result = started.get_future();
  thread_ = std::thread([this, address, &started] {
    // Shared, not copied, by every connection's handler.
    auto options = std::make_shared<const Options>(options_);
    std::shared_ptr<std::atomic<uint64_t>> requests = requests_;
    // Thousands of users connect at once: a short accept queue would drop
    // their SYNs and each dropped one costs its client a 1 s retransmit. The
    // kernel caps this at net.core.somaxconn. Nor is there a cap on
    // connections below what --users allows (a client may keep its idle ones).
    gevent::StreamServer::Options server_options;
    server_options.backlog = 65535;
    server_options.max_connections = 200000;
    auto serve = [options, requests](auto& conn, const gevent::Address&) {
      Serve(conn, *options, *requests);
    };
    std::optional<gevent::StreamServer> server;
    if (options->tls) {
      server.emplace(address, *options->tls, serve, server_options);
    } else {
      server.emplace(address, serve, server_options);
    }
    absl::Status s = server->start();
    if (s.ok()) {
      address_ = server->address();
    }
    started.set_value(s);
    if (!s.ok()) return;
    // Stop() comes from another thread: look for it now and then.
    while (!stopping_.load()) gevent::sleep(absl::Milliseconds(20));
    server->stop(absl::ZeroDuration());
  });
  absl::Status s = result.get();
  if (!s.ok()) {
    thread_.join();
    return s;
  }
  return absl::OkStatus();
}

void PhotoServer::Stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  thread_.join();
}

}  // namespace downloader
