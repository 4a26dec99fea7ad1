// The crash test: a real logstore process is pushed to by four threads at
// once and killed with SIGKILL at random moments, several times. After each
// restart, every line whose push was answered 204 must be returned by
// query_range exactly once, with the time it was sent with, and no line that
// was never sent may appear. Lines whose push was not answered (in flight at
// the kill) may be there or not, but never twice.
//
// Some rounds run with tiny chunks and WAL segments so that flushes and WAL
// truncation happen while the process is killed.
//
// The PRNG seed is printed; set LOGSTACK_CRASH_SEED to replay a run's kill
// times and request sizes.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tests/testutil/eventually.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::testutil {
namespace {

constexpr int kThreads = 4;
constexpr int kRounds = 8;
constexpr int64_t kPageLimit = 1'000'000;

std::vector<std::string> RoundFlags(int round) {
  std::vector<std::string> flags = {
      // Nothing in this test may be refused for its rate or size.
      "--limits.ingestion-rate-mb=1024",
      "--limits.ingestion-burst-size-mb=1024",
      "--limits.per-stream-rate-limit=1GB",
      "--limits.per-stream-rate-limit-burst=1GB",
      "--limits.max-entries-limit-per-query=" + std::to_string(kPageLimit),
  };
  if (round % 2 == 1) {
    // Flush small chunks often and roll the WAL quickly, so that flushes and
    // segment deletion race with the kill.
    flags.insert(flags.end(),
                 {"--storage.flush-check-period=100ms", "--storage.chunk-target-size=16KB",
                  "--storage.chunk-block-size=4KB", "--wal.segment-size=256KB"});
  }
  return flags;
}

struct SentLine {
  int thread;
  int64_t ts;
};

// What one pushing thread did.
struct PusherLog {
  std::vector<std::pair<std::string, int64_t>> sent;  // line, timestamp
  std::vector<std::string> acked;                     // lines of pushes answered 204
  int requests = 0;
  int acked_requests = 0;
  int transport_errors = 0;
  std::vector<std::string> bad_answers;  // HTTP answers other than 204
};

// Pushes protobuf+snappy requests of unique lines until `stop` is set.
// `seq` numbers this thread's requests across rounds, so lines never repeat.
void Pusher(int thread, uint64_t seed, const std::string& host, uint16_t port,
            const std::atomic<bool>* stop, int64_t* seq, int64_t* last_ts, PusherLog* log) {
  std::mt19937_64 rng(seed);
  HttpClient client(host, port);
  const LabelList labels = {{"crash", "1"}, {"thread", std::to_string(thread)}};
  while (!stop->load()) {
    const int64_t q = (*seq)++;
    const int n = static_cast<int>(rng() % 20) + 1;
    PushStream s{labels, {}, {}};
    for (int k = 0; k < n; k++) {
      int64_t ts = std::max(NowNanos(), *last_ts + 1);
      *last_ts = ts;
      std::string line =
          "t" + std::to_string(thread) + " q" + std::to_string(q) + " k" + std::to_string(k) + " ";
      // Some incompressible padding, so that chunks fill up.
      const int pad = static_cast<int>(rng() % 200);
      for (int i = 0; i < pad; i++) line.push_back(static_cast<char>('a' + rng() % 26));
      s.entries.push_back({ts, line, {}});
      log->sent.emplace_back(line, ts);
    }
    log->requests++;
    auto r = PushProto(client, {s});
    if (!r.ok()) {
      // Connection refused or reset by the kill: not acknowledged. The main
      // thread sets `stop` right after a kill: wait for that instead of
      // spinning on a dead port. (Should an error come without a kill, the
      // wait ends with the round, at most a few hundred ms on.)
      log->transport_errors++;
      client.Close();
      (void)testutil::Eventually([&] { return stop->load(); });
      continue;
    }
    if (r->status == 204) {
      log->acked_requests++;
      for (const PushEntry& e : s.entries) log->acked.push_back(e.line);
    } else if (log->bad_answers.size() < 5) {
      log->bad_answers.push_back(r->Describe());
    }
  }
}

struct Answer {
  std::string line;
  int64_t ts;
  std::string thread_label;
};

// Every entry of {crash="1"} in [from, to), oldest first, paging by time if
// an answer is full.
StatusOr<std::vector<Answer>> ReadAll(HttpClient& client, int64_t from, int64_t to) {
  std::vector<Answer> out;
  int64_t start = from;
  // Entries at the last page's last timestamp that were already taken.
  std::multiset<std::string> taken_at_start;
  while (true) {
    QueryRangeParams p;
    p.query = "{crash=\"1\"}";
    p.start_ns = start;
    p.end_ns = to;
    p.limit = kPageLimit;
    p.direction = "forward";
    LOGSTACK_ASSIGN_OR_RETURN(std::vector<QueriedEntry> page, QueryRange(client, p));
    std::vector<Answer> fresh;
    for (QueriedEntry& e : page) {
      std::string thread;
      for (const auto& [k, v] : e.labels) {
        if (k == "thread") thread = v;
      }
      if (e.ts_ns == start) {
        auto it = taken_at_start.find(e.line);
        if (it != taken_at_start.end()) {
          taken_at_start.erase(it);
          continue;
        }
      }
      fresh.push_back({std::move(e.line), e.ts_ns, thread});
    }
    std::sort(fresh.begin(), fresh.end(),
              [](const Answer& a, const Answer& b) { return a.ts < b.ts; });
    out.insert(out.end(), fresh.begin(), fresh.end());
    if (static_cast<int64_t>(page.size()) < kPageLimit) return out;
    if (fresh.empty()) return Internal("paging made no progress at " + std::to_string(start));
    start = out.back().ts;
    taken_at_start.clear();
    for (auto it = out.rbegin(); it != out.rend() && it->ts == start; ++it) {
      taken_at_start.insert(it->line);
    }
  }
}

class CrashTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) {
      std::cerr << "---- logstore output (" << server_->stderr_path() << ") ----\n"
                << server_->StderrTail(8000) << "\n----\n";
    }
  }

  // Checks the store against everything sent and acknowledged so far.
  void Verify(const std::string& when) {
    SCOPED_TRACE(when);
    HttpClient client(server_->host(), server_->port());
    auto got = ReadAll(client, test_start_ - 60'000'000'000LL, NowNanos() + 3'600'000'000'000LL);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    std::unordered_map<std::string, int> count;
    std::vector<std::string> problems;
    auto problem = [&](std::string p) {
      if (problems.size() < 15) problems.push_back(std::move(p));
    };
    for (const Answer& a : *got) {
      int c = ++count[a.line];
      if (c == 2) problem("returned more than once: '" + a.line + "'");
      auto it = sent_.find(a.line);
      if (it == sent_.end()) {
        problem("never sent: '" + a.line + "' at " + std::to_string(a.ts));
        continue;
      }
      if (it->second.ts != a.ts) {
        problem("'" + a.line + "' at " + std::to_string(a.ts) + ", sent at " +
                std::to_string(it->second.ts));
      }
      if (a.thread_label != std::to_string(it->second.thread)) {
        problem("'" + a.line + "' in the stream of thread " + a.thread_label);
      }
    }
    size_t missing = 0;
    for (const std::string& line : acked_) {
      if (count.find(line) == count.end()) {
        missing++;
        problem("acknowledged but missing: '" + line + "'");
      }
    }
    size_t unacked_present = got->size() - (acked_.size() - missing);
    std::cout << "[ crash    ] " << when << ": " << got->size() << " lines returned, "
              << acked_.size() << " acknowledged (" << missing << " missing), " << sent_.size()
              << " sent; " << unacked_present << " unacknowledged present\n";
    EXPECT_TRUE(problems.empty()) << problems.size() << "+ problems, e.g.:\n"
                                  << [&] {
                                       std::string s;
                                       for (const auto& p : problems) s += "  " + p + "\n";
                                       return s;
                                     }();
  }

  std::optional<TempDir> dir_;  // outlives server_, so TearDown can show its output
  std::unique_ptr<LogstoreProcess> server_;
  int64_t test_start_ = NowNanos();
  std::unordered_map<std::string, SentLine> sent_;
  std::vector<std::string> acked_;
};

TEST_F(CrashTest, AcknowledgedLinesSurviveSigkillExactlyOnce) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("LOGSTACK_CRASH_SEED"); s != nullptr && *s != '\0') {
    seed = std::strtoull(s, nullptr, 10);
  }
  std::cout << "[ crash    ] seed " << seed << " (set LOGSTACK_CRASH_SEED=" << seed
            << " to replay)\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("LOGSTACK_CRASH_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  auto dir = TempDir::Create("logstore-crash-");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  dir_.emplace(std::move(*dir));
  LogstoreOptions opts;
  opts.data_dir = dir_->path();
  opts.flags = RoundFlags(0);
  auto started = LogstoreProcess::Start(opts);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  server_ = std::move(*started);

  std::vector<int64_t> seq(kThreads, 0);
  std::vector<int64_t> last_ts(kThreads, 0);
  int total_requests = 0;
  int total_acked = 0;
  for (int round = 0; round < kRounds; round++) {
    if (round > 0) {
      server_->set_flags(RoundFlags(round));
      Status s = server_->Restart();
      ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.ToString();
      ASSERT_NO_FATAL_FAILURE(Verify("after restart " + std::to_string(round)));
      if (HasFailure()) return;
    }
    std::atomic<bool> stop{false};
    std::vector<PusherLog> logs(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back(Pusher, t, rng(), server_->host(), server_->port(), &stop, &seq[t],
                           &last_ts[t], &logs[t]);
    }
    // The moment of the kill is what this test is about: traffic runs for a
    // random stretch of real time, then the store is killed mid-flight. Not a
    // wait for something to happen (any moment is a valid crash point), and
    // the store's own clock is not the test's to move.
    const int kill_after_ms = 50 + static_cast<int>(rng() % 351);
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    Status killed = server_->Kill(SIGKILL);
    stop = true;
    for (auto& th : threads) th.join();
    ASSERT_TRUE(killed.ok()) << killed.ToString();

    int round_requests = 0, round_acked = 0;
    for (int t = 0; t < kThreads; t++) {
      for (const auto& [line, ts] : logs[t].sent) sent_[line] = SentLine{t, ts};
      acked_.insert(acked_.end(), logs[t].acked.begin(), logs[t].acked.end());
      round_requests += logs[t].requests;
      round_acked += logs[t].acked_requests;
      for (const std::string& b : logs[t].bad_answers) {
        ADD_FAILURE() << "round " << round << ", thread " << t << ": push answered " << b;
      }
    }
    total_requests += round_requests;
    total_acked += round_acked;
    std::cout << "[ crash    ] round " << round << ": killed after " << kill_after_ms << " ms, "
              << round_requests << " pushes, " << round_acked << " acknowledged\n";
  }
  // Every round must have had pushes acknowledged, or it tested nothing.
  EXPECT_GT(total_acked, kRounds) << total_requests << " pushes sent";

  server_->set_flags(RoundFlags(0));
  Status s = server_->Restart();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_NO_FATAL_FAILURE(Verify("after the last restart"));

  // The small-chunk rounds must have flushed chunks to disk, or they did not
  // test what they are for.
  int chunk_files = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_->path(), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("chunks-", 0) == 0 && it->is_regular_file() && it->file_size() > 0) {
      chunk_files++;
    }
  }
  EXPECT_GT(chunk_files, 0) << "no chunk file under " << dir_->path();

  // A clean shutdown and start must keep everything too.
  s = server_->Stop();
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = server_->Restart();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_NO_FATAL_FAILURE(Verify("after a clean restart"));
}

}  // namespace
}  // namespace logstack::testutil
