// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/common/http.h"

#include <cstring>
#include <utility>

namespace examples {

HttpParser::HttpParser(Kind kind, size_t max_message)
    : kind_(kind), max_message_(max_message) {
  http_parser_init(&parser_, kind == kRequest ? HTTP_REQUEST : HTTP_RESPONSE);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_url = &OnUrl;
  settings_.on_body = &OnBody;
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_message_complete = &OnMessageComplete;
}

int HttpParser::OnUrl(http_parser* p, const char* at, size_t n) {
  static_cast<HttpParser*>(p->data)->url_.append(at, n);
  return 0;
}

int HttpParser::OnBody(http_parser* p, const char* at, size_t n) {
  static_cast<HttpParser*>(p->data)->body_.append(at, n);
  return 0;
}

int HttpParser::OnHeadersComplete(http_parser* p) {
  auto* self = static_cast<HttpParser*>(p->data);
  self->status_ = static_cast<int>(p->status_code);
  if (self->kind_ == kRequest) {
    self->method_ = http_method_str(static_cast<enum http_method>(p->method));
  }
  return 0;
}

int HttpParser::OnMessageComplete(http_parser* p) {
  auto* self = static_cast<HttpParser*>(p->data);
  self->done_ = true;
  self->keep_alive_ = http_should_keep_alive(p) != 0;
  // Stop here: what follows belongs to the next message.
  http_parser_pause(p, 1);
  return 0;
}

bool HttpParser::Fail(std::string why) {
  error_ = std::move(why);
  return false;
}

bool HttpParser::Feed(const char* data, size_t n) {
  if (!error_.empty()) return false;
  if (done_) {
    pending_.append(data, n);
    return true;
  }
  seen_ += n;
  if (seen_ > max_message_) return Fail(kTooLarge);
  const size_t used = http_parser_execute(&parser_, &settings_, data, n);
  const enum http_errno err = HTTP_PARSER_ERRNO(&parser_);
  if (err == HPE_PAUSED) {
    pending_.append(data + used, n - used);
    return true;
  }
  if (err != HPE_OK) {
    return Fail(std::string(http_errno_name(err)) + ": " +
                http_errno_description(err));
  }
  if (used != n) return Fail("unparsed bytes after the message");
  return true;
}

bool HttpParser::FeedEof() {
  if (done_ || !error_.empty()) return error_.empty();
  http_parser_execute(&parser_, &settings_, nullptr, 0);
  const enum http_errno err = HTTP_PARSER_ERRNO(&parser_);
  if (err != HPE_OK && err != HPE_PAUSED) {
    return Fail(std::string(http_errno_name(err)) + ": " +
                http_errno_description(err));
  }
  if (!done_) return Fail("connection closed before the message ended");
  return true;
}

bool HttpParser::Next() {
  std::string rest = std::move(pending_);
  pending_.clear();
  http_parser_pause(&parser_, 0);
  http_parser_init(&parser_, kind_ == kRequest ? HTTP_REQUEST : HTTP_RESPONSE);
  parser_.data = this;
  method_.clear();
  url_.clear();
  body_.clear();
  error_.clear();
  status_ = 0;
  seen_ = 0;
  done_ = false;
  keep_alive_ = false;
  return rest.empty() || Feed(rest.data(), rest.size());
}

std::string FormatGet(std::string_view path) {
  std::string r = "GET ";
  r.append(path);
  r.append(" HTTP/1.1\r\nHost: photos\r\n\r\n");
  return r;
}

std::string QueryValue(std::string_view url, std::string_view name) {
  const size_t q = url.find('?');
  if (q == std::string_view::npos) return "";
  for (std::string_view rest = url.substr(q + 1); !rest.empty();) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) &&
        pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

std::string FormatResponse(int status, std::string_view reason,
                           std::string_view body, bool keep_alive) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " ";
  r.append(reason);
  r.append("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n");
  if (!keep_alive) r.append("Connection: close\r\n");
  r.append("\r\n");
  r.append(body);
  return r;
}

}  // namespace examples
