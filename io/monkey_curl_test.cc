// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// libcurl's easy interface, unmodified and blocking, made concurrent by
// patch_all(): curl_easy_perform in 200 greenlets at once, over HTTP and over
// HTTPS (libcurl driving OpenSSL on its own sockets, verifying the server).

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/internal/http_test_server.h"
#include "gevent/io/internal/test_certs.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/monkey.h"
#include "gevent/io/ssl.h"

namespace gevent {
namespace {

class MonkeyCurlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    monkey::patch_all();
    ASSERT_EQ(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
  }
  static void TearDownTestSuite() { curl_global_cleanup(); }
  testing::LeakCheck leaks_;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;  // NOLINT(runtime/int): curl's type
  std::string body;
};

// What any program using libcurl's easy interface does: nothing here knows
// about greenlets.
Fetched CurlGet(const std::string& url, const std::string& ca_pem = "") {
  Fetched out;
  CURL* h = curl_easy_init();
  if (!ca_pem.empty()) {
    curl_blob ca{const_cast<char*>(ca_pem.data()), ca_pem.size(),
                 CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  }
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // ignore any proxy in the env
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  out.code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  curl_easy_cleanup(h);
  return out;
}

// libcurl's frames are deeper than the 64 KiB default.
constexpr SpawnOptions kCurlStack{.stack_size = 256 * 1024};

TEST_F(MonkeyCurlTest, TwoHundredEasyPerformsWaitTogether) {
  testing::RaiseFdLimit(2048);
  testing::DelayedHttpServer server(absl::Milliseconds(500));
  testing::Overlap overlap;
  std::vector<Greenlet<Fetched>> fetches;
  for (int i = 0; i < 200; ++i) {
    fetches.push_back(spawn(kCurlStack, [port = server.port(), i, &overlap] {
      auto inside = overlap.Enter();
      return CurlGet(absl::StrCat("http://127.0.0.1:", port, "/photo/", i));
    }));
  }
  ASSERT_TRUE(joinall(fetches).ok());
  for (int i = 0; i < 200; ++i) {
    const Fetched f = fetches[i].get();
    EXPECT_EQ(f.code, CURLE_OK) << curl_easy_strerror(f.code);
    EXPECT_EQ(f.status, 200);
    EXPECT_EQ(f.body, absl::StrCat("hello /photo/", i));
  }
  EXPECT_EQ(server.requests(), 200);
  // Blocking, the 0.5 s requests would run one by one: 100 s.
  EXPECT_GT(overlap.peak(), 1);
}

TEST_F(MonkeyCurlTest, TwoHundredHttpsFetchesWaitTogether) {
  testing::RaiseFdLimit(2048);
  testing::TestPki pki;
  const testing::TestCert cert = pki.Issue("127.0.0.1");
  SslContext::Options options;
  options.cert_chain_pem = cert.cert_pem;
  options.private_key_pem = cert.key_pem;
  absl::StatusOr<SslContext> tls = SslContext::Server(options);
  ASSERT_TRUE(tls.ok()) << tls.status();
  testing::DelayedHttpServer server(absl::Milliseconds(500), *tls);
  const std::string ca = pki.ca().cert_pem;
  testing::Overlap overlap;
  std::vector<Greenlet<Fetched>> fetches;
  for (int i = 0; i < 200; ++i) {
    fetches.push_back(
        spawn(kCurlStack, [port = server.port(), i, &ca, &overlap] {
          auto inside = overlap.Enter();
          return CurlGet(absl::StrCat("https://127.0.0.1:", port, "/photo/", i),
                         ca);
        }));
  }
  ASSERT_TRUE(joinall(fetches).ok());
  for (int i = 0; i < 200; ++i) {
    const Fetched f = fetches[i].get();
    EXPECT_EQ(f.code, CURLE_OK) << curl_easy_strerror(f.code);
    EXPECT_EQ(f.body, absl::StrCat("hello /photo/", i));
  }
  EXPECT_EQ(server.requests(), 200);
  EXPECT_GT(overlap.peak(), 1);
  // Without the CA, libcurl refuses the certificate, as it would anywhere.
  Fetched untrusted =
      CurlGet(absl::StrCat("https://127.0.0.1:", server.port(), "/"));
  EXPECT_EQ(untrusted.code, CURLE_PEER_FAILED_VERIFICATION)
      << curl_easy_strerror(untrusted.code);
}

TEST_F(MonkeyCurlTest, AServerThatIsDownFailsEachFetchAsCurlWould) {
  Socket closed = testing::ListenLoopback();
  const uint16_t port = testing::AddressOf(closed).port();
  ASSERT_TRUE(closed.close().ok());
  std::vector<Greenlet<Fetched>> fetches;
  for (int i = 0; i < 20; ++i) {
    fetches.push_back(spawn(kCurlStack, [port] {
      return CurlGet(absl::StrCat("http://127.0.0.1:", port, "/"));
    }));
  }
  ASSERT_TRUE(joinall(fetches).ok());
  for (auto& g : fetches) {
    EXPECT_EQ(g.get().code, CURLE_COULDNT_CONNECT)
        << curl_easy_strerror(g.get().code);
  }
}

}  // namespace
}  // namespace gevent
