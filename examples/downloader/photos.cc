// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/photos.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace downloader {

namespace {

// FNV-1a, 64 bits: the photos' bytes and the tokens' MAC come from it.
uint64_t Fnv1a(std::string_view bytes, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// CRC-32 as zlib's crc32 (IEEE 802.3, reflected): the checksum is one a
// client in any language has at hand (Go's hash/crc32, Python's zlib.crc32).
constexpr std::array<uint32_t, 256> kCrcTable = [] {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}();

uint32_t Crc32(std::string_view bytes) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : bytes) c = kCrcTable[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(v));  // NOLINT(runtime/int)
  return buf;
}

// The server's secret: tokens cannot be made up by a client.
constexpr std::string_view kSecret = "gevent-cpp photo service";

std::string Mac(std::string_view user) {
  return Hex(Fnv1a(user, Fnv1a(kSecret))).substr(0, 12);
}

}  // namespace

std::string UserName(int index) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "user%04d", index);
  return buf;
}

std::string TokenFor(std::string_view user) {
  return std::string(user) + "." + Mac(user);
}

std::string UserOfToken(std::string_view token) {
  const size_t dot = token.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  const std::string_view user = token.substr(0, dot);
  if (token.substr(dot + 1) != Mac(user)) return "";
  return std::string(user);
}

std::string PhotoBytes(std::string_view user, int id) {
  uint64_t state =
      Fnv1a(user) ^ (static_cast<uint64_t>(id) * 0x9e3779b97f4a7c15ull);
  const size_t size = 2048 + state % 4096;
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    state ^= state << 13;  // xorshift64
    state ^= state >> 7;
    state ^= state << 17;
    out[i] = static_cast<char>(state);
  }
  return out;
}

std::string Checksum(std::string_view bytes) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", Crc32(bytes));
  return buf;
}

std::string FormatPhotoList(std::string_view user, int count) {
  std::string out;
  for (int id = 0; id < count; ++id) {
    const std::string bytes = PhotoBytes(user, id);
    out += std::to_string(id) + " " + std::to_string(bytes.size()) + " " +
           Checksum(bytes) + "\n";
  }
  return out;
}

bool ParsePhotoList(std::string_view body, std::vector<PhotoInfo>* out) {
  out->clear();
  std::istringstream in{std::string(body)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    PhotoInfo p;
    if (!(fields >> p.id >> p.size >> p.checksum) || p.id < 0 ||
        p.checksum.size() != 8) {
      return false;
    }
    out->push_back(p);
  }
  return true;
}

std::string UserDir(std::string_view dir, std::string_view user) {
  return std::string(dir) + "/" + std::string(user);
}

std::string PhotoPath(std::string_view dir, std::string_view user, int id) {
  return UserDir(dir, user) + "/photo-" + std::to_string(id) + ".jpg";
}

int VerifySaved(std::string_view dir, int users, int per_user,
                std::string* problem) {
  int good = 0;
  for (int u = 0; u < users; ++u) {
    const std::string user = UserName(u);
    for (int id = 0; id < per_user; ++id) {
      const std::string path = PhotoPath(dir, user, id);
      std::ifstream f(path, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
      if (f && bytes == PhotoBytes(user, id)) {
        ++good;
      } else if (problem->empty()) {
        *problem = f ? path + " has the wrong bytes" : path + " is missing";
      }
    }
  }
  return good;
}

}  // namespace downloader
