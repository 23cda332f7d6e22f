// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// cpu_time.h
//
// CPU time of a process, for the load generators' "server CPU" columns:
//
//   const double before = gevent::bench::CpuSeconds(server_pid);
//   ... measured window ...
//   const double used = gevent::bench::CpuSeconds(server_pid) - before;

#ifndef GEVENT_BENCH_CPU_TIME_H_
#define GEVENT_BENCH_CPU_TIME_H_

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace gevent::bench {

// CPU seconds (user + system, all threads) process `pid` has used; this
// process's own when pid is 0; -1 when it cannot be read.
inline double CpuSeconds(int pid) {
  if (pid == 0) {
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // utime and stime are fields 14 and 15; the name (field 2) may hold spaces,
  // so count from the ')' that closes it.
  const char* p = std::strrchr(buf, ')');
  unsigned long long utime = 0, stime = 0;
  if (p == nullptr ||
      std::sscanf(p + 1,
                  " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace gevent::bench

#endif  // GEVENT_BENCH_CPU_TIME_H_
