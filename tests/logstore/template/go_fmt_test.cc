// Go's fmt: printf verbs, flags and in-band errors; float formatting.

#include "logstore/template/go_fmt.h"

#include <gtest/gtest.h>

#include "tests/logstore/template/fake_data.h"

namespace logstack::logstore::tmpl::testing {
namespace {

std::string Float(double f, char fmt = 'g', int prec = -1) {
  std::string s;
  AppendGoFloat(f, fmt, prec, &s);
  return s;
}

TEST(GoFmtTest, ShortestFloats) {
  EXPECT_EQ(Float(150.60000000000002), "150.60000000000002");
  EXPECT_EQ(Float(1e6), "1e+06");
  EXPECT_EQ(Float(999999), "999999");
  EXPECT_EQ(Float(1234567.5), "1.2345675e+06");
  EXPECT_EQ(Float(0.0001), "0.0001");
  EXPECT_EQ(Float(0.00001), "1e-05");
  EXPECT_EQ(Float(0), "0");
  EXPECT_EQ(Float(-0.0), "-0");
  EXPECT_EQ(Float(1e21), "1e+21");
  EXPECT_EQ(Float(1.0 / 0.0), "+Inf");
  EXPECT_EQ(Float(0.0 / 0.0), "NaN");
  EXPECT_EQ(Float(1.5, 'e'), "1.5e+00");
  EXPECT_EQ(Float(1.5, 'f'), "1.5");
  EXPECT_EQ(Float(2.0 / 3, 'f', 2), "0.67");
}

TEST(GoFmtTest, Printf) {
  EXPECT_EQ(R("{{ printf \"%-6s|%8s|%s\" \"GET\" \"1.2s\" \"200\" }}"), "GET   |    1.2s|200");
  EXPECT_EQ(R("{{ printf \"%d %5d %-5d| %05d %+d %x %X %o %b %c %q\" 42 42 42 -42 42 255 255 8 5 "
              "65 65 }}"),
            "42    42 42   | -0042 +42 ff FF 10 101 A 'A'");
  EXPECT_EQ(R("{{ printf \"%.2f %06.2f %e %g %v %8.3f|\" 3.14159 3.14159 1234.5 0.000012 2.5 "
              "-1.0 }}"),
            "3.14 003.14 1.234500e+03 1.2e-05 2.5   -1.000|");
  EXPECT_EQ(R("{{ printf \"%t %v %s %q %x %.2s %5.1s|\" true false \"s\" \"a\\\"b\" \"hi\" "
              "\"hello\" \"xyz\" }}"),
            "true false s \"a\\\"b\" 6869 he     x|");
  EXPECT_EQ(R("{{ printf \"100%%\" }}"), "100%");
}

TEST(GoFmtTest, PrintfErrors) {
  EXPECT_EQ(R("{{ printf \"%d\" \"abc\" }}"), "%!d(string=abc)");
  EXPECT_EQ(R("{{ printf \"%s\" 5 }}"), "%!s(int=5)");
  EXPECT_EQ(R("{{ printf \"%d %d\" 1 }}"), "1 %!d(MISSING)");
  EXPECT_EQ(R("{{ printf \"%d\" 1 2 }}"), "1%!(EXTRA int=2)");
  EXPECT_EQ(R("{{ printf \"%f\" (add 1 1) }}"), "%!f(int64=2)");
  EXPECT_EQ(R("{{ printf \"%d\" nil }}"), "%!d(<nil>)");
  EXPECT_EQ(R("{{ printf \"%z\" 1 }}"), "%!z(int=1)");
  EXPECT_EQ(R("{{ printf \"abc%\" }}"), "abc%!(NOVERB)");
}

TEST(GoFmtTest, Quote) {
  std::string s;
  AppendGoQuote(
      "a\"b\\c\n\x01\xff"
      "é",
      &s);
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\n\\x01\\xffé\"");
}

TEST(GoFmtTest, ParseNumbers) {
  int64_t i;
  EXPECT_TRUE(GoParseInt("-0x1F", &i));
  EXPECT_EQ(i, -31);
  EXPECT_TRUE(GoParseInt("1_000", &i));
  EXPECT_EQ(i, 1000);
  EXPECT_FALSE(GoParseInt("1__0", &i));
  EXPECT_FALSE(GoParseInt("08", &i));
  EXPECT_FALSE(GoParseInt("12.5", &i));
  double f;
  EXPECT_TRUE(GoParseFloat("12.5", &f));
  EXPECT_EQ(f, 12.5);
  EXPECT_FALSE(GoParseFloat(" 1", &f));
  EXPECT_FALSE(GoParseFloat("1x", &f));
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
