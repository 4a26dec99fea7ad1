// Go's time: durations, time.Time.String and RFC 3339 in UTC.

#include "common/go/time.h"

#include <gtest/gtest.h>

#include <limits>

namespace logstack::go {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kBase = 1795420751 * kSec;  // 2026-11-23T07:59:11Z
constexpr int64_t kMaxNs = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinNs = std::numeric_limits<int64_t>::min();

TEST(ParseDurationTest, Values) {
  EXPECT_EQ(*ParseDuration("1.1s"), 1100000000);
  EXPECT_EQ(*ParseDuration("490us"), 490000);
  EXPECT_EQ(*ParseDuration("490\xC2\xB5s"), 490000);  // micro sign
  EXPECT_EQ(*ParseDuration("490\xCE\xBCs"), 490000);  // Greek mu
  EXPECT_EQ(*ParseDuration("12.3ms"), 12300000);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400LL * kSec);
  EXPECT_EQ(*ParseDuration("1.5h"), 5400LL * kSec);
  EXPECT_EQ(*ParseDuration("-250ms"), -250000000);
  EXPECT_EQ(*ParseDuration("+5ns"), 5);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("-0"), 0);
  EXPECT_EQ(*ParseDuration("1h1m1s1ms1us1ns"), 3661001001001);
  EXPECT_EQ(*ParseDuration(".5s"), 500000000);
  EXPECT_EQ(*ParseDuration("5.s"), 5 * kSec);
  EXPECT_EQ(*ParseDuration("0.000000001s"), 1);
  EXPECT_EQ(*ParseDuration("0.0000000001s"), 0);  // below a nanosecond
  // Fraction digits past what a uint64 holds are dropped.
  EXPECT_EQ(*ParseDuration("1.000000000000000000000000000001s"), kSec);
}

TEST(ParseDurationTest, Limits) {
  EXPECT_EQ(*ParseDuration("9223372036854775807ns"), kMaxNs);
  EXPECT_EQ(*ParseDuration("-9223372036854775808ns"), kMinNs);
  EXPECT_EQ(*ParseDuration("2562047h47m16.854775807s"), kMaxNs);
  EXPECT_EQ(ParseDuration("9223372036854775808ns").status().message(),
            "time: invalid duration \"9223372036854775808ns\"");
  EXPECT_EQ(ParseDuration("2562048h").status().message(), "time: invalid duration \"2562048h\"");
  EXPECT_EQ(ParseDuration("2562047h48m").status().message(),
            "time: invalid duration \"2562047h48m\"");
  EXPECT_FALSE(ParseDuration("99999999999999999999s").ok());
}

TEST(ParseDurationTest, GoErrors) {
  EXPECT_EQ(ParseDuration("abc").status().message(), "time: invalid duration \"abc\"");
  EXPECT_EQ(ParseDuration("").status().message(), "time: invalid duration \"\"");
  EXPECT_EQ(ParseDuration("-").status().message(), "time: invalid duration \"-\"");
  EXPECT_EQ(ParseDuration(".s").status().message(), "time: invalid duration \".s\"");
  EXPECT_EQ(ParseDuration("1s ").status().message(),
            "time: unknown unit \"s \" in duration \"1s \"");
  EXPECT_EQ(ParseDuration("5").status().message(), "time: missing unit in duration \"5\"");
  EXPECT_EQ(ParseDuration("1h5").status().message(), "time: missing unit in duration \"1h5\"");
  EXPECT_EQ(ParseDuration("5x").status().message(), "time: unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(ParseDuration("1d").status().message(), "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(ParseDuration("1\xff").status().message(),
            "time: unknown unit \"\\xff\" in duration \"1\\xff\"");
}

TEST(FormatDurationTest, Forms) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(12), "12ns");
  EXPECT_EQ(FormatDuration(1500), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatDuration(500000), "500\xC2\xB5s");
  EXPECT_EQ(FormatDuration(-250000000), "-250ms");
  EXPECT_EQ(FormatDuration(1500000000), "1.5s");
  EXPECT_EQ(FormatDuration(61 * kSec), "1m1s");
  EXPECT_EQ(FormatDuration(5400 * kSec), "1h30m0s");
  EXPECT_EQ(FormatDuration(kMaxNs), "2562047h47m16.854775807s");
  EXPECT_EQ(FormatDuration(kMinNs), "-2562047h47m16.854775808s");
  for (const char* s : {"1h30m0s", "1.5s", "12ns", "-250ms", "2562047h47m16.854775807s"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(s)), s);
  }
}

TEST(FormatTimeTest, StringForm) {
  EXPECT_EQ(FormatTime(0), "1970-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(FormatTime(kBase), "2026-11-23 07:59:11 +0000 UTC");
  EXPECT_EQ(FormatTime(kBase - 1), "2026-11-23 07:59:10.999999999 +0000 UTC");
  EXPECT_EQ(FormatTime(kBase + kSec / 2), "2026-11-23 07:59:11.5 +0000 UTC");
  EXPECT_EQ(FormatTime(kBase + 120'000), "2026-11-23 07:59:11.00012 +0000 UTC");
  EXPECT_EQ(FormatTime(-1), "1969-12-31 23:59:59.999999999 +0000 UTC");
  EXPECT_EQ(FormatTime(951825600 * kSec), "2000-02-29 12:00:00 +0000 UTC");
  EXPECT_EQ(FormatTime(kMinNs), "1677-09-21 00:12:43.145224192 +0000 UTC");
  EXPECT_EQ(FormatTime(kMaxNs), "2262-04-11 23:47:16.854775807 +0000 UTC");
}

TEST(Rfc3339Test, Format) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kBase), "2026-11-23T07:59:11Z");
  EXPECT_EQ(FormatRfc3339(kBase - 1), "2026-11-23T07:59:10Z");  // rounded down
  EXPECT_EQ(FormatRfc3339(kBase + kSec - 1), "2026-11-23T07:59:11Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(kBase - 168 * 3600 * kSec), "2026-11-16T07:59:11Z");
  EXPECT_EQ(FormatRfc3339Micro(kBase + 1'500'999), "2026-11-23T07:59:11.001500Z");
  EXPECT_EQ(FormatRfc3339Micro(kBase), "2026-11-23T07:59:11.000000Z");
  EXPECT_EQ(FormatRfc3339Micro(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(Rfc3339Test, Parse) {
  const int64_t t = *ParseRfc3339("2024-02-29T12:34:56Z");
  EXPECT_EQ(FormatRfc3339(t), "2024-02-29T12:34:56Z");
  EXPECT_EQ(FormatRfc3339Micro(t + 1'500'000), "2024-02-29T12:34:56.001500Z");
  EXPECT_EQ(*ParseRfc3339("2026-11-23T07:59:11Z"), kBase);
  EXPECT_EQ(*ParseRfc3339("2026-11-23T09:59:11+02:00"), kBase);
  EXPECT_EQ(*ParseRfc3339("2026-11-23T07:29:11-00:30"), kBase);
  EXPECT_EQ(*ParseRfc3339("2026-11-23T07:59:11.5Z"), kBase + kSec / 2);
  EXPECT_EQ(*ParseRfc3339("2026-11-23T07:59:11.1234567891Z"), kBase + 123456789);
  EXPECT_EQ(*ParseRfc3339("1969-12-31T23:59:59Z"), -kSec);
  EXPECT_EQ(*ParseRfc3339("2026-11-23T07:59:11,5Z"), kBase + kSec / 2);  // Go takes a comma
  EXPECT_EQ(*ParseRfc3339("2026-11-23T7:59:11Z"), kBase);                // and a one-digit hour
  EXPECT_EQ(ParseRfc3339("2024-02-29 garbage").status().message(),
            "invalid RFC 3339 time \"2024-02-29 garbage\"");
  for (const char* s : {"", "2024-02-29", "2024-13-01T00:00:00Z", "2024-01-32T00:00:00Z",
                        "2024-01-01T24:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z",
                        "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00Zx",
                        // Go's time.Parse(time.RFC3339, ...) rejects these too: the
                        // lower-case and space spellings RFC 3339 allows, a day past
                        // its month's end, a leap second; and past int64 nanoseconds.
                        "2026-11-23t07:59:11z", "2026-11-23 07:59:11Z", "2023-02-29T00:00:00Z",
                        "2024-04-31T00:00:00Z", "2024-01-01T00:00:60Z", "9999-12-31T23:59:59Z"}) {
    EXPECT_FALSE(ParseRfc3339(s).ok()) << s;
  }
}

}  // namespace
}  // namespace logstack::go
