// The fast RFC 3339 reader: Go's parseRFC3339 rules, checked against values
// worked out by hand and against common/go's slower reader.

#include "collector/format/rfc3339.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "common/go/time.h"

namespace logstack::collector::format {
namespace {

constexpr int64_t kSec = 1'000'000'000;

TEST(Rfc3339Test, Values) {
  EXPECT_EQ(ParseRfc3339Nano("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Nano("1970-01-01T00:00:01.5Z"), kSec + kSec / 2);
  EXPECT_EQ(ParseRfc3339Nano("2024-01-15T08:30:00.123456789Z"), 1705307400 * kSec + 123456789);
  EXPECT_EQ(ParseRfc3339Nano("2024-01-15T08:30:00.000000001Z"), 1705307400 * kSec + 1);
  // Digits past the ninth are dropped, not rounded (Go).
  EXPECT_EQ(ParseRfc3339Nano("2024-01-15T08:30:00.1234567899999Z"), 1705307400 * kSec + 123456789);
  EXPECT_EQ(ParseRfc3339Nano("1969-12-31T23:59:59Z"), -kSec);
  EXPECT_EQ(ParseRfc3339Nano("1969-12-31T23:59:59.5Z"), -kSec / 2);
  EXPECT_EQ(ParseRfc3339Nano("2000-02-29T00:00:00Z"), 951782400 * kSec);
  EXPECT_EQ(ParseRfc3339Nano("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
}

TEST(Rfc3339Test, ZoneOffsets) {
  const int64_t utc = 1705307400 * kSec;  // 2024-01-15T08:30:00Z
  EXPECT_EQ(ParseRfc3339Nano("2024-01-15T10:30:00+02:00"), utc);
  EXPECT_EQ(ParseRfc3339Nano("2024-01-15T03:00:00-05:30"), utc);
  EXPECT_EQ(ParseRfc3339Nano("2024-01-15T08:30:00+00:00"), utc);
  EXPECT_EQ(ParseRfc3339Nano("2024-01-15T08:30:00-00:00"), utc);
  EXPECT_EQ(ParseRfc3339Nano("2024-01-16T07:29:00.25+22:59"), utc + kSec / 4);
  // Across a day and a year boundary.
  EXPECT_EQ(ParseRfc3339Nano("2023-12-31T23:00:00-01:00"),
            ParseRfc3339Nano("2024-01-01T00:00:00Z"));
}

TEST(Rfc3339Test, Rejects) {
  for (const char* s : {
           "",
           "2024-01-15",
           "2024-01-15T08:30:00",        // no zone
           "2024-01-15T08:30:00z",       // lower-case z
           "2024-01-15t08:30:00Z",       // lower-case t
           "2024-01-15 08:30:00Z",       // space
           "2024-01-15T8:30:00Z",        // one-digit hour (Go's slow path only)
           "2024-01-15T08:30:00,5Z",     // comma fraction (Go's slow path only)
           "2024-01-15T08:30:00.Z",      // fraction without digits
           "2024-13-15T08:30:00Z",       // month 13
           "2024-00-15T08:30:00Z",       // month 0
           "2023-02-29T08:30:00Z",       // not a leap year
           "1900-02-29T08:30:00Z",       // not a leap year either
           "2024-04-31T08:30:00Z",       // April has 30 days
           "2024-01-00T08:30:00Z",       // day 0
           "2024-01-15T24:00:00Z",       // hour 24
           "2024-01-15T08:60:00Z",       // minute 60
           "2024-01-15T08:30:60Z",       // no leap seconds
           "2024-01-15T08:30:00+2:00",   // one-digit zone hour
           "2024-01-15T08:30:00+24:00",  // zone hour 24
           "2024-01-15T08:30:00+02:60",  // zone minute 60
           "2024-01-15T08:30:00+0200",   // no colon
           "2024-01-15T08:30:00Z ",      // trailing space
           "2024-01-15T08:30:00ZZ",
           "+024-01-15T08:30:00Z",
           "2024/01/15T08:30:00Z",
           "1600-01-01T00:00:00Z",            // before int64 nanoseconds
           "2262-04-11T23:47:16.854775808Z",  // one past the end
           "9999-12-31T23:59:59Z",
       }) {
    EXPECT_FALSE(ParseRfc3339Nano(s).has_value()) << s;
  }
}

TEST(Rfc3339Test, AgreesWithCommonGo) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const int year = 1700 + static_cast<int>(rng() % 560);
    const int month = 1 + static_cast<int>(rng() % 12);
    const int day = 1 + static_cast<int>(rng() % 28);
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day,
                          static_cast<int>(rng() % 24), static_cast<int>(rng() % 60),
                          static_cast<int>(rng() % 60));
    std::string s(buf, n);
    if (rng() % 2) {
      s += '.';
      const int digits = 1 + static_cast<int>(rng() % 12);
      for (int d = 0; d < digits; ++d) s += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 2) {
      s += 'Z';
    } else {
      std::snprintf(buf, sizeof(buf), "%c%02d:%02d", rng() % 2 ? '+' : '-',
                    static_cast<int>(rng() % 24), static_cast<int>(rng() % 60));
      s += buf;
    }
    StatusOr<int64_t> want = go::ParseRfc3339(s);
    ASSERT_TRUE(want.ok()) << s;
    EXPECT_EQ(ParseRfc3339Nano(s), *want) << s;
  }
}

TEST(Rfc3339Test, DaysFromCivil) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1600, 1, 1), -135140);
}

}  // namespace
}  // namespace logstack::collector::format
