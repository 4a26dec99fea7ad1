// ParseStoreMetrics: the log store's volume gauges out of its /metrics text.

#include "operator/controller/store_prober.h"

#include <gtest/gtest.h>

namespace logstack::op::controller {
namespace {

TEST(StoreProberTest, ReadsTheVolumeGauges) {
  auto r = ParseStoreMetrics(
      "# HELP logstore_volume_capacity_bytes Size of the file system.\n"
      "# TYPE logstore_volume_capacity_bytes gauge\n"
      "logstore_volume_capacity_bytes 1.073741824e+10\n"
      "logstore_volume_available_bytes 5368709120 1700000000000\n"
      "logstore_volume_min_free_bytes 1073741824\n"
      "logstore_volume_capacity_bytes_other 7\n"
      "logstore_streams 12\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->capacity_bytes, 10737418240u);
  EXPECT_EQ(r->available_bytes, 5368709120u);
  EXPECT_EQ(r->min_free_bytes, 1073741824u);
}

TEST(StoreProberTest, FloorIsOptional) {
  auto r =
      ParseStoreMetrics("logstore_volume_capacity_bytes 100\nlogstore_volume_available_bytes 40");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->min_free_bytes, 0u);
}

TEST(StoreProberTest, NotOurStoreOrBrokenValues) {
  // A Loki has no such gauges.
  EXPECT_EQ(ParseStoreMetrics("loki_ingester_streams 3\n").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ParseStoreMetrics("").status().code(), StatusCode::kNotFound);
  auto nan =
      ParseStoreMetrics("logstore_volume_capacity_bytes NaN\nlogstore_volume_available_bytes 1\n");
  EXPECT_EQ(nan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nan.status().message().find("logstore_volume_capacity_bytes"), std::string::npos);
  EXPECT_FALSE(ParseStoreMetrics("logstore_volume_capacity_bytes 1x\n"
                                 "logstore_volume_available_bytes 1\n")
                   .ok());
  EXPECT_FALSE(ParseStoreMetrics("logstore_volume_capacity_bytes -5\n"
                                 "logstore_volume_available_bytes 1\n")
                   .ok());
}

}  // namespace
}  // namespace logstack::op::controller
