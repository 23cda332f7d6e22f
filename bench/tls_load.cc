// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// tls_load.cc
//
// Load for bench/tls_compare.sh, written with gevent-cpp itself (one thread,
// a greenlet per connection), against any echo server on 127.0.0.1:
//
//   --mode=echo       C connections, each one 64-byte message in flight
//                     (ping-pong) for --duration seconds: messages/s.
//   --mode=handshake  C greenlets, each connecting, shaking hands, echoing
//                     one byte and closing, over and over: connections/s.
//
// --tls speaks TLS (verifying the server against --ca, name "localhost"; a
// fresh full handshake each time, no resumption); without it, plain TCP, the
// same code otherwise. One line on stdout:
//
//   mode=echo tls=1 connections=100 seconds=3.00 ops=... ops_per_sec=...
//   errors=0 load_cpu=0.97 server_cpu=0.93

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstdio>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "bench/cpu_time.h"
#include "gevent/gevent.h"

ABSL_FLAG(int, port, 0, "Server TCP port on 127.0.0.1 (required).");
ABSL_FLAG(std::string, mode, "echo", "echo or handshake.");
ABSL_FLAG(bool, tls, false, "Speak TLS.");
ABSL_FLAG(std::string, ca, "", "PEM file the server's certificate chains to.");
ABSL_FLAG(int, connections, 100, "Concurrent connections (greenlets).");
ABSL_FLAG(double, duration, 3, "Measured seconds.");
ABSL_FLAG(double, warmup, 1, "Unmeasured seconds before.");
ABSL_FLAG(int, server_pid, 0, "The server's pid, for its CPU; 0: none.");

namespace {

using gevent::bench::CpuSeconds;

// One connection, plain or TLS, with the calls the load makes.
class Conn {
 public:
  static absl::StatusOr<Conn> Open(uint16_t port,
                                   const gevent::SslContext* tls) {
    absl::StatusOr<gevent::Socket> s =
        gevent::create_connection("127.0.0.1", port, absl::Seconds(10));
    if (!s.ok()) return s.status();
    (void)s->setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    if (tls == nullptr) return Conn(*std::move(s));
    absl::StatusOr<gevent::SslSocket> t =
        gevent::SslSocket::Client(*std::move(s), *tls, "localhost");
    if (!t.ok()) return t.status();
    if (absl::Status st = t->handshake(); !st.ok()) return st;
    return Conn(*std::move(t));
  }

  // Sends `msg` and reads the same number of bytes back.
  bool RoundTrip(std::string_view msg, char* buf) {
    return std::visit(
        [&](auto& c) {
          if (!c.sendall(msg).ok()) return false;
          size_t got = 0;
          while (got < msg.size()) {
            absl::StatusOr<size_t> n =
                c.recv_into(absl::MakeSpan(buf + got, msg.size() - got));
            if (!n.ok() || *n == 0) return false;
            got += *n;
          }
          return true;
        },
        conn_);
  }

 private:
  explicit Conn(gevent::Socket s) : conn_(std::move(s)) {}
  explicit Conn(gevent::SslSocket s) : conn_(std::move(s)) {}
  std::variant<gevent::Socket, gevent::SslSocket> conn_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const int connections = absl::GetFlag(FLAGS_connections);
  if (port <= 0 || port > 65535 || connections <= 0 ||
      (mode != "echo" && mode != "handshake")) {
    std::fprintf(stderr,
                 "tls_load: needs --port, --connections > 0, --mode "
                 "echo|handshake\n");
    return 2;
  }
  std::optional<gevent::SslContext> tls;
  if (absl::GetFlag(FLAGS_tls)) {
    gevent::SslContext::Options options;
    options.system_trust = false;
    options.ca_file = absl::GetFlag(FLAGS_ca);
    absl::StatusOr<gevent::SslContext> ctx =
        gevent::SslContext::Client(options);
    if (!ctx.ok()) {
      std::fprintf(stderr, "tls_load: %s\n", ctx.status().ToString().c_str());
      return 2;
    }
    tls = *std::move(ctx);
  }
  const gevent::SslContext* ctx = tls ? &*tls : nullptr;

  bool measuring = false;
  bool stopping = false;
  long ops = 0;     // NOLINT(runtime/int)
  long errors = 0;  // NOLINT(runtime/int)
  std::string first_error;
  auto fail = [&](const absl::Status& st) {
    if (first_error.empty()) first_error = st.ToString();
    ++errors;
  };
  const std::string msg(64, 'x');
  std::vector<gevent::Greenlet<void>> workers;
  for (int i = 0; i < connections; ++i) {
    workers.push_back(gevent::spawn([&] {
      char buf[64];
      if (mode == "echo") {
        absl::StatusOr<Conn> c = Conn::Open(static_cast<uint16_t>(port), ctx);
        if (!c.ok()) return fail(c.status());
        while (!stopping) {
          if (!c->RoundTrip(msg, buf)) return fail(absl::UnknownError("echo"));
          ops += measuring;
        }
        return;
      }
      while (!stopping) {
        absl::StatusOr<Conn> c = Conn::Open(static_cast<uint16_t>(port), ctx);
        if (!c.ok()) {
          fail(c.status());
          continue;
        }
        if (!c->RoundTrip("x", buf)) {
          fail(absl::UnknownError("echo after the handshake"));
          continue;
        }
        ops += measuring;
      }
    }));
  }
  gevent::sleep(absl::Seconds(absl::GetFlag(FLAGS_warmup)));
  const int server_pid = absl::GetFlag(FLAGS_server_pid);
  const double load_before = CpuSeconds(0);
  const double server_before = server_pid > 0 ? CpuSeconds(server_pid) : -1;
  const absl::Time start = absl::Now();
  measuring = true;
  gevent::sleep(absl::Seconds(absl::GetFlag(FLAGS_duration)));
  measuring = false;
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double load_cpu = (CpuSeconds(0) - load_before) / seconds;
  const double server_cpu =
      server_pid > 0 ? (CpuSeconds(server_pid) - server_before) / seconds : -1;
  stopping = true;
  (void)gevent::joinall(workers, absl::Seconds(10));
  for (auto& w : workers) (void)w.kill(absl::Seconds(1));
  std::printf(
      "mode=%s tls=%d connections=%d seconds=%.2f ops=%ld ops_per_sec=%.0f "
      "errors=%ld load_cpu=%.2f server_cpu=%.2f\n",
      mode.c_str(), tls ? 1 : 0, connections, seconds, ops, ops / seconds,
      errors, load_cpu, server_cpu);
  if (!first_error.empty()) {
    std::fprintf(stderr, "tls_load: first error: %s\n", first_error.c_str());
  }
  return 0;
}
