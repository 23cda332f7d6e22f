// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/address.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace gevent {
namespace {

TEST(AddressTest, ParsesAndPrintsIpv4AndIpv6) {
  absl::StatusOr<Address> v4 = Address::Ip("127.0.0.1", 8080);
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(v4->port(), 8080);
  EXPECT_EQ(v4->ToString(), "127.0.0.1:8080");
  absl::StatusOr<Address> v6 = Address::Ip("::1", 443);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(v6->ToString(), "[::1]:443");
  EXPECT_EQ(*Address::Parse("[::1]:443"), *v6);
  EXPECT_EQ(*Address::Parse("127.0.0.1:8080"), *v4);
  EXPECT_EQ(Address::Loopback(5).ToString(), "127.0.0.1:5");
  EXPECT_EQ(Address::Any(0, AF_INET6).ToString(), "[::]:0");
  EXPECT_TRUE(Address().empty());
  EXPECT_EQ(Address().ToString(), "(none)");
}

TEST(AddressTest, UnixPathsAndAbstractNames) {
  absl::StatusOr<Address> u = Address::Unix("/tmp/x.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->family(), AF_UNIX);
  EXPECT_EQ(u->ToString(), "unix:/tmp/x.sock");
  absl::StatusOr<Address> abstract = Address::Unix(std::string("\0name", 5));
  ASSERT_TRUE(abstract.ok());
  EXPECT_EQ(abstract->ToString(), "unix:@name");
}

TEST(AddressTest, BadInputIsInvalidArgumentThatQuotesIt) {
  for (const char* bad : {"300.1.1.1", "localhost", "", "1.2.3", "::g"}) {
    absl::StatusOr<Address> a = Address::Ip(bad, 1);
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(a.status().message().find(bad), std::string::npos) << a.status();
  }
  EXPECT_FALSE(Address::Ip(std::string("1.2.3.4\0", 8), 1).ok());
  EXPECT_FALSE(Address::Ip("fe80::1%nosuchif0", 1).ok());
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999",
                          "127.0.0.1:x", "[::1]80", "[::1"}) {
    EXPECT_EQ(Address::Parse(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(Address::Unix("").ok());
  EXPECT_FALSE(Address::Unix(std::string(200, 'x')).ok());
  EXPECT_FALSE(Address::Unix(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(Address::FromSockaddr(nullptr, 4096).ok());
}

}  // namespace
}  // namespace gevent
