// Retry-After: seconds and the three HTTP date forms; Backoff: the waits
// stay within [min, ceiling], the ceiling doubles up to max.

#include "collector/ship/retry_after.h"

#include <gtest/gtest.h>

#include <chrono>

#include "collector/ship/backoff.h"

namespace logstack::collector {
namespace {

constexpr int64_t kSec = 1'000'000'000;
// 1994-11-06T08:49:37Z, RFC 9110's example date.
constexpr int64_t kExample = 784111777;

TEST(RetryAfterTest, Seconds) {
  EXPECT_EQ(ParseRetryAfter("120", 0), 120 * kSec);
  EXPECT_EQ(ParseRetryAfter("0", 0), 0);
  EXPECT_EQ(ParseRetryAfter("  7\t", 0), 7 * kSec);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", 0),
            std::numeric_limits<int64_t>::max() / kSec * kSec);
  EXPECT_EQ(ParseRetryAfter("", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("12s", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", 0), std::nullopt);
}

TEST(RetryAfterTest, HttpDates) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", 0), kExample);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", 2'000'000'000 * kSec), kExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994", 0), kExample);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT", 0), 0);
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2000 23:59:59 GMT", 0), 951868799);
  EXPECT_EQ(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT", 0), 253402300799);
  EXPECT_EQ(ParseHttpDate("Sat, 01 Jan 0000 00:00:00 GMT", 0), -62167219200);
  EXPECT_EQ(ParseHttpDate("Wed Dec 31 23:59:60 2014", 0), 1420070399);  // leap second

  // RFC 850's two-digit years: not more than 50 years ahead of now.
  const int64_t in_2025 = 1'750'000'000 * kSec;
  EXPECT_EQ(ParseHttpDate("Friday, 01-Jan-70 00:00:00 GMT", in_2025), 3155760000);  // 2070
  EXPECT_EQ(ParseHttpDate("Monday, 01-Jan-80 00:00:00 GMT", in_2025), 315532800);   // 1980

  for (const char* bad :
       {"Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT x",
        "Sun Nov 6 08:49:37 1994", "Someday, 06-Nov-94 08:49:37 GMT", "2024-01-01T00:00:00Z", ""}) {
    EXPECT_EQ(ParseHttpDate(bad, 0), std::nullopt) << bad;
  }
}

TEST(RetryAfterTest, DateIsAWaitFromNow) {
  const int64_t now = (kExample - 30) * kSec + 250'000'000;
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), 29 * kSec + 750'000'000);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", (kExample + 5) * kSec), 0);
  EXPECT_EQ(ParseRetryAfter("Sat, 01 Jan 0000 00:00:00 GMT", now), 0);
  EXPECT_GT(*ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now), 0);
}

TEST(BackoffTest, FullJitterBetweenMinAndADoublingCeiling) {
  using std::chrono::milliseconds;
  Backoff b({milliseconds(500), milliseconds(5000)}, 1);
  EXPECT_EQ(b.Ceiling(1), milliseconds(500));
  EXPECT_EQ(b.Ceiling(2), milliseconds(1000));
  EXPECT_EQ(b.Ceiling(4), milliseconds(4000));
  EXPECT_EQ(b.Ceiling(5), milliseconds(5000));
  EXPECT_EQ(b.Ceiling(1000), milliseconds(5000));
  bool varied = false;
  std::chrono::nanoseconds first{0};
  for (int i = 1; i <= 200; ++i) {
    std::chrono::nanoseconds w = b.Next();
    EXPECT_EQ(b.failures(), i);
    EXPECT_GE(w, milliseconds(500));
    EXPECT_LE(w, b.Ceiling(i));
    if (i == 10) first = w;
    if (i > 10 && w != first) varied = true;
  }
  EXPECT_TRUE(varied);
  b.Reset();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_EQ(b.Next(), milliseconds(500));  // ceiling(1) == min
}

TEST(BackoffTest, SameSeedSameWaits) {
  Backoff a({std::chrono::milliseconds(1), std::chrono::seconds(300)}, 7);
  Backoff b({std::chrono::milliseconds(1), std::chrono::seconds(300)}, 7);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(a.Next(), b.Next());
}

}  // namespace
}  // namespace logstack::collector
