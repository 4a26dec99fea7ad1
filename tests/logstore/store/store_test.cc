#include "logstore/store/store.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "common/coding.h"
#include "common/config.h"
#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "logstore/distributor/distributor.h"
#include "logstore/push/json_decoder.h"
#include "logstore/store/options.h"
#include "logstore/wal/wal.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/eventually.h"

namespace logstack::logstore {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSec;

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : fault_(&mem_), clock_(1'790'000'000LL * kSec) {
    opts_.data_dir = "/data";
    opts_.chunk_block_size = 4096;
    opts_.limits.ingestion_rate_mb = 1000;
    opts_.limits.ingestion_burst_size_mb = 1000;
  }

  void Open() {
    registry_ = std::make_unique<metrics::Registry>();
    auto s = Store::Open(&fault_, &clock_, opts_, registry_.get());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  // Pushes a JSON body as the push route does (checked, stored, answered in
  // Loki's words) and waits for the answer.
  PushResult Push(const std::string& json, const std::string& tenant = "fake") {
    auto req = push::DecodeJsonPush(json);
    EXPECT_TRUE(req.ok()) << req.status().ToString();
    std::promise<PushResult> p;
    Distributor(store_.get(), &clock_).Push(tenant, std::move(*req), [&p](PushResult r) {
      p.set_value(std::move(r));
    });
    return p.get_future().get();
  }

  std::string Body(const std::string& labels, int64_t ts, const std::string& line) {
    return R"({"streams":[{"stream":)" + labels + R"(,"values":[[")" + std::to_string(ts) +
           R"(",")" + line + R"("]]}]})";
  }

  // All entries of streams matching the selector, as "labels ts line".
  std::vector<std::string> Read(const std::string& selector, Direction dir = Direction::kForward,
                                const std::string& tenant = "fake") {
    auto ms = index::ParseSelector(selector);
    EXPECT_TRUE(ms.ok());
    auto sel = store_->Select(tenant, *ms, 0, INT64_MAX, dir);
    EXPECT_TRUE(sel.ok()) << sel.status().ToString();
    std::vector<std::string> out;
    for (auto& s : *sel) {
      while (s.it->Next()) {
        out.push_back(s.labels_string + " " + std::to_string(s.it->entry().timestamp_ns) + " " +
                      std::string(s.it->entry().line));
      }
      EXPECT_TRUE(s.it->status().ok()) << s.it->status().ToString();
    }
    return out;
  }

  int64_t now() const { return clock_.NowNanos(); }

  MemEnv mem_;
  FaultInjectionEnv fault_;
  FakeClock clock_;
  StoreOptions opts_;
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, PushThenReadFromHeadBothDirections) {
  Open();
  int64_t t = now();
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t - 3 * kSec, "one")).status, 204);
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t - 1 * kSec, "three")).status, 204);
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t - 2 * kSec, "two")).status, 204);  // out of order
  EXPECT_EQ(Push(Body(R"({"app":"b"})", t, "other")).status, 204);
  auto fwd = Read(R"({app="a"})");
  ASSERT_EQ(fwd.size(), 3u);
  EXPECT_NE(fwd[0].find(" one"), std::string::npos);
  EXPECT_NE(fwd[1].find(" two"), std::string::npos);
  EXPECT_NE(fwd[2].find(" three"), std::string::npos);
  auto back = Read(R"({app="a"})", Direction::kBackward);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_NE(back[0].find(" three"), std::string::npos);
  EXPECT_EQ(Read(R"({app=~"a|b"})").size(), 4u);
}

TEST_F(StoreTest, DuplicatesDroppedAndOrderWindowEnforced) {
  Open();
  int64_t t = now();
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t, "x")).status, 204);
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t, "x")).status, 204);  // exact duplicate
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t, "y")).status, 204);  // same time, other line
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t - kHour, "edge")).status, 204);
  PushResult r = Push(Body(R"({"app":"a"})", t - kHour - 1, "late"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message.find("entry too far behind"), std::string::npos) << r.message;
  EXPECT_EQ(Read(R"({app="a"})").size(), 3u);
}

TEST_F(StoreTest, FlushAndReopenReadsChunksWithoutDuplicates) {
  Open();
  int64_t t = now();
  for (int i = 0; i < 200; i++) {
    ASSERT_EQ(
        Push(Body(R"({"app":"a"})", t - (200 - i) * kSec, "line " + std::to_string(i))).status,
        204);
  }
  ASSERT_TRUE(store_->FlushAll().ok());
  for (int i = 200; i < 250; i++) {
    ASSERT_EQ(Push(Body(R"({"app":"a"})", t + i, "line " + std::to_string(i))).status, 204);
  }
  EXPECT_EQ(Read(R"({app="a"})").size(), 250u);
  EXPECT_GE(store_->Stats().chunks, 1u);
  // A crash-like stop: the last 50 lines are only in the WAL.
  fault_.SetWriteError(IOError("simulated crash"));
  store_.reset();
  fault_.SetWriteError(Status::Ok());
  Open();
  auto all = Read(R"({app="a"})");
  EXPECT_EQ(all.size(), 250u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 250u);
  // A clean close flushes everything; the next start replays nothing.
  store_->Close();
  store_.reset();
  Open();
  EXPECT_EQ(Read(R"({app="a"})").size(), 250u);
  EXPECT_EQ(store_->Stats().active_streams, 0u);
}

TEST_F(StoreTest, CrashLosesNothingAcknowledged) {
  // Several rounds: push, sometimes flush, then lose every unsynced byte.
  std::set<std::string> acked;
  int64_t t = now();
  int n = 0;
  for (int round = 0; round < 4; round++) {
    Open();
    for (int i = 0; i < 60; i++, n++) {
      std::string line = "r" + std::to_string(round) + "-" + std::to_string(i);
      std::string labels = R"({"app":"s)" + std::to_string(i % 3) + R"("})";
      if (Push(Body(labels, t + n, line)).status == 204) acked.insert(line);
      if (i == 30 && round % 2 == 0) {
        ASSERT_TRUE(store_->FlushAll().ok());
      }
    }
    ASSERT_TRUE(fault_.DropUnsyncedData().ok());
    fault_.SetWriteError(IOError("simulated crash"));
    fault_.SetSyncError(IOError("simulated crash"));
    store_.reset();
    fault_.SetWriteError(Status::Ok());
    fault_.SetSyncError(Status::Ok());
  }
  Open();
  std::multiset<std::string> lines;
  for (const auto& e : Read(R"({app=~"s.*"})")) lines.insert(e.substr(e.rfind(' ') + 1));
  for (const auto& a : acked) EXPECT_EQ(lines.count(a), 1u) << a;
  EXPECT_EQ(lines.size(), acked.size());
}

TEST_F(StoreTest, RetentionDeletesWholeOldPartitions) {
  opts_.limits.validation.reject_old_samples = false;
  opts_.limits.retention_period_ns = 48 * kHour;
  opts_.overrides["keep"] = opts_.limits;
  opts_.overrides["keep"].retention_period_ns = 0;  // forever
  Open();
  int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"old"})", t - 100 * kHour, "old")).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"new"})", t, "new")).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"old"})", t - 100 * kHour, "kept"), "keep").status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  size_t partitions = store_->Stats().partitions;
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_EQ(Read(R"({app="old"})"), std::vector<std::string>{});
  EXPECT_EQ(Read(R"({app="new"})").size(), 1u);
  EXPECT_EQ(Read(R"({app="old"})", Direction::kForward, "keep").size(), 1u);
  EXPECT_EQ(store_->Stats().partitions, partitions - 1);
  auto names = store_->LabelValues("fake", "app", 0, INT64_MAX, nullptr);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"new"});
  // Survives a restart: the partition is gone from disk too.
  store_->Close();
  store_.reset();
  Open();
  EXPECT_TRUE(Read(R"({app="old"})").empty());
}

TEST_F(StoreTest, CorruptChunkOnDiskIsAnErrorNotGarbage) {
  Open();
  int64_t t = now();
  for (int i = 0; i < 50; i++) {
    ASSERT_EQ(Push(Body(R"({"app":"a"})", t + i, "line " + std::to_string(i))).status, 204);
  }
  ASSERT_TRUE(store_->FlushAll().ok());
  store_->Close();
  store_.reset();
  std::string chunk_file;
  std::function<void(const std::string&)> find = [&](const std::string& dir) {
    auto kids = mem_.GetChildren(dir);
    if (!kids.ok()) return;
    for (const auto& k : *kids) {
      std::string p = dir + "/" + k;
      if (k.rfind("chunks-", 0) == 0 && *mem_.GetFileSize(p) > 0) chunk_file = p;
      find(p);
    }
  };
  find("/data/tenants");
  ASSERT_FALSE(chunk_file.empty());
  ASSERT_TRUE(fault_.CorruptFile(chunk_file, 20, 0x5a).ok());
  Open();
  auto ms = index::ParseSelector(R"({app="a"})");
  auto sel = store_->Select("fake", *ms, 0, INT64_MAX, Direction::kForward);
  ASSERT_TRUE(sel.ok());
  ASSERT_EQ(sel->size(), 1u);
  while ((*sel)[0].it->Next()) {
  }
  EXPECT_EQ((*sel)[0].it->status().code(), StatusCode::kCorruption);
}

TEST_F(StoreTest, TenantsNeverMixAndLabelsAreScoped) {
  Open();
  int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a","team":"x"})", t, "for a"), "a").status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t, "for b"), "b").status, 204);
  EXPECT_EQ(Read(R"({app=~".+"})", Direction::kForward, "a").size(), 1u);
  EXPECT_EQ(Read(R"({app=~".+"})", Direction::kForward, "b").size(), 1u);
  auto names = store_->LabelNames("b", 0, INT64_MAX, nullptr);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"app"});
  auto none = store_->LabelNames("a", 0, t - kHour, nullptr);  // before any data
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(StoreTest, RateAndStreamLimits) {
  opts_.limits.ingestion_rate_mb = 1.0 / 1024;  // 1 KiB/s
  opts_.limits.ingestion_burst_size_mb = 2.0 / 1024;
  opts_.limits.max_global_streams_per_user = 2;
  Open();
  int64_t t = now();
  std::string big(1500, 'x');
  EXPECT_EQ(Push(Body(R"({"app":"a"})", t, big)).status, 204);
  PushResult r = Push(Body(R"({"app":"a"})", t + 1, big));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.message.find("Ingestion rate limit exceeded for user fake"), std::string::npos);
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ(Push(Body(R"({"app":"b"})", now(), "small")).status, 204);
  r = Push(Body(R"({"app":"c"})", now(), "small"));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.message.find("Maximum active stream limit exceeded"), std::string::npos);
  EXPECT_EQ(Push(Body(R"({"app":"a"})", now(), "known stream")).status, 204);
}

}  // namespace
}  // namespace logstack::logstore

namespace logstack::logstore {
namespace {

TEST_F(StoreTest, LowFreeSpaceDeletesOldestPartitionsFirstButKeepsTheNewest) {
  opts_.limits.validation.reject_old_samples = false;
  opts_.limits.retention_period_ns = 0;  // retention alone would keep everything
  opts_.min_free_disk_bytes = 1 << 20;
  Open();
  int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t - 72 * kHour, "three days")).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t - 48 * kHour, "two days")).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"c"})", t, "today")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_EQ(store_->Stats().partitions, 3u);

  mem_.SetFreeSpace(10 << 20);  // plenty: nothing goes
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_EQ(store_->Stats().partitions, 3u);

  mem_.SetFreeSpace(1000);  // under the floor, and deleting never frees enough here
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_EQ(store_->Stats().partitions, 1u);
  EXPECT_TRUE(Read(R"({app="a"})").empty());
  EXPECT_TRUE(Read(R"({app="b"})").empty());
  EXPECT_EQ(Read(R"({app="c"})").size(), 1u);
}

// The floor as a share of the volume: 10 % of a 100 MiB volume is 10 MiB.
TEST_F(StoreTest, FreeSpaceFloorAsAShareOfTheVolume) {
  opts_.limits.validation.reject_old_samples = false;
  opts_.limits.retention_period_ns = 0;
  opts_.min_free_disk_percent = 10;
  mem_.SetCapacity(100 << 20);
  Open();
  int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t - 48 * kHour, "two days")).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"c"})", t, "today")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_EQ(store_->Stats().partitions, 2u);

  mem_.SetFreeSpace(11 << 20);  // above 10 MiB: nothing goes
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_EQ(store_->Stats().partitions, 2u);

  mem_.SetFreeSpace(9 << 20);  // under it: the oldest goes, the newest stays
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_EQ(store_->Stats().partitions, 1u);
  EXPECT_TRUE(Read(R"({app="a"})").empty());
  EXPECT_EQ(Read(R"({app="c"})").size(), 1u);
}

// A WAL stream or entry count as a varint of exactly `width` bytes, as the
// store writes them (docs/storage.md, "Write-ahead log").
void PutPaddedVarint(std::string* dst, uint64_t v, size_t width) {
  for (size_t i = 0; i + 1 < width; i++) {
    dst->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

struct WalStream {
  std::string labels;  // canonical
  std::vector<std::pair<int64_t, std::string>> entries;
};

// A kind-1 WAL record built by hand, with counts `count_width` bytes wide (0:
// the shortest varint, as records written before padded counts have them).
std::string WalEntriesRecord(const std::string& tenant, const std::vector<WalStream>& streams,
                             size_t count_width) {
  auto put_count = [&](std::string* dst, uint64_t v) {
    if (count_width == 0) {
      PutVarint64(dst, v);
    } else {
      PutPaddedVarint(dst, v, count_width);
    }
  };
  std::string r(1, '\x01');
  PutLengthPrefixed(&r, tenant);
  put_count(&r, streams.size());
  for (const WalStream& s : streams) {
    PutLengthPrefixed(&r, s.labels);
    put_count(&r, s.entries.size());
    int64_t prev = 0;
    for (const auto& [ts, line] : s.entries) {
      PutVarsint64(&r, ts - prev);
      prev = ts;
      PutLengthPrefixed(&r, line);
      PutVarint64(&r, 0);
    }
  }
  return r;
}

class StoreWalTest : public StoreTest {
 protected:
  wal::WalOptions WalOpts() {
    wal::WalOptions wo;
    wo.dir = "/data/wal";
    return wo;
  }

  // Appends records to the WAL directory as a store that crashed would
  // have left them.
  void WriteWal(const std::vector<std::string>& records) {
    auto w = wal::Wal::Open(&fault_, &clock_, WalOpts());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Start().ok());
    for (const std::string& r : records) ASSERT_TRUE((*w)->AppendSync(r).ok());
    (*w)->Close();
  }

  // Every record payload in the WAL directory, in order.
  std::vector<std::string> ReadWal() {
    std::vector<std::string> out;
    auto w = wal::Wal::Open(&fault_, &clock_, WalOpts());
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    if (!w.ok()) return out;
    wal::ReplayStats stats;
    Status s = (*w)->Replay(
        [&out](uint64_t, std::string_view payload) {
          out.emplace_back(payload);
          return Status::Ok();
        },
        &stats);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(stats.corruptions, 0u);
    return out;
  }

  // Stops the store as a crash would: nothing is flushed to chunks, so what
  // it holds is only in the WAL.
  void Crash() {
    fault_.SetWriteError(IOError("simulated crash"));
    store_.reset();
    fault_.SetWriteError(Status::Ok());
  }
};

// Counts written the shortest way (every record before padded counts) and
// padded ones (5 bytes as the store writes them, and the full 10 a varint
// may take) replay alike.
TEST_F(StoreWalTest, ReplaysRecordsWithShortestAndPaddedCounts) {
  const int64_t t = now();
  WriteWal({
      WalEntriesRecord(
          "fake", {{R"({app="a"})", {{t, "a0"}, {t + 5, "a1"}}}, {R"({app="b"})", {{t - 2, "b0"}}}},
          0),
      WalEntriesRecord("fake", {{R"({app="a"})", {{t + 7, "a2"}}}}, 5),
      WalEntriesRecord("other", {{R"({app="b"})", {{t + 1, "o0"}, {t + 2, "o1"}}}}, 10),
  });
  Open();
  EXPECT_EQ(Read(R"({app="a"})"),
            (std::vector<std::string>{R"({app="a"} )" + std::to_string(t) + " a0",
                                      R"({app="a"} )" + std::to_string(t + 5) + " a1",
                                      R"({app="a"} )" + std::to_string(t + 7) + " a2"}));
  EXPECT_EQ(Read(R"({app="b"})"),
            std::vector<std::string>{R"({app="b"} )" + std::to_string(t - 2) + " b0"});
  EXPECT_EQ(Read(R"({app="b"})", Direction::kForward, "other").size(), 2u);
  EXPECT_EQ(registry_->GetCounter("logstore_wal_corruptions_total", "").Value(), 0);
}

// A push writes one record holding exactly the accepted entries: a stream
// whose every entry is refused leaves nothing in it, a duplicate within the
// request is dropped, and the counts are 5-byte padded varints.
TEST_F(StoreWalTest, PushWritesOnlyAcceptedEntriesWithPaddedCounts) {
  Open();
  const int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, "first")).status, 204);
  auto entry = [](int64_t ts, const std::string& line) {
    return R"([")" + std::to_string(ts) + R"(",")" + line + R"("])";
  };
  const std::string body = R"({"streams":[{"stream":{"app":"a"},"values":[)" +
                           entry(t - 2 * kHour, "too late") +
                           R"(]},{"stream":{"app":"b"},"values":[)" + entry(t + 1, "b1") + "," +
                           entry(t + 2, "b2") + R"(]},{"stream":{"app":"c"},"values":[)" +
                           entry(t + 3, "c1") + "," + entry(t + 3, "c1") + "]}]}";
  PushResult r = Push(body);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message.find("entry too far behind"), std::string::npos) << r.message;
  Crash();

  std::vector<std::string> records = ReadWal();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], WalEntriesRecord("fake", {{R"({app="a"})", {{t, "first"}}}}, 5));
  EXPECT_EQ(records[1], WalEntriesRecord("fake",
                                         {{R"({app="b"})", {{t + 1, "b1"}, {t + 2, "b2"}}},
                                          {R"({app="c"})", {{t + 3, "c1"}}}},
                                         5));
  Open();
  EXPECT_EQ(Read(R"({app=~"a|b|c"})").size(), 4u);
  EXPECT_EQ(Read(R"({app="c"})").size(), 1u);
}

TEST(StoreOptionsTest, MinFreeDiskTakesASizeOrAShare) {
  auto read = [](const std::string& yaml) {
    StoreOptions o;
    YAML::Node root = YAML::Load(yaml);
    ConfigReader r(root, "");
    ReadStoreOptions(r, &o);
    Status s = r.Finish();
    return std::pair<StoreOptions, Status>(o, s);
  };
  auto [pct, s1] = read("storage: {min_free_disk: 12.5%}");
  ASSERT_TRUE(s1.ok()) << s1.ToString();
  EXPECT_EQ(pct.min_free_disk_percent, 12.5);
  EXPECT_EQ(pct.min_free_disk_bytes, 0u);
  auto [bytes, s2] = read("storage: {min_free_disk: 2GiB}");
  ASSERT_TRUE(s2.ok()) << s2.ToString();
  EXPECT_EQ(bytes.min_free_disk_bytes, uint64_t{2} << 30);
  EXPECT_EQ(bytes.min_free_disk_percent, 0);
  for (const char* bad : {"storage: {min_free_disk: 150%}", "storage: {min_free_disk: x%}",
                          "storage: {min_free_disk: '%'}", "storage: {min_free_disk: lots}"}) {
    auto [o, s] = read(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("min_free_disk"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace logstack::logstore

// ---------------------------------------------------------------- exactly once, faults, health

namespace logstack::logstore {
namespace {

// A JSON push of lines "line <i>" for i in [from, to), at base + i seconds.
std::string Batch(const std::string& labels, int64_t base, int from, int to) {
  std::string values;
  for (int i = from; i < to; i++) {
    if (!values.empty()) values += ",";
    values +=
        R"([")" + std::to_string(base + i * kSec) + R"(","line )" + std::to_string(i) + R"("])";
  }
  return R"({"streams":[{"stream":)" + labels + R"(,"values":[)" + values + "]}]}";
}

// The start of the partition holding t (t > 0).
int64_t PartitionOf(int64_t t, int64_t period) { return t / period * period; }

// The value of one series in the text exposition, or -1 when it is absent.
double MetricValue(const metrics::Registry& r, const std::string& series) {
  const std::string text = r.Render();
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

// Holds the first WritableFile::Sync() after it is made until Release():
// a flush or a WAL round caught in the middle.
class StallFirstSync {
 public:
  explicit StallFirstSync(FaultInjectionEnv* env) : env_(env) {
    released_ = release_.get_future().share();
    env_->SetSyncHook([this] {
      if (first_.exchange(false)) {
        entered_.set_value();
        released_.wait();
      }
    });
  }
  ~StallFirstSync() {
    Release();
    env_->SetSyncHook(nullptr);
  }
  void WaitUntilStalled() { entered_.get_future().wait(); }
  void Release() {
    if (!released_once_.exchange(true)) release_.set_value();
  }

 private:
  FaultInjectionEnv* env_;
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> released_;
  std::atomic<bool> first_{true};
  std::atomic<bool> released_once_{false};
};

class StoreExactlyOnceTest : public StoreTest {
 protected:
  // Every line of {app="a"}, which must each be there exactly once.
  size_t UniqueLinesOrFail() {
    auto all = Read(R"({app="a"})");
    std::set<std::string> unique(all.begin(), all.end());
    EXPECT_EQ(unique.size(), all.size()) << "some line is stored twice";
    return all.size();
  }
};

TEST_F(StoreExactlyOnceTest, ResentEntriesAreDroppedWhetherInTheHeadOrFlushed) {
  Open();
  const int64_t base = now() - 1000 * kSec;
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 0, 100)).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_GE(store_->Stats().chunks, 1u);
  // Half re-sent, half new: the flushed half is found in the chunk.
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 50, 150)).status, 204);
  EXPECT_EQ(UniqueLinesOrFail(), 150u);
  // All again, now over a flushed chunk and the head.
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 0, 150)).status, 204);
  EXPECT_EQ(UniqueLinesOrFail(), 150u);
  EXPECT_EQ(MetricValue(*registry_, "logstore_duplicate_entries_total"), 200);
  // The same line at another time is a new entry.
  ASSERT_EQ(Push(Body(R"({"app":"a"})", base + 3 * kSec + 1, "line 3")).status, 204);
  EXPECT_EQ(UniqueLinesOrFail(), 151u);
}

TEST_F(StoreExactlyOnceTest, ResentAfterARestartIsDroppedAgainstChunksAndReplayedHeads) {
  Open();
  const int64_t base = now() - 1000 * kSec;
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 0, 100)).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 100, 120)).status, 204);
  // A crash: 0-99 are in a chunk, 100-119 only in the WAL.
  fault_.SetWriteError(IOError("simulated crash"));
  store_.reset();
  fault_.SetWriteError(Status::Ok());
  Open();
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 0, 130)).status, 204);
  EXPECT_EQ(UniqueLinesOrFail(), 130u);
  // And after a clean restart, with everything flushed.
  store_->Close();
  Open();
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 0, 130)).status, 204);
  EXPECT_EQ(UniqueLinesOrFail(), 130u);
}

TEST_F(StoreExactlyOnceTest, ResentWhileItsHeadIsBeingFlushedIsDropped) {
  opts_.wal_sync = false;  // so the only Sync() is the flush's
  Open();
  const int64_t base = now() - 1000 * kSec;
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 0, 50)).status, 204);
  StallFirstSync stall(&fault_);
  std::thread flusher([&] { EXPECT_TRUE(store_->FlushAll().ok()); });
  stall.WaitUntilStalled();  // the head is cut, its chunk not yet indexed
  ASSERT_EQ(Push(Batch(R"({"app":"a"})", base, 0, 60)).status, 204);
  stall.Release();
  flusher.join();
  EXPECT_EQ(UniqueLinesOrFail(), 60u);
}

TEST_F(StoreExactlyOnceTest, TooFarBehindIsRefusedNotCheckedForDuplicates) {
  Open();
  const int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, "new")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  PushResult r = Push(Body(R"({"app":"a"})", t - 2 * kHour, "old"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message.find("entry too far behind"), std::string::npos) << r.message;
  EXPECT_EQ(
      MetricValue(*registry_,
                  R"(logstore_discarded_samples_total{reason="too_far_behind",tenant="fake"})"),
      1);
}

TEST_F(StoreTest, AFailedWalRefusesPushesAndMakesTheStoreUnhealthy) {
  Open();
  const int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, "kept")).status, 204);
  EXPECT_TRUE(store_->Health().ok());
  EXPECT_EQ(MetricValue(*registry_, "logstore_wal_failed"), 0);
  fault_.SetSyncError(IOError("No space left on device"));
  PushResult r = Push(Body(R"({"app":"a"})", t + 1, "not durable"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.message.find("No space left on device"), std::string::npos) << r.message;
  // Sticky: the next push is refused before anything is written.
  fault_.SetSyncError(Status::Ok());
  r = Push(Body(R"({"app":"a"})", t + 2, "refused"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.message.find("write-ahead log failed"), std::string::npos) << r.message;
  Status h = store_->Health();
  EXPECT_EQ(h.code(), StatusCode::kUnavailable);
  EXPECT_NE(h.message().find("No space left on device"), std::string::npos) << h.message();
  EXPECT_EQ(MetricValue(*registry_, "logstore_wal_failed"), 1);
  // What was acknowledged survives a restart.
  store_.reset();
  Open();
  auto lines = Read(R"({app="a"})");
  ASSERT_GE(lines.size(), 1u);
  EXPECT_NE(lines[0].find("kept"), std::string::npos);
  EXPECT_TRUE(store_->Health().ok());
}

// The flush loop sleeps on the store's Clock: moving a FakeClock past its
// next round runs the round, with no real time to wait. A period of an hour
// would fail this test at Eventually's deadline if the loop slept in real time.
TEST_F(StoreTest, TheFlushLoopRunsWhenTheClockMoves) {
  opts_.flush_check_period_ns = kHour;
  opts_.chunk_idle_period_ns = 2 * kHour;
  opts_.max_chunk_age_ns = 4 * kHour;
  Open();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", now(), "idle soon")).status, 204);
  store_->StartBackground();
  clock_.Advance(std::chrono::minutes(90));  // a round runs; the head is not idle yet
  EXPECT_EQ(store_->Stats().chunks, 0u);
  clock_.Advance(std::chrono::minutes(60));  // idle for 2h30m: the next round flushes it
  // The chunk is counted before the round bumps the flush counter: wait for
  // both (under TSan the gap is wide enough to see).
  EXPECT_TRUE(testutil::Eventually([&] {
    return store_->Stats().chunks == 1 &&
           MetricValue(*registry_, "logstore_chunks_flushed_total") == 1;
  }));
  EXPECT_EQ(Read(R"({app="a"})").size(), 1u);
  store_->Close();
}

TEST_F(StoreTest, WatchdogReportsAStalledFlushLoop) {
  opts_.flush_check_period_ns = 10 * kSec;
  opts_.chunk_idle_period_ns = 60 * kSec;
  opts_.watchdog_timeout_ns = 60 * kSec;
  Open();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", now(), "x")).status, 204);
  // The next sync is the flush's: the loop hangs inside a round.
  StallFirstSync stall(&fault_);
  store_->StartBackground();
  clock_.Advance(std::chrono::seconds(61));  // the head is idle, a round is due
  stall.WaitUntilStalled();
  EXPECT_TRUE(store_->Health().ok());  // the round has just begun
  // No sign of life for longer than the timeout and a period between rounds.
  clock_.Advance(std::chrono::seconds(71));
  Status h = store_->Health();
  EXPECT_EQ(h.code(), StatusCode::kUnavailable);
  EXPECT_NE(h.message().find("flush loop has made no progress"), std::string::npos) << h.message();
  EXPECT_EQ(MetricValue(*registry_, R"(logstore_watchdog_stalled{task="flush"})"), 1);
  EXPECT_EQ(MetricValue(*registry_, R"(logstore_watchdog_stalled{task="wal_sync"})"), 0);
  stall.Release();  // the round ends, and the watchdog sees the loop go on
  EXPECT_TRUE(testutil::Eventually([&] { return store_->Health().ok(); }));
  store_->Close();
}

TEST_F(StoreTest, WatchdogReportsAStalledWalSync) {
  opts_.watchdog_timeout_ns = 60 * kSec;
  Open();
  StallFirstSync stall(&fault_);
  std::promise<PushResult> answer;
  auto req = push::DecodeJsonPush(Body(R"({"app":"a"})", now(), "x"));
  ASSERT_TRUE(req.ok());
  Distributor(store_.get(), &clock_).Push("fake", std::move(*req), [&](PushResult r) {
    answer.set_value(std::move(r));
  });
  stall.WaitUntilStalled();  // the syncer is inside fdatasync
  EXPECT_TRUE(store_->Health().ok());
  clock_.Advance(std::chrono::seconds(61));
  Status h = store_->Health();
  EXPECT_EQ(h.code(), StatusCode::kUnavailable);
  EXPECT_NE(h.message().find("sync has made no progress for 61s"), std::string::npos)
      << h.message();
  EXPECT_EQ(MetricValue(*registry_, R"(logstore_watchdog_stalled{task="wal_sync"})"), 1);
  stall.Release();
  EXPECT_EQ(answer.get_future().get().status, 204);
  EXPECT_TRUE(store_->Health().ok());
}

TEST_F(StoreTest, StrayNamesUnderTheDataDirectoryAreSkippedAndCounted) {
  Open();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", now(), "kept")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  store_->Close();
  store_.reset();
  for (const char* dir : {"/data/tenants/%zz", "/data/tenants/bad%4", "/data/tenants/fake/pxyz",
                          "/data/tenants/fake/p", "/data/tenants/fake/p99999999999999999999"}) {
    ASSERT_TRUE(mem_.CreateDirs(dir).ok()) << dir;
  }
  for (const char* file : {"/data/tenants/README", "/data/tenants/fake/notes.txt"}) {
    auto f = mem_.NewWritableFile(file);
    ASSERT_TRUE(f.ok() && (*f)->Append("stray").ok() && (*f)->Close().ok()) << file;
  }
  Open();
  EXPECT_EQ(Read(R"({app="a"})").size(), 1u);
  EXPECT_EQ(MetricValue(*registry_, R"(logstore_load_skipped_total{what="directory"})"), 7);
  // Pushes still work, and the next start sees the same.
  ASSERT_EQ(Push(Body(R"({"app":"a"})", now() + 1, "after")).status, 204);
  store_->Close();
  Open();
  EXPECT_EQ(Read(R"({app="a"})").size(), 2u);
}

TEST_F(StoreTest, AChunkFileShorterThanItsReferencesKeepsWhatIsIntact) {
  opts_.partition_period_ns = kHour;
  opts_.limits.validation.reject_old_samples = false;
  Open();
  const int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t - 3 * kHour, "old partition")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t, "first")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t + 1, "second")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  store_->Close();
  store_.reset();
  // Cut the newest partition's chunk file inside its second chunk.
  const std::string part = "/data/tenants/fake/p" + std::to_string(PartitionOf(t, kHour) / kSec);
  auto files = mem_.GetChildren(part);
  ASSERT_TRUE(files.ok());
  std::string chunk_file;
  for (const auto& f : *files) {
    if (f.rfind("chunks-", 0) == 0) chunk_file = part + "/" + f;
  }
  ASSERT_FALSE(chunk_file.empty());
  auto size = mem_.GetFileSize(chunk_file);
  ASSERT_TRUE(size.ok());
  ASSERT_TRUE(mem_.TruncateFile(chunk_file, *size - 10).ok());
  // As long after the flush: the WAL no longer holds these entries.
  ASSERT_TRUE(mem_.RemoveDirRecursively("/data/wal").ok());
  Open();
  EXPECT_EQ(Read(R"({app="a"})").size(), 1u);
  auto b = Read(R"({app="b"})");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].find("first"), std::string::npos);
  EXPECT_EQ(MetricValue(*registry_, R"(logstore_load_skipped_total{what="chunk_reference"})"), 1);
}

TEST_F(StoreTest, ATruncatedIndexLogLoadsItsIntactRecords) {
  Open();
  const int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, "one")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t, "two")).status, 204);
  ASSERT_TRUE(store_->FlushAll().ok());
  store_->Close();
  store_.reset();
  const std::string index = "/data/tenants/fake/p" +
                            std::to_string(PartitionOf(t, opts_.partition_period_ns) / kSec) +
                            "/index.log";
  auto size = mem_.GetFileSize(index);
  ASSERT_TRUE(size.ok());
  ASSERT_TRUE(mem_.TruncateFile(index, *size - 5).ok());
  ASSERT_TRUE(mem_.RemoveDirRecursively("/data/wal").ok());  // long since truncated
  Open();
  EXPECT_EQ(Read(R"({app="a"})").size(), 1u);
  EXPECT_EQ(Read(R"({app="b"})").size(), 0u);
  EXPECT_GE(MetricValue(*registry_, "logstore_index_corruptions_total"), 1);
  // New references go after the last intact record and load next time.
  ASSERT_EQ(Push(Body(R"({"app":"c"})", t, "three")).status, 204);
  store_->Close();
  Open();
  EXPECT_EQ(Read(R"({app="c"})").size(), 1u);
}

TEST(TenantDirTest, EscapeAndUnescapeRoundTripAndBadEscapesAreCorruption) {
  for (const std::string& id :
       std::vector<std::string>{"fake", "team a/b", "%", ".hidden", std::string("\0x", 2)}) {
    auto back = UnescapeTenant(EscapeTenant(id));
    ASSERT_TRUE(back.ok()) << id;
    EXPECT_EQ(*back, id);
  }
  for (std::string bad : {"%zz", "%4", "%", "a%g0"}) {
    EXPECT_EQ(UnescapeTenant(bad).status().code(), StatusCode::kCorruption) << bad;
  }
}

// The hang of issue 15: pushes whose batches hold rejected entries (which
// count metrics) while /metrics is rendered in a loop (which reads every
// stream). Both must finish.
TEST_F(StoreTest, PushesWithRejectionsAndScrapesNeverDeadlock) {
  Open();
  const int64_t t = now();
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop.load()) EXPECT_NE(registry_->Render().find("logstore_streams"), std::string::npos);
  });
  std::vector<std::thread> pushers;
  for (int p = 0; p < 3; p++) {
    pushers.emplace_back([&, p] {
      const std::string labels = R"({"app":"p)" + std::to_string(p) + R"("})";
      for (int i = 0; i < 300; i++) {
        Push(Body(labels, t + i, "line"));
        Push(Body(labels, t - 2 * kHour, "too far behind"));  // counted as discarded
      }
    });
  }
  for (auto& th : pushers) th.join();
  stop.store(true);
  scraper.join();
  EXPECT_EQ(
      MetricValue(*registry_,
                  R"(logstore_discarded_samples_total{reason="too_far_behind",tenant="fake"})"),
      900);
}

}  // namespace
}  // namespace logstack::logstore

namespace logstack::logstore {
namespace {

// Past wal.max_size, a round flushes only the streams whose oldest unflushed
// record is in the WAL's oldest segment (docs/storage.md, "Truncation").
TEST_F(StoreTest, OverTheWalSizeOnlyStreamsPinningTheOldestSegmentAreFlushed) {
  opts_.wal_segment_size = 1;  // a new segment after every round of the syncer
  opts_.wal_max_size = 1;      // always over
  opts_.chunk_target_size = 1ull << 40;
  opts_.chunk_idle_period_ns = 1000 * kHour;
  opts_.max_chunk_age_ns = 1000 * kHour;
  Open();
  const int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, "in segment 1")).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t, "in segment 2")).status, 204);
  ASSERT_EQ(store_->Stats().active_streams, 2u);
  store_->RunBackgroundRound();
  StoreStats st = store_->Stats();
  EXPECT_EQ(st.chunks, 1u) << "only a pins the oldest segment";
  EXPECT_EQ(st.active_streams, 1u);
  store_->RunBackgroundRound();  // segment 1 is gone: now b pins the oldest
  st = store_->Stats();
  EXPECT_EQ(st.chunks, 2u);
  EXPECT_EQ(st.active_streams, 0u);
  EXPECT_EQ(Read(R"({app=~"a|b"})").size(), 2u);
}

}  // namespace
}  // namespace logstack::logstore
