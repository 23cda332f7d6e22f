// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// echo_load.cc
//
// The load generator for the echo ping-pong comparison (bench/echo_compare.sh):
// one thread, plain epoll, non-blocking TCP_NODELAY sockets, exactly one
// message in flight per connection. Each connection sends --size bytes, waits
// for the same bytes back (checked byte for byte), records the round trip and
// sends again.
//
//   bazel-bin/bench/echo_load --port=9000 --connections=100 --duration=5
//
// It connects every connection first (a refused or timed-out connect is
// retried a few times, then it gives up with exit status 1), runs --warmup
// seconds unmeasured, then --duration seconds measured, and prints one line:
//
//   connections=100 size=64 seconds=5.000 messages=N msgs_per_sec=R
//   p50_us=.. p99_us=.. p999_us=.. errors=0 load_cpu=0.97 server_cpu=0.88
//
// (on one line). load_cpu and server_cpu are the CPU time this process and
// the process --server_pid spent in the measured window, over its length
// (1.00 = one core busy throughout; -1 without --server_pid): a load_cpu near
// 1 says the load generator, not the server, set the pace. Any error (a
// mismatched echo, a closed connection, a failed read or write) is counted,
// closes that connection and makes the exit status 1; the line is printed all
// the same.
//
// --threads=N (for a server with threads too) splits the connections over N
// threads, each with its own epoll; the histogram and counts are summed, and
// load_cpu then counts all of them (2.00 = two cores busy).

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/cpu_time.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "Server address or name.");
ABSL_FLAG(int, port, 0, "Server TCP port (required).");
ABSL_FLAG(int, connections, 100, "Concurrent connections, one message each.");
ABSL_FLAG(int, size, 64, "Message size in bytes.");
ABSL_FLAG(double, duration, 5, "Measured seconds.");
ABSL_FLAG(double, warmup, 1, "Unmeasured seconds before the measurement.");
ABSL_FLAG(int, threads, 1, "Load threads, each with its own epoll.");
ABSL_FLAG(int, server_pid, 0,
          "The server's process id, to report its CPU use; 0 for none.");

namespace {

using gevent::bench::CpuSeconds;

// A refused connect is retried this many times, kRetryDelayMs apart; a connect
// that neither succeeds nor fails within kConnectTimeoutMs counts as a failed
// attempt too. So an unreachable server is reported within a few seconds.
constexpr int kConnectAttempts = 20;
constexpr int kRetryDelayMs = 100;
constexpr int kConnectTimeoutMs = 3000;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// A log-linear histogram of nanoseconds, as HdrHistogram lays it out: exact
// below 64 ns, then 32 buckets per power of two (at most 1/32 relative
// error). Recording is a count-leading-zeros and an increment.
class Histogram {
 public:
  Histogram() : counts_(kBuckets, 0) {}

  void record(int64_t ns) {
    ++counts_[Index(ns < 0 ? 0 : static_cast<uint64_t>(ns))];
    ++total_;
  }

  void reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
  }

  void merge(const Histogram& other) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
  }

  // The value at quantile q in [0, 1], as its bucket's midpoint; 0 when empty.
  double quantile_ns(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return Midpoint(i);
    }
    return Midpoint(kBuckets - 1);
  }

 private:
  static constexpr int kExact = 64;
  static constexpr int kSubBits = 5;  // 32 buckets per power of two
  static constexpr int kBuckets = kExact + (64 - 6) * (1 << kSubBits);

  static int Index(uint64_t v) {
    if (v < kExact) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - kSubBits;
    const int top = static_cast<int>(v >> shift);  // in [32, 64)
    return kExact + (shift - 1) * (1 << kSubBits) + (top - (1 << kSubBits));
  }

  static double Midpoint(int i) {
    if (i < kExact) return i;
    const int shift = (i - kExact) / (1 << kSubBits) + 1;
    const int top = (i - kExact) % (1 << kSubBits) + (1 << kSubBits);
    return (static_cast<double>(top) + 0.5) *
           static_cast<double>(1ULL << shift);
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
};

struct Connection {
  int id = 0;  // 1, 2, ... in connection order
  int fd = -1;
  uint64_t seq = 0;        // messages sent so far; stamped into each message
  std::vector<char> sent;  // the message in flight
  std::vector<char> received;
  size_t written = 0;  // bytes of `sent` written so far
  size_t read = 0;     // bytes of the echo read so far
  int64_t start_ns = 0;
  bool want_out = false;  // registered for EPOLLOUT (a partial write)
};

// Connects one non-blocking TCP_NODELAY socket to `addr`, retrying refused and
// timed-out attempts. Returns the fd, or -1 with the reason in `error`.
int ConnectWithRetries(const addrinfo& addr, std::string& error) {
  for (int attempt = 1; attempt <= kConnectAttempts; ++attempt) {
    int fd =
        socket(addr.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = std::string("socket: ") + std::strerror(errno);
      return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int err = 0;
    if (connect(fd, addr.ai_addr, addr.ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        int ready = poll(&p, 1, kConnectTimeoutMs);
        socklen_t len = sizeof(err);
        if (ready == 1) {
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        } else {
          err = ready == 0 ? ETIMEDOUT : errno;
        }
      }
    }
    if (err == 0) return fd;
    close(fd);
    error = std::strerror(err);
    if (err == EMFILE || err == ENFILE) return -1;  // retrying will not help
    if (attempt < kConnectAttempts) usleep(kRetryDelayMs * 1000);
  }
  error += " (after " + std::to_string(kConnectAttempts) + " attempts)";
  return -1;
}

class Load {
 public:
  Load(int size, int epfd) : size_(size), epfd_(epfd) {}
  ~Load() { close(epfd_); }

  void add(int fd, int id) {
    auto c = std::make_unique<Connection>();
    c->id = id;
    c->fd = fd;
    c->sent.resize(size_);
    c->received.resize(size_);
    // A pattern that differs per connection, so crossed streams show too.
    for (int i = 0; i < size_; ++i) {
      c->sent[i] = static_cast<char>('a' + (c->id + i) % 26);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = c.get();
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    conns_.push_back(std::move(c));
    ++open_;
  }

  // Starts every connection's first message.
  void start() {
    for (auto& c : conns_) Send(*c);
  }

  // Runs the ping-pong until `deadline_ns`; records latencies when `measure`.
  void run_until(int64_t deadline_ns, bool measure) {
    measuring_ = measure;
    std::vector<epoll_event> events(std::min<size_t>(conns_.size(), 1024));
    while (open_ > 0) {
      const int64_t now = NowNs();
      if (now >= deadline_ns) return;
      const int timeout_ms = static_cast<int>(
          std::min<int64_t>((deadline_ns - now) / 1000000 + 1, 100));
      int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()),
                         timeout_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::perror("echo_load: epoll_wait");
        ++errors_;
        return;
      }
      for (int i = 0; i < n; ++i) {
        auto& c = *static_cast<Connection*>(events[i].data.ptr);
        if (c.fd < 0) continue;
        if (events[i].events & EPOLLOUT) Send(c);
        if (c.fd >= 0 && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
          Receive(c);
        }
      }
    }
  }

  void reset_stats() {
    histogram_.reset();
    messages_ = 0;
  }

  const Histogram& histogram() const { return histogram_; }
  uint64_t messages() const { return messages_; }
  uint64_t errors() const { return errors_; }

 private:
  // Writes what is left of the message in flight (stamping a new one first
  // when none is), registering for EPOLLOUT on a partial write.
  void Send(Connection& c) {
    if (c.written == 0) {
      ++c.seq;
      std::memcpy(c.sent.data(), &c.seq,
                  std::min(sizeof(c.seq), static_cast<size_t>(size_)));
      c.start_ns = NowNs();
    }
    while (c.written < c.sent.size()) {
      ssize_t n = send(c.fd, c.sent.data() + c.written,
                       c.sent.size() - c.written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        Fail(c, "send", std::strerror(errno));
        return;
      }
      c.written += static_cast<size_t>(n);
    }
    const bool want_out = c.written < c.sent.size();
    if (want_out != c.want_out) {
      epoll_event ev{};
      ev.events = want_out ? EPOLLIN | EPOLLOUT : EPOLLIN;
      ev.data.ptr = &c;
      epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
      c.want_out = want_out;
    }
  }

  void Receive(Connection& c) {
    while (c.read < c.received.size()) {
      ssize_t n =
          recv(c.fd, c.received.data() + c.read, c.received.size() - c.read, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return;
        Fail(c, "recv", std::strerror(errno));
        return;
      }
      if (n == 0) {
        Fail(c, "recv", "server closed the connection");
        return;
      }
      c.read += static_cast<size_t>(n);
    }
    if (c.written < c.sent.size() ||
        std::memcmp(c.sent.data(), c.received.data(), c.sent.size()) != 0) {
      Fail(c, "echo", "the bytes read back differ from those sent");
      return;
    }
    if (measuring_) {
      histogram_.record(NowNs() - c.start_ns);
      ++messages_;
    }
    c.read = 0;
    c.written = 0;
    Send(c);
  }

  void Fail(Connection& c, const char* what, const char* why) {
    if (errors_ < 10) {
      std::fprintf(stderr, "echo_load: connection %d: %s: %s\n", c.id, what,
                   why);
    }
    ++errors_;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    --open_;
  }

  const int size_;
  const int epfd_;
  std::vector<std::unique_ptr<Connection>> conns_;
  size_t open_ = 0;  // connections not closed by an error
  bool measuring_ = false;
  Histogram histogram_;
  uint64_t messages_ = 0;
  uint64_t errors_ = 0;
};

// The share of one core that `before` -> `after` CPU seconds make of
// `seconds`; -1 when either could not be read.
double Utilization(double before, double after, double seconds) {
  if (before < 0 || after < 0 || seconds <= 0) return -1;
  return (after - before) / seconds;
}

// Lets this process open as many sockets as the hard limit allows.
void RaiseFdLimit() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string host = absl::GetFlag(FLAGS_host);
  const int port = absl::GetFlag(FLAGS_port);
  const int connections = absl::GetFlag(FLAGS_connections);
  const int size = absl::GetFlag(FLAGS_size);
  const double duration = absl::GetFlag(FLAGS_duration);
  const double warmup = absl::GetFlag(FLAGS_warmup);
  const int server_pid = absl::GetFlag(FLAGS_server_pid);
  if (port <= 0 || port > 65535 || connections < 1 || size < 1 ||
      duration <= 0 || warmup < 0) {
    std::fprintf(stderr,
                 "usage: echo_load --port=N [--host=127.0.0.1] "
                 "[--connections=100] [--size=64] [--duration=5] "
                 "[--warmup=1]\n");
    return 2;
  }
  RaiseFdLimit();

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addrs)) {
    std::fprintf(stderr, "echo_load: cannot resolve %s: %s\n", host.c_str(),
                 gai_strerror(rc));
    return 1;
  }

  const int threads = std::clamp(absl::GetFlag(FLAGS_threads), 1, connections);
  std::vector<std::unique_ptr<Load>> loads;
  for (int t = 0; t < threads; ++t) {
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      std::perror("echo_load: epoll_create1");
      return 1;
    }
    loads.push_back(std::make_unique<Load>(size, epfd));
  }
  for (int i = 0; i < connections; ++i) {
    std::string error;
    int fd = ConnectWithRetries(*addrs, error);
    if (fd < 0) {
      std::fprintf(stderr,
                   "echo_load: cannot connect to %s:%d (connection %d of "
                   "%d): %s\n",
                   host.c_str(), port, i + 1, connections, error.c_str());
      return 1;
    }
    loads[i % threads]->add(fd, i + 1);
  }
  freeaddrinfo(addrs);

  // Every thread warms up to the same instant and measures to the same one.
  const int64_t warm_end = NowNs() + static_cast<int64_t>(warmup * 1e9);
  const int64_t end = warm_end + static_cast<int64_t>(duration * 1e9);
  auto run = [warm_end, end](Load* load) {
    load->start();
    load->run_until(warm_end, /*measure=*/false);
    load->reset_stats();
    load->run_until(end, /*measure=*/true);
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(run, loads[t].get());
  // This thread runs the first share, and reads the CPU clocks around the
  // measured window.
  loads[0]->start();
  loads[0]->run_until(warm_end, /*measure=*/false);
  loads[0]->reset_stats();
  const double load_cpu_before = CpuSeconds(0);
  const double server_cpu_before = server_pid > 0 ? CpuSeconds(server_pid) : -1;
  const int64_t start = NowNs();
  loads[0]->run_until(end, /*measure=*/true);
  const double seconds = static_cast<double>(NowNs() - start) / 1e9;
  const double load_cpu = Utilization(load_cpu_before, CpuSeconds(0), seconds);
  const double server_cpu = Utilization(
      server_cpu_before, server_pid > 0 ? CpuSeconds(server_pid) : -1, seconds);
  for (std::thread& w : workers) w.join();

  Load& load = *loads[0];
  Histogram h = load.histogram();
  uint64_t messages = load.messages(), errors = load.errors();
  for (int t = 1; t < threads; ++t) {
    h.merge(loads[t]->histogram());
    messages += loads[t]->messages();
    errors += loads[t]->errors();
  }
  std::printf(
      "connections=%d size=%d seconds=%.3f messages=%llu msgs_per_sec=%.0f "
      "p50_us=%.1f p99_us=%.1f p999_us=%.1f errors=%llu load_cpu=%.2f "
      "server_cpu=%.2f\n",
      connections, size, seconds, static_cast<unsigned long long>(messages),
      seconds > 0 ? static_cast<double>(messages) / seconds : 0.0,
      h.quantile_ns(0.50) / 1e3, h.quantile_ns(0.99) / 1e3,
      h.quantile_ns(0.999) / 1e3, static_cast<unsigned long long>(errors),
      load_cpu, server_cpu);
  std::fflush(stdout);
  return errors == 0 ? 0 : 1;
}
