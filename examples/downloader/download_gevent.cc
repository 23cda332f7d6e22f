// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/download_gevent.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "examples/common/http.h"
#include "examples/downloader/download_posix.h"
#include "examples/downloader/photos.h"
#include "gevent/io/address.h"
#include "gevent/io/socket.h"
#include "gevent/io/ssl.h"

namespace downloader::green {

using examples::FormatGet;
using examples::FormatResponse;
using examples::HttpParser;

namespace {

// A keep-alive connection (a TLS one with --tls), and the token.
struct Connection {
  gevent::Socket socket;
  std::optional<gevent::SslSocket> tls;
  std::string token;

  std::string Get(const std::string& path, HttpParser* response) {
    return tls ? Get(*tls, path, response) : Get(socket, path, response);
  }

  // The same calls on a Socket or an SslSocket.
  template <typename Stream>
  static std::string Get(Stream& stream, const std::string& path,
                         HttpParser* response) {
    if (absl::Status s = stream.sendall(FormatGet(path)); !s.ok()) {
      return std::string(s.message());
    }
    char buf[4096];
    while (!response->done()) {
      absl::StatusOr<size_t> n = stream.recv_into(absl::MakeSpan(buf));
      if (!n.ok()) return std::string(n.status().message());
      if (*n == 0 ? !response->FeedEof() : !response->Feed(buf, *n)) {
        return "bad response: " + response->error();
      }
    }
    if (response->status() != 200) {
      return "GET " + path + ": HTTP " + std::to_string(response->status());
    }
    return "";
  }
};

std::string get_auth_connection(const Job& job, const std::string& user,
                                Connection* conn) {
  absl::StatusOr<gevent::Address> where = gevent::Address::FromSockaddr(
      reinterpret_cast<const sockaddr*>(&job.server), job.server_len);
  if (!where.ok()) return std::string(where.status().message());
  absl::StatusOr<gevent::Socket> s = gevent::Socket::Tcp(where->family());
  if (!s.ok()) return std::string(s.status().message());
  conn->socket = *std::move(s);
  (void)conn->socket.settimeout(absl::Seconds(job.timeout_seconds));
  if (absl::Status c = conn->socket.connect(*where); !c.ok()) {
    return std::string(c.message());
  }
  if (job.green_tls != nullptr) {
    absl::StatusOr<gevent::SslSocket> tls = gevent::SslSocket::Client(
        std::move(conn->socket), *job.green_tls, job.tls_name);
    if (!tls.ok()) return std::string(tls.status().message());
    conn->tls.emplace(*std::move(tls));
    if (absl::Status h = conn->tls->handshake(); !h.ok()) {
      return std::string(h.message());
    }
  }
  HttpParser response(HttpParser::kResponse);
  if (std::string e = conn->Get("/login?user=" + user, &response); !e.empty()) {
    return e;
  }
  conn->token = response.body();
  return "";
}

std::string get_photos(Connection& conn, std::vector<Photo>* photos) {
  HttpParser response(HttpParser::kResponse);
  if (std::string e = conn.Get("/photos?token=" + conn.token, &response);
      !e.empty()) {
    return e;
  }
  std::vector<PhotoInfo> list;
  if (!ParsePhotoList(response.body(), &list)) return "malformed photo list";
  for (const PhotoInfo& info : list) {
    HttpParser photo(HttpParser::kResponse);
    const std::string path =
        "/photo/" + std::to_string(info.id) + "?token=" + conn.token;
    if (std::string e = conn.Get(path, &photo); !e.empty()) return e;
    if (photo.body().size() != info.size ||
        Checksum(photo.body()) != info.checksum) {
      return "photo " + std::to_string(info.id) + ": checksum mismatch";
    }
    photos->push_back({info.id, photo.body()});
  }
  return "";
}

// A few KiB to a regular file land in the page cache in microseconds, so they
// are written right here, blocking, as gevent leaves open().write() and as a
// goroutine's os.WriteFile is a plain syscall. (For big files or a slow disk,
// gevent::File or a ThreadPool keep the hub free; here a thread-pool hop per
// user measured +15% peak RSS at 10,000 users, its photos held meanwhile.)
std::string save_photos(const Job& job, const std::string& user,
                        const std::vector<Photo>& photos) {
  return posix::save_photos(job, user, photos);
}

}  // namespace

Outcome download_photos(const Job& job, const std::string& user) {
  std::vector<Photo> photos;
  {
    Connection conn;  // closed before the saving: one fd per user at a time
    if (std::string e = get_auth_connection(job, user, &conn); !e.empty()) {
      return user + ": " + e;
    }
    if (std::string e = get_photos(conn, &photos); !e.empty()) {
      return user + ": " + e;
    }
  }
  if (std::string e = save_photos(job, user, photos); !e.empty()) {
    return user + ": " + e;
  }
  return "";
}

}  // namespace downloader::green
