// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Linking //backends/epoll makes epoll the program's backend.

#include <memory>

#include "gevent/backends/backend.h"
#include "gevent/backends/epoll/epoll_backend.h"

namespace gevent {

std::unique_ptr<Backend> MakeBackend() {
  return std::make_unique<EpollBackend>();
}

}  // namespace gevent
