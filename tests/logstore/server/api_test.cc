#include "logstore/server/api.h"

#include <gtest/gtest.h>

#include <map>

#include "common/mem_env.h"
#include "logstore/index/matcher.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/push_client.h"

namespace logstack::logstore {
namespace {

constexpr int64_t kSec = 1'000'000'000;

TEST(ParseApiTimeTest, FormsLokiAccepts) {
  EXPECT_EQ(*ParseApiTime("1700000000"), 1'700'000'000 * kSec);           // seconds
  EXPECT_EQ(*ParseApiTime("1700000000000000000"), 1'700'000'000 * kSec);  // nanoseconds
  EXPECT_EQ(*ParseApiTime("1700000000.5"), 1'700'000'000 * kSec + kSec / 2);
  EXPECT_EQ(*ParseApiTime("2023-11-14T22:13:20Z"), 1'700'000'000 * kSec);
  EXPECT_EQ(*ParseApiTime("2023-11-14T22:13:20.000000123Z"), 1'700'000'000 * kSec + 123);
  EXPECT_EQ(*ParseApiTime("2023-11-15T00:13:20+02:00"), 1'700'000'000 * kSec);
  EXPECT_FALSE(ParseApiTime("yesterday").ok());
  EXPECT_FALSE(ParseApiTime("2023-11-14T22:13:20").ok());  // no zone
  // As Loki's time.Parse: the day is checked against its month.
  EXPECT_EQ(*ParseApiTime("2024-02-29T00:00:00Z"), 1'709'164'800 * kSec);
  EXPECT_EQ(ParseApiTime("2023-02-29T00:00:00Z").status().message(),
            "cannot parse \"2023-02-29T00:00:00Z\" to a valid timestamp");
}

// /ready and every data route answer 503 until the store is set (the WAL
// replays meanwhile), then the API serves.
TEST(ApiTest, NotReadyUntilTheStoreIsSet) {
  FakeClock clock;
  metrics::Registry registry;
  http::ServerOptions so;
  so.listen = "127.0.0.1:0";
  http::Server server(so);
  Api api(&clock, &registry, /*auth_enabled=*/false, /*query_threads=*/1);
  api.Register(&server);
  ASSERT_TRUE(server.Start().ok());
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  auto ready = testutil::HttpDo("GET", base + "/ready");
  ASSERT_TRUE(ready.ok()) << ready.status().ToString();
  EXPECT_EQ(ready->status, 503);
  auto labels = testutil::HttpDo("GET", base + "/loki/api/v1/labels");
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->status, 503);
  auto push = testutil::HttpDo("POST", base + "/loki/api/v1/push",
                               {{"Content-Type", "application/json"}}, R"({"streams":[]})");
  ASSERT_TRUE(push.ok());
  EXPECT_EQ(push->status, 503);

  MemEnv env;
  StoreOptions opts;
  opts.data_dir = "/data";
  auto store = Store::Open(&env, &clock, opts, &registry);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  api.SetStore(store->get());
  ready = testutil::HttpDo("GET", base + "/ready");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200);
  labels = testutil::HttpDo("GET", base + "/loki/api/v1/labels");
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->status, 200);
  EXPECT_EQ(labels->body, R"({"status":"success","data":[]})");
  api.SetStore(nullptr);
  server.Stop();
}

// Protobuf pushes are decoded into a request (and a body buffer) that the
// I/O thread reuses: pushes of different sizes, a bad one and other
// encodings in between, on one connection and one thread, each store exactly
// their own entries.
TEST(ApiTest, PushesOnOneThreadDoNotMixWhatTheyReuse) {
  FakeClock clock(testutil::NowNanos());
  metrics::Registry registry;
  http::ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.threads = 1;
  http::Server server(so);
  Api api(&clock, &registry, /*auth_enabled=*/false, /*query_threads=*/1);
  api.Register(&server);
  ASSERT_TRUE(server.Start().ok());
  MemEnv env;
  StoreOptions opts;
  opts.data_dir = "/data";
  auto store = Store::Open(&env, &clock, opts, &registry);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  api.SetStore(store->get());

  const int64_t t0 = clock.NowNanos() - 60 * kSec;
  int64_t ts = t0;
  std::map<std::string, std::vector<std::string>> want;  // stream -> lines
  auto batch = [&](int streams, int entries, size_t line_size) {
    std::vector<testutil::PushStream> out;
    for (int s = 0; s < streams; s++) {
      testutil::PushStream st;
      st.labels = {{"app", "reuse"}, {"n", std::to_string(s)}};
      for (int e = 0; e < entries; e++) {
        std::string line = std::to_string(ts) + " " + std::string(line_size, 'a' + (e % 26));
        st.entries.push_back({ts++, line, {}});
        want[std::to_string(s)].push_back(line);
      }
      out.push_back(std::move(st));
    }
    return out;
  };
  testutil::HttpClient client("127.0.0.1", server.port());
  auto push = [&](std::string_view body, std::string_view content_type,
                  const testutil::HttpHeaders& extra = {}) {
    auto r = testutil::Push(client, body, content_type, {}, extra);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : testutil::HttpResult{};
  };
  using testutil::kJsonContentType;
  using testutil::kProtoContentType;
  EXPECT_EQ(push(testutil::EncodeProtoPush(batch(3, 300, 400)), kProtoContentType).status, 204);
  EXPECT_EQ(push(testutil::EncodeProtoPush(batch(1, 1, 10)), kProtoContentType).status, 204);
  testutil::HttpResult bad = push("definitely not snappy", kProtoContentType);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "snappy: corrupt input\n");
  EXPECT_EQ(push(testutil::GzipCompress(testutil::EncodeProtoPush(batch(2, 5, 50))),
                 kProtoContentType, {{"Content-Encoding", "gzip"}})
                .status,
            204);
  EXPECT_EQ(push(testutil::EncodeJsonPush(batch(2, 4, 30)), kJsonContentType).status, 204);
  EXPECT_EQ(push(testutil::EncodeProtoPush(batch(3, 50, 2000)), kProtoContentType).status, 204);

  auto matchers = index::ParseSelector(R"({app="reuse"})");
  ASSERT_TRUE(matchers.ok());
  auto sel = (*store)->Select("fake", *matchers, 0, INT64_MAX, Direction::kForward);
  ASSERT_TRUE(sel.ok()) << sel.status().ToString();
  std::map<std::string, std::vector<std::string>> got;
  for (auto& s : *sel) {
    std::string n;
    for (const auto& l : *s.labels) {
      if (l.name == "n") n = l.value;
    }
    while (s.it->Next()) got[n].emplace_back(s.it->entry().line);
    EXPECT_TRUE(s.it->status().ok());
  }
  EXPECT_EQ(got, want);
  api.SetStore(nullptr);
  server.Stop();
}

}  // namespace
}  // namespace logstack::logstore
