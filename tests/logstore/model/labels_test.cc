#include "logstore/model/labels.h"

#include <gtest/gtest.h>

namespace logstack::logstore {
namespace {

std::vector<Label> MustParse(std::string_view text) {
  auto r = ParseLabelSet(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<Label>{};
}

std::string ParseErr(std::string_view text) {
  auto r = ParseLabelSet(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ParseLabelSetTest, KeepsOrderAndDuplicates) {
  auto l = MustParse(R"({run="r1",pc="x",b="2",a="1"})");
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0], (Label{"run", "r1"}));
  EXPECT_EQ(l[3], (Label{"a", "1"}));
  auto d = MustParse(R"({app="x", app="y"})");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[1], (Label{"app", "y"}));
}

TEST(ParseLabelSetTest, SpacingTrailingCommaAndEmptySets) {
  EXPECT_EQ(MustParse(" { a = \"1\" ,\n\tb=\"2\" , } ").size(), 2u);
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse("   ").empty());
  EXPECT_TRUE(MustParse("{}").empty());
  EXPECT_TRUE(MustParse("{ }").empty());
  auto e = MustParse(R"({a=""})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "");
}

TEST(ParseLabelSetTest, ValueQuotingAndEscapes) {
  auto l =
      MustParse(R"({a="x\ny\t\"q\" \\ caf\u00e9 \U0001F600 \x41\101", b='it\'s', c=`raw\n"`})");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].value, "x\ny\t\"q\" \\ caf\xc3\xa9 \xf0\x9f\x98\x80 AA");
  EXPECT_EQ(l[1].value, "it's");
  EXPECT_EQ(l[2].value, "raw\\n\"");
  // Raw UTF-8 passes through; a backquoted value may span lines.
  EXPECT_EQ(MustParse("{a=\"日本\"}")[0].value, "日本");
  EXPECT_EQ(MustParse("{a=`x\ny`}")[0].value, "x\ny");
  // \x and octal escapes give bytes, not code points.
  EXPECT_EQ(MustParse(R"({a="\xff\377"})")[0].value, "\xff\xff");
}

TEST(ParseLabelSetTest, MetricNameBecomesDunderName) {
  auto l = MustParse(R"(up{job="x"})");
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0], (Label{"__name__", "up"}));
  EXPECT_EQ(MustParse("ns:metric")[0], (Label{"__name__", "ns:metric"}));
  EXPECT_EQ(MustParse(R"({__name__="x", __meta_y="z"})").size(), 2u);
}

// The forms recorded from Loki in the push conformance corpus.
TEST(ParseLabelSetTest, ConformanceErrorForms) {
  EXPECT_EQ(ParseErr(R"({pc="proto_labels_unparsable", run="r0123abcd")"),
            "1:47: parse error: unexpected end of input inside braces");
  EXPECT_EQ(ParseErr(R"({pc="proto_labels_matcher", run="r0123abcd", app=~"x.*"})"),
            "1:49: parse error: unexpected <op:=~> in label set, expected \"=\"");
  EXPECT_EQ(ParseErr(R"({1abc="x", pc="label_name_digit", run="r0123abcd"})"),
            "1:2: parse error: unexpected character inside braces: '1'");
  EXPECT_EQ(ParseErr(R"({my-label="x", pc="label_name_dash", run="r0123abcd"})"),
            "1:4: parse error: unexpected character inside braces: '-'");
  EXPECT_EQ(ParseErr(R"({k8s.app="x", pc="label_name_dot", run="r0123abcd"})"),
            "1:5: parse error: unexpected character inside braces: '.'");
  EXPECT_EQ(ParseErr(R"({bad-name="x", part="bad", pc="label_bad_stream_among_good"})"),
            "1:5: parse error: unexpected character inside braces: '-'");
}

TEST(ParseLabelSetTest, OtherErrors) {
  EXPECT_EQ(ParseErr("{"), "1:2: parse error: unexpected end of input inside braces");
  EXPECT_EQ(ParseErr(R"({a="b)"), "1:4: parse error: unterminated quoted string");
  EXPECT_EQ(ParseErr("{a=\"b\nc\"}"), "1:4: parse error: unterminated quoted string");
  EXPECT_EQ(ParseErr("{a=`b"), "1:4: parse error: unterminated raw string");
  EXPECT_EQ(ParseErr("{a}"), "1:3: parse error: unexpected \"}\" in label set, expected \"=\"");
  EXPECT_EQ(ParseErr("{a b}"),
            "1:4: parse error: unexpected identifier \"b\" in label set, expected \"=\"");
  EXPECT_EQ(ParseErr("{a=b}"),
            "1:4: parse error: unexpected identifier \"b\" in label set, expected string");
  EXPECT_EQ(ParseErr(R"({a="b" c="d"})"),
            "1:8: parse error: unexpected identifier \"c\" in label set, expected \",\" or \"}\"");
  EXPECT_EQ(ParseErr("{,}"),
            "1:2: parse error: unexpected \",\" in label set, expected identifier or \"}\"");
  EXPECT_EQ(ParseErr(R"({a="1",,})"),
            "1:8: parse error: unexpected \",\" in label set, expected identifier or \"}\"");
  EXPECT_EQ(ParseErr(R"({a!="b"})"),
            "1:3: parse error: unexpected <op:!=> in label set, expected \"=\"");
  EXPECT_EQ(ParseErr(R"({a!~"b"})"),
            "1:3: parse error: unexpected <op:!~> in label set, expected \"=\"");
  EXPECT_EQ(ParseErr("{a!x}"),
            "1:3: parse error: unexpected character after '!' inside braces: 'x'");
  EXPECT_EQ(ParseErr(R"({"a"="b"})"),
            "1:2: parse error: unexpected string \"\\\"a\\\"\" in label set, expected "
            "identifier or \"}\"");
  EXPECT_EQ(ParseErr(R"({a="b"="c"})"),
            "1:7: parse error: unexpected <op:=> in label set, expected \",\" or \"}\"");
  EXPECT_EQ(ParseErr(R"({a=="b"})"),
            "1:4: parse error: unexpected <op:=> in label set, expected string");
  // Long strings are cut to 10 runes in the description, like Go's %.10q.
  EXPECT_EQ(ParseErr(R"({a="b" "0123456789abc"})"),
            "1:8: parse error: unexpected string \"\\\"012345678\"... in label set, expected "
            "\",\" or \"}\"");
  EXPECT_EQ(ParseErr(R"({a="b"} x)"), "1:9: parse error: unexpected identifier \"x\"");
  EXPECT_EQ(ParseErr(R"({a="b"}{c="d"})"), "1:8: parse error: unexpected \"{\"");
  EXPECT_EQ(ParseErr("}"), "1:1: parse error: unexpected right bracket '}'");
  EXPECT_EQ(ParseErr("-"), "1:1: parse error: unexpected character: '-'");
  EXPECT_EQ(ParseErr("{a:b=\"c\"}"), "1:3: parse error: unexpected character inside braces: ':'");
  EXPECT_EQ(ParseErr("{a=\"x\",\n b=\"y\",\n  c-d=\"z\"}"),
            "3:4: parse error: unexpected character inside braces: '-'");
  EXPECT_EQ(ParseErr("{\x01=\"x\"}"),
            "1:2: parse error: unexpected character inside braces: '\\x01'");
  EXPECT_EQ(ParseErr("{\xc3\xa9=\"x\"}"),
            "1:2: parse error: unexpected character inside braces: '\xc3\xa9'");
  EXPECT_EQ(ParseErr("{\xff=\"x\"}"),
            "1:2: parse error: unexpected character inside braces: '\xef\xbf\xbd'");
}

TEST(ParseLabelSetTest, StringErrors) {
  EXPECT_EQ(ParseErr(R"({a="\q"})"), "1:4: parse error: unknown escape sequence U+0071 'q'");
  EXPECT_EQ(ParseErr(R"({a="\'"})"), "1:4: parse error: unknown escape sequence U+0027 '''");
  EXPECT_EQ(ParseErr(R"({a="\x4g"})"),
            "1:4: parse error: illegal character 'g' in escape sequence");
  EXPECT_EQ(ParseErr(R"({a="\400"})"),
            "1:4: parse error: escape sequence is an invalid Unicode code point");
  EXPECT_EQ(ParseErr(R"({a="\ud800"})"),
            "1:4: parse error: escape sequence is an invalid Unicode code point");
  EXPECT_EQ(ParseErr(R"({a="\U00110000"})"),
            "1:4: parse error: escape sequence is an invalid Unicode code point");
  EXPECT_EQ(ParseErr("{a=\"\\"), "1:4: parse error: escape sequence not terminated");
  EXPECT_EQ(ParseErr("{a=\"\\x4"), "1:4: parse error: escape sequence not terminated");
  EXPECT_EQ(ParseErr("{a=\"\xff\"}"), "1:4: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ParseErr("{a=\"\xef\xbf\xbd\"}"), "1:4: parse error: invalid UTF-8 rune");
  EXPECT_EQ(ParseErr("{a=`\xff`}"), "1:4: parse error: invalid UTF-8 rune");
}

TEST(ParseLabelSetTest, NeverCrashesOnPrefixes) {
  std::string text = R"(ns:m{a="x\u00e9\n", b='y\'', c=`z`, d="\x41\101\U0001F600",})";
  for (size_t i = 0; i <= text.size(); i++) (void)ParseLabelSet(text.substr(0, i));
}

TEST(LabelsStringTest, CanonicalForm) {
  EXPECT_EQ(LabelsString(Labels{}), "{}");
  EXPECT_EQ(LabelsString(Labels{{"a", "1"}, {"b", "2"}}), R"({a="1", b="2"})");
  EXPECT_EQ(LabelsString(Labels{{"v", "a \"q\" \\ café\n\t\x01\x7f"}}),
            R"({v="a \"q\" \\ café\n\t\x01\x7f"})");
  EXPECT_EQ(LabelsString(Labels{{"v", "\xff\xc3"}}), R"({v="\xff\xc3"})");
  EXPECT_EQ(LabelsString(Labels{{"v", "\xc2\xa0\xe2\x80\x8b\xf0\x9f\x98\x80"}}),
            "{v=\"\\u00a0\\u200b\xf0\x9f\x98\x80\"}");
  EXPECT_EQ(LabelsString(Labels{{"v", "\a\b\f\r\v"}}), R"({v="\a\b\f\r\v"})");
  LabelRef refs[] = {{"x", "1"}, {"y", ""}};
  EXPECT_EQ(LabelsString(refs, 2), R"({x="1", y=""})");
}

TEST(LabelsStringTest, QuotedTextParsesBackToTheSameValue) {
  std::string all;
  for (int c = 0; c < 256; c++) all.push_back(static_cast<char>(c));
  all += "\xe2\x82\xac\xf0\x9f\x98\x80";
  Labels in{{"v", all}};
  // U+FFFD cannot be parsed back (it reads as invalid UTF-8), and raw bytes
  // >= 0x80 are quoted as \x escapes, so the round trip holds.
  auto out = ParseLabelSet(LabelsString(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, in);
}

TEST(IsValidLabelNameTest, Grammar) {
  EXPECT_TRUE(IsValidLabelName("a"));
  EXPECT_TRUE(IsValidLabelName("_"));
  EXPECT_TRUE(IsValidLabelName("__name__"));
  EXPECT_TRUE(IsValidLabelName("A_9z"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("1abc"));
  EXPECT_FALSE(IsValidLabelName("my-label"));
  EXPECT_FALSE(IsValidLabelName("k8s.app"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("café"));
}

TEST(SanitizeMetadataNameTest, LokiRewrites) {
  // Recorded in the conformance corpus (json_sm_bad_name).
  EXPECT_EQ(SanitizeMetadataName("trace-id"), "trace_id");
  EXPECT_EQ(SanitizeMetadataName("1st"), "key_1st");
  // The rest of the rule.
  EXPECT_EQ(SanitizeMetadataName(""), "");
  EXPECT_EQ(SanitizeMetadataName("trace_id"), "trace_id");
  EXPECT_EQ(SanitizeMetadataName("k8s.pod.name"), "k8s_pod_name");
  EXPECT_EQ(SanitizeMetadataName("_x"), "key_x");
  EXPECT_EQ(SanitizeMetadataName("__x"), "__x");
  EXPECT_EQ(SanitizeMetadataName("-x"), "key_x");
  EXPECT_EQ(SanitizeMetadataName("9"), "key_9");
  EXPECT_EQ(SanitizeMetadataName("café"), "café");
  EXPECT_EQ(SanitizeMetadataName("日本"), "日本");
  EXPECT_EQ(SanitizeMetadataName("a€b"), "a_b");
  EXPECT_EQ(SanitizeMetadataName("a\xff"
                                 "b"),
            "a_b");
  EXPECT_EQ(SanitizeMetadataName("a b"), "a_b");
}

TEST(SanitizeMetadataNameTest, IsSanitizedAgreesWithSanitize) {
  for (std::string_view n : {"", "a", "trace_id", "trace-id", "1st", "_x", "__x", "_", "café",
                             "a€b", "A9", "x\xff", "__", "é"}) {
    EXPECT_EQ(IsSanitizedMetadataName(n), SanitizeMetadataName(n) == n) << n;
  }
}

TEST(Utf8Test, DecodeAndClean) {
  char32_t r;
  EXPECT_EQ(DecodeUtf8("a", &r), 1u);
  EXPECT_EQ(r, U'a');
  EXPECT_EQ(DecodeUtf8("\xc3\xa9", &r), 2u);
  EXPECT_EQ(r, U'é');
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x98\x80", &r), 4u);
  EXPECT_EQ(r, 0x1F600u);
  EXPECT_EQ(DecodeUtf8("\xc0\x80", &r), 1u);  // overlong
  EXPECT_EQ(r, 0xFFFDu);
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80", &r), 1u);  // surrogate
  EXPECT_EQ(DecodeUtf8("\xe2\x82", &r), 1u);      // truncated
  EXPECT_TRUE(IsCleanUtf8("abc é 日本"));
  EXPECT_FALSE(IsCleanUtf8("a\xff"));
  EXPECT_FALSE(IsCleanUtf8("a\xef\xbf\xbd"));
}

}  // namespace
}  // namespace logstack::logstore
