#include "logstore/engine/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "common/mem_env.h"
#include "logstore/distributor/distributor.h"
#include "logstore/model/labels.h"
#include "logstore/push/json_decoder.h"
#include "tests/mocks/fake_clock.h"

namespace logstack::logstore::engine {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kMin = 60 * kSec;
// 2024-01-15T08:00:00Z
constexpr int64_t kT0 = 1705305600LL * kSec;

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : clock_(kT0 + 3600 * kSec) {
    StoreOptions opts;
    opts.data_dir = "/data";
    opts.chunk_block_size = 512;  // several blocks per chunk
    opts.limits.ingestion_rate_mb = 1000;
    opts.limits.ingestion_burst_size_mb = 1000;
    opts.limits.validation.reject_old_samples = false;
    auto s = Store::Open(&env_, &clock_, opts, &registry_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    engine_ = std::make_unique<Engine>(store_.get(), &clock_, 2);
    limits_.parallelism = 2;
  }

  void Push(const std::string& labels_json, int64_t ts, const std::string& line,
            const std::string& metadata_json = "") {
    std::string v = "[\"" + std::to_string(ts) + "\"," + nlohmann::json(line).dump();
    if (!metadata_json.empty()) v += "," + metadata_json;
    v += "]";
    std::string body = R"({"streams":[{"stream":)" + labels_json + R"(,"values":[)" + v + "]}]}";
    auto req = push::DecodeJsonPush(body);
    ASSERT_TRUE(req.ok()) << req.status().ToString();
    std::promise<PushResult> p;
    Distributor(store_.get(), &clock_).Push("fake", std::move(*req), [&p](PushResult r) {
      p.set_value(r);
    });
    PushResult r = p.get_future().get();
    ASSERT_EQ(r.status, 204) << r.message;
  }

  StatusOr<QueryResult> Range(const std::string& q, int64_t start, int64_t end, int64_t step,
                              uint32_t limit = 100, Direction dir = Direction::kBackward) {
    QueryParams p;
    p.query = q;
    p.start_ns = start;
    p.end_ns = end;
    p.step_ns = step;
    p.limit = limit;
    p.direction = dir;
    QueryStats st;
    return engine_->Exec(p, limits_, &st);
  }

  StatusOr<QueryResult> Instant(const std::string& q, int64_t t) {
    QueryParams p;
    p.query = q;
    p.start_ns = p.end_ns = t;
    p.instant = true;
    QueryStats st;
    return engine_->Exec(p, limits_, &st);
  }

  // "{labels} v@t_s v@t_s" per series, sorted.
  static std::vector<std::string> Series(const QueryResult& r) {
    std::vector<std::string> out;
    for (const auto& s : r.series) {
      std::string line = LabelsString(s.labels);
      for (const auto& p : s.points) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), " %g@%lld", p.v,
                      static_cast<long long>((p.t_ns - kT0) / kSec));
        line += buf;
      }
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  MemEnv env_;
  FakeClock clock_;
  metrics::Registry registry_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Engine> engine_;
  QueryLimits limits_;
};

TEST_F(EngineTest, GrafanaHealthCheckVectorPlusVector) {
  auto r = Instant("vector(1)+vector(1)", kT0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, QueryResult::Type::kVector);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_TRUE(r->series[0].labels.empty());
  EXPECT_EQ(r->series[0].points[0].v, 2);
}

TEST_F(EngineTest, ScalarInstantAndRange) {
  auto r = Instant("1 + 2 * 3", kT0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, QueryResult::Type::kScalar);
  EXPECT_EQ(r->scalar.v, 7);
  EXPECT_EQ(r->scalar.t_ns, kT0);
  auto m = Range("2", kT0, kT0 + 2 * kMin, kMin);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Series(*m), std::vector<std::string>({"{} 2@0 2@60 2@120"}));
  auto div = Instant("1 / 0", kT0);
  ASSERT_TRUE(div.ok());
  EXPECT_TRUE(std::isnan(div->scalar.v));
}

TEST_F(EngineTest, CountOverTimeWindowIsOpenOnTheLeftClosedOnTheRight) {
  Push(R"({"app":"a"})", kT0, "at the boundary");
  Push(R"({"app":"a"})", kT0 + 30 * kSec, "inside");
  Push(R"({"app":"a"})", kT0 + kMin, "at the next boundary");
  // Windows (t-1m, t] at t = 0, 60, 120 s.
  auto r = Range(R"(count_over_time({app="a"}[1m]))", kT0, kT0 + 2 * kMin, kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Series(*r), std::vector<std::string>({R"({app="a"} 1@0 2@60)"}));
}

TEST_F(EngineTest, RateBytesAndSumBy) {
  for (int i = 0; i < 6; ++i) {
    Push(R"({"app":"a","pod":"p1"})", kT0 + i * 10 * kSec + 1, "12345");
    Push(R"({"app":"a","pod":"p2"})", kT0 + i * 10 * kSec + 2, "1234567890");
  }
  auto rate = Instant(R"(sum by (app) (rate({app="a"}[1m])))", kT0 + kMin);
  ASSERT_TRUE(rate.ok()) << rate.status().ToString();
  EXPECT_EQ(Series(*rate), std::vector<std::string>({R"({app="a"} 0.2@60)"}));
  auto bytes = Instant(R"(bytes_over_time({app="a"}[1m]))", kT0 + kMin);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(Series(*bytes), std::vector<std::string>(
                                {R"({app="a", pod="p1"} 30@60)", R"({app="a", pod="p2"} 60@60)"}));
  auto top = Instant(R"(topk(1, bytes_over_time({app="a"}[1m])))", kT0 + kMin);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(Series(*top), std::vector<std::string>({R"({app="a", pod="p2"} 60@60)"}));
  auto ratio = Instant(
      R"(sum by (pod) (bytes_over_time({app="a"}[1m])) / on (pod) sum by (pod) (count_over_time({app="a"}[1m])))",
      kT0 + kMin);
  ASSERT_TRUE(ratio.ok()) << ratio.status().ToString();
  EXPECT_EQ(Series(*ratio),
            std::vector<std::string>({R"({pod="p1"} 5@60)", R"({pod="p2"} 10@60)"}));
  auto cmp = Instant(R"(sum by (pod) (bytes_over_time({app="a"}[1m])) > 40)", kT0 + kMin);
  ASSERT_TRUE(cmp.ok());
  EXPECT_EQ(Series(*cmp), std::vector<std::string>({R"({pod="p2"} 60@60)"}));
  auto cmp_bool = Instant(R"(sum by (pod) (bytes_over_time({app="a"}[1m])) > bool 40)", kT0 + kMin);
  ASSERT_TRUE(cmp_bool.ok());
  EXPECT_EQ(Series(*cmp_bool),
            std::vector<std::string>({R"({pod="p1"} 0@60)", R"({pod="p2"} 1@60)"}));
}

TEST_F(EngineTest, UnwrapAggregationsAndErrors) {
  const int64_t t = kT0 + kSec;
  Push(R"({"app":"w"})", t, "latency=10 size=1KB d=250ms");
  Push(R"({"app":"w"})", t + kSec, "latency=30 size=2KB d=1s");
  Push(R"({"app":"w"})", t + 2 * kSec, "latency=20 size=3KB d=500ms");
  Push(R"({"app":"w"})", t + 3 * kSec, "latency=oops");
  const int64_t at = kT0 + kMin;
  auto q = [&](const std::string& query) {
    auto r = Instant(query, at);
    EXPECT_TRUE(r.ok()) << query << ": " << r.status().ToString();
    return r.ok() ? Series(*r) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(q(R"(sum(sum_over_time({app="w"} | logfmt | unwrap latency | __error__="" [1m])))"),
            V({"{} 60@60"}));
  EXPECT_EQ(q(R"(max_over_time({app="w"} | logfmt | unwrap latency | __error__="" [1m]) by (app))"),
            V({R"({app="w"} 30@60)"}));
  EXPECT_EQ(
      q(R"(min_over_time({app="w"} | logfmt | unwrap duration(d) | __error__="" [1m]) by (app))"),
      V({R"({app="w"} 0.25@60)"}));
  EXPECT_EQ(
      q(R"(avg_over_time({app="w"} | logfmt | unwrap bytes(size) | __error__="" [1m]) by (app))"),
      V({R"({app="w"} 2000@60)"}));
  EXPECT_EQ(
      q(R"(quantile_over_time(0.5, {app="w"} | logfmt | unwrap latency | __error__="" [1m]) by (app))"),
      V({R"({app="w"} 20@60)"}));
  EXPECT_EQ(
      q(R"(first_over_time({app="w"} | logfmt | unwrap latency | __error__="" [1m]) by (app))"),
      V({R"({app="w"} 10@60)"}));
  EXPECT_EQ(
      q(R"(last_over_time({app="w"} | logfmt | unwrap latency | __error__="" [1m]) by (app))"),
      V({R"({app="w"} 20@60)"}));
  EXPECT_EQ(
      q(R"(stdvar_over_time({app="w"} | logfmt | unwrap latency | __error__="" [1m]) by (app))")[0]
          .substr(0, 17),
      R"({app="w"} 66.6667)");
  // Without a filter the failed conversion is a query error naming the series.
  auto err = Instant(R"(max_over_time({app="w"} | logfmt | unwrap latency [1m]) by (app))", at);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.status().message().find("pipeline error: 'SampleExtractionErr'"), std::string::npos)
      << err.status().message();
}

TEST_F(EngineTest, LogQueryLimitDirectionAndPipeline) {
  for (int i = 0; i < 10; ++i) {
    Push(R"({"app":"a"})", kT0 + i * kSec,
         "line " + std::to_string(i) + (i % 2 ? " odd" : " even"));
    Push(R"({"app":"b"})", kT0 + i * kSec + 500'000'000, "other " + std::to_string(i));
  }
  auto back = Range(R"({app=~"a|b"})", kT0, kT0 + kMin, 0, 3);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  std::vector<int64_t> ts;
  for (auto& s : back->streams)
    for (auto& e : s.entries) ts.push_back(e.ts);
  std::sort(ts.begin(), ts.end());
  EXPECT_EQ(ts, std::vector<int64_t>(
                    {kT0 + 8 * kSec + 500'000'000, kT0 + 9 * kSec, kT0 + 9 * kSec + 500'000'000}));
  auto fwd = Range(R"({app="a"} |= "odd" | logfmt)", kT0, kT0 + kMin, 0, 2, Direction::kForward);
  ASSERT_TRUE(fwd.ok()) << fwd.status().ToString();
  size_t n = 0;
  for (auto& s : fwd->streams) n += s.entries.size();
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(fwd->streams[0].entries.front().line, "line 1 odd");
  // end is exclusive for log queries
  auto excl = Range(R"({app="a"})", kT0, kT0 + 9 * kSec, 0, 100, Direction::kForward);
  ASSERT_TRUE(excl.ok());
  EXPECT_EQ(excl->streams[0].entries.size(), 9u);
  // Instant log queries are refused.
  EXPECT_FALSE(Instant(R"({app="a"})", kT0).ok());
  // Over the entries limit.
  limits_.max_entries = 5;
  auto over = Range(R"({app="a"})", kT0, kT0 + kMin, 0, 6);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, StructuredMetadataIsPartOfLabels) {
  Push(R"({"app":"m"})", kT0 + kSec, "with trace", R"({"trace_id":"abc"})");
  Push(R"({"app":"m"})", kT0 + 2 * kSec, "without trace");
  auto r = Instant(R"(count_over_time({app="m"}[1m]))", kT0 + kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Series(*r),
            std::vector<std::string>({R"({app="m", trace_id="abc"} 1@60)", R"({app="m"} 1@60)"}));
  auto f = Range(R"({app="m"} | trace_id="abc")", kT0, kT0 + kMin, 0);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->streams.size(), 1u);
  EXPECT_EQ(LabelsString(f->streams[0].labels), R"({app="m", trace_id="abc"})");
}

TEST_F(EngineTest, AbsentOverTime) {
  Push(R"({"app":"c","pod":"x"})", kT0 + 90 * kSec, "one");
  auto r =
      Range(R"(absent_over_time({app="c", pod=~"x.*"}[1m]))", kT0 + kMin, kT0 + 4 * kMin, kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Series(*r), std::vector<std::string>({R"({app="c"} 1@60 1@180 1@240)"}));
}

TEST_F(EngineTest, LabelReplaceAndSetOperations) {
  Push(R"({"app":"a","pod":"a-1"})", kT0 + kSec, "x");
  Push(R"({"app":"b","pod":"b-1"})", kT0 + kSec, "x");
  auto r =
      Instant(R"(label_replace(count_over_time({app=~"a|b"}[1m]), "short", "$1", "pod", "(.*)-1"))",
              kT0 + kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Series(*r), std::vector<std::string>({R"({app="a", pod="a-1", short="a"} 1@60)",
                                                  R"({app="b", pod="b-1", short="b"} 1@60)"}));
  auto un =
      Instant(R"(count_over_time({app=~"a|b"}[1m]) unless on (app) count_over_time({app="a"}[1m]))",
              kT0 + kMin);
  ASSERT_TRUE(un.ok()) << un.status().ToString();
  EXPECT_EQ(Series(*un), std::vector<std::string>({R"({app="b", pod="b-1"} 1@60)"}));
}

TEST_F(EngineTest, SeriesLimitAndBytesLimit) {
  for (int i = 0; i < 5; ++i)
    Push(R"({"app":"s","i":")" + std::to_string(i) + "\"}", kT0 + kSec, "x");
  limits_.max_series = 3;
  auto r = Instant(R"(count_over_time({app="s"}[1m]))", kT0 + kMin);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("maximum of series"), std::string::npos);
  // Summed away, the same data is fine.
  EXPECT_TRUE(Instant(R"(sum(count_over_time({app="s"}[1m])))", kT0 + kMin).ok());
}

// Properties on random data: the sum of count_over_time is the number of
// lines; forward and backward return the same entries; splitting the range
// changes nothing.
TEST_F(EngineTest, Properties) {
  std::mt19937 rng(7);
  int total = 0;
  std::multiset<std::string> pushed;
  for (int s = 0; s < 4; ++s) {
    int64_t t = kT0;
    for (int i = 0; i < 200; ++i) {
      t += 1 + static_cast<int64_t>(rng() % (20 * kSec));
      if (t >= kT0 + 3600 * kSec) break;
      std::string line = "s" + std::to_string(s) + " n=" + std::to_string(i);
      Push(R"({"app":"p","s":")" + std::to_string(s) + "\"}", t, line);
      pushed.insert(std::to_string(t) + " " + line);
      ++total;
    }
  }
  auto c = Instant(R"(sum(count_over_time({app="p"}[1h])))", kT0 + 3600 * kSec);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->series.size(), 1u);
  EXPECT_EQ(c->series[0].points[0].v, total);

  auto collect = [&](Direction d, int64_t from, int64_t to) {
    std::multiset<std::string> got;
    auto r = Range(R"({app="p"})", from, to, 0, 5000, d);
    EXPECT_TRUE(r.ok());
    for (auto& s : r->streams)
      for (auto& e : s.entries) got.insert(std::to_string(e.ts) + " " + e.line);
    return got;
  };
  auto fwd = collect(Direction::kForward, kT0, kT0 + 3600 * kSec);
  EXPECT_EQ(fwd, pushed);
  EXPECT_EQ(collect(Direction::kBackward, kT0, kT0 + 3600 * kSec), fwd);
  for (int64_t split : {kT0 + 7 * kMin + 3, kT0 + 31 * kMin, kT0 + 59 * kMin}) {
    auto a = collect(Direction::kForward, kT0, split);
    auto b = collect(Direction::kForward, split, kT0 + 3600 * kSec);
    a.insert(b.begin(), b.end());
    EXPECT_EQ(a, fwd);
    auto m1 = Instant(R"(sum(count_over_time({app="p"}[1h])))", split);
    auto m2 = Instant(R"(sum(count_over_time({app="p"}[1h] offset 0s)))", split);
    ASSERT_TRUE(m1.ok() && m2.ok());
    EXPECT_EQ(Series(*m1), Series(*m2));
  }
  // A range query's steps equal instant queries at each step.
  auto range =
      Range(R"(sum by (s) (count_over_time({app="p"}[5m])))", kT0, kT0 + 3600 * kSec, 7 * kMin);
  ASSERT_TRUE(range.ok());
  for (const auto& s : range->series) {
    for (const auto& p : s.points) {
      auto one = Instant(R"(sum by (s) (count_over_time({app="p"}[5m])))", p.t_ns);
      ASSERT_TRUE(one.ok());
      bool found = false;
      for (const auto& o : one->series) {
        if (o.labels == s.labels) {
          EXPECT_EQ(o.points[0].v, p.v);
          found = true;
        }
      }
      EXPECT_TRUE(found);
    }
  }
}

}  // namespace
}  // namespace logstack::logstore::engine

namespace logstack::logstore::engine {
namespace {

// Blocks of flushed chunks that lack a filter's literal are skipped without
// changing the answer; the skipped bytes still count as scanned.
TEST_F(EngineTest, LiteralFilterSkipsBlocksWithoutChangingAnswers) {
  for (int i = 0; i < 400; ++i) {
    std::string line =
        "request " + std::to_string(i) + " served in 12ms by worker-" + std::to_string(i % 7);
    if (i == 123 || i == 321) line += " needle-xyz";
    Push(R"({"app":"f"})", kT0 + i * kSec / 10, line);
  }
  ASSERT_TRUE(store_->FlushAll().ok());
  QueryParams p;
  p.query = R"({app="f"} |= "needle-xyz")";
  p.start_ns = kT0;
  p.end_ns = kT0 + kMin;
  p.limit = 100;
  QueryStats st;
  auto r = engine_->Exec(p, limits_, &st);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->streams.size(), 1u);
  ASSERT_EQ(r->streams[0].entries.size(), 2u);
  EXPECT_EQ(r->streams[0].entries[0].ts, kT0 + 321 * kSec / 10);
  EXPECT_EQ(r->streams[0].entries[1].ts, kT0 + 123 * kSec / 10);
  // Every line was accounted for, read or skipped.
  EXPECT_GE(st.lines_processed, 400u);
  auto c = Instant(R"(sum(count_over_time({app="f"} |= "needle-xyz" [1m])))", kT0 + kMin);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->series.size(), 1u);
  EXPECT_EQ(c->series[0].points[0].v, 2);
  auto none = Range(R"({app="f"} |= "absent-literal")", kT0, kT0 + kMin, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->streams.empty());
}

}  // namespace
}  // namespace logstack::logstore::engine
