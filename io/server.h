// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// server.h
//
// A StreamServer accepts connections and runs a handler greenlet for each:
// the handler reads and writes its Socket as if it were alone, and thousands
// run at once on one thread. gevent.server.StreamServer for C++.
//
//   gevent::StreamServer server(
//       gevent::Address::Loopback(8080),
//       [](gevent::Socket& conn, const gevent::Address& peer) {
//         char buf[4096];
//         while (auto n = conn.recv_into(absl::MakeSpan(buf))) {
//           if (*n == 0 || !conn.sendall({buf, *n}).ok()) break;
//         }
//       });                                   // the socket closes after it
//   absl::Status s = server.serve_forever();  // until server.stop()
//
// A Pool bounds the handlers (Options::max_connections): when it is full the
// server stops accepting and connections wait in the kernel's backlog. Running
// out of fds (EMFILE, ENFILE) on accept backs off and keeps serving. stop()
// closes the listener, gives running handlers `grace` to finish, then kills
// the rest. A handler that throws is reported (Options::on_error, by default
// one line on stderr) and its connection closed; the server goes on.
//
// With Options::threads = N the server runs N OS threads, each with its own
// hub, Pool and SO_REUSEPORT listener on the same address: the kernel spreads
// connections across them, and the handler runs on those threads (so it must
// be thread-safe). The server object itself belongs to the hub of the thread
// that starts it: from another thread start() and serve_forever() return
// FailedPrecondition and stop() throws WrongThreadError (hub.h), before
// touching the server (so does its destructor while it serves: that ends the
// program). connections() and accepted() may be read from any thread.
//
// Given an SslContext, the server speaks TLS: each connection's handshake runs
// in its handler's greenlet (bounded by Options::ssl_handshake_timeout), then
// the handler gets the SslSocket. A failed handshake is reported like a
// handler that threw, and the server goes on.
//
//   gevent::StreamServer https(gevent::Address::Any(8443), *server_ctx,
//       [](gevent::SslSocket& conn, const gevent::Address&) {
//         (void)conn.sendall("HTTP/1.0 200 OK\r\n\r\nhello");
//       });

#ifndef GEVENT_IO_SERVER_H_
#define GEVENT_IO_SERVER_H_

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gevent/io/address.h"
#include "gevent/io/socket.h"
#include "gevent/io/ssl.h"

namespace gevent {

namespace internal {
class AcceptLoop;
}  // namespace internal

class StreamServer {
 public:
  // Runs in its own greenlet with the accepted connection, which closes when
  // the handler returns.
  using Handler = std::function<void(Socket& conn, const Address& peer)>;
  // The same for a TLS server, after the handshake.
  using SslHandler = std::function<void(SslSocket& conn, const Address& peer)>;

  struct Options {
    // Handlers running at once, over all threads; beyond it the server stops
    // accepting until one ends.
    size_t max_connections = 10000;
    // listen(2) backlog.
    int backlog = SOMAXCONN;
    // OS threads, each with its own hub and listener (SO_REUSEPORT). 1 serves
    // on the calling thread's hub.
    int threads = 1;
    // SO_REUSEPORT on the listener (always on when threads > 1).
    bool reuse_port = false;
    // Called, in the handler's greenlet, with what a handler threw. Default:
    // a line on stderr naming the peer.
    std::function<void(const Address& peer, std::exception_ptr error)> on_error;
    // TLS servers: the longest a client may take over its handshake.
    absl::Duration ssl_handshake_timeout = absl::Seconds(10);
  };

  // Listens on `address` (port 0: the kernel picks; see address()) once
  // started.
  StreamServer(Address address, Handler handler);
  StreamServer(Address address, Handler handler, Options options);
  // A TLS server (HTTPS and the like) with `ssl`, a server context.
  StreamServer(Address address, SslContext ssl, SslHandler handler);
  StreamServer(Address address, SslContext ssl, SslHandler handler,
               Options options);
  // Serves on a socket already bound and listening (threads must be 1).
  StreamServer(Socket listener, Handler handler);
  StreamServer(Socket listener, Handler handler, Options options);
  // stop()s with no grace if still serving.
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // Binds, listens and starts accepting in the background; returns at once.
  // The errno text on a bind/listen failure; FailedPrecondition if started.
  absl::Status start();
  // start()s if needed, then parks until stop(). Blocks.
  absl::Status serve_forever();
  // Stops accepting, waits up to `grace` for the handlers, then kills those
  // still running. Returns once every handler has ended. Blocks.
  void stop(absl::Duration grace = absl::Seconds(1));

  bool started() const;
  // The address it listens on: the real port once started.
  const Address& address() const { return address_; }
  // Handlers running now (all threads).
  size_t connections() const { return connections_->load(); }
  // Connections accepted so far (all threads).
  uint64_t accepted() const { return accepted_->load(); }

 private:
  struct ThreadSet;
  absl::StatusOr<Socket> MakeListener(bool reuse_port);
  absl::Status StartThreads();
  // FailedPrecondition when another thread's hub owns the server; Enter binds
  // it at its first use (start).
  absl::Status Enter(const char* what);

  Address address_;
  Handler handler_;
  Options options_;
  Socket given_listener_;
  bool started_ = false;
  std::shared_ptr<std::atomic<size_t>> connections_;
  std::shared_ptr<std::atomic<uint64_t>> accepted_;
  std::unique_ptr<internal::AcceptLoop> loop_;  // threads == 1
  std::unique_ptr<ThreadSet> threads_;          // threads > 1
  internal::Owner owner_;                       // the hub that started it
};

// A DatagramServer receives UDP datagrams and runs the handler for each in its
// own greenlet (a Pool bounds how many at once). gevent.server.DatagramServer.
// It belongs to the hub of the thread that starts it, as a StreamServer does:
// from another thread start(), serve_forever() and sendto() return
// FailedPrecondition, stop() and received() throw WrongThreadError.
//
//   gevent::DatagramServer echo(gevent::Address::Loopback(5353),
//       [&](std::string data, const gevent::Address& from) {
//         echo.sendto(data, from).IgnoreError();
//       });
//   echo.start().IgnoreError();
class DatagramServer {
 public:
  using Handler = std::function<void(std::string data, const Address& from)>;
  struct Options {
    // Handlers running at once; beyond it the server stops receiving.
    size_t max_concurrency = 1000;
    // The largest datagram received whole (longer ones are truncated).
    size_t max_datagram = 65536;
    std::function<void(const Address& from, std::exception_ptr error)> on_error;
  };

  DatagramServer(Address address, Handler handler);
  DatagramServer(Address address, Handler handler, Options options);
  ~DatagramServer();
  DatagramServer(const DatagramServer&) = delete;
  DatagramServer& operator=(const DatagramServer&) = delete;

  // Binds and starts receiving in the background. The errno text on failure.
  absl::Status start();
  // start()s if needed, then parks until stop(). Blocks.
  absl::Status serve_forever();
  // Stops receiving, waits up to `grace` for handlers, kills the rest. Blocks.
  void stop(absl::Duration grace = absl::Seconds(1));
  // Sends a datagram from the server's socket. Blocks (briefly).
  absl::StatusOr<size_t> sendto(std::string_view data, const Address& to);

  const Address& address() const { return address_; }
  uint64_t received() const;

 private:
  struct State;
  Address address_;
  Handler handler_;
  Options options_;
  uint64_t received_ = 0;
  std::unique_ptr<State> state_;
  internal::Owner owner_;  // the hub that started it
};

}  // namespace gevent

#endif  // GEVENT_IO_SERVER_H_
