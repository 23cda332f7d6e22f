// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/address.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gevent {

namespace {
// Debian's Abseil has its own string_view; the public API speaks std's.
absl::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace

absl::StatusOr<Address> Address::Ip(std::string_view host, uint16_t port) {
  Address a;
  std::string h(host);
  if (h.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("Address::Ip: host contains a NUL byte");
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length_ = sizeof(sockaddr_in);
    return a;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  std::string scope;
  if (size_t pct = h.find('%'); pct != std::string::npos) {
    scope = h.substr(pct + 1);
    h.resize(pct);
  }
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    if (!scope.empty()) {
      uint32_t id = 0;
      if (!absl::SimpleAtoi(scope, &id)) id = if_nametoindex(scope.c_str());
      if (id == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("Address::Ip: unknown IPv6 scope '", Sv(scope),
                         "' in '", Sv(host), "'"));
      }
      v6->sin6_scope_id = id;
    }
    a.length_ = sizeof(sockaddr_in6);
    return a;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Address::Ip: '", Sv(host),
                   "' is not a numeric IPv4 or IPv6 address (resolve host "
                   "names with gevent::resolve)"));
}

absl::StatusOr<Address> Address::Parse(std::string_view host_port) {
  std::string_view host;
  std::string_view port;
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat(
          "Address::Parse: '", Sv(host_port), "' is not [v6-address]:port"));
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("Address::Parse: '", Sv(host_port), "' has no :port"));
    }
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  uint32_t p = 0;
  if (!absl::SimpleAtoi(Sv(port), &p) || p > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("Address::Parse: '", Sv(port), "' in '", Sv(host_port),
                     "' is not a port"));
  }
  return Ip(host, static_cast<uint16_t>(p));
}

Address Address::Loopback(uint16_t port, int family) {
  return *Ip(family == AF_INET6 ? "::1" : "127.0.0.1", port);
}

Address Address::Any(uint16_t port, int family) {
  return *Ip(family == AF_INET6 ? "::" : "0.0.0.0", port);
}

absl::StatusOr<Address> Address::Unix(std::string_view path) {
  Address a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  const bool abstract = !path.empty() && path.front() == '\0';
  if (path.empty()) {
    return absl::InvalidArgumentError("Address::Unix: empty path");
  }
  if (path.size() >= sizeof(un->sun_path) + (abstract ? 1 : 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Address::Unix: path of ", path.size(), " bytes is longer than the ",
        sizeof(un->sun_path) - 1, " a Unix socket address holds"));
  }
  if (!abstract && path.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "Address::Unix: path contains a NUL byte");
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  // Abstract names are exactly as long as given; paths end at their NUL.
  a.length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                     path.size() + (abstract ? 0 : 1));
  return a;
}

absl::StatusOr<Address> Address::FromSockaddr(const sockaddr* sa,
                                              socklen_t len) {
  if (len > kCapacity || (len > 0 && sa == nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Address::FromSockaddr: length ", len, " is not a socket address"));
  }
  Address a;
  if (len > 0) std::memcpy(&a.storage_, sa, len);
  a.length_ = len;
  return a;
}

uint16_t Address::port() const {
  switch (family()) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    default:
      return 0;
  }
}

std::string Address::host() const {
  char buf[INET6_ADDRSTRLEN] = {};
  switch (family()) {
    case AF_INET:
      inet_ntop(AF_INET,
                &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf,
                sizeof(buf));
      return buf;
    case AF_INET6:
      inet_ntop(AF_INET6,
                &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr,
                buf, sizeof(buf));
      return buf;
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
      const size_t offset = offsetof(sockaddr_un, sun_path);
      if (length_ <= offset) return "";  // unnamed (a socketpair end)
      size_t n = length_ - offset;
      if (un->sun_path[0] == '\0') return std::string(un->sun_path, n);
      return std::string(un->sun_path, strnlen(un->sun_path, n));
    }
    default:
      return "";
  }
}

std::string Address::ToString() const {
  switch (family()) {
    case AF_INET:
      return absl::StrCat(host(), ":", port());
    case AF_INET6:
      return absl::StrCat("[", host(), "]:", port());
    case AF_UNIX: {
      std::string h = host();
      if (!h.empty() && h.front() == '\0') {
        return absl::StrCat("unix:@", absl::string_view(h).substr(1));
      }
      return absl::StrCat("unix:", h);
    }
    case AF_UNSPEC:
      return "(none)";
    default:
      return absl::StrCat("(family ", family(), ")");
  }
}

bool operator==(const Address& a, const Address& b) {
  return a.length_ == b.length_ &&
         std::memcmp(&a.storage_, &b.storage_, a.length_) == 0;
}

}  // namespace gevent
