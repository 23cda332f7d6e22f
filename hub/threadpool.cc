// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/threadpool.h"

#include <stdexcept>

namespace gevent {

ThreadPool::ThreadPool(size_t max_threads) : max_threads_(max_threads) {
  if (max_threads == 0) {
    throw std::invalid_argument("ThreadPool: max_threads must be at least 1");
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

size_t ThreadPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_.size();
}

void ThreadPool::Submit(std::shared_ptr<internal::ThreadJob> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
    if (idle_ == 0 && threads_.size() < max_threads_) {
      threads_.emplace_back([this] { Worker(); });
    }
  }
  cv_.notify_one();
}

void ThreadPool::Worker() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, and nothing left to run
    std::shared_ptr<internal::ThreadJob> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job->Run();
    std::shared_ptr<internal::Mailbox> mailbox = job->mailbox;
    // Back to the caller's thread: the hub wakes from its backend wait. If the
    // hub has gone meanwhile (its caller was killed, its thread ended) the
    // mailbox is closed and the result is dropped.
    mailbox->Post([job = std::move(job)] {
      job->done = true;
      if (job->waiter) job->hub->Wake(*job->waiter);
      job->hub->remove_external_work();
    });
    lock.lock();
  }
}

void ThreadPool::Await(const std::shared_ptr<internal::ThreadJob>& job) {
  Hub& hub = Hub::current();
  internal::Record* r = hub.CurrentRecord();
  job->hub = &hub;
  job->mailbox = hub.mailbox();
  hub.add_external_work();  // the hub waits for the post instead of LoopExit
  Submit(job);
  while (!job->done) {
    internal::Waiter w(RawGreenlet::current(), r);
    w.what = "ThreadPool job";
    job->waiter = &w;
    try {
      hub.Park(w);
    } catch (...) {
      job->waiter = nullptr;  // the call runs on; its result is dropped
      throw;
    }
    job->waiter = nullptr;
  }
}

}  // namespace gevent
