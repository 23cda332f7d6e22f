// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/run_info.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/symbolize.h"
#include "gevent/hub/internal/task.h"

namespace gevent {
namespace {

using internal::Record;
using internal::TaskBase;
using internal::Waiter;

std::string Quoted(const TaskBase& t) {
  return absl::StrCat("'", t.name(), "'");
}

// "waits in recv on fd 7", "ready", ...
std::string StateOf(const RawGreenlet* g, const Record* r, bool scheduled) {
  if (g != nullptr && g == RawGreenlet::current()) {
    return "running (it asked for this)";
  }
  if (scheduled || g == nullptr) return "not started yet";
  const Waiter* w = r != nullptr ? r->parked : nullptr;
  if (w == nullptr) return "suspended";
  if (w->woken) return "ready to run";
  std::string out = absl::StrCat("waits in ", w->what ? w->what : "a wait");
  if (w->fd >= 0) absl::StrAppend(&out, " on fd ", w->fd);
  return out;
}

void AppendStack(const RawGreenlet& g, std::string* out) {
  const std::vector<void*> pcs = g.suspended_stack();
  if (pcs.empty()) return;
  // The innermost frame is a return address too (from jump_fcontext).
  const std::vector<std::string> lines =
      internal::Symbolize(pcs, /*first_is_exact=*/false);
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::StrAppend(out, "    #", i, " ", lines[i], "\n");
  }
}

// Hubs that a signal asks to print (their mailboxes, which outlive them).
std::mutex g_hubs_mu;
std::vector<std::weak_ptr<internal::Mailbox>>& Hubs() {
  static auto* hubs = new std::vector<std::weak_ptr<internal::Mailbox>>();
  return *hubs;
}

int g_signal_pipe[2] = {-1, -1};

void OnDumpSignal(int) {
  const int saved = errno;
  const char byte = 1;
  (void)!write(g_signal_pipe[1], &byte, 1);
  errno = saved;
}

// Waits for the signal handler's bytes and asks every hub to print.
void Watch() {
  for (;;) {
    char buf[64];
    const ssize_t n = read(g_signal_pipe[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    std::lock_guard<std::mutex> lock(g_hubs_mu);
    auto& hubs = Hubs();
    for (size_t i = 0; i < hubs.size();) {
      std::shared_ptr<internal::Mailbox> m = hubs[i].lock();
      if (m && m->Post([] { print_run_info(); })) {
        ++i;
      } else {
        hubs[i] = std::move(hubs.back());
        hubs.pop_back();
      }
    }
  }
}

}  // namespace

namespace internal {
void RegisterHubForDumps(const std::shared_ptr<Mailbox>& mailbox) {
  std::lock_guard<std::mutex> lock(g_hubs_mu);
  Hubs().push_back(mailbox);
}
}  // namespace internal

std::string Hub::run_info() {
  const HubStats st = stats();
  std::vector<const RawGreenlet*> all;
  std::map<uint64_t, std::string> names;  // for "spawned by"
  names[RawGreenlet::root()->id()] = "main";
  names[hub_greenlet_.id()] = "the hub";
  size_t count = 1;  // main
  for (TaskBase* t = live_; t != nullptr; t = t->live_next) {
    names[t->id] = Quoted(*t);
    ++count;
  }
  const int64_t now = internal::MonotonicNowNs();
  std::string out = absl::StrFormat(
      "gevent: %d greenlets on the hub of thread %d (%s)\n"
      "  switches %d, spawned %d, killed %d, loop iterations %d, polls %d "
      "(%s waiting), I/O ops %d, timers fired %d\n",
      count, static_cast<int>(gettid()), backend_->name(), st.switches,
      st.greenlets_spawned, st.greenlets_killed, st.loop_iterations, st.polls,
      absl::FormatDuration(absl::Trunc(st.time_in_poll, absl::Microseconds(1))),
      st.io_ops, st.timers_fired);
  RawGreenlet* root = RawGreenlet::root();
  absl::StrAppend(&out, "\ngreenlet main (id ", root->id(),
                  "): ", StateOf(root, &root_record_, false), "\n");
  AppendStack(*root, &out);
  for (TaskBase* t = live_; t != nullptr; t = t->live_next) {
    absl::StrAppend(
        &out, "\ngreenlet ", Quoted(*t), " (id ", t->id, "): ",
        StateOf(t->raw, &t->record, t->state == TaskBase::State::kScheduled));
    auto by = names.find(t->spawner_id);
    absl::StrAppend(&out, ", spawned");
    if (t->spawned_at_ns > 0) {
      absl::StrAppend(&out, " ",
                      absl::FormatDuration(
                          absl::Trunc(absl::Nanoseconds(now - t->spawned_at_ns),
                                      absl::Microseconds(1))),
                      " ago");
    }
    absl::StrAppend(&out, " by ",
                    by != names.end() ? by->second : "a greenlet now ended",
                    " (id ", t->spawner_id, ")\n");
    if (t->raw != nullptr) AppendStack(*t->raw, &out);
  }
  return out;
}

std::string format_run_info() { return Hub::current().run_info(); }

void print_run_info() {
  const std::string text = format_run_info();
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

absl::Status dump_on_signal(int signal) {
  if (signal <= 0 || signal >= NSIG || signal == SIGKILL || signal == SIGSTOP) {
    return absl::InvalidArgumentError(
        absl::StrCat("dump_on_signal: signal ", signal, " cannot be caught"));
  }
  static std::once_flag started;
  absl::Status status;
  std::call_once(started, [&status] {
    if (pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
      status = absl::InternalError(
          absl::StrCat("dump_on_signal: pipe: ", std::strerror(errno)));
      return;
    }
    fcntl(g_signal_pipe[1], F_SETFL, O_NONBLOCK);  // a flood drops bytes
    std::thread(&Watch).detach();
  });
  if (!status.ok()) return status;
  if (g_signal_pipe[1] < 0) {
    return absl::InternalError(
        "dump_on_signal: not set up (an earlier failure)");
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = &OnDumpSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(signal, &sa, nullptr) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dump_on_signal: signal ", signal, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace gevent
