#include "logstore/push/errors.h"

#include <gtest/gtest.h>

namespace logstack::logstore::push {
namespace {

TEST(PushErrorsTest, EmptyIsSuccess) {
  PushErrors e;
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(e.HttpStatus(), 204);
  EXPECT_EQ(e.Message(), "");
  EXPECT_TRUE(e.ToStatus().ok());
}

TEST(PushErrorsTest, ALoneErrorIsItsText) {
  PushErrors e;
  e.Add(DiscardReason::kLineTooLong, "Max entry size '262144' bytes exceeded");
  EXPECT_EQ(e.Message(), "Max entry size '262144' bytes exceeded");
  EXPECT_EQ(e.HttpStatus(), 400);
  EXPECT_EQ(e.ToStatus(), InvalidArgument("Max entry size '262144' bytes exceeded"));
  EXPECT_EQ(e.total(), 1u);
  EXPECT_EQ(e.count(DiscardReason::kLineTooLong), 1u);
}

TEST(PushErrorsTest, GroupsByTextInFirstOccurrenceOrder) {
  // ts_mixed: one stream, one too old and one too new.
  PushErrors e;
  e.Add(DiscardReason::kGreaterThanMaxSampleAge, "too old A");
  e.Add(DiscardReason::kTooFarInFuture, "too new B");
  EXPECT_EQ(e.Message(), "1 errors like: too old A; 1 errors like: too new B");
  e.Add(DiscardReason::kGreaterThanMaxSampleAge, "too old A");
  EXPECT_EQ(e.Message(), "2 errors like: too old A; 1 errors like: too new B");
  EXPECT_EQ(e.total(), 3u);
  EXPECT_EQ(e.count(DiscardReason::kGreaterThanMaxSampleAge), 2u);
}

TEST(PushErrorsTest, OneRepeatedTextIsCounted) {
  PushErrors e;
  e.Add(DiscardReason::kLineTooLong, "x");
  e.Add(DiscardReason::kLineTooLong, "x");
  EXPECT_EQ(e.Message(), "2 errors like: x");
}

TEST(PushErrorsTest, RateAndStreamLimitsAre429) {
  PushErrors e;
  e.Add(DiscardReason::kTooFarBehind, "entry too far behind");
  EXPECT_EQ(e.HttpStatus(), 400);
  e.Add(DiscardReason::kPerStreamRateLimit, "Per stream rate limit exceeded");
  EXPECT_EQ(e.HttpStatus(), 429);
  EXPECT_EQ(e.ToStatus().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(e.ToStatus().message(),
            "1 errors like: entry too far behind; 1 errors like: Per stream rate limit exceeded");
  for (auto r : {DiscardReason::kStreamLimit, DiscardReason::kRateLimited}) {
    PushErrors one;
    one.Add(r, "limit");
    EXPECT_EQ(one.HttpStatus(), 429);
  }
}

TEST(PushErrorsTest, MergeAddsCountsAndGroups) {
  PushErrors a, b;
  a.Add(DiscardReason::kLineTooLong, "x");
  b.Add(DiscardReason::kLineTooLong, "x");
  b.Add(DiscardReason::kStreamLimit, "y");
  a.Merge(b);
  EXPECT_EQ(a.Message(), "2 errors like: x; 1 errors like: y");
  EXPECT_EQ(a.HttpStatus(), 429);
  EXPECT_EQ(a.total(), 3u);
}

TEST(PushErrorsTest, DistinctTextsAreCapped) {
  PushErrors e;
  for (size_t i = 0; i < PushErrors::kMaxGroups + 5; i++) {
    e.Add(DiscardReason::kGreaterThanMaxSampleAge, "e" + std::to_string(i));
  }
  e.Add(DiscardReason::kGreaterThanMaxSampleAge, "e0");
  std::string m = e.Message();
  EXPECT_EQ(m.rfind("2 errors like: e0; 1 errors like: e1; ", 0), 0u) << m;
  EXPECT_NE(m.find("; and 5 more errors"), std::string::npos) << m;
  EXPECT_EQ(m.find("e100"), std::string::npos);
  EXPECT_EQ(e.total(), PushErrors::kMaxGroups + 6);
}

TEST(PushErrorsTest, MovesKeepGrouping) {
  PushErrors a;
  a.Add(DiscardReason::kLineTooLong, "a long message that does not fit in a short string");
  PushErrors b = std::move(a);
  b.Add(DiscardReason::kLineTooLong, "a long message that does not fit in a short string");
  EXPECT_EQ(b.Message(), "2 errors like: a long message that does not fit in a short string");
}

TEST(DiscardReasonTest, LokiNames) {
  EXPECT_EQ(DiscardReasonName(DiscardReason::kLineTooLong), "line_too_long");
  EXPECT_EQ(DiscardReasonName(DiscardReason::kGreaterThanMaxSampleAge),
            "greater_than_max_sample_age");
  EXPECT_EQ(DiscardReasonName(DiscardReason::kTooFarInFuture), "too_far_in_future");
  EXPECT_EQ(DiscardReasonName(DiscardReason::kRateLimited), "rate_limited");
  for (size_t i = 0; i < kNumDiscardReasons; i++) {
    EXPECT_NE(DiscardReasonName(static_cast<DiscardReason>(i)), "unknown");
  }
}

}  // namespace
}  // namespace logstack::logstore::push
