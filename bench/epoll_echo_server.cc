// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// epoll_echo_server.cc
//
// The hand-written echo server that bench/echo_compare.sh measures everything
// else against: one thread, level-triggered epoll, non-blocking sockets, no
// allocation per message. What a connection sends is written straight back;
// what the socket does not take at once waits in that connection's pending
// buffer, and the connection stops reading (EPOLLOUT instead of EPOLLIN) until
// the buffer has drained, so a slow reader cannot grow it without bound.
//
//   bazel-bin/bench/epoll_echo_server --port=0
//   port=39321
//
// Listens on 127.0.0.1; --port=0 lets the kernel pick. The first line on
// stdout is `port=N`. Serves until SIGTERM or SIGINT, then exits 0.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"

ABSL_FLAG(int, port, 0, "TCP port on 127.0.0.1; 0 lets the kernel pick.");

namespace {

struct Connection {
  int fd;
  std::vector<char> pending;  // read but not yet written back
  size_t pending_offset = 0;  // bytes of `pending` already written
};

// Listen socket and signalfd are told apart from connections by these tags.
char kListenTag;
char kSignalTag;

class Server {
 public:
  Server(int epfd, int lfd) : epfd_(epfd), lfd_(lfd) {}

  // Blocks until a signal arrives on `sfd`. Returns the exit status.
  int serve(int sfd) {
    Watch(lfd_, EPOLLIN, &kListenTag, EPOLL_CTL_ADD);
    Watch(sfd, EPOLLIN, &kSignalTag, EPOLL_CTL_ADD);
    epoll_event events[256];
    for (;;) {
      int n = epoll_wait(epfd_, events, 256, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::perror("epoll_echo_server: epoll_wait");
        return 1;
      }
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &kSignalTag) return 0;
        if (tag == &kListenTag) {
          Accept();
          continue;
        }
        auto* c = static_cast<Connection*>(tag);
        if (events[i].events & EPOLLOUT) {
          Flush(*c);
        } else {
          Echo(*c);
        }
      }
    }
  }

 private:
  void Watch(int fd, uint32_t events, void* tag, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = tag;
    epoll_ctl(epfd_, op, fd, &ev);
  }

  void Accept() {
    for (;;) {
      int fd = accept4(lfd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN) std::perror("epoll_echo_server: accept4");
        return;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      Watch(fd, EPOLLIN, new Connection{fd}, EPOLL_CTL_ADD);
    }
  }

  // Reads once and writes it all straight back, keeping what the socket
  // does not take.
  void Echo(Connection& c) {
    ssize_t n = recv(c.fd, buf_, sizeof(buf_), 0);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      Close(c);
      return;
    }
    size_t done = 0;
    while (done < static_cast<size_t>(n)) {
      ssize_t w = send(c.fd, buf_ + done, n - done, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        Close(c);
        return;
      }
      done += static_cast<size_t>(w);
    }
    if (done < static_cast<size_t>(n)) {
      c.pending.assign(buf_ + done, buf_ + n);
      c.pending_offset = 0;
      Watch(c.fd, EPOLLOUT, &c, EPOLL_CTL_MOD);
    }
  }

  // Writes the pending buffer; reads again once it has drained.
  void Flush(Connection& c) {
    while (c.pending_offset < c.pending.size()) {
      ssize_t w = send(c.fd, c.pending.data() + c.pending_offset,
                       c.pending.size() - c.pending_offset, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return;
        Close(c);
        return;
      }
      c.pending_offset += static_cast<size_t>(w);
    }
    c.pending.clear();
    c.pending_offset = 0;
    Watch(c.fd, EPOLLIN, &c, EPOLL_CTL_MOD);
  }

  void Close(Connection& c) {
    close(c.fd);  // also removes it from the epoll set
    delete &c;
  }

  const int epfd_;
  const int lfd_;
  char buf_[64 * 1024];
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: epoll_echo_server [--port=N]\n");
    return 2;
  }
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  // SIGTERM and SIGINT arrive as readable data on a signalfd in the epoll set.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (sfd < 0 || lfd < 0 ||
      bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(lfd, SOMAXCONN) != 0) {
    std::perror("epoll_echo_server: listen");
    return 1;
  }
  socklen_t len = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("port=%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    std::perror("epoll_echo_server: epoll_create1");
    return 1;
  }
  static Server server(epfd, lfd);  // static: its 64 KiB buffer
  return server.serve(sfd);
}
