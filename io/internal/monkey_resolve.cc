// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The interposed getaddrinfo: in a greenlet, libc's lookup runs on a pool
// thread (it may wait seconds on DNS) and the greenlet parks meanwhile. The
// list it returns is libc's own, so freeaddrinfo frees it as usual.

#undef _FORTIFY_SOURCE

#include <arpa/inet.h>
#include <netdb.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include "gevent/hub/threadpool.h"
#include "gevent/io/internal/monkey_state.h"

using gevent::monkey::internal::InGreenlet;
using gevent::monkey::internal::libc;

namespace {

// As many lookups at once as gevent's default thread pool runs.
constexpr size_t kResolverThreads = 10;

gevent::ThreadPool& Pool() {
  static auto* pool = new gevent::ThreadPool(kResolverThreads);
  return *pool;
}

struct FreeAddrinfo {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

// A lookup's outcome; owns the list until the caller takes it, so a caller
// killed while waiting leaks nothing.
struct Lookup {
  int rc = 0;
  int error = 0;  // errno, for EAI_SYSTEM
  std::unique_ptr<addrinfo, FreeAddrinfo> list;
};

// A numeric address (or none) needs no lookup that could block.
bool Numeric(const char* node, const addrinfo* hints) {
  if (node == nullptr) return true;
  if (hints != nullptr && (hints->ai_flags & AI_NUMERICHOST)) return true;
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, node, buf) == 1 ||
         inet_pton(AF_INET6, node, buf) == 1;
}

}  // namespace

extern "C" int getaddrinfo(const char* node, const char* service,
                           const addrinfo* hints, addrinfo** res) {
  if (!InGreenlet() || res == nullptr || Numeric(node, hints)) {
    return libc().getaddrinfo(node, service, hints, res);
  }
  // The pool thread gets copies: the caller's strings may be gone if it is
  // killed before the lookup ends.
  std::optional<std::string> s_service;
  if (service != nullptr) s_service = service;
  std::optional<addrinfo> s_hints;
  if (hints != nullptr) {
    s_hints = addrinfo{};
    s_hints->ai_flags = hints->ai_flags;
    s_hints->ai_family = hints->ai_family;
    s_hints->ai_socktype = hints->ai_socktype;
    s_hints->ai_protocol = hints->ai_protocol;
  }
  Lookup out = Pool().apply([node = std::string(node), s_service, s_hints] {
    Lookup l;
    addrinfo* list = nullptr;
    l.rc = libc().getaddrinfo(node.c_str(),
                              s_service ? s_service->c_str() : nullptr,
                              s_hints ? &*s_hints : nullptr, &list);
    l.error = errno;
    l.list.reset(list);
    return l;
  });
  if (out.rc == EAI_SYSTEM) errno = out.error;
  *res = out.list.release();
  return out.rc;
}
