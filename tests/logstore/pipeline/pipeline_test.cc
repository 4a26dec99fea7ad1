// Pipeline behaviours the conformance corpus does not pin down on its own.

#include <gtest/gtest.h>

#include "logstore/model/labels.h"
#include "logstore/pipeline/stage.h"
#include "tests/logstore/pipeline/test_query.h"

namespace logstack::logstore::pipeline {
namespace {

// Runs `query`'s pipeline over one line of stream {app="a", level="info"};
// returns "labels line", or "dropped".
std::string RunOne(std::string_view query, std::string_view line) {
  testing::TestQuery q = testing::MustParse(query);
  auto p = CompilePipeline(q.stages);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return "";
  Labels stream = {{"app", "a"}, {"level", "info"}};
  LabelsBuilder lbs(&stream);
  lbs.Reset();
  if (!(*p)->Process(1, &line, &lbs)) return "dropped";
  return LabelsString(lbs.Result()) + " " + std::string(line);
}

TEST(Pipeline, LineFilterChains) {
  EXPECT_EQ(RunOne("{app=\"a\"} |= \"x\" or \"y\"", "has y"), "{app=\"a\", level=\"info\"} has y");
  EXPECT_EQ(RunOne("{app=\"a\"} != \"x\" or \"y\"", "has y"), "dropped");
  EXPECT_EQ(RunOne("{app=\"a\"} != \"x\" or \"y\"", "has z"), "{app=\"a\", level=\"info\"} has z");
  EXPECT_EQ(RunOne("{app=\"a\"} |= \"\"", "anything"), "{app=\"a\", level=\"info\"} anything");
  EXPECT_EQ(RunOne("{app=\"a\"} |~ \"(?i)ERROR\"", "an Error here"),
            "{app=\"a\", level=\"info\"} an Error here");
  EXPECT_EQ(RunOne("{app=\"a\"} |~ \"^an [A-Z]rror\"", "an Error here"),
            "{app=\"a\", level=\"info\"} an Error here");
  EXPECT_EQ(RunOne("{app=\"a\"} !~ \"GET|POST\"", "POST /x"), "dropped");
  EXPECT_EQ(RunOne("{app=\"a\"} |> \"<_> /x\"", "POST /x"), "{app=\"a\", level=\"info\"} POST /x");
}

TEST(Pipeline, ParsersFirstValueWinsAndStreamClashGetsSuffix) {
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt | regexp \"(?P<k>\\\\w+)$\"", "k=v level=warn tail"),
            "{app=\"a\", k=\"v\", level=\"info\", level_extracted=\"warn\"} k=v level=warn tail");
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt", "k=1 k=2"),
            "{app=\"a\", k=\"1\", level=\"info\"} k=1 k=2");
}

TEST(Pipeline, JsonFlattening) {
  EXPECT_EQ(RunOne("{app=\"a\"} | json",
                   "{\"a\":{\"b.c\":1,\"d\":[1,2],\"e\":null,\"f\":true},\"1x\":\"\\u00e9\"}"),
            "{_1x=\"\xc3\xa9\", a_b_c=\"1\", a_f=\"true\", app=\"a\", level=\"info\"} "
            "{\"a\":{\"b.c\":1,\"d\":[1,2],\"e\":null,\"f\":true},\"1x\":\"\\u00e9\"}");
  EXPECT_EQ(RunOne("{app=\"a\"} | json", "not json"),
            "{__error__=\"JSONParserErr\", __error_details__=\"Value looks like object, but can't "
            "find closing '}' symbol\", app=\"a\", level=\"info\"} not json");
  EXPECT_EQ(RunOne("{app=\"a\"} | json x=\"a.d[1]\", y=\"a\", z=\"missing\"",
                   "{\"a\":{\"d\":[1,\"two\"]}}"),
            "{app=\"a\", level=\"info\", x=\"two\", y=\"{\\\"d\\\":[1,\\\"two\\\"]}\", z=\"\"} "
            "{\"a\":{\"d\":[1,\"two\"]}}");
}

TEST(Pipeline, LabelFilterErrorsAndKeep) {
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt | n > 1", "n=abc"),
            "{__error__=\"LabelFilterErr\", __error_details__=\"strconv.ParseFloat: parsing "
            "\\\"abc\\\": invalid syntax\", app=\"a\", level=\"info\", n=\"abc\"} n=abc");
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt | missing > 1", "n=2"), "dropped");
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt | n > 1 | __error__=\"\"", "n=abc"), "dropped");
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt | d > 1s or b >= 1KiB", "d=2ms b=1024B"),
            "{app=\"a\", b=\"1024B\", d=\"2ms\", level=\"info\"} d=2ms b=1024B");
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt | n > 1 | keep app", "n=abc"),
            "{__error__=\"LabelFilterErr\", __error_details__=\"strconv.ParseFloat: parsing "
            "\\\"abc\\\": invalid syntax\", app=\"a\"} n=abc");
  EXPECT_EQ(RunOne("{app=\"a\"} | logfmt | drop level, n=\"2\"", "n=2 m=3"),
            "{app=\"a\", m=\"3\"} n=2 m=3");
}

TEST(Pipeline, UnpackAndDecolorize) {
  EXPECT_EQ(RunOne("{app=\"a\"} | unpack", "{\"_entry\":\"inner\",\"app\":\"x\",\"n\":1}"),
            "{app=\"a\", app_extracted=\"x\", level=\"info\"} inner");
  EXPECT_EQ(RunOne("{app=\"a\"} | decolorize", "\x1b[31mERROR\x1b[0m done"),
            "{app=\"a\", level=\"info\"} ERROR done");
}

TEST(Pipeline, CompileErrors) {
  auto err = [](std::string_view q) {
    auto p = CompilePipeline(testing::MustParse(q).stages);
    return p.ok() ? std::string("ok") : p.status().message();
  };
  EXPECT_EQ(err("{app=\"a\"} |~ \"a**\""),
            "stage '|~ \"a**\"' : error parsing regexp: invalid nested repetition operator: `**`");
  EXPECT_EQ(err("{app=\"a\"} | regexp \"([a-z]+)\""),
            "invalid regexp parser: at least one named capture must be supplied");
  EXPECT_EQ(err("{app=\"a\"} | pattern \"<_> foo\""),
            "invalid pattern parser: at least one capture is required");
}

TEST(Pipeline, RequiredLiteralsAndClone) {
  auto q = testing::MustParse(
      "{app=\"a\"} |= \"abc\" |~ \"def\" |~ \"(?i)x\" != \"no\" |= \"p\" or \"q\" | json |= "
      "\"late\" | line_format \"x\" |= \"after\"");
  EXPECT_EQ(RequiredLiterals(q.stages), (std::vector<std::string>{"abc", "def", "late"}));

  auto p = CompilePipeline(testing::MustParse("{app=\"a\"} | logfmt | n > 1").stages);
  ASSERT_TRUE(p.ok());
  PipelinePtr c = (*p)->Clone();
  Labels stream = {{"app", "a"}};
  LabelsBuilder lbs(&stream);
  lbs.Reset();
  std::string_view line = "n=2";
  EXPECT_TRUE(c->Process(0, &line, &lbs));
  EXPECT_EQ(lbs.Get("n"), "2");

  std::vector<logql::LabelFilterStage> post;
  post.push_back(std::move(std::get<logql::LabelFilterStage>(
      testing::MustParse("{app=\"a\"} | __error__=\"\"").stages[0])));
  auto lf = CompileLabelFilters(post);
  ASSERT_TRUE(lf.ok());
  lbs.SetError("SampleExtractionErr");
  EXPECT_FALSE((*lf)->Process(0, &line, &lbs));
}

}  // namespace
}  // namespace logstack::logstore::pipeline
