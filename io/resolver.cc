// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/resolver.h"

#include <netdb.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gevent/hub/threadpool.h"
#include "gevent/io/internal/errors.h"

namespace gevent {

namespace {

// As many lookups at once as gevent's default thread pool runs.
constexpr size_t kResolverThreads = 10;

ThreadPool& ResolverThreadPool() {
  static ThreadPool* pool = new ThreadPool(kResolverThreads);
  return *pool;
}

absl::Status GaiStatus(int rc, int saved_errno, std::string_view host) {
  std::string message = absl::StrCat(
      "resolve('", internal::Sv(host),
      "'): ", rc == EAI_SYSTEM ? std::strerror(saved_errno) : gai_strerror(rc));
  switch (rc) {
    case EAI_NONAME:
    case EAI_NODATA:
      return absl::NotFoundError(message);
    case EAI_AGAIN:
      return absl::UnavailableError(message);
    case EAI_FAMILY:
    case EAI_SOCKTYPE:
    case EAI_SERVICE:
    case EAI_BADFLAGS:
      return absl::InvalidArgumentError(message);
    case EAI_MEMORY:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::UnknownError(message);
  }
}

// Runs on a pool thread: owns copies of everything it touches.
absl::StatusOr<std::vector<Address>> Lookup(std::string host, uint16_t port,
                                            int family, int socktype) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = socktype;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) return GaiStatus(rc, errno, host);
  std::vector<Address> out;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    absl::StatusOr<Address> a =
        Address::FromSockaddr(ai->ai_addr, ai->ai_addrlen);
    if (!a.ok()) continue;
    bool seen = false;
    for (const Address& b : out) seen = seen || b == *a;
    if (!seen) out.push_back(*std::move(a));
  }
  freeaddrinfo(res);
  if (out.empty()) {
    return absl::NotFoundError(
        absl::StrCat("resolve('", host, "'): no usable address"));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Address>> resolve(std::string_view host,
                                             uint16_t port, int family,
                                             int socktype) {
  if (host.empty()) {
    return absl::InvalidArgumentError("resolve(''): empty host name");
  }
  if (host.find('\0') != std::string_view::npos || host.size() > 253 + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("resolve: '", internal::Sv(host.substr(0, 64)),
                     "' is not a host name (NUL byte or too long)"));
  }
  if (absl::StatusOr<Address> numeric = Address::Ip(host, port);
      numeric.ok() && (family == AF_UNSPEC || family == numeric->family())) {
    return std::vector<Address>{*std::move(numeric)};
  }
  return ResolverThreadPool().apply(
      [h = std::string(host), port, family, socktype] {
        return Lookup(h, port, family, socktype);
      });
}

absl::StatusOr<Socket> create_connection(std::string_view host, uint16_t port,
                                         absl::Duration timeout) {
  if (timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "create_connection: negative timeout ", absl::FormatDuration(timeout)));
  }
  absl::StatusOr<std::vector<Address>> addresses = resolve(host, port);
  if (!addresses.ok()) return addresses.status();
  std::vector<std::string> errors;
  absl::StatusCode last = absl::StatusCode::kUnknown;
  for (const Address& a : *addresses) {
    absl::StatusOr<Socket> s = Socket::Create(a.family(), SOCK_STREAM);
    absl::Status st = s.ok() ? s->settimeout(timeout) : s.status();
    if (st.ok()) st = s->connect(a);
    if (st.ok()) return s;
    last = st.code();
    errors.push_back(std::string(st.message()));
  }
  return absl::Status(
      last, absl::StrCat("create_connection(", internal::Sv(host), ", ", port,
                         "): ", absl::StrJoin(errors, "; ")));
}

}  // namespace gevent
