// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// A main for a libFuzzer target under an ordinary build (g++, the sanitizers):
// runs LLVMFuzzerTestOneInput on every file of the corpus directories given
// as arguments, then on a bounded number of mutations of them from a fixed
// seed, so each fuzzer's corpus and regressions run as a plain test in
// `bazel test //...`. The real fuzzing is `--config=fuzz` (clang, libFuzzer):
//
//   ./bazelw run --config=fuzz //io:buffered_readline_fuzzer --
//   -max_total_time=60

#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> ReadCorpus(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    std::fprintf(stderr, "replay: cannot open corpus %s\n", dir.c_str());
    std::exit(2);
  }
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    out.push_back(s.str());
  }
  closedir(d);
  return out;
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                         input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    for (std::string& s : ReadCorpus(argv[i])) corpus.push_back(std::move(s));
  }
  if (corpus.empty()) corpus.push_back("");
  for (const std::string& input : corpus) Run(input);
  // Mutations: flipped, inserted, erased and duplicated bytes, spliced inputs.
  std::mt19937 rng(20261130);
  int runs = 0;
  for (; runs < 3000; ++runs) {
    std::string s = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t at = s.empty() ? 0 : rng() % s.size();
      switch (rng() % 5) {
        case 0:
          if (!s.empty()) s[at] = static_cast<char>(rng());
          break;
        case 1:
          s.insert(at, 1, static_cast<char>(rng()));
          break;
        case 2:
          if (!s.empty()) s.erase(at, 1 + rng() % 8);
          break;
        case 3:
          s.insert(at, s.substr(at, rng() % 64));
          break;
        case 4: {
          const std::string& other = corpus[rng() % corpus.size()];
          s.insert(at, other.substr(0, rng() % (other.size() + 1)));
          break;
        }
      }
    }
    Run(s);
  }
  std::printf("replay: %zu corpus inputs and %d mutations, no failure\n",
              corpus.size(), runs);
  return 0;
}
