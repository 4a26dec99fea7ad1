// Hostile queries get an answer, never a crash: deep templates and queries,
// deep JSON lines, oversized template output, responses past
// max_query_response_size, and the query limits on the routes that run a
// pipeline outside the engine (detected_fields, tail). Over real HTTP and
// WebSocket connections, with a clock the tests drive.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/mem_env.h"
#include "logstore/server/api.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/ws_client.h"

namespace logstack::logstore {
namespace {

using json = nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;
constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1705305600LL * kSec;  // 2024-01-15T08:00:00Z

std::string Ns(int64_t ns) { return std::to_string(ns); }

std::string Repeated(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.append(s);
  return out;
}

std::string Encode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += testutil::UrlEncode(k) + "=" + testutil::UrlEncode(v);
  }
  return out;
}

// A clock that, once told to tick, moves `step` forward at every reading:
// a request that reads the clock N times sees N steps pass, so timeouts
// trigger deterministically and without sleeping.
class TickingClock final : public Clock {
 public:
  explicit TickingClock(int64_t now) : now_(now) {}
  int64_t NowNanos() const override { return now_.fetch_add(step_.load()); }
  int64_t MonotonicNanos() const override { return now_.load(); }
  void set_step(int64_t step) { step_.store(step); }

 private:
  mutable std::atomic<int64_t> now_;
  std::atomic<int64_t> step_{0};
};

class LimitsTest : public ::testing::Test {
 protected:
  LimitsTest() : clock_(kT0 + 3600 * kSec) {}
  ~LimitsTest() override { Stop(); }

  void Start(const std::function<void(TenantLimits&)>& tweak = {}) {
    api_ = std::make_unique<Api>(&clock_, &registry_, /*auth_enabled=*/false, /*query_threads=*/2);
    http::ServerOptions so;
    so.listen = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(so);
    api_->Register(server_.get());
    ASSERT_TRUE(server_->Start().ok());
    StoreOptions opts;
    opts.data_dir = "/data";
    opts.limits.ingestion_rate_mb = 1000;
    opts.limits.ingestion_burst_size_mb = 1000;
    opts.limits.per_stream_rate_limit = 1ull << 30;
    opts.limits.per_stream_rate_limit_burst = 1ull << 30;
    opts.limits.validation.reject_old_samples = false;
    opts.limits.retention_period_ns = 0;
    if (tweak) tweak(opts.limits);
    auto store = Store::Open(&env_, &clock_, opts, &registry_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    api_->SetStore(store_.get());
    client_ = std::make_unique<testutil::HttpClient>("127.0.0.1", server_->port());
  }

  void Stop() {
    if (api_) api_->SetStore(nullptr);
    if (server_) server_->Stop();
  }

  // Pushes one stream's lines at t0, t0+1s, ...
  void Push(const std::string& labels, int64_t t0, const std::vector<std::string>& lines) {
    json values = json::array();
    for (size_t i = 0; i < lines.size(); i++) {
      values.push_back({Ns(t0 + static_cast<int64_t>(i) * kSec), lines[i]});
    }
    json body = {{"streams", {{{"stream", json::parse(labels)}, {"values", values}}}}};
    auto r =
        client_->Post("/loki/api/v1/push", body.dump(), {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 204) << r->Describe();
  }

  // POSTs a form (long queries do not fit in a URL).
  testutil::HttpResult Post(const std::string& path, const Params& params) {
    auto r = client_->Post(path, Encode(params),
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : testutil::HttpResult{};
  }

  testutil::HttpResult QueryRange(const std::string& query, Params extra = {}) {
    Params p = {{"query", query}, {"start", Ns(kT0)}, {"end", Ns(kT0 + 600 * kSec)}};
    for (auto& kv : extra) p.push_back(std::move(kv));
    return Post("/loki/api/v1/query_range", p);
  }

  testutil::HttpResult DetectedFields(const std::string& query, Params extra = {}) {
    Params p = {{"query", query}, {"start", Ns(kT0)}, {"end", Ns(kT0 + 600 * kSec)}};
    for (auto& kv : extra) p.push_back(std::move(kv));
    return Post("/loki/api/v1/detected_fields", p);
  }

  // The tail handshake's error ("" when it upgraded).
  std::string TailError(const std::string& query, const std::string& extra = "") {
    testutil::WsClient c;
    Status s = c.Connect(
        "127.0.0.1", server_->port(),
        "/loki/api/v1/tail?query=" + testutil::UrlEncode(query) + "&start=" + Ns(kT0) + extra);
    if (s.ok()) c.Close();
    return s.ok() ? "" : s.message();
  }

  TickingClock clock_;
  metrics::Registry registry_;
  MemEnv env_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<testutil::HttpClient> client_;
};

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// ------------------------------------------------------- deep input

TEST_F(LimitsTest, DeepTemplatesAre400LikeOtherTemplateErrors) {
  Start();
  Push(R"({"app":"a"})", kT0, {"x"});
  const std::string deep = Repeated("{{if 1}}", 20000) + Repeated("{{end}}", 20000);
  auto r = QueryRange("{app=\"a\"} | line_format `" + deep + "`");
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_TRUE(Contains(r.body,
                       "invalid line template: template: line:1: exceeded maximum "
                       "template depth (100)"))
      << r.body.substr(0, 300);
  // The same shape as any other template parse error.
  auto other = QueryRange("{app=\"a\"} | line_format `{{ nope }}`");
  EXPECT_EQ(other.status, 400);
  EXPECT_TRUE(Contains(other.body, "invalid line template: template: line:1: function"));
  EXPECT_EQ(r.body.substr(0, 20), other.body.substr(0, 20));

  auto label = QueryRange("{app=\"a\"} | label_format x=`{{" + Repeated("(", 20000) + "}}`");
  EXPECT_EQ(label.status, 400) << label.Describe();
  EXPECT_TRUE(Contains(label.body,
                       "invalid label template: template: label:1: exceeded maximum "
                       "template depth (100)"));
  // In a metric query too.
  auto metric = QueryRange("count_over_time({app=\"a\"} | line_format `" + deep + "` [1m])",
                           {{"step", "60"}});
  EXPECT_EQ(metric.status, 400) << metric.Describe();
  // The server still answers.
  EXPECT_EQ(QueryRange("{app=\"a\"}").status, 200);
}

TEST_F(LimitsTest, DeepQueriesAre400) {
  Start();
  // Each about 1 MB: the lexer must stay linear in the query's length (it
  // once counted lines and columns from the start for every token).
  const std::vector<std::string> queries = {
      Repeated("(", 100000),
      "{app=\"a\"} | " + Repeated("(", 100000),
      "{app=\"a\"} | x>1 and " + Repeated("(x>1 or ", 100000) + "x>1" + Repeated(")", 100000),
      Repeated("sum(", 100000) + "rate({app=\"a\"}[1m])" + Repeated(")", 100000)};
  for (const std::string& q : queries) {
    auto r = QueryRange(q);
    EXPECT_EQ(r.status, 400) << r.Describe().substr(0, 300);
    EXPECT_TRUE(Contains(r.body, "nested too deeply")) << r.body.substr(0, 300);
  }
}

TEST_F(LimitsTest, DeepJsonLinesGetAnErrorLabel) {
  Start([](TenantLimits& l) { l.validation.max_line_size = 1 << 20; });
  std::string objects = Repeated("{\"a\":", 100000) + "1" + Repeated("}", 100000);
  std::string arrays = "{\"b\":" + Repeated("[", 100000) + Repeated("]", 100000) + ",\"c\":1}";
  Push(R"({"app":"a"})", kT0, {objects, arrays});
  auto r = QueryRange("{app=\"a\"} | json | line_format `{{.c}}`");
  ASSERT_EQ(r.status, 200) << r.Describe().substr(0, 300);
  json d = json::parse(r.body);
  std::map<std::string, std::string> by_line;
  for (const auto& s : d["data"]["result"]) {
    for (const auto& v : s["values"]) {
      by_line[v[1].get<std::string>()] = s["stream"].value("__error_details__", "");
    }
  }
  EXPECT_EQ(by_line["1"], "");  // the arrays: skipped, c extracted
  ASSERT_EQ(by_line.size(), 2u);
  by_line.erase("1");
  EXPECT_EQ(by_line.begin()->second, "Value is nested deeper than 128 objects");
}

TEST_F(LimitsTest, TemplateOutputPastTheLineSizeIsAnErrorLabel) {
  Start([](TenantLimits& l) { l.validation.max_line_size = 1000; });
  Push(R"({"app":"a"})", kT0, {"x"});
  auto r = QueryRange("{app=\"a\"} | line_format `{{ printf \"%999999999d\" 1 }}`");
  ASSERT_EQ(r.status, 200) << r.Describe();
  json s = json::parse(r.body)["data"]["result"][0];
  EXPECT_EQ(s["stream"]["__error__"], "TemplateFormatErr");
  EXPECT_TRUE(Contains(s["stream"]["__error_details__"], "maximum line size (1000 bytes)"));
  EXPECT_EQ(s["values"][0][1], "x");
}

// ------------------------------------------------------- response size

TEST_F(LimitsTest, ResponsesPastTheLimitAre400) {
  Start([](TenantLimits& l) { l.max_query_response_size = 2000; });
  std::vector<std::string> lines;
  for (int i = 0; i < 30; i++) lines.push_back(Repeated("y", 100));
  Push(R"({"app":"a"})", kT0, lines);
  const std::string kMessage =
      "the query response would be larger than the limit (2000 bytes); narrow the time range, "
      "lower the limit or add filters\n";
  auto big = QueryRange("{app=\"a\"}");
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.body, kMessage);
  // Under the limit: the answer. Lines are not all a response is made of.
  EXPECT_EQ(QueryRange("{app=\"a\"}", {{"limit", "5"}}).status, 200);
  auto framed = QueryRange("{app=\"a\"} | line_format `{{ printf \"%50s\" \"\" }}`");
  EXPECT_EQ(framed.status, 400);
  EXPECT_EQ(framed.body, kMessage);
  auto metric = QueryRange("vector(1)", {{"step", "1"}});
  EXPECT_EQ(metric.status, 400);
  EXPECT_EQ(metric.body, kMessage);

  // The metadata routes too.
  for (int i = 0; i < 100; i++) {
    Push(R"({"app":"stream-with-a-long-name-)" + std::to_string(i) + R"("})", kT0, {"z"});
  }
  auto series = Post("/loki/api/v1/series",
                     {{"match[]", R"({app=~".+"})"}, {"start", Ns(kT0)}, {"end", Ns(kT0 + kSec)}});
  EXPECT_EQ(series.status, 400);
  EXPECT_EQ(series.body, kMessage);
  auto values = Post("/loki/api/v1/label/app/values", {{"start", Ns(kT0)}});
  EXPECT_EQ(values.status, 400);
  auto volume = Post("/loki/api/v1/index/volume_range", {{"query", R"({app=~".+"})"},
                                                         {"start", Ns(kT0)},
                                                         {"end", Ns(kT0 + 60 * kSec)},
                                                         {"step", "1"}});
  EXPECT_EQ(volume.status, 400);
  EXPECT_EQ(Post("/loki/api/v1/labels", {{"start", Ns(kT0)}}).status, 200);
}

TEST_F(LimitsTest, ResponseSizeSettingIsReadFromTheConfig) {
  YAML::Node n = YAML::Load(
      "limits: {max_query_response_size: 1MB}\n"
      "overrides: {t1: {max_query_response_size: 0}}\n");
  ConfigReader r(n, "");
  StoreOptions o;
  ReadStoreOptions(r, &o);
  Status st = r.Finish();
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(o.limits.max_query_response_size, 1u << 20);
  EXPECT_EQ(o.LimitsFor("t1").max_query_response_size, 0u);
  EXPECT_EQ(StoreOptions().limits.max_query_response_size, 64u << 20);
}

// ------------------------------------------------------- detected_fields

TEST_F(LimitsTest, DetectedFieldsObeyTheQueryLimits) {
  Start([](TenantLimits& l) {
    l.max_entries_limit_per_query = 50;
    l.max_query_bytes_read = 500;
    l.query_timeout_ns = 10 * kSec;
    l.max_query_length_ns = 3600 * kSec;
  });
  std::vector<std::string> lines;
  for (int i = 0; i < 20; i++)
    lines.push_back("n=" + std::to_string(i) + " pad=" + Repeated("p", 40));
  Push(R"({"app":"a"})", kT0, lines);

  EXPECT_EQ(DetectedFields("{app=\"a\"}", {{"line_limit", "5"}}).status, 200);
  auto entries = DetectedFields("{app=\"a\"}", {{"line_limit", "51"}});
  EXPECT_EQ(entries.status, 400);
  EXPECT_EQ(entries.body,
            "max entries limit per query exceeded, limit > max_entries_limit (51 > 50)\n");
  auto bytes = DetectedFields("{app=\"a\"}", {{"line_limit", "50"}});
  EXPECT_EQ(bytes.status, 400);
  EXPECT_TRUE(Contains(bytes.body, "the query would read too many bytes (limit: 500 bytes)"));
  auto length = Post(
      "/loki/api/v1/detected_fields",
      {{"query", "{app=\"a\"}"}, {"start", Ns(kT0 - 3600 * kSec)}, {"end", Ns(kT0 + 600 * kSec)}});
  EXPECT_EQ(length.status, 400);
  EXPECT_TRUE(Contains(length.body, "the query time range exceeds the limit"));
  auto deep = DetectedFields("{app=\"a\"} | line_format `" + Repeated("{{if 1}}", 20000) + "`",
                             {{"line_limit", "5"}});
  EXPECT_EQ(deep.status, 400);
  EXPECT_TRUE(Contains(deep.body, "exceeded maximum template depth"));
  // Every clock reading takes 2s: the 10s timeout passes while reading.
  clock_.set_step(2 * kSec);
  auto slow = DetectedFields("{app=\"a\"}", {{"line_limit", "8"}});
  clock_.set_step(0);
  EXPECT_EQ(slow.status, 504);
  EXPECT_EQ(slow.body, "query timed out\n");
}

// ------------------------------------------------------- tail

TEST_F(LimitsTest, TailObeysTheQueryLimits) {
  Start([](TenantLimits& l) {
    l.max_entries_limit_per_query = 50;
    l.max_query_bytes_read = 500;
    l.query_timeout_ns = 10 * kSec;
    l.max_query_length_ns = 2 * 3600 * kSec;
  });
  std::vector<std::string> lines;
  for (int i = 0; i < 20; i++) lines.push_back(Repeated("t", 50));
  Push(R"({"app":"a"})", kT0, lines);

  EXPECT_EQ(TailError("{app=\"a\"}", "&limit=5"), "");
  EXPECT_TRUE(
      Contains(TailError("{app=\"a\"}", "&limit=51"),
               "max entries limit per query exceeded, limit > max_entries_limit (51 > 50)"));
  std::string bytes = TailError("{app=\"a\"}", "&limit=50");
  EXPECT_TRUE(Contains(bytes, "HTTP 400")) << bytes;
  EXPECT_TRUE(Contains(bytes, "the query would read too many bytes (limit: 500 bytes)")) << bytes;
  std::string deep = TailError("{app=\"a\"} | line_format `" + Repeated("{{if 1}}", 150) + "`");
  EXPECT_TRUE(Contains(deep, "exceeded maximum template depth")) << deep;
  testutil::WsClient c;
  Status old = c.Connect("127.0.0.1", server_->port(),
                         "/loki/api/v1/tail?query=" + testutil::UrlEncode("{app=\"a\"}") +
                             "&start=" + Ns(kT0 - 3 * 3600 * kSec));
  EXPECT_TRUE(Contains(old.message(), "the query time range exceeds the limit")) << old.ToString();
  clock_.set_step(2 * kSec);
  std::string slow = TailError("{app=\"a\"}", "&limit=8");
  clock_.set_step(0);
  EXPECT_TRUE(Contains(slow, "HTTP 504")) << slow;
}

}  // namespace
}  // namespace logstack::logstore
