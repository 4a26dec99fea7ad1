// logstore_hang_repro: the traffic of issue 15's hang, for as long as asked.
//
// A few clients push batches that hold some entries too far behind their
// stream (so each push is answered 400 and the store counts the discarded
// entries), while /metrics is scraped in a loop and /ready polled. Before the
// fix, Store::Push held a stream's lock while taking the metrics registry's,
// and Registry::Render held the registry's while gauge functions took every
// stream's: the server stopped answering within about 30 seconds.
//
//   logstore_hang_repro [--minutes=2] [--pushers=3] [--stall-seconds=5]
//                       [--url=http://127.0.0.1:3100 | --bin=PATH/logstore]
//
// Without --url it starts its own logstore (--bin, else $LOGSTACK_BIN_DIR/
// logstore) on a free port in a temporary directory, and kills it at the end.
// Every 10 seconds and at the end it prints the requests served and the
// largest latency of /ready and /metrics. Exit status 1 when /ready or
// /metrics went unanswered for longer than --stall-seconds (a hang), else 0.
// Not part of `make test` (see docs/testing.md).

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::stress {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testutil::HttpClient;

constexpr int64_t kSecond = 1'000'000'000;

struct Options {
  double minutes = 2;
  int pushers = 3;
  int stall_seconds = 5;
  std::string url;
  std::string bin;
};

// Requests answered, requests that failed (timeouts included) and the
// longest time one request took, answered or not.
struct Stat {
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<int64_t> max_ms{0};
  void Record(bool answered, Clock::duration d) {
    (answered ? ok : failed)++;
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    int64_t cur = max_ms.load();
    while (ms > cur && !max_ms.compare_exchange_weak(cur, ms)) {
    }
  }
};

bool ParseFlag(std::string_view arg, std::string_view name, std::string* value) {
  std::string prefix = "--" + std::string(name) + "=";
  if (arg.substr(0, prefix.size()) != prefix) return false;
  *value = std::string(arg.substr(prefix.size()));
  return true;
}

void Pusher(const testutil::ParsedUrl& u, int id, const std::atomic<bool>* stop, Stat* stat,
            Stat* discarded) {
  HttpClient c(u.host, u.port);
  int64_t ts = testutil::NowNanos();
  for (uint64_t k = 0; !stop->load(); k++) {
    testutil::PushStream s{{{"job", "hang_repro"}, {"pusher", std::to_string(id)}}, {}, {}};
    for (int i = 0; i < 10; i++) {
      ts = std::max(ts + 1, testutil::NowNanos());
      s.entries.push_back({ts, "pusher " + std::to_string(id) + " line " + std::to_string(k), {}});
    }
    // Ninety minutes behind the stream: outside the out-of-order window
    // (half of storage.max_chunk_age, 1h by default), inside the 168h
    // reject_old_samples_max_age. The other entries are stored; the push is
    // answered 400 and the store counts the two it discarded.
    for (int i = 0; i < 2; i++) {
      s.entries.push_back({ts - 90 * 60 * kSecond - i, "late " + std::to_string(k), {}});
    }
    auto t0 = Clock::now();
    auto r = c.Post(
        testutil::kPushPath, testutil::EncodeProtoPush({s}),
        {{"Content-Type", std::string(testutil::kProtoContentType)}, {"X-Scope-OrgID", "fake"}},
        5s);
    bool answered = r.ok() && (r->status == 204 || r->status == 400);
    stat->Record(answered, Clock::now() - t0);
    if (answered && r->status == 400) discarded->ok++;
  }
}

void Poller(const testutil::ParsedUrl& u, const std::string& path, Clock::duration pause,
            const std::atomic<bool>* stop, Stat* stat) {
  HttpClient c(u.host, u.port);
  while (!stop->load()) {
    auto t0 = Clock::now();
    auto r = c.Get(path, {}, 5s);
    stat->Record(r.ok() && r->status == 200, Clock::now() - t0);
    if (pause > Clock::duration::zero()) std::this_thread::sleep_for(pause);  // request pacing
  }
}

int Run(const Options& o) {
  std::unique_ptr<testutil::LogstoreProcess> server;
  std::string url = o.url;
  if (url.empty()) {
    testutil::LogstoreOptions lo;
    lo.binary = o.bin;
    auto p = testutil::LogstoreProcess::Start(std::move(lo));
    if (!p.ok()) {
      std::fprintf(stderr, "logstore_hang_repro: %s\n", p.status().ToString().c_str());
      return 2;
    }
    server = std::move(*p);
    url = server->url();
  }
  auto u = testutil::ParseHttpUrl(url);
  if (!u.ok()) {
    std::fprintf(stderr, "logstore_hang_repro: %s\n", u.status().ToString().c_str());
    return 2;
  }
  std::printf("hang_repro: %s, %d pushers, %.1f minutes\n", url.c_str(), o.pushers, o.minutes);

  std::atomic<bool> stop{false};
  Stat push, discarded, ready, metrics;
  std::vector<std::thread> threads;
  for (int i = 0; i < o.pushers; i++) {
    threads.emplace_back(Pusher, *u, i, &stop, &push, &discarded);
  }
  threads.emplace_back(Poller, *u, "/metrics", Clock::duration::zero(), &stop, &metrics);
  threads.emplace_back(Poller, *u, "/ready", std::chrono::milliseconds(100), &stop, &ready);

  auto start = Clock::now();
  auto end = start + std::chrono::milliseconds(static_cast<int64_t>(o.minutes * 60'000));
  auto report = [&](const char* what) {
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf(
        "%s t=%.0fs pushes_ok=%llu (400 partial: %llu) pushes_failed=%llu ready_ok=%llu "
        "ready_failed=%llu ready_max_ms=%lld metrics_ok=%llu metrics_failed=%llu "
        "metrics_max_ms=%lld\n",
        what, secs, static_cast<unsigned long long>(push.ok.load()),
        static_cast<unsigned long long>(discarded.ok.load()),
        static_cast<unsigned long long>(push.failed.load()),
        static_cast<unsigned long long>(ready.ok.load()),
        static_cast<unsigned long long>(ready.failed.load()),
        static_cast<long long>(ready.max_ms.load()),
        static_cast<unsigned long long>(metrics.ok.load()),
        static_cast<unsigned long long>(metrics.failed.load()),
        static_cast<long long>(metrics.max_ms.load()));
    std::fflush(stdout);
  };
  auto next_report = start + 10s;
  while (Clock::now() < end) {
    std::this_thread::sleep_until(std::min(end, next_report));  // reporting interval
    if (Clock::now() >= next_report) {
      report("progress");
      next_report += 10s;
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  report("final");

  const int64_t stall_ms = static_cast<int64_t>(o.stall_seconds) * 1000;
  bool hung = ready.failed > 0 || metrics.failed > 0 || ready.max_ms >= stall_ms ||
              metrics.max_ms >= stall_ms;
  if (hung) {
    std::printf(
        "HANG: /ready or /metrics went unanswered (timeouts after 5s, or slower than %ds)\n",
        o.stall_seconds);
  } else {
    std::printf("OK: /ready and /metrics answered throughout\n");
  }
  if (server && hung) {
    std::printf("logstore output tail:\n%s\n", server->StderrTail(2000).c_str());
  }
  return hung ? 1 : 0;
}

}  // namespace
}  // namespace logstack::stress

int main(int argc, char** argv) {
  using logstack::stress::ParseFlag;
  logstack::stress::Options o;
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    std::string v;
    if (ParseFlag(a, "minutes", &v)) {
      o.minutes = std::atof(v.c_str());
    } else if (ParseFlag(a, "pushers", &v)) {
      o.pushers = std::atoi(v.c_str());
    } else if (ParseFlag(a, "stall-seconds", &v)) {
      o.stall_seconds = std::atoi(v.c_str());
    } else if (ParseFlag(a, "url", &v)) {
      o.url = v;
    } else if (ParseFlag(a, "bin", &v)) {
      o.bin = v;
    } else {
      std::fprintf(stderr,
                   "usage: logstore_hang_repro [--minutes=2] [--pushers=3] [--stall-seconds=5] "
                   "[--url=http://HOST:PORT | --bin=PATH]\n");
      return 2;
    }
  }
  if (o.minutes <= 0 || o.pushers <= 0 || o.stall_seconds <= 0) {
    std::fprintf(stderr,
                 "logstore_hang_repro: --minutes, --pushers, --stall-seconds must be > 0\n");
    return 2;
  }
  return logstack::stress::Run(o);
}
