// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// tls.h
//
// The downloader's --tls. The built-in photo server gets a certificate from
// a certificate authority made at start (no key on disk; the child processes
// are given the CA's certificate in a file), and each approach connects with
// the client code its style calls for: plain OpenSSL on a blocking fd
// (sequential, processes, threads, and greenlets once monkey-patched, where
// OpenSSL's read() and write() cooperate), libevent's OpenSSL bufferevents
// (callbacks), gevent::SslSocket (greenlets).
//
//   SSL_CTX* ctx = tls::NewClientContext(ca_file, &error);
//   SSL* ssl = tls::NewClientSsl(ctx, "localhost", &error);
//   SSL_set_fd(ssl, fd); SSL_connect(ssl);  // verified against ca_file

#ifndef GEVENT_EXAMPLES_DOWNLOADER_TLS_H_
#define GEVENT_EXAMPLES_DOWNLOADER_TLS_H_

#include <openssl/ssl.h>

#include <string>

namespace downloader::tls {

struct ServerCerts {
  std::string ca_pem;    // what clients trust
  std::string cert_pem;  // the server's, signed by the CA
  std::string key_pem;
};

// A new CA and a certificate it signs for localhost, 127.0.0.1 and ::1.
ServerCerts MakeServerCerts();

// A client context for plain OpenSSL code: TLS 1.2 or later, the peer's
// certificate verified against the CA certificates in `ca_file` (the
// system's trust store when empty). nullptr and `error` if it cannot.
SSL_CTX* NewClientContext(const std::string& ca_file, std::string* error);

// A client connection of `ctx` that sends SNI for `name` (unless it is an IP
// address) and checks the certificate against it. nullptr and `error`.
SSL* NewClientSsl(SSL_CTX* ctx, const std::string& name, std::string* error);

// Why `ssl`'s last call failed, given its return value: the certificate
// check's reason, OpenSSL's error, or errno ("timed out" for SO_RCVTIMEO).
std::string ErrorText(SSL* ssl, int result);

// OpenSSL's queued errors as text, oldest first (and clears them).
std::string QueuedErrors();

}  // namespace downloader::tls

#endif  // GEVENT_EXAMPLES_DOWNLOADER_TLS_H_
