// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// http.h
//
// The examples' HTTP/1.1, on Debian's http_parser (the parser Node.js
// used): a message parser fed bytes as they arrive, for requests (servers)
// and responses (clients), and the messages the examples send. Each program
// moves the bytes its own way; the parsing is shared.
//
//   examples::HttpParser parser(examples::HttpParser::kResponse);
//   while (!parser.done()) {
//     ssize_t n = recv(fd, buf, sizeof(buf), 0);
//     if (n <= 0 || !parser.Feed(buf, n)) break;   // parser.error() says why
//   }
//   // parser.status(), parser.body(), parser.keep_alive()

#ifndef GEVENT_EXAMPLES_COMMON_HTTP_H_
#define GEVENT_EXAMPLES_COMMON_HTTP_H_

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace examples {

class HttpParser {
 public:
  enum Kind { kRequest, kResponse };
  // Larger messages are an error (a peer that sends garbage or too much).
  static constexpr size_t kMaxMessage = 1 << 20;
  // The error for a message over the limit (a server answers 413).
  static constexpr const char* kTooLarge = "message too large";

  explicit HttpParser(Kind kind, size_t max_message = kMaxMessage);
  HttpParser(const HttpParser&) = delete;
  HttpParser& operator=(const HttpParser&) = delete;

  // Parses `n` more bytes; false on a malformed or oversized message. Bytes
  // after a complete message are kept for the next one (pipelining).
  bool Feed(const char* data, size_t n);
  // Feed(nullptr, 0) at EOF: a response without Content-Length ends there.
  bool FeedEof();
  // A whole message has been parsed.
  bool done() const { return done_; }
  // Starts over for the next message on the same connection, parsing any
  // bytes that came after the last one. False if those are malformed.
  bool Next();

  const std::string& error() const { return error_; }
  int status() const { return status_; }                 // responses
  const std::string& method() const { return method_; }  // requests
  const std::string& url() const { return url_; }        // requests
  const std::string& body() const { return body_; }
  bool keep_alive() const { return keep_alive_; }

 private:
  static int OnUrl(http_parser* p, const char* at, size_t n);
  static int OnBody(http_parser* p, const char* at, size_t n);
  static int OnHeadersComplete(http_parser* p);
  static int OnMessageComplete(http_parser* p);
  bool Fail(std::string why);

  Kind kind_;
  size_t max_message_;
  http_parser parser_;
  http_parser_settings settings_;
  std::string pending_;  // bytes after a complete message
  std::string error_;
  std::string method_, url_, body_;
  int status_ = 0;
  size_t seen_ = 0;
  bool done_ = false;
  bool keep_alive_ = false;
};

// "GET <path> HTTP/1.1" with Host and keep-alive.
std::string FormatGet(std::string_view path);

// The value of `name` in `url`'s query string ("/sleep?ms=5" -> "5" for
// "ms"), or "" if it has none. No percent-decoding.
std::string QueryValue(std::string_view url, std::string_view name);

// A response with a body; `keep_alive` false adds Connection: close.
std::string FormatResponse(int status, std::string_view reason,
                           std::string_view body, bool keep_alive);

}  // namespace examples

#endif  // GEVENT_EXAMPLES_COMMON_HTTP_H_
