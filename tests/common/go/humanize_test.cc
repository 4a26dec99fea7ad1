// go-humanize's ParseBytes.

#include "common/go/humanize.h"

#include <gtest/gtest.h>

#include <string>

namespace logstack::go {
namespace {

TEST(ParseBytesTest, Values) {
  EXPECT_EQ(*ParseBytes("512B"), 512u);
  EXPECT_EQ(*ParseBytes("1.5KB"), 1500u);
  EXPECT_EQ(*ParseBytes("1.5KiB"), 1536u);
  EXPECT_EQ(*ParseBytes("3KiB"), 3072u);
  EXPECT_EQ(*ParseBytes("3MB"), 3000000u);
  EXPECT_EQ(*ParseBytes("3 M"), 3000000u);
  EXPECT_EQ(*ParseBytes("42"), 42u);
  EXPECT_EQ(*ParseBytes("1,000 kb"), 1000000u);
  EXPECT_EQ(*ParseBytes("2\tgib\t "), 2147483648u);
  EXPECT_EQ(*ParseBytes("1.5"), 1u);  // rounded down
}

TEST(ParseBytesTest, GoErrors) {
  EXPECT_EQ(ParseBytes("3XB").status().message(), "unhandled size name: xb");
  EXPECT_EQ(ParseBytes("1 K B").status().message(), "unhandled size name: k b");
  EXPECT_EQ(ParseBytes("abc").status().message(),
            "strconv.ParseFloat: parsing \"\": invalid syntax");
  EXPECT_EQ(ParseBytes("").status().message(), "strconv.ParseFloat: parsing \"\": invalid syntax");
  EXPECT_EQ(ParseBytes("1.2.3KB").status().message(),
            "strconv.ParseFloat: parsing \"1.2.3\": invalid syntax");
  EXPECT_EQ(ParseBytes(std::string(400, '9')).status().message(),
            "strconv.ParseFloat: parsing \"" + std::string(400, '9') + "\": value out of range");
  EXPECT_EQ(ParseBytes("20EB").status().message(), "too large: 20EB");
  EXPECT_EQ(ParseBytes("16EiB").status().message(), "too large: 16EiB");
  EXPECT_EQ(*ParseBytes("15EiB"), 15ull << 60);
}

}  // namespace
}  // namespace logstack::go
