// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// A web crawler: --concurrency worker greenlets take URLs from a
// JoinableQueue, fetch them, and queue the links they have not seen, down to
// --depth. The site it crawls is its own (a StreamServer on the same hub
// serving --pages linked pages, each after --delay), so it runs anywhere;
// at the end it checks what it found against the site's map.
//
//   bazel run //examples/crawler -- --pages=2000 --depth=6 --concurrency=50

#include <cstdio>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "examples/common/http.h"
#include "gevent/gevent.h"

ABSL_FLAG(int, pages, 500, "pages on the built-in site");
ABSL_FLAG(int, depth, 5, "links followed from the start page, at most");
ABSL_FLAG(int, concurrency, 20, "fetches at once");
ABSL_FLAG(absl::Duration, delay, absl::Milliseconds(20),
          "the site's latency before each page");

namespace {

using examples::FormatGet;
using examples::FormatResponse;
using examples::HttpParser;

// The site's map: page n links to these.
std::vector<int> LinksOf(int n, int pages) {
  return {(n * 7 + 1) % pages, (n * 13 + 5) % pages, (n + 1) % pages};
}

std::string PageHtml(int n, int pages) {
  std::string html = absl::StrCat("<html><body><h1>page ", n, "</h1>\n");
  for (int link : LinksOf(n, pages)) {
    absl::StrAppend(&html, "<a href=\"/page/", link, "\">page ", link,
                    "</a>\n");
  }
  return html + "</body></html>\n";
}

void ServePage(gevent::Socket& conn, int pages, absl::Duration delay) {
  HttpParser request(HttpParser::kRequest, 8192);
  char buf[4096];
  for (;;) {
    while (!request.done()) {
      absl::StatusOr<size_t> n =
          conn.recv_into(absl::MakeSpan(buf), absl::Seconds(30));
      if (!n.ok() || *n == 0 || !request.Feed(buf, *n)) return;
    }
    gevent::sleep(delay);
    int page = -1;
    const std::string& url = request.url();
    const bool found =
        url.starts_with("/page/") &&
        absl::SimpleAtoi(absl::string_view(url).substr(6), &page) &&
        page >= 0 && page < pages;
    const bool keep = request.keep_alive();
    const std::string response =
        found ? FormatResponse(200, "OK", PageHtml(page, pages), keep)
              : FormatResponse(404, "Not Found", "no such page\n", keep);
    if (!conn.sendall(response).ok() || !keep || !request.Next()) return;
  }
}

// The pages `html` links to ("/page/N" hrefs).
std::vector<int> ExtractLinks(const std::string& html) {
  std::vector<int> out;
  constexpr std::string_view kHref = "href=\"/page/";
  for (size_t at = html.find(kHref); at != std::string::npos;
       at = html.find(kHref, at + 1)) {
    const size_t start = at + kHref.size();
    const size_t end = html.find('"', start);
    int n = 0;
    if (end != std::string::npos &&
        absl::SimpleAtoi(absl::string_view(html).substr(start, end - start),
                         &n)) {
      out.push_back(n);
    }
  }
  return out;
}

// One worker's connection to the site, kept alive between fetches.
class Fetcher {
 public:
  explicit Fetcher(gevent::Address site) : site_(std::move(site)) {}

  // The body of `path`, or an error.
  absl::StatusOr<std::string> Get(const std::string& path) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!socket_.is_open()) {
        absl::StatusOr<gevent::Socket> s = gevent::Socket::Tcp();
        if (!s.ok()) return s.status();
        (void)s->settimeout(absl::Seconds(10));
        if (absl::Status c = s->connect(site_); !c.ok()) return c;
        socket_ = *std::move(s);
      }
      HttpParser response(HttpParser::kResponse);
      absl::Status sent = socket_.sendall(FormatGet(path));
      char buf[4096];
      while (sent.ok() && !response.done()) {
        absl::StatusOr<size_t> n = socket_.recv_into(absl::MakeSpan(buf));
        if (!n.ok()) {
          sent = n.status();
        } else if (*n == 0 ? !response.FeedEof() : !response.Feed(buf, *n)) {
          sent = absl::DataLossError(response.error());
        }
      }
      if (!sent.ok()) {  // a kept-alive connection may have been closed
        (void)socket_.close();
        continue;
      }
      if (!response.keep_alive()) (void)socket_.close();
      if (response.status() != 200) {
        return absl::NotFoundError(
            absl::StrCat(path, ": HTTP ", response.status()));
      }
      return response.body();
    }
    return absl::UnavailableError(absl::StrCat(path, ": failed twice"));
  }

 private:
  gevent::Address site_;
  gevent::Socket socket_;
};

// The pages within `depth` links of page 0, from the map.
std::set<int> Reachable(int pages, int depth) {
  std::set<int> seen = {0};
  std::deque<std::pair<int, int>> todo = {{0, 0}};
  while (!todo.empty()) {
    auto [n, d] = todo.front();
    todo.pop_front();
    if (d == depth) continue;
    for (int link : LinksOf(n, pages)) {
      if (seen.insert(link).second) todo.push_back({link, d + 1});
    }
  }
  return seen;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "crawls its own little web site with a pool of "
      "greenlets");
  absl::ParseCommandLine(argc, argv);
  const int pages = absl::GetFlag(FLAGS_pages);
  const int depth = absl::GetFlag(FLAGS_depth);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (pages < 1 || pages > 1000000 || depth < 0 || concurrency < 1 ||
      concurrency > 10000 ||
      absl::GetFlag(FLAGS_delay) < absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "crawler: --pages 1..1000000, --depth >= 0, "
                 "--concurrency 1..10000, --delay >= 0\n");
    return 2;
  }
  const absl::Duration delay = absl::GetFlag(FLAGS_delay);
  gevent::StreamServer site(
      gevent::Address::Loopback(0),
      [pages, delay](gevent::Socket& conn, const gevent::Address&) {
        ServePage(conn, pages, delay);
      });
  if (absl::Status s = site.start(); !s.ok()) {
    std::fprintf(stderr, "crawler: %s\n", std::string(s.message()).c_str());
    return 1;
  }

  const absl::Time start = absl::Now();
  gevent::JoinableQueue<std::pair<int, int>> todo;  // (page, depth)
  std::set<int> seen = {0};
  int fetched = 0;
  int links = 0;
  std::vector<std::string> errors;
  (void)todo.put({0, 0});
  std::vector<gevent::Greenlet<void>> workers;
  for (int i = 0; i < concurrency; ++i) {
    workers.push_back(gevent::spawn([&] {
      Fetcher fetcher(site.address());
      for (auto [page, d] : todo) {
        absl::StatusOr<std::string> html =
            fetcher.Get(absl::StrCat("/page/", page));
        if (html.ok()) {
          ++fetched;
          for (int link : ExtractLinks(*html)) {
            ++links;
            if (d < depth && seen.insert(link).second) {
              (void)todo.put({link, d + 1});
            }
          }
        } else {
          errors.push_back(std::string(html.status().message()));
        }
        todo.task_done();
      }
    }));
  }
  todo.join();   // every queued page fetched
  todo.close();  // the workers' loops end
  (void)gevent::joinall(workers);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  site.stop(absl::ZeroDuration());

  const std::set<int> expected = Reachable(pages, depth);
  const bool matches = seen == expected && errors.empty() &&
                       fetched == static_cast<int>(expected.size());
  std::printf(
      "crawled %d pages (depth <= %d) in %.2f s, %d at a time; %d "
      "links seen; %zu errors; %s\n",
      fetched, depth, seconds, concurrency, links, errors.size(),
      matches ? "matches the site map"
              : absl::StrCat("DIFFERS from the site map (", expected.size(),
                             " pages reachable)")
                    .c_str());
  if (!errors.empty())
    std::fprintf(stderr, "first error: %s\n", errors[0].c_str());
  return matches ? 0 : 1;
}
