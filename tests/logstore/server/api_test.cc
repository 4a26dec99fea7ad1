#include "logstore/server/api.h"

#include <gtest/gtest.h>

#include "common/mem_env.h"
#include "tests/testutil/http_client.h"

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

}  // namespace
}  // namespace logstack::logstore
