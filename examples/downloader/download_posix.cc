// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/download_posix.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "examples/common/http.h"
#include "examples/downloader/photos.h"
#include "examples/downloader/tls.h"

namespace downloader::posix {

using examples::FormatGet;
using examples::FormatResponse;
using examples::HttpParser;

namespace {

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// A keep-alive connection to the photo server (over TLS with --tls: plain
// OpenSSL on the blocking fd), and the token once logged in.
struct Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  bool tls_ok = false;  // no TLS error yet: close_notify may be sent
  std::string token;
  ~Connection() {
    if (ssl != nullptr) {
      if (tls_ok) SSL_shutdown(ssl);  // close_notify; not waiting for theirs
      SSL_free(ssl);
    }
    if (fd >= 0) close(fd);
  }

  std::string Send(const std::string& data) {
    if (ssl != nullptr) {
      // Blocking OpenSSL writes all of it or fails.
      const int n = SSL_write(ssl, data.data(), static_cast<int>(data.size()));
      if (n > 0) return "";
      tls_ok = false;
      return "TLS send: " + tls::ErrorText(ssl, n);
    }
    if (send(fd, data.data(), data.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(data.size())) {
      return Errno("send");
    }
    return "";
  }

  // Bytes read into `buf`, 0 at EOF, -1 with `error`.
  ssize_t Recv(char* buf, size_t size, std::string* error) {
    if (ssl != nullptr) {
      const int n = SSL_read(ssl, buf, static_cast<int>(size));
      if (n > 0) return n;
      if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) return 0;
      tls_ok = false;
      *error = "TLS recv: " + tls::ErrorText(ssl, n);
      return -1;
    }
    const ssize_t n = recv(fd, buf, size, 0);
    if (n < 0) *error = Errno("recv");
    return n;
  }

  // Sends GET `path` and reads the whole response into `response`.
  std::string Get(const std::string& path, HttpParser* response) {
    if (std::string e = Send(FormatGet(path)); !e.empty()) return e;
    char buf[4096];
    while (!response->done()) {
      std::string error;
      const ssize_t n = Recv(buf, sizeof(buf), &error);
      if (n < 0) return error;
      if (n == 0 ? !response->FeedEof() : !response->Feed(buf, n)) {
        return "bad response: " + response->error();
      }
    }
    if (response->status() != 200) {
      return "GET " + path + ": HTTP " + std::to_string(response->status());
    }
    return "";
  }

  // The TLS handshake on the connected fd, when the job asks for TLS.
  std::string StartTls(const Job& job) {
    if (job.tls == nullptr) return "";
    std::string error;
    ssl = tls::NewClientSsl(job.tls, job.tls_name, &error);
    if (ssl == nullptr) return error;
    SSL_set_fd(ssl, fd);
    if (const int r = SSL_connect(ssl); r != 1) {
      return "TLS handshake: " + tls::ErrorText(ssl, r);
    }
    tls_ok = true;
    return "";
  }
};

std::string get_auth_connection(const Job& job, const std::string& user,
                                Connection* conn) {
  conn->fd = socket(job.server.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (conn->fd < 0) return Errno("socket");
  timeval tv{job.timeout_seconds, 0};
  setsockopt(conn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(conn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(conn->fd, reinterpret_cast<const sockaddr*>(&job.server),
              job.server_len) != 0) {
    return Errno("connect");
  }
  if (std::string e = conn->StartTls(job); !e.empty()) return e;
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

}  // namespace

std::string save_photos(const Job& job, const std::string& user,
                        const std::vector<Photo>& photos) {
  const std::string dir = UserDir(job.out_dir, user);
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Errno("mkdir");
  for (const Photo& p : photos) {
    const std::string path = PhotoPath(job.out_dir, user, p.id);
    const int fd =
        open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("open");
    const ssize_t n = write(fd, p.bytes.data(), p.bytes.size());
    const int saved = errno;
    close(fd);
    errno = saved;
    if (n != static_cast<ssize_t>(p.bytes.size())) return Errno("write");
  }
  return "";
}

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

}  // namespace downloader::posix
