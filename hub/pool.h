// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// pool.h
//
// A Group keeps track of greenlets (join them all, kill them all); a Pool is a
// Group with a size: spawn() parks until a slot is free, so at most `size`
// greenlets of the pool run at once. map/imap/imap_unordered run a function
// over inputs through the pool. gevent.pool for C++.
//
//   gevent::Pool pool(20);                // at most 20 downloads at once
//   for (auto& user : users) pool.spawn(download_photos, user);
//   pool.join();
//
//   std::vector<int> lengths = pool.map(fetch_length, urls);        // in order
//   for (int n : pool.imap_unordered(fetch_length, urls)) use(n);   // as done
//
// A member that ends leaves the group (and frees its slot). Not thread-safe: a
// group serves the greenlets of one thread.

#ifndef GEVENT_HUB_POOL_H_
#define GEVENT_HUB_POOL_H_

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/internal/wait_queue.h"
#include "gevent/hub/queue.h"
#include "gevent/hub/semaphore.h"

namespace gevent {

namespace internal {

// Shared with the members' link callbacks, so a Group may go before its
// members.
struct GroupState {
  std::unordered_set<TaskBase*> members;
  WaitQueue emptied;                 // woken whenever a member leaves
  std::unique_ptr<Semaphore> slots;  // a Pool's size

  ~GroupState() {
    for (TaskBase* t : members) t->Release();
  }
};

// One input's outcome, for imap streams.
template <typename R>
struct Outcome {
  std::optional<R> value;
  std::exception_ptr error;
};

}  // namespace internal

// Results of imap/imap_unordered, as they come. Iterating rethrows the first
// error a call raised. Blocks while iterating.
template <typename R>
class ResultStream {
 public:
  class iterator {
   public:
    iterator() = default;
    explicit iterator(Queue<internal::Outcome<R>>* q) : q_(q) { ++*this; }
    R& operator*() { return *current_; }
    iterator& operator++() {
      absl::StatusOr<internal::Outcome<R>> next = q_->get();
      if (!next.ok()) {
        q_ = nullptr;
        current_.reset();
        return *this;
      }
      if (next->error) std::rethrow_exception(next->error);
      current_.emplace(std::move(*next->value));
      return *this;
    }
    bool operator==(const iterator& o) const { return q_ == o.q_; }

   private:
    Queue<internal::Outcome<R>>* q_ = nullptr;
    std::optional<R> current_;
  };

  iterator begin() { return iterator(results_.get()); }
  iterator end() { return iterator(); }

  // The greenlet that feeds the stream; joined (or killed) by the destructor.
  ResultStream(std::shared_ptr<Queue<internal::Outcome<R>>> results,
               Greenlet<void> feeder)
      : results_(std::move(results)), feeder_(std::move(feeder)) {}
  ResultStream(ResultStream&&) = default;
  ~ResultStream() {
    if (feeder_ && !feeder_.dead()) (void)feeder_.kill();
  }

 private:
  std::shared_ptr<Queue<internal::Outcome<R>>> results_;
  Greenlet<void> feeder_;
};

class Group {
 public:
  Group() : state_(std::make_shared<internal::GroupState>()) {}
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  virtual ~Group() = default;

  // Starts fn(args...) as a member. Blocks (in a Pool) until a slot is free.
  template <typename F, typename... Args>
  requires std::is_invocable_v < std::decay_t<F>
  &, std::decay_t<Args>... > auto spawn(F&& fn, Args&&... args) {
    using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>...>;
    if (state_->slots) state_->slots->acquire();
    Greenlet<R> g(std::forward<F>(fn), std::forward<Args>(args)...);
    Track(g.task(), state_->slots != nullptr);
    g.start();
    return g;
  }

  // Adds a greenlet spawned elsewhere (it takes no slot).
  template <typename T>
  void add(const Greenlet<T>& g) {
    if (g && !g.dead() && !state_->members.contains(g.task())) {
      Track(g.task(), false);
    }
  }

  size_t size() const { return state_->members.size(); }
  bool contains(const internal::TaskBase* t) const {
    return state_->members.contains(const_cast<internal::TaskBase*>(t));
  }

  // Parks until every member has ended: OK, or DeadlineExceeded. Blocks.
  absl::Status join(absl::Duration timeout = absl::InfiniteDuration());
  // Kills every member; with `block`, waits up to `timeout` for them to end.
  absl::Status kill(absl::Duration timeout = absl::InfiniteDuration(),
                    bool block = true);

  // fn(input) for every input, through this group (or pool); the results in
  // input order. Rethrows the first error. Blocks.
  template <typename F, typename In>
  auto map(F fn, const std::vector<In>& inputs) {
    using R = std::invoke_result_t<F&, const In&>;
    std::vector<Greenlet<R>> gs;
    gs.reserve(inputs.size());
    for (const In& in : inputs) gs.push_back(spawn(fn, in));
    std::vector<R> out;
    out.reserve(gs.size());
    for (auto& g : gs) out.push_back(g.get());
    return out;
  }

  // As map, but a stream: results come in input order as they are ready.
  template <typename F, typename In>
  auto imap(F fn, std::vector<In> inputs) {
    return Stream(std::move(fn), std::move(inputs), /*ordered=*/true);
  }
  // As imap, but each result comes as soon as its call ends.
  template <typename F, typename In>
  auto imap_unordered(F fn, std::vector<In> inputs) {
    return Stream(std::move(fn), std::move(inputs), /*ordered=*/false);
  }

 protected:
  void Track(internal::TaskBase* t, bool holds_slot);

  template <typename F, typename In>
  auto Stream(F fn, std::vector<In> inputs, bool ordered) {
    using R = std::invoke_result_t<F&, const In&>;
    auto results = std::make_shared<Queue<internal::Outcome<R>>>();
    Greenlet<void> feeder([this, results, ordered, fn = std::move(fn),
                           inputs = std::move(inputs)]() mutable {
      std::vector<Greenlet<R>> gs;
      for (const In& in : inputs) {
        Greenlet<R> g = spawn(fn, in);
        if (!ordered) {
          g.link([results](Greenlet<R>& done) {
            (void)results->put(Collect(done));
          });
        }
        gs.push_back(std::move(g));
      }
      if (ordered) {
        for (auto& g : gs) {
          (void)g.join();
          (void)results->put(Collect(g));
        }
      } else {
        (void)joinall(gs);
      }
      results->close();
    });
    feeder.start();
    return ResultStream<R>(std::move(results), std::move(feeder));
  }

  template <typename R>
  static internal::Outcome<R> Collect(Greenlet<R>& g) {
    internal::Outcome<R> o;
    if (g.exception()) {
      o.error = g.exception();
    } else if (g.killed()) {
      o.error = std::make_exception_ptr(
          GreenletKilled("greenlet '" + g.name() + "' was killed"));
    } else {
      o.value.emplace(g.value());
    }
    return o;
  }

  std::shared_ptr<internal::GroupState> state_;
};

class Pool : public Group {
 public:
  // Throws std::invalid_argument for a size of 0.
  explicit Pool(size_t size);

  size_t pool_size() const { return size_; }
  // Slots free now.
  size_t free_count() const {
    return static_cast<size_t>(std::max(0, state_->slots->counter()));
  }
  // Parks until a slot is free (without taking it): true, or false after
  // `timeout`. Blocks.
  bool wait_available(absl::Duration timeout = absl::InfiniteDuration());

 private:
  size_t size_;
};

}  // namespace gevent

#endif  // GEVENT_HUB_POOL_H_
