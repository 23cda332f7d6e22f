// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "examples/downloader/download_libevent.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "examples/common/http.h"
#include "examples/downloader/download_posix.h"
#include "examples/downloader/photos.h"

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
    Finish(t, std::string("connection error: ") +
                  std::strerror(EVUTIL_SOCKET_ERROR()));
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
    t.bev = bufferevent_socket_new(loop.base, -1, BEV_OPT_CLOSE_ON_FREE);
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
