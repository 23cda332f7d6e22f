// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// test_certs.h
//
// Certificates made at run time, so that no private key is committed: a CA,
// and leaf certificates it signs with the names, validity and purpose a test
// asks for. EC P-256 keys: quick to make and to handshake with. Tests use it,
// and so does the downloader example's --tls (not testonly for that reason;
// failures abort, which suits neither a library nor a server).
//
//   gevent::testing::TestPki pki;
//   gevent::testing::TestCert server = pki.Issue("localhost");
//   options.cert_chain_pem = server.cert_pem;
//   options.private_key_pem = server.key_pem;
//   options.ca_pem = pki.ca().cert_pem;

#ifndef GEVENT_IO_INTERNAL_TEST_CERTS_H_
#define GEVENT_IO_INTERNAL_TEST_CERTS_H_

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace gevent {
namespace testing {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

struct CertSpec {
  std::string common_name;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::vector<std::string> ips;        // subjectAltName IP entries
  long valid_from_days = -1;           // relative to now
  long valid_until_days = 30;
  bool client = false;  // clientAuth instead of serverAuth
};

class TestPki {
 public:
  TestPki() {
    ca_key_ = NewKey();
    // Each CA its own name: a client must not take one for another.
    static int count = 0;
    ca_cert_ = Build("gevent-cpp test CA " + std::to_string(++count), {}, {},
                     -1, 30, ca_key_, nullptr, nullptr, /*ca=*/true, false);
  }
  ~TestPki() {
    X509_free(ca_cert_);
    EVP_PKEY_free(ca_key_);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  TestCert ca() const { return {CertPem(ca_cert_), KeyPem(ca_key_)}; }

  // A leaf for `host` (a DNS name, or an IP address for an IP entry).
  TestCert Issue(const std::string& host) {
    CertSpec spec;
    spec.common_name = host;
    if (LooksLikeIp(host)) {
      spec.ips.push_back(host);
    } else {
      spec.dns_names.push_back(host);
    }
    return Issue(spec);
  }

  TestCert Issue(const CertSpec& spec) {
    EVP_PKEY* key = NewKey();
    X509* cert = Build(spec.common_name, spec.dns_names, spec.ips,
                       spec.valid_from_days, spec.valid_until_days, key,
                       ca_cert_, ca_key_, false, spec.client);
    TestCert out{CertPem(cert), KeyPem(key)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
  }

 private:
  static bool LooksLikeIp(const std::string& s) {
    return s.find_first_not_of("0123456789.") == std::string::npos ||
           s.find(':') != std::string::npos;
  }

  static EVP_PKEY* NewKey() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    if (key == nullptr) std::abort();
    return key;
  }

  static void AddExtension(X509* cert, X509* issuer, int nid,
                           const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr,
                   nullptr, 0);
    X509_EXTENSION* ext =
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) std::abort();
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }

  static X509* Build(const std::string& cn,
                     const std::vector<std::string>& dns_names,
                     const std::vector<std::string>& ips, long from_days,
                     long until_days, EVP_PKEY* key, X509* issuer,
                     EVP_PKEY* issuer_key, bool ca, bool client) {
    static long serial = 1;
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), until_days * 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(
        cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
    if (ca) {
      AddExtension(cert, issuer, NID_basic_constraints, "critical,CA:TRUE");
      AddExtension(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
      AddExtension(cert, issuer, NID_subject_key_identifier, "hash");
    } else {
      AddExtension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE");
      AddExtension(cert, issuer, NID_key_usage,
                   "critical,digitalSignature,keyAgreement");
      AddExtension(cert, issuer, NID_ext_key_usage,
                   client ? "clientAuth" : "serverAuth");
      std::string san;
      for (const std::string& d : dns_names) {
        san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
      }
      for (const std::string& ip : ips) {
        san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
      }
      if (!san.empty()) AddExtension(cert, issuer, NID_subject_alt_name, san);
    }
    if (X509_sign(cert, issuer_key != nullptr ? issuer_key : key,
                  EVP_sha256()) == 0) {
      std::abort();
    }
    return cert;
  }

  static std::string CertPem(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    return Drain(bio);
  }

  static std::string KeyPem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    return Drain(bio);
  }

  static std::string Drain(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  }

  EVP_PKEY* ca_key_ = nullptr;
  X509* ca_cert_ = nullptr;
};

}  // namespace testing
}  // namespace gevent

#endif  // GEVENT_IO_INTERNAL_TEST_CERTS_H_
