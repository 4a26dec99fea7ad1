// Go's strconv: Quote, ParseFloat, ParseInt/ParseUint and FormatFloat.

#include "common/go/strconv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace logstack::go {
namespace {

TEST(QuoteTest, EscapesLikeGo) {
  EXPECT_EQ(Quote("a\"b\\\n\t\x01\xff\xC3\xA9"), R"("a\"b\\\n\t\x01\xffé")");
  EXPECT_EQ(Quote("a\"b\\c\n\x01\xff"
                  "é",
                  Printable::kControls),
            "\"a\\\"b\\\\c\\n\\x01\\xffé\"");
  EXPECT_EQ(Quote(""), "\"\"");
  EXPECT_EQ(Quote("\a\b\f\r\v\x7f"), R"("\a\b\f\r\v\x7f")");
  EXPECT_EQ(Quote("\xC2\x85"), R"("\u0085")");                   // C1 control
  EXPECT_EQ(Quote("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");  // printable astral rune
  EXPECT_EQ(Quote("\xF4\x8F\xBF\xBF"), R"("\U0010ffff")");       // a noncharacter
}

TEST(QuoteTest, InvalidUtf8IsEscapedBytewise) {
  EXPECT_EQ(Quote("\xE2\x82"), R"("\xe2\x82")");          // cut short
  EXPECT_EQ(Quote("\xC0\xAF"), R"("\xc0\xaf")");          // overlong
  EXPECT_EQ(Quote("\xED\xA0\x80"), R"("\xed\xa0\x80")");  // a surrogate
  EXPECT_EQ(Quote("\xF5\x80\x80\x80"), R"("\xf5\x80\x80\x80")");
  for (Printable p : {Printable::kFormatChars, Printable::kControls}) {
    EXPECT_EQ(Quote("\xff", p), R"("\xff")");
  }
}

// The two approximations of unicode.IsPrint part ways past ASCII; each keeps
// the output its callers have always produced.
TEST(QuoteTest, PrintableSetsDiffer) {
  const std::string nbsp = "\xC2\xA0", zwsp = "\xE2\x80\x8B", lsep = "\xE2\x80\xA8";
  const std::string private_use = "\xEE\x80\x80", replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(Quote(nbsp, Printable::kFormatChars), R"("\u00a0")");
  EXPECT_EQ(Quote(nbsp, Printable::kControls), "\"" + nbsp + "\"");
  EXPECT_EQ(Quote(zwsp, Printable::kFormatChars), R"("\u200b")");
  EXPECT_EQ(Quote(zwsp, Printable::kControls), "\"" + zwsp + "\"");
  EXPECT_EQ(Quote(lsep, Printable::kFormatChars), R"("\u2028")");
  EXPECT_EQ(Quote(private_use, Printable::kFormatChars), R"("\ue000")");
  EXPECT_EQ(Quote(private_use, Printable::kControls), "\"" + private_use + "\"");
  EXPECT_EQ(Quote(replacement, Printable::kFormatChars), "\"" + replacement + "\"");
  EXPECT_EQ(Quote(replacement, Printable::kControls), R"("\ufffd")");
  const std::string ideographic_space = "\xE3\x80\x80";
  EXPECT_EQ(Quote(ideographic_space, Printable::kFormatChars), "\"" + ideographic_space + "\"");
  EXPECT_EQ(Quote(ideographic_space, Printable::kSpacesAndFormatChars), R"("\u3000")");
  EXPECT_EQ(Quote(zwsp, Printable::kSpacesAndFormatChars), R"("\u200b")");
  EXPECT_EQ(Quote("\xF3\xA0\x80\x81", Printable::kSpacesAndFormatChars), R"("\U000e0001")");
  EXPECT_EQ(ParseFloat(ideographic_space).status().message(),
            R"(strconv.ParseFloat: parsing "\u3000": invalid syntax)");
  for (Printable p :
       {Printable::kFormatChars, Printable::kControls, Printable::kSpacesAndFormatChars}) {
    EXPECT_EQ(Quote("\xC2\xAD", p), R"("\u00ad")");      // soft hyphen
    EXPECT_EQ(Quote("\xEF\xBB\xBF", p), R"("\ufeff")");  // BOM
  }
}

// Loki's label texts and the messages about them (logstore/model) quote
// with Printable::kSpacesAndFormatChars.
TEST(QuoteTest, LabelTexts) {
  auto quote_rune = [](char32_t r) {
    std::string s;
    AppendQuoteRune(r, Printable::kSpacesAndFormatChars, &s);
    return s;
  };
  EXPECT_EQ(Quote("", Printable::kSpacesAndFormatChars), "\"\"");
  EXPECT_EQ(Quote("br", Printable::kSpacesAndFormatChars), "\"br\"");
  EXPECT_EQ(quote_rune('1'), "'1'");
  EXPECT_EQ(quote_rune('\''), "'\\''");
  EXPECT_EQ(quote_rune('"'), "'\"'");
  EXPECT_EQ(quote_rune('\n'), "'\\n'");
  EXPECT_EQ(quote_rune(0), "'\\x00'");
  EXPECT_EQ(quote_rune(0x85), "'\\u0085'");
  EXPECT_EQ(quote_rune(0xE0001), "'\\U000e0001'");
  EXPECT_EQ(quote_rune(0x110000), "'\xef\xbf\xbd'");
}

TEST(QuoteTest, Rune) {
  auto quote_rune = [](char32_t r) {
    std::string s;
    AppendQuoteRune(r, Printable::kControls, &s);
    return s;
  };
  EXPECT_EQ(quote_rune('x'), "'x'");
  EXPECT_EQ(quote_rune('\''), R"('\'')");
  EXPECT_EQ(quote_rune('"'), "'\"'");
  EXPECT_EQ(quote_rune('\n'), R"('\n')");
  EXPECT_EQ(quote_rune(0xE9), "'\xC3\xA9'");
  EXPECT_EQ(quote_rune(0xFFFD), R"('\ufffd')");
}

TEST(ParseFloatTest, GoSyntax) {
  EXPECT_EQ(*ParseFloat("1.5"), 1.5);
  EXPECT_EQ(*ParseFloat("-490"), -490);
  EXPECT_EQ(*ParseFloat("+1e3"), 1000);
  EXPECT_EQ(*ParseFloat("1."), 1);
  EXPECT_EQ(*ParseFloat(".5"), 0.5);
  EXPECT_EQ(*ParseFloat("0x1p-2"), 0.25);
  EXPECT_EQ(*ParseFloat("0x_1p4"), 16);
  EXPECT_TRUE(std::isinf(*ParseFloat("+Inf")));
  EXPECT_TRUE(std::isinf(*ParseFloat("-infinity")));
  EXPECT_TRUE(std::isnan(*ParseFloat("NaN")));
  EXPECT_TRUE(std::signbit(*ParseFloat("-0")));
  EXPECT_EQ(*ParseFloat("1e-400"), 0);  // underflow is not an error
}

TEST(ParseFloatTest, GoErrors) {
  EXPECT_EQ(ParseFloat("bob").status().message(),
            "strconv.ParseFloat: parsing \"bob\": invalid syntax");
  EXPECT_EQ(ParseFloat("").status().message(), "strconv.ParseFloat: parsing \"\": invalid syntax");
  EXPECT_EQ(ParseFloat("1e999").status().message(),
            "strconv.ParseFloat: parsing \"1e999\": value out of range");
  EXPECT_EQ(ParseFloat("-1e999").status().message(),
            "strconv.ParseFloat: parsing \"-1e999\": value out of range");
  EXPECT_EQ(ParseFloat("a\nb").status().message(),
            "strconv.ParseFloat: parsing \"a\\nb\": invalid syntax");
  for (const char* s :
       {" 1", "1 ", "1.5s", "1_000", "0x10", "1e", "1e+", "--1", ".", "nan(1)", "1.2.3", "0x1.8"}) {
    EXPECT_FALSE(ParseFloat(s).ok()) << s;
  }
}

// ParseFloatLoose keeps text/template's reading: what Go reads, plus
// strtod's extras.
TEST(ParseFloatTest, Loose) {
  EXPECT_EQ(*ParseFloatLoose("12.5"), 12.5);
  EXPECT_EQ(*ParseFloatLoose("0x1p-2"), 0.25);
  EXPECT_EQ(*ParseFloatLoose("0x10"), 16);  // Go wants a p exponent
  EXPECT_EQ(*ParseFloatLoose("0x_10"), 16);
  EXPECT_FALSE(ParseFloatLoose(" 1"));
  EXPECT_FALSE(ParseFloatLoose("1x"));
  EXPECT_FALSE(ParseFloatLoose("1_000"));
  EXPECT_FALSE(ParseFloatLoose(""));
  EXPECT_FALSE(ParseFloatLoose("1e999"));
}

TEST(ParseIntTest, BaseZero) {
  EXPECT_EQ(ParseInt("-0x1F"), -31);
  EXPECT_EQ(ParseInt("1_000"), 1000);
  EXPECT_EQ(ParseInt("0o17"), 15);
  EXPECT_EQ(ParseInt("017"), 15);
  EXPECT_EQ(ParseInt("0_7"), 7);
  EXPECT_EQ(ParseInt("0b101"), 5);
  EXPECT_EQ(ParseInt("0x_ff"), 255);
  EXPECT_EQ(ParseInt("0"), 0);
  EXPECT_EQ(ParseInt("+5"), 5);
  EXPECT_EQ(ParseInt("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ParseInt("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseUint("18446744073709551615"), std::numeric_limits<uint64_t>::max());
  for (const char* s : {"", "1__0", "_1", "1_", "08", "12.5", "0x", "0b2", "-",
                        "9223372036854775808", "-9223372036854775809"}) {
    EXPECT_FALSE(ParseInt(s)) << s;
  }
  EXPECT_FALSE(ParseUint("18446744073709551616"));
  EXPECT_FALSE(ParseUint("-1"));
}

TEST(FormatFloatTest, Shortest) {
  EXPECT_EQ(FormatFloat(150.60000000000002, 'g', -1), "150.60000000000002");
  EXPECT_EQ(FormatFloat(1e6, 'g', -1), "1e+06");
  EXPECT_EQ(FormatFloat(999999, 'g', -1), "999999");
  EXPECT_EQ(FormatFloat(1234567.5, 'g', -1), "1.2345675e+06");
  EXPECT_EQ(FormatFloat(0.0001, 'g', -1), "0.0001");
  EXPECT_EQ(FormatFloat(0.00001, 'g', -1), "1e-05");
  EXPECT_EQ(FormatFloat(1e21, 'g', -1), "1e+21");
  EXPECT_EQ(FormatFloat(1e-300, 'G', -1), "1E-300");
  EXPECT_EQ(FormatFloat(1.5, 'e', -1), "1.5e+00");
  EXPECT_EQ(FormatFloat(1.5, 'f', -1), "1.5");
  EXPECT_EQ(FormatFloat(0.9, 'f', -1), "0.9");
  EXPECT_EQ(FormatFloat(1500, 'f', -1), "1500");
  EXPECT_EQ(FormatFloat(-2.5, 'f', -1), "-2.5");
  EXPECT_EQ(FormatFloat(1e21, 'f', -1), "1000000000000000000000");
  EXPECT_EQ(FormatFloat(0.000123, 'f', -1), "0.000123");
  EXPECT_EQ(FormatFloat(5e-324, 'e', -1), "5e-324");
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::max(), 'e', -1), "1.7976931348623157e+308");
}

TEST(FormatFloatTest, FixedPrecision) {
  EXPECT_EQ(FormatFloat(2.0 / 3, 'f', 2), "0.67");
  EXPECT_EQ(FormatFloat(1.5, 'e', 3), "1.500e+00");
  EXPECT_EQ(FormatFloat(1234.5678, 'g', 3), "1.23e+03");
  EXPECT_EQ(FormatFloat(1e300, 'f', 0).size(), 301u);
}

TEST(FormatFloatTest, ZeroNanInf) {
  EXPECT_EQ(FormatFloat(0, 'g', -1), "0");
  EXPECT_EQ(FormatFloat(0, 'e', -1), "0e+00");
  EXPECT_EQ(FormatFloat(-0.0, 'g', -1), "-0");
  EXPECT_EQ(FormatFloat(-0.0, 'f', -1), "-0");
  EXPECT_EQ(FormatFloat(-0.0, 'f', 2), "-0.00");
  for (char fmt : {'e', 'f', 'g'}) {
    EXPECT_EQ(FormatFloat(std::nan(""), fmt, -1), "NaN");
    EXPECT_EQ(FormatFloat(-std::nan(""), fmt, 2), "NaN");
    EXPECT_EQ(FormatFloat(HUGE_VAL, fmt, -1), "+Inf");
    EXPECT_EQ(FormatFloat(-HUGE_VAL, fmt, 3), "-Inf");
  }
}

// The shortest form reads back as the same double, in every format.
TEST(FormatFloatTest, ShortestRoundTrips) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; i++) {
    uint64_t bits = rng();
    double v;
    static_assert(sizeof(v) == sizeof(bits));
    std::memcpy(&v, &bits, sizeof(v));
    if (!std::isfinite(v)) continue;
    for (char fmt : {'e', 'f', 'g'}) {
      const std::string s = FormatFloat(v, fmt, -1);
      const StatusOr<double> back = ParseFloat(s);
      ASSERT_TRUE(back.ok()) << s;
      ASSERT_EQ(*back, v) << s;
    }
  }
  for (double v : {0.1, 0.3, 1.0 / 3, 123456789.125, 5e-324, 2.2250738585072014e-308}) {
    EXPECT_EQ(*ParseFloat(FormatFloat(v, 'g', -1)), v);
  }
}

}  // namespace
}  // namespace logstack::go
