// The metadata routes (series, index stats and volumes, detected labels and
// fields, patterns, format_query) and live tail, over real HTTP and
// WebSocket connections.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "common/mem_env.h"
#include "logstore/server/api.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/ws_client.h"

namespace logstack::logstore {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
constexpr int64_t kSec = 1'000'000'000;

class MetadataRoutesTest : public ::testing::Test {
 protected:
  MetadataRoutesTest() : api_(&clock_, &registry_, /*auth_enabled=*/false, /*query_threads=*/2) {
    http::ServerOptions so;
    so.listen = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(so);
    api_.Register(server_.get());
    EXPECT_TRUE(server_->Start().ok());
    StoreOptions opts;
    opts.data_dir = "/data";
    opts.limits.ingestion_rate_mb = 1000;
    opts.limits.ingestion_burst_size_mb = 1000;
    opts.limits.per_stream_rate_limit = 1ull << 30;
    opts.limits.per_stream_rate_limit_burst = 1ull << 30;
    auto store = Store::Open(&env_, &clock_, opts, &registry_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    api_.SetStore(store_.get());
    client_ = std::make_unique<testutil::HttpClient>("127.0.0.1", server_->port());
  }

  ~MetadataRoutesTest() override {
    api_.SetStore(nullptr);
    server_->Stop();
  }

  // Pushes one stream's lines at t0, t0+1s, ...
  void Push(const std::string& labels, int64_t t0, const std::vector<std::string>& lines,
            const std::string& metadata = "") {
    json values = json::array();
    for (size_t i = 0; i < lines.size(); i++) {
      json v = {std::to_string(t0 + static_cast<int64_t>(i) * kSec), lines[i]};
      if (!metadata.empty()) v.push_back(json::parse(metadata));
      values.push_back(v);
    }
    json body = {{"streams", {{{"stream", json::parse(labels)}, {"values", values}}}}};
    auto r =
        client_->Post("/loki/api/v1/push", body.dump(), {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 204) << r->Describe();
  }

  testutil::HttpResult Get(const std::string& path,
                           const std::vector<std::pair<std::string, std::string>>& params) {
    std::string target = path;
    char sep = '?';
    for (const auto& [k, v] : params) {
      target += sep + testutil::UrlEncode(k) + "=" + testutil::UrlEncode(v);
      sep = '&';
    }
    auto r = client_->Get(target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : testutil::HttpResult{};
  }

  json GetJson(const std::string& path,
               const std::vector<std::pair<std::string, std::string>>& params) {
    auto r = Get(path, params);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return json::parse(r.body, nullptr, false);
  }

  std::string Ns(int64_t ns) { return std::to_string(ns); }

  // Three streams in two namespaces, lines from t0 on.
  void PushSample() {
    Push(R"({"namespace":"shop","app":"order","pod":"order-1"})", t0_,
         {"level=info msg=\"placed order\" status=200 took=12ms size=1.5KB ok=true ratio=0.5",
          "level=error msg=failed status=500 took=1s size=3KiB ok=false ratio=1.5"},
         R"({"trace_id":"abc"})");
    Push(R"({"namespace":"shop","app":"delivery","pod":"delivery-1"})", t0_,
         {R"({"level":"info","attempt":1,"retry":true})",
          R"({"level":"warn","attempt":2,"retry":false})", R"({"level":"warn",)"});
    Push(R"({"namespace":"payments","app":"payment","pod":"payment-1"})", t0_, {"paid"});
  }

  FakeClock clock_;
  metrics::Registry registry_;
  MemEnv env_;
  Api api_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<testutil::HttpClient> client_;
  const int64_t t0_ = clock_.NowNanos() - 600 * kSec;
};

TEST_F(MetadataRoutesTest, SeriesUnionsMatchersWithoutMetadata) {
  PushSample();
  json d = GetJson("/loki/api/v1/series", {{"match[]", R"({app="order"})"},
                                           {"match[]", R"({namespace="payments"})"},
                                           {"start", Ns(t0_)},
                                           {"end", Ns(t0_ + 60 * kSec)}});
  ASSERT_EQ(d["status"], "success");
  ASSERT_EQ(d["data"].size(), 2u) << d.dump();
  std::set<std::string> apps;
  for (const auto& s : d["data"]) {
    apps.insert(s["app"].get<std::string>());
    EXPECT_FALSE(s.contains("trace_id"));
  }
  EXPECT_EQ(apps, (std::set<std::string>{"order", "payment"}));

  // Outside the data: empty; no match[]: every stream.
  json none = GetJson("/loki/api/v1/series", {{"match[]", R"({app="order"})"},
                                              {"start", Ns(t0_ + 3600 * kSec)},
                                              {"end", Ns(t0_ + 7200 * kSec)}});
  EXPECT_EQ(none["data"], json::array());
  json all = GetJson("/loki/api/v1/series", {});
  EXPECT_EQ(all["data"].size(), 3u);

  auto bad = Get("/loki/api/v1/series", {{"match[]", R"({app="order")"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("parse error at line 1, col 13"), std::string::npos) << bad.body;
  auto bad_time = Get("/loki/api/v1/series", {{"match[]", R"({app="order"})"}, {"start", "x"}});
  EXPECT_EQ(bad_time.status, 400) << bad_time.Describe();
  auto pipeline = Get("/loki/api/v1/series", {{"match[]", R"({app="order"} |= "x")"}});
  EXPECT_EQ(pipeline.status, 400) << pipeline.Describe();
}

TEST_F(MetadataRoutesTest, IndexStatsCountsStreamsChunksBytesEntries) {
  PushSample();
  json d = GetJson(
      "/loki/api/v1/index/stats",
      {{"query", R"({namespace="shop"})"}, {"start", Ns(t0_)}, {"end", Ns(t0_ + 60 * kSec)}});
  EXPECT_EQ(d["streams"], 2);
  EXPECT_EQ(d["chunks"], 2);
  EXPECT_EQ(d["entries"], 5);
  EXPECT_GT(d["bytes"].get<int64_t>(), 100);
  EXPECT_EQ(d.size(), 4u) << d.dump();  // no status/data envelope
  EXPECT_EQ(Get("/loki/api/v1/index/stats", {}).status, 400);
}

TEST_F(MetadataRoutesTest, VolumeGroupsBySelectorLabelsOrTargetsOrLabelNames) {
  PushSample();
  std::string start = Ns(t0_), end = Ns(t0_ + 3600 * kSec);
  json v = GetJson("/loki/api/v1/index/volume",
                   {{"query", R"({namespace=~".+"})"}, {"start", start}, {"end", end}});
  ASSERT_EQ(v["data"]["resultType"], "vector");
  auto& res = v["data"]["result"];
  ASSERT_EQ(res.size(), 2u) << v.dump();
  EXPECT_EQ(res[0]["metric"], json({{"namespace", "shop"}}));  // the largest first
  EXPECT_EQ(res[0]["value"][0], (t0_ + 3600 * kSec) / kSec);
  EXPECT_TRUE(res[0]["value"][1].is_string());

  json t = GetJson("/loki/api/v1/index/volume", {{"query", R"({namespace="shop"})"},
                                                 {"targetLabels", "app"},
                                                 {"limit", "1"},
                                                 {"start", start},
                                                 {"end", end}});
  ASSERT_EQ(t["data"]["result"].size(), 1u);
  EXPECT_TRUE(t["data"]["result"][0]["metric"].contains("app"));

  json l = GetJson("/loki/api/v1/index/volume", {{"query", R"({namespace="payments"})"},
                                                 {"aggregateBy", "labels"},
                                                 {"start", start},
                                                 {"end", end}});
  std::set<std::string> names;
  for (const auto& s : l["data"]["result"]) {
    ASSERT_EQ(s["metric"].size(), 1u);
    EXPECT_EQ(s["metric"].begin().value(), "");
    names.insert(s["metric"].begin().key());
  }
  EXPECT_EQ(names, (std::set<std::string>{"app", "namespace", "pod"}));

  // Range: buckets stamped with their last millisecond, the last with end.
  int64_t s0 = t0_ - 60 * kSec;
  json r = GetJson("/loki/api/v1/index/volume_range", {{"query", R"({app="order"})"},
                                                       {"start", Ns(s0)},
                                                       {"end", Ns(s0 + 120 * kSec)},
                                                       {"step", "1m"}});
  ASSERT_EQ(r["data"]["resultType"], "matrix");
  ASSERT_EQ(r["data"]["result"].size(), 1u) << r.dump();
  auto& values = r["data"]["result"][0]["values"];
  ASSERT_EQ(values.size(), 1u) << r.dump();  // data only in the second minute
  EXPECT_DOUBLE_EQ(values[0][0].get<double>(), static_cast<double>(s0 + 120 * kSec) / 1e9);
  EXPECT_EQ(Get("/loki/api/v1/index/volume_range", {{"query", R"({app="order"})"}, {"step", "-1"}})
                .status,
            400);
}

TEST_F(MetadataRoutesTest, DetectedLabelsLeaveOutSingleValuedOnes) {
  PushSample();
  json d = GetJson(
      "/loki/api/v1/detected_labels",
      {{"query", R"({namespace="shop"})"}, {"start", Ns(t0_)}, {"end", Ns(t0_ + 60 * kSec)}});
  json expect = json::array({{{"label", "app"}, {"cardinality", 2}},
                             {{"label", "namespace"}, {"cardinality", 1}},
                             {{"label", "pod"}, {"cardinality", 2}}});
  EXPECT_EQ(d["detectedLabels"], expect) << d.dump();
  EXPECT_EQ(Get("/loki/api/v1/detected_labels", {{"query", "{"}}).status, 400);
}

TEST_F(MetadataRoutesTest, DetectedFieldsFromLogfmtJsonAndMetadata) {
  PushSample();
  json d = GetJson(
      "/loki/api/v1/detected_fields",
      {{"query", R"({namespace="shop"})"}, {"start", Ns(t0_)}, {"end", Ns(t0_ + 60 * kSec)}});
  EXPECT_EQ(d["limit"], 1000);
  std::map<std::string, json> by_name;
  for (const auto& f : d["fields"]) by_name[f["label"].get<std::string>()] = f;
  auto type = [&](const std::string& n) { return by_name[n]["type"].get<std::string>(); };
  EXPECT_EQ(type("status"), "int");
  EXPECT_EQ(type("took"), "duration");
  EXPECT_EQ(type("size"), "bytes");
  EXPECT_EQ(type("ok"), "boolean");
  EXPECT_EQ(type("ratio"), "float");
  EXPECT_EQ(type("msg"), "string");
  EXPECT_EQ(by_name["msg"]["cardinality"], 2);
  EXPECT_EQ(by_name["msg"]["parsers"], json::array({"logfmt"}));
  EXPECT_EQ(type("retry"), "boolean");
  EXPECT_EQ(by_name["attempt"]["parsers"], json::array({"json"}));
  // level: logfmt and json lines; the broken JSON line adds nothing.
  EXPECT_EQ(by_name["level"]["cardinality"], 3);
  EXPECT_EQ(by_name["level"]["parsers"], json::array({"json", "logfmt"}));
  EXPECT_TRUE(by_name["trace_id"]["parsers"].is_null());

  json v = GetJson(
      "/loki/api/v1/detected_field/level/values",
      {{"query", R"({namespace="shop"})"}, {"start", Ns(t0_)}, {"end", Ns(t0_ + 60 * kSec)}});
  EXPECT_EQ(v["values"], json::array({"error", "info", "warn"})) << v.dump();

  // A pipeline in the query filters lines first; a metric query is refused.
  json f = GetJson(
      "/loki/api/v1/detected_fields",
      {{"query", R"({app="order"} |= "error")"}, {"start", Ns(t0_)}, {"end", Ns(t0_ + 60 * kSec)}});
  for (const auto& x : f["fields"]) {
    if (x["label"] == "status") {
      EXPECT_EQ(x["cardinality"], 1);
    }
  }
  EXPECT_EQ(Get("/loki/api/v1/detected_fields", {{"query", R"(rate({app="x"}[1m]))"}}).status, 400);
  EXPECT_EQ(
      Get("/loki/api/v1/detected_fields", {{"query", R"({app="order"})"}, {"line_limit", "-3"}})
          .status,
      400);
}

// Loki 3.4 looks at the newest 100 lines unless line_limit says otherwise
// (its recorded answer for the conformance case meta/detected-fields-json).
TEST_F(MetadataRoutesTest, DetectedFieldsReadTheNewest100LinesByDefault) {
  std::vector<std::string> lines;
  for (int i = 0; i < 150; i++) lines.push_back("n=" + std::to_string(i));
  Push(R"({"app":"many"})", t0_, lines);
  auto cardinality = [&](const std::vector<std::pair<std::string, std::string>>& extra) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"query", R"({app="many"})"}, {"start", Ns(t0_)}, {"end", Ns(t0_ + 200 * kSec)}};
    params.insert(params.end(), extra.begin(), extra.end());
    json d = GetJson("/loki/api/v1/detected_fields", params);
    for (const auto& f : d["fields"]) {
      if (f["label"] == "n") return f["cardinality"].get<int>();
    }
    return -1;
  };
  EXPECT_EQ(cardinality({}), 100);
  EXPECT_EQ(cardinality({{"line_limit", "150"}}), 150);
  EXPECT_EQ(cardinality({{"line_limit", "7"}}), 7);
  json v =
      GetJson("/loki/api/v1/detected_field/n/values",
              {{"query", R"({app="many"})"}, {"start", Ns(t0_)}, {"end", Ns(t0_ + 200 * kSec)}});
  EXPECT_EQ(v["values"].size(), 100u);
  EXPECT_EQ(v["values"][0], "100");  // the newest 100 lines: n=50..149, sorted as strings
}

TEST_F(MetadataRoutesTest, FormatQueryAndPatterns) {
  json d = GetJson("/loki/api/v1/format_query",
                   {{"query", R"({app="order",stream="stdout"}|="x"|logfmt|status>=500)"}});
  EXPECT_EQ(d, json({{"status", "success"},
                     {"data", R"({app="order", stream="stdout"} |= "x" | logfmt | status>=500)"}}));
  auto bad = Get("/loki/api/v1/format_query", {{"query", R"({app="a")"}});
  EXPECT_EQ(bad.status, 400);
  // Byte for byte, as Loki writes it: "status" first.
  EXPECT_EQ(bad.body,
            R"({"status":"invalid-query","error":"parse error at line 1, col 9: syntax error: )"
            R"(unexpected $end, expecting } or ,"})");
  EXPECT_EQ(GetJson("/loki/api/v1/patterns", {{"query", R"({app="a"})"}}),
            json({{"status", "success"}, {"data", json::array()}}));
}

// ------------------------------------------------------------------ tail

std::string TailTarget(const std::string& query, const std::string& extra = "") {
  return "/loki/api/v1/tail?query=" + testutil::UrlEncode(query) + extra;
}

// Reads frames until `want` entries arrived or the deadline; returns them as
// "labels-json line" and appends dropped entries to *dropped.
std::vector<std::string> ReadEntries(testutil::WsClient& c, size_t want, size_t* dropped,
                                     std::chrono::milliseconds timeout = 10s) {
  std::vector<std::string> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t n_dropped = 0;
  while (out.size() + n_dropped < want && std::chrono::steady_clock::now() < deadline) {
    auto m = c.Read(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!m.ok()) break;
    json f = json::parse(*m);
    EXPECT_TRUE(f.contains("dropped_entries"));
    for (const auto& s : f["streams"]) {
      for (const auto& v : s["values"]) {
        out.push_back(s["stream"].dump() + " " + v[1].get<std::string>());
      }
    }
    if (dropped != nullptr && f["dropped_entries"].is_array()) {
      n_dropped += f["dropped_entries"].size();
    }
  }
  if (dropped != nullptr) *dropped = n_dropped;
  return out;
}

TEST_F(MetadataRoutesTest, TailSendsHistoryThenNewEntriesThroughThePipeline) {
  Push(R"({"app":"a"})", t0_, {"level=info n=1", "level=error n=2", "level=info n=3"});
  Push(R"({"app":"b"})", t0_, {"level=error other"});
  testutil::WsClient c;
  Status s = c.Connect("127.0.0.1", server_->port(),
                       TailTarget(R"({app="a"} | logfmt | level="info" | line_format "{{.n}}")",
                                  "&limit=10&start=" + Ns(t0_ - kSec)));
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto history = ReadEntries(c, 2, nullptr);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0], R"({"app":"a","level":"info","n":"1"} 1)");
  EXPECT_EQ(history[1], R"({"app":"a","level":"info","n":"3"} 3)");

  Push(R"({"app":"a"})", t0_ + 10 * kSec, {"level=error n=4", "level=info n=5"});
  Push(R"({"app":"b"})", t0_ + 10 * kSec, {"level=info n=6"});
  auto live = ReadEntries(c, 1, nullptr);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0], R"({"app":"a","level":"info","n":"5"} 5)");
  c.Close();
}

TEST_F(MetadataRoutesTest, TailLimitsHistoryToTheNewestEntries) {
  Push(R"({"app":"a"})", t0_, {"1", "2", "3", "4", "5"});
  testutil::WsClient c;
  ASSERT_TRUE(c.Connect("127.0.0.1", server_->port(),
                        TailTarget(R"({app="a"})", "&limit=2&start=" + Ns(t0_ - kSec)))
                  .ok());
  auto history = ReadEntries(c, 2, nullptr);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0], R"({"app":"a"} 4)");
  EXPECT_EQ(history[1], R"({"app":"a"} 5)");
}

TEST_F(MetadataRoutesTest, TailBadRequestsAre400) {
  testutil::WsClient c;
  Status s = c.Connect("127.0.0.1", server_->port(), "/loki/api/v1/tail");
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.ToString();
  s = c.Connect("127.0.0.1", server_->port(), TailTarget(R"({app="a")"));
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.ToString();
  s = c.Connect("127.0.0.1", server_->port(), TailTarget(R"(rate({app="a"}[1m]))"));
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.ToString();
  s = c.Connect("127.0.0.1", server_->port(), TailTarget(R"({app="a"})", "&delay_for=6"));
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.ToString();
}

// A client that stops reading never holds up ingest: its entries beyond the
// tailer's queue are dropped and reported once it reads again.
TEST_F(MetadataRoutesTest, SlowTailClientNeverBlocksIngestAndHearsOfDrops) {
  testutil::WsClient c;
  ASSERT_TRUE(c.Connect("127.0.0.1", server_->port(), TailTarget(R"({app="big"})"), 10s,
                        /*receive_buffer=*/4096)
                  .ok());
  std::string line(32 << 10, 'x');
  const int kBatches = 60, kPerBatch = 50;  // 3000 entries, ~94 MiB
  auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < kBatches; b++) {
    std::vector<std::string> lines(kPerBatch, line);
    for (int i = 0; i < kPerBatch; i++) lines[i] += std::to_string(b * kPerBatch + i);
    Push(R"({"app":"big"})", t0_ - 3600 * kSec + b * kPerBatch * kSec, lines);
    if (HasFatalFailure()) return;
  }
  auto push_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(push_secs, 60);
  size_t dropped = 0;
  // A deadline, not a wait: it returns once every entry is accounted for
  // (generous for sanitizer builds, where 94 MiB take a while).
  auto got = ReadEntries(c, kBatches * kPerBatch, &dropped, 90s);
  EXPECT_GT(dropped, 0u);
  EXPECT_GT(got.size(), 0u);
  EXPECT_EQ(got.size() + dropped, static_cast<size_t>(kBatches * kPerBatch));
}

}  // namespace
}  // namespace logstack::logstore
