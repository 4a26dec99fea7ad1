// Go time layouts: Format and Parse.

#include "common/go/time_format.h"

#include <gtest/gtest.h>

namespace logstack::go {
namespace {

// 2024-01-15T08:53:47.529Z, a Monday.
constexpr Time kT{1705308827, 529000000};

std::string Fmt(std::string_view layout, Time t = kT) {
  std::string s;
  AppendFormat(t, layout, &s);
  return s;
}

TEST(TimeFormatTest, Format) {
  EXPECT_EQ(Fmt("2006-01-02T15:04:05.000Z07:00"), "2024-01-15T08:53:47.529Z");
  EXPECT_EQ(Fmt("2006-01-02T15:04:05.999999999-07:00"), "2024-01-15T08:53:47.529+00:00");
  EXPECT_EQ(Fmt("Jan _2 15:04:05"), "Jan 15 08:53:47");
  EXPECT_EQ(Fmt("Mon January 2 06 3:4:5 PM pm MST -0700 Z0700"),
            "Mon January 15 24 8:53:47 AM am UTC +0000 Z");
  EXPECT_EQ(Fmt("Monday 002 __2 .00 ,0000 .9"), "Monday 015  15 .52 ,5290 .5");
  EXPECT_EQ(Fmt("15:04:05.999", Time{1705308827, 0}), "08:53:47");
  EXPECT_EQ(Fmt("Jan _2", Time{1704067200, 0}), "Jan  1");
  EXPECT_EQ(Fmt("2006-01-02 15:04:05", Time{kZeroTimeSec, 0}), "0001-01-01 00:00:00");
  std::string s;
  AppendTimeString(kT, &s);
  EXPECT_EQ(s, "2024-01-15 08:53:47.529 +0000 UTC");
}

TEST(TimeFormatTest, Parse) {
  auto t = Parse("2006-01-02T15:04:05.000Z", "2024-01-15T08:59:46.505Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->sec, 1705309186);
  EXPECT_EQ(t->nsec, 505000000);
  t = Parse("2006-01-02T15:04:05Z07:00", "2024-01-15T10:59:46+02:00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->sec, 1705309186);
  t = Parse("2006-01-02 15:04:05", "2024-01-15 08:59:46.123");  // fraction not in layout
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->nsec, 123000000);
  t = Parse("Jan _2 3:04PM 2006", "Feb  3 1:05PM 2024");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->sec, 1706965500);
  t = Parse("02/Jan/2006:15:04:05 -0700", "15/Jan/2024:08:00:00 +0100");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->sec, 1705302000);
  EXPECT_FALSE(Parse("2006-01-02", "2024-02-30").has_value());
  EXPECT_FALSE(Parse("2006-01-02", "2024-01-15x").has_value());
  EXPECT_FALSE(Parse("2006-01-02", "24-01-15").has_value());
}

}  // namespace
}  // namespace logstack::go
