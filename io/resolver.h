// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// resolver.h
//
// Name resolution that does not block the hub: getaddrinfo runs on a pool of
// OS threads (gevent.resolver.thread), so many lookups proceed at once while
// the caller's greenlet waits. A numeric host skips the pool. create_connection
// resolves and tries each address in turn, as Python's socket module does.
//
//   absl::StatusOr<std::vector<gevent::Address>> addrs =
//       gevent::resolve("localhost", 8080);
//   absl::StatusOr<gevent::Socket> conn =
//       gevent::create_connection("localhost", 8080, absl::Seconds(5));
//
// Failures: NotFound for an unknown name, Unavailable for a temporary DNS
// failure, InvalidArgument for bad input, each with getaddrinfo's own text.
// Killing a greenlet that waits on a lookup is safe: the lookup finishes on its
// thread and its result is dropped.

#ifndef GEVENT_IO_RESOLVER_H_
#define GEVENT_IO_RESOLVER_H_

#include <sys/socket.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gevent/io/address.h"
#include "gevent/io/socket.h"

namespace gevent {

// The addresses of `host` (a name or a numeric address) with `port`, in
// getaddrinfo's order, without duplicates. `family` AF_UNSPEC gives both IPv4
// and IPv6. Blocks (the greenlet).
absl::StatusOr<std::vector<Address>> resolve(std::string_view host,
                                             uint16_t port,
                                             int family = AF_UNSPEC,
                                             int socktype = SOCK_STREAM);

// A TCP connection to the first address of `host` that accepts one. `timeout`
// bounds each connect attempt and becomes the socket's default timeout. On
// failure the status lists every attempt; its code is the last one's. Blocks.
absl::StatusOr<Socket> create_connection(
    std::string_view host, uint16_t port,
    absl::Duration timeout = absl::InfiniteDuration());

}  // namespace gevent

#endif  // GEVENT_IO_RESOLVER_H_
