// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Where io_uring cannot start, MakeBackend() says so and falls back to epoll.
// The child process forbids io_uring_setup with seccomp (ENOSYS, as on a kernel
// without io_uring), so the real fallback path runs.

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gevent/backends/backend.h"

namespace gevent {
namespace {

void ForbidIoUring() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K,
               SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{
      static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    std::perror("seccomp");
    std::exit(3);
  }
}

TEST(UringBackend, StartsWhereTheKernelHasIoUring) {
  EXPECT_EQ(MakeBackend()->name(), "io_uring");
}

TEST(UringBackendDeathTest, FallsBackToEpollAndSaysSo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ForbidIoUring();
        std::unique_ptr<Backend> b = MakeBackend();
        std::fprintf(stderr, "using %s\n", std::string(b->name()).c_str());
        std::exit(b->name() == "epoll" ? 0 : 1);
      },
      ::testing::ExitedWithCode(0),
      "io_uring is not available here.*falling back to epoll.*\n.*using epoll");
}

}  // namespace
}  // namespace gevent
