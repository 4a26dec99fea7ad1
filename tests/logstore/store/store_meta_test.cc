// Tests of the Store's metadata reads (Series, Volumes) and its live-tail
// hook (Subscribe).

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "common/mem_env.h"
#include "logstore/distributor/distributor.h"
#include "logstore/push/json_decoder.h"
#include "logstore/store/store.h"
#include "tests/mocks/fake_clock.h"

namespace logstack::logstore {
namespace {

constexpr int64_t kSec = 1'000'000'000;

class StoreMetaTest : public ::testing::Test {
 protected:
  StoreMetaTest() : clock_(1'790'000'000LL * kSec) {
    opts_.data_dir = "/data";
    opts_.chunk_block_size = 4096;
    opts_.limits.ingestion_rate_mb = 1000;
    opts_.limits.ingestion_burst_size_mb = 1000;
    auto s = Store::Open(&env_, &clock_, opts_, &registry_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  PushResult Push(const std::string& json, const std::string& tenant = "fake") {
    auto req = push::DecodeJsonPush(json);
    EXPECT_TRUE(req.ok()) << req.status().ToString();
    std::promise<PushResult> p;
    Distributor(store_.get(), &clock_).Push(tenant, std::move(*req), [&p](PushResult r) {
      p.set_value(std::move(r));
    });
    return p.get_future().get();
  }

  // One stream with lines "l<i>" of `size` bytes at ts0 + i seconds.
  std::string Body(const std::string& labels, int64_t ts0, int n, size_t size = 10) {
    std::string values;
    for (int i = 0; i < n; i++) {
      if (i > 0) values += ",";
      std::string line = "l" + std::to_string(i);
      line.resize(size, '.');
      values += "[\"" + std::to_string(ts0 + i * kSec) + "\",\"" + line + "\"]";
    }
    return R"({"streams":[{"stream":)" + labels + R"(,"values":[)" + values + "]}]}";
  }

  std::vector<index::Matcher> Sel(const std::string& text) {
    auto m = index::ParseSelector(text);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return *m;
  }

  MemEnv env_;
  FakeClock clock_;
  StoreOptions opts_;
  metrics::Registry registry_;
  std::unique_ptr<Store> store_;
};

std::string Str(const Labels& ls) {
  std::string out;
  for (const auto& l : ls) out += l.name + "=" + l.value + ";";
  return out;
}

TEST_F(StoreMetaTest, SeriesListsStreamsWithDataInTheRange) {
  int64_t t = clock_.NowNanos() - 100 * kSec;
  ASSERT_EQ(Push(Body(R"({"app":"a","pod":"1"})", t, 3)).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"a","pod":"2"})", t + 50 * kSec, 3)).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t, 1)).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"c"})", t, 1), "other").status, 204);

  auto all = store_->Series("fake", {}, t, t + kSec * 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(Str((*all)[0]), "app=a;pod=1;");
  EXPECT_EQ(Str((*all)[1]), "app=a;pod=2;");
  EXPECT_EQ(Str((*all)[2]), "app=b;");

  auto a = store_->Series("fake", Sel(R"({app="a"})"), t, t + 10 * kSec);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);  // pod 2 starts later
  EXPECT_EQ(Str((*a)[0]), "app=a;pod=1;");

  // [from, to): an entry exactly at `to` is outside.
  auto edge = store_->Series("fake", Sel(R"({app="a"})"), t + 3 * kSec, t + 50 * kSec);
  ASSERT_TRUE(edge.ok());
  EXPECT_TRUE(edge->empty());

  // Chunks on disk count the same as heads.
  ASSERT_TRUE(store_->FlushAll().ok());
  auto flushed = store_->Series("fake", Sel(R"({app=~"a|b"})"), t, t + kSec);
  ASSERT_TRUE(flushed.ok());
  EXPECT_EQ(flushed->size(), 2u);

  auto unknown = store_->Series("nobody", {}, t, t + kSec);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->empty());
}

TEST_F(StoreMetaTest, VolumesCountEntriesAndBytesOfHeadsAndChunks) {
  int64_t t = clock_.NowNanos() - 1000 * kSec;
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, 10, 100)).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"b"})", t, 4, 50)).status, 204);

  auto v = store_->Volumes("fake", {}, t, t + 100 * kSec);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ(Str((*v)[0].labels), "app=a;");
  EXPECT_EQ((*v)[0].entries, 10u);
  EXPECT_EQ((*v)[0].bytes, 1000u);
  EXPECT_EQ((*v)[0].chunks, 1u);
  EXPECT_EQ((*v)[1].entries, 4u);
  EXPECT_EQ((*v)[1].bytes, 200u);

  ASSERT_TRUE(store_->FlushAll().ok());
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t + 10 * kSec, 10, 100)).status, 204);
  auto a = store_->Volumes("fake", Sel(R"({app="a"})"), t, t + 100 * kSec);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].chunks, 2u);  // one flushed chunk, one head
  EXPECT_EQ((*a)[0].entries, 20u);
  EXPECT_EQ((*a)[0].bytes, 2000u);

  // Half of the first chunk's span: an estimate in proportion.
  auto half = store_->Volumes("fake", Sel(R"({app="a"})"), t, t + 5 * kSec);
  ASSERT_TRUE(half.ok());
  ASSERT_EQ(half->size(), 1u);
  EXPECT_EQ((*half)[0].chunks, 1u);
  EXPECT_NEAR(static_cast<double>((*half)[0].entries), 5, 1);

  auto none = store_->Volumes("fake", {}, t + 500 * kSec, t + 600 * kSec);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

class RecordingSink : public TailSink {
 public:
  void OnPush(const Labels& labels, const std::string& labels_string,
              std::span<const EntryView> entries) override {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& e : entries) {
      std::vector<LabelRef> md;
      EXPECT_TRUE(DecodeMetadata(e.metadata, &md));
      got.push_back(
          labels_string + " " + std::string(e.line) +
          (md.empty() ? "" : " " + std::string(md[0].name) + "=" + std::string(md[0].value)));
    }
  }
  std::mutex mu;
  std::vector<std::string> got;
};

TEST_F(StoreMetaTest, SubscribedSinkSeesAcceptedEntriesOfItsTenantUntilDestroyed) {
  int64_t t = clock_.NowNanos();
  auto sink = std::make_shared<RecordingSink>();
  store_->Subscribe("fake", sink);
  ASSERT_EQ(Push(R"({"streams":[{"stream":{"app":"a"},"values":[[")" + std::to_string(t) +
                 R"(","one",{"trace_id":"t1"}],[")" + std::to_string(t + 1) + R"(","two"]]}]})")
                .status,
            204);
  // An exact duplicate is not stored, so not tailed.
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, 1, 1)).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t, 1, 1)).status, 204);
  ASSERT_EQ(Push(Body(R"({"app":"x"})", t, 1), "other").status, 204);
  {
    std::lock_guard<std::mutex> lock(sink->mu);
    ASSERT_EQ(sink->got.size(), 3u);
    EXPECT_EQ(sink->got[0], R"({app="a"} one trace_id=t1)");
    EXPECT_EQ(sink->got[1], R"({app="a"} two)");
    EXPECT_EQ(sink->got[2], R"({app="a"} l)");
  }
  std::weak_ptr<RecordingSink> weak = sink;
  sink.reset();
  EXPECT_TRUE(weak.expired());
  ASSERT_EQ(Push(Body(R"({"app":"a"})", t + 5, 1)).status, 204);  // no sink left: no crash
}

}  // namespace
}  // namespace logstack::logstore
