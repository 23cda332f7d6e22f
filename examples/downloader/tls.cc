// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gevent/io/internal/test_certs.h"

namespace downloader::tls {

ServerCerts MakeServerCerts() {
  gevent::testing::TestPki pki;
  gevent::testing::CertSpec spec;
  spec.common_name = "localhost";
  spec.dns_names = {"localhost"};
  spec.ips = {"127.0.0.1", "::1"};
  gevent::testing::TestCert leaf = pki.Issue(spec);
  return {pki.ca().cert_pem, leaf.cert_pem, leaf.key_pem};
}

std::string QueuedErrors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    if (!out.empty()) out += "; ";
    if (const char* reason = ERR_reason_error_string(e)) {
      out += reason;
    } else {
      char text[256];
      ERR_error_string_n(e, text, sizeof(text));
      out += text;
    }
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

SSL_CTX* NewClientContext(const std::string& ca_file, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    *error = "SSL_CTX_new: " + QueuedErrors();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // The server may close without close_notify after its last response;
  // the HTTP framing says where a response ends, so that is an EOF.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // A missing or unreadable file is said plainly, not as OpenSSL's codes.
  if (!ca_file.empty() && access(ca_file.c_str(), R_OK) != 0) {
    *error = "CA certificates " + ca_file + ": " + std::strerror(errno);
    SSL_CTX_free(ctx);
    return nullptr;
  }
  const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(
                                           ctx, ca_file.c_str(), nullptr);
  if (loaded != 1) {
    *error = "CA certificates " + (ca_file.empty() ? "(system)" : ca_file) +
             ": " + QueuedErrors();
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

SSL* NewClientSsl(SSL_CTX* ctx, const std::string& name, std::string* error) {
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) {
    *error = "SSL_new: " + QueuedErrors();
    return nullptr;
  }
  unsigned char ip[sizeof(in6_addr)];
  const bool is_ip = inet_pton(AF_INET, name.c_str(), ip) == 1 ||
                     inet_pton(AF_INET6, name.c_str(), ip) == 1;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const int named =
      is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
            : SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 &&
                  X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) == 1;
  if (named != 1) {
    *error = "bad TLS name '" + name + "': " + QueuedErrors();
    SSL_free(ssl);
    return nullptr;
  }
  return ssl;
}

std::string ErrorText(SSL* ssl, int result) {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_ZERO_RETURN:
      return "closed by the server";
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:  // a blocking fd's SO_RCVTIMEO/SO_SNDTIMEO
      return "timed out";
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK) {
        return "timed out";
      }
      return saved_errno != 0 ? std::strerror(saved_errno)
                              : "connection closed by the server";
    case SSL_ERROR_SSL:
      if (const long v = SSL_get_verify_result(ssl); v != X509_V_OK) {
        ERR_clear_error();
        return std::string("certificate verify failed: ") +
               X509_verify_cert_error_string(v);
      }
      return QueuedErrors();
    default:
      return QueuedErrors();
  }
}

}  // namespace downloader::tls
