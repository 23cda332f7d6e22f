// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/job.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

namespace downloader {

namespace {
int64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}
}  // namespace

Progress::Progress(std::string label, int total)
    : label_(std::move(label)), total_(total), tty_(isatty(2) == 1) {}

void Progress::Tick() {
  const int done = done_.fetch_add(1) + 1;
  if (!tty_) return;
  const int64_t now = NowNs();
  int64_t last = last_draw_ns_.load();
  // At most one redraw per 50 ms, by whichever thread claims it.
  if (done != total_ && (now - last < 50'000'000 ||
                         !last_draw_ns_.compare_exchange_strong(last, now))) {
    return;
  }
  constexpr int kWidth = 30;
  const int filled = total_ > 0 ? done * kWidth / total_ : kWidth;
  std::fprintf(stderr, "\r  %-18s [%.*s%*s] %d/%d", label_.c_str(), filled,
               "##############################", kWidth - filled, "", done,
               total_);
  std::fflush(stderr);
}

void Progress::Finish() {
  if (tty_) std::fprintf(stderr, "\r\033[K");  // clear the bar's line
}

}  // namespace downloader
