#include "logstore/push/gotime.h"

#include <gtest/gtest.h>

#include <limits>

namespace logstack::logstore::push {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kBase = 1795420751 * kSec;  // 2026-11-23T07:59:11Z

TEST(GoTimeTest, StringForm) {
  EXPECT_EQ(FormatGoTime(0), "1970-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(FormatGoTime(kBase), "2026-11-23 07:59:11 +0000 UTC");
  EXPECT_EQ(FormatGoTime(kBase - 1), "2026-11-23 07:59:10.999999999 +0000 UTC");
  EXPECT_EQ(FormatGoTime(kBase + kSec / 2), "2026-11-23 07:59:11.5 +0000 UTC");
  EXPECT_EQ(FormatGoTime(kBase + 120'000), "2026-11-23 07:59:11.00012 +0000 UTC");
  EXPECT_EQ(FormatGoTime(-1), "1969-12-31 23:59:59.999999999 +0000 UTC");
  EXPECT_EQ(FormatGoTime(951825600 * kSec), "2000-02-29 12:00:00 +0000 UTC");
  EXPECT_EQ(FormatGoTime(std::numeric_limits<int64_t>::min()),
            "1677-09-21 00:12:43.145224192 +0000 UTC");
  EXPECT_EQ(FormatGoTime(std::numeric_limits<int64_t>::max()),
            "2262-04-11 23:47:16.854775807 +0000 UTC");
}

TEST(GoTimeTest, Rfc3339) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kBase), "2026-11-23T07:59:11Z");
  EXPECT_EQ(FormatRfc3339(kBase - 1), "2026-11-23T07:59:10Z");  // rounded down
  EXPECT_EQ(FormatRfc3339(kBase + kSec - 1), "2026-11-23T07:59:11Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(kBase - 168 * 3600 * kSec), "2026-11-16T07:59:11Z");
}

}  // namespace
}  // namespace logstack::logstore::push
