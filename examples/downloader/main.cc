// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// The photo downloader: the job from "how gevent works" (download every
// user's photos: log in, list, fetch, save) done every way, side by side, on
// a built-in photo server, with wall time, peak memory and CPU time for each
// and every saved byte verified.
//
//   bazel run //examples/downloader                  # 1,000 users, all ways
//   bazel run //examples/downloader -- --users=10000 --approaches=greenlets
//   bazel run //examples/downloader -- --tls          # every way over HTTPS
//   bazel run //examples/downloader -- --help
//
// Each approach runs in a fresh process of this program (--child), so its
// peak RSS and CPU time are its own; the parent serves the photos, checks the
// files and prints the table.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/downloader/download_gevent.h"
#include "examples/downloader/download_libevent.h"
#include "examples/downloader/download_posix.h"
#include "examples/downloader/photo_server.h"
#include "examples/downloader/photos.h"
#include "examples/downloader/tls.h"
#include "gevent/gevent.h"
#include "gevent/io/monkey.h"

ABSL_FLAG(int, users, 1000, "how many users' photos to download");
ABSL_FLAG(int, photos, 4, "photos per user (the built-in server's setting)");
ABSL_FLAG(absl::Duration, delay, absl::Milliseconds(50),
          "the built-in server's latency before each response");
ABSL_FLAG(std::string, approaches,
          "sequential,processes,threads,callbacks,greenlets,greenlets_monkey",
          "comma-separated approaches to run, in this order");
ABSL_FLAG(std::string, server, "",
          "host:port (numeric) of a photo server to use instead of the "
          "built-in one");
ABSL_FLAG(int, port, 0,
          "the built-in server's port on 127.0.0.1 (0: any free port)");
ABSL_FLAG(std::string, out, "",
          "where to save photos (default: a new directory under /dev/shm, "
          "so that the table compares network concurrency rather than the "
          "disk; else under $TMPDIR); every file is checked, and a default "
          "directory removed at the end");
ABSL_FLAG(int, sequential_sample, 20,
          "users the sequential approach downloads; its time is "
          "extrapolated to --users");
ABSL_FLAG(int, max_processes, 64,
          "the process-per-user approach runs at most this many at once");
ABSL_FLAG(int, timeout, 30, "seconds one request may take");
ABSL_FLAG(int, approach_timeout, 300,
          "seconds one approach may take before it is stopped");
ABSL_FLAG(bool, serve, false,
          "only run the built-in photo server (on --port) until SIGINT or "
          "SIGTERM, for clients written elsewhere");
ABSL_FLAG(bool, tls, false,
          "HTTPS: the built-in server gets a certificate from a CA made at "
          "start, and every approach speaks TLS and verifies it");
ABSL_FLAG(std::string, tls_ca, "",
          "with --tls: the built-in server's CA certificate is written here "
          "(needed with --serve; default: into the --out directory); with "
          "--server, a PEM file of CA certificates to trust (default: the "
          "system's)");
ABSL_FLAG(std::string, tls_name, "",
          "with --tls: the name the server's certificate must carry "
          "(default: localhost for the built-in server, else --server's "
          "host)");
ABSL_FLAG(std::string, child, "", "(internal) run one approach and report");

namespace downloader {
namespace {

struct Approach {
  const char* name;
  const char* how;
};

constexpr Approach kApproaches[] = {
    {"sequential", "one user after another (a sample, extrapolated)"},
    {"processes", "a process per user (fork), at most --max_processes"},
    {"threads", "an OS thread per user"},
    {"callbacks", "libevent, a chain of callbacks per user"},
    {"greenlets", "a greenlet per user on gevent-cpp sockets"},
    {"greenlets_monkey",
     "a greenlet per user running the plain POSIX code, monkey-patched"},
};

const Approach* FindApproach(std::string_view name) {
  for (const Approach& a : kApproaches) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

[[noreturn]] void Die(const std::string& message, int code = 1) {
  std::fprintf(stderr, "downloader: %s\n", message.c_str());
  std::exit(code);
}

// Thousands of sockets at once need more than the usual soft limit of 1024.
void RaiseFdLimit() {
  rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

Job MakeJob(const gevent::Address& server, const std::string& out_dir) {
  Job job;
  std::memcpy(&job.server, server.sockaddr_ptr(), server.length());
  job.server_len = server.length();
  job.out_dir = out_dir;
  job.timeout_seconds = absl::GetFlag(FLAGS_timeout);
  return job;
}

// The client side of --tls: plain OpenSSL's context and gevent's, trusting
// the same CAs, for Job.
class ClientTls {
 public:
  ClientTls() = default;
  ClientTls(const ClientTls&) = delete;
  ClientTls& operator=(const ClientTls&) = delete;
  ~ClientTls() { SSL_CTX_free(plain_); }

  // Sets `job` up for TLS to `name`, trusting `ca_file` (the system's
  // store when empty). Exits with the reason if the CAs cannot be loaded.
  void Apply(const std::string& ca_file, const std::string& name, Job* job) {
    std::string error;
    plain_ = tls::NewClientContext(ca_file, &error);
    if (plain_ == nullptr) Die("--tls: " + error, 2);
    gevent::SslContext::Options options;
    options.system_trust = ca_file.empty();
    options.ca_file = ca_file;
    absl::StatusOr<gevent::SslContext> green =
        gevent::SslContext::Client(std::move(options));
    if (!green.ok()) Die("--tls: " + std::string(green.status().message()), 2);
    green_ = *std::move(green);
    job->tls = plain_;
    job->green_tls = &*green_;
    job->tls_name = name;
  }

 private:
  SSL_CTX* plain_ = nullptr;
  std::optional<gevent::SslContext> green_;
};

// --- the approaches, each in its own process (--child) ---

std::vector<std::string> Users(int n) {
  std::vector<std::string> users;
  for (int i = 0; i < n; ++i) users.push_back(UserName(i));
  return users;
}

std::vector<Outcome> RunSequential(const Job& job,
                                   const std::vector<std::string>& users,
                                   Progress& progress) {
  std::vector<Outcome> out;
  for (const std::string& user : users) {
    out.push_back(posix::download_photos(job, user));
    progress.Tick();
  }
  return out;
}

std::vector<Outcome> RunProcesses(const Job& job,
                                  const std::vector<std::string>& users,
                                  Progress& progress) {
  std::vector<Outcome> out(users.size());
  const int cap = std::max(1, absl::GetFlag(FLAGS_max_processes));
  int running = 0;
  std::vector<pid_t> pids(users.size(), -1);
  auto reap_one = [&] {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) return;
    --running;
    progress.Tick();
    for (size_t i = 0; i < pids.size(); ++i) {
      if (pids[i] != pid) continue;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        out[i] = users[i] + ": its process failed (status " +
                 std::to_string(status) + ")";
      }
    }
  };
  for (size_t i = 0; i < users.size(); ++i) {
    if (running == cap) reap_one();
    const pid_t pid = fork();
    if (pid < 0) {
      out[i] = users[i] + ": fork: " + std::strerror(errno);
      continue;
    }
    if (pid == 0) {
      const Outcome o = posix::download_photos(job, users[i]);
      if (!o.empty()) std::fprintf(stderr, "%s\n", o.c_str());
      _exit(o.empty() ? 0 : 1);
    }
    pids[i] = pid;
    ++running;
  }
  while (running > 0) reap_one();
  return out;
}

std::vector<Outcome> RunThreads(const Job& job,
                                const std::vector<std::string>& users,
                                Progress& progress) {
  std::vector<Outcome> out(users.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < users.size(); ++i) {
    try {
      threads.emplace_back([&, i] {
        out[i] = posix::download_photos(job, users[i]);
        progress.Tick();
      });
    } catch (const std::system_error& e) {
      out[i] = users[i] + ": no thread: " + e.what();
    }
  }
  for (std::thread& t : threads) t.join();
  return out;
}

// The seed's greenlet version: Greenlet(download_photos, user), start(),
// joinall. `download` is gevent-cpp's version, or the POSIX one once
// monkey-patched.
std::vector<Outcome> RunGreenlets(
    const Job& job, const std::vector<std::string>& users, Progress& progress,
    Outcome (*download)(const Job&, const std::string&)) {
  auto download_photos = [&](const std::string& user) {
    Outcome o = download(job, user);
    progress.Tick();
    return o;
  };
  std::vector<gevent::Greenlet<Outcome>> pool;
  for (const std::string& user : users) {
    gevent::Greenlet<Outcome> g(download_photos, user);
    g.start();
    pool.push_back(g);
  }
  (void)gevent::joinall(pool);
  std::vector<Outcome> out;
  for (auto& g : pool) {
    out.push_back(g.successful() ? g.get() : "greenlet failed");
  }
  return out;
}

int RunChild(const std::string& name) {
  absl::StatusOr<gevent::Address> server =
      gevent::Address::Parse(absl::GetFlag(FLAGS_server));
  if (!server.ok()) Die(std::string(server.status().message()), 2);
  Job job = MakeJob(*server, absl::GetFlag(FLAGS_out));
  ClientTls tls;
  if (absl::GetFlag(FLAGS_tls)) {
    std::string name = absl::GetFlag(FLAGS_tls_name);
    tls.Apply(absl::GetFlag(FLAGS_tls_ca), name.empty() ? server->host() : name,
              &job);
  }
  int n = absl::GetFlag(FLAGS_users);
  if (name == "sequential") {
    n = std::min(n, std::max(1, absl::GetFlag(FLAGS_sequential_sample)));
  }
  const std::vector<std::string> users = Users(n);
  Progress progress(name, n);
  const absl::Time start = absl::Now();
  std::vector<Outcome> out;
  if (name == "sequential") {
    out = RunSequential(job, users, progress);
  } else if (name == "processes") {
    out = RunProcesses(job, users, progress);
  } else if (name == "threads") {
    out = RunThreads(job, users, progress);
  } else if (name == "callbacks") {
    out = callbacks::download_all(job, users, &progress);
  } else if (name == "greenlets") {
    out = RunGreenlets(job, users, progress, &green::download_photos);
  } else if (name == "greenlets_monkey") {
    gevent::monkey::patch_all();
    out = RunGreenlets(job, users, progress, &posix::download_photos);
  } else {
    Die("unknown approach " + name, 2);
  }
  const double wall = absl::ToDoubleSeconds(absl::Now() - start);
  progress.Finish();
  int failed = 0;
  std::string first_error;
  for (const Outcome& o : out) {
    if (o.empty()) continue;
    if (failed++ == 0) first_error = o;
  }
  std::printf("RESULT %d %d %.6f\t%s\n", n, failed, wall, first_error.c_str());
  return 0;
}

// --- the parent: serve, run each approach, check, tabulate ---

struct Row {
  std::string name;
  int users = 0;
  int failed = 0;
  double wall = 0;
  double peak_mib = 0;
  double cpu = 0;
  int verified = 0;
  int expected = 0;
  std::string problem;
};

// Runs `name` in a child process of this program; fills `row`.
void RunApproach(const std::string& name, const gevent::Address& server,
                 const Job& tls, const std::string& ca_file,
                 const std::string& dir, Row* row) {
  std::vector<std::string> args = {
      "/proc/self/exe",
      "--child=" + name,
      "--server=" + server.ToString(),
      "--out=" + dir,
      "--users=" + std::to_string(absl::GetFlag(FLAGS_users)),
      "--sequential_sample=" +
          std::to_string(absl::GetFlag(FLAGS_sequential_sample)),
      "--max_processes=" + std::to_string(absl::GetFlag(FLAGS_max_processes)),
      "--timeout=" + std::to_string(absl::GetFlag(FLAGS_timeout)),
  };
  if (tls.tls != nullptr) {
    args.push_back("--tls");
    args.push_back("--tls_ca=" + ca_file);
    args.push_back("--tls_name=" + tls.tls_name);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) Die(std::string("pipe: ") + strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) Die(std::string("posix_spawn: ") + strerror(rc));
  // Its report, within --approach_timeout.
  std::string report;
  const absl::Time deadline =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_approach_timeout));
  bool timed_out = false;
  for (;;) {
    const int left =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd p{out[0], POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) == 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    char buf[4096];
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  row->name = name;
  row->peak_mib = usage.ru_maxrss / 1024.0;
  row->cpu = absl::ToDoubleSeconds(absl::DurationFromTimeval(usage.ru_utime) +
                                   absl::DurationFromTimeval(usage.ru_stime));
  const size_t at = report.find("RESULT ");
  if (timed_out || at == std::string::npos) {
    row->problem = timed_out ? "stopped after --approach_timeout"
                             : "its process failed (status " +
                                   std::to_string(status) + ")";
    return;
  }
  std::vector<std::string> parts =
      absl::StrSplit(report.substr(at + 7), absl::MaxSplits('\t', 1));
  std::vector<std::string> nums = absl::StrSplit(parts[0], ' ');
  if (nums.size() < 3 || !absl::SimpleAtoi(nums[0], &row->users) ||
      !absl::SimpleAtoi(nums[1], &row->failed) ||
      !absl::SimpleAtod(nums[2], &row->wall)) {
    row->problem = "unreadable report: " + report;
    return;
  }
  if (row->failed > 0 && parts.size() > 1) {
    row->problem = absl::StrCat(row->failed, " users failed, first: ",
                                absl::StripTrailingAsciiWhitespace(parts[1]));
  }
  const int per_user = absl::GetFlag(FLAGS_photos);
  row->expected = row->users * per_user;
  std::string problem;
  row->verified = VerifySaved(dir, row->users, per_user, &problem);
  if (row->problem.empty() && !problem.empty()) row->problem = problem;
}

// Writes the built-in server's CA certificate where clients will read it.
void WriteCa(const std::string& path, const std::string& pem) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) Die("--tls_ca " + path + ": " + strerror(errno));
  const bool ok = std::fwrite(pem.data(), 1, pem.size(), f) == pem.size();
  if (std::fclose(f) != 0 || !ok) {
    Die("--tls_ca " + path + ": " + strerror(errno));
  }
}

std::string FormatSeconds(double s) {
  return s < 10 ? absl::StrFormat("%.2f s", s) : absl::StrFormat("%.1f s", s);
}

void PrintTable(const std::vector<Row>& rows, int users) {
  std::printf(
      "\n| approach | users | wall time | peak RSS | CPU time | files |\n");
  std::printf("|---|---:|---:|---:|---:|---|\n");
  for (const Row& r : rows) {
    std::string wall = FormatSeconds(r.wall);
    if (r.name == "sequential" && r.users > 0 && r.users < users) {
      wall = absl::StrCat(FormatSeconds(r.wall * users / r.users),
                          " (extrapolated from ", r.users, ")");
    }
    std::string files =
        r.expected > 0 && r.verified == r.expected
            ? absl::StrCat(r.verified, " verified")
            : absl::StrCat(r.verified, "/", r.expected, " verified");
    if (!r.problem.empty()) files += " — " + r.problem;
    std::string peak = absl::StrFormat("%.1f MiB", r.peak_mib);
    if (r.name == "processes") peak += " per process";
    std::printf("| %s | %d | %s | %s | %s | %s |\n", r.name.c_str(), r.users,
                wall.c_str(), peak.c_str(), FormatSeconds(r.cpu).c_str(),
                files.c_str());
  }
}

int RunParent() {
  const int users = absl::GetFlag(FLAGS_users);
  if (users < 1 || users > 100000) {
    Die("--users must be between 1 and 100000", 2);
  }
  if (absl::GetFlag(FLAGS_photos) < 0 || absl::GetFlag(FLAGS_photos) > 100) {
    Die("--photos must be between 0 and 100", 2);
  }
  if (absl::GetFlag(FLAGS_delay) < absl::ZeroDuration()) {
    Die("--delay must not be negative", 2);
  }
  std::vector<std::string> names =
      absl::StrSplit(absl::GetFlag(FLAGS_approaches), ',', absl::SkipEmpty());
  for (const std::string& n : names) {
    if (FindApproach(n) == nullptr) {
      std::vector<std::string> valid;
      for (const Approach& a : kApproaches) valid.push_back(a.name);
      Die("unknown approach '" + n + "'; valid: " + absl::StrJoin(valid, ","),
          2);
    }
  }

  // The photo server: built in (with a certificate for --tls), or the one
  // named.
  const bool use_tls = absl::GetFlag(FLAGS_tls);
  const bool builtin_server = absl::GetFlag(FLAGS_server).empty();
  if (use_tls && absl::GetFlag(FLAGS_serve) &&
      absl::GetFlag(FLAGS_tls_ca).empty()) {
    Die("--serve --tls needs --tls_ca=FILE: where to write the CA "
        "certificate its clients must trust",
        2);
  }
  PhotoServer::Options server_options;
  server_options.delay = absl::GetFlag(FLAGS_delay);
  server_options.photos_per_user = absl::GetFlag(FLAGS_photos);
  tls::ServerCerts certs;
  if (use_tls && builtin_server) {
    certs = tls::MakeServerCerts();
    gevent::SslContext::Options o;
    o.cert_chain_pem = certs.cert_pem;
    o.private_key_pem = certs.key_pem;
    absl::StatusOr<gevent::SslContext> ctx =
        gevent::SslContext::Server(std::move(o));
    if (!ctx.ok()) Die("--tls: " + std::string(ctx.status().message()));
    server_options.tls = *std::move(ctx);
  }
  PhotoServer builtin(std::move(server_options));
  gevent::Address server;
  if (builtin_server) {
    const int port = absl::GetFlag(FLAGS_port);
    if (port < 0 || port > 65535) Die("--port must be 0..65535", 2);
    const gevent::Address where =
        gevent::Address::Loopback(static_cast<uint16_t>(port));
    if (absl::Status s = builtin.Start(where); !s.ok()) {
      Die("cannot start the photo server on " + where.ToString() + ": " +
          std::string(s.message()));
    }
    server = builtin.address();
  } else {
    absl::StatusOr<gevent::Address> a =
        gevent::Address::Parse(absl::GetFlag(FLAGS_server));
    if (!a.ok()) Die("--server: " + std::string(a.status().message()), 2);
    server = *a;
  }

  if (absl::GetFlag(FLAGS_serve)) {
    if (!absl::GetFlag(FLAGS_server).empty()) Die("--serve with --server", 2);
    if (use_tls) WriteCa(absl::GetFlag(FLAGS_tls_ca), certs.ca_pem);
    std::printf(
        "photo server on %s%s: %d photos per user, %s per response; "
        "SIGINT or SIGTERM stops it\n",
        server.ToString().c_str(),
        use_tls ? absl::StrCat(" over TLS (CA certificate in ",
                               absl::GetFlag(FLAGS_tls_ca), ")")
                      .c_str()
                : "",
        absl::GetFlag(FLAGS_photos),
        absl::FormatDuration(absl::GetFlag(FLAGS_delay)).c_str());
    std::fflush(stdout);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    builtin.Stop();
    std::printf("photo server stopped after %llu requests\n",
                static_cast<unsigned long long>(builtin.requests()));  // NOLINT
    return 0;
  }

  std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = "/dev/shm/gevent-downloader-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      pattern =
          std::string(tmp && *tmp ? tmp : "/tmp") + "/gevent-downloader-XXXXXX";
      if (mkdtemp(pattern.data()) == nullptr) {
        Die("mkdtemp " + pattern + ": " + strerror(errno));
      }
    }
    out = pattern;
  } else if (mkdir(out.c_str(), 0755) != 0 && errno != EEXIST) {
    Die("--out " + out + ": " + strerror(errno));
  }

  // What every approach is given; with --tls, the CA to trust and the name
  // to check.
  Job base = MakeJob(server, out);
  ClientTls client_tls;
  std::string ca_file = absl::GetFlag(FLAGS_tls_ca);
  std::string ca_written;  // removed at the end
  if (use_tls) {
    std::string name = absl::GetFlag(FLAGS_tls_name);
    if (builtin_server) {
      if (ca_file.empty()) ca_file = ca_written = out + "/tls-ca.pem";
      WriteCa(ca_file, certs.ca_pem);
      if (name.empty()) name = "localhost";
    } else if (name.empty()) {
      name = server.host();
    }
    client_tls.Apply(ca_file, name, &base);
  }

  // One login first: a server that is down or speaks something else is
  // reported now, once, rather than by every approach.
  {
    Job probe = base;
    probe.timeout_seconds = 5;
    const Outcome o = posix::download_photos(probe, "probe");
    std::error_code ignored;
    std::filesystem::remove_all(UserDir(out, "probe"), ignored);
    if (!o.empty()) {
      if (absl::GetFlag(FLAGS_out).empty()) {
        std::filesystem::remove_all(out, ignored);
      }
      Die("the photo server at " + server.ToString() + " does not work: " + o);
    }
  }

  std::printf(
      "photo downloader: %d users, %d photos each, server %s%s%s, "
      "backend %s\n",
      users, absl::GetFlag(FLAGS_photos), server.ToString().c_str(),
      use_tls ? " over TLS" : "",
      absl::GetFlag(FLAGS_server).empty()
          ? absl::StrCat(" (built in, ",
                         absl::FormatDuration(absl::GetFlag(FLAGS_delay)),
                         " per response)")
                .c_str()
          : "",
      std::string(gevent::backend_name()).c_str());
  std::vector<Row> rows;
  bool all_good = true;
  for (const std::string& name : names) {
    std::printf("  %-17s %s\n", name.c_str(), FindApproach(name)->how);
    std::fflush(stdout);
    const std::string dir = out + "/" + name;
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      Die("mkdir " + dir + ": " + strerror(errno));
    }
    Row row;
    RunApproach(name, server, base, ca_file, dir, &row);
    all_good = all_good && row.problem.empty() && row.expected > 0 &&
               row.verified == row.expected;
    rows.push_back(row);
  }
  // Removed only now: on a disk, creating files where many were just
  // deleted is slower (ext4 looks for recently freed inodes), which would
  // tax each approach for the one before it.
  std::error_code ignored;
  for (const std::string& name : names) {
    std::filesystem::remove_all(out + "/" + name, ignored);
  }
  if (!ca_written.empty()) std::filesystem::remove(ca_written, ignored);
  if (absl::GetFlag(FLAGS_out).empty())
    std::filesystem::remove_all(out, ignored);
  PrintTable(rows, users);
  if (!all_good) {
    std::fprintf(stderr,
                 "downloader: some approaches did not save every "
                 "photo correctly (see the table)\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace downloader

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "downloads every user's photos from a photo server in six ways "
      "(sequential, processes, threads, callbacks, greenlets, monkey-patched "
      "greenlets) and compares them.\n  downloader [--users=N] [--delay=50ms] "
      "[--approaches=a,b] [--server=host:port] [--tls]");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  downloader::RaiseFdLimit();
  const std::string child = absl::GetFlag(FLAGS_child);
  return child.empty() ? downloader::RunParent() : downloader::RunChild(child);
}
