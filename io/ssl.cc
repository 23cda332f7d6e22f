// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/ssl.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gevent/io/resolver.h"

namespace gevent {

namespace {

// The last error OpenSSL queued, as text ("wrong version number"); clears the
// queue.
std::string OpenSslReason() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(last);
  if (reason != nullptr) return reason;
  char buf[256];
  ERR_error_string_n(last, buf, sizeof(buf));
  return buf;
}

absl::Status ContextError(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("SslContext: ", what, ": ", OpenSslReason()));
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr MemBuffer(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The server's ALPN choice: the first of the client's offers that the server
// lists (the server's list in wire format is `arg`).
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen,
               const unsigned char* in, unsigned int inlen, void* arg) {
  const auto* mine = static_cast<const std::string*>(arg);
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(
          &chosen, outlen, reinterpret_cast<const unsigned char*>(mine->data()),
          static_cast<unsigned>(mine->size()), in,
          inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

constexpr size_t kRecordSize = 16 * 1024;

}  // namespace

// --- SslContext
// ---------------------------------------------------------------

absl::StatusOr<SslContext> SslContext::Client() { return Client(Options()); }

absl::StatusOr<SslContext> SslContext::Client(Options options) {
  return Make(options, /*server=*/false);
}

absl::StatusOr<SslContext> SslContext::Server(Options options) {
  return Make(options, /*server=*/true);
}

absl::StatusOr<SslContext> SslContext::Make(const Options& options,
                                            bool server) {
  ERR_clear_error();
  SSL_CTX* raw =
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (raw == nullptr) return ContextError("SSL_CTX_new");
  SslContext c;
  c.ctx_.reset(raw, SSL_CTX_free);
  c.server_ = server;
  c.check_hostname_ = options.check_hostname;
  SSL_CTX* ctx = c.ctx_.get();

  SSL_CTX_set_min_proto_version(ctx, options.min_version == Version::kTls13
                                         ? TLS1_3_VERSION
                                         : TLS1_2_VERSION);
  // An idle connection gives its record buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

  const Verify verify =
      options.verify.value_or(server ? Verify::kNone : Verify::kRequired);
  if (verify != Verify::kNone) {
    if (options.system_trust && SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return ContextError("loading the system's trust store");
    }
    if (!options.ca_file.empty() &&
        SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) !=
            1) {
      return ContextError(absl::StrCat("loading CA file ", options.ca_file));
    }
    if (!options.ca_pem.empty()) {
      BioPtr bio = MemBuffer(options.ca_pem);
      X509_STORE* store = SSL_CTX_get_cert_store(ctx);
      int added = 0;
      while (X509* cert =
                 PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store, cert);
        X509_free(cert);
        ++added;
      }
      ERR_clear_error();  // the end of the text reads as an error
      if (added == 0) {
        return absl::InvalidArgumentError(
            "SslContext: ca_pem holds no PEM certificate");
      }
    }
  }
  int mode = SSL_VERIFY_NONE;
  if (verify != Verify::kNone) mode = SSL_VERIFY_PEER;
  if (server && verify == Verify::kRequired) {
    mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);

  // This side's certificate and key.
  const bool has_cert =
      !options.cert_chain_file.empty() || !options.cert_chain_pem.empty();
  const bool has_key =
      !options.private_key_file.empty() || !options.private_key_pem.empty();
  if (!options.cert_chain_file.empty() &&
      SSL_CTX_use_certificate_chain_file(
          ctx, options.cert_chain_file.c_str()) != 1) {
    return ContextError(
        absl::StrCat("loading certificate chain ", options.cert_chain_file));
  }
  if (!options.cert_chain_pem.empty()) {
    BioPtr bio = MemBuffer(options.cert_chain_pem);
    X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (leaf == nullptr) return ContextError("reading cert_chain_pem");
    const int used = SSL_CTX_use_certificate(ctx, leaf);
    X509_free(leaf);
    if (used != 1) return ContextError("using cert_chain_pem");
    while (X509* extra =
               PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      SSL_CTX_add0_chain_cert(ctx, extra);  // takes it
    }
    ERR_clear_error();
  }
  // OpenSSL checks the key against the certificate as it takes it.
  const char* mismatch = "the private key does not match the certificate";
  if (!options.private_key_file.empty() &&
      SSL_CTX_use_PrivateKey_file(ctx, options.private_key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1) {
    return ContextError(
        absl::StrCat("loading private key ", options.private_key_file,
                     has_cert ? absl::StrCat(" (", mismatch, "?)") : ""));
  }
  if (!options.private_key_pem.empty()) {
    BioPtr bio = MemBuffer(options.private_key_pem);
    EVP_PKEY* key =
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) return ContextError("reading private_key_pem");
    const int used = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    if (used != 1) {
      return ContextError(has_cert ? mismatch : "using private_key_pem");
    }
  }
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(
        "SslContext: a certificate chain needs its private key, and a key its "
        "certificate");
  }
  if (has_cert && SSL_CTX_check_private_key(ctx) != 1) {
    return ContextError(mismatch);
  }
  if (server && !has_cert) {
    return absl::InvalidArgumentError(
        "SslContext::Server needs a certificate chain and its private key");
  }

  if (!options.alpn.empty()) {
    std::string wire;
    for (const std::string& p : options.alpn) {
      if (p.empty() || p.size() > 255) {
        return absl::InvalidArgumentError(absl::StrCat(
            "SslContext: ALPN protocol names are 1 to 255 bytes, not \"", p,
            "\""));
      }
      wire += static_cast<char>(p.size());
      wire += p;
    }
    auto alpn = std::make_shared<const std::string>(std::move(wire));
    if (server) {
      SSL_CTX_set_alpn_select_cb(ctx, &SelectAlpn,
                                 const_cast<std::string*>(alpn.get()));
    } else if (SSL_CTX_set_alpn_protos(
                   ctx, reinterpret_cast<const unsigned char*>(alpn->data()),
                   static_cast<unsigned>(alpn->size())) != 0) {
      return ContextError("setting ALPN");
    }
    c.alpn_ = std::move(alpn);
  }
  return c;
}

// --- SslSocket
// ----------------------------------------------------------------

SslSocket::SslSocket(Socket socket, SSL* ssl, std::string host,
                     std::shared_ptr<const std::string> alpn)
    : socket_(std::move(socket)),
      ssl_(ssl),
      in_(SSL_get_rbio(ssl)),
      out_(SSL_get_wbio(ssl)),
      host_(std::move(host)),
      send_lock_(std::make_unique<Lock>()),
      alpn_(std::move(alpn)) {}

SslSocket::SslSocket(SslSocket&& other) noexcept
    : socket_(std::move(other.socket_)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      in_(std::exchange(other.in_, nullptr)),
      out_(std::exchange(other.out_, nullptr)),
      host_(std::move(other.host_)),
      eof_(other.eof_),
      timeout_used_(other.timeout_used_),
      // A fresh lock: the moved socket may go to another thread's hub, and a
      // lock belongs to the hub that first used it.
      send_lock_(std::make_unique<Lock>()),
      alpn_(std::move(other.alpn_)) {
  other.send_lock_.reset();
}

SslSocket& SslSocket::operator=(SslSocket&& other) noexcept {
  if (this != &other) {
    if (ssl_ != nullptr) SSL_free(ssl_);
    socket_ = std::move(other.socket_);
    ssl_ = std::exchange(other.ssl_, nullptr);
    in_ = std::exchange(other.in_, nullptr);
    out_ = std::exchange(other.out_, nullptr);
    host_ = std::move(other.host_);
    eof_ = other.eof_;
    timeout_used_ = other.timeout_used_;
    send_lock_ = std::make_unique<Lock>();
    other.send_lock_.reset();
    alpn_ = std::move(other.alpn_);
  }
  return *this;
}

SslSocket::~SslSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // and its BIOs
}

absl::StatusOr<SslSocket> SslSocket::Client(Socket socket,
                                            const SslContext& ctx,
                                            std::string_view server_hostname) {
  if (ctx.is_server()) {
    return absl::InvalidArgumentError(
        "SslSocket::Client needs a client SslContext");
  }
  return Make(std::move(socket), ctx, /*server=*/false, server_hostname);
}

absl::StatusOr<SslSocket> SslSocket::Server(Socket socket,
                                            const SslContext& ctx) {
  if (!ctx.is_server()) {
    return absl::InvalidArgumentError(
        "SslSocket::Server needs a server SslContext");
  }
  return Make(std::move(socket), ctx, /*server=*/true, "");
}

absl::StatusOr<SslSocket> SslSocket::Make(Socket socket, const SslContext& ctx,
                                          bool server, std::string_view host) {
  if (!socket.is_open()) {
    return absl::FailedPreconditionError("SslSocket: the socket is not open");
  }
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx.native());
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (ssl == nullptr || in == nullptr || out == nullptr) {
    if (ssl != nullptr) SSL_free(ssl);
    if (in != nullptr) BIO_free(in);
    if (out != nullptr) BIO_free(out);
    return absl::ResourceExhaustedError(
        absl::StrCat("SslSocket: ", OpenSslReason()));
  }
  // An empty input buffer means "try again", not EOF: EOF is ours to tell.
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(ssl, in, out);  // the SSL owns both now
  std::string name(host);
  SslSocket s(std::move(socket), ssl, name, ctx.alpn_);
  if (server) {
    SSL_set_accept_state(ssl);
    s.host_ = "client";
    if (absl::StatusOr<Address> peer = s.socket_.getpeername(); peer.ok()) {
      s.host_ = peer->ToString();
    }
    return s;
  }
  SSL_set_connect_state(ssl);
  if (!name.empty()) {
    const bool ip = IsIpAddress(name);
    if (!ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("SslSocket: \"", name,
                       "\" cannot be sent as SNI: ", OpenSslReason()));
    }
    if (ctx.check_hostname() &&
        SSL_CTX_get_verify_mode(ctx.native()) != SSL_VERIFY_NONE) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                        : SSL_set1_host(ssl, name.c_str());
      if (ok != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("SslSocket: bad host name \"", name, "\""));
      }
    }
  } else if (ctx.check_hostname() &&
             SSL_CTX_get_verify_mode(ctx.native()) != SSL_VERIFY_NONE) {
    return absl::InvalidArgumentError(
        "SslSocket::Client: a server_hostname is needed to check the "
        "certificate (or turn off check_hostname)");
  }
  return s;
}

absl::StatusOr<absl::Time> SslSocket::Deadline(absl::Duration timeout) {
  if (timeout == kDefaultTimeout) timeout = socket_.timeout();
  if (timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SslSocket: negative timeout ", absl::FormatDuration(timeout)));
  }
  timeout_used_ = timeout;
  if (timeout == absl::InfiniteDuration()) return absl::InfiniteFuture();
  return absl::Now() + timeout;
}

namespace {

absl::Duration Remaining(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return absl::InfiniteDuration();
  return std::max(absl::ZeroDuration(), deadline - absl::Now());
}

}  // namespace

absl::Status SslSocket::SocketError(const absl::Status& status,
                                    const char* what) const {
  if (absl::IsDeadlineExceeded(status)) {
    return absl::DeadlineExceededError(
        absl::StrCat(what, " with ", host_, ": timed out after ",
                     absl::FormatDuration(timeout_used_)));
  }
  return status;
}

absl::Status SslSocket::Error(int ssl_error, const char* what) {
  if (ssl_error == SSL_ERROR_SSL) {
    const long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK && !SSL_is_init_finished(ssl_)) {
      ERR_clear_error();
      return absl::UnauthenticatedError(
          absl::StrCat(what, " with ", host_, ": certificate verify failed: ",
                       X509_verify_cert_error_string(verify)));
    }
  }
  return absl::UnavailableError(
      absl::StrCat(what, " with ", host_, ": ", OpenSslReason()));
}

absl::Status SslSocket::Flush(absl::Time deadline, const char* what) {
  if (BIO_ctrl_pending(out_) == 0) return absl::OkStatus();
  if (!send_lock_->lock(Remaining(deadline))) {
    return absl::DeadlineExceededError(
        absl::StrCat(what, " with ", host_, ": timed out after ",
                     absl::FormatDuration(timeout_used_)));
  }
  struct Unlock {
    Lock& lock;
    ~Unlock() { lock.unlock(); }
  } unlock{*send_lock_};
  // Whoever holds the lock sends everything queued so far, in order. Each
  // chunk is copied out first: another greenlet may append to the BIO (and
  // move its memory) while this one waits in sendall.
  char* data = nullptr;
  while (const long n = BIO_get_mem_data(out_, &data)) {
    std::string chunk(data, static_cast<size_t>(n));
    (void)BIO_reset(out_);
    absl::Status st = socket_.sendall(chunk, Remaining(deadline));
    if (!st.ok()) return SocketError(st, what);
  }
  return absl::OkStatus();
}

absl::Status SslSocket::Fill(absl::Time deadline, const char* what) {
  // recv(n) holds no buffer while it waits.
  absl::StatusOr<std::string> data =
      socket_.recv(kRecordSize, Remaining(deadline));
  if (!data.ok()) return SocketError(data.status(), what);
  if (data->empty()) {
    eof_ = true;
    return absl::OkStatus();
  }
  BIO_write(in_, data->data(), static_cast<int>(data->size()));
  return absl::OkStatus();
}

template <typename Step>
absl::StatusOr<int> SslSocket::Drive(Step step, const char* what,
                                     absl::Time deadline, bool eof_ok) {
  if (ssl_ == nullptr || !socket_.is_open()) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": the TLS connection is closed"));
  }
  for (;;) {
    ERR_clear_error();
    const int r = step();
    const int err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, r);
    // Whatever OpenSSL wrote (records, handshake messages, alerts) goes out
    // first, also on failure: the peer should see our alert.
    absl::Status flushed = Flush(deadline, what);
    switch (err) {
      case SSL_ERROR_NONE:
        if (!flushed.ok()) return flushed;
        return r;
      case SSL_ERROR_WANT_READ: {
        if (!flushed.ok()) return flushed;
        if (eof_) {
          if (eof_ok && SSL_is_init_finished(ssl_)) return 0;  // ragged EOF
          return absl::UnavailableError(absl::StrCat(
              what, " with ", host_, ": the peer closed the connection",
              SSL_is_init_finished(ssl_) ? "" : " during the handshake"));
        }
        absl::Status filled = Fill(deadline, what);
        if (!filled.ok()) return filled;
        continue;
      }
      case SSL_ERROR_WANT_WRITE:  // memory BIOs take everything
        if (!flushed.ok()) return flushed;
        continue;
      case SSL_ERROR_ZERO_RETURN:  // close_notify
        if (eof_ok) return 0;
        return absl::UnavailableError(absl::StrCat(
            what, " with ", host_, ": the peer ended the TLS session"));
      default:
        return Error(err, what);
    }
  }
}

absl::Status SslSocket::HandshakeUntil(absl::Time deadline) {
  if (ssl_ != nullptr && SSL_is_init_finished(ssl_)) return absl::OkStatus();
  absl::StatusOr<int> r = Drive([this] { return SSL_do_handshake(ssl_); },
                                "TLS handshake", deadline, /*eof_ok=*/false);
  return r.status();
}

absl::Status SslSocket::handshake(absl::Duration timeout) {
  Hub* hub;
  if (absl::Status s = socket_.Enter("handshake", &hub, "SslSocket"); !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Time> deadline = Deadline(timeout);
  if (!deadline.ok()) return deadline.status();
  return HandshakeUntil(*deadline);
}

bool SslSocket::handshake_done() const {
  return ssl_ != nullptr && SSL_is_init_finished(ssl_);
}

absl::StatusOr<size_t> SslSocket::recv_into(absl::Span<char> buf,
                                            absl::Duration timeout) {
  Hub* hub;
  if (absl::Status s = socket_.Enter("recv", &hub, "SslSocket"); !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Time> deadline = Deadline(timeout);
  if (!deadline.ok()) return deadline.status();
  if (absl::Status st = HandshakeUntil(*deadline); !st.ok()) return st;
  if (buf.empty()) return 0;
  const int len = static_cast<int>(std::min<size_t>(buf.size(), INT_MAX));
  absl::StatusOr<int> r = Drive([&] { return SSL_read(ssl_, buf.data(), len); },
                                "TLS recv", *deadline, /*eof_ok=*/true);
  if (!r.ok()) return r.status();
  return static_cast<size_t>(*r);
}

absl::StatusOr<std::string> SslSocket::recv(size_t max_bytes,
                                            absl::Duration timeout) {
  std::string out(std::min(max_bytes, kRecordSize), '\0');
  absl::StatusOr<size_t> n = recv_into(absl::MakeSpan(out), timeout);
  if (!n.ok()) return n.status();
  out.resize(*n);
  return out;
}

absl::StatusOr<size_t> SslSocket::send(std::string_view data,
                                       absl::Duration timeout) {
  Hub* hub;
  if (absl::Status s = socket_.Enter("send", &hub, "SslSocket"); !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Time> deadline = Deadline(timeout);
  if (!deadline.ok()) return deadline.status();
  if (absl::Status st = HandshakeUntil(*deadline); !st.ok()) return st;
  if (data.empty()) return 0;
  const int len = static_cast<int>(std::min(data.size(), kRecordSize));
  absl::StatusOr<int> r =
      Drive([&] { return SSL_write(ssl_, data.data(), len); }, "TLS send",
            *deadline, /*eof_ok=*/false);
  if (!r.ok()) return r.status();
  return static_cast<size_t>(*r);
}

absl::Status SslSocket::sendall(std::string_view data, absl::Duration timeout) {
  Hub* hub;
  if (absl::Status s = socket_.Enter("sendall", &hub, "SslSocket"); !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Time> deadline = Deadline(timeout);
  if (!deadline.ok()) return deadline.status();
  if (absl::Status st = HandshakeUntil(*deadline); !st.ok()) return st;
  // Four records per write: OpenSSL's copy stays small, the syscalls few.
  constexpr size_t kChunk = 4 * kRecordSize;
  size_t sent = 0;
  while (sent < data.size()) {
    const int len = static_cast<int>(std::min(data.size() - sent, kChunk));
    const char* p = data.data() + sent;
    absl::StatusOr<int> r = Drive([&] { return SSL_write(ssl_, p, len); },
                                  "TLS sendall", *deadline, /*eof_ok=*/false);
    if (!r.ok()) {
      return absl::Status(r.status().code(),
                          absl::StrCat(r.status().message(), " (after ", sent,
                                       " of ", data.size(), " bytes)"));
    }
    sent += static_cast<size_t>(*r);
  }
  return absl::OkStatus();
}

absl::Status SslSocket::shutdown(absl::Duration timeout) {
  Hub* hub;
  if (absl::Status s = socket_.Enter("shutdown", &hub, "SslSocket"); !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Time> deadline = Deadline(timeout);
  if (!deadline.ok()) return deadline.status();
  if (!handshake_done()) {
    return absl::FailedPreconditionError(
        "TLS shutdown: the handshake has not happened");
  }
  if (!socket_.is_open()) {
    return absl::FailedPreconditionError(
        "TLS shutdown: the TLS connection is closed");
  }
  ERR_clear_error();
  // 0: our close_notify is queued (the peer's may come later); fine.
  if (SSL_shutdown(ssl_) < 0)
    return Error(SSL_get_error(ssl_, -1), "TLS shutdown");
  return Flush(*deadline, "TLS shutdown");
}

absl::Status SslSocket::close() {
  if (absl::Status s = socket_.Check("close", "SslSocket"); !s.ok()) return s;
  return socket_.close();
}

std::string SslSocket::version() const {
  if (!handshake_done()) return "";
  return SSL_get_version(ssl_);
}

std::string SslSocket::alpn_protocol() const {
  if (ssl_ == nullptr) return "";
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl_, &p, &len);
  return std::string(reinterpret_cast<const char*>(p), p ? len : 0);
}

std::string SslSocket::peer_subject() const {
  if (ssl_ == nullptr) return "";
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                     XN_FLAG_RFC2253);
  X509_free(cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

absl::StatusOr<SslSocket> create_connection(std::string_view host,
                                            uint16_t port,
                                            const SslContext& ctx,
                                            absl::Duration timeout) {
  absl::StatusOr<Socket> sock = create_connection(host, port, timeout);
  if (!sock.ok()) return sock.status();
  absl::StatusOr<SslSocket> tls =
      SslSocket::Client(*std::move(sock), ctx, host);
  if (!tls.ok()) return tls.status();
  if (absl::Status st = tls->handshake(timeout); !st.ok()) return st;
  return tls;
}

}  // namespace gevent
