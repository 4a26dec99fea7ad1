// The collector end to end, with real processes: the logstack-collector
// binary reads a pods tree written as kubelet writes it and pushes to the
// real log store; the test then reads every line back with LogQL. The
// checks are exactly-once: every line written is stored once, none twice,
// across rotations, SIGKILLs of the collector and restarts of the store.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/collector/pod_log_writer.h"
#include "tests/testutil/eventually.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::collector {
namespace {

using testing::PodLogWriter;
using testutil::LogstoreOptions;
using testutil::LogstoreProcess;
using testutil::QueriedEntry;
using testutil::TempDir;

constexpr char kTenant[] = "team-a";

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("collector-e2e-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_.emplace(std::move(*dir));
    pods_dir_ = dir_->Join("pods");
    std::filesystem::create_directories(pods_dir_);
    std::filesystem::create_directories(dir_->Join("store"));
    std::filesystem::create_directories(dir_->Join("collector"));
    start_ns_ = testutil::NowNanos() - 600'000'000'000;  // ten minutes ago
    StartStore();
  }

  void StartStore() {
    LogstoreOptions o;
    o.data_dir = dir_->Join("store");
    o.flags = {"--auth-enabled=true", "--limits.max-entries-limit-per-query=1000000",
               "--limits.reject-old-samples=false"};
    auto s = LogstoreProcess::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  std::vector<std::string> CollectorFlags() const {
    return {"--pods-dir=" + pods_dir_,
            "--positions-file=" + dir_->Join("collector/positions.yaml"),
            "--push-url=" + store_->url() + "/loki/api/v1/push",
            std::string("--tenant=") + kTenant,
            "--kubernetes-metadata=false",
            "--batch-wait=100ms",
            "--rescan-interval=500ms",
            "--min-backoff=20ms",
            "--max-backoff=500ms"};
  }

  void StartCollector(std::vector<std::string> extra = {}) {
    LogstoreOptions o;
    o.binary = std::string(std::getenv("LOGSTACK_BIN_DIR")) + "/logstack-collector";
    o.data_dir = dir_->Join("collector");
    o.pass_data_dir = false;
    o.log_name = "collector.stderr";
    o.flags = CollectorFlags();
    o.flags.insert(o.flags.end(), extra.begin(), extra.end());
    auto c = LogstoreProcess::Start(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    collector_ = std::move(*c);
  }

  // Every entry of `selector` the store holds, oldest first.
  std::vector<QueriedEntry> All(const std::string& selector) {
    testutil::HttpClient client(store_->host(), store_->port());
    testutil::QueryRangeParams p;
    p.query = selector;
    p.start_ns = start_ns_ - 3'600'000'000'000;
    p.end_ns = testutil::NowNanos() + 3'600'000'000'000;
    p.limit = 1'000'000;
    p.direction = "forward";
    p.tenant = kTenant;
    auto r = testutil::QueryRange(client, p);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<QueriedEntry>{};
  }

  // Waits until the store holds `want` lines for `selector`, then checks
  // every written line is there exactly once.
  void ExpectExactlyOnce(const std::string& selector, const std::vector<PodLogWriter*>& writers,
                         std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
    int64_t want = 0;
    for (auto* w : writers) want += w->lines_written();
    std::vector<QueriedEntry> got;
    bool done = testutil::Eventually(
        [&] {
          got = All(selector);
          return static_cast<int64_t>(got.size()) >= want;
        },
        deadline);
    std::map<std::string, int> count;
    for (const auto& e : got) ++count[e.line];
    std::set<std::string> missing;
    for (auto* w : writers) {
      for (int64_t i = 0; i < w->lines_written(); ++i) {
        auto it = count.find(w->LineText(i));
        if (it == count.end()) missing.insert(w->LineText(i));
      }
    }
    int dups = 0;
    for (const auto& [line, n] : count) {
      if (n > 1) {
        if (dups < 5) ADD_FAILURE() << "stored " << n << " times: " << line;
        ++dups;
      }
    }
    EXPECT_TRUE(done) << "store holds " << got.size() << " of " << want << " lines\n"
                      << collector_->StderrTail();
    EXPECT_EQ(missing.size(), 0u) << "first missing: "
                                  << (missing.empty() ? "" : *missing.begin()) << "\n"
                                  << collector_->StderrTail();
    EXPECT_EQ(dups, 0);
    EXPECT_EQ(static_cast<int64_t>(got.size()), want);
  }

  std::optional<TempDir> dir_;
  std::string pods_dir_;
  int64_t start_ns_ = 0;
  std::unique_ptr<LogstoreProcess> store_;
  std::unique_ptr<LogstoreProcess> collector_;
};

TEST_F(DeliveryTest, LinesArriveOnceWithPathLabelsAndJoinedPartials) {
  PodLogWriter order(pods_dir_, "shop", "order-7c9d8b6f5d-x2x4z", "0b0f6a4e-1", "order", start_ns_);
  order.Write(200, /*partial_every=*/7);
  StartCollector();
  order.Write(300, 11);
  ExpectExactlyOnce(R"({namespace="shop"})", {&order});

  auto entries = All(R"({namespace="shop", stream="stderr"})");
  ASSERT_FALSE(entries.empty());
  std::map<std::string, std::string> labels(entries[0].labels.begin(), entries[0].labels.end());
  EXPECT_EQ(labels["namespace"], "shop");
  EXPECT_EQ(labels["pod"], "order-7c9d8b6f5d-x2x4z");
  EXPECT_EQ(labels["container"], "order");
  EXPECT_EQ(labels["app"], "order");
  EXPECT_EQ(labels["job"], "shop/order");
  EXPECT_EQ(labels.count("uid"), 0u);
  for (const auto& [k, v] : labels) EXPECT_EQ(v.find("0b0f6a4e"), std::string::npos) << k;
}

TEST_F(DeliveryTest, RotationsWhileTheCollectorIsStoppedLoseNothing) {
  PodLogWriter w(pods_dir_, "shop", "delivery-5d4f-abcde", "uid-2", "delivery", start_ns_);
  w.Write(100);
  StartCollector();
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
  // Behind: the collector is frozen while the file rotates twice, the older
  // rotated file is gzipped, and lines are split across the rotations.
  ASSERT_EQ(::kill(collector_->pid(), SIGSTOP), 0);
  w.Write(100, 3);
  w.RotateRename();
  w.Write(100, 3);
  w.RotateRename();
  w.Write(100, 3);
  ASSERT_EQ(::kill(collector_->pid(), SIGCONT), 0);
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
  // And again while it is down altogether.
  ASSERT_TRUE(collector_->Stop().ok()) << collector_->StderrTail();
  w.Write(50);
  w.RotateRename();
  w.Write(50);
  ASSERT_TRUE(collector_->Restart().ok()) << collector_->StderrTail();
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
}

TEST_F(DeliveryTest, CopyTruncateIsDetected) {
  PodLogWriter w(pods_dir_, "shop", "cart-1", "uid-3", "cart", start_ns_);
  StartCollector();
  w.Write(100);
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
  w.RotateCopyTruncate();
  w.Write(20);  // shorter than before: the file shrank
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
}

TEST_F(DeliveryTest, EveryLineOnceAcrossCollectorKills) {
  PodLogWriter a(pods_dir_, "shop", "order-1", "uid-a", "order", start_ns_);
  PodLogWriter b(pods_dir_, "shop", "delivery-1", "uid-b", "delivery", start_ns_);
  StartCollector();
  std::mt19937 rng(42);
  for (int round = 0; round < 8; ++round) {
    a.Write(150, 9);
    b.Write(120);
    if (round % 3 == 1) a.RotateRename();
    // Kill at a random moment while it works.
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 150));
    ASSERT_TRUE(collector_->Kill(SIGKILL).ok());
    b.Write(30);
    ASSERT_TRUE(collector_->Restart().ok()) << collector_->StderrTail();
  }
  ExpectExactlyOnce(R"({namespace="shop"})", {&a, &b});
}

TEST_F(DeliveryTest, StoreRestartsAndOutagesLoseNothing) {
  PodLogWriter w(pods_dir_, "shop", "order-2", "uid-c", "order", start_ns_);
  StartCollector();
  w.Write(100);
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
  // Killed: whatever it acknowledged is in its WAL.
  ASSERT_TRUE(store_->Kill(SIGKILL).ok());
  w.Write(200, 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the collector retries meanwhile
  w.Write(100);
  ASSERT_TRUE(store_->Restart().ok());
  // The store's port changed: restart the collector with the new URL.
  collector_->set_flags([&] {
    auto f = CollectorFlags();
    return f;
  }());
  ASSERT_TRUE(collector_->Restart().ok()) << collector_->StderrTail();
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
}

TEST_F(DeliveryTest, CorruptPositionsFileIsReportedAndNothingIsDuplicated) {
  PodLogWriter w(pods_dir_, "shop", "order-3", "uid-d", "order", start_ns_);
  w.Write(100);
  StartCollector();
  ExpectExactlyOnce(R"({namespace="shop"})", {&w});
  ASSERT_TRUE(collector_->Stop().ok());
  {
    std::ofstream f(dir_->Join("collector/positions.yaml"), std::ios::trunc);
    f << "positions:\n  garbage: [\x01\x02\n";
  }
  w.Write(10);
  ASSERT_TRUE(collector_->Restart().ok()) << collector_->StderrTail();
  // It starts known files at their end: the 100 old lines are not sent
  // again. (The 10 written while it was down are skipped too: the price of
  // a positions file that cannot be trusted, counted in a metric.)
  w.Write(50);
  testutil::HttpClient client("127.0.0.1", collector_->port());
  bool reported = testutil::Eventually(
      [&] {
        auto m = client.Get("/metrics", {}, std::chrono::milliseconds(2000));
        if (!m.ok()) return false;
        auto v = testutil::MetricValue(m->body, "logstack_collector_positions_corrupt_total");
        return v.has_value() && *v >= 1;
      },
      std::chrono::seconds(10));
  EXPECT_TRUE(reported);
  bool arrived = testutil::Eventually(
      [&] { return All(R"({namespace="shop"})").size() >= 150; }, std::chrono::seconds(30));
  EXPECT_TRUE(arrived);
  auto got = All(R"({namespace="shop"})");
  std::map<std::string, int> count;
  for (const auto& e : got) ++count[e.line];
  for (const auto& [line, n] : count) EXPECT_EQ(n, 1) << line;
  for (int64_t i = 110; i < 160; ++i) EXPECT_EQ(count[w.LineText(i)], 1) << i;
}

}  // namespace
}  // namespace logstack::collector

namespace logstack::collector {
namespace {

// Promtail-shaped stages from the config file: parse JSON, make `level` a
// label, drop the debug lines.
TEST_F(DeliveryTest, PipelineStagesFromTheConfigFile) {
  const std::string dir = pods_dir_ + "/shop_api-0_uid-p/api";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/0.log");
    f << "2026-12-06T10:00:00.000000001Z stdout F {\"level\":\"info\",\"msg\":\"one\"}\n"
      << "2026-12-06T10:00:00.000000002Z stdout F {\"level\":\"debug\",\"msg\":\"two\"}\n"
      << "2026-12-06T10:00:00.000000003Z stderr F {\"level\":\"error\",\"msg\":\"three\"}\n";
  }
  const std::string config = dir_->Join("collector/config.yaml");
  {
    std::ofstream f(config);
    f << "pipeline_stages:\n"
         "  - json:\n"
         "      expressions:\n"
         "        level: level\n"
         "        msg: msg\n"
         "  - labels:\n"
         "      level:\n"
         "  - drop:\n"
         "      source: level\n"
         "      value: debug\n"
         "  - output:\n"
         "      source: msg\n";
  }
  start_ns_ = 1'796'551'200'000'000'000;  // 2026-12-06T10:00:00Z
  StartCollector({"--config=" + config});
  std::vector<QueriedEntry> got;
  ASSERT_TRUE(testutil::Eventually([&] {
    got = All(R"({namespace="shop", pod="api-0"})");
    return got.size() >= 2;
  }, std::chrono::seconds(30))) << collector_->StderrTail();
  ASSERT_EQ(got.size(), 2u);
  std::map<std::string, std::string> by_line;
  for (const auto& e : got) {
    std::map<std::string, std::string> l(e.labels.begin(), e.labels.end());
    by_line[e.line] = l["level"];
  }
  EXPECT_EQ(by_line["one"], "info");
  EXPECT_EQ(by_line["three"], "error");
}

TEST_F(DeliveryTest, AnUnknownStageStopsTheStartWithItsName) {
  const std::string config = dir_->Join("collector/config.yaml");
  {
    std::ofstream f(config);
    f << "pipeline_stages:\n  - jsonn: {}\n";
  }
  LogstoreOptions o;
  o.binary = std::string(std::getenv("LOGSTACK_BIN_DIR")) + "/logstack-collector";
  o.data_dir = dir_->Join("collector");
  o.pass_data_dir = false;
  o.log_name = "collector.stderr";
  o.flags = CollectorFlags();
  o.flags.push_back("--config=" + config);
  o.ready_timeout = std::chrono::milliseconds(5000);
  auto c = LogstoreProcess::Start(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown stage \"jsonn\""), std::string::npos)
      << c.status().message();
}

}  // namespace
}  // namespace logstack::collector
