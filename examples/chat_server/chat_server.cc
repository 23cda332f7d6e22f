// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// A chat room for telnet clients: every line a client sends goes to all the
// others. Each client has a reader greenlet (its connection's handler) and a
// writer greenlet fed by a bounded Queue, so a client that stops reading
// fills only its own queue; when that is full it is disconnected, and the
// others never wait for it.
//
//   bazel run //examples/chat_server -- --port=7000
//   telnet 127.0.0.1 7000        (in two terminals; /quit leaves)

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "examples/common/serve.h"
#include "gevent/gevent.h"

ABSL_FLAG(int, port, 7000, "port on 127.0.0.1 (0: any free port)");
ABSL_FLAG(int, queue, 256,
          "lines queued for a client before it counts as "
          "too slow and is disconnected");
ABSL_FLAG(int, max_line, 1024, "longest line accepted");
ABSL_FLAG(std::string, port_file, "", "write the port here once listening");

namespace {

struct Client {
  std::string name;
  gevent::Socket* socket;
  gevent::Queue<std::string> outbox;
  Client(std::string n, gevent::Socket* s, size_t queue)
      : name(std::move(n)), socket(s), outbox(queue) {}
};

class Room {
 public:
  // Sends `line` to everyone but `from`; drops whoever cannot keep up.
  void Broadcast(const Client* from, const std::string& line) {
    for (auto it = clients_.begin(); it != clients_.end();) {
      Client* c = it->second;
      ++it;  // `c` may leave below
      if (c == from) continue;
      if (!c->outbox.put_nowait(line).ok()) Drop(c, "too slow");
    }
  }
  void Join(Client* c) { clients_[c->name] = c; }
  void Leave(Client* c) { clients_.erase(c->name); }
  size_t size() const { return clients_.size(); }

 private:
  // Its queue is full: closing the socket wakes its reader (and writer) with
  // an error, and both end.
  void Drop(Client* c, const char* why) {
    std::printf("%s disconnected: %s\n", c->name.c_str(), why);
    clients_.erase(c->name);
    c->outbox.close();
    (void)c->socket->shutdown(SHUT_RDWR);
  }
  std::map<std::string, Client*> clients_;
};

void Chat(Room& room, gevent::Socket& conn, int id) {
  const size_t max_line = static_cast<size_t>(absl::GetFlag(FLAGS_max_line));
  Client me(absl::StrCat("guest", id), &conn,
            static_cast<size_t>(absl::GetFlag(FLAGS_queue)));
  // Bound what the kernel buffers for a client too (it would grow to
  // megabytes), so that a client that stops reading fills its queue soon.
  (void)conn.setsockopt(SOL_SOCKET, SO_SNDBUF, 64 * 1024);
  // The writer: the only greenlet that sends on this socket.
  auto writer = gevent::spawn([&me] {
    for (std::string& line : me.outbox) {
      if (!me.socket->sendall(line).ok()) return;
    }
  });
  (void)me.outbox.put_nowait(absl::StrCat("welcome, you are ", me.name, "; ",
                                          room.size(), " others here\r\n"));
  room.Broadcast(&me, absl::StrCat("* ", me.name, " joined\r\n"));
  room.Join(&me);
  gevent::BufferedReader in(conn);
  for (;;) {
    absl::StatusOr<std::string> line = in.readline(max_line);
    if (!line.ok() || line->empty()) break;  // too long, reset, or EOF
    const std::string text(absl::StripTrailingAsciiWhitespace(*line));
    if (text == "/quit") break;
    if (!text.empty()) {
      room.Broadcast(&me, absl::StrCat("[", me.name, "] ", text, "\r\n"));
      // A client that floods never makes its reads wait (the data is always
      // there), so it would never give the writers a turn: yield to them.
      gevent::sleep(absl::ZeroDuration());
    }
  }
  room.Leave(&me);
  room.Broadcast(&me, absl::StrCat("* ", me.name, " left\r\n"));
  me.outbox.close();
  (void)writer.kill();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("a chat room for telnet clients on greenlets");
  absl::ParseCommandLine(argc, argv);
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535 || absl::GetFlag(FLAGS_queue) < 1 ||
      absl::GetFlag(FLAGS_max_line) < 16) {
    std::fprintf(stderr,
                 "chat_server: --port 0..65535, --queue >= 1, --max_line >= "
                 "16\n");
    return 2;
  }
  Room room;
  int next_id = 0;
  gevent::StreamServer server(
      gevent::Address::Loopback(static_cast<uint16_t>(port)),
      [&](gevent::Socket& conn, const gevent::Address&) {
        Chat(room, conn, ++next_id);
      });
  if (int rc = examples::Serve(server, "chat server",
                               absl::GetFlag(FLAGS_port_file)))
    return rc;
  std::printf("chat server stopped\n");
  return 0;
}
