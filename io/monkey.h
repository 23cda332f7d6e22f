// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// monkey.h
//
// gevent's monkey.patch_all() for C and C++: after patch_all(), code written
// against plain blocking POSIX calls (and libraries built on them, such as
// libcurl's easy interface or hiredis) cooperates when it runs in a greenlet.
// A blocking recv() parks the greenlet instead of the thread; sleep(1) lets
// the others run; getaddrinfo runs on a thread pool.
//
//   int main() {
//     gevent::monkey::patch_all();
//     gevent::Pool pool(200);
//     for (const std::string& url : urls) {
//       pool.spawn([url] { fetch_with_curl_easy(url); });  // unmodified code
//     }
//     pool.join();
//   }
//
// How: libc's functions are interposed by symbol (the way libco, libgo and
// Photon hook them): read, write, readv, writev, recv, recvfrom, recvmsg,
// send, sendto, sendmsg, connect, accept, accept4, poll, ppoll, select,
// epoll_wait, sleep, usleep, nanosleep, clock_nanosleep, getaddrinfo, close,
// fcntl, ioctl, setsockopt, socket, socketpair, dup, dup2, dup3. Linking this
// target alone changes nothing: until patch_all() each is libc's own.
//
// What a patched call does:
// - In a greenlet (or the thread's main context once it has a hub), on a
//   socket the caller uses in blocking mode: the socket is made non-blocking
//   for real, libc's call is retried around readiness waits on the hub, and
//   the caller still sees a blocking socket (fcntl(F_GETFL) and FIONBIO keep
//   its view). A blocking send moves every byte, as libc's does. SO_RCVTIMEO
//   and SO_SNDTIMEO set by the caller are timeouts (EAGAIN; EINPROGRESS for
//   connect), as in libc.
// - On a pipe, terminal or eventfd the process did not make non-blocking, a
//   greenlet waits for readiness on the hub, then makes libc's call.
// - poll/ppoll/select/epoll_wait with a timeout park the greenlet until an fd
//   may be ready; libc then says what is (ppoll's signal mask is not applied).
//   The sleeps park it for the time asked.
// - close() (and dup2 over an open fd) wakes greenlets waiting on that fd:
//   their call fails with EBADF.
// - Outside greenlets (a thread with no hub, the hub's own loop), on an fd the
//   caller made non-blocking, on MSG_DONTWAIT, or on a regular file, each is
//   exactly libc's call, errno included. A socket a greenlet made non-blocking
//   still blocks for a plain thread (it waits in poll(2)).
// - dup/dup2/dup3/F_DUPFD copy what is known of the fd (the copy names the
//   same file, so it shares O_NONBLOCK); in a greenlet a blocking socket is
//   switched first, so both agree.
// - In the child of fork() nothing is a greenlet (its hub shares the
//   parent's epoll or io_uring instance): every call is libc's, except that a
//   socket made non-blocking under a blocking caller still blocks.
//
// Limits: a socket shared with another process (inherited, passed over a
// Unix socket, or handed to an exec'd child) that a greenlet used in blocking
// mode is non-blocking for that process too, as with gevent. An fd closed
// behind libc's back (fclose of an fdopen'd socket) leaves stale knowledge
// that F_GETFL corrects.
//
// Killing a greenlet (or a gevent::Timeout) inside a patched call raises
// GreenletExit (Timeout) there, which unwinds through the C library that made
// the call without running its cleanup: that library's handle must not be
// used again. Prefer the library's own timeouts, or SO_RCVTIMEO.

#ifndef GEVENT_IO_MONKEY_H_
#define GEVENT_IO_MONKEY_H_

#include <string_view>
#include <vector>

namespace gevent::monkey {

// Turns the interposed calls on for the whole process (every thread; there is
// no unpatch, as in gevent). Returns the names of the functions it patched.
// Calling it again is harmless and returns the same list. Thread-safe.
std::vector<std::string_view> patch_all();

// Whether patch_all() has run.
bool is_patched();

}  // namespace gevent::monkey

#endif  // GEVENT_IO_MONKEY_H_
