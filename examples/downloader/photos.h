// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// photos.h
//
// The photo service the downloader talks to, as data: users, their tokens,
// their photos (a few KiB each, the same bytes every run) and the list that
// carries each photo's size and checksum. The server serves these; every
// client approach checks what it got against the list; the runner checks
// every saved file against PhotoBytes.
//
// The protocol (HTTP/1.1, keep-alive):
//   GET /login?user=<user>        -> 200, body: a token
//   GET /photos?token=<token>     -> 200, body: one "<id> <size> <checksum>\n"
//                                    line per photo
//   GET /photo/<id>?token=<token> -> 200, body: the photo's bytes
// A bad token is 401; anything else 404 or 400.

#ifndef GEVENT_EXAMPLES_DOWNLOADER_PHOTOS_H_
#define GEVENT_EXAMPLES_DOWNLOADER_PHOTOS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace downloader {

// "user0042".
std::string UserName(int index);

// The token the server hands `user` at login ("<user>.<mac>").
std::string TokenFor(std::string_view user);
// The user a token belongs to, or "" if it is not one the server made.
std::string UserOfToken(std::string_view token);

// Photo `id` of `user`: 2 to 6 KiB, deterministic.
std::string PhotoBytes(std::string_view user, int id);

// CRC-32 (zlib's crc32), as 8 hex digits.
std::string Checksum(std::string_view bytes);

struct PhotoInfo {
  int id = 0;
  size_t size = 0;
  std::string checksum;
};

// The list body for `user` with `count` photos, and its parser (false on a
// malformed list).
std::string FormatPhotoList(std::string_view user, int count);
bool ParsePhotoList(std::string_view body, std::vector<PhotoInfo>* out);

struct Photo {
  int id = 0;
  std::string bytes;
};

// Where save_photos puts photo `id` of `user`: <dir>/<user>/photo-<id>.jpg.
std::string UserDir(std::string_view dir, std::string_view user);
std::string PhotoPath(std::string_view dir, std::string_view user, int id);

// Checks every photo of `users` users, `per_user` each, saved under `dir`:
// the number of files with the right bytes; `problem` names the first bad
// or missing one.
int VerifySaved(std::string_view dir, int users, int per_user,
                std::string* problem);

}  // namespace downloader

#endif  // GEVENT_EXAMPLES_DOWNLOADER_PHOTOS_H_
