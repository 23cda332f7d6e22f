// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/timeout.h"

#include <atomic>

#include "absl/strings/str_cat.h"

namespace gevent {

namespace {
std::atomic<uint64_t> g_next_timeout_id{1};

std::string Describe(absl::Duration d) {
  return absl::StrCat("gevent::Timeout: ", absl::FormatDuration(d), " passed");
}
}  // namespace

Timeout::Timeout(absl::Duration duration)
    : id_(g_next_timeout_id.fetch_add(1, std::memory_order_relaxed)),
      duration_(duration),
      what_(Describe(duration)),
      owner_(true) {
  const int64_t deadline = internal::DeadlineAfter(duration, "gevent::Timeout");
  if (deadline < 0) return;  // infinite: never fires
  hub_ = &Hub::current();
  record_ = hub_->CurrentRecord();
  timer_.fire = &Timeout::Fire;
  timer_.context = this;
  hub_->StartTimer(timer_, deadline);
}

Timeout::Timeout(absl::Duration duration, ExpiredTag)
    : id_(g_next_timeout_id.fetch_add(1, std::memory_order_relaxed)),
      duration_(duration),
      what_(Describe(duration)) {}

Timeout Timeout::Expired(absl::Duration duration) {
  return Timeout(duration, ExpiredTag{});
}

Timeout::Timeout(const Timeout& other)
    : id_(other.id_), duration_(other.duration_), what_(other.what_) {}

Timeout::~Timeout() {
  if (!owner_ || hub_ == nullptr) return;
  hub_->CancelTimer(timer_);
  if (record_->pending_owner == this) {
    record_->pending_error = nullptr;
    record_->pending_owner = nullptr;
  }
}

void Timeout::cancel() {
  if (hub_) hub_->CancelTimer(timer_);
  if (record_ && record_->pending_owner == this) {
    record_->pending_error = nullptr;
    record_->pending_owner = nullptr;
  }
}

void Timeout::Fire(internal::Timer* t) {
  auto* self = static_cast<Timeout*>(t->context);
  self->hub_->DeliverError(*self->record_,
                           std::make_exception_ptr(Timeout(*self)), self);
}

}  // namespace gevent
