#include "logstore/logql/parser.h"

#include <gtest/gtest.h>

#include "logstore/logql/printer.h"

namespace logstack::logstore::logql {
namespace {

ExprPtr MustParse(std::string_view q) {
  auto e = ParseExpr(q);
  EXPECT_TRUE(e.ok()) << q << ": " << e.status().message();
  if (!e.ok()) return nullptr;
  return std::move(e).value();
}

std::string ErrorOf(std::string_view q) {
  auto e = ParseExpr(q);
  if (e.ok()) return "parsed: " + Format(**e);
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  return e.status().message();
}

template <typename T>
const T& As(const Expr& e) {
  return static_cast<const T&>(e);
}

TEST(ParserTest, Selector) {
  auto e = MustParse(R"({a="b", c!="d", e=~"f.*", g!~`h`})");
  ASSERT_EQ(e->kind, ExprKind::kLogSelector);
  const auto& sel = As<LogSelectorExpr>(*e);
  ASSERT_EQ(sel.matchers.size(), 4u);
  EXPECT_EQ(sel.matchers[0].type(), index::Matcher::Type::kEqual);
  EXPECT_EQ(sel.matchers[1].type(), index::Matcher::Type::kNotEqual);
  EXPECT_EQ(sel.matchers[2].type(), index::Matcher::Type::kRegex);
  EXPECT_EQ(sel.matchers[3].type(), index::Matcher::Type::kNotRegex);
  EXPECT_EQ(sel.matchers[3].value(), "h");
  EXPECT_TRUE(sel.stages.empty());
}

TEST(ParserTest, LineFilters) {
  auto e =
      MustParse(R"({a="b"} |= "x" or "y" != ip("10.0.0.0/8") |~ "re" !~ "nre" |> "<_>" !> "p")");
  const auto& st = As<LogSelectorExpr>(*e).stages;
  ASSERT_EQ(st.size(), 6u);
  const auto& f0 = std::get<LineFilterStage>(st[0]);
  EXPECT_EQ(f0.op, LineFilterOp::kContains);
  ASSERT_EQ(f0.terms.size(), 2u);
  EXPECT_EQ(f0.terms[1].value, "y");
  const auto& f1 = std::get<LineFilterStage>(st[1]);
  EXPECT_EQ(f1.op, LineFilterOp::kNotContains);
  EXPECT_TRUE(f1.terms[0].is_ip);
  EXPECT_EQ(std::get<LineFilterStage>(st[2]).op, LineFilterOp::kRegex);
  EXPECT_EQ(std::get<LineFilterStage>(st[3]).op, LineFilterOp::kNotRegex);
  EXPECT_EQ(std::get<LineFilterStage>(st[4]).op, LineFilterOp::kPattern);
  EXPECT_EQ(std::get<LineFilterStage>(st[5]).op, LineFilterOp::kNotPattern);
}

TEST(ParserTest, Parsers) {
  auto e = MustParse(
      R"q({a="b"} | json x="a.b", y | logfmt --strict --keep-empty z | regexp "(?P<n>\\d+)" | pattern "<ip> <_>" | unpack | decolorize)q");
  const auto& st = As<LogSelectorExpr>(*e).stages;
  ASSERT_EQ(st.size(), 6u);
  const auto& js = std::get<JsonStage>(st[0]);
  ASSERT_EQ(js.params.size(), 2u);
  EXPECT_EQ(js.params[0].label, "x");
  EXPECT_EQ(js.params[0].expr, "a.b");
  EXPECT_EQ(js.params[1].expr, "y");
  const auto& lf = std::get<LogfmtStage>(st[1]);
  EXPECT_TRUE(lf.strict);
  EXPECT_TRUE(lf.keep_empty);
  ASSERT_EQ(lf.params.size(), 1u);
  EXPECT_EQ(std::get<RegexpStage>(st[2]).regex, "(?P<n>\\d+)");
  EXPECT_EQ(std::get<PatternStage>(st[3]).pattern, "<ip> <_>");
  EXPECT_TRUE(std::holds_alternative<UnpackStage>(st[4]));
  EXPECT_TRUE(std::holds_alternative<DecolorizeStage>(st[5]));
}

TEST(ParserTest, LabelFilterLeaves) {
  auto e = MustParse(
      R"({a="b"} | s="x" | n >= 1.5 | m == -2 | d > 1h30m | d2 <= 500us | b < 20MB | i = ip("1.2.3.4") | i != ip("::1"))");
  const auto& st = As<LogSelectorExpr>(*e).stages;
  ASSERT_EQ(st.size(), 8u);
  auto f = [&](size_t i) -> const LabelFilterExpr& {
    return *std::get<LabelFilterStage>(st[i]).expr;
  };
  using K = LabelFilterExpr::Kind;
  EXPECT_EQ(f(0).kind, K::kString);
  EXPECT_EQ(f(0).matcher->value(), "x");
  EXPECT_EQ(f(1).kind, K::kNumber);
  EXPECT_EQ(f(1).op, CmpOp::kGe);
  EXPECT_EQ(f(1).number, 1.5);
  EXPECT_EQ(f(2).number, -2);
  EXPECT_EQ(f(2).op, CmpOp::kEq);
  EXPECT_EQ(f(3).kind, K::kDuration);
  EXPECT_EQ(f(3).number, 5400);
  EXPECT_EQ(f(4).number, 0.0005);
  EXPECT_EQ(f(5).kind, K::kBytes);
  EXPECT_EQ(f(5).number, 20e6);
  EXPECT_EQ(f(6).kind, K::kIp);
  EXPECT_EQ(f(6).literal, "1.2.3.4");
  EXPECT_EQ(f(7).op, CmpOp::kNe);
}

std::string FilterText(std::string_view q) {
  auto e = ParseExpr(q);
  if (!e.ok()) return e.status().message();
  return FormatStage(As<LogSelectorExpr>(**e).stages.back());
}

TEST(ParserTest, LabelFilterPrecedence) {
  // `and` binds tighter than `or`.
  EXPECT_EQ(FilterText(R"({a="b"} | x=1 and y=2 or z=3)"), "| ( ( x==1 , y==2 ) or z==3 )");
  EXPECT_EQ(FilterText(R"({a="b"} | x=1 or y=2 and z=3)"), "| ( x==1 or ( y==2 , z==3 ) )");
  // Juxtaposition and `,` take everything to their right, as yacc shifts.
  EXPECT_EQ(FilterText(R"({a="b"} | x=1 y=2 or z=3)"), "| ( x==1 , ( y==2 or z==3 ) )");
  EXPECT_EQ(FilterText(R"({a="b"} | x=1, y=2 or z=3)"), "| ( x==1 , ( y==2 or z==3 ) )");
  EXPECT_EQ(FilterText(R"({a="b"} | x=1 or y=2 z=3)"), "| ( x==1 or ( y==2 , z==3 ) )");
  EXPECT_EQ(FilterText(R"({a="b"} | (x=1 or y=2) and z=3)"), "| ( ( x==1 or y==2 ) , z==3 )");
}

TEST(ParserTest, Formats) {
  auto e = MustParse(
      R"({a="b"} | line_format "{{.x}}" | label_format a=b, c=`{{.d}}` | drop a, b="c" | keep x=~"y.*", z)");
  const auto& st = As<LogSelectorExpr>(*e).stages;
  EXPECT_EQ(std::get<LineFormatStage>(st[0]).tmpl, "{{.x}}");
  const auto& lf = std::get<LabelFormatStage>(st[1]);
  ASSERT_EQ(lf.items.size(), 2u);
  EXPECT_FALSE(lf.items[0].is_template);
  EXPECT_EQ(lf.items[0].value, "b");
  EXPECT_TRUE(lf.items[1].is_template);
  const auto& drop = std::get<DropStage>(st[2]);
  ASSERT_EQ(drop.items.size(), 2u);
  EXPECT_FALSE(drop.items[0].matcher);
  EXPECT_EQ(drop.items[1].matcher->value(), "c");
  const auto& keep = std::get<KeepStage>(st[3]);
  EXPECT_EQ(keep.items[0].matcher->type(), index::Matcher::Type::kRegex);
}

TEST(ParserTest, RangeAggregations) {
  auto e = MustParse(
      R"(quantile_over_time(0.9, {a="b"} | json | unwrap duration(d) | __error__="" [5m] offset 1h) by (x))");
  ASSERT_EQ(e->kind, ExprKind::kRangeAgg);
  const auto& r = As<RangeAggExpr>(*e);
  EXPECT_EQ(r.op, RangeOp::kQuantileOverTime);
  EXPECT_EQ(*r.param, 0.9);
  EXPECT_EQ(r.range.range_ns, 300LL * 1000000000);
  EXPECT_EQ(r.range.offset_ns, 3600LL * 1000000000);
  ASSERT_TRUE(r.range.unwrap);
  EXPECT_EQ(r.range.unwrap->label, "d");
  EXPECT_EQ(r.range.unwrap->conv, Unwrap::Conv::kDuration);
  EXPECT_EQ(r.range.unwrap->post_filters.size(), 1u);
  EXPECT_EQ(r.range.selector->stages.size(), 1u);
  EXPECT_EQ(r.grouping->labels, std::vector<std::string>{"x"});

  // The range may come right after the selector.
  auto e2 = MustParse(R"(count_over_time({a="b"}[1h30m] offset 5m | json | x > 1))");
  const auto& r2 = As<RangeAggExpr>(*e2);
  EXPECT_EQ(r2.range.range_ns, 5400LL * 1000000000);
  EXPECT_EQ(r2.range.offset_ns, 300LL * 1000000000);
  EXPECT_EQ(r2.range.selector->stages.size(), 2u);
  EXPECT_EQ(Format(*e2), R"(count_over_time({a="b"} | json | x>1[1h30m] offset 5m))");

  for (std::string_view q :
       {R"(rate({a="b"}[5m]))", R"(rate_counter({a="b"} | unwrap x [5m]))",
        R"(bytes_rate({a="b"}[5m]))", R"(bytes_over_time({a="b"}[5m]))",
        R"(absent_over_time({a="b"}[5m]))", R"(sum_over_time({a="b"} | unwrap x [5m]))",
        R"(avg_over_time({a="b"} | unwrap x [5m]))", R"(min_over_time({a="b"} | unwrap x [5m]))",
        R"(max_over_time({a="b"} | unwrap bytes(x) [5m]))",
        R"(stddev_over_time({a="b"} | unwrap x [5m]))",
        R"(stdvar_over_time({a="b"} | unwrap x [5m]))",
        R"(first_over_time({a="b"} | unwrap duration_seconds(x) [5m]))",
        R"(last_over_time({a="b"} | unwrap x [5m]))", R"(count_over_time(({a="b"} | json)[5m]))"}) {
    MustParse(q);
  }
}

TEST(ParserTest, VectorAggregations) {
  auto e = MustParse(R"(topk(3, sum by (a, b) (rate({a="b"}[5m]))) without (c))");
  const auto& v = As<VectorAggExpr>(*e);
  EXPECT_EQ(v.op, VectorOp::kTopK);
  EXPECT_EQ(*v.param, 3);
  EXPECT_TRUE(v.grouping->without);
  const auto& inner = As<VectorAggExpr>(*v.inner);
  EXPECT_EQ(inner.grouping->labels, (std::vector<std::string>{"a", "b"}));
  for (std::string_view op :
       {"sum", "avg", "min", "max", "count", "stddev", "stdvar", "sort", "sort_desc"}) {
    std::string q = std::string(op) + R"((rate({a="b"}[5m])))";
    auto p = MustParse(q);
    EXPECT_EQ(VectorOpName(As<VectorAggExpr>(*p).op), op);
  }
  MustParse(R"(bottomk(1, rate({a="b"}[5m])))");
}

std::string Canon(std::string_view q) {
  auto e = ParseExpr(q);
  return e.ok() ? Format(**e) : e.status().message();
}

TEST(ParserTest, BinaryPrecedence) {
  EXPECT_EQ(Canon("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(Canon("1 * 2 + 3"), "((1 * 2) + 3)");
  EXPECT_EQ(Canon("1 - 2 - 3"), "((1 - 2) - 3)");
  EXPECT_EQ(Canon("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");
  EXPECT_EQ(Canon("2 * 3 ^ 2"), "(2 * (3 ^ 2))");
  EXPECT_EQ(Canon("1 + 2 > 3"), "((1 + 2) > 3)");
  EXPECT_EQ(Canon("1 > 2 and 3"), "((1 > 2) and 3)");
  EXPECT_EQ(Canon("1 or 2 and 3 unless 4"), "(1 or ((2 and 3) unless 4))");
  EXPECT_EQ(Canon("(1 + 2) * 3"), "((1 + 2) * 3)");
  EXPECT_EQ(Canon("1 % 2 / 3"), "((1 % 2) / 3)");
  EXPECT_EQ(Canon("-2.5"), "-2.5");
  EXPECT_EQ(Canon("1 - -2"), "(1 - -2)");
  EXPECT_EQ(Canon("1.5e3"), "1500");
}

TEST(ParserTest, BinaryModifiers) {
  auto e = MustParse(
      R"(sum by (a) (rate({a="b"}[5m])) > bool on (a) group_left (c) sum by (a) (rate({a="b"}[5m])))");
  const auto& b = As<BinaryExpr>(*e);
  EXPECT_EQ(b.op, BinaryOp::kGt);
  EXPECT_TRUE(b.return_bool);
  ASSERT_TRUE(b.matching);
  EXPECT_TRUE(b.matching->on);
  EXPECT_EQ(b.matching->labels, std::vector<std::string>{"a"});
  EXPECT_EQ(b.matching->card, VectorMatching::Card::kManyToOne);
  EXPECT_EQ(b.matching->include, std::vector<std::string>{"c"});
  auto e2 = MustParse(R"(vector(1) / ignoring (x) group_right vector(2))");
  const auto& b2 = As<BinaryExpr>(*e2);
  EXPECT_FALSE(b2.matching->on);
  EXPECT_EQ(b2.matching->card, VectorMatching::Card::kOneToMany);
  EXPECT_EQ(ErrorOf("1 + bool 2"),
            "parse error : bool modifier can only be used on comparison operators");
}

TEST(ParserTest, FunctionsAndLiterals) {
  auto e = MustParse(R"q(label_replace(rate({a="b"}[5m]), "dst", "$1", "src", "(.*)"))q");
  const auto& l = As<LabelReplaceExpr>(*e);
  EXPECT_EQ(l.dst, "dst");
  EXPECT_EQ(l.replacement, "$1");
  EXPECT_EQ(l.src, "src");
  EXPECT_EQ(l.regex, "(.*)");
  EXPECT_EQ(As<VectorExpr>(*MustParse("vector(1.5e3)")).value, 1500);
  EXPECT_EQ(As<LiteralExpr>(*MustParse("-2.5")).value, -2.5);
  EXPECT_EQ(As<LiteralExpr>(*MustParse("+3")).value, 3);
}

TEST(ParserTest, ParenthesisedLogQuery) {
  auto e = MustParse(R"(({a="b"} |= "x"))");
  EXPECT_TRUE(e->IsLogQuery());
}

TEST(ParserTest, SyntaxErrors) {
  EXPECT_EQ(ErrorOf(R"({app="order")"),
            "parse error at line 1, col 13: syntax error: unexpected $end, expecting } or ,");
  EXPECT_EQ(ErrorOf(R"({app="order"} |= )"),
            "parse error at line 1, col 18: syntax error: unexpected $end, expecting STRING or ip");
  EXPECT_EQ(ErrorOf(R"({app="order"} | json |)"),
            "parse error at line 1, col 23: syntax error: unexpected $end");
  EXPECT_EQ(
      ErrorOf(R"({app=="order"})"),
      "parse error at line 0, col 5: syntax error: unexpected ==, expecting = or =~ or !~ or !=");
  EXPECT_EQ(ErrorOf(R"({app=order})"),
            "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER, expecting STRING");
  EXPECT_EQ(ErrorOf(R"(sum(rate({app="order"})))"),
            "parse error at line 1, col 23: syntax error: unexpected )");
  EXPECT_EQ(ErrorOf(R"(rate({app="order"}[5x]))"),
            R"(parse error at line 0, col 19: unknown unit "x" in duration "5x")");
  EXPECT_EQ(ErrorOf(R"(foo_over_time({app="order"}[5m]))"),
            "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER");
  EXPECT_EQ(ErrorOf(R"(topk("a", rate({app="order"}[5m])))"),
            "parse error at line 1, col 6: syntax error: unexpected STRING");
  EXPECT_EQ(ErrorOf(R"(sum({app="order"}))"),
            "parse error at line 1, col 18: syntax error: unexpected )");
  EXPECT_EQ(ErrorOf(R"({app="order"} | label_format 1x=y)"),
            "parse error at line 1, col 30: syntax error: unexpected NUMBER, expecting IDENTIFIER");
  EXPECT_EQ(ErrorOf(R"({app="order"} | xml)"),
            "parse error at line 1, col 20: syntax error: unexpected $end");
  EXPECT_EQ(ErrorOf(""), "parse error : syntax error: unexpected $end");
  EXPECT_EQ(ErrorOf(R"({app="order"} offset 5m)"),
            "parse error at line 1, col 15: syntax error: unexpected offset");
  EXPECT_EQ(ErrorOf(R"({app="order"} | drop)"),
            "parse error at line 1, col 21: syntax error: unexpected $end, expecting IDENTIFIER");
  EXPECT_EQ(ErrorOf(R"({app="order"} | logfmt | status > "abc")"),
            "parse error at line 1, col 35: syntax error: unexpected STRING");
  EXPECT_EQ(ErrorOf(R"(-sum(count_over_time({app="cron"}[1h])))"),
            "parse error at line 1, col 2: syntax error: unexpected SUM, expecting NUMBER");
  // Positions on later lines; line 0 for tokens Loki's lexer completes with Next().
  EXPECT_EQ(ErrorOf("{a=\"b\"}\n  | json\n  |"),
            "parse error at line 3, col 4: syntax error: unexpected $end");
  EXPECT_EQ(ErrorOf(R"({a="b"} |= |= "x")"),
            "parse error at line 0, col 12: syntax error: unexpected |=, expecting STRING or ip");
  EXPECT_EQ(ErrorOf(R"({a="b"} |= "x)"), "parse error at line 1, col 12: literal not terminated");
  EXPECT_EQ(ErrorOf(R"({})"), ErrorOf(R"({a=""})"));
  EXPECT_EQ(
      ErrorOf(R"({a)"),
      "parse error at line 1, col 3: syntax error: unexpected $end, expecting = or =~ or !~ or !=");
  EXPECT_EQ(ErrorOf(R"(sum by (a rate)"),
            "parse error at line 1, col 11: syntax error: unexpected IDENTIFIER, expecting , or )");
  EXPECT_EQ(ErrorOf(R"({a="b"} | unwrap x)"),
            "parse error at line 1, col 11: syntax error: unexpected unwrap");
}

TEST(ParserTest, SemanticErrors) {
  const std::string empty =
      "parse error : queries require at least one regexp or equality matcher that does not have "
      "an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
      "app=~\".+\" will";
  EXPECT_EQ(ErrorOf(R"({app=""})"), empty);
  EXPECT_EQ(ErrorOf(R"({app=~".*"})"), empty);
  EXPECT_EQ(ErrorOf(R"({app!="x"})"), empty);
  EXPECT_EQ(ErrorOf(R"({})"), empty);
  EXPECT_EQ(ErrorOf(R"(sum(rate({a!="x"}[5m])))"), empty);
  EXPECT_EQ(ErrorOf(R"({app=~"("})"), "parse error : error parsing regexp: missing closing ): `(`");
  EXPECT_EQ(ErrorOf(R"({app="order"} |~ "(unclosed")"),
            "parse error : stage '|~ \"(unclosed\"' : error parsing regexp: missing closing ): "
            "`(unclosed`");
  EXPECT_EQ(ErrorOf(R"({app="order"} | regexp "(?P<x")"),
            "parse error : invalid regexp parser: error parsing regexp: invalid named capture: "
            "`(?P<x`");
  EXPECT_EQ(ErrorOf(R"q({app="order"} | regexp "([a-z]+)")q"),
            "parse error : invalid regexp parser: at least one named capture must be supplied");
  EXPECT_EQ(ErrorOf(R"({app="order"} | pattern "<_> foo")"),
            "parse error : invalid pattern parser: at least one capture is required");
  EXPECT_EQ(ErrorOf(R"(topk(rate({app="order"}[5m])))"),
            "parse error : parameter required for operation topk");
  EXPECT_EQ(ErrorOf(R"(topk(1.5, rate({app="order"}[5m])))"),
            "parse error : invalid parameter topk(1.5,");
  EXPECT_EQ(ErrorOf(R"(sum(2, rate({app="order"}[5m])))"),
            "parse error : unsupported parameter for operation sum(2,");
  EXPECT_EQ(ErrorOf(R"(quantile_over_time({app="order"} | logfmt | unwrap latency_ms [5m]))"),
            "parse error : parameter required for operation quantile_over_time");
  EXPECT_EQ(ErrorOf(R"(sum_over_time({app="order"}[5m]))"),
            "parse error : invalid aggregation sum_over_time without unwrap");
  EXPECT_EQ(ErrorOf(R"(count_over_time({app="order"} | logfmt | unwrap latency_ms [5m]))"),
            "parse error : invalid aggregation count_over_time with unwrap");
  EXPECT_EQ(ErrorOf(R"(count_over_time({app="order"}[5m]) by (pod))"),
            "parse error : grouping not allowed for count_over_time aggregation");
  EXPECT_EQ(ErrorOf(R"(rate_counter({a="b"} | unwrap x [5m]) by (pod))"),
            "parse error : grouping not allowed for rate_counter aggregation");
  EXPECT_EQ(
      ErrorOf(R"(label_replace(vector(1), "dst", "$1", "src", "("))"),
      "parse error : invalid regex in label_replace: error parsing regexp: missing closing ): "
      "`^(?:()$`");
  EXPECT_EQ(ErrorOf(R"q(label_replace(vector(1), "1x", "$1", "src", "(.*)"))q"),
            "parse error : invalid destination label name in label_replace: 1x");
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string q(100000, '(');
  EXPECT_EQ(ErrorOf(q), "parse error : query is nested too deeply");
  std::string f = "{a=\"b\"} | " + std::string(100000, '(');
  EXPECT_EQ(ErrorOf(f), "parse error : query is nested too deeply");
  std::string chain = "{a=\"b\"} |";
  for (int i = 0; i < 10000; i++) chain += " x=\"1\"";
  EXPECT_EQ(ErrorOf(chain), "parse error : query is nested too deeply");
  std::string sum = "1";
  for (int i = 0; i < 10000; i++) sum += " + 1";
  EXPECT_EQ(ErrorOf(sum), "parse error : query is nested too deeply");
  std::string ors = "{a=\"b\"} | x=\"1\"";
  for (int i = 0; i < 10000; i++) ors += " or x=\"1\"";
  EXPECT_EQ(ErrorOf(ors), "parse error : query is nested too deeply");
  std::string ok = std::string(50, '(') + "1" + std::string(50, ')');
  EXPECT_EQ(Canon(ok), "1");
}

// A chain grows the tree without recursing, and a parenthesized chain can
// start another: the tree's height is bounded, not only the recursion.
TEST(ParserTest, ChainsInsideParenthesesCountTowardsTheDepth) {
  std::string sum = "1";
  for (int level = 0; level < 100; level++) {
    std::string q = "(" + sum;
    for (int i = 0; i < 100; i++) q += " + 1";
    sum = q + ")";
  }
  EXPECT_EQ(ErrorOf(sum), "parse error : query is nested too deeply");
  std::string filter = "x=\"1\"";
  for (int level = 0; level < 100; level++) {
    std::string q = "(" + filter;
    for (int i = 0; i < 100; i++) q += " and x=\"1\"";
    filter = q + ")";
  }
  EXPECT_EQ(ErrorOf("{a=\"b\"} | " + filter), "parse error : query is nested too deeply");
  std::string aggs = "vector(1)";
  for (int level = 0; level < 100; level++) {
    std::string q = "sum(" + aggs;
    for (int i = 0; i < 100; i++) q += " + 1";
    aggs = q + ")";
  }
  EXPECT_EQ(ErrorOf(aggs), "parse error : query is nested too deeply");
  std::string replaces = "vector(1)";
  for (int level = 0; level < 100; level++) {
    std::string q = "label_replace(" + replaces;
    for (int i = 0; i < 100; i++) q += " * 1";
    replaces = q + ", \"a\", \"b\", \"c\", \"d\")";
  }
  EXPECT_EQ(ErrorOf(replaces), "parse error : query is nested too deeply");
  // Vector matching and bool modifiers add no height of their own.
  std::string matched = "vector(1)";
  for (int i = 0; i < 10000; i++) matched += " > bool on (a) group_left (b) vector(1)";
  EXPECT_EQ(ErrorOf(matched), "parse error : query is nested too deeply");
}

// The tallest trees the parser accepts print, reparse and are destroyed.
TEST(ParserTest, TallestAcceptedTreesWalk) {
  std::string sum = "1";
  for (int i = 0; i < 255; i++) sum += " + 1";  // 255 nodes: height 256
  ASSERT_NE(ErrorOf(sum).substr(0, 7), "parse e");
  EXPECT_EQ(ErrorOf(sum + " + 1"), "parse error : query is nested too deeply");
  std::string filter = "{a=\"b\"} | x=\"1\"";
  for (int i = 0; i < 250; i++) filter += " or x=\"1\"";
  ExprPtr e = MustParse(filter);
  ASSERT_NE(e, nullptr);
  auto again = ParseExpr(Format(*e));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(Format(**again), Format(*e));
  for (int i = 0; i < 10; i++) filter += " or x=\"1\"";
  EXPECT_EQ(ErrorOf(filter), "parse error : query is nested too deeply");
  ExprPtr tall = MustParse(sum);
  ASSERT_NE(tall, nullptr);
  EXPECT_FALSE(Format(*tall).empty());
}

TEST(ParserTest, ParseMatchers) {
  auto m = ParseMatchers(R"({a="b", c=~"d.*"})");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[1].name(), "c");
  EXPECT_EQ(ParseMatchers(R"({a="b"} |= "x")").status().message(),
            "only label matchers are supported");
  EXPECT_EQ(ParseMatchers(R"(rate({a="b"}[5m]))").status().message(),
            "only label matchers are supported");
  EXPECT_FALSE(ParseMatchers(R"({a=""})").ok());
  EXPECT_FALSE(ParseMatchers(R"({a="b")").ok());
}

}  // namespace
}  // namespace logstack::logstore::logql
