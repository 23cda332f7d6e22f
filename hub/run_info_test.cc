// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// format_run_info and dump_on_signal: every greenlet with its state, what it
// waits on, its spawner and its stack.

#include "gevent/hub/run_info.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

#include "gevent/hub/event.h"
#include "gevent/hub/greenlet.h"
#include "gevent/hub/hub.h"
#include "gevent/hub/internal/test_util.h"

namespace gevent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

[[gnu::noinline]] void NapInAFunctionWithAName() {
  sleep(absl::Seconds(30));
  asm volatile("" ::: "memory");  // keep this frame (no tail call)
}

// The part of a dump about greenlet `name`: from its line to the next.
std::string Section(const std::string& dump, const std::string& name) {
  const size_t at = dump.find("greenlet " + name + " ");
  if (at == std::string::npos) return "";
  const size_t end = dump.find("\ngreenlet ", at + 1);
  return dump.substr(at, end == std::string::npos ? end : end - at);
}

class RunInfoTest : public ::testing::Test {
 protected:
  testing::LeakCheck leaks_;
};

TEST_F(RunInfoTest, ListsEveryGreenletWithStateSpawnerAndStack) {
  Event event;
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  auto napper = spawn(SpawnOptions{.name = "napper"}, &NapInAFunctionWithAName);
  auto waiter = spawn(SpawnOptions{.name = "waiter"}, [&] { event.wait(); });
  auto reader =
      spawn(SpawnOptions{.name = "reader"}, [&] { (void)wait_read(fds[0]); });
  Greenlet<void> child;
  auto parent = spawn(SpawnOptions{.name = "parent"}, [&] {
    child = spawn(SpawnOptions{.name = "child"}, [] {});
    sleep(absl::Seconds(30));
  });
  sleep(absl::ZeroDuration());  // all of them run to their waits
  auto unstarted = spawn(SpawnOptions{.name = "unstarted"}, [] {});

  const std::string dump = format_run_info();
  std::fputs(dump.c_str(), stderr);  // what a user would see
  EXPECT_THAT(dump, HasSubstr("gevent: 7 greenlets on the hub of thread"));
  EXPECT_THAT(dump, HasSubstr(std::string(backend_name())));
  EXPECT_THAT(Section(dump, "main"), HasSubstr("running (it asked for this)"));

  const std::string nap = Section(dump, "'napper'");
  EXPECT_THAT(nap, HasSubstr("waits in sleep, spawned"));
  EXPECT_THAT(nap, HasSubstr("by main (id"));
  EXPECT_THAT(nap, HasSubstr("NapInAFunctionWithAName")) << nap;
  EXPECT_THAT(nap, HasSubstr("SleepFor")) << nap;
  EXPECT_THAT(Section(dump, "'waiter'"), HasSubstr("waits in Event.wait"));
  EXPECT_THAT(Section(dump, "'reader'"),
              HasSubstr("waits in wait_read on fd " + std::to_string(fds[0])));
  EXPECT_THAT(Section(dump, "'child'"), HasSubstr("by 'parent' (id"));
  EXPECT_THAT(Section(dump, "'unstarted'"),
              HasSubstr("not started yet, spawned"));

  event.set();
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  EXPECT_TRUE(napper.kill().ok());
  EXPECT_TRUE(parent.kill().ok());
  ASSERT_TRUE(waiter.join().ok());
  ASSERT_TRUE(reader.join().ok());
  ASSERT_TRUE(child.join().ok());
  ASSERT_TRUE(unstarted.join().ok());
  close(fds[0]);
  close(fds[1]);
  // Ended greenlets are gone from the dump.
  const std::string after = format_run_info();
  EXPECT_THAT(after, HasSubstr("gevent: 1 greenlets"));
  EXPECT_THAT(after, Not(HasSubstr("'napper'")));
}

TEST(RunInfoSignalTest, ASignalMakesEveryHubPrint) {
  // Its pipe and watcher thread stay for the life of the process.
  ASSERT_TRUE(dump_on_signal(SIGUSR2).ok());
  testing::LeakCheck leaks;
  ASSERT_TRUE(dump_on_signal(SIGUSR2).ok());  // again: harmless
  char path[] = "/tmp/gevent-run-info-XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  std::fflush(stderr);
  const int saved_stderr = dup(2);
  dup2(file, 2);

  std::thread other([&] {
    auto g = spawn(SpawnOptions{.name = "in-the-other-thread"},
                   [] { sleep(absl::Milliseconds(400)); });
    ASSERT_TRUE(g.join().ok());
  });
  auto here = spawn(SpawnOptions{.name = "in-this-thread"},
                    [] { sleep(absl::Milliseconds(400)); });
  sleep(absl::Milliseconds(100));  // the other thread's greenlet is waiting
  raise(SIGUSR2);
  ASSERT_TRUE(here.join().ok());
  other.join();

  std::fflush(stderr);
  dup2(saved_stderr, 2);
  close(saved_stderr);
  close(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  unlink(path);
  EXPECT_THAT(text.str(), HasSubstr("greenlet 'in-this-thread'"));
  EXPECT_THAT(text.str(), HasSubstr("greenlet 'in-the-other-thread'"));
  signal(SIGUSR2, SIG_DFL);
}

// GEVENT_DUMP_ON_SIGQUIT is read when the process's first hub starts: the
// test runs itself again with it set, as a child whose stderr it reads.
TEST(RunInfoSignalTest, GeventDumpOnSigquitInTheEnvironmentTurnsItOn) {
  if (std::getenv("RUN_INFO_TEST_CHILD") != nullptr) {
    auto g = spawn(SpawnOptions{.name = "child-napper"},
                   [] { sleep(absl::Milliseconds(300)); });
    sleep(absl::Milliseconds(50));
    raise(SIGQUIT);  // without the setting this would end the process
    ASSERT_TRUE(g.join().ok());
    return;
  }
  int err[2];
  ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::string filter =
      "--gtest_filter=RunInfoSignalTest."
      "GeventDumpOnSigquitInTheEnvironmentTurnsItOn";
  char exe[] = "/proc/self/exe";
  char* argv[] = {exe, filter.data(), nullptr};
  std::vector<std::string> env_strings = {"RUN_INFO_TEST_CHILD=1",
                                          "GEVENT_DUMP_ON_SIGQUIT=1"};
  for (char** e = environ; *e != nullptr; ++e) env_strings.push_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, exe, &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(err[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(err[0], buf, sizeof(buf))) > 0;)
    text.append(buf, n);
  close(err[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "status " << status << ": " << text;
  EXPECT_THAT(text, HasSubstr("greenlet 'child-napper'"));
  EXPECT_THAT(text, HasSubstr("waits in sleep"));
}

TEST(RunInfoSignalTest, AnUncatchableSignalIsRefused) {
  EXPECT_EQ(dump_on_signal(SIGKILL).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dump_on_signal(0).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gevent
