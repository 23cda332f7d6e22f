// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// Linking //io:monkey alone changes nothing: until patch_all() every call is
// libc's, in greenlets too.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/internal/monkey_state.h"
#include "gevent/io/internal/test_util.h"
#include "gevent/io/monkey.h"

namespace gevent {
namespace {

class MonkeyUnpatchedTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(MonkeyUnpatchedTest, NotPatchedUntilAsked) {
  EXPECT_FALSE(monkey::is_patched());
}

TEST_F(MonkeyUnpatchedTest, SleepsBlockTheThread) {
  const absl::Time start = absl::Now();
  std::vector<Greenlet<int>> sleepers;
  for (int i = 0; i < 3; ++i) {
    sleepers.push_back(spawn([] { return usleep(100'000); }));
  }
  ASSERT_TRUE(joinall(sleepers).ok());
  // One after another: the thread slept in each.
  EXPECT_GE(absl::ToDoubleSeconds(absl::Now() - start), 0.29);
}

TEST_F(MonkeyUnpatchedTest, SocketsKeepTheirFlagsAndErrorsAreLibcs) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_TRUE(spawn([&] {
                ASSERT_EQ(write(sv[1], "x", 1), 1);
                char c;
                EXPECT_EQ(recv(sv[0], &c, 1, 0), 1);
                EXPECT_EQ(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
                EXPECT_EQ(
                    monkey::internal::libc().fcntl(sv[0], F_GETFL) & O_NONBLOCK,
                    0);
                errno = 0;
                EXPECT_EQ(read(-1, &c, 1), -1);
                EXPECT_EQ(errno, EBADF);
              })
                  .join()
                  .ok());
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace gevent
