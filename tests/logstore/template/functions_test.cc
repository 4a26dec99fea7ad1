// Every function of Loki's template set, with Go/sprig semantics.

#include <gtest/gtest.h>

#include "tests/logstore/template/fake_data.h"

namespace logstack::logstore::tmpl::testing {
namespace {

TEST(FunctionsTest, GoStrings) {
  EXPECT_EQ(R("{{ ToUpper \"abc\" }} {{ ToLower \"ÄBC\" }}"), "ABC äbc");
  EXPECT_EQ(R("{{ Replace \"aaaa\" \"a\" \"b\" 2 }} {{ Replace \"aa\" \"a\" \"b\" -1 }}"),
            "bbaa bb");
  EXPECT_EQ(
      R("{{ Trim \"xxhixx\" \"x\" }}|{{ TrimLeft \"xxhi\" \"x\" }}|{{ TrimRight \"hixx\" \"x\" }}"),
      "hi|hi|hi");
  EXPECT_EQ(R("{{ TrimPrefix \"/api/x\" \"/api\" }} {{ TrimSuffix \"a.go\" \".go\" }}"), "/x a");
  EXPECT_EQ(R("[{{ TrimSpace \" \\t x \\n\" }}]"), "[x]");
}

TEST(FunctionsTest, SprigStrings) {
  EXPECT_EQ(R("{{ upper \"ab\" }} {{ lower \"AB\" }} {{ title \"hello wORLD-x_y\" }}"),
            "AB ab Hello WORLD-X_y");
  EXPECT_EQ(R("{{ trunc 3 \"abcdef\" }} {{ trunc -2 \"abcdef\" }} {{ trunc 10 \"ab\" }}"),
            "abc ef ab");
  EXPECT_EQ(
      R("{{ substr 1 3 \"abcdef\" }} {{ substr -1 2 \"abcdef\" }} {{ substr 2 99 \"abcdef\" }}"),
      "bc ab cdef");
  EXPECT_NE(R("{{ substr 5 3 \"abcdef\" }}").find("slice bounds out of range [5:3]"),
            std::string::npos);
  EXPECT_EQ(
      R("{{ contains \"b\" \"abc\" }} {{ hasPrefix \"a\" \"abc\" }} {{ hasSuffix \"a\" \"abc\" }}"),
      "true true false");
  EXPECT_EQ(R("{{ indent 2 \"a\\nb\" }}|{{ nindent 1 \"a\" }}"), "  a\n  b|\n a");
  EXPECT_EQ(R("{{ replace \"-\" \"+\" \"a-b-c\" }} {{ repeat 3 \"ab\" }}"), "a+b+c ababab");
  EXPECT_EQ(R("[{{ trim \"  x  \" }}] {{ trimAll \"$\" \"$5.00$\" }} {{ trimPrefix \"-\" \"-x\" }} "
              "{{ trimSuffix \"-\" \"x-\" }}"),
            "[x] 5.00 x x");
  EXPECT_EQ(R("{{ abbrev 5 \"hello world\" }} {{ abbrev 20 \"hello\" }}"), "he... hello");
  EXPECT_EQ(R("{{ b64enc \"hello\" }} {{ b64dec \"aGVsbG8=\" }} {{ b64dec \"!!\" }}"),
            "aGVsbG8= hello illegal base64 data at input byte 0");
}

TEST(FunctionsTest, Default) {
  EXPECT_EQ(R("{{ default \"d\" \"\" }} {{ default \"d\" \"x\" }} {{ default \"d\" 0 }} "
              "{{ default \"d\" false }} {{ default \"d\" 1 }}"),
            "d x d d 1");
  EXPECT_EQ(R("{{ .missing | default \"none\" }}"), "none");
}

TEST(FunctionsTest, Regex) {
  EXPECT_EQ(R("{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}"), "-W-xxW-");
  EXPECT_EQ(R("{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"$1W\" }}"), "---");
  EXPECT_EQ(R("{{ regexReplaceAll \"(?P<k>\\\\w+)=(\\\\d+)\" \"a=1 b=2\" \"$2:$k\" }}"), "1:a 2:b");
  EXPECT_EQ(R("{{ regexReplaceAll \"x*\" \"abc\" \"-\" }}"), "-a-b-c-");
  EXPECT_EQ(R("{{ regexReplaceAll \"a\" \"banana\" \"$$\" }}"), "b$n$n$");
  EXPECT_EQ(R("{{ regexReplaceAllLiteral \"a(n)\" \"banana\" \"$1\" }}"), "b$1$1a");
  EXPECT_EQ(R("{{ count \"a\" \"banana\" }} {{ count \"x*\" \"abc\" }} {{ count \"[\" \"a\" }}")
                .substr(0, 10),
            "ERROR: tem");
  EXPECT_EQ(R("{{ count \"a\" \"banana\" }} {{ count \"x*\" \"abc\" }}"), "3 4");
}

TEST(FunctionsTest, UrlAndAlign) {
  EXPECT_EQ(R("{{ urlencode \"a b&c=d/é\" }}"), "a+b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(R("{{ urldecode \"a+b%26c\" }}"), "a b&c");
  EXPECT_NE(R("{{ urldecode \"%zz\" }}").find("invalid URL escape \"%zz\""), std::string::npos);
  EXPECT_EQ(R("[{{ alignLeft 4 \"ab\" }}][{{ alignRight 4 \"ab\" }}][{{ alignRight 2 \"abcd\" }}]"),
            "[ab  ][  ab][cd]");
  EXPECT_EQ(R("[{{ alignLeft 2 \"日本語\" }}]"), "[日本]");
}

TEST(FunctionsTest, IntegerMath) {
  EXPECT_EQ(
      R("{{ add 1 2 3 }} {{ add \"12\" \"12.0\" \"12.5\" }} {{ add 1.9 1 }} {{ add true 1 }}"),
      "6 24 2 2");
  EXPECT_EQ(R("{{ sub 5 7 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ div -7 2 }} {{ mod -7 3 }}"),
            "-2 24 3 -3 -1");
  EXPECT_EQ(R("{{ max 1 5 3 }} {{ min 4 2 9 }} {{ add \"0x10\" \"010\" }}"), "5 2 24");
  EXPECT_EQ(R("{{ int \"42\" }} {{ int 3.9 }} {{ float64 \"1.5\" }} {{ float64 2 }}"),
            "42 3 1.5 2");
  EXPECT_NE(R("{{ mod 1 0 }}").find("integer divide by zero"), std::string::npos);
}

TEST(FunctionsTest, FloatMath) {
  EXPECT_EQ(R("{{ addf 0.1 0.2 }} {{ subf 1 0.9 }} {{ mulf 1.1 1.1 }} {{ divf 1 3 }}"),
            "0.3 0.1 1.21 0.3333333333333333");
  EXPECT_EQ(R("{{ divf 10 4 2 }} {{ addf }} {{ mulf \"2.5\" 2 }}"), "1.25 0 5");
  EXPECT_EQ(R("{{ maxf 1 2.5 -1 }} {{ minf 1 2.5 -1 }}"), "2.5 -1");
  EXPECT_EQ(R("{{ ceil 1.1 }} {{ floor -1.1 }} {{ ceil \"2.000001\" }}"), "2 -2 3");
  EXPECT_EQ(R("{{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round -2.5 0 }} {{ round 2.4 0 0.4 }}"),
            "3.14 3 -3 2");  // 2.4 - 2 is 0.3999999999999999 in float64
  EXPECT_NE(R("{{ divf 1 0 }}").find("decimal division by 0"), std::string::npos);
  EXPECT_EQ(R("{{ mulf 1000 1000 }} {{ mulf 0.00001 1 }}"), "1e+06 1e-05");
}

TEST(FunctionsTest, BytesAndDuration) {
  EXPECT_EQ(
      R("{{ bytes \"3KiB\" }} {{ bytes \"1.5 MB\" }} {{ bytes \"42\" }} {{ bytes \"1,000b\" }}"),
      "3072 1500000 42 1000");
  EXPECT_NE(R("{{ bytes \"3XB\" }}").find("unhandled size name: xb"), std::string::npos);
  EXPECT_EQ(R("{{ duration \"1h30m\" }} {{ duration \"-1.5s\" }} {{ duration \"490us\" }} "
              "{{ duration \"0\" }}"),
            "5400 -1.5 0.00049 0");
  EXPECT_NE(R("{{ duration \"1d\" }}").find("time: unknown unit \"d\" in duration \"1d\""),
            std::string::npos);
  EXPECT_NE(R("{{ duration \"12\" }}").find("time: missing unit in duration \"12\""),
            std::string::npos);
}

TEST(FunctionsTest, Time) {
  FakeData d({{"ts", "2024-01-15 08:53:47"}, {"ms", "1705308827529"}}, "", 1705308827529000000);
  EXPECT_EQ(*Render("{{ unixEpochNanos __timestamp__ }}", d), "1705308827529000000");
  EXPECT_EQ(*Render("{{ toDate \"2006-01-02 15:04:05\" .ts | unixEpoch }}", d), "1705308827");
  EXPECT_EQ(*Render("{{ toDateInZone \"2006-01-02 15:04:05\" \"UTC\" .ts | unixEpoch }}", d),
            "1705308827");
  EXPECT_EQ(*Render("{{ toDate \"2006\" \"bad\" | unixEpoch }}", d), "-62135596800");
  EXPECT_EQ(*Render("{{ unixToTime .ms | date \"15:04:05.000\" }}", d), "08:53:47.529");
  EXPECT_EQ(*Render("{{ unixToTime \"1705308827\" | unixEpoch }}", d), "1705308827");
  EXPECT_EQ(*Render("{{ unixToTime \"19737\" | date \"2006-01-02\" }}", d), "2024-01-15");
  EXPECT_FALSE(Render("{{ unixToTime \"123\" }}", d).ok());
  EXPECT_EQ(*Render("{{ now | unixEpoch }} {{ date \"2006\" 0 }}", d), "1705309200 1970");
}

TEST(FunctionsTest, Builtins) {
  EXPECT_EQ(R("{{ len \"héllo\" }} {{ print 1 2 \"a\" \"b\" 3 }} {{ println 1 \"a\" }}"),
            "6 1 2ab3 1 a\n");
  EXPECT_EQ(
      R("{{ eq 1 2 3 1 }} {{ ne \"a\" \"b\" }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} "
        "{{ ge 1.5 2.5 }}"),
      "true true true true true false");
  EXPECT_NE(R("{{ lt true false }}").find("invalid type for comparison"), std::string::npos);
  EXPECT_EQ(R("{{ index $ \"a\" }} {{ index \"abc\" 1 }} {{ slice \"abcd\" 1 3 }}", {{"a", "x"}}),
            "x 98 bc");
  EXPECT_EQ(R("{{ html \"<a href='x'>\" }} {{ urlquery \"a b\" }} {{ js \"it's\" }}"),
            "&lt;a href=&#39;x&#39;&gt; a+b it\\'s");
  EXPECT_EQ(R("{{ not true }} {{ not \"\" }}"), "false true");
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
