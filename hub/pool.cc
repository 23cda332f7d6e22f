// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/pool.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gevent {

void Group::Track(internal::TaskBase* t, bool holds_slot) {
  t->AddRef();
  state_->members.insert(t);
  uint64_t id;
  internal::AddCallbackLink(
      t,
      [state = state_, t, holds_slot] {
        if (state->members.erase(t) > 0) t->Release();
        if (holds_slot) state->slots->release();
        state->emptied.NotifyAll();
      },
      &id);
}

absl::Status Group::join(absl::Duration timeout) {
  if (absl::Status s = internal::CheckTimeout(timeout, "Group::join");
      !s.ok()) {
    return s;
  }
  const int64_t deadline = internal::DeadlineAfter(timeout, "Group::join");
  std::shared_ptr<internal::GroupState> state = state_;
  while (!state->members.empty()) {
    if (deadline >= 0 && deadline <= internal::MonotonicNowNs()) break;
    if (!state->emptied.Wait(deadline, nullptr, "Pool.join")) break;
  }
  if (state->members.empty()) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat(
      "Group::join: ", state->members.size(), " greenlets still running after ",
      absl::FormatDuration(timeout)));
}

absl::Status Group::kill(absl::Duration timeout, bool block) {
  if (absl::Status s = internal::CheckTimeout(timeout, "Group::kill");
      !s.ok()) {
    return s;
  }
  std::vector<internal::TaskBase*> members(state_->members.begin(),
                                           state_->members.end());
  for (internal::TaskBase* t : members) {
    if (!t->dead() && !t->kill_requested) {
      (void)internal::Kill(t, absl::ZeroDuration(), /*block=*/false);
    }
  }
  if (!block) return absl::OkStatus();
  return join(timeout);
}

Pool::Pool(size_t size) : size_(size) {
  if (size == 0) {
    throw std::invalid_argument("Pool: the size must be at least 1");
  }
  state_->slots = std::make_unique<Semaphore>(static_cast<int>(size));
}

bool Pool::wait_available(absl::Duration timeout) {
  if (state_->slots->counter() > 0) return true;
  if (!state_->slots->acquire(timeout)) return false;
  state_->slots->release();
  return true;
}

}  // namespace gevent
