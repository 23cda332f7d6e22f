// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// ssl.h
//
// TLS over a cooperative Socket (gevent.ssl for C++), on OpenSSL 3. OpenSSL
// runs on memory buffers and the encrypted bytes go through the Socket's own
// recv and send, so a handshake or a read that waits parks only its greenlet:
// thousands of handshakes proceed at once on one thread, on every backend (on
// io_uring the bytes move as completion-based recv/send).
//
//   absl::StatusOr<gevent::SslContext> ctx = gevent::SslContext::Client();
//   absl::StatusOr<gevent::SslSocket> tls = gevent::create_connection(
//       "example.com", 443, *ctx, absl::Seconds(10));
//   absl::Status st = tls->sendall("GET / HTTP/1.0\r\nHost:
//   example.com\r\n\r\n"); absl::StatusOr<std::string> reply =
//   tls->recv(16384);   // "" at EOF
//
// A client verifies the server's certificate against the trust store (the
// system's by default) and its name (SNI and hostname check on by default);
// TLS 1.2 is the lowest version accepted unless set otherwise. A server needs
// a certificate chain and key; Verify::kRequired makes it demand a client
// certificate (mutual TLS).
//
// Failures are absl::Status values carrying OpenSSL's reason text: a
// certificate that does not verify is Unauthenticated ("certificate verify
// failed: certificate has expired"), a peer that breaks the protocol is
// Unavailable ("wrong version number"), a timeout is DeadlineExceeded, and the
// Socket's own errors (reset, closed while waiting) come through as they are.
//
// One greenlet may read while another writes (full duplex). Not thread-safe:
// like its Socket, an SslSocket belongs to the hub of the thread that first
// uses it (a handshake, recv or send), and from another thread those calls,
// shutdown() and close() return FailedPrecondition without touching it; the
// accessors (version(), peer_subject()...) only read. Moving it hands it over.

#ifndef GEVENT_IO_SSL_H_
#define GEVENT_IO_SSL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gevent/hub/lock.h"
#include "gevent/io/resolver.h"  // create_connection, which TLS overloads
#include "gevent/io/socket.h"

// OpenSSL's types, without its headers.
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace gevent {

// Settings for a client or server side, shared by every connection made with
// it. Copyable and cheap to copy (the OpenSSL context is shared).
class SslContext {
 public:
  enum class Verify {
    kNone,      // do not ask for or check the peer's certificate
    kOptional,  // server: ask for a client certificate, check it if sent
    kRequired,  // check the peer's certificate; fail without one
  };
  enum class Version { kTls12, kTls13 };

  struct Options {
    // Trust store: the system's (client default), plus CA certificates from a
    // PEM file and/or PEM text.
    bool system_trust = true;
    std::string ca_file;
    std::string ca_pem;
    // This side's certificate chain and private key, PEM (file or text).
    // Required for a server; a client sends them when the server asks.
    std::string cert_chain_file;
    std::string private_key_file;
    std::string cert_chain_pem;
    std::string private_key_pem;
    // Default: kRequired for a client, kNone for a server.
    std::optional<Verify> verify;
    // Client: check the certificate's name against the host asked for.
    bool check_hostname = true;
    Version min_version = Version::kTls12;
    // ALPN protocols in order of preference ("h2", "http/1.1").
    std::vector<std::string> alpn;
  };

  // A client with the defaults: system trust store, names checked.
  static absl::StatusOr<SslContext> Client();
  static absl::StatusOr<SslContext> Client(Options options);
  static absl::StatusOr<SslContext> Server(Options options);

  bool is_server() const { return server_; }
  bool check_hostname() const { return check_hostname_; }
  SSL_CTX* native() const { return ctx_.get(); }

 private:
  friend class SslSocket;
  SslContext() = default;
  static absl::StatusOr<SslContext> Make(const Options& options, bool server);

  std::shared_ptr<SSL_CTX> ctx_;
  bool server_ = false;
  bool check_hostname_ = true;
  // The ALPN list in wire format; the server's select callback reads it.
  std::shared_ptr<const std::string> alpn_;
};

// A TLS connection over a Socket it owns. Move-only.
class SslSocket {
 public:
  static constexpr absl::Duration kDefaultTimeout = Socket::kDefaultTimeout;

  // Takes `socket` (connected) for the client side; `server_hostname` is sent
  // as SNI (unless it is an IP address) and checked against the certificate.
  // The handshake happens on handshake() or the first read or write.
  static absl::StatusOr<SslSocket> Client(Socket socket, const SslContext& ctx,
                                          std::string_view server_hostname);
  // Takes an accepted `socket` for the server side.
  static absl::StatusOr<SslSocket> Server(Socket socket, const SslContext& ctx);

  SslSocket(SslSocket&& other) noexcept;
  SslSocket& operator=(SslSocket&& other) noexcept;
  ~SslSocket();

  // Runs the handshake (again a no-op once done). DeadlineExceeded after
  // `timeout` (kDefaultTimeout: the socket's own). Blocks.
  absl::Status handshake(absl::Duration timeout = kDefaultTimeout);

  // Receives up to buf.size() bytes of plaintext; 0 means the peer closed
  // (with close_notify, or by closing the connection). Blocks.
  absl::StatusOr<size_t> recv_into(absl::Span<char> buf,
                                   absl::Duration timeout = kDefaultTimeout);
  absl::StatusOr<std::string> recv(size_t max_bytes,
                                   absl::Duration timeout = kDefaultTimeout);
  // Sends some of `data` (at least one byte, at most one record's worth);
  // returns how many. Blocks.
  absl::StatusOr<size_t> send(std::string_view data,
                              absl::Duration timeout = kDefaultTimeout);
  // Sends all of `data`; `timeout` bounds the whole call. Blocks.
  absl::Status sendall(std::string_view data,
                       absl::Duration timeout = kDefaultTimeout);

  // Sends close_notify (the peer's recv then returns 0); the socket stays
  // open. Blocks.
  absl::Status shutdown(absl::Duration timeout = kDefaultTimeout);
  // Closes the connection without close_notify; greenlets waiting on it wake
  // with Cancelled. Closing twice is OK.
  absl::Status close();

  bool is_open() const { return socket_.is_open(); }
  bool handshake_done() const;
  // "TLSv1.3", ...; "" before the handshake.
  std::string version() const;
  // The protocol ALPN chose; "" if none.
  std::string alpn_protocol() const;
  // The peer certificate's subject ("CN=example.com"); "" if none.
  std::string peer_subject() const;

  Socket& socket() { return socket_; }
  SSL* native() const { return ssl_; }

 private:
  SslSocket(Socket socket, SSL* ssl, std::string host,
            std::shared_ptr<const std::string> alpn);
  static absl::StatusOr<SslSocket> Make(Socket socket, const SslContext& ctx,
                                        bool server, std::string_view host);

  // Runs `step` (an OpenSSL call) until it succeeds, moving encrypted bytes
  // through the socket meanwhile. Returns its result (> 0), 0 for EOF where
  // `eof_ok`, or an error.
  template <typename Step>
  absl::StatusOr<int> Drive(Step step, const char* what, absl::Time deadline,
                            bool eof_ok);
  // Sends what OpenSSL wrote into `out_`.
  absl::Status Flush(absl::Time deadline, const char* what);
  // Reads encrypted bytes from the socket into `in_`.
  absl::Status Fill(absl::Time deadline, const char* what);
  absl::Status Error(int ssl_error, const char* what);
  absl::Status SocketError(const absl::Status& status, const char* what) const;
  // The absolute deadline for `timeout`; InvalidArgument if negative.
  absl::StatusOr<absl::Time> Deadline(absl::Duration timeout);
  absl::Status HandshakeUntil(absl::Time deadline);

  Socket socket_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;            // encrypted bytes from the peer, for OpenSSL
  BIO* out_ = nullptr;           // encrypted bytes from OpenSSL, for the peer
  std::string host_;             // for messages
  bool eof_ = false;             // the socket reached EOF
  absl::Duration timeout_used_;  // for "timed out after" messages
  std::unique_ptr<Lock> send_lock_;  // one Flush at a time
  // Keeps the context's settings (ALPN list) alive as long as the connection.
  std::shared_ptr<const std::string> alpn_;
};

// A TLS client connection to `host`: the plain create_connection, then the
// handshake
// (SNI and the name check use `host`). `timeout` bounds each step and becomes
// the socket's default. Blocks.
absl::StatusOr<SslSocket> create_connection(
    std::string_view host, uint16_t port, const SslContext& ctx,
    absl::Duration timeout = absl::InfiniteDuration());

}  // namespace gevent

#endif  // GEVENT_IO_SSL_H_
