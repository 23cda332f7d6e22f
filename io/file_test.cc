// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Files and pipes on every backend: regular files go through io_uring on that
// backend and through the thread pool on the others; either way the hub keeps
// running other greenlets.

#include "gevent/io/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/internal/test_util.h"

namespace gevent {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/file_test_", getpid());
    ::mkdir(dir_.c_str(), 0700);
  }
  void TearDown() override {
    ::unlink(Path("f").c_str());
    ::rmdir(dir_.c_str());
  }
  std::string Path(const char* name) const {
    return absl::StrCat(dir_, "/", name);
  }
  testing::LeakCheck leaks_;
  std::string dir_;
};

TEST_F(FileTest, WriteThenReadBackARegularFile) {
  const std::string data = testing::Payload(3 << 20);
  {
    absl::StatusOr<File> f =
        File::Open(Path("f"), O_WRONLY | O_CREAT | O_TRUNC);
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_FALSE(f->pollable());
    ASSERT_TRUE(f->write_all(data).ok());
    ASSERT_TRUE(f->sync().ok());
  }
  absl::StatusOr<File> f = File::Open(Path("f"));
  ASSERT_TRUE(f.ok());
  absl::StatusOr<std::string> back = f->read_all();
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(testing::Checksum(*back), testing::Checksum(data));
  std::string part(10, '\0');
  absl::StatusOr<size_t> n = f->pread_into(absl::MakeSpan(part), 1000);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(part, data.substr(1000, 10));
  EXPECT_EQ(*f->read(10), "");  // still at EOF: pread did not move it
}

TEST_F(FileTest, OtherGreenletsRunDuringFileIo) {
  absl::StatusOr<File> f = File::Open(Path("f"), O_RDWR | O_CREAT | O_TRUNC);
  ASSERT_TRUE(f.ok());
  int ticks = 0;
  auto ticker = spawn([&] {
    for (int i = 0; i < 3; ++i) {
      ++ticks;
      sleep(absl::ZeroDuration());
    }
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(f->pwrite(testing::Payload(4096), i * 4096).ok());
  }
  ASSERT_TRUE(ticker.join().ok());
  EXPECT_EQ(ticks, 3);
}

TEST_F(FileTest, PipeBetweenGreenlets) {
  absl::StatusOr<std::pair<File, File>> p = pipe();
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->first.pollable());
  const std::string data = testing::Payload(1 << 20);  // more than a pipe holds
  auto writer = spawn([&] {
    ASSERT_TRUE(p->second.write_all(data).ok());
    ASSERT_TRUE(p->second.close().ok());
  });
  absl::StatusOr<std::string> got = p->first.read_all();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(testing::Checksum(*got), testing::Checksum(data));
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(FileTest, EventfdIsWaitedOnThroughTheHub) {
  absl::StatusOr<File> f = File::FromFd(::eventfd(0, EFD_CLOEXEC));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->pollable());
  auto writer = spawn([&] {
    sleep(absl::Milliseconds(5));
    const uint64_t one = 1;
    ASSERT_TRUE(f->write(std::string_view(reinterpret_cast<const char*>(&one),
                                          sizeof(one)))
                    .ok());
  });
  absl::StatusOr<std::string> got = f->read(8);  // parks until the write
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), 8u);
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(FileTest, ClosingAPipeWakesItsReader) {
  absl::StatusOr<std::pair<File, File>> p = pipe();
  ASSERT_TRUE(p.ok());
  absl::Status seen;
  auto reader = spawn([&] { seen = p->first.read(10).status(); });
  sleep(absl::Milliseconds(5));
  ASSERT_TRUE(p->first.close().ok());
  ASSERT_TRUE(reader.join(absl::Seconds(5)).ok());
  EXPECT_EQ(seen.code(), absl::StatusCode::kCancelled) << seen;
}

TEST_F(FileTest, KillDuringAPipeReadLeavesNothing) {
  absl::StatusOr<std::pair<File, File>> p = pipe();
  ASSERT_TRUE(p.ok());
  auto reader = spawn([&] { (void)p->first.read(10); });
  sleep(absl::Milliseconds(5));
  ASSERT_TRUE(reader.kill(absl::Seconds(5)).ok());
  EXPECT_EQ(Hub::current().backend().pending(), 0u);
}

TEST_F(FileTest, BadPathsAndFdsAreClearErrors) {
  absl::StatusOr<File> missing = File::Open(Path("no/such/file"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "no/such/file"));
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "ENOENT"));
  EXPECT_EQ(File::Open(std::string("a\0b", 3)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(File::FromFd(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<File> ro = File::Open("/proc/self/status");
  ASSERT_TRUE(ro.ok());
  absl::Status w = ro->write_all("x");
  EXPECT_FALSE(w.ok());
  EXPECT_TRUE(absl::StrContains(w.message(), "EBADF") ||
              absl::StrContains(w.message(), "EINVAL") ||
              absl::StrContains(w.message(), "EACCES"))
      << w;
  File closed;
  EXPECT_EQ(closed.read(1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::string buf(4, '\0');
  EXPECT_EQ(ro->pread_into(absl::MakeSpan(buf), -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ro->pwrite("x", -1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Ownership: a File belongs to the hub of the thread that first used it.

TEST_F(FileTest, AFileRefusesCallsFromAnotherThread) {
  absl::StatusOr<std::pair<File, File>> p = pipe();
  ASSERT_TRUE(p.ok());
  auto& [r, w] = *p;
  ASSERT_TRUE(w.write_all("a").ok());  // binds w to this thread's hub
  std::vector<absl::Status> statuses;
  std::string released;
  testing::RunOnAnotherThread([&] {
    statuses.push_back(w.write("b").status());
    statuses.push_back(w.write_all("c"));
    statuses.push_back(w.sync());
    statuses.push_back(w.close());
    released = testing::ThrownMisuse([&] { (void)w.release(); });
  });
  ASSERT_EQ(statuses.size(), 4u);
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(testing::IsWrongThread(s));
  }
  EXPECT_TRUE(absl::StrContains(statuses[0].message(),
                                "File::write: this File belongs to "
                                "another thread's hub"))
      << statuses[0];
  EXPECT_TRUE(absl::StrContains(released, testing::kWrongThread)) << released;
  ASSERT_TRUE(w.is_open());
  ASSERT_TRUE(w.close().ok());
  EXPECT_EQ(*r.read_all(), "a");  // nothing got in from there
}

TEST_F(FileTest, AFileMovedToAnotherThreadWorksThere) {
  absl::StatusOr<std::pair<File, File>> p = pipe();
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->second.write_all("used here first").ok());
  std::string got;
  testing::RunOnAnotherThread([&] {
    File r = std::move(p->first);
    File w = std::move(p->second);  // used here: the move hands it over
    EXPECT_TRUE(w.write_all(", then there").ok());
    EXPECT_TRUE(w.close().ok());
    absl::StatusOr<std::string> all = r.read_all();
    got = all.ok() ? *all : all.status().ToString();
  });
  EXPECT_EQ(got, "used here first, then there");
}

}  // namespace
}  // namespace gevent
