// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// A small HTTP/1.1 server: keep-alive, a router, a bound on request size, and
// slow clients timed out; a greenlet per connection, plain blocking code.
// wrk can load it:
//
//   bazel run -c opt //examples/http_server -- --port=8080
//   wrk -t1 -c100 -d10s http://127.0.0.1:8080/
//
// Routes: GET /            "hello"
//         GET /sleep?ms=N  answers after N ms (up to 10 s): the others go on
//         POST /echo       the request body back
//         GET /stats       requests and connections served so far

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "examples/common/http.h"
#include "examples/common/serve.h"
#include "gevent/gevent.h"

ABSL_FLAG(int, port, 8080, "port on 127.0.0.1 (0: any free port)");
ABSL_FLAG(int, threads, 1, "OS threads, each with its own hub");
ABSL_FLAG(int, max_request, 64 * 1024, "largest request accepted, in bytes");
ABSL_FLAG(absl::Duration, request_timeout, absl::Seconds(10),
          "a request must arrive whole within this (slow clients are cut)");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(30),
          "a keep-alive connection idle this long is closed");
ABSL_FLAG(std::string, port_file, "", "write the port here once listening");

namespace {

using examples::FormatResponse;
using examples::HttpParser;
using examples::QueryValue;

std::atomic<uint64_t> g_requests{0};

struct Limits {
  size_t max_request;
  absl::Duration request_timeout;
  absl::Duration idle_timeout;
};

// The router.
std::string Handle(const HttpParser& request, bool keep_alive,
                   const gevent::StreamServer* server) {
  const std::string& url = request.url();
  const std::string_view path = std::string_view(url).substr(0, url.find('?'));
  const std::string& method = request.method();
  if (path == "/" && method == "GET") {
    return FormatResponse(200, "OK", "hello\n", keep_alive);
  }
  if (path == "/sleep" && method == "GET") {
    int ms = 0;
    const std::string v = QueryValue(url, "ms");
    if (!absl::SimpleAtoi(v, &ms) || ms < 0 || ms > 10000) {
      return FormatResponse(400, "Bad Request", "ms=0..10000\n", keep_alive);
    }
    gevent::sleep(absl::Milliseconds(ms));  // parks this greenlet only
    return FormatResponse(200, "OK", absl::StrCat("slept ", ms, " ms\n"),
                          keep_alive);
  }
  if (path == "/echo" && method == "POST") {
    return FormatResponse(200, "OK", request.body(), keep_alive);
  }
  if (path == "/stats" && method == "GET") {
    return FormatResponse(
        200, "OK",
        absl::StrCat("requests ", g_requests.load(), "\nconnections ",
                     server->accepted(), "\n"),
        keep_alive);
  }
  if (path == "/" || path == "/sleep" || path == "/echo" || path == "/stats") {
    return FormatResponse(405, "Method Not Allowed", "wrong method\n",
                          keep_alive);
  }
  return FormatResponse(404, "Not Found", "no such page\n", keep_alive);
}

// One connection: requests one after another (keep-alive).
void Serve(gevent::Socket& conn, const Limits& limits,
           const gevent::StreamServer* server) {
  HttpParser request(HttpParser::kRequest, limits.max_request);
  char buf[4096];
  for (;;) {
    // The first byte may take up to the idle timeout; then the whole
    // request must come within the request timeout.
    absl::Time deadline = absl::InfiniteFuture();
    while (!request.done()) {
      const absl::Duration left =
          deadline == absl::InfiniteFuture()
              ? limits.idle_timeout
              : std::max(deadline - absl::Now(), absl::ZeroDuration());
      absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf), left);
      if (!n.ok()) {
        if (absl::IsDeadlineExceeded(n.status()) &&
            deadline != absl::InfiniteFuture()) {
          (void)conn.sendall(
              FormatResponse(408, "Request Timeout", "too slow\n", false));
        }
        return;  // idle, slow, or reset
      }
      if (*n == 0) return;  // the client is done
      if (deadline == absl::InfiniteFuture()) {
        deadline = absl::Now() + limits.request_timeout;
      }
      if (!request.Feed(buf, *n)) {
        const bool too_large = request.error() == HttpParser::kTooLarge;
        (void)conn.sendall(
            FormatResponse(too_large ? 413 : 400,
                           too_large ? "Content Too Large" : "Bad Request",
                           request.error() + "\n", false));
        return;
      }
    }
    g_requests.fetch_add(1, std::memory_order_relaxed);
    const bool keep_alive = request.keep_alive();
    if (!conn.sendall(Handle(request, keep_alive, server)).ok() ||
        !keep_alive || !request.Next()) {
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("a small HTTP/1.1 server on greenlets");
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  const Limits limits{static_cast<size_t>(absl::GetFlag(FLAGS_max_request)),
                      absl::GetFlag(FLAGS_request_timeout),
                      absl::GetFlag(FLAGS_idle_timeout)};
  if (port < 0 || port > 65535 || absl::GetFlag(FLAGS_max_request) < 64 ||
      limits.request_timeout <= absl::ZeroDuration() ||
      limits.idle_timeout <= absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "http_server: --port 0..65535, --max_request >= 64, "
                 "positive timeouts\n");
    return 2;
  }
  gevent::StreamServer::Options options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.backlog = 4096;
  gevent::StreamServer* self = nullptr;
  gevent::StreamServer server(
      gevent::Address::Loopback(static_cast<uint16_t>(port)),
      [&limits, &self](gevent::Socket& conn, const gevent::Address&) {
        Serve(conn, limits, self);
      },
      options);
  self = &server;
  if (int rc = examples::Serve(server, "http server",
                               absl::GetFlag(FLAGS_port_file)))
    return rc;
  std::printf("http server stopped after %llu requests\n",
              static_cast<unsigned long long>(g_requests.load()));  // NOLINT
  return 0;
}
