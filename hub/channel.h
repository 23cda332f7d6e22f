// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// channel.h
//
// A Channel is a rendezvous: put() parks until a getter takes the item, get()
// parks until a putter offers one. Nothing is ever buffered, so a put that
// returns OK means the item is in a getter's hands. Go's unbuffered channel.
//
//   gevent::Channel<int> ch;
//   auto consumer = gevent::spawn([&] {
//     for (int v : ch) total += v;       // until ch.close()
//   });
//   for (int i = 0; i < 10; ++i) ch.put(i).IgnoreError();  // each waits for a
//   get ch.close();
//
// Results as for Queue (queue.h). Not thread-safe: like a Queue, a channel
// belongs to the hub of the thread that first uses it, and calls from other
// threads fail (FailedPrecondition, or WrongThreadError) without touching it.

#ifndef GEVENT_HUB_CHANNEL_H_
#define GEVENT_HUB_CHANNEL_H_

#include "gevent/hub/queue.h"

namespace gevent {

template <typename T>
class Channel : public BasicQueue<T, internal::FifoContainer<T>> {
 public:
  Channel() : BasicQueue<T, internal::FifoContainer<T>>(0) {}
};

}  // namespace gevent

#endif  // GEVENT_HUB_CHANNEL_H_
