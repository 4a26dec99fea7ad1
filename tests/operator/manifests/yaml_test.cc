// ToYaml / ParseYamlDocuments: what is written reads back as the same JSON,
// with yaml-cpp here (and with js-yaml in the strict schema test).

#include "operator/manifests/yaml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace logstack::op::manifests {
namespace {

using ::testing::HasSubstr;

Json RoundTrip(const Json& v) {
  std::string text = ToYaml(v);
  auto docs = ParseYamlDocuments(text, "roundtrip");
  EXPECT_TRUE(docs.ok()) << docs.status().ToString() << "\n" << text;
  if (!docs.ok()) return Json("<error>");
  if (docs->empty()) return Json(nullptr);
  EXPECT_EQ(docs->size(), 1u) << text;
  return (*docs)[0];
}

TEST(ToYamlTest, StringsThatLookLikeOtherTypesAreQuoted) {
  for (const char* s :
       {"1",    "0.1.0", "1.5",   "-3",         "+3",   ".5",    "1e3", "1E+3", "0x1F", "0o17",
        "007",  "1_000", "12:30", "2024-01-02", "true", "False", "yes", "NO",   "on",   "Off",
        "y",    "n",     "null",  "Null",       "~",    "",      " x",  "x ",   ".inf", "-.Inf",
        ".NaN", "a: b",  "a #b",  "#x",         "- x",  "-",     "---", "...",  "*a",   "&a",
        "!x",   "|",     ">",     "%x",         "@x",   "`x",    "'x",  "\"x",  "[x]",  "{x}",
        "a,b",  "<<",    "=",     "?x",         ":x",   "x:"}) {
    Json in = Json{{"k", s}};
    EXPECT_EQ(RoundTrip(in), in) << "string \"" << s << "\" became:\n" << ToYaml(in);
    std::string text = ToYaml(in);
    EXPECT_THAT(text, HasSubstr("\"")) << s;
  }
}

TEST(ToYamlTest, QuantitiesDurationsAndFlagsStayPlain) {
  Json in = Json{{"a", "10Gi"},
                 {"b", "256KB"},
                 {"c", "168h"},
                 {"d", "100m"},
                 {"e", "v0.1.0"},
                 {"f", "--config=/etc/logstore/config.yaml"},
                 {"g", "app.kubernetes.io/name"},
                 {"h", "http://x.ns.svc.cluster.local:3100"},
                 {"i", "0s"}};
  std::string text = ToYaml(in);
  EXPECT_EQ(text,
            "a: 10Gi\nb: 256KB\nc: 168h\nd: 100m\ne: v0.1.0\n"
            "f: --config=/etc/logstore/config.yaml\ng: app.kubernetes.io/name\n"
            "h: http://x.ns.svc.cluster.local:3100\ni: 0s\n");
  EXPECT_EQ(RoundTrip(in), in);
}

TEST(ToYamlTest, NumbersBoolsNullsKeepTheirTypes) {
  Json in = Json{{"i", 3},
                 {"neg", -42},
                 {"big", 9007199254740993LL},
                 {"u", 18446744073709551615ULL},
                 {"f", 4.5},
                 {"whole", 4.0},
                 {"tiny", 1e-300},
                 {"t", true},
                 {"nul", nullptr}};
  Json out = RoundTrip(in);
  EXPECT_EQ(out["i"], 3);
  EXPECT_EQ(out["neg"], -42);
  EXPECT_EQ(out["big"], 9007199254740993LL);
  EXPECT_EQ(out["u"], 18446744073709551615ULL);
  EXPECT_TRUE(out["f"].is_number_float());
  EXPECT_DOUBLE_EQ(out["f"].get<double>(), 4.5);
  EXPECT_TRUE(out["whole"].is_number_float());
  EXPECT_DOUBLE_EQ(out["tiny"].get<double>(), 1e-300);
  EXPECT_EQ(out["t"], true);
  EXPECT_TRUE(out["nul"].is_null());
}

TEST(ToYamlTest, NestedBlocksInKubectlStyle) {
  Json in = Json::parse(R"({"spec":{"containers":[{"name":"a","args":["x","y"],"env":[]}],
                                   "empty":{},"list":[[1,2],[]],"sel":{"matchLabels":{"a":"b"}}}})");
  std::string text = ToYaml(in);
  EXPECT_EQ(text,
            "spec:\n"
            "  containers:\n"
            "  - args:\n"
            "    - x\n"
            "    - \"y\"\n"  // a YAML 1.1 boolean when plain
            "    env: []\n"
            "    name: a\n"
            "  empty: {}\n"
            "  list:\n"
            "  - - 1\n"
            "    - 2\n"
            "  - []\n"
            "  sel:\n"
            "    matchLabels:\n"
            "      a: b\n");
  EXPECT_EQ(RoundTrip(in), in);
}

TEST(ToYamlTest, MultiLineStringsBecomeLiteralBlocksWhenExact) {
  Json in = Json{{"clip", "a: 1\nb:\n  c: 2\n"},
                 {"strip", "line one\nline two"},
                 {"keep", "x\n\n\n"},
                 {"inner_blank", "a\n\n  b\n"},
                 {"tabs", "a\tb\n\tc\n"}};
  std::string text = ToYaml(in);
  EXPECT_THAT(text, HasSubstr("clip: |\n  a: 1\n  b:\n    c: 2\n"));
  EXPECT_THAT(text, HasSubstr("strip: |-\n  line one\n  line two\n"));
  EXPECT_THAT(text, HasSubstr("keep: |+\n"));
  EXPECT_EQ(RoundTrip(in), in) << text;
  Json in_seq = Json{{"l", Json::array({"p\nq\n", "r"})}};
  EXPECT_EQ(RoundTrip(in_seq), in_seq) << ToYaml(in_seq);
}

TEST(ToYamlTest, AwkwardMultiLineStringsAreQuotedExactly) {
  for (const char* s : {" leading\nspace\n", "\n\n", "a\r\nb\n", "a\n   \nb\n", "\nx\n",
                        "x\n\x01y\n", "nel\xC2\x85x\n", "ls\xE2\x80\xA8x", "\xEF\xBB\xBFx\ny"}) {
    Json in = Json{{"k", s}};
    EXPECT_EQ(RoundTrip(in), in) << ToYaml(in);
  }
}

TEST(ToYamlTest, KeysAreQuotedLikeValues) {
  Json in = Json{{"1", "a"}, {"true", "b"}, {"a: b", "c"}, {"logstack-x.yaml", "d"}};
  EXPECT_EQ(RoundTrip(in), in) << ToYaml(in);
  EXPECT_THAT(ToYaml(in), HasSubstr("\n\"true\": b\n"));
  EXPECT_THAT(ToYaml(in), HasSubstr("logstack-x.yaml: d\n"));
}

TEST(ToYamlTest, ScalarsAndEmptyContainersAtTopLevel) {
  EXPECT_EQ(ToYaml(Json::object()), "{}\n");
  EXPECT_EQ(ToYaml(Json::array()), "[]\n");
  EXPECT_EQ(ToYaml(Json("x")), "x\n");
  EXPECT_EQ(ToYaml(Json(nullptr)), "null\n");
  EXPECT_EQ(RoundTrip(Json::array({1, "2", Json::object()})),
            Json::array({1, "2", Json::object()}));
}

TEST(ParseYamlDocumentsTest, TypesAsKubectlReadsThem) {
  auto docs = ParseYamlDocuments(R"(
a: "1"
b: 1
c: 1.5
d: yes
e: 'true'
f: ~
g:
h: 0x10
i: 010
j: 1_000
k: 10Gi
l: !!str 5
m: -7
n: 1e3
o: ""
)",
                                 "t.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 1u);
  const Json& d = (*docs)[0];
  EXPECT_EQ(d["a"], "1");
  EXPECT_EQ(d["b"], 1);
  EXPECT_DOUBLE_EQ(d["c"].get<double>(), 1.5);
  EXPECT_EQ(d["d"], true);
  EXPECT_EQ(d["e"], "true");
  EXPECT_TRUE(d["f"].is_null());
  EXPECT_TRUE(d["g"].is_null());
  EXPECT_EQ(d["h"], 16);
  EXPECT_EQ(d["i"], 8);
  EXPECT_EQ(d["j"], 1000);
  EXPECT_EQ(d["k"], "10Gi");
  EXPECT_EQ(d["l"], "5");
  EXPECT_EQ(d["m"], -7);
  EXPECT_TRUE(d["n"].is_number_float());
  EXPECT_EQ(d["o"], "");
}

TEST(ParseYamlDocumentsTest, MultipleDocumentsSkipEmptyOnes) {
  auto docs = ParseYamlDocuments("---\na: 1\n---\n---\n# only a comment\n---\n- x\n", "t");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0], Json({{"a", 1}}));
  EXPECT_EQ((*docs)[1], Json::array({"x"}));
}

TEST(ParseYamlDocumentsTest, ErrorsNameTheFileAndLine) {
  auto bad = ParseYamlDocuments("a: 1\nb: [1, 2\n", "f.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("f.yaml:"));

  auto dup = ParseYamlDocuments("a: 1\nb: 2\na: 3\n", "dup.yaml");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("dup.yaml:3:1: duplicate key \"a\""));

  auto complex_key = ParseYamlDocuments("? [a]\n: 1\n", "k.yaml");
  ASSERT_FALSE(complex_key.ok());
  EXPECT_THAT(complex_key.status().message(), HasSubstr("mapping key must be a string"));

  auto inf = ParseYamlDocuments("a: .inf\n", "i.yaml");
  ASSERT_FALSE(inf.ok());
  EXPECT_THAT(inf.status().message(), HasSubstr("cannot be represented in JSON"));

  auto tagged = ParseYamlDocuments("a: !!int abc\n", "g.yaml");
  ASSERT_FALSE(tagged.ok());
  EXPECT_THAT(tagged.status().message(), HasSubstr("is not an integer"));
}

}  // namespace
}  // namespace logstack::op::manifests
