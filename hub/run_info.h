// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// run_info.h
//
// What every greenlet of a hub is doing: its state, what it waits on, who
// spawned it and when, and where it is suspended (a stack trace from its
// frame pointers). On demand, like gevent.util.format_run_info, or on a
// signal, like Go's SIGQUIT dump (but the program goes on).
//
//   std::fputs(gevent::format_run_info().c_str(), stderr);
//   gevent::dump_on_signal();  // `kill -QUIT <pid>`: every hub prints its own
//   // or GEVENT_DUMP_ON_SIGQUIT=1 in the environment
//
// gdb can do the same for a process it has stopped, or a core dump: see
// tools/gdb/gevent_gdb.py.

#ifndef GEVENT_HUB_RUN_INFO_H_
#define GEVENT_HUB_RUN_INFO_H_

#include <signal.h>

#include <string>

#include "absl/status/status.h"

namespace gevent {

// The calling thread's hub and its greenlets, as text. Call it from a
// greenlet or the thread's own code (the greenlets of another thread cannot
// be read while they may run).
std::string format_run_info();
// format_run_info() to stderr.
void print_run_info();

// From now on `signal` (SIGQUIT unless told) makes every hub of the process
// print its run info to stderr the next time it comes round its loop (a hub
// held by a greenlet that never yields prints nothing: the monitor thread
// reports that one). InvalidArgument for a signal that cannot be caught.
// Calling it again for the same signal is harmless.
absl::Status dump_on_signal(int signal = SIGQUIT);

}  // namespace gevent

#endif  // GEVENT_HUB_RUN_INFO_H_
