// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// owner.h (internal)
//
// Which thread's hub an object belongs to, and the check every call on it
// makes first. Small on purpose: Socket and File include it without the
// whole hub.

#ifndef GEVENT_HUB_INTERNAL_OWNER_H_
#define GEVENT_HUB_INTERNAL_OWNER_H_

#include <string_view>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"

namespace gevent {

class Hub;

namespace internal {

// This thread's hub (initial-exec: read on every blocking call).
extern thread_local constinit Hub* tls_hub
    __attribute__((tls_model("initial-exec")));

// The hub an object belongs to (Socket, File, Event, Queue, Lock, servers):
// none until its first use, then the hub of the thread that used it. Checking
// it is a compare with this thread's hub, made before the object is touched,
// so that a call from another thread fails instead of racing the owner.
class Owner {
 public:
  Owner() = default;
  // A copy or move starts unbound: the new object is handed over and belongs
  // to whichever hub uses it next.
  Owner(const Owner&) {}
  Owner& operator=(const Owner&) { return *this; }

  // This thread's hub, binding the object to it (creating the hub if needed)
  // at its first use; null when another thread's hub owns the object.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Hub* Bind() {
    Hub* here = tls_hub;
    if (ABSL_PREDICT_TRUE(hub_ == here && here != nullptr)) return here;
    return BindSlow();
  }
  // True when this thread may use the object without binding it: it is
  // unbound, or bound to this thread's hub.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool here() const {
    return ABSL_PREDICT_TRUE(hub_ == tls_hub) || hub_ == nullptr;
  }
  // The owner, or null while unbound.
  Hub* hub() const { return hub_; }
  // Unbinds: the object may go to another thread (a moved-from Socket).
  void Release() { hub_ = nullptr; }

  // What a call `what` on `object` from this thread gets: FailedPrecondition,
  // or WrongThreadError thrown. The message names both threads.
  absl::Status Error(std::string_view what, std::string_view object) const;
  [[noreturn]] void Throw(std::string_view what, std::string_view object) const;

 private:
  [[gnu::noinline]] Hub* BindSlow();

  Hub* hub_ = nullptr;
  int thread_id_ = 0;  // the owner's (gettid), for messages: hub_ may be gone
};

}  // namespace internal
}  // namespace gevent

#endif  // GEVENT_HUB_INTERNAL_OWNER_H_
