// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// http_test_server.h (internal, testonly)
//
// A small HTTP/1.1 server for tests of blocking clients (monkey): it answers
// each GET after `delay` with the body "hello <path>" and closes the
// connection, so a client that runs alone takes about `delay` per request.
// Runs on the calling thread's hub, beside the clients under test. Given a
// server SslContext it speaks HTTPS.
//
//   gevent::testing::DelayedHttpServer server(absl::Milliseconds(500));
//   // GET http://127.0.0.1:<server.port()>/x  ->  "hello /x"

#ifndef GEVENT_IO_INTERNAL_HTTP_TEST_SERVER_H_
#define GEVENT_IO_INTERNAL_HTTP_TEST_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gevent/hub/hub.h"
#include "gevent/io/server.h"
#include "gevent/io/ssl.h"

namespace gevent::testing {

class DelayedHttpServer {
 public:
  explicit DelayedHttpServer(absl::Duration delay)
      : requests_(std::make_shared<std::atomic<int>>(0)),
        server_(Address::Loopback(0),
                [delay, requests = requests_](Socket& conn, const Address&) {
                  Serve(conn, delay, *requests);
                }) {
    Start();
  }
  // HTTPS with `tls`, a server context.
  DelayedHttpServer(absl::Duration delay, SslContext tls)
      : requests_(std::make_shared<std::atomic<int>>(0)),
        server_(Address::Loopback(0), std::move(tls),
                [delay, requests = requests_](SslSocket& conn, const Address&) {
                  Serve(conn, delay, *requests);
                }) {
    Start();
  }
  ~DelayedHttpServer() { server_.stop(absl::ZeroDuration()); }

  uint16_t port() const { return server_.address().port(); }
  int requests() const { return requests_->load(); }

 private:
  void Start() {
    absl::Status s = server_.start();
    if (!s.ok()) throw std::runtime_error(std::string(s.message()));
  }

  // Reads the request head, waits `delay`, answers. Conn: Socket or
  // SslSocket.
  template <typename Conn>
  static void Serve(Conn& conn, absl::Duration delay,
                    std::atomic<int>& requests) {
    std::string head;
    while (!absl::StrContains(head, "\r\n\r\n")) {
      absl::StatusOr<std::string> data = conn.recv(4096);
      if (!data.ok() || data->empty() || head.size() > 65536) return;
      head += *data;
    }
    std::vector<std::string> parts =
        absl::StrSplit(head.substr(0, head.find("\r\n")), ' ');
    const std::string path = parts.size() > 1 ? parts[1] : "/";
    requests.fetch_add(1);
    gevent::sleep(delay);
    const std::string body = absl::StrCat("hello ", path);
    (void)conn.sendall(absl::StrCat(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ",
        body.size(), "\r\nConnection: close\r\n\r\n", body));
  }

  std::shared_ptr<std::atomic<int>> requests_;
  StreamServer server_;
};

}  // namespace gevent::testing

#endif  // GEVENT_IO_INTERNAL_HTTP_TEST_SERVER_H_
