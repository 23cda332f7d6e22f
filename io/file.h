// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// file.h
//
// A File reads and writes an fd without blocking the hub: pipes, terminals
// and sockets are waited on through the hub like sockets; regular files,
// which never report "not ready", are read and written by io_uring when the
// program is built with that backend, and on a thread pool otherwise.
// gevent.fileobject for C++.
//
//   absl::StatusOr<gevent::File> f =
//       gevent::File::Open("/tmp/photo.jpg", O_WRONLY | O_CREAT | O_TRUNC);
//   absl::Status s = f->write_all(bytes);    // other greenlets keep running
//
//   auto [r, w] = *gevent::pipe();           // a cooperative pipe
//
// Failures are statuses with the errno text. Killing a greenlet during a
// thread-pool read or write is safe (the call finishes on its thread into its
// own buffer and is dropped) but the file position may have moved.
//
// Not thread-safe: a File belongs to the hub of the thread that first reads,
// writes or syncs it, and from then on every call from another thread returns
// FailedPrecondition without touching it (release() throws WrongThreadError;
// fileno(), is_open() and pollable() only read). Until then it may go to any
// thread, and moving it hands it over: the new File binds at its next use.

#ifndef GEVENT_IO_FILE_H_
#define GEVENT_IO_FILE_H_

#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gevent/hub/internal/owner.h"

namespace gevent {

class File {
 public:
  File() = default;  // not open
  // Closes the fd. Unchecked: destroy a File on its own thread, or once its
  // greenlets are done with it.
  ~File();
  // Hands the file over: the new one binds at its next use.
  File(File&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        pollable_(other.pollable_),
        fifo_(other.fifo_) {
    other.owner_.Release();
  }
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // open(2) on a pool thread (opening can block on a slow disk). The errno
  // text, with the path, on failure.
  static absl::StatusOr<File> Open(std::string_view path, int flags = O_RDONLY,
                                   mode_t mode = 0644);
  // Takes ownership of an open fd; a pipe, terminal, socket or anonymous
  // inode (eventfd, signalfd, timerfd) is made non-blocking. InvalidArgument
  // (fd untouched) when `fd` is not open.
  static absl::StatusOr<File> FromFd(int fd);

  bool is_open() const { return fd_ >= 0; }
  int fileno() const { return fd_; }
  // True for fds waited on through the hub (all but regular files, block
  // devices and directories).
  bool pollable() const { return pollable_; }
  // Gives up ownership without closing; the File is then free for any thread.
  int release() {
    if (ABSL_PREDICT_FALSE(!owner_.here())) {
      owner_.Throw("File::release", "File");
    }
    owner_.Release();
    return std::exchange(fd_, -1);
  }

  // Up to buf.size() bytes at the file position; 0 at EOF. Blocks.
  absl::StatusOr<size_t> read_into(absl::Span<char> buf);
  // Up to `max_bytes`; "" at EOF. Blocks.
  absl::StatusOr<std::string> read(size_t max_bytes);
  // Everything up to EOF. Blocks.
  absl::StatusOr<std::string> read_all();
  // Writes some of `data` at the file position; returns how many. Blocks.
  absl::StatusOr<size_t> write(std::string_view data);
  // Writes all of `data`; on failure the message says how much was written.
  absl::Status write_all(std::string_view data);
  // At `offset`, not moving the file position (regular files only).
  absl::StatusOr<size_t> pread_into(absl::Span<char> buf, int64_t offset);
  absl::StatusOr<size_t> pwrite(std::string_view data, int64_t offset);
  // fsync(2), on a pool thread. Blocks.
  absl::Status sync();
  // Closes now; greenlets waiting on the fd wake with an error.
  absl::Status close();

 private:
  friend absl::StatusOr<std::pair<File, File>> pipe();
  File(int fd, bool pollable) : fd_(fd), pollable_(pollable) {}
  absl::StatusOr<size_t> Transfer(bool write, char* buf, size_t len,
                                  int64_t offset, const char* what);
  // The ownership check, first thing in every call: FailedPrecondition for
  // File::`what` from a thread whose hub does not own this file. Enter binds
  // it at its first use; Check does not.
  absl::Status Enter(const char* what);
  absl::Status Check(const char* what) const;

  int fd_ = -1;
  bool pollable_ = false;
  bool fifo_ = false;      // a pipe: a byte stream (see IoOp::stream)
  internal::Owner owner_;  // unbound until the first use; a move unbinds
};

// A cooperative pipe: {read end, write end}, both non-blocking, close-on-exec.
absl::StatusOr<std::pair<File, File>> pipe();

}  // namespace gevent

#endif  // GEVENT_IO_FILE_H_
