// The stress test: one real logstore process under every kind of traffic at
// once, for about LOGSTACK_STRESS_SECONDS (default 40) seconds, with chunk,
// flush, WAL and retention settings small enough that flushes, WAL
// truncation and retention all run while it is loaded:
//
//   - pushers (protobuf+snappy) whose batches hold new entries, entries out
//     of order inside the window (stored) and exact duplicates of entries
//     sent before (some already flushed); separate batches of entries too
//     far behind the stream (400, none stored) and verbatim re-sends;
//   - a pusher over a low per-stream rate limit (429, partly stored);
//   - a pusher whose old entries land in partitions that retention deletes;
//   - a worker that re-sends whole batches after the store flushed them;
//   - log and metric queries, label and index-stats requests;
//   - two live tails over WebSocket, one of which stops reading for seconds;
//   - /metrics scraped in a loop, /ready polled.
//
// Then every endpoint must answer within a second, and every acknowledged
// line must be stored exactly once. Queries merge entries identical in time
// and line (store/merge_iterator.h), so they cannot show a line stored twice;
// "exactly once" is therefore checked against what the store counted as
// stored (logstore_ingested_lines_total{tenant}) and what its index holds
// (/loki/api/v1/index/stats entries), both of which count every copy.
//
// Bookkeeping, kept simple so that it is exactly right: a batch answered 204
// is stored in full ("acked"); a batch of entries too far behind answered 400
// is stored not at all ("rejected"); any other answer, or none, makes its
// entries "maybe stored". Rate-limited and too-far-behind entries never share
// a batch with entries that are counted.
//
// Label "stress"; see docs/testing.md.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tests/stress/tail_client.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::stress {
namespace {

using namespace std::chrono_literals;
using testutil::HttpClient;
using testutil::HttpHeaders;
using testutil::HttpResult;
using testutil::PushEntry;
using testutil::PushStream;
using Clock = std::chrono::steady_clock;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMilli = 1'000'000;
// storage.max_chunk_age below is 1m, so the out-of-order window is 30s.
constexpr int64_t kTooFarBehind = 45 * kSecond;
constexpr int64_t kInWindowBehind = 5 * kSecond;
// A request that takes longer than this during the run counts as a hang.
constexpr auto kRequestTimeout = 10s;

int RunSeconds() {
  const char* v = std::getenv("LOGSTACK_STRESS_SECONDS");
  int n = v != nullptr ? std::atoi(v) : 0;
  return n > 0 ? n : 40;
}

std::string Ns(int64_t ns) { return std::to_string(ns); }

HttpHeaders TenantHeader(const std::string& tenant) { return {{"X-Scope-OrgID", tenant}}; }

// What was sent to one tenant and what became of it. Thread-safe.
class Ledger {
 public:
  void Acked(const std::vector<PushStream>& batch) { Add(batch, &acked_); }
  void Maybe(const std::vector<PushStream>& batch) { Add(batch, &maybe_); }
  void Rejected(const std::vector<PushStream>& batch) { Add(batch, &rejected_); }

  std::unordered_set<std::string> acked() const { return Copy(acked_); }
  std::unordered_set<std::string> maybe() const { return Copy(maybe_); }
  std::unordered_set<std::string> rejected() const { return Copy(rejected_); }

 private:
  void Add(const std::vector<PushStream>& batch, std::unordered_set<std::string>* set) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : batch) {
      for (const auto& e : s.entries) set->insert(e.line);
    }
  }
  std::unordered_set<std::string> Copy(const std::unordered_set<std::string>& s) const {
    std::lock_guard<std::mutex> lock(mu_);
    return s;
  }

  mutable std::mutex mu_;
  std::unordered_set<std::string> acked_;
  std::unordered_set<std::string> maybe_;
  std::unordered_set<std::string> rejected_;
};

// The largest latency seen, and how many requests were answered.
struct LatencyStat {
  std::atomic<uint64_t> count{0};
  std::atomic<int64_t> max_us{0};
  void Record(Clock::duration d) {
    count++;
    int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    int64_t cur = max_us.load();
    while (us > cur && !max_us.compare_exchange_weak(cur, us)) {
    }
  }
  std::string Describe() const {
    return std::to_string(count.load()) + " requests, max " + std::to_string(max_us.load() / 1000) +
           " ms";
  }
};

// State shared by the workers: the stop signal (also what paced waits wait
// on), the failures they saw, and what they counted.
class Traffic {
 public:
  explicit Traffic(uint16_t port) : port_(port) {}

  uint16_t port() const { return port_; }
  bool stopping() const { return stop_.load(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
  }
  // Waits `d` unless the run stops first (pacing, not synchronisation).
  // Returns false once stopping.
  bool Pause(Clock::duration d) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, d, [&] { return stop_.load(); });
    return !stop_.load();
  }

  void Fail(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failures_.size() < 50) failures_.push_back(std::move(what));
    failure_count_++;
  }
  std::vector<std::string> failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  size_t failure_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failure_count_;
  }

  // Sends a protobuf+snappy push; the answer or the transport error.
  StatusOr<HttpResult> Push(HttpClient& c, const std::string& tenant,
                            const std::vector<PushStream>& batch) {
    HttpHeaders h = TenantHeader(tenant);
    h.emplace_back("Content-Type", std::string(testutil::kProtoContentType));
    auto t0 = Clock::now();
    auto r = c.Post(testutil::kPushPath, testutil::EncodeProtoPush(batch), h, kRequestTimeout);
    if (r.ok()) push_latency.Record(Clock::now() - t0);
    return r;
  }

  LatencyStat push_latency, ready_latency, metrics_latency, query_latency;
  std::atomic<uint64_t> pushes_204{0}, pushes_400{0}, pushes_429{0};
  std::atomic<uint64_t> tail_lines{0}, tail_dropped{0}, slow_tail_dropped{0};
  std::atomic<uint64_t> resend_cycles{0};

 private:
  const uint16_t port_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> failures_;
  size_t failure_count_ = 0;
};

std::string Padding(size_t n, uint64_t seed) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; i < n; i++) s.push_back(static_cast<char>('a' + (seed * 31 + i * 7) % 26));
  return s;
}

// ------------------------------------------------------------------ pushers

// Pushes to tenant "stress", streams {job="stress", pusher=<id>, stream=0..2}.
// Every batch is remembered; some later batches repeat a few of its entries.
void StressPusher(Traffic* run, Ledger* ledger, int id) {
  HttpClient c("127.0.0.1", run->port());
  constexpr int kStreams = 3;
  std::vector<int64_t> next_ts(kStreams, 0);
  std::vector<int64_t> max_acked(kStreams, 0);
  std::vector<std::vector<PushStream>> acked_batches;  // in order
  uint64_t seq = 0;
  auto labels = [&](int s) -> testutil::LabelList {
    return {{"job", "stress"}, {"pusher", std::to_string(id)}, {"stream", std::to_string(s)}};
  };
  auto line = [&](int s, const char* kind) {
    uint64_t n = seq++;
    return "pusher=" + std::to_string(id) + " stream=" + std::to_string(s) +
           " n=" + std::to_string(n) + " kind=" + kind + " " + Padding(60 + n % 40, n);
  };
  for (uint64_t k = 0; !run->stopping(); k++) {
    std::vector<PushStream> batch;
    const int kind = static_cast<int>(k % 10);
    if (kind == 3 && max_acked[k % kStreams] != 0) {
      // Entries too far behind the stream: every one refused, 400.
      int s = static_cast<int>(k % kStreams);
      PushStream ps{labels(s), std::nullopt, {}};
      for (int i = 0; i < 5; i++) {
        ps.entries.push_back({max_acked[s] - kTooFarBehind - i * kMilli, line(s, "behind"), {}});
      }
      batch.push_back(std::move(ps));
      auto r = run->Push(c, "stress", batch);
      if (r.ok() && r->status == 400 && r->body.find("too far behind") != std::string::npos) {
        run->pushes_400++;
        ledger->Rejected(batch);
      } else {
        ledger->Maybe(batch);
        run->Fail("stress pusher " + std::to_string(id) + ": entries too far behind: expected " +
                  "400, got " + (r.ok() ? r->Describe() : r.status().ToString()));
      }
    } else if (kind == 6 && !acked_batches.empty()) {
      // A verbatim re-send of the last acknowledged batch: 204, stored once.
      batch = acked_batches.back();
      auto r = run->Push(c, "stress", batch);
      if (r.ok() && r->status == 204) {
        run->pushes_204++;
      } else {
        run->Fail("stress pusher " + std::to_string(id) + ": re-sent batch: expected 204, got " +
                  (r.ok() ? r->Describe() : r.status().ToString()));
      }
    } else {
      int64_t now = testutil::NowNanos();
      for (int s = 0; s < kStreams; s++) {
        PushStream ps{labels(s), std::nullopt, {}};
        for (int i = 0; i < 4; i++) {
          next_ts[s] = std::max(next_ts[s] + 1, now + i);
          ps.entries.push_back({next_ts[s], line(s, "new"), {}});
        }
        if (max_acked[s] != 0) {
          // Out of order, but inside the window: stored.
          ps.entries.push_back(
              {max_acked[s] - kInWindowBehind - static_cast<int64_t>(k), line(s, "late"), {}});
        }
        batch.push_back(std::move(ps));
      }
      // Exact duplicates of entries of an older batch (by now often in a
      // flushed chunk), mixed in with the new ones.
      const size_t back = 5 + k % 40;
      if (acked_batches.size() >= back) {
        const auto& old = acked_batches[acked_batches.size() - back];
        for (size_t s = 0; s < old.size() && s < batch.size(); s++) {
          for (size_t i = 0; i < old[s].entries.size(); i += 2) {
            batch[s].entries.push_back(old[s].entries[i]);
          }
        }
      }
      auto r = run->Push(c, "stress", batch);
      if (r.ok() && r->status == 204) {
        run->pushes_204++;
        ledger->Acked(batch);
        for (int s = 0; s < kStreams; s++) {
          for (const auto& e : batch[s].entries) max_acked[s] = std::max(max_acked[s], e.ts_ns);
        }
        acked_batches.push_back(batch);
        if (acked_batches.size() > 200) acked_batches.erase(acked_batches.begin());
      } else {
        ledger->Maybe(batch);
        run->Fail("stress pusher " + std::to_string(id) + ": batch: expected 204, got " +
                  (r.ok() ? r->Describe() : r.status().ToString()));
      }
    }
    if (!run->Pause(20ms)) break;
  }
}

// Tenant "limited" has a per-stream rate limit of 2KB/s (burst 4KB): most of
// its batches are refused in part, 429, and are "maybe stored".
void LimitedPusher(Traffic* run, Ledger* ledger) {
  HttpClient c("127.0.0.1", run->port());
  for (uint64_t k = 0; !run->stopping(); k++) {
    PushStream ps{{{"job", "limited"}}, std::nullopt, {}};
    int64_t now = testutil::NowNanos();
    for (int i = 0; i < 8; i++) {
      ps.entries.push_back({now + i,
                            "limited k=" + std::to_string(k) + " i=" + std::to_string(i) + " " +
                                Padding(300, k * 8 + i),
                            {}});
    }
    std::vector<PushStream> batch{std::move(ps)};
    auto r = run->Push(c, "limited", batch);
    if (r.ok() && r->status == 204) {
      run->pushes_204++;
      ledger->Acked(batch);
    } else if (r.ok() && r->status == 429) {
      run->pushes_429++;
      ledger->Maybe(batch);
    } else {
      ledger->Maybe(batch);
      run->Fail("limited pusher: expected 204 or 429, got " +
                (r.ok() ? r->Describe() : r.status().ToString()));
    }
    if (!run->Pause(50ms)) break;
  }
}

// Tenant "expire" keeps data for 2m; these entries are 10 minutes old, so
// every partition they land in is deleted by the next retention pass.
void ExpirePusher(Traffic* run) {
  HttpClient c("127.0.0.1", run->port());
  int64_t ts = testutil::NowNanos() - 10 * 60 * kSecond;
  for (uint64_t k = 0; !run->stopping(); k++) {
    PushStream ps{{{"job", "expire"}}, std::nullopt, {}};
    for (int i = 0; i < 10; i++) {
      ts += 10 * kMilli;
      ps.entries.push_back({ts, "expire k=" + std::to_string(k) + " " + Padding(100, k + i), {}});
    }
    auto r = run->Push(c, "expire", {std::move(ps)});
    if (r.ok() && r->status == 204) {
      run->pushes_204++;
    } else {
      run->Fail("expire pusher: expected 204, got " +
                (r.ok() ? r->Describe() : r.status().ToString()));
    }
    if (!run->Pause(50ms)) break;
  }
}

// Bytes of flushed chunks of one tenant, from the layout in docs/storage.md.
uint64_t ChunkBytes(const std::string& data_dir, const std::string& tenant) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t total = 0;
  fs::path dir = fs::path(data_dir) / "tenants" / tenant;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.filename().string().rfind("chunks-", 0) == 0) {
      std::error_code sec;
      uint64_t n = fs::file_size(p, sec);
      if (!sec) total += n;
    }
  }
  return total;
}

// Tenant "resend": each cycle pushes a batch to a new stream, waits until the
// store has flushed it (the tenant's chunk files grow; the stream is idle, so
// the idle period flushes it), and pushes the same batch again: 204, and
// nothing may be stored twice.
void Resender(Traffic* run, Ledger* ledger, const std::string& data_dir) {
  HttpClient c("127.0.0.1", run->port());
  for (uint64_t cycle = 0; !run->stopping(); cycle++) {
    PushStream ps{{{"job", "resend"}, {"cycle", std::to_string(cycle)}}, std::nullopt, {}};
    int64_t now = testutil::NowNanos();
    for (int i = 0; i < 20; i++) {
      ps.entries.push_back({now + i * kMilli,
                            "resend cycle=" + std::to_string(cycle) + " i=" + std::to_string(i) +
                                " " + Padding(80, cycle * 20 + i),
                            {}});
    }
    std::vector<PushStream> batch{std::move(ps)};
    uint64_t before = ChunkBytes(data_dir, "resend");
    auto r = run->Push(c, "resend", batch);
    if (!r.ok() || r->status != 204) {
      ledger->Maybe(batch);
      run->Fail("resender: expected 204, got " + (r.ok() ? r->Describe() : r.status().ToString()));
      if (!run->Pause(100ms)) break;
      continue;
    }
    run->pushes_204++;
    ledger->Acked(batch);
    auto deadline = Clock::now() + 15s;
    while (ChunkBytes(data_dir, "resend") <= before && Clock::now() < deadline) {
      if (!run->Pause(50ms)) return;
    }
    if (ChunkBytes(data_dir, "resend") <= before) {
      run->Fail("resender: cycle " + std::to_string(cycle) + " was not flushed within 15s");
      continue;
    }
    r = run->Push(c, "resend", batch);
    if (!r.ok() || r->status != 204) {
      run->Fail("resender: re-sent flushed batch: expected 204, got " +
                (r.ok() ? r->Describe() : r.status().ToString()));
    }
    run->resend_cycles++;
  }
}

// ----------------------------------------------------------- readers

void Querier(Traffic* run, int id) {
  HttpClient c("127.0.0.1", run->port());
  for (uint64_t k = 0; !run->stopping(); k++) {
    int64_t now = testutil::NowNanos();
    std::string tenant = "stress";
    std::string target;
    switch ((k + static_cast<uint64_t>(id)) % 5) {
      case 0:
        target = "/loki/api/v1/query_range?query=" +
                 testutil::UrlEncode(R"({job="stress"} |= "stream=1")") +
                 "&start=" + Ns(now - 60 * kSecond) + "&end=" + Ns(now) + "&limit=200";
        break;
      case 1:
        target = "/loki/api/v1/query_range?query=" +
                 testutil::UrlEncode(R"(sum by (pusher) (count_over_time({job="stress"}[5s])))") +
                 "&start=" + Ns(now - 120 * kSecond) + "&end=" + Ns(now) + "&step=5";
        break;
      case 2:
        tenant = "expire";
        target = "/loki/api/v1/query_range?query=" + testutil::UrlEncode(R"({job="expire"})") +
                 "&start=" + Ns(now - 15 * 60 * kSecond) + "&end=" + Ns(now) +
                 "&limit=500&direction=forward";
        break;
      case 3:
        target = "/loki/api/v1/labels?start=" + Ns(now - 300 * kSecond) + "&end=" + Ns(now);
        break;
      default:
        tenant = k % 2 == 0 ? "resend" : "limited";
        target = "/loki/api/v1/index/stats?query=" + testutil::UrlEncode(R"({job=~".+"})") +
                 "&start=" + Ns(now - 300 * kSecond) + "&end=" + Ns(now);
        break;
    }
    auto t0 = Clock::now();
    auto r = c.Get(target, TenantHeader(tenant), kRequestTimeout);
    if (r.ok()) run->query_latency.Record(Clock::now() - t0);
    if (!r.ok() || r->status != 200) {
      run->Fail("querier: " + target.substr(0, 60) + ": " +
                (r.ok() ? r->Describe() : r.status().ToString()));
    }
    if (!run->Pause(30ms)) break;
  }
}

void Poller(Traffic* run, const std::string& path, int expected, LatencyStat* stat,
            Clock::duration pause) {
  HttpClient c("127.0.0.1", run->port());
  while (!run->stopping()) {
    auto t0 = Clock::now();
    auto r = c.Get(path, {}, kRequestTimeout);
    if (r.ok()) stat->Record(Clock::now() - t0);
    if (!r.ok() || r->status != expected) {
      run->Fail(path + ": " + (r.ok() ? r->Describe() : r.status().ToString()));
    }
    if (!run->Pause(pause)) break;
  }
}

std::string TailTarget(const std::string& query) {
  return "/loki/api/v1/tail?query=" + testutil::UrlEncode(query) +
         "&start=" + Ns(testutil::NowNanos());
}

// Reads everything pusher 0 pushes as it comes. `lines` collects every line
// received, with how often.
void FastTailer(Traffic* run, std::unordered_map<std::string, int>* lines) {
  TailClient t;
  Status s = t.Connect("127.0.0.1", run->port(), TailTarget(R"({job="stress", pusher="0"})"),
                       "stress", kRequestTimeout);
  if (!s.ok()) return run->Fail("fast tail: connect: " + s.ToString());
  while (!run->stopping()) {
    auto f = t.Read(kRequestTimeout);
    // After Stop() nothing is pushed any more, so a read may wait out its
    // deadline: that is the end of the run, not a stalled tail.
    if (!f.ok() && run->stopping()) break;
    if (!f.ok()) return run->Fail("fast tail: " + f.status().ToString());
    for (auto& l : f->lines) (*lines)[l]++;
    run->tail_lines += f->lines.size();
    run->tail_dropped += f->dropped;
  }
  t.Close();
}

// Tails everything but reads one frame, then nothing for 5 seconds, again and
// again, with a small receive buffer: the server must drop for it, never wait.
void SlowTailer(Traffic* run) {
  TailClient t;
  Status s = t.Connect("127.0.0.1", run->port(), TailTarget(R"({job="stress"})"), "stress",
                       kRequestTimeout, /*receive_buffer=*/4096);
  if (!s.ok()) return run->Fail("slow tail: connect: " + s.ToString());
  while (!run->stopping()) {
    auto f = t.Read(kRequestTimeout);
    if (!f.ok() && run->stopping()) break;  // as in FastTailer
    if (!f.ok()) return run->Fail("slow tail: " + f.status().ToString());
    run->slow_tail_dropped += f->dropped;
    if (!run->Pause(5s)) break;
  }
  t.Close();
}

// ------------------------------------------------------------------ checks

// Answers `path` with `expected` within a second? Best of three tries, so
// that one slow moment of a shared machine is not a failure, while a server
// that hangs fails all three.
::testing::AssertionResult AnswersWithinASecond(uint16_t port, const std::string& method,
                                                const std::string& path, const HttpHeaders& h,
                                                const std::string& body, int expected) {
  std::string last;
  for (int i = 0; i < 3; i++) {
    HttpClient c("127.0.0.1", port, /*keep_alive=*/false);
    auto t0 = Clock::now();
    auto r = c.Do(method, path, h, body, 1000ms);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    if (r.ok() && r->status == expected && ms <= 1000) return ::testing::AssertionSuccess();
    last = r.ok() ? r->Describe() + " after " + std::to_string(ms) + " ms" : r.status().ToString();
  }
  return ::testing::AssertionFailure() << method << " " << path << ": " << last;
}

StatusOr<std::string> Metrics(uint16_t port) {
  HttpClient c("127.0.0.1", port);
  LOGSTACK_ASSIGN_OR_RETURN(HttpResult r, c.Get("/metrics", {}, kRequestTimeout));
  if (r.status != 200) return Unavailable("/metrics: " + r.Describe());
  return r.body;
}

// The entries of `tenant`'s index stats over [from, to).
StatusOr<uint64_t> IndexStatsEntries(uint16_t port, const std::string& tenant,
                                     const std::string& query, int64_t from, int64_t to) {
  HttpClient c("127.0.0.1", port);
  std::string target = "/loki/api/v1/index/stats?query=" + testutil::UrlEncode(query) +
                       "&start=" + Ns(from) + "&end=" + Ns(to);
  LOGSTACK_ASSIGN_OR_RETURN(HttpResult r, c.Get(target, TenantHeader(tenant), kRequestTimeout));
  if (r.status != 200) return Unavailable("index/stats: " + r.Describe());
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("entries") ||
      !j["entries"].is_number_unsigned()) {
    return Corruption("index/stats answer without entries: " + r.Describe());
  }
  return j["entries"].get<uint64_t>();
}

std::string Sample(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < 3; i++) out += "\n    " + v[i].substr(0, 70);
  return out;
}

class StressTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) {
      std::cerr << "---- logstore output (" << server_->stderr_path() << ") ----\n"
                << server_->StderrTail(8000) << "\n----\n";
    }
  }

  // Checks that the acknowledged lines of `tenant` (selector `query`) are all
  // stored, exactly once, and nothing else is.
  void CheckExactlyOnce(const std::string& tenant, const std::string& query, const Ledger& ledger,
                        int64_t from, int64_t to, const std::string& metrics) {
    SCOPED_TRACE("tenant " + tenant);
    HttpClient c("127.0.0.1", server_->port());
    testutil::QueryRangeParams p;
    p.query = query;
    p.start_ns = from;
    p.end_ns = to;
    p.limit = 1'000'000;
    p.direction = "forward";
    p.tenant = tenant;
    auto got = testutil::QueryRange(c, p);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    std::unordered_map<std::string, int> stored;
    for (const auto& e : *got) stored[e.line]++;
    auto acked = ledger.acked();
    auto maybe = ledger.maybe();
    auto rejected = ledger.rejected();
    std::vector<std::string> missing, unexpected, refused_but_stored, twice;
    for (const auto& l : acked) {
      if (!stored.count(l)) missing.push_back(l);
    }
    for (const auto& [l, n] : stored) {
      if (n > 1) twice.push_back(l);
      if (!acked.count(l) && !maybe.count(l)) unexpected.push_back(l);
      if (rejected.count(l)) refused_but_stored.push_back(l);
    }
    EXPECT_TRUE(missing.empty()) << missing.size() << " of " << acked.size()
                                 << " acknowledged lines are missing, e.g." << Sample(missing);
    EXPECT_TRUE(unexpected.empty())
        << unexpected.size() << " lines stored that were never sent, e.g." << Sample(unexpected);
    EXPECT_TRUE(refused_but_stored.empty()) << refused_but_stored.size()
                                            << " lines answered 400 (too far behind) were stored,"
                                               " e.g."
                                            << Sample(refused_but_stored);
    EXPECT_TRUE(twice.empty()) << twice.size() << " lines returned twice by one query, e.g."
                               << Sample(twice);
    // Every copy the store keeps is counted by both of these.
    auto ingested =
        testutil::MetricValue(metrics, "logstore_ingested_lines_total", {{"tenant", tenant}});
    ASSERT_TRUE(ingested.has_value());
    EXPECT_EQ(static_cast<uint64_t>(*ingested), stored.size())
        << "logstore_ingested_lines_total{tenant=\"" << tenant << "\"} counts "
        << static_cast<uint64_t>(*ingested) << " stored entries for " << stored.size()
        << " distinct lines: re-sent duplicates were stored again (exactly once across flushes)";
    auto entries = IndexStatsEntries(server_->port(), tenant, query, from, to);
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    EXPECT_EQ(*entries, stored.size())
        << "index/stats counts " << *entries << " entries for " << stored.size()
        << " distinct lines: an entry is stored more than once";
    std::cerr << "tenant " << tenant << ": " << acked.size() << " lines acknowledged, "
              << maybe.size() << " maybe stored, " << rejected.size() << " refused; "
              << stored.size() << " stored\n";
  }

  std::unique_ptr<testutil::LogstoreProcess> server_;
};

TEST_F(StressTest, MixedTrafficKeepsServingAndStoresEveryAcknowledgedLineOnce) {
  testutil::LogstoreOptions opts;
  opts.flags = {
      "--auth-enabled=true",
      // Flushes by size, age, idleness and WAL size all happen in the run.
      "--storage.chunk-block-size=4KB",
      "--storage.chunk-target-size=16KB",
      "--storage.max-chunk-age=1m",  // out-of-order window: 30s
      "--storage.chunk-idle-period=1s",
      "--storage.flush-check-period=100ms",
      "--storage.partition-period=1m",
      "--storage.retention-check-period=1s",
      "--wal.segment-size=256KB",
      "--wal.max-size=1MB",
      "--limits.ingestion-rate-mb=64",
      "--limits.ingestion-burst-size-mb=64",
      "--limits.max-entries-limit-per-query=1000000",
      "--limits.max-query-series=100000",
      "--overrides.limited.per-stream-rate-limit=2KB",
      "--overrides.limited.per-stream-rate-limit-burst=4KB",
      "--overrides.expire.retention-period=2m",
  };
  auto p = testutil::LogstoreProcess::Start(std::move(opts));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  server_ = std::move(*p);
  const uint16_t port = server_->port();
  const int64_t t_start = testutil::NowNanos();

  Traffic run(port);
  Ledger stress, limited, resend;
  std::unordered_map<std::string, int> fast_tail_lines;
  std::vector<std::thread> threads;
  constexpr int kPushers = 4;
  for (int i = 0; i < kPushers; i++) threads.emplace_back(StressPusher, &run, &stress, i);
  threads.emplace_back(LimitedPusher, &run, &limited);
  threads.emplace_back(ExpirePusher, &run);
  threads.emplace_back(Resender, &run, &resend, server_->data_dir());
  for (int i = 0; i < 2; i++) threads.emplace_back(Querier, &run, i);
  threads.emplace_back(Poller, &run, "/metrics", 200, &run.metrics_latency, 10ms);
  threads.emplace_back(Poller, &run, "/ready", 200, &run.ready_latency, 50ms);
  threads.emplace_back(FastTailer, &run, &fast_tail_lines);
  threads.emplace_back(SlowTailer, &run);

  // The run lasts its time, or ends early once something failed.
  auto end = Clock::now() + std::chrono::seconds(RunSeconds());
  while (Clock::now() < end && run.failure_count() == 0) run.Pause(200ms);
  run.Stop();
  for (auto& t : threads) t.join();

  std::cerr << "pushes: 204 " << run.pushes_204 << ", 400 " << run.pushes_400 << ", 429 "
            << run.pushes_429 << "; push " << run.push_latency.Describe() << "; /ready "
            << run.ready_latency.Describe() << "; /metrics " << run.metrics_latency.Describe()
            << "; queries " << run.query_latency.Describe() << "; fast tail " << run.tail_lines
            << " lines, " << run.tail_dropped << " dropped; slow tail " << run.slow_tail_dropped
            << " dropped; resend cycles " << run.resend_cycles << "\n";
  auto failures = run.failures();
  for (const auto& f : failures) ADD_FAILURE() << "during the run: " << f;
  EXPECT_EQ(run.failure_count(), 0u);

  // Still serving: every endpoint answers within a second.
  const int64_t now = testutil::NowNanos();
  const HttpHeaders stress_h = TenantHeader("stress");
  EXPECT_TRUE(AnswersWithinASecond(port, "GET", "/ready", {}, "", 200));
  EXPECT_TRUE(AnswersWithinASecond(port, "GET", "/metrics", {}, "", 200));
  EXPECT_TRUE(AnswersWithinASecond(port, "GET", "/loki/api/v1/labels", stress_h, "", 200));
  EXPECT_TRUE(AnswersWithinASecond(
      port, "GET",
      "/loki/api/v1/query_range?query=" + testutil::UrlEncode(R"({job="stress"})") +
          "&start=" + Ns(now - 10 * kSecond) + "&end=" + Ns(now) + "&limit=10",
      stress_h, "", 200));
  {
    std::vector<PushStream> last{{{{"job", "stress"}, {"pusher", "final"}}, std::nullopt, {}}};
    last[0].entries.push_back({now, "the last line", {}});
    HttpHeaders h = stress_h;
    h.emplace_back("Content-Type", std::string(testutil::kProtoContentType));
    bool ok = AnswersWithinASecond(port, "POST", std::string(testutil::kPushPath), h,
                                   testutil::EncodeProtoPush(last), 204);
    EXPECT_TRUE(ok) << "push";
    if (ok) stress.Acked(last);
  }

  // Retention ran while loaded: tenant "expire"'s old partitions are gone.
  std::string metrics;
  auto deadline = Clock::now() + 20s;
  for (;;) {
    auto m = Metrics(port);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    metrics = *m;
    auto deleted = testutil::MetricValue(metrics, "logstore_retention_partitions_deleted_total");
    if (deleted.value_or(0) > 0) break;
    ASSERT_LT(Clock::now(), deadline) << "retention deleted no partition of tenant expire";
    std::this_thread::sleep_for(100ms);  // polling interval of a deadline wait
  }
  EXPECT_GT(testutil::MetricValue(metrics, "logstore_chunks_flushed_total").value_or(0), 0);

  // Every acknowledged line, exactly once.
  const int64_t from = t_start - 5 * 60 * kSecond;
  const int64_t to = testutil::NowNanos() + 60 * kSecond;
  CheckExactlyOnce("stress", R"({job="stress"})", stress, from, to, metrics);
  CheckExactlyOnce("resend", R"({job="resend"})", resend, from, to, metrics);
  CheckExactlyOnce("limited", R"({job="limited"})", limited, from, to, metrics);
  EXPECT_GT(run.pushes_429.load(), 0u) << "the rate-limited tenant was never limited";
  EXPECT_GT(run.pushes_400.load(), 0u) << "no batch too far behind was refused";
  EXPECT_GT(run.resend_cycles.load(), 0u) << "no batch was re-sent after its flush";

  // The fast tail saw only lines that were sent, each once.
  EXPECT_GT(fast_tail_lines.size(), 0u) << "the fast tail received nothing";
  auto sent = stress.acked();
  for (const auto& l : stress.maybe()) sent.insert(l);
  size_t foreign = 0, repeated = 0;
  for (const auto& [l, n] : fast_tail_lines) {
    if (!sent.count(l) || l.find("pusher=0 ") != 0) foreign++;
    if (n > 1) repeated++;
  }
  EXPECT_EQ(foreign, 0u) << "lines tailed that pusher 0 never sent";
  EXPECT_EQ(repeated, 0u) << "lines tailed more than once";
}

}  // namespace
}  // namespace logstack::stress
