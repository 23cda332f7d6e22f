// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/monitor.h"

#include <signal.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gevent/greenlet/raw_greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/symbolize.h"

namespace gevent {
namespace {

constexpr int kSignal = SIGURG;
constexpr int kMaxFrames = 64;

// One capture at a time, process-wide: the monitor asks, the signal handler on
// the hub's thread fills it in. Static storage, so a late signal never writes
// into freed memory.
enum CaptureState { kIdle, kRequested, kCapturing, kDone };
struct CaptureSlot {
  std::atomic<int> state{kIdle};
  pthread_t target{};  // written before state becomes kRequested
  void* frames[kMaxFrames];
  int depth = 0;
  char name[128];
  size_t name_len = 0;
  uint64_t id = 0;
  bool is_root = false;
};
CaptureSlot g_slot;
std::mutex g_capture_mu;
struct sigaction g_previous;

_Unwind_Reason_Code CollectFrame(_Unwind_Context* context, void*) {
  if (g_slot.depth == kMaxFrames) return _URC_END_OF_STACK;
  int before_insn = 0;
  const uintptr_t ip = _Unwind_GetIPInfo(context, &before_insn);
  if (ip == 0) return _URC_END_OF_STACK;
  g_slot.frames[g_slot.depth++] = reinterpret_cast<void*>(ip);
  return _URC_NO_REASON;
}

void OnSignal(int sig, siginfo_t* info, void* ucontext) {
  int expected = kRequested;
  if (g_slot.state.load(std::memory_order_acquire) == kRequested &&
      pthread_equal(g_slot.target, pthread_self()) &&
      g_slot.state.compare_exchange_strong(expected, kCapturing,
                                           std::memory_order_acq_rel)) {
    const int saved_errno = errno;
    // libgcc's DWARF unwinder, not frame pointers: it steps through the
    // signal frame and through functions without a frame (libc's read, the
    // vDSO), where a frame-pointer walk loses the caller. It is loaded
    // already (C++ exceptions use it) and finds frames without a lock.
    g_slot.depth = 0;
    _Unwind_Backtrace(&CollectFrame, nullptr);
    // Drop the handler's own frames: the interrupted pc is where it begins.
    const void* pc = reinterpret_cast<const void*>(
        static_cast<ucontext_t*>(ucontext)->uc_mcontext.gregs[REG_RIP]);
    for (int i = 0; i < g_slot.depth; ++i) {
      if (g_slot.frames[i] != pc) continue;
      std::memmove(g_slot.frames, g_slot.frames + i,
                   sizeof(void*) * static_cast<size_t>(g_slot.depth - i));
      g_slot.depth -= i;
      break;
    }
    g_slot.name_len = 0;
    g_slot.id = 0;
    g_slot.is_root = true;
    // The greenlet layer's thread state, read directly: current() could
    // allocate on a thread without one.
    if (internal::SwitchState* ts = internal::tls_switch) {
      RawGreenlet* g = ts->current;
      g_slot.id = g->id();
      g_slot.is_root = g->is_root();
      if (!g_slot.is_root) {  // the root is "main", whatever it is called
        const std::string_view name = g->given_name();
        g_slot.name_len = std::min(name.size(), sizeof(g_slot.name));
        std::memcpy(g_slot.name, name.data(), g_slot.name_len);
      }
    }
    g_slot.state.store(kDone, std::memory_order_release);
    errno = saved_errno;
    return;
  }
  // Not ours: what was installed before us gets it.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(sig, info, ucontext);
    }
  } else if (g_previous.sa_handler != SIG_DFL &&
             g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
  }
}

void InstallHandlerOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = &OnSignal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(kSignal, &sa, &g_previous);
  });
}

// The process's resident set, in bytes (0 if /proc cannot say).
size_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;  // NOLINT(runtime/int): statm's
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

std::string BlockingReport::ToString() const {
  std::string out = absl::StrCat(
      "gevent: greenlet '", greenlet, "' (id ", greenlet_id,
      ") has kept the hub of thread ", thread_id, " from running for ",
      absl::FormatDuration(absl::Trunc(blocked_for, absl::Milliseconds(1))),
      " (max_blocking_time ", absl::FormatDuration(threshold),
      "); its stack:\n");
  if (stack.empty()) out += "    (not captured)\n";
  for (size_t i = 0; i < stack.size(); ++i) {
    absl::StrAppend(&out, "    #", i, " ", stack[i], "\n");
  }
  return out;
}

Monitor::Monitor(Hub& hub, MonitorOptions options)
    : hub_(hub),
      options_(std::move(options)),
      hub_thread_(pthread_self()),
      hub_tid_(static_cast<int>(gettid())),
      thread_([this] { Run(); }) {}

Monitor::~Monitor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t Monitor::reports() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reports_;
}

void Monitor::Run() {
  const absl::Duration period =
      std::clamp(options_.max_blocking_time / 4, absl::Milliseconds(1),
                 absl::Milliseconds(250));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, absl::ToChronoNanoseconds(period));
    if (stopping_) break;
    lock.unlock();
    Check(absl::Now());
    if (options_.max_memory_bytes > 0) CheckMemory();
    lock.lock();
  }
}

void Monitor::Check(absl::Time now) {
  const HubStats st = hub_.stats();
  const uint64_t progress = st.switches + st.loop_iterations;
  // Moving, idle in the backend, or with nobody to starve: not blocked.
  if (progress != last_progress_ || hub_.in_poll() || st.greenlets_alive == 0) {
    last_progress_ = progress;
    progress_at_ = now;
    reported_ = false;
    return;
  }
  if (reported_ || now - progress_at_ < options_.max_blocking_time) return;
  reported_ = true;
  Report(now - progress_at_);
}

void Monitor::Report(absl::Duration blocked_for) {
  BlockingReport report;
  report.blocked_for = blocked_for;
  report.threshold = options_.max_blocking_time;
  report.thread_id = hub_tid_;
  {
    std::lock_guard<std::mutex> capture(g_capture_mu);
    InstallHandlerOnce();
    g_slot.target = hub_thread_;
    g_slot.state.store(kRequested, std::memory_order_release);
    bool done = false;
    if (pthread_kill(hub_thread_, kSignal) == 0) {
      for (int i = 0; i < 1000 && !done; ++i) {  // up to a second
        done = g_slot.state.load(std::memory_order_acquire) == kDone;
        if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    int expected = kRequested;
    if (!done && !g_slot.state.compare_exchange_strong(expected, kIdle)) {
      // The handler has begun: it finishes quickly.
      while (g_slot.state.load(std::memory_order_acquire) != kDone) {
        std::this_thread::yield();
      }
      done = true;
    }
    if (done) {
      report.greenlet_id = g_slot.id;
      if (g_slot.name_len > 0) {
        report.greenlet.assign(g_slot.name, g_slot.name_len);
      } else {
        report.greenlet = g_slot.is_root ? std::string("main")
                                         : absl::StrCat("greenlet-", g_slot.id);
      }
      report.stack = internal::Symbolize(
          std::vector<void*>(g_slot.frames, g_slot.frames + g_slot.depth));
    } else {
      report.greenlet = "(unknown: the thread did not answer)";
    }
    g_slot.state.store(kIdle, std::memory_order_release);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++reports_;
  }
  if (options_.on_blocking) {
    options_.on_blocking(report);
  } else {
    const std::string text = report.ToString();
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
}

void Monitor::CheckMemory() {
  const size_t rss = ResidentBytes();
  if (rss == 0) return;
  const bool over = rss > options_.max_memory_bytes;
  if (over && !over_memory_) {
    if (options_.on_memory_exceeded) {
      options_.on_memory_exceeded(rss);
    } else {
      std::fprintf(stderr,
                   "gevent: resident memory %zu bytes is above "
                   "max_memory_bytes %zu\n",
                   rss, options_.max_memory_bytes);
    }
  }
  over_memory_ = over;
}

const MonitorOptions* Monitor::FromEnvironment() {
  static const std::optional<MonitorOptions> parsed = ParseEnvironment();
  return parsed ? &*parsed : nullptr;
}

std::optional<MonitorOptions> Monitor::ParseEnvironment() {
  {
    const char* on = std::getenv("GEVENT_MONITOR_THREAD");
    if (on == nullptr || *on == '\0' || std::strcmp(on, "0") == 0) {
      return std::nullopt;
    }
    MonitorOptions options;
    double seconds = 0;
    if (const char* t = std::getenv("GEVENT_MAX_BLOCKING_TIME")) {
      if (absl::SimpleAtod(t, &seconds) && seconds > 0) {
        options.max_blocking_time = absl::Seconds(seconds);
      } else {
        std::fprintf(stderr,
                     "gevent: GEVENT_MAX_BLOCKING_TIME=%s is not a positive "
                     "number of seconds; using 0.1\n",
                     t);
      }
    }
    uint64_t bytes = 0;
    if (const char* m = std::getenv("GEVENT_MAX_MEMORY_USAGE")) {
      if (absl::SimpleAtoi(m, &bytes)) {
        options.max_memory_bytes = bytes;
      } else {
        std::fprintf(stderr,
                     "gevent: GEVENT_MAX_MEMORY_USAGE=%s is not a number of "
                     "bytes; memory is not watched\n",
                     m);
      }
    }
    return options;
  }
}

}  // namespace gevent
