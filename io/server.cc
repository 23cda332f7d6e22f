// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/server.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/pool.h"

namespace gevent {

namespace {

// Back-off after EMFILE/ENFILE on accept: long enough to let handlers close
// fds, short enough to notice soon when they have.
constexpr absl::Duration kMinAcceptBackoff = absl::Milliseconds(5);
constexpr absl::Duration kMaxAcceptBackoff = absl::Seconds(1);

std::string Describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Runs `fn` in a handler greenlet; what it throws (but a kill) goes to
// `on_error` or stderr.
template <typename F, typename OnError>
void RunReporting(F&& fn, const Address& peer, const OnError& on_error,
                  const char* what) {
  try {
    fn();
  } catch (const GreenletExit&) {
    throw;  // a kill (stop()) unwinds as usual
  } catch (...) {
    if (on_error) {
      on_error(peer, std::current_exception());
    } else {
      std::fprintf(stderr, "gevent::%s: the handler for %s raised: %s\n", what,
                   peer.ToString().c_str(),
                   Describe(std::current_exception()).c_str());
    }
  }
}

}  // namespace

namespace internal {

// One hub's accept loop: an acceptor greenlet feeding a Pool of handlers.
class AcceptLoop {
 public:
  AcceptLoop(Socket listener, const StreamServer::Handler& handler,
             const StreamServer::Options& options, size_t max_connections,
             std::atomic<size_t>& connections, std::atomic<uint64_t>& accepted)
      : listener_(std::move(listener)),
        handler_(handler),
        options_(options),
        pool_(std::max<size_t>(max_connections, 1)),
        connections_(connections),
        accepted_(accepted) {}

  ~AcceptLoop() { Stop(absl::ZeroDuration()); }

  void Start() {
    acceptor_ = spawn(SpawnOptions{.name = "StreamServer.acceptor"},
                      [this] { Accept(); });
  }

  // Blocks until every handler has ended.
  void Stop(absl::Duration grace) {
    if (stopping_) {
      if (acceptor_) done_.wait();
      return;
    }
    stopping_ = true;
    (void)listener_.close();                // wakes the acceptor in accept()
    if (acceptor_) (void)acceptor_.kill();  // or in wait_available()
    (void)pool_.join(grace);
    (void)pool_.kill();
    done_.set();
  }

  void Wait() { done_.wait(); }

 private:
  void Accept() {
    absl::Duration backoff = absl::ZeroDuration();
    while (!stopping_) {
      pool_.wait_available();
      absl::StatusOr<Accepted> a = listener_.accept();
      if (!a.ok()) {
        if (stopping_ || !listener_.is_open()) return;
        if (absl::IsResourceExhausted(a.status())) {
          // Out of fds or memory: the connection waits in the backlog until
          // handlers free some.
          backoff =
              std::clamp(backoff * 2, kMinAcceptBackoff, kMaxAcceptBackoff);
          sleep(backoff);
        } else {
          sleep(absl::ZeroDuration());  // ECONNABORTED and the like
        }
        continue;
      }
      backoff = absl::ZeroDuration();
      accepted_.fetch_add(1, std::memory_order_relaxed);
      pool_.spawn([this, conn = std::move(a->socket),
                   peer = a->peer]() mutable { Serve(conn, peer); });
    }
  }

  void Serve(Socket& conn, const Address& peer) {
    connections_.fetch_add(1, std::memory_order_relaxed);
    struct Done {
      std::atomic<size_t>& n;
      ~Done() { n.fetch_sub(1, std::memory_order_relaxed); }
    } done{connections_};
    RunReporting([&] { handler_(conn, peer); }, peer, options_.on_error,
                 "StreamServer");
  }

  Socket listener_;
  const StreamServer::Handler& handler_;
  const StreamServer::Options& options_;
  Pool pool_;
  std::atomic<size_t>& connections_;
  std::atomic<uint64_t>& accepted_;
  Greenlet<void> acceptor_;
  Event done_;
  bool stopping_ = false;
};

}  // namespace internal

// --- StreamServer
// ------------------------------------------------------------

// The OS threads of threads > 1, each running an AcceptLoop on its own hub.
struct StreamServer::ThreadSet {
  struct Worker {
    std::thread thread;
    Hub* hub = nullptr;
    internal::AcceptLoop* loop = nullptr;
  };
  Hub* owner = nullptr;
  std::vector<Worker> workers;
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  int running = 0;  // touched on the owner's hub only
  Event all_done;   // the owner's
  bool stopping = false;
};

StreamServer::StreamServer(Address address, Handler handler)
    : StreamServer(std::move(address), std::move(handler), Options{}) {}

StreamServer::StreamServer(Address address, Handler handler, Options options)
    : address_(std::move(address)),
      handler_(std::move(handler)),
      options_(std::move(options)),
      connections_(std::make_shared<std::atomic<size_t>>(0)),
      accepted_(std::make_shared<std::atomic<uint64_t>>(0)) {}

namespace {

// The plain handler that runs the TLS handshake, then `handler`.
StreamServer::Handler TlsHandler(SslContext ssl,
                                 StreamServer::SslHandler handler,
                                 absl::Duration handshake_timeout) {
  return [ssl = std::move(ssl), handler = std::move(handler),
          handshake_timeout](Socket& conn, const Address& peer) {
    absl::StatusOr<SslSocket> tls = SslSocket::Server(std::move(conn), ssl);
    if (!tls.ok()) throw std::runtime_error(tls.status().ToString());
    if (absl::Status st = tls->handshake(handshake_timeout); !st.ok()) {
      throw std::runtime_error(st.ToString());
    }
    handler(*tls, peer);
  };
}

}  // namespace

StreamServer::StreamServer(Address address, SslContext ssl, SslHandler handler)
    : StreamServer(std::move(address), std::move(ssl), std::move(handler),
                   Options{}) {}

StreamServer::StreamServer(Address address, SslContext ssl, SslHandler handler,
                           Options options)
    : StreamServer(std::move(address),
                   TlsHandler(std::move(ssl), std::move(handler),
                              options.ssl_handshake_timeout),
                   std::move(options)) {}

StreamServer::StreamServer(Socket listener, Handler handler)
    : StreamServer(std::move(listener), std::move(handler), Options{}) {}

StreamServer::StreamServer(Socket listener, Handler handler, Options options)
    : StreamServer(Address(), std::move(handler), std::move(options)) {
  given_listener_ = std::move(listener);
  if (absl::StatusOr<Address> a = given_listener_.getsockname(); a.ok()) {
    address_ = *a;
  }
}

StreamServer::~StreamServer() { stop(absl::ZeroDuration()); }

absl::StatusOr<Socket> StreamServer::MakeListener(bool reuse_port) {
  absl::StatusOr<Socket> s = Socket::Create(address_.family(), SOCK_STREAM);
  if (!s.ok()) return s.status();
  if (address_.family() != AF_UNIX) {
    if (absl::Status st = s->setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
        !st.ok()) {
      return st;
    }
  }
  if (reuse_port) {
    if (absl::Status st = s->setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
        !st.ok()) {
      return st;
    }
  }
  if (absl::Status st = s->bind(address_); !st.ok()) return st;
  if (absl::Status st = s->listen(options_.backlog); !st.ok()) return st;
  absl::StatusOr<Address> bound = s->getsockname();
  if (!bound.ok()) return bound.status();
  address_ = *bound;  // the real port when it was 0
  return s;
}

absl::Status StreamServer::Enter(const char* what) {
  if (ABSL_PREDICT_TRUE(owner_.Bind() != nullptr)) return absl::OkStatus();
  return owner_.Error(absl::StrCat("StreamServer::", what), "StreamServer");
}

bool StreamServer::started() const {
  if (ABSL_PREDICT_FALSE(!owner_.here())) {
    owner_.Throw("StreamServer::started", "StreamServer");
  }
  return started_;
}

absl::Status StreamServer::start() {
  if (absl::Status s = Enter("start"); !s.ok()) return s;
  if (started_) {
    return absl::FailedPreconditionError(
        "StreamServer::start: already started");
  }
  if (!handler_) {
    return absl::InvalidArgumentError("StreamServer::start: no handler");
  }
  if (options_.threads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "StreamServer::start: threads must be >= 1, not ", options_.threads));
  }
  if (options_.threads > 1) {
    if (given_listener_.is_open()) {
      return absl::InvalidArgumentError(
          "StreamServer: threads > 1 needs an address, not a listening socket "
          "(each thread makes its own SO_REUSEPORT listener)");
    }
    absl::Status s = StartThreads();
    if (s.ok()) started_ = true;
    return s;
  }
  Socket listener;
  if (given_listener_.is_open()) {
    listener = std::move(given_listener_);
  } else {
    absl::StatusOr<Socket> made = MakeListener(options_.reuse_port);
    if (!made.ok()) return made.status();
    listener = *std::move(made);
  }
  loop_ = std::make_unique<internal::AcceptLoop>(
      std::move(listener), handler_, options_, options_.max_connections,
      *connections_, *accepted_);
  loop_->Start();
  started_ = true;
  return absl::OkStatus();
}

absl::Status StreamServer::StartThreads() {
  const int n = options_.threads;
  std::vector<Socket> listeners;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<Socket> s = MakeListener(/*reuse_port=*/true);
    if (!s.ok()) return s.status();  // the made ones close on return
    listeners.push_back(*std::move(s));
  }
  threads_ = std::make_unique<ThreadSet>();
  ThreadSet* set = threads_.get();
  set->owner = &Hub::current();
  set->workers.resize(static_cast<size_t>(n));
  set->running = n;
  set->owner->add_external_work();  // the threads' ends come back via post
  const size_t per_thread =
      (options_.max_connections + static_cast<size_t>(n) - 1) /
      static_cast<size_t>(n);
  for (int i = 0; i < n; ++i) {
    set->workers[static_cast<size_t>(i)].thread =
        std::thread([this, set, i, per_thread,
                     listener = std::move(listeners[i])]() mutable {
          Hub& hub = Hub::current();
          internal::AcceptLoop loop(std::move(listener), handler_, options_,
                                    per_thread, *connections_, *accepted_);
          loop.Start();
          {
            std::lock_guard<std::mutex> lock(set->mu);
            set->workers[static_cast<size_t>(i)].hub = &hub;
            set->workers[static_cast<size_t>(i)].loop = &loop;
            ++set->started;
          }
          set->cv.notify_all();
          loop.Wait();
          set->owner->post([set] {
            if (--set->running == 0) {
              set->all_done.set();
              set->owner->remove_external_work();
            }
          });
        });
  }
  // Until every thread has its hub, stop() could not reach it. This is
  // microseconds, once.
  std::unique_lock<std::mutex> lock(set->mu);
  set->cv.wait(lock, [&] { return set->started == n; });
  return absl::OkStatus();
}

absl::Status StreamServer::serve_forever() {
  if (absl::Status s = Enter("serve_forever"); !s.ok()) return s;
  if (!started_) {
    if (absl::Status s = start(); !s.ok()) return s;
  }
  if (loop_) {
    loop_->Wait();
  } else if (threads_) {
    threads_->all_done.wait();
  }
  return absl::OkStatus();
}

void StreamServer::stop(absl::Duration grace) {
  if (ABSL_PREDICT_FALSE(!owner_.here())) {
    owner_.Throw("StreamServer::stop", "StreamServer");
  }
  if (!started_) return;
  if (loop_) {
    loop_->Stop(grace);
    return;
  }
  ThreadSet* set = threads_.get();
  if (set == nullptr) return;
  if (!set->stopping) {
    set->stopping = true;
    for (ThreadSet::Worker& w : set->workers) {
      internal::AcceptLoop* loop = w.loop;
      // The stop blocks, so it runs in a greenlet of that thread's hub.
      w.hub->post(
          [loop, grace] { spawn([loop, grace] { loop->Stop(grace); }); });
    }
  }
  set->all_done.wait();
  for (ThreadSet::Worker& w : set->workers) {
    if (w.thread.joinable()) w.thread.join();
  }
}

// --- DatagramServer
// ----------------------------------------------------------

struct DatagramServer::State {
  explicit State(size_t concurrency) : pool(std::max<size_t>(concurrency, 1)) {}
  Socket socket;
  Pool pool;
  Greenlet<void> receiver;
  Event done;
  bool stopping = false;
};

DatagramServer::DatagramServer(Address address, Handler handler)
    : DatagramServer(std::move(address), std::move(handler), Options{}) {}

DatagramServer::DatagramServer(Address address, Handler handler,
                               Options options)
    : address_(std::move(address)),
      handler_(std::move(handler)),
      options_(std::move(options)) {}

DatagramServer::~DatagramServer() { stop(absl::ZeroDuration()); }

uint64_t DatagramServer::received() const {
  if (ABSL_PREDICT_FALSE(!owner_.here())) {
    owner_.Throw("DatagramServer::received", "DatagramServer");
  }
  return received_;
}

absl::Status DatagramServer::start() {
  if (owner_.Bind() == nullptr) {
    return owner_.Error("DatagramServer::start", "DatagramServer");
  }
  if (state_) {
    return absl::FailedPreconditionError(
        "DatagramServer::start: already started");
  }
  if (!handler_) {
    return absl::InvalidArgumentError("DatagramServer::start: no handler");
  }
  auto state = std::make_unique<State>(options_.max_concurrency);
  absl::StatusOr<Socket> s = Socket::Create(address_.family(), SOCK_DGRAM);
  if (!s.ok()) return s.status();
  if (absl::Status st = s->bind(address_); !st.ok()) return st;
  absl::StatusOr<Address> bound = s->getsockname();
  if (!bound.ok()) return bound.status();
  address_ = *bound;
  state->socket = *std::move(s);
  state_ = std::move(state);
  State* st = state_.get();
  st->receiver = spawn(SpawnOptions{.name = "DatagramServer.receiver"}, [this,
                                                                         st] {
    const size_t max = std::max<size_t>(options_.max_datagram, 1);
    std::string buf(max, '\0');
    while (!st->stopping) {
      st->pool.wait_available();
      absl::StatusOr<ReceivedFrom> r = st->socket.recvfrom_into(
          absl::MakeSpan(buf), Socket::kDefaultTimeout, MSG_TRUNC);
      if (!r.ok()) {
        if (st->stopping || !st->socket.is_open()) return;
        sleep(absl::ZeroDuration());  // ICMP errors and the like
        continue;
      }
      ++received_;
      std::string data = buf.substr(0, std::min(r->size, max));
      st->pool.spawn([this, data = std::move(data), from = r->from]() mutable {
        RunReporting([&] { handler_(std::move(data), from); }, from,
                     options_.on_error, "DatagramServer");
      });
    }
  });
  return absl::OkStatus();
}

absl::Status DatagramServer::serve_forever() {
  if (owner_.Bind() == nullptr) {
    return owner_.Error("DatagramServer::serve_forever", "DatagramServer");
  }
  if (!state_) {
    if (absl::Status s = start(); !s.ok()) return s;
  }
  state_->done.wait();
  return absl::OkStatus();
}

void DatagramServer::stop(absl::Duration grace) {
  if (ABSL_PREDICT_FALSE(!owner_.here())) {
    owner_.Throw("DatagramServer::stop", "DatagramServer");
  }
  State* st = state_.get();
  if (st == nullptr) return;
  if (st->stopping) {
    st->done.wait();
    return;
  }
  st->stopping = true;
  (void)st->socket.close();
  (void)st->receiver.kill();
  (void)st->pool.join(grace);
  (void)st->pool.kill();
  st->done.set();
}

absl::StatusOr<size_t> DatagramServer::sendto(std::string_view data,
                                              const Address& to) {
  if (!owner_.here()) {
    return owner_.Error("DatagramServer::sendto", "DatagramServer");
  }
  if (!state_ || !state_->socket.is_open()) {
    return absl::FailedPreconditionError(
        "DatagramServer::sendto: the server is not running");
  }
  return state_->socket.sendto(data, to);
}

}  // namespace gevent
