// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/download_libevent.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "examples/common/http.h"
#include "examples/downloader/download_posix.h"
#include "examples/downloader/photos.h"
#include "examples/downloader/tls.h"

namespace downloader::callbacks {

using examples::FormatGet;
using examples::FormatResponse;
using examples::HttpParser;

namespace {

struct Loop {
  event_base* base = nullptr;
  int remaining = 0;
  Progress* progress = nullptr;
};

// One user's download, as state that the callbacks move along.
struct UserTask {
  enum class Step { kLogin, kList, kPhoto };

  const Job* job = nullptr;
  Loop* loop = nullptr;
  std::string user;
  Outcome* outcome = nullptr;
  bufferevent* bev = nullptr;
  Step step = Step::kLogin;
  std::unique_ptr<HttpParser> response;
  std::string token;
  std::vector<PhotoInfo> list;
  std::vector<Photo> photos;
};

void Finish(UserTask* t, const std::string& error) {
  if (t->bev == nullptr) return;  // already finished
  *t->outcome = error.empty() ? "" : t->user + ": " + error;
  bufferevent_free(t->bev);
  t->bev = nullptr;
  t->loop->progress->Tick();
  if (--t->loop->remaining == 0) event_base_loopbreak(t->loop->base);
}

void Send(UserTask* t, const std::string& path) {
  t->response = std::make_unique<HttpParser>(HttpParser::kResponse);
  const std::string request = FormatGet(path);
  if (bufferevent_write(t->bev, request.data(), request.size()) != 0) {
    Finish(t, "bufferevent_write failed");
  }
}

void SendPhotoRequest(UserTask* t) {
  Send(t, "/photo/" + std::to_string(t->list[t->photos.size()].id) +
              "?token=" + t->token);
}

// A whole response came: the next step of the job.
void OnResponse(UserTask* t) {
  const HttpParser& r = *t->response;
  if (r.status() != 200) {
    Finish(t, "HTTP " + std::to_string(r.status()));
    return;
  }
  switch (t->step) {
    case UserTask::Step::kLogin:  // get_auth_connection's end
      t->token = r.body();
      t->step = UserTask::Step::kList;
      Send(t, "/photos?token=" + t->token);
      return;
    case UserTask::Step::kList:  // get_photos, first the list
      if (!ParsePhotoList(r.body(), &t->list)) {
        Finish(t, "malformed photo list");
        return;
      }
      t->step = UserTask::Step::kPhoto;
      break;
    case UserTask::Step::kPhoto: {  // then each photo
      const PhotoInfo& info = t->list[t->photos.size()];
      if (r.body().size() != info.size || Checksum(r.body()) != info.checksum) {
        Finish(t, "photo " + std::to_string(info.id) + ": checksum mismatch");
        return;
      }
      t->photos.push_back({info.id, r.body()});
      break;
    }
  }
  if (t->photos.size() < t->list.size()) {
    SendPhotoRequest(t);
    return;
  }
  // save_photos: blocking writes inside a callback, as such code usually
  // does (the loop stalls meanwhile).
  Finish(t, posix::save_photos(*t->job, t->user, t->photos));
}

void OnRead(bufferevent* bev, void* ctx) {
  auto* t = static_cast<UserTask*>(ctx);
  evbuffer* in = bufferevent_get_input(bev);
  char buf[4096];
  while (evbuffer_get_length(in) > 0 && t->bev != nullptr) {
    const int n = evbuffer_remove(in, buf, sizeof(buf));
    if (n <= 0) break;
    if (!t->response->Feed(buf, static_cast<size_t>(n))) {
      Finish(t, "bad response: " + t->response->error());
      return;
    }
    if (t->response->done()) OnResponse(t);
  }
}

// What BEV_EVENT_ERROR meant: TLS (the certificate check, OpenSSL's
// reason) or the socket's errno.
std::string ErrorText(UserTask* t) {
  if (SSL* ssl = bufferevent_openssl_get_ssl(t->bev)) {
    if (const long v = SSL_get_verify_result(ssl); v != X509_V_OK) {
      return std::string("TLS: certificate verify failed: ") +
             X509_verify_cert_error_string(v);
    }
    std::string reasons;
    while (const unsigned long e = bufferevent_get_openssl_error(t->bev)) {
      const char* reason = ERR_reason_error_string(e);
      if (!reasons.empty()) reasons += "; ";
      reasons += reason != nullptr ? reason : std::to_string(e);
    }
    if (!reasons.empty()) return "TLS: " + reasons;
  }
  return std::string("connection error: ") +
         std::strerror(EVUTIL_SOCKET_ERROR());
}

void OnEvent(bufferevent*, short events, void* ctx) {
  auto* t = static_cast<UserTask*>(ctx);
  if (events & BEV_EVENT_CONNECTED) {
    Send(t, "/login?user=" + t->user);
    return;
  }
  if (events & BEV_EVENT_TIMEOUT) {
    Finish(t, "timed out");
  } else if (events & BEV_EVENT_EOF) {
    Finish(t, "connection closed by the server");
  } else if (events & BEV_EVENT_ERROR) {
    Finish(t, ErrorText(t));
  }
}

}  // namespace

std::vector<Outcome> download_all(const Job& job,
                                  const std::vector<std::string>& users,
                                  Progress* progress) {
  std::vector<Outcome> outcomes(users.size());
  Loop loop;
  loop.base = event_base_new();
  loop.progress = progress;
  loop.remaining = static_cast<int>(users.size());
  std::vector<UserTask> tasks(users.size());
  const timeval timeout{job.timeout_seconds, 0};
  for (size_t i = 0; i < users.size(); ++i) {
    UserTask& t = tasks[i];
    t.job = &job;
    t.loop = &loop;
    t.user = users[i];
    t.outcome = &outcomes[i];
    auto give_up = [&](const std::string& error) {
      *t.outcome = t.user + ": " + error;
      --loop.remaining;
      progress->Tick();
    };
    if (job.tls != nullptr) {
      // libevent's TLS filter: the same callbacks see plaintext, and
      // BEV_EVENT_CONNECTED comes once the handshake is done.
      std::string error;
      SSL* ssl = tls::NewClientSsl(job.tls, job.tls_name, &error);
      if (ssl == nullptr) {
        give_up(error);
        continue;
      }
      t.bev = bufferevent_openssl_socket_new(loop.base, -1, ssl,
                                             BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE);
      // The server may close without close_notify after a response.
      if (t.bev != nullptr)
        bufferevent_openssl_set_allow_dirty_shutdown(t.bev, 1);
    } else {
      t.bev = bufferevent_socket_new(loop.base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (t.bev == nullptr) {
      give_up("cannot make a bufferevent");
      continue;
    }
    bufferevent_setcb(t.bev, &OnRead, nullptr, &OnEvent, &t);
    bufferevent_set_timeouts(t.bev, &timeout, &timeout);
    bufferevent_enable(t.bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(
            t.bev, reinterpret_cast<const sockaddr*>(&job.server),
            static_cast<int>(job.server_len)) != 0) {
      Finish(&t, std::string("connect: ") + std::strerror(errno));
    }
  }
  if (loop.remaining > 0) event_base_dispatch(loop.base);
  for (UserTask& t : tasks) Finish(&t, "not finished");  // a no-op if done
  event_base_free(loop.base);
  return outcomes;
}

}  // namespace downloader::callbacks
