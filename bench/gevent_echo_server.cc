// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// gevent_echo_server.cc
//
// The gevent-cpp echo server that bench/echo_compare.sh measures: a
// StreamServer whose handler is plain blocking-style code (recv_into, then
// sendall), one greenlet per connection. One binary per backend:
//
//   bazel-bin/bench/gevent_echo_server_uring --port=0
//   port=39321
//
// Listens on 127.0.0.1; the first line on stdout is `port=N`. With
// --tls_cert/--tls_key it echoes over TLS. --threads=N
// serves on N OS threads (SO_REUSEPORT). Serves until SIGTERM or SIGINT, which
// a greenlet reads from a signalfd (the hub keeps running meanwhile), then
// stops the server and exits 0.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/io/file.h"
#include "gevent/io/server.h"
#include "gevent/io/ssl.h"

ABSL_FLAG(int, port, 0, "TCP port on 127.0.0.1; 0 lets the kernel pick.");
ABSL_FLAG(int, threads, 1, "OS threads, each with its own hub.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve TLS (with --tls_key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert.");
ABSL_FLAG(std::string, recv, "into",
          "into: recv_into a 4 KiB buffer on the greenlet's stack; string: "
          "recv(4096), which returns a std::string.");

namespace {

// The buffer lives on the greenlet's stack: an idle connection costs only the
// pages a message has touched, not a zeroed heap buffer.
void Echo(gevent::Socket& conn, const gevent::Address&) {
  (void)conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  char buf[4096];
  for (;;) {
    absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) return;
    if (!conn.sendall(std::string_view(buf, *n)).ok()) return;
  }
}

// The simplest style: recv returns a string. While it waits, io_uring's
// provided buffers let it hold no buffer; other backends hold the 4 KiB.
void EchoStrings(gevent::Socket& conn, const gevent::Address&) {
  (void)conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  for (;;) {
    absl::StatusOr<std::string> data = conn.recv(4096);
    if (!data.ok() || data->empty()) return;
    if (!conn.sendall(*data).ok()) return;
  }
}

// The same over TLS.
void EchoTls(gevent::SslSocket& conn, const gevent::Address&) {
  (void)conn.socket().setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  char buf[4096];
  for (;;) {
    absl::StatusOr<size_t> n = conn.recv_into(absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) return;
    if (!conn.sendall(std::string_view(buf, *n)).ok()) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "gevent_echo_server: bad --port\n");
    return 2;
  }
  // Signals arrive on an fd that a greenlet reads, not in a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the server threads too
  const int sfd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);

  const std::string recv = absl::GetFlag(FLAGS_recv);
  if (recv != "into" && recv != "string") {
    std::fprintf(stderr, "gevent_echo_server: --recv is into or string\n");
    return 2;
  }
  gevent::StreamServer::Options options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.backlog = 4096;
  const gevent::Address where =
      gevent::Address::Loopback(static_cast<uint16_t>(port));
  std::unique_ptr<gevent::StreamServer> made;
  if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
    gevent::SslContext::Options tls;
    tls.cert_chain_file = absl::GetFlag(FLAGS_tls_cert);
    tls.private_key_file = absl::GetFlag(FLAGS_tls_key);
    absl::StatusOr<gevent::SslContext> ctx = gevent::SslContext::Server(tls);
    if (!ctx.ok()) {
      std::fprintf(stderr, "gevent_echo_server: %s\n",
                   ctx.status().ToString().c_str());
      return 2;
    }
    made =
        std::make_unique<gevent::StreamServer>(where, *ctx, EchoTls, options);
  } else {
    made = std::make_unique<gevent::StreamServer>(
        where, recv == "string" ? EchoStrings : Echo, options);
  }
  gevent::StreamServer& server = *made;
  if (absl::Status s = server.start(); !s.ok()) {
    std::fprintf(stderr, "gevent_echo_server: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("port=%d\n", server.address().port());
  std::fflush(stdout);

  auto watcher = gevent::spawn([&] {
    absl::StatusOr<gevent::File> f = gevent::File::FromFd(sfd);
    if (f.ok()) (void)f->read(sizeof(signalfd_siginfo));
    server.stop(absl::ZeroDuration());
  });
  (void)server.serve_forever();
  (void)watcher.join();
  return 0;
}
