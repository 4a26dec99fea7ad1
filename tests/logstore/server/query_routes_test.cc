// /loki/api/v1/query and /loki/api/v1/query_range over real HTTP: parameter
// parsing with Loki's exact error messages, the query limits, and the JSON
// shapes of the four result types. Also the tail route's answer to a bad
// query.

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/mem_env.h"
#include "logstore/server/api.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/ws_client.h"

namespace logstack::logstore {
namespace {

using json = nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;
constexpr int64_t kSec = 1'000'000'000;
// 2024-01-15T08:00:00Z
constexpr int64_t kT0 = 1705305600LL * kSec;

std::string Ns(int64_t ns) { return std::to_string(ns); }

std::string Encode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += testutil::UrlEncode(k) + "=" + testutil::UrlEncode(v);
  }
  return out;
}

// One Api + http::Server + Store on a MemEnv. The store's limits and the
// API's clock are the knobs the tests turn.
class Server {
 public:
  Server(Clock* clock, const std::function<void(TenantLimits&)>& tweak)
      : clock_(clock), api_(clock, &registry_, /*auth_enabled=*/false, /*query_threads=*/2) {
    http::ServerOptions so;
    so.listen = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(so);
    api_.Register(server_.get());
    EXPECT_TRUE(server_->Start().ok());
    StoreOptions opts;
    opts.data_dir = "/data";
    opts.limits.ingestion_rate_mb = 1000;
    opts.limits.ingestion_burst_size_mb = 1000;
    opts.limits.validation.reject_old_samples = false;
    opts.limits.retention_period_ns = 0;
    if (tweak) tweak(opts.limits);
    auto store = Store::Open(&env_, clock_, opts, &registry_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    api_.SetStore(store_.get());
    client_ = std::make_unique<testutil::HttpClient>("127.0.0.1", server_->port());
  }
  ~Server() {
    api_.SetStore(nullptr);
    server_->Stop();
  }

  // Pushes one stream's lines at t0, t0+10s, ...
  void Push(const std::string& labels, int64_t t0, const std::vector<std::string>& lines) {
    json values = json::array();
    for (size_t i = 0; i < lines.size(); i++) {
      values.push_back({Ns(t0 + static_cast<int64_t>(i) * 10 * kSec), lines[i]});
    }
    json body = {{"streams", {{{"stream", json::parse(labels)}, {"values", values}}}}};
    auto r =
        client_->Post("/loki/api/v1/push", body.dump(), {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 204) << r->Describe();
  }

  // {app="a"}: 10 logfmt lines from t0; {app="b"}: 5 plain lines from t0.
  void PushSample(int64_t t0) {
    std::vector<std::string> a;
    for (int i = 0; i < 10; i++) {
      a.push_back("level=" + std::string(i % 2 ? "info" : "error") + " n=" + std::to_string(i) +
                  " latency=0.5");
    }
    Push(R"({"app":"a","env":"prod"})", t0, a);
    Push(R"({"app":"b","env":"dev"})", t0, {"b0", "b1", "b2", "b3", "b4"});
  }

  testutil::HttpResult Get(const std::string& path, const Params& params) {
    auto r = client_->Get(path + "?" + Encode(params));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : testutil::HttpResult{};
  }
  testutil::HttpResult PostForm(const std::string& path, const Params& params) {
    auto r = client_->Post(path, Encode(params),
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : testutil::HttpResult{};
  }
  json GetJson(const std::string& path, const Params& params) {
    auto r = Get(path, params);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return json::parse(r.body, nullptr, false);
  }

  uint16_t port() const { return server_->port(); }

 private:
  Clock* clock_;
  metrics::Registry registry_;
  MemEnv env_;
  Api api_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<testutil::HttpClient> client_;
};

class QueryRoutesTest : public ::testing::Test {
 protected:
  QueryRoutesTest() : clock_(kT0 + 3600 * kSec) { Reopen({}); }

  void Reopen(const std::function<void(TenantLimits&)>& tweak) {
    server_.reset();
    server_ = std::make_unique<Server>(&clock_, tweak);
    server_->PushSample(kT0);
  }

  // The common range: all of the sample data.
  Params Range(const std::string& query, Params extra = {}) {
    Params p = {{"query", query}, {"start", Ns(kT0)}, {"end", Ns(kT0 + 600 * kSec)}};
    for (auto& kv : extra) p.push_back(std::move(kv));
    return p;
  }

  FakeClock clock_;
  std::unique_ptr<Server> server_;
};

// ------------------------------------------------------------ bad requests

struct BadCase {
  const char* name;
  const char* path;
  Params params;
  int status;
  const char* message;  // the whole body, without its final newline
};

TEST_F(QueryRoutesTest, BadParametersAnswerLokisMessages) {
  const std::string kStart = "2024-01-15T08:00:00Z", kEnd = "2024-01-15T09:00:00Z";
  const char* kRange = "/loki/api/v1/query_range";
  const char* kInstant = "/loki/api/v1/query";
  const std::vector<BadCase> cases = {
      {"bad start",
       kRange,
       {{"query", R"({app="a"})"}, {"start", "yesterday"}, {"end", kEnd}},
       400,
       R"(could not parse 'start' parameter: strconv.ParseInt: parsing "yesterday": invalid syntax)"},
      {"bad end",
       kRange,
       {{"query", R"({app="a"})"}, {"start", kStart}, {"end", "soon"}},
       400,
       R"(could not parse 'end' parameter: strconv.ParseInt: parsing "soon": invalid syntax)"},
      {"bad time",
       kInstant,
       {{"query", R"(count_over_time({app="a"}[5m]))"}, {"time", "2024-13-45T99:00:00Z"}},
       400,
       R"(strconv.ParseInt: parsing "2024-13-45T99:00:00Z": invalid syntax)"},
      {"bad step",
       kRange,
       {{"query", R"(rate({app="a"}[1m]))"}, {"start", kStart}, {"end", kEnd}, {"step", "abc"}},
       400,
       R"(cannot parse "abc" to a valid duration)"},
      {"step zero",
       kRange,
       {{"query", R"(rate({app="a"}[1m]))"}, {"start", kStart}, {"end", kEnd}, {"step", "0"}},
       400,
       "zero or negative query resolution step widths are not accepted. Try a positive integer"},
      {"step negative",
       kRange,
       {{"query", R"(rate({app="a"}[1m]))"}, {"start", kStart}, {"end", kEnd}, {"step", "-5s"}},
       400,
       "zero or negative query resolution step widths are not accepted. Try a positive integer"},
      {"step too small",
       kRange,
       {{"query", R"(rate({app="a"}[1m]))"}, {"start", kStart}, {"end", kEnd}, {"step", "0.1"}},
       400,
       "exceeded maximum resolution of 11,000 points per time series. Try increasing the value "
       "of the step parameter"},
      {"end before start",
       kRange,
       {{"query", R"(rate({app="a"}[1m]))"}, {"start", kEnd}, {"end", kStart}, {"step", "60s"}},
       400,
       "end timestamp must not be before or equal to start time"},
      {"bad limit",
       kRange,
       {{"query", R"({app="a"})"}, {"start", kStart}, {"end", kEnd}, {"limit", "ten"}},
       400,
       R"(strconv.Atoi: parsing "ten": invalid syntax)"},
      {"limit zero",
       kRange,
       {{"query", R"({app="a"})"}, {"start", kStart}, {"end", kEnd}, {"limit", "0"}},
       400,
       "limit must be a positive value"},
      {"bad direction",
       kRange,
       {{"query", R"({app="a"})"}, {"start", kStart}, {"end", kEnd}, {"direction", "sideways"}},
       400,
       "invalid direction 'sideways'"},
      {"missing query",
       kRange,
       {{"start", kStart}, {"end", kEnd}},
       400,
       "parse error : syntax error: unexpected $end"},
      {"missing query, instant", kInstant, {}, 400, "parse error : syntax error: unexpected $end"},
      {"parse error",
       kRange,
       {{"query", R"({app="a")"}, {"start", kStart}, {"end", kEnd}},
       400,
       "parse error at line 1, col 9: syntax error: unexpected $end, expecting } or ,"},
      {"parse error, instant",
       kInstant,
       {{"query", R"(-sum(count_over_time({app="a"}[1h])))"}},
       400,
       "parse error at line 1, col 2: syntax error: unexpected SUM, expecting NUMBER"},
      {"instant log query",
       kInstant,
       {{"query", R"({app="a"})"}, {"time", kEnd}},
       400,
       "log queries are not supported as an instant query type, please change your query to a "
       "range query type"},
  };
  for (const auto& c : cases) {
    auto r = server_->Get(c.path, c.params);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.Describe();
    EXPECT_EQ(r.body, std::string(c.message) + "\n") << c.name;
    // The same through a form-encoded POST.
    auto p = server_->PostForm(c.path, c.params);
    EXPECT_EQ(p.status, c.status) << c.name << " (POST): " << p.Describe();
    EXPECT_EQ(p.body, std::string(c.message) + "\n") << c.name << " (POST)";
  }
}

// ------------------------------------------------------------------ limits

TEST_F(QueryRoutesTest, LimitOverMaxEntriesIs400) {
  Reopen([](TenantLimits& l) { l.max_entries_limit_per_query = 5; });
  auto r = server_->Get("/loki/api/v1/query_range", Range(R"({app="a"})", {{"limit", "6"}}));
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_EQ(r.body, "max entries limit per query exceeded, limit > max_entries_limit (6 > 5)\n");
  // At the limit it is fine.
  json d = server_->GetJson("/loki/api/v1/query_range", Range(R"({app="a"})", {{"limit", "5"}}));
  ASSERT_EQ(d["data"]["result"].size(), 1u) << d.dump();
  EXPECT_EQ(d["data"]["result"][0]["values"].size(), 5u);
}

TEST_F(QueryRoutesTest, TooManySeriesIs400) {
  Reopen([](TenantLimits& l) { l.max_query_series = 1; });
  for (const char* q : {R"(count_over_time({env=~".+"}[1m]))",
                        R"(sum by (level) (count_over_time({app="a"} | logfmt [1m])))"}) {
    auto r = server_->Get("/loki/api/v1/query_range", Range(q, {{"step", "60s"}}));
    EXPECT_EQ(r.status, 400) << q << ": " << r.Describe();
    EXPECT_EQ(r.body, "maximum of series (1) reached for a single query\n") << q;
    r = server_->Get("/loki/api/v1/query", {{"query", q}, {"time", Ns(kT0 + 60 * kSec)}});
    EXPECT_EQ(r.status, 400) << q << ": " << r.Describe();
  }
  // One series is within the limit.
  json d = server_->GetJson("/loki/api/v1/query_range",
                            Range(R"(sum(count_over_time({env=~".+"}[1m])))", {{"step", "60s"}}));
  EXPECT_EQ(d["data"]["result"].size(), 1u) << d.dump();
}

TEST_F(QueryRoutesTest, QueryLongerThanMaxQueryLengthIs400) {
  Reopen([](TenantLimits& l) { l.max_query_length_ns = 300 * kSec; });
  auto r = server_->Get("/loki/api/v1/query_range", Range(R"({app="a"})"));  // 10m
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_NE(r.body.find("the query time range exceeds the limit"), std::string::npos)
      << r.Describe();
  r = server_->Get("/loki/api/v1/query_range",
                   {{"query", R"({app="a"})"}, {"start", Ns(kT0)}, {"end", Ns(kT0 + 300 * kSec)}});
  EXPECT_EQ(r.status, 200) << r.Describe();
}

TEST_F(QueryRoutesTest, QueryReadingTooManyBytesIs400) {
  Reopen([](TenantLimits& l) { l.max_query_bytes_read = 100; });
  for (const char* q : {R"({app="a"})", R"(count_over_time({app="a"}[1m]))"}) {
    auto r = server_->Get("/loki/api/v1/query_range", Range(q, {{"step", "60s"}}));
    EXPECT_EQ(r.status, 400) << q << ": " << r.Describe();
    EXPECT_NE(r.body.find("the query would read too many bytes (limit: 100 bytes)"),
              std::string::npos)
        << r.Describe();
  }
  // {app="b"} reads 10 bytes.
  auto r = server_->Get("/loki/api/v1/query_range", Range(R"({app="b"})"));
  EXPECT_EQ(r.status, 200) << r.Describe();
}

// A query past its timeout is cut short with 504, as Loki answers a
// deadline exceeded. The timeout is measured on the API's clock, so this
// test runs on the real one with a 1ns timeout.
TEST(QueryRoutesTimeoutTest, QueryPastItsTimeoutIs504) {
  Clock* clock = &RealClock::Default();
  Server server(clock, [](TenantLimits& l) { l.query_timeout_ns = 1; });
  const int64_t t0 = clock->NowNanos() - 600 * kSec;
  server.PushSample(t0);
  for (const char* q : {R"({app="a"})", R"(count_over_time({app="a"}[1m]))"}) {
    auto r = server.Get(
        "/loki/api/v1/query_range",
        {{"query", q}, {"start", Ns(t0 - kSec)}, {"end", Ns(t0 + 600 * kSec)}, {"step", "60s"}});
    EXPECT_EQ(r.status, 504) << q << ": " << r.Describe();
    EXPECT_EQ(r.body, "query timed out\n") << q;
  }
}

// ----------------------------------------------------------- answer shapes

TEST_F(QueryRoutesTest, StreamsAnswerHasStringTimesAndStats) {
  json d = server_->GetJson("/loki/api/v1/query_range",
                            Range(R"({app="a"} |= "level=error")", {{"limit", "3"}}));
  EXPECT_EQ(d["status"], "success");
  EXPECT_EQ(d["data"]["resultType"], "streams");
  ASSERT_EQ(d["data"]["result"].size(), 1u) << d.dump();
  const json& s = d["data"]["result"][0];
  EXPECT_EQ(s["stream"], json({{"app", "a"}, {"env", "prod"}}));
  ASSERT_EQ(s["values"].size(), 3u);
  // Backward: the newest first; each [ "<ns>", "<line>" ].
  EXPECT_EQ(s["values"][0], json::array({Ns(kT0 + 80 * kSec), "level=error n=8 latency=0.5"}));
  EXPECT_EQ(s["values"][2], json::array({Ns(kT0 + 40 * kSec), "level=error n=4 latency=0.5"}));
  const json& sum = d["data"]["stats"]["summary"];
  for (const char* f :
       {"bytesProcessedPerSecond", "linesProcessedPerSecond", "totalBytesProcessed",
        "totalLinesProcessed", "execTime", "queueTime", "subqueries", "totalEntriesReturned",
        "splits", "shards", "totalPostFilterLines", "totalStructuredMetadataBytesProcessed"}) {
    EXPECT_TRUE(sum.contains(f)) << f << " missing in " << sum.dump();
  }
  EXPECT_GT(sum["totalLinesProcessed"].get<int>(), 0);  // may stop early: limit 3, backward
  EXPECT_EQ(sum["totalEntriesReturned"], 3);

  // Forward from the oldest.
  d = server_->GetJson("/loki/api/v1/query_range",
                       Range(R"({app="a"})", {{"limit", "2"}, {"direction", "FORWARD"}}));
  ASSERT_EQ(d["data"]["result"].size(), 1u) << d.dump();
  EXPECT_EQ(d["data"]["result"][0]["values"][0][0], Ns(kT0));
}

TEST_F(QueryRoutesTest, MatrixAnswerHasNumericTimesAndStringValues) {
  json d = server_->GetJson(
      "/loki/api/v1/query_range",
      Range(R"(sum by (level) (count_over_time({app="a"} | logfmt [1m])))", {{"step", "60s"}}));
  EXPECT_EQ(d["data"]["resultType"], "matrix");
  ASSERT_EQ(d["data"]["result"].size(), 2u) << d.dump();
  const json& s = d["data"]["result"][0];
  EXPECT_EQ(s["metric"], json({{"level", "error"}}));
  ASSERT_FALSE(s["values"].empty());
  for (const auto& p : s["values"]) {
    EXPECT_TRUE(p[0].is_number()) << p.dump();
    EXPECT_TRUE(p[1].is_string()) << p.dump();
  }
  // Error lines at +0s, +20s, ..., +80s; the window of step t is (t-1m, t].
  EXPECT_EQ(s["values"], json::parse("[[1705305600,\"1\"],[1705305660,\"3\"],"
                                     "[1705305720,\"1\"]]"))
      << s.dump();
  EXPECT_TRUE(d["data"]["stats"]["summary"].contains("execTime"));
}

TEST_F(QueryRoutesTest, VectorAndScalarAnswers) {
  const std::string t = Ns(kT0 + 600 * kSec);
  json d = server_->GetJson("/loki/api/v1/query",
                            {{"query", R"(count_over_time({app="a"}[10m]))"}, {"time", t}});
  EXPECT_EQ(d["data"]["resultType"], "vector");
  ASSERT_EQ(d["data"]["result"].size(), 1u) << d.dump();
  EXPECT_EQ(d["data"]["result"][0]["metric"], json({{"app", "a"}, {"env", "prod"}}));
  EXPECT_EQ(d["data"]["result"][0]["value"], json::array({1705306200, "9"})) << d.dump();

  d = server_->GetJson("/loki/api/v1/query", {{"query", "0.5"}, {"time", t}});
  EXPECT_EQ(d["data"]["resultType"], "scalar");
  EXPECT_EQ(d["data"]["result"], json::array({1705306200, "0.5"})) << d.dump();

  // Special values are strings as Go's strconv.FormatFloat writes them.
  // (LogQL's division by zero is NaN, not an infinity, as in Loki.)
  d = server_->GetJson("/loki/api/v1/query", {{"query", "2 ^ 2000"}, {"time", t}});
  EXPECT_EQ(d["data"]["result"][1], "+Inf") << d.dump();
  d = server_->GetJson("/loki/api/v1/query", {{"query", "0 - 2 ^ 2000"}, {"time", t}});
  EXPECT_EQ(d["data"]["result"][1], "-Inf") << d.dump();
  d = server_->GetJson("/loki/api/v1/query", {{"query", "1 / 0"}, {"time", t}});
  EXPECT_EQ(d["data"]["result"][1], "NaN") << d.dump();
  d = server_->GetJson("/loki/api/v1/query", {{"query", "vector(0) / vector(0)"}, {"time", t}});
  ASSERT_EQ(d["data"]["result"].size(), 1u) << d.dump();
  EXPECT_EQ(d["data"]["result"][0]["value"][1], "NaN") << d.dump();

  // A fractional second stays a fraction.
  d = server_->GetJson("/loki/api/v1/query",
                       {{"query", "vector(1.25)"}, {"time", Ns(kT0 + 1'500'000'000)}});
  EXPECT_EQ(d["data"]["result"][0]["value"], json::array({1705305601.5, "1.25"})) << d.dump();
}

// Grafana's data source "Save & test" sends exactly this and wants "2".
TEST_F(QueryRoutesTest, GrafanaSaveAndTest) {
  std::string target = "/loki/api/v1/query?query=vector(1)%2Bvector(1)&time=" + Ns(kT0);
  auto got =
      testutil::HttpDo("GET", "http://127.0.0.1:" + std::to_string(server_->port()) + target);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->status, 200) << got->Describe();
  json d = json::parse(got->body);
  EXPECT_EQ(d["status"], "success");
  EXPECT_EQ(d["data"]["resultType"], "vector");
  ASSERT_EQ(d["data"]["result"].size(), 1u) << d.dump();
  EXPECT_EQ(d["data"]["result"][0]["metric"], json::object());
  EXPECT_EQ(d["data"]["result"][0]["value"], json::array({1705305600, "2"}));
}

// step as a duration, as integer seconds and as float seconds: the same
// grid.
TEST_F(QueryRoutesTest, StepFormsAgree) {
  const std::string q = R"(count_over_time({app="a"}[1m]))";
  json by_duration =
      server_->GetJson("/loki/api/v1/query_range", Range(q, {{"step", "1m"}}))["data"]["result"];
  json by_int =
      server_->GetJson("/loki/api/v1/query_range", Range(q, {{"step", "60"}}))["data"]["result"];
  json by_float =
      server_->GetJson("/loki/api/v1/query_range", Range(q, {{"step", "60.0"}}))["data"]["result"];
  ASSERT_EQ(by_duration.size(), 1u);
  EXPECT_EQ(by_duration[0]["values"].size(), 3u) << by_duration.dump();  // 08:01 .. 08:03
  EXPECT_EQ(by_int, by_duration);
  EXPECT_EQ(by_float, by_duration);

  // A fractional step puts points between seconds.
  json half = server_->GetJson(
      "/loki/api/v1/query_range",
      {{"query", "vector(1)"}, {"start", Ns(kT0)}, {"end", Ns(kT0 + 2 * kSec)}, {"step", "0.5"}});
  json values = half["data"]["result"][0]["values"];
  ASSERT_EQ(values.size(), 5u) << half.dump();
  EXPECT_EQ(values[1][0], 1705305600.5);

  // Without a step: (end - start) / 250, at least a second.
  json def = server_->GetJson("/loki/api/v1/query_range",
                              {{"query", "vector(1)"},
                               {"start", Ns(kT0)},
                               {"end", Ns(kT0 + 2500 * kSec)}})["data"]["result"];
  EXPECT_EQ(def[0]["values"].size(), 251u);
}

TEST_F(QueryRoutesTest, PostFormEncodedParameters) {
  auto r = server_->PostForm("/loki/api/v1/query_range",
                             Range(R"({app="b"})", {{"limit", "2"}, {"direction", "forward"}}));
  ASSERT_EQ(r.status, 200) << r.Describe();
  json d = json::parse(r.body);
  ASSERT_EQ(d["data"]["result"].size(), 1u) << d.dump();
  EXPECT_EQ(d["data"]["result"][0]["values"], json::parse(R"([[")" + Ns(kT0) + R"(","b0"],[")" +
                                                          Ns(kT0 + 10 * kSec) + R"(","b1"]])"));

  r = server_->PostForm("/loki/api/v1/query", {{"query", R"(sum(count_over_time({app="b"}[2h])))"},
                                               {"time", "2024-01-15T09:00:00Z"}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  d = json::parse(r.body);
  EXPECT_EQ(d["data"]["result"][0]["value"], json::array({1705309200, "5"})) << d.dump();
}

// The time parameters in every form Loki reads: RFC3339, Unix seconds with
// or without a fraction, Unix nanoseconds.
TEST_F(QueryRoutesTest, TimeParameterForms) {
  const std::string q = R"(sum(count_over_time({app="b"}[2h])))";
  for (const char* t : {"2024-01-15T09:00:00Z", "1705309200", "1705309200.0", "1705309200000000000",
                        "2024-01-15T10:00:00+01:00"}) {
    json d = server_->GetJson("/loki/api/v1/query", {{"query", q}, {"time", t}});
    EXPECT_EQ(d["data"]["result"][0]["value"], json::array({1705309200, "5"})) << t;
  }
}

// ------------------------------------------------------------------- tail

TEST_F(QueryRoutesTest, TailWithABadQueryIs400WithTheParseError) {
  testutil::WsClient c;
  Status s = c.Connect("127.0.0.1", server_->port(),
                       "/loki/api/v1/tail?query=" + testutil::UrlEncode(R"({app="a")"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("parse error at line 1, col 9"), std::string::npos) << s.ToString();
  s = c.Connect("127.0.0.1", server_->port(),
                "/loki/api/v1/tail?query=" + testutil::UrlEncode(R"({app="a"} |~ "(")"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace logstack::logstore
