// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// local.h
//
// Local<T> is greenlet-local storage: each greenlet sees its own T, made on
// first use and destroyed when that greenlet ends (on its own stack, so a
// destructor may block). gevent.local for C++; thread_local would be shared by
// every greenlet of a thread.
//
//   gevent::Local<RequestContext> ctx;
//   gevent::spawn([&] {
//     ctx->user = "alice";               // this greenlet's own RequestContext
//     handle();                          // code deeper down reads ctx->user
//   });
//
// The thread's main stack counts as one greenlet (its values live as long as
// the hub). A Local may be destroyed before the greenlets that used it: their
// values are still destroyed when they end.

#ifndef GEVENT_HUB_LOCAL_H_
#define GEVENT_HUB_LOCAL_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "gevent/hub/hub.h"

namespace gevent {

namespace internal {
uint64_t NextLocalId();
// This greenlet's storage (made on first use).
LocalStorage& CurrentLocals();

template <typename T>
struct LocalValueOf : LocalValue {
  template <typename... Args>
  explicit LocalValueOf(Args&&... args) : value(std::forward<Args>(args)...) {}
  T value;
};
}  // namespace internal

template <typename T>
class Local {
 public:
  // Each greenlet's value starts as T().
  Local() : id_(internal::NextLocalId()) {}
  // Each greenlet's value starts as make().
  explicit Local(absl::AnyInvocable<T() const> make)
      : id_(internal::NextLocalId()), make_(std::move(make)) {}
  Local(const Local&) = delete;
  Local& operator=(const Local&) = delete;

  // The current greenlet's value, made on first use.
  T& get() {
    internal::LocalStorage& s = internal::CurrentLocals();
    if (internal::LocalValue* v = s.Find(id_)) {
      return static_cast<internal::LocalValueOf<T>*>(v)->value;
    }
    auto made = make_ ? std::make_unique<internal::LocalValueOf<T>>(make_())
                      : std::make_unique<internal::LocalValueOf<T>>();
    T& ref = made->value;
    s.Add(id_, std::move(made));
    return ref;
  }
  void set(T value) { get() = std::move(value); }
  T* operator->() { return &get(); }
  T& operator*() { return get(); }
  // Whether the current greenlet has made its value yet.
  bool has_value() const {
    return internal::CurrentLocals().Find(id_) != nullptr;
  }

 private:
  uint64_t id_;
  absl::AnyInvocable<T() const> make_;
};

}  // namespace gevent

#endif  // GEVENT_HUB_LOCAL_H_
