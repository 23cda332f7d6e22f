// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// asio_echo_server.cc
//
// The Boost.Asio peer in bench/echo_compare.sh: the callback echo server of
// Asio's own examples. One io_context run by one thread; each connection
// chains async_read_some -> async_write (of everything read) ->
// async_read_some, so it holds at most one buffer's worth of unsent bytes.
//
//   bazel-bin/bench/asio_echo_server --port=0
//   port=39321
//
// Listens on 127.0.0.1; --port=0 lets the kernel pick. The first line on
// stdout is `port=N`. Serves until SIGTERM or SIGINT, then exits 0.

#include <sys/resource.h>

#include <array>
#include <cstdio>
#include <memory>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "boost/asio.hpp"

ABSL_FLAG(int, port, 0, "TCP port on 127.0.0.1; 0 lets the kernel pick.");

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read();
  }

 private:
  void read() {
    socket_.async_read_some(
        asio::buffer(buf_),
        [self = shared_from_this()](boost::system::error_code ec, size_t n) {
          if (!ec) self->write(n);
        });
  }

  void write(size_t n) {
    asio::async_write(
        socket_, asio::buffer(buf_, n),
        [self = shared_from_this()](boost::system::error_code ec, size_t) {
          if (!ec) self->read();
        });
  }

  tcp::socket socket_;
  std::array<char, 16 * 1024> buf_;
};

void Accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(
      [&acceptor](boost::system::error_code ec, tcp::socket socket) {
        if (!ec) std::make_shared<Session>(std::move(socket))->start();
        if (acceptor.is_open()) Accept(acceptor);
      });
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: asio_echo_server [--port=N]\n");
    return 2;
  }
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  // The hint 1 says one thread runs the io_context, as in every other server
  // here; Asio then skips some hand-offs between threads.
  asio::io_context io(1);
  boost::system::error_code ec;
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(),
                               static_cast<unsigned short>(port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "asio_echo_server: listen: %s\n",
                 ec.message().c_str());
    return 1;
  }
  std::printf("port=%d\n", acceptor.local_endpoint().port());
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](boost::system::error_code, int) { io.stop(); });
  Accept(acceptor);
  io.run();
  return 0;
}
