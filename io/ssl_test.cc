// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// TLS on every backend, with a CA and certificates the test makes itself:
// round trips from 1 byte to 16 MiB, 1,000 clients at once against one server
// in one process, mutual TLS, ALPN, close_notify and ragged EOF, full duplex;
// and what must fail cleanly: a silent peer (timeout), a wrong name, an
// untrusted or expired certificate, a peer that speaks plain text, a reset in
// the middle of the handshake, close and kill while handshaking, bad context
// settings. Every test ends with the fds and greenlets it started with.

#include "gevent/io/ssl.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/io/internal/test_certs.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/server.h"

namespace gevent {
namespace {

using testing::AddressOf;
using testing::Checksum;
using testing::ListenLoopback;
using testing::Payload;
using testing::TestCert;
using testing::TestPki;

class SslTest : public ::testing::Test {
 protected:
  SslContext ServerContext(const TestCert& cert,
                           SslContext::Options options = {}) {
    options.cert_chain_pem = cert.cert_pem;
    options.private_key_pem = cert.key_pem;
    absl::StatusOr<SslContext> ctx = SslContext::Server(options);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    return *std::move(ctx);
  }
  SslContext ClientContext(SslContext::Options options = {}) {
    options.system_trust = false;
    if (options.ca_pem.empty()) options.ca_pem = pki_.ca().cert_pem;
    absl::StatusOr<SslContext> ctx = SslContext::Client(options);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    return *std::move(ctx);
  }

  // Accepts `n` connections and runs `serve` on each, as TLS servers.
  template <typename F>
  Greenlet<void> Serve(Socket& listener, const SslContext& ctx, int n,
                       F serve) {
    return spawn([&listener, ctx, n, serve]() mutable {
      std::vector<Greenlet<void>> handlers;
      for (int i = 0; i < n; ++i) {
        absl::StatusOr<Accepted> a = listener.accept(absl::Seconds(30));
        ASSERT_TRUE(a.ok()) << a.status();
        handlers.push_back(
            spawn([conn = std::move(a->socket), ctx, serve]() mutable {
              absl::StatusOr<SslSocket> tls =
                  SslSocket::Server(std::move(conn), ctx);
              ASSERT_TRUE(tls.ok()) << tls.status();
              serve(*tls);
            }));
      }
      ASSERT_TRUE(joinall(handlers).ok());
    });
  }

  // A client connected over TCP (the connection may sit in the listener's
  // backlog), its handshake not started.
  SslSocket Unstarted(const Socket& listener) {
    absl::StatusOr<Socket> s = Socket::Tcp();
    EXPECT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(s->connect(AddressOf(listener)).ok());
    absl::StatusOr<SslSocket> tls =
        SslSocket::Client(*std::move(s), ClientContext(), "localhost");
    EXPECT_TRUE(tls.ok()) << tls.status();
    return *std::move(tls);
  }

  absl::StatusOr<SslSocket> Connect(
      const Address& where, const SslContext& ctx,
      std::string_view name = "localhost",
      absl::Duration timeout = absl::Seconds(30)) {
    absl::StatusOr<Socket> s = Socket::Tcp();
    if (!s.ok()) return s.status();
    if (absl::Status st = s->connect(where, timeout); !st.ok()) return st;
    absl::StatusOr<SslSocket> tls = SslSocket::Client(*std::move(s), ctx, name);
    if (!tls.ok()) return tls.status();
    if (absl::Status st = tls->handshake(timeout); !st.ok()) return st;
    return tls;
  }

  testing::LeakCheck leaks_;
  TestPki pki_;
};

// Echoes plaintext until EOF.
void EchoTls(SslSocket& conn) {
  for (;;) {
    absl::StatusOr<std::string> data = conn.recv(64 * 1024);
    if (!data.ok() || data->empty()) return;
    if (!conn.sendall(*data).ok()) return;
  }
}

class SslSizeTest : public SslTest,
                    public ::testing::WithParamInterface<size_t> {};

TEST_P(SslSizeTest, RoundTripKeepsEveryByte) {
  const size_t size = GetParam();
  Socket listener = ListenLoopback();
  SslContext server_ctx = ServerContext(pki_.Issue("localhost"));
  auto server = Serve(listener, server_ctx, 1, EchoTls);
  absl::StatusOr<SslSocket> tls = Connect(AddressOf(listener), ClientContext());
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(tls->version(), "TLSv1.3");
  const std::string payload = Payload(size, 42);
  // Write and read at once: a big payload does not fit in socket buffers.
  auto writer = spawn([&] {
    ASSERT_TRUE(tls->sendall(payload).ok());
    ASSERT_TRUE(tls->shutdown().ok());
  });
  std::string back;
  for (;;) {
    absl::StatusOr<std::string> r = tls->recv(64 * 1024);
    ASSERT_TRUE(r.ok()) << r.status();
    if (r->empty() || back.size() == payload.size()) break;
    back += *r;
    if (back.size() == payload.size()) break;
  }
  ASSERT_TRUE(writer.join().ok());
  EXPECT_EQ(back.size(), payload.size());
  EXPECT_EQ(Checksum(back), Checksum(payload));
  ASSERT_TRUE(tls->close().ok());
  ASSERT_TRUE(server.join().ok());
}

INSTANTIATE_TEST_SUITE_P(Sizes, SslSizeTest,
                         ::testing::Values(1, 1000, 16384, 100000, 16 << 20));

TEST_F(SslTest, AThousandClientsAtOnceAgainstOneServer) {
  const int n = 1000;
  testing::RaiseFdLimit(2 * n + 200);
  Socket listener = ListenLoopback();
  const Address where = AddressOf(listener);
  SslContext server_ctx = ServerContext(pki_.Issue("localhost"));
  SslContext client_ctx = ClientContext();
  auto server = Serve(listener, server_ctx, n, EchoTls);
  int ok = 0;
  std::vector<Greenlet<void>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(spawn([&, i] {
      absl::StatusOr<SslSocket> tls = Connect(where, client_ctx);
      ASSERT_TRUE(tls.ok()) << tls.status();
      const std::string msg = absl::StrCat("hello from client ", i);
      ASSERT_TRUE(tls->sendall(msg).ok());
      absl::StatusOr<std::string> back = tls->recv(1000);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, msg);
      ok += *back == msg;
    }));
  }
  ASSERT_TRUE(joinall(clients).ok());
  ASSERT_TRUE(server.join().ok());
  EXPECT_EQ(ok, n);
}

TEST_F(SslTest, MutualTlsAcceptsAClientCertificateAndRefusesNone) {
  Socket listener = ListenLoopback();
  const Address where = AddressOf(listener);
  SslContext::Options server_options;
  server_options.verify = SslContext::Verify::kRequired;
  server_options.ca_pem = pki_.ca().cert_pem;
  server_options.system_trust = false;
  SslContext server_ctx =
      ServerContext(pki_.Issue("localhost"), server_options);
  std::vector<std::string> seen;
  std::vector<absl::Status> failures;
  auto server = Serve(listener, server_ctx, 2, [&](SslSocket& conn) {
    absl::Status st = conn.handshake(absl::Seconds(10));
    if (!st.ok()) {
      failures.push_back(st);
      return;
    }
    seen.push_back(conn.peer_subject());
    EchoTls(conn);
  });
  testing::CertSpec spec;
  spec.common_name = "client-7";
  spec.client = true;
  const TestCert client_cert = pki_.Issue(spec);
  SslContext::Options with_cert;
  with_cert.cert_chain_pem = client_cert.cert_pem;
  with_cert.private_key_pem = client_cert.key_pem;
  absl::StatusOr<SslSocket> good = Connect(where, ClientContext(with_cert));
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_TRUE(good->sendall("mtls").ok());
  EXPECT_EQ(*good->recv(100), "mtls");
  ASSERT_TRUE(good->close().ok());

  // Without a certificate: TLS 1.3 finishes the client's side first, and the
  // server's refusal arrives as an alert on the first read.
  absl::StatusOr<SslSocket> bad = Connect(where, ClientContext());
  absl::Status bad_status = bad.status();
  if (bad.ok()) bad_status = bad->recv(100).status();
  EXPECT_FALSE(bad_status.ok());
  EXPECT_TRUE(absl::StrContains(bad_status.message(), "certificate required"))
      << bad_status;
  if (bad.ok()) {
    ASSERT_TRUE(bad->close().ok());
  }
  ASSERT_TRUE(server.join().ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "CN=client-7");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].code(), absl::StatusCode::kUnavailable) << failures[0];
}

TEST_F(SslTest, AlpnPicksTheFirstProtocolBothSidesSpeak) {
  Socket listener = ListenLoopback();
  SslContext::Options server_options;
  server_options.alpn = {"h2", "http/1.1"};
  SslContext server_ctx =
      ServerContext(pki_.Issue("localhost"), server_options);
  std::string server_saw;
  auto server = Serve(listener, server_ctx, 1, [&](SslSocket& conn) {
    ASSERT_TRUE(conn.handshake().ok());
    server_saw = conn.alpn_protocol();
  });
  SslContext::Options client_options;
  client_options.alpn = {"spdy/1", "http/1.1"};
  absl::StatusOr<SslSocket> tls =
      Connect(AddressOf(listener), ClientContext(client_options));
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(tls->alpn_protocol(), "http/1.1");
  ASSERT_TRUE(server.join().ok());
  EXPECT_EQ(server_saw, "http/1.1");
}

TEST_F(SslTest, CloseNotifyAndARaggedEofBothReadAsEof) {
  Socket listener = ListenLoopback();
  SslContext server_ctx = ServerContext(pki_.Issue("localhost"));
  std::vector<std::string> got;
  auto server = Serve(listener, server_ctx, 2, [&](SslSocket& conn) {
    std::string all;
    for (;;) {
      absl::StatusOr<std::string> r = conn.recv(100, absl::Seconds(10));
      ASSERT_TRUE(r.ok()) << r.status();
      if (r->empty()) break;
      all += *r;
    }
    got.push_back(all);
  });
  const Address where = AddressOf(listener);
  absl::StatusOr<SslSocket> polite = Connect(where, ClientContext());
  ASSERT_TRUE(polite.ok()) << polite.status();
  ASSERT_TRUE(polite->sendall("bye").ok());
  ASSERT_TRUE(polite->shutdown().ok());
  absl::StatusOr<SslSocket> rude = Connect(where, ClientContext());
  ASSERT_TRUE(rude.ok()) << rude.status();
  ASSERT_TRUE(rude->sendall("gone").ok());
  // A FIN without close_notify. (A close() with the server's session tickets
  // still unread would send a reset instead.)
  ASSERT_TRUE(rude->socket().shutdown(SHUT_WR).ok());
  ASSERT_TRUE(server.join().ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0] + got[1], got[0] == "bye" ? "byegone" : "gonebye");
}

TEST_F(SslTest, FullDuplexOneGreenletReadsWhileAnotherWrites) {
  Socket listener = ListenLoopback();
  SslContext server_ctx = ServerContext(pki_.Issue("localhost"));
  auto server = Serve(listener, server_ctx, 1, EchoTls);
  absl::StatusOr<SslSocket> tls = Connect(AddressOf(listener), ClientContext());
  ASSERT_TRUE(tls.ok()) << tls.status();
  const std::string payload = Payload(2 << 20, 9);
  auto writer = spawn([&] {
    for (size_t i = 0; i < payload.size(); i += 1000) {
      ASSERT_TRUE(tls->sendall(payload.substr(i, 1000)).ok());
    }
  });
  std::string back;
  while (back.size() < payload.size()) {
    absl::StatusOr<std::string> r = tls->recv(16384, absl::Seconds(30));
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_FALSE(r->empty());
    back += *r;
  }
  ASSERT_TRUE(writer.join().ok());
  EXPECT_EQ(Checksum(back), Checksum(payload));
  ASSERT_TRUE(tls->close().ok());
  ASSERT_TRUE(server.join().ok());
}

TEST_F(SslTest, HandshakeTimesOutAgainstASilentPeer) {
  // The connection lands in the backlog; nobody ever answers.
  Socket listener = ListenLoopback();
  SslSocket tls = Unstarted(listener);
  const absl::Time start = absl::Now();
  absl::Status st = tls.handshake(absl::Milliseconds(100));
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "TLS handshake")) << st;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));
}

TEST_F(SslTest, BadCertificatesAreRefusedWithTheReason) {
  Socket listener = ListenLoopback();
  const Address where = AddressOf(listener);
  testing::CertSpec expired;
  expired.common_name = "localhost";
  expired.dns_names = {"localhost"};
  expired.valid_from_days = -10;
  expired.valid_until_days = -1;
  TestPki stranger;  // a CA the client does not trust
  struct Case {
    SslContext server;
    std::string name;
    std::string reason;
  };
  std::vector<Case> cases = {
      {ServerContext(pki_.Issue("localhost")), "example.com",
       "hostname mismatch"},
      {ServerContext(stranger.Issue("localhost")), "localhost",
       "unable to get local issuer certificate"},
      {ServerContext(pki_.Issue(expired)), "localhost",
       "certificate has expired"},
  };
  for (const Case& c : cases) {
    auto server = Serve(listener, c.server, 1, [](SslSocket& conn) {
      // The client's alert ends the server's handshake too.
      EXPECT_FALSE(conn.handshake(absl::Seconds(10)).ok());
    });
    absl::StatusOr<SslSocket> tls = Connect(where, ClientContext(), c.name);
    EXPECT_EQ(tls.status().code(), absl::StatusCode::kUnauthenticated)
        << tls.status();
    EXPECT_TRUE(absl::StrContains(tls.status().message(), c.reason))
        << tls.status();
    ASSERT_TRUE(server.join().ok());
  }
  // Turning the name check off accepts the wrong name (the CA still counts).
  SslContext::Options lax;
  lax.check_hostname = false;
  auto server = Serve(listener, cases[0].server, 1, EchoTls);
  absl::StatusOr<SslSocket> tls =
      Connect(where, ClientContext(lax), "example.com");
  EXPECT_TRUE(tls.ok()) << tls.status();
  if (tls.ok()) {
    ASSERT_TRUE(tls->close().ok());
  }
  ASSERT_TRUE(server.join().ok());
}

TEST_F(SslTest, APeerThatSpeaksPlainTextIsAProtocolError) {
  // A plain HTTP server answering a TLS client.
  Socket listener = ListenLoopback();
  const Address where = AddressOf(listener);
  auto plain_server = spawn([&] {
    absl::StatusOr<Accepted> a = listener.accept();
    ASSERT_TRUE(a.ok());
    (void)a->socket.recv(1000);
    (void)a->socket.sendall("HTTP/1.1 400 Bad Request\r\n\r\n");
  });
  absl::StatusOr<SslSocket> tls = Connect(where, ClientContext());
  EXPECT_EQ(tls.status().code(), absl::StatusCode::kUnavailable)
      << tls.status();
  EXPECT_TRUE(absl::StrContains(tls.status().message(), "TLS handshake"))
      << tls.status();
  ASSERT_TRUE(plain_server.join().ok());

  // A plain HTTP client talking to a TLS server.
  absl::Status server_saw;
  auto server = Serve(
      listener, ServerContext(pki_.Issue("localhost")), 1,
      [&](SslSocket& conn) { server_saw = conn.handshake(absl::Seconds(10)); });
  absl::StatusOr<Socket> s = Socket::Tcp();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->connect(where).ok());
  ASSERT_TRUE(s->sendall("GET / HTTP/1.0\r\n\r\n").ok());
  ASSERT_TRUE(server.join().ok());
  EXPECT_EQ(server_saw.code(), absl::StatusCode::kUnavailable) << server_saw;
  EXPECT_TRUE(absl::StrContains(server_saw.message(), "http request"))
      << server_saw;
}

TEST_F(SslTest, AResetInTheMiddleOfTheHandshakeIsAnError) {
  Socket listener = ListenLoopback();
  absl::Status server_saw;
  auto server = Serve(
      listener, ServerContext(pki_.Issue("localhost")), 1,
      [&](SslSocket& conn) { server_saw = conn.handshake(absl::Seconds(10)); });
  absl::StatusOr<Socket> s = Socket::Tcp();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->connect(AddressOf(listener)).ok());
  // The start of a ClientHello record, then a reset.
  ASSERT_TRUE(
      s->sendall(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9)).ok());
  testing::Abort(*s);
  ASSERT_TRUE(server.join().ok());
  EXPECT_FALSE(server_saw.ok());
  EXPECT_TRUE(absl::IsUnavailable(server_saw)) << server_saw;
}

TEST_F(SslTest, CloseAndKillWhileHandshakingEndCleanly) {
  Socket listener = ListenLoopback();
  SslSocket tls = Unstarted(listener);
  absl::Status seen;
  auto waiter = spawn([&] { seen = tls.handshake(); });
  sleep(absl::Milliseconds(10));  // parked waiting for the ServerHello
  ASSERT_TRUE(tls.close().ok());
  ASSERT_TRUE(waiter.join(absl::Seconds(5)).ok());
  EXPECT_EQ(seen.code(), absl::StatusCode::kCancelled) << seen;

  bool unwound = false;
  auto victim = spawn([&] {
    struct Mark {
      bool& b;
      ~Mark() { b = true; }
    } mark{unwound};
    SslSocket t = Unstarted(listener);
    (void)t.handshake();  // parks forever
    ADD_FAILURE() << "handshake returned";
  });
  sleep(absl::Milliseconds(10));
  ASSERT_TRUE(victim.kill(absl::Seconds(5)).ok());
  EXPECT_TRUE(unwound);
  // Both connections are still queued on the listener: accept and drop them.
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<Accepted> a = listener.accept(absl::Seconds(5));
    ASSERT_TRUE(a.ok()) << a.status();
  }
}

TEST_F(SslTest, BadSettingsAreClearErrors) {
  const TestCert cert = pki_.Issue("localhost");
  const TestCert other = pki_.Issue("other");
  SslContext::Options o;
  EXPECT_EQ(SslContext::Server(o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o.cert_chain_pem = cert.cert_pem;
  o.private_key_pem = other.key_pem;
  absl::Status mismatch = SslContext::Server(o).status();
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(mismatch.message(), "does not match"))
      << mismatch;
  o.private_key_pem = "not a key";
  EXPECT_EQ(SslContext::Server(o).status().code(),
            absl::StatusCode::kInvalidArgument);
  SslContext::Options c;
  c.ca_file = "/nonexistent/ca.pem";
  absl::Status missing = SslContext::Client(c).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(missing.message(), "/nonexistent/ca.pem"))
      << missing;
  SslContext::Options a;
  a.alpn = {""};
  EXPECT_EQ(SslContext::Client(a).status().code(),
            absl::StatusCode::kInvalidArgument);
  SslContext::Options p;
  p.ca_pem = "garbage";
  EXPECT_EQ(SslContext::Client(p).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A client context on the server side, and the other way round.
  SslContext client = ClientContext();
  absl::StatusOr<std::pair<Socket, Socket>> pair = Socket::Pair();
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(SslSocket::Server(std::move(pair->first), client).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      SslSocket::Client(std::move(pair->second), client, "").status().code(),
      absl::StatusCode::kInvalidArgument);  // no name to check
  EXPECT_EQ(SslSocket::Client(Socket(), client, "localhost").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SslTest, SslConnectResolvesConnectsAndVerifies) {
  Socket listener = ListenLoopback();
  SslContext server_ctx = ServerContext(pki_.Issue("localhost"));
  auto server = Serve(listener, server_ctx, 1, EchoTls);
  absl::StatusOr<SslSocket> tls =
      create_connection("localhost", AddressOf(listener).port(),
                        ClientContext(), absl::Seconds(10));
  ASSERT_TRUE(tls.ok()) << tls.status();
  ASSERT_TRUE(tls->sendall("ping").ok());
  EXPECT_EQ(*tls->recv(10), "ping");
  ASSERT_TRUE(tls->close().ok());
  ASSERT_TRUE(server.join().ok());
}

TEST_F(SslTest, StreamServerServesTlsAndReportsFailedHandshakes) {
  std::vector<std::string> errors;
  StreamServer::Options options;
  // Long enough for 20 handshakes at once on a slow (sanitizer, loaded)
  // machine; the silent client below waits it out.
  options.ssl_handshake_timeout = absl::Seconds(5);
  options.on_error = [&](const Address&, std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      errors.push_back(x.what());
    }
  };
  StreamServer server(
      Address::Loopback(0), ServerContext(pki_.Issue("localhost")),
      [](SslSocket& conn, const Address&) { EchoTls(conn); }, options);
  ASSERT_TRUE(server.start().ok());
  const uint16_t port = server.address().port();
  // A few TLS clients at once.
  std::vector<Greenlet<void>> clients;
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(spawn([&, i] {
      absl::StatusOr<SslSocket> tls = create_connection(
          "localhost", port, ClientContext(), absl::Seconds(10));
      ASSERT_TRUE(tls.ok()) << tls.status();
      const std::string msg = absl::StrCat("tls ", i);
      ASSERT_TRUE(tls->sendall(msg).ok());
      absl::StatusOr<std::string> back = tls->recv(100);
      ok += back.ok() && *back == msg;
    }));
  }
  ASSERT_TRUE(joinall(clients).ok());
  EXPECT_EQ(ok, 20);
  // A plain-text client, then a silent one: each is reported, the server
  // goes on.
  {
    absl::StatusOr<Socket> plain = create_connection("127.0.0.1", port);
    ASSERT_TRUE(plain.ok());
    ASSERT_TRUE(plain->sendall("GET / HTTP/1.0\r\n\r\n").ok());
    absl::StatusOr<Socket> silent = create_connection("127.0.0.1", port);
    ASSERT_TRUE(silent.ok());
    for (int i = 0; i < 6000 && errors.size() < 2; ++i) {
      sleep(absl::Milliseconds(10));
    }
  }
  ASSERT_EQ(errors.size(), 2u);
  std::sort(errors.begin(), errors.end());
  EXPECT_TRUE(absl::StrContains(errors[0], "DEADLINE_EXCEEDED")) << errors[0];
  EXPECT_TRUE(absl::StrContains(errors[1], "http request")) << errors[1];
  absl::StatusOr<SslSocket> after =
      create_connection("localhost", port, ClientContext(), absl::Seconds(10));
  EXPECT_TRUE(after.ok()) << after.status();
  if (after.ok()) {
    ASSERT_TRUE(after->close().ok());
  }
  server.stop();
}

// --- Ownership: an SslSocket belongs to the hub of the thread that first used
// it, like its Socket.

TEST_F(SslTest, AnSslSocketRefusesCallsFromAnotherThread) {
  Socket listener = ListenLoopback();
  SslContext server_ctx = ServerContext(pki_.Issue("localhost"));
  auto server = Serve(listener, server_ctx, 1, EchoTls);
  absl::StatusOr<SslSocket> tls = Connect(AddressOf(listener), ClientContext());
  ASSERT_TRUE(tls.ok()) << tls.status();
  ASSERT_TRUE(tls->sendall("ping").ok());
  ASSERT_EQ(*tls->recv(100, absl::Seconds(30)), "ping");
  std::vector<absl::Status> statuses;
  testing::RunOnAnotherThread([&] {
    statuses.push_back(tls->sendall("from there"));
    statuses.push_back(tls->send("x").status());
    statuses.push_back(tls->recv(100, absl::Milliseconds(1)).status());
    statuses.push_back(tls->handshake());
    statuses.push_back(tls->shutdown());
    statuses.push_back(tls->close());
  });
  ASSERT_EQ(statuses.size(), 6u);
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(testing::IsWrongThread(s));
  }
  EXPECT_TRUE(absl::StrContains(statuses[0].message(),
                                "SslSocket::sendall: this SslSocket"))
      << statuses[0];
  // Still open and in step: the next echo is this thread's alone.
  ASSERT_TRUE(tls->sendall("pong").ok());
  EXPECT_EQ(*tls->recv(100, absl::Seconds(30)), "pong");
  ASSERT_TRUE(tls->close().ok());
  ASSERT_TRUE(server.join().ok());
}

}  // namespace
}  // namespace gevent
