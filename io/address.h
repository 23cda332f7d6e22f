// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// address.h
//
// An Address is a socket address by value: IPv4, IPv6 or a Unix-domain path.
// Parsing is numeric only (no DNS: use gevent::resolve or create_connection
// for host names), so it never blocks.
//
//   absl::StatusOr<gevent::Address> a = gevent::Address::Ip("127.0.0.1", 8080);
//   absl::StatusOr<gevent::Address> u = gevent::Address::Unix("/tmp/app.sock");
//   std::cout << a->ToString();                   // "127.0.0.1:8080"
//
// Bad input is an InvalidArgument status that quotes it, never a crash.

#ifndef GEVENT_IO_ADDRESS_H_
#define GEVENT_IO_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gevent {

class Address {
 public:
  // An empty address (family AF_UNSPEC).
  Address() = default;

  // A numeric IPv4 or IPv6 address ("10.0.0.1", "::1", "fe80::1%eth0") and a
  // port. InvalidArgument when `host` is not a numeric address.
  static absl::StatusOr<Address> Ip(std::string_view host, uint16_t port);
  // "host:port" or "[v6]:port", as ToString() writes it.
  static absl::StatusOr<Address> Parse(std::string_view host_port);
  // 127.0.0.1 (or ::1 for AF_INET6) with `port`; port 0 lets bind() choose.
  static Address Loopback(uint16_t port = 0, int family = AF_INET);
  // 0.0.0.0 (or ::) with `port`.
  static Address Any(uint16_t port = 0, int family = AF_INET);
  // A Unix-domain socket path; a leading '\0' makes it an abstract address.
  // InvalidArgument when it does not fit sockaddr_un (107 bytes).
  static absl::StatusOr<Address> Unix(std::string_view path);
  // A copy of `len` bytes of `sa` (what accept or getsockname filled in).
  // InvalidArgument when `len` is larger than any socket address.
  static absl::StatusOr<Address> FromSockaddr(const sockaddr* sa,
                                              socklen_t len);

  int family() const { return storage_.ss_family; }
  bool empty() const { return family() == AF_UNSPEC; }
  // The port of an IP address, 0 otherwise.
  uint16_t port() const;
  // The numeric host of an IP address ("127.0.0.1", "::1"), or the path of a
  // Unix address.
  std::string host() const;
  // "127.0.0.1:80", "[::1]:80", "unix:/path" ("unix:@name" when abstract).
  std::string ToString() const;

  const sockaddr* sockaddr_ptr() const {
    return reinterpret_cast<const sockaddr*>(&storage_);
  }
  sockaddr* mutable_sockaddr() {
    return reinterpret_cast<sockaddr*>(&storage_);
  }
  socklen_t length() const { return length_; }
  // For filling in by accept/recvfrom: capacity before, length after.
  socklen_t* mutable_length() { return &length_; }
  static constexpr socklen_t kCapacity = sizeof(sockaddr_storage);

  friend bool operator==(const Address& a, const Address& b);
  friend std::ostream& operator<<(std::ostream& os, const Address& a) {
    return os << a.ToString();
  }

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace gevent

#endif  // GEVENT_IO_ADDRESS_H_
