// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/io/buffered.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "absl/time/clock.h"
#include "gevent/hub/greenlet.h"
#include "gevent/io/internal/test_util.h"

namespace gevent {
namespace {

class BufferedTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(BufferedTest, ReadlineSplitsLinesAcrossSegments) {
  auto [a, b] = testing::TcpPair();
  auto writer = spawn([&] {
    for (const char* part : {"first li", "ne\nsecond\nthi", "rd"}) {
      ASSERT_TRUE(a.sendall(part).ok());
      sleep(absl::Milliseconds(2));
    }
    ASSERT_TRUE(a.shutdown(SHUT_WR).ok());
  });
  BufferedReader in(b, /*buffer_size=*/4);
  EXPECT_EQ(*in.readline(), "first line\n");
  EXPECT_EQ(*in.readline(), "second\n");
  EXPECT_EQ(*in.readline(), "third");  // EOF ends the last line
  EXPECT_EQ(*in.readline(), "");
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(BufferedTest, ReadlineLongerThanTheLimitKeepsTheBytes) {
  auto [a, b] = testing::TcpPair();
  ASSERT_TRUE(a.sendall("0123456789abcdef\n").ok());
  BufferedReader in(b);
  absl::StatusOr<std::string> line = in.readline(/*max_length=*/8);
  EXPECT_EQ(line.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GE(in.buffered(), 8u);
  EXPECT_EQ(*in.readline(100), "0123456789abcdef\n");  // nothing was lost
}

TEST_F(BufferedTest, ReadExactlyAndEarlyEof) {
  auto [a, b] = testing::TcpPair();
  ASSERT_TRUE(a.sendall("headerBODY").ok());
  BufferedReader in(b);
  EXPECT_EQ(*in.read_exactly(6), "header");
  ASSERT_TRUE(a.shutdown(SHUT_WR).ok());
  absl::StatusOr<std::string> more = in.read_exactly(10);
  EXPECT_EQ(more.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(in.peek(), "BODY");
  EXPECT_EQ(*in.read(100), "BODY");
  EXPECT_EQ(*in.read(100), "");
}

TEST_F(BufferedTest, TimeoutBoundsTheWholeCallAndKeepsWhatCame) {
  auto [a, b] = testing::TcpPair();
  ASSERT_TRUE(a.sendall("partial").ok());
  BufferedReader in(b);
  absl::StatusOr<std::string> line = in.readline(100, absl::Milliseconds(30));
  EXPECT_EQ(line.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(in.peek(), "partial");
}

// A hub slower than a slowloris's bytes (here a greenlet holds the thread past
// the reader's deadline before each byte) has each byte and the deadline's
// timer due in the same loop iteration, and the byte wins the wake. The call
// must still end at its deadline, not go on as long as bytes trickle in.
TEST_F(BufferedTest, TimeoutHoldsWhileBytesTrickleInFasterThanTheHubLoops) {
  auto [a, b] = testing::TcpPair();
  constexpr absl::Duration kTimeout = absl::Milliseconds(10);
  auto writer = spawn([&] {
    for (int i = 0; i < 20; ++i) {
      absl::SleepFor(2 * kTimeout);  // holds the hub past the deadline
      if (!a.sendall("x").ok()) return;
      sleep(absl::Nanoseconds(1));  // ready again after the reader's wake
    }
    (void)a.sendall("\n");
  });
  BufferedReader in(b);
  absl::StatusOr<std::string> line = in.readline(100, kTimeout);
  EXPECT_EQ(line.status().code(), absl::StatusCode::kDeadlineExceeded)
      << (line.ok() ? "got the whole line: " + *line : "");
  EXPECT_EQ(in.peek(), "x");  // the byte that raced the deadline, and no more
  ASSERT_TRUE(writer.join().ok());
}

TEST_F(BufferedTest, PastItsDeadlineACallTakesWhatIsThereWithoutWaiting) {
  auto [a, b] = testing::TcpPair();
  const std::string line = std::string(100, 'y') + "\n";
  ASSERT_TRUE(a.sendall(line).ok());
  sleep(absl::Milliseconds(10));  // all of it is here (loopback)
  // 13 recvs, all of them after the deadline.
  BufferedReader in(b, /*buffer_size=*/8);
  EXPECT_EQ(*in.readline(1000, absl::ZeroDuration()), line);
  absl::StatusOr<std::string> none = in.readline(1000, absl::ZeroDuration());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(BufferedTest, WriterGathersUntilFlush) {
  auto [a, b] = testing::TcpPair();
  BufferedWriter out(a, /*buffer_size=*/16);
  ASSERT_TRUE(out.write("abc").ok());
  ASSERT_TRUE(out.write("def").ok());
  EXPECT_EQ(out.buffered(), 6u);
  EXPECT_EQ(b.recv(10, absl::Milliseconds(10)).status().code(),
            absl::StatusCode::kDeadlineExceeded);  // nothing sent yet
  ASSERT_TRUE(out.flush().ok());
  EXPECT_EQ(*b.recv(10), "abcdef");
  const std::string big = testing::Payload(1000);
  ASSERT_TRUE(out.write("x").ok());
  ASSERT_TRUE(out.write(big).ok());  // overflows: both go out, in order
  EXPECT_EQ(out.buffered(), 0u);
  BufferedReader in(b);
  EXPECT_EQ(*in.read_exactly(1001), "x" + big);
}

TEST_F(BufferedTest, FlushToAClosedPeerFails) {
  auto [a, b] = testing::TcpPair();
  ASSERT_TRUE(b.close().ok());
  BufferedWriter out(a);
  absl::Status s;
  for (int i = 0; i < 100 && s.ok(); ++i) {
    s = out.write(testing::Payload(4096));
    if (s.ok()) s = out.flush();
    sleep(absl::Milliseconds(1));
  }
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace gevent
