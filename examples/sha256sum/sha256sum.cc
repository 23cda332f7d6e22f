// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// sha256sum, in parallel: a greenlet per file reads it through the
// cooperative file API (io_uring, or a thread pool) while the hashing, which
// is CPU work, runs on a ThreadPool so the hub never stalls. Output and exit
// status as coreutils' sha256sum: "<hex>  <path>" in argument order, and a
// line on stderr for each file it cannot read.
//
//   bazel run -c opt //examples/sha256sum -- /usr/lib/x86_64-linux-gnu/*.so

#include <fcntl.h>
#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "gevent/gevent.h"

ABSL_FLAG(int, jobs, 16, "files read at once");
ABSL_FLAG(int, hash_threads, 0, "threads hashing (0: one per core)");

namespace {

constexpr size_t kChunk = 1 << 20;

struct Digest {
  std::string hex;    // "" on failure
  std::string error;  // why
};

struct FreeContext {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

Digest HashFile(const std::string& path, gevent::ThreadPool& hashers) {
  absl::StatusOr<gevent::File> f = gevent::File::Open(path, O_RDONLY);
  if (!f.ok()) return {"", std::string(f.status().message())};
  std::unique_ptr<EVP_MD_CTX, FreeContext> ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::string chunk;
  for (;;) {
    absl::StatusOr<std::string> data = f->read(kChunk);
    if (!data.ok()) return {"", std::string(data.status().message())};
    if (data->empty()) break;
    chunk = *std::move(data);
    // CPU work leaves the hub: the other greenlets go on reading.
    hashers.apply(
        [&] { EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size()); });
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    char b[3];
    std::snprintf(b, sizeof(b), "%02x", md[i]);
    hex += b;
  }
  return {hex, ""};
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("sha256sum FILE...: hashes files in parallel");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "sha256sum: no files given (try --help)\n");
    return 2;
  }
  const int jobs = absl::GetFlag(FLAGS_jobs);
  int threads = absl::GetFlag(FLAGS_hash_threads);
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (jobs < 1) {
    std::fprintf(stderr, "sha256sum: --jobs must be at least 1\n");
    return 2;
  }
  gevent::ThreadPool hashers(static_cast<size_t>(threads));
  gevent::Pool pool(static_cast<size_t>(jobs));
  std::vector<gevent::Greenlet<Digest>> digests;
  for (size_t i = 1; i < args.size(); ++i) {
    digests.push_back(pool.spawn([path = std::string(args[i]), &hashers] {
      return HashFile(path, hashers);
    }));
  }
  int status = 0;
  for (size_t i = 0; i < digests.size(); ++i) {
    const Digest d = digests[i].get();  // in argument order
    if (d.hex.empty()) {
      std::fprintf(stderr, "sha256sum: %s: %s\n", args[i + 1], d.error.c_str());
      status = 1;
    } else {
      std::printf("%s  %s\n", d.hex.c_str(), args[i + 1]);
    }
  }
  return status;
}
