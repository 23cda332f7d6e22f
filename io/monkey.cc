// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/monkey.h"

#include <pthread.h>

#include "gevent/io/internal/monkey_state.h"

namespace gevent::monkey {

namespace {

// Every function this target interposes (glibc's _FORTIFY_SOURCE variants
// __read_chk, __recv_chk, __recvfrom_chk, __poll_chk and __ppoll_chk follow
// their plain ones).
constexpr std::string_view kPatched[] = {
    "read",        "write",      "readv",
    "writev",      "recv",       "recvfrom",
    "recvmsg",     "send",       "sendto",
    "sendmsg",     "connect",    "accept",
    "accept4",     "poll",       "ppoll",
    "select",      "epoll_wait", "sleep",
    "usleep",      "nanosleep",  "clock_nanosleep",
    "getaddrinfo", "close",      "fcntl",
    "ioctl",       "setsockopt", "socket",
    "socketpair",  "dup",        "dup2",
    "dup3",
};

void OnForkChild() {
  internal::g_forked_child.store(true, std::memory_order_relaxed);
}

}  // namespace

std::vector<std::string_view> patch_all() {
  static const bool once = [] {
    (void)internal::libc();  // resolve libc's functions before anyone calls
    pthread_atfork(nullptr, nullptr, &OnForkChild);
    internal::g_patched.store(true, std::memory_order_release);
    return true;
  }();
  (void)once;
  return {std::begin(kPatched), std::end(kPatched)};
}

bool is_patched() { return internal::Patched(); }

}  // namespace gevent::monkey
