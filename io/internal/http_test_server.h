// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// http_test_server.h (internal, testonly)
//
// A small HTTP/1.1 server for tests of blocking clients (monkey): it answers
// each GET after `delay` with the body "hello <path>" and closes the
// connection, so a client that runs alone takes about `delay` per request.
// Runs on the calling thread's hub, beside the clients under test.
//
//   gevent::testing::DelayedHttpServer server(absl::Milliseconds(500));
//   // GET http://127.0.0.1:<server.port()>/x  ->  "hello /x"

#ifndef GEVENT_IO_INTERNAL_HTTP_TEST_SERVER_H_
#define GEVENT_IO_INTERNAL_HTTP_TEST_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gevent/hub/hub.h"
#include "gevent/io/buffered.h"
#include "gevent/io/server.h"

namespace gevent::testing {

class DelayedHttpServer {
 public:
  explicit DelayedHttpServer(absl::Duration delay)
      : delay_(delay),
        requests_(std::make_shared<std::atomic<int>>(0)),
        server_(Address::Loopback(0), Handler(delay, requests_)) {
    absl::Status s = server_.start();
    if (!s.ok()) throw std::runtime_error(std::string(s.message()));
  }
  ~DelayedHttpServer() { server_.stop(absl::ZeroDuration()); }

  uint16_t port() const { return server_.address().port(); }
  int requests() const { return requests_->load(); }

 private:
  static StreamServer::Handler Handler(
      absl::Duration delay, std::shared_ptr<std::atomic<int>> requests) {
    return [delay, requests](Socket& conn, const Address&) {
      BufferedReader in(conn);
      absl::StatusOr<std::string> request_line = in.readline(8192);
      if (!request_line.ok() || request_line->empty()) return;
      for (;;) {  // the headers, up to the blank line
        absl::StatusOr<std::string> line = in.readline(8192);
        if (!line.ok() || line->empty()) return;
        if (*line == "\r\n" || *line == "\n") break;
      }
      std::vector<std::string> parts = absl::StrSplit(*request_line, ' ');
      const std::string path = parts.size() > 1 ? parts[1] : "/";
      requests->fetch_add(1);
      gevent::sleep(delay);
      const std::string body = absl::StrCat("hello ", path);
      (void)conn.sendall(absl::StrCat(
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ",
          body.size(), "\r\nConnection: close\r\n\r\n", body));
    };
  }

  absl::Duration delay_;
  std::shared_ptr<std::atomic<int>> requests_;
  StreamServer server_;
};

}  // namespace gevent::testing

#endif  // GEVENT_IO_INTERNAL_HTTP_TEST_SERVER_H_
