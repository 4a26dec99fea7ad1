#include "logstore/distributor/distributor.h"

#include <gtest/gtest.h>

#include <future>

#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "common/metrics.h"
#include "logstore/push/errors.h"
#include "logstore/push/json_decoder.h"
#include "tests/mocks/fake_clock.h"

namespace logstack::logstore {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSec;

// Which answer wins when a push has several problems (distributor.h).
class DistributorTest : public ::testing::Test {
 protected:
  DistributorTest() : fault_(&mem_), clock_(1'790'000'000LL * kSec) {
    opts_.data_dir = "/data";
    opts_.limits.ingestion_rate_mb = 1000;
    opts_.limits.ingestion_burst_size_mb = 1000;
  }

  void Open() {
    auto s = Store::Open(&fault_, &clock_, opts_, &registry_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  PushResult Push(const std::string& json) {
    auto req = push::DecodeJsonPush(json);
    EXPECT_TRUE(req.ok()) << req.status().ToString();
    std::promise<PushResult> p;
    Distributor(store_.get(), &clock_).Push("fake", std::move(*req), [&p](PushResult r) {
      p.set_value(std::move(r));
    });
    return p.get_future().get();
  }

  // One stream with the given entries (timestamp, line).
  static std::string Body(const std::string& labels,
                          const std::vector<std::pair<int64_t, std::string>>& entries) {
    std::string values;
    for (const auto& [ts, line] : entries) {
      if (!values.empty()) values += ",";
      values += R"([")" + std::to_string(ts) + R"(",")" + line + R"("])";
    }
    return R"({"streams":[{"stream":)" + labels + R"(,"values":[)" + values + "]}]}";
  }

  int64_t now() const { return clock_.NowNanos(); }

  MemEnv mem_;
  FaultInjectionEnv fault_;
  FakeClock clock_;
  StoreOptions opts_;
  metrics::Registry registry_;
  std::unique_ptr<Store> store_;
};

TEST_F(DistributorTest, APushWithoutStreamsIs422) {
  Open();
  PushResult r = Push(R"({"streams":[]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.message, "error at least one valid stream is required for ingestion");
}

TEST_F(DistributorTest, ARequestRefusedWholeNeverReachesTheStore) {
  Open();
  PushResult r = Push(Body(R"({"1app":"a"})", {{now(), "x"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message.rfind("couldn't parse labels: ", 0), 0u) << r.message;
  EXPECT_EQ(store_->Stats().streams, 0u);
}

TEST_F(DistributorTest, TheStoresRefusalIsWordedAsLoki) {
  opts_.limits.max_global_streams_per_user = 1;
  Open();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", {{now(), "x"}})).status, 204);
  PushResult r = Push(Body(R"({"app":"b"})", {{now(), "y"}}));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.message, push::StreamLimitMessage(R"({app="b"})", "fake"));
}

TEST_F(DistributorTest, TheRequestsOwnErrorsComeBeforeTheStoresRefusals) {
  Open();
  const int64_t t = now();
  ASSERT_EQ(Push(Body(R"({"app":"a"})", {{t, "newest"}})).status, 204);
  // One entry the request's checks refuse (too old for
  // reject_old_samples_max_age), one the store refuses (behind the window).
  const int64_t too_old = t - 200 * kHour;
  PushResult r = Push(Body(R"({"app":"a"})", {{too_old, "too old"}, {t - 2 * kHour, "behind"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message.find("has timestamp too old"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find("too far behind"), std::string::npos) << r.message;
  // Alone, the store's refusal is the answer, in Loki's words.
  r = Push(Body(R"({"app":"a"})", {{t - 2 * kHour, "behind"}, {t + 1, "kept"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message.find("entry too far behind"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("total ignored: 1 out of 2 for stream: {app=\"a\"}"), std::string::npos)
      << r.message;
}

TEST_F(DistributorTest, TheTenantsRateComesBeforeTheRequestsOwnErrors) {
  opts_.limits.ingestion_rate_mb = 1.0 / 1024;  // 1 KiB/s
  opts_.limits.ingestion_burst_size_mb = 1.0 / 1024;
  opts_.limits.validation.max_line_size = 4000;
  Open();
  const std::string big(2000, 'x');
  const std::string too_long(5000, 'y');
  PushResult r = Push(Body(R"({"app":"a"})", {{now(), big}, {now() + 1, too_long}}));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.message, push::IngestionRateLimitedMessage("fake", 1024, 1, 2000));
}

TEST_F(DistributorTest, AFailedWalComesBeforeEverythingTheStoreSaw) {
  opts_.limits.validation.max_line_size = 10;
  Open();
  fault_.SetSyncError(IOError("No space left on device"));
  PushResult r =
      Push(Body(R"({"app":"a"})", {{now(), "kept"}, {now() + 1, "far too long a line"}}));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.message.find("No space left on device"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace logstack::logstore
