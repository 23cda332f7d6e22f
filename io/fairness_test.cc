// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// I/O next to busy greenlets, on every backend: a send, receive or accept that
// the kernel can finish at once is done within a pass or two of the greenlets
// that keep the hub busy (a greenlet that only yields), not after
// Hub::kDispatchesPerPoll switches and kMinPollIntervalNs. And the chat
// example's pattern end to end: a client floods lines, one greenlet reads them
// and queues each for every writer in a bounded queue, yielding after each, and
// the writers' readers keep up and get every line, with the same outcome on
// epoll, libevent and io_uring. Nothing here depends on timing: the bounds are
// counted in passes of the ready queue and in queued lines.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/queue.h"
#include "gevent/io/buffered.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/socket.h"

namespace gevent {
namespace {

using testing::AddressOf;
using testing::ListenLoopback;
using testing::TcpPair;

class FairnessTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

// Passes a busy greenlet may make while an op the kernel can finish at once
// completes: the hub polls after the pass in which the op was queued, and the
// woken greenlet runs in the next (2). Without that rule it would be at least
// Hub::kDispatchesPerPoll - 1.
constexpr uint64_t kMaxPasses = 4;
static_assert(kMaxPasses < Hub::kDispatchesPerPoll - 1);

// A greenlet that keeps the hub busy: it yields until stopped, counting its
// passes.
class Busy {
 public:
  Busy()
      : g_(spawn([this] {
          while (!stop_) {
            ++passes_;
            sleep(absl::ZeroDuration());
          }
        })) {}
  ~Busy() {
    stop_ = true;
    EXPECT_TRUE(g_.join().ok());
  }
  uint64_t passes() const { return passes_; }

 private:
  bool stop_ = false;
  uint64_t passes_ = 0;
  Greenlet<void> g_;
};

// Runs `op` `n` times next to a Busy greenlet; returns the most passes it made
// during one op.
template <typename Op>
uint64_t MostPassesPerOp(int n, Op op) {
  Busy busy;
  sleep(absl::ZeroDuration());  // it is running, and in the ready queue
  uint64_t most = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t before = busy.passes();
    op(i);
    most = std::max(most, busy.passes() - before);
  }
  return most;
}

TEST_F(FairnessTest, SendsAreNotHeldBackByBusyGreenlets) {
  auto [a, b] = TcpPair();
  // 200 bytes: the socket's buffer takes each send at once.
  const uint64_t most =
      MostPassesPerOp(200, [&](int) { ASSERT_TRUE(a.sendall("x").ok()); });
  EXPECT_LE(most, kMaxPasses);
  std::string got(200, '\0');
  size_t n = 0;
  while (n < got.size()) {
    absl::StatusOr<size_t> r =
        b.recv_into(absl::MakeSpan(got.data() + n, got.size() - n));
    ASSERT_TRUE(r.ok() && *r > 0);
    n += *r;
  }
  EXPECT_EQ(got, std::string(200, 'x'));
}

TEST_F(FairnessTest, ReceivesAreNotHeldBackByBusyGreenlets) {
  auto [a, b] = TcpPair();
  const std::string data(200, 'y');
  ASSERT_TRUE(a.sendall(data).ok());
  std::string got;
  // One byte at a time: there is always more to read at once.
  const uint64_t most = MostPassesPerOp(200, [&](int) {
    char c;
    absl::StatusOr<size_t> r = b.recv_into(absl::MakeSpan(&c, 1));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(*r, 1u);
    got.push_back(c);
  });
  EXPECT_LE(most, kMaxPasses);
  EXPECT_EQ(got, data);
}

TEST_F(FairnessTest, AcceptsAreNotHeldBackByBusyGreenlets) {
  Socket listener = ListenLoopback();
  const Address address = AddressOf(listener);
  // Plain blocking connects: to a loopback listener they finish without an
  // accept, so every connection waits in the backlog.
  constexpr int kClients = 20;
  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::connect(fd, address.sockaddr_ptr(), address.length()), 0);
    clients.push_back(fd);
  }
  std::vector<Socket> accepted;
  const uint64_t most = MostPassesPerOp(kClients, [&](int) {
    absl::StatusOr<Accepted> a = listener.accept();
    ASSERT_TRUE(a.ok()) << a.status();
    accepted.push_back(std::move(a->socket));
  });
  EXPECT_LE(most, kMaxPasses);
  EXPECT_EQ(accepted.size(), static_cast<size_t>(kClients));
  for (int fd : clients) ::close(fd);
}

// The chat example's flood, in one process. A client thread pastes kLines
// lines at once; the flooder greenlet reads them one by one and queues each for
// every writer (put_nowait: a full queue means that writer is "too slow" and
// dropped), yielding after each line as the chat server does. Each writer
// sends its lines to a reader greenlet that reads whatever is there. The
// readers keep up (they read all that arrives, and the sockets' buffers hold
// far more than the queues), so no queue may fill: every line must arrive, on
// every backend. Before the hub polled for queued io_uring sends once per pass,
// a writer finished one send per kDispatchesPerPoll switches while the flooder
// queued a line every few, and io_uring dropped both readers within a few
// hundred lines.
TEST_F(FairnessTest, FloodingClientDoesNotStarveWritersThatKeepUp) {
  constexpr int kLines = 10000;
  constexpr size_t kQueue = 64;  // lines a writer may lag behind
  constexpr int kReaders = 2;
  auto [paste_client, paste_server] = TcpPair();
  const int paste_fd = paste_client.release();  // the paster's now
  std::string paste;
  for (int i = 0; i < kLines; ++i) absl::StrAppend(&paste, "line ", i, "\n");
  // A client outside the hub, as a terminal would paste: blocking writes.
  std::thread paster([paste_fd, &paste] {
    const int flags = fcntl(paste_fd, F_GETFL);
    fcntl(paste_fd, F_SETFL, flags & ~O_NONBLOCK);
    size_t sent = 0;
    while (sent < paste.size()) {
      const ssize_t n = ::send(paste_fd, paste.data() + sent,
                               paste.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
    ::shutdown(paste_fd, SHUT_WR);
  });
  struct ClosePaste {
    std::thread& paster;
    int fd;
    ~ClosePaste() {
      paster.join();
      ::close(fd);
    }
  } close_paste{paster, paste_fd};

  struct Link {
    std::pair<Socket, Socket> sockets = TcpPair();  // {writer's, reader's}
    Queue<std::string> outbox{kQueue};
    bool dropped = false;
    std::string received;
  };
  std::vector<std::unique_ptr<Link>> links;
  std::vector<Greenlet<void>> greenlets;
  for (int i = 0; i < kReaders; ++i) {
    links.push_back(std::make_unique<Link>());
    Link* l = links.back().get();
    greenlets.push_back(spawn([l] {  // the writer
      for (std::string& line : l->outbox) {
        if (!l->sockets.first.sendall(line).ok()) break;
      }
      (void)l->sockets.first.shutdown(SHUT_WR);
    }));
    greenlets.push_back(spawn([l] {  // the reader: whatever is there
      std::string buf(64 * 1024, '\0');
      for (;;) {
        absl::StatusOr<size_t> n =
            l->sockets.second.recv_into(absl::MakeSpan(buf));
        if (!n.ok() || *n == 0) return;
        l->received.append(buf, 0, *n);
      }
    }));
  }
  greenlets.push_back(spawn([&] {  // the flooder
    BufferedReader in(paste_server);
    int lines = 0;
    for (;;) {
      absl::StatusOr<std::string> line = in.readline(1024);
      if (!line.ok() || line->empty()) break;
      ++lines;
      for (auto& l : links) {
        if (!l->dropped && !l->outbox.put_nowait(*line).ok()) {
          l->dropped = true;  // the chat server would disconnect it
          ADD_FAILURE() << "a writer fell " << kQueue
                        << " lines behind at line " << lines << " on "
                        << backend_name();
          l->outbox.close();
        }
      }
      sleep(absl::ZeroDuration());
    }
    EXPECT_EQ(lines, kLines);
    for (auto& l : links) l->outbox.close();
  }));
  for (auto& g : greenlets) EXPECT_TRUE(g.join().ok());
  for (auto& l : links) {
    EXPECT_FALSE(l->dropped);
    EXPECT_EQ(l->received.size(), paste.size());
    EXPECT_TRUE(l->received == paste) << "lines lost or out of order";
  }
}

}  // namespace
}  // namespace gevent
