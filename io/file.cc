// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/threadpool.h"
#include "gevent/io/internal/errors.h"
#include "gevent/io/internal/fd.h"

namespace gevent {

namespace {

// Threads for regular-file calls on readiness backends (gevent's default
// pool size).
constexpr size_t kFileThreads = 10;

ThreadPool& FileThreadPool() {
  static ThreadPool* pool = new ThreadPool(kFileThreads);
  return *pool;
}

// Pipes, sockets, terminals and anonymous inodes (eventfd, signalfd, timerfd)
// report readiness; regular files, block devices and directories do not.
bool IsPollable(mode_t mode) {
  return !(S_ISREG(mode) || S_ISBLK(mode) || S_ISDIR(mode));
}

// An fd (or -errno) made on a pool thread: closed there if its caller was
// killed and nobody takes it.
struct OwnedFd {
  explicit OwnedFd(int f) : fd(f) {}
  OwnedFd(OwnedFd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  OwnedFd& operator=(OwnedFd&&) = delete;
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
  int take() { return std::exchange(fd, -1); }
  int fd;
};

}  // namespace

File::~File() {
  if (fd_ >= 0) (void)internal::CloseWakingWaiters(std::exchange(fd_, -1));
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) (void)internal::CloseWakingWaiters(std::exchange(fd_, -1));
    fd_ = std::exchange(other.fd_, -1);
    pollable_ = other.pollable_;
    fifo_ = other.fifo_;
    owner_.Release();
    other.owner_.Release();
  }
  return *this;
}

absl::Status File::Enter(const char* what) {
  if (ABSL_PREDICT_TRUE(owner_.Bind() != nullptr)) return absl::OkStatus();
  return owner_.Error(absl::StrCat("File::", what), "File");
}

absl::Status File::Check(const char* what) const {
  if (ABSL_PREDICT_TRUE(owner_.here())) return absl::OkStatus();
  return owner_.Error(absl::StrCat("File::", what), "File");
}

absl::StatusOr<File> File::Open(std::string_view path, int flags, mode_t mode) {
  if (path.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("File::Open: path contains a NUL byte");
  }
  std::string p(path);
  OwnedFd opened = FileThreadPool().apply([p, flags, mode] {
    int fd = ::open(p.c_str(), flags | O_CLOEXEC, mode);
    return OwnedFd(fd >= 0 ? fd : -errno);
  });
  if (opened.fd < 0) {
    return internal::ErrnoStatus(
        -opened.fd, absl::StrCat("open '", internal::Sv(path), "'"), -1);
  }
  const int fd = opened.take();
  absl::StatusOr<File> f = FromFd(fd);
  if (!f.ok()) ::close(fd);
  return f;
}

absl::StatusOr<File> File::FromFd(int fd) {
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("File::FromFd(", fd, "): not an open fd"));
  }
  const bool pollable = IsPollable(st.st_mode);
  const bool fifo = S_ISFIFO(st.st_mode);
  if (pollable) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
      return internal::ErrnoStatus(errno, "File::FromFd: fcntl", fd);
    }
  }
  File f(fd, pollable);
  f.fifo_ = fifo;
  return f;
}

absl::StatusOr<size_t> File::Transfer(bool write, char* buf, size_t len,
                                      int64_t offset, const char* what) {
  if (absl::Status s = Enter(what); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus(what);
  const int fd = fd_;
  Hub& hub = *owner_.hub();
  if (pollable_ || hub.backend().completes_file_io()) {
    for (;;) {
      IoOp op;
      op.kind = write ? IoOp::Kind::kWrite : IoOp::Kind::kRead;
      op.fd = fd;
      op.buf = buf;
      op.len = len;
      op.offset = offset;
      op.stream = fifo_;
      int64_t r = hub.Io(op, -1);
      if (r == -EINTR) continue;
      if (r == -EAGAIN && pollable_) {
        // io_uring hands EAGAIN back for O_NONBLOCK pipes: wait, then retry.
        IoOp wait;
        wait.kind =
            write ? IoOp::Kind::kWaitWritable : IoOp::Kind::kWaitReadable;
        wait.fd = fd;
        r = hub.Io(wait, -1);
        if (r >= 0) continue;
      }
      if (r >= 0) return static_cast<size_t>(r);
      if (r == -EBADF && fd_ != fd) {
        return internal::ClosedWhileWaitingStatus(what, fd);
      }
      return internal::ErrnoStatus(static_cast<int>(-r), what, fd);
    }
  }
  // A regular file on a readiness backend: a pool thread does the syscall on
  // a duplicate of the fd and on buffers it owns, so a killed caller (whose
  // File may close meanwhile) leaves nothing dangling.
  auto dup = std::make_shared<OwnedFd>(::dup(fd));
  if (dup->fd < 0) return internal::ErrnoStatus(errno, what, fd);
  int64_t r;
  if (write) {
    r = FileThreadPool().apply(
        [dup, data = std::string(buf, len), offset]() -> int64_t {
          return internal::ErrnoResult(
              offset >= 0 ? ::pwrite(dup->fd, data.data(), data.size(), offset)
                          : ::write(dup->fd, data.data(), data.size()));
        });
  } else {
    auto data = FileThreadPool().apply([dup, len, offset] {
      auto out = std::make_pair(std::string(len, '\0'), int64_t{0});
      out.second = internal::ErrnoResult(
          offset >= 0 ? ::pread(dup->fd, out.first.data(), len, offset)
                      : ::read(dup->fd, out.first.data(), len));
      return out;
    });
    r = data.second;
    if (r > 0) data.first.copy(buf, static_cast<size_t>(r));
  }
  if (r < 0) return internal::ErrnoStatus(static_cast<int>(-r), what, fd);
  return static_cast<size_t>(r);
}

absl::StatusOr<size_t> File::read_into(absl::Span<char> buf) {
  return Transfer(false, buf.data(), buf.size(), -1, "read");
}

absl::StatusOr<std::string> File::read(size_t max_bytes) {
  if (absl::Status s = Enter("read"); !s.ok()) return s;
  std::string out(max_bytes, '\0');
  absl::StatusOr<size_t> n = read_into(absl::MakeSpan(out));
  if (!n.ok()) return n.status();
  out.resize(*n);
  return out;
}

absl::StatusOr<std::string> File::read_all() {
  if (absl::Status s = Enter("read_all"); !s.ok()) return s;
  std::string out;
  constexpr size_t kChunk = 64 * 1024;
  for (;;) {
    const size_t used = out.size();
    out.resize(used + kChunk);
    absl::StatusOr<size_t> n =
        Transfer(false, out.data() + used, kChunk, -1, "read");
    if (!n.ok()) return n.status();
    out.resize(used + *n);
    if (*n == 0) return out;
  }
}

absl::StatusOr<size_t> File::write(std::string_view data) {
  return Transfer(true, const_cast<char*>(data.data()), data.size(), -1,
                  "write");
}

absl::Status File::write_all(std::string_view data) {
  if (absl::Status s = Enter("write_all"); !s.ok()) return s;
  size_t done = 0;
  while (done < data.size()) {
    absl::StatusOr<size_t> n = write(data.substr(done));
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          absl::StrCat(n.status().message(), " after writing ",
                                       done, " of ", data.size(), " bytes"));
    }
    done += *n;
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> File::pread_into(absl::Span<char> buf, int64_t offset) {
  if (absl::Status s = Enter("pread"); !s.ok()) return s;
  if (offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pread: negative offset ", offset));
  }
  return Transfer(false, buf.data(), buf.size(), offset, "pread");
}

absl::StatusOr<size_t> File::pwrite(std::string_view data, int64_t offset) {
  if (absl::Status s = Enter("pwrite"); !s.ok()) return s;
  if (offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pwrite: negative offset ", offset));
  }
  return Transfer(true, const_cast<char*>(data.data()), data.size(), offset,
                  "pwrite");
}

absl::Status File::sync() {
  if (absl::Status s = Enter("sync"); !s.ok()) return s;
  if (fd_ < 0) return internal::ClosedStatus("sync");
  const int fd = fd_;
  auto dup = std::make_shared<OwnedFd>(::dup(fd));
  if (dup->fd < 0) return internal::ErrnoStatus(errno, "fsync", fd);
  const int64_t r = FileThreadPool().apply(
      [dup]() -> int64_t { return internal::ErrnoResult(::fsync(dup->fd)); });
  if (r < 0) return internal::ErrnoStatus(static_cast<int>(-r), "fsync", fd);
  return absl::OkStatus();
}

absl::Status File::close() {
  if (absl::Status s = Check("close"); !s.ok()) return s;
  if (fd_ < 0) return absl::OkStatus();
  return internal::CloseWakingWaiters(std::exchange(fd_, -1));
}

absl::StatusOr<std::pair<File, File>> pipe() {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    return internal::ErrnoStatus(errno, "pipe", -1);
  }
  std::pair<File, File> p(File(fds[0], true), File(fds[1], true));
  p.first.fifo_ = p.second.fifo_ = true;
  return p;
}

}  // namespace gevent
