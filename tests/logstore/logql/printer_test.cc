#include "logstore/logql/printer.h"

#include <gtest/gtest.h>

#include "logstore/logql/go_syntax.h"
#include "logstore/logql/parser.h"

namespace logstack::logstore::logql {
namespace {

std::string Canon(std::string_view q) {
  auto e = ParseExpr(q);
  EXPECT_TRUE(e.ok()) << q << ": " << e.status().message();
  return e.ok() ? Format(**e) : "";
}

TEST(PrinterTest, FormatQueryCases) {
  // The format_query answers of Loki 3.4.6 (cases.json).
  EXPECT_EQ(Canon(R"({app="order",stream="stdout"}|="x"|logfmt|status>=500)"),
            R"({app="order", stream="stdout"} |= "x" | logfmt | status>=500)");
  EXPECT_EQ(Canon(R"(sum by(app)(rate({namespace="shop"}|json|__error__=""[5m])))"),
            R"(sum by (app)(rate({namespace="shop"} | json | __error__=""[5m])))");
  EXPECT_EQ(
      Canon(
          R"(sum(rate({app="a"}[1m]))/on(app)group_left sum by(app)(rate({app="a"}[1m]))>bool 2)"),
      R"(((sum(rate({app="a"}[1m])) / on (app) group_left sum by (app)(rate({app="a"}[1m]))) > bool 2))");
  EXPECT_EQ(Canon(R"({app="a"} | line_format `{{.x}}` | label_format y="{{.z}}" | drop a, b="c")"),
            R"({app="a"} | line_format "{{.x}}" | label_format y="{{.z}}" | drop a,b="c")");
  EXPECT_EQ(
      Canon(
          R"(quantile_over_time(0.9,{app="a"}|logfmt|unwrap duration(d)|__error__=""[5m]) by (p))"),
      R"(quantile_over_time(0.9,{app="a"} | logfmt | unwrap duration(d) | __error__=""[5m]) by (p))");
}

TEST(PrinterTest, Stages) {
  EXPECT_EQ(Canon(R"({a="b"} |= "x" or "y" != ip("1.2.3.4") |~ `a\d` !~ "c" |> "<_>" !> "d")"),
            R"({a="b"} |= "x" or "y" != ip("1.2.3.4") |~ "a\\d" !~ "c" |> "<_>" !> "d")");
  EXPECT_EQ(Canon(R"({a="b"} | json x="a.b", y)"), R"({a="b"} | json x="a.b",y="y")");
  EXPECT_EQ(Canon(R"({a="b"} | logfmt --strict --keep-empty x)"),
            R"({a="b"} | logfmt --strict --keep-empty x="x")");
  EXPECT_EQ(Canon(R"q({a="b"} | regexp `(?P<x>\w+)` | pattern `<x> "<_>"`)q"),
            R"q({a="b"} | regexp "(?P<x>\\w+)" | pattern "<x> \"<_>\"")q");
  EXPECT_EQ(Canon(R"({a="b"} | unpack | decolorize | keep a, b=~"c")"),
            R"({a="b"} | unpack | decolorize | keep a,b=~"c")");
  EXPECT_EQ(Canon(R"({a="b"} | label_format a=b, c="{{.d}}")"),
            R"({a="b"} | label_format a=b,c="{{.d}}")");
}

TEST(PrinterTest, LabelFilters) {
  EXPECT_EQ(Canon(R"({a="b"} | x = 1 | y == 2.50 | z != -3 | w > 1e3)"),
            R"({a="b"} | x==1 | y==2.5 | z!=-3 | w>1000)");
  EXPECT_EQ(Canon(R"({a="b"} | d > 90m | e <= 500us | f < 1.5s)"),
            "{a=\"b\"} | d>1h30m0s | e<=500\xC2\xB5s | f<1.5s");
  EXPECT_EQ(Canon(R"({a="b"} | s > 20MB)"), R"({a="b"} | s>20MB)");
  EXPECT_EQ(Canon(R"({a="b"} | ip = ip("10.0.0.0/8") | ip != ip("::1"))"),
            R"({a="b"} | ip=ip("10.0.0.0/8") | ip!=ip("::1"))");
  EXPECT_EQ(Canon(R"({a="b"} | x="1" and y=~"2" or z!~"3")"),
            R"({a="b"} | ( ( x="1" , y=~"2" ) or z!~"3" ))");
}

TEST(PrinterTest, Metrics) {
  EXPECT_EQ(Canon(R"(count_over_time({a="b"}[5m] offset 1h))"),
            R"(count_over_time({a="b"}[5m] offset 1h))");
  EXPECT_EQ(Canon(R"(count_over_time({a="b"}[90m]))"), R"(count_over_time({a="b"}[1h30m]))");
  EXPECT_EQ(Canon(R"(count_over_time({a="b"}[24h]))"), R"(count_over_time({a="b"}[1d]))");
  EXPECT_EQ(Canon(R"(topk(2, sum by (a, b) (rate({a="b"}[5m]))) by (a))"),
            R"(topk by (a)(2,sum by (a,b)(rate({a="b"}[5m]))))");
  EXPECT_EQ(Canon(R"(sum without (a) (rate({a="b"}[5m])))"),
            R"(sum without (a)(rate({a="b"}[5m])))");
  EXPECT_EQ(Canon(R"(sum by () (rate({a="b"}[5m])))"), R"(sum(rate({a="b"}[5m])))");
  EXPECT_EQ(Canon("vector(1) + vector(2)"), "(vector(1) + vector(2))");
  EXPECT_EQ(Canon("vector(1) * ignoring (a) group_right (b) vector(2)"),
            "(vector(1) * ignoring (a) group_right (b) vector(2))");
  EXPECT_EQ(Canon(R"q(label_replace(vector(1), "d", "$1", "s", "(.*)"))q"),
            R"q(label_replace(vector(1),"d","$1","s","(.*)"))q");
  EXPECT_EQ(Canon("1e21 + 0.00001"), "(1e+21 + 1e-05)");
}

TEST(PrinterTest, FormatMatchersAndStage) {
  auto m = ParseMatchers(R"({a="b", c=~"d\n\x1b"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(FormatMatchers(*m), R"({a="b", c=~"d\n\x1b"})");
  LineFilterStage lf;
  lf.op = LineFilterOp::kRegex;
  lf.terms.push_back({"(unclosed", false});
  EXPECT_EQ(FormatStage(Stage(lf)), R"(|~ "(unclosed")");
  EXPECT_EQ(FormatStage(Stage(LineFormatStage{"{{.x"})), R"(| line_format "{{.x")");
}

TEST(PrinterTest, Numbers) {
  EXPECT_EQ(Canon("vector(123456)"), "vector(123456)");
  EXPECT_EQ(Canon("vector(1e21)"), "vector(1e+21)");
  EXPECT_EQ(Canon("vector(0.00001)"), "vector(1e-05)");
  EXPECT_EQ(Canon("vector(0.0001)"), "vector(0.0001)");
}

TEST(GoSyntaxTest, PrometheusDurations) {
  EXPECT_EQ(*ParseLokiDuration("1h30m"), 5400000000000);
  EXPECT_EQ(*ParseLokiDuration("1.5h"), 5400000000000);
  EXPECT_EQ(*ParseLokiDuration("1d"), 86400000000000);
  EXPECT_FALSE(ParseLokiDuration("1x"));
  EXPECT_EQ(FormatPromDuration(604800000000000), "1w");
  EXPECT_EQ(FormatPromDuration(500000000), "500ms");
  EXPECT_EQ(ParsePromDuration("1m1h").status().message(), R"(not a valid duration string: "1m1h")");
  EXPECT_EQ(ParsePromDuration("5x").status().message(), R"(unknown unit "x" in duration "5x")");
}

}  // namespace
}  // namespace logstack::logstore::logql
