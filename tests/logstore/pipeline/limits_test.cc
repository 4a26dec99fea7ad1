// Untrusted lines and templates in the pipeline: deep JSON, template output
// past the line size, and `now` from the query's clock.

#include <gtest/gtest.h>

#include <string>

#include "logstore/model/labels.h"
#include "logstore/pipeline/stage.h"
#include "tests/mocks/fake_clock.h"

namespace logstack::logstore::pipeline {
namespace {

std::string Repeated(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out.append(s);
  return out;
}

// Runs `stages` over one line of stream {app="a"}: "labels line".
std::string RunStages(std::vector<logql::Stage> stages, std::string_view line,
                      const CompileOptions& opts = {}) {
  auto p = CompilePipeline(stages, opts);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return "";
  Labels stream = {{"app", "a"}};
  LabelsBuilder lbs(&stream);
  lbs.Reset();
  if (!(*p)->Process(1, &line, &lbs)) return "dropped";
  return LabelsString(lbs.Result()) + " " + std::string(line);
}

std::vector<logql::Stage> Json() {
  std::vector<logql::Stage> s;
  s.emplace_back(logql::JsonStage{});
  return s;
}

std::vector<logql::Stage> LineFormat(std::string tmpl) {
  std::vector<logql::Stage> s;
  s.emplace_back(logql::LineFormatStage{std::move(tmpl)});
  return s;
}

std::vector<logql::Stage> LabelFormat(std::string dst, std::string tmpl) {
  logql::LabelFormatStage st;
  st.items.push_back({std::move(dst), std::move(tmpl), true});
  std::vector<logql::Stage> s;
  s.emplace_back(std::move(st));
  return s;
}

TEST(PipelineLimitsTest, DeeplyNestedJsonObjectsAreAnErrorNotACrash) {
  constexpr int kDeep = 100000;
  std::string line = Repeated("{\"a\":", kDeep) + "1" + Repeated("}", kDeep);
  EXPECT_EQ(RunStages(Json(), line),
            "{__error__=\"JSONParserErr\", __error_details__=\"Value is nested deeper than 128 "
            "objects\", app=\"a\"} " +
                line);
  // Unclosed: the same (the scanner finds no end before the depth matters).
  std::string open = Repeated("{\"a\":", kDeep);
  EXPECT_NE(RunStages(Json(), open).find("JSONParserErr"), std::string::npos);
  // 128 nested objects below the line's own are fine.
  std::string ok = Repeated("{\"a\":", 129) + "1" + Repeated("}", 129);
  EXPECT_EQ(RunStages(Json(), ok), "{" + Repeated("a_", 128) + "a=\"1\", app=\"a\"} " + ok);
  std::string over = Repeated("{\"a\":", 130) + "1" + Repeated("}", 130);
  EXPECT_NE(RunStages(Json(), over).find("nested deeper than 128"), std::string::npos);
}

TEST(PipelineLimitsTest, DeeplyNestedJsonArraysAreSkippedWithoutRecursion) {
  constexpr int kDeep = 100000;
  std::string line = "{\"x\":" + Repeated("[", kDeep) + Repeated("]", kDeep) + ",\"b\":2}";
  EXPECT_EQ(RunStages(Json(), line), "{app=\"a\", b=\"2\"} " + line);
  std::string top = Repeated("[", kDeep) + Repeated("]", kDeep);
  EXPECT_NE(RunStages(Json(), top).find("JSONParserErr"), std::string::npos);
  // A JSON path into deep arrays walks one level a step.
  logql::JsonStage path;
  path.params.push_back({"v", "x[0][0]"});
  std::vector<logql::Stage> stages;
  stages.emplace_back(std::move(path));
  EXPECT_EQ(RunStages(std::move(stages), line).substr(0, 30), "{app=\"a\", v=\"[[[[[[[[[[[[[[[[[");
}

TEST(PipelineLimitsTest, DeepTemplatesFailToCompile) {
  auto p = CompilePipeline(LineFormat(Repeated("{{if 1}}", 20000) + Repeated("{{end}}", 20000)));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find(
                "invalid line template: template: line:1: exceeded maximum template depth (100)"),
            std::string::npos)
      << p.status().message();
  auto l = CompilePipeline(LabelFormat("x", "{{" + Repeated("(", 20000) + "}}"));
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find(
                "invalid label template: template: label:1: exceeded maximum template depth"),
            std::string::npos)
      << l.status().message();
}

TEST(PipelineLimitsTest, TemplateOutputIsBoundedByTheLineSize) {
  CompileOptions opts;
  opts.max_line_size = 16;
  // line_format: Loki's execution error labels; the line stays as it was.
  EXPECT_EQ(RunStages(LineFormat("{{ printf \"%999999999d\" 1 }}"), "orig", opts),
            "{__error__=\"TemplateFormatErr\", __error_details__=\"template: line:1:3: executing "
            "\\\"line\\\" at <printf>: error calling printf: result longer than the maximum line "
            "size (16 bytes)\", app=\"a\"} orig");
  EXPECT_EQ(RunStages(LineFormat("{{ __line__ }}{{ __line__ }}"), "0123456789", opts),
            "{__error__=\"TemplateFormatErr\", __error_details__=\"template: line: output longer "
            "than the maximum line size (16 bytes)\", app=\"a\"} 0123456789");
  EXPECT_EQ(RunStages(LineFormat("{{ __line__ }}{{ __line__ }}"), "01234567", opts),
            "{app=\"a\"} 0123456701234567");
  // label_format: the same error, the label not set.
  EXPECT_EQ(RunStages(LabelFormat("x", "{{ repeat 17 \"a\" }}"), "l", opts),
            "{__error__=\"TemplateFormatErr\", __error_details__=\"template: label:1:3: executing "
            "\\\"label\\\" at <repeat>: error calling repeat: result longer than the maximum line "
            "size (16 bytes)\", app=\"a\"} l");
  EXPECT_EQ(RunStages(LabelFormat("x", "{{ repeat 16 \"a\" }}"), "l", opts),
            "{app=\"a\", x=\"aaaaaaaaaaaaaaaa\"} l");
  // No line size limit (0) still bounds a template, at 64 MiB.
  opts.max_line_size = 0;
  EXPECT_NE(RunStages(LineFormat("{{ repeat 67108865 \"a\" }}"), "l", opts)
                .find("maximum line size (67108864 bytes)"),
            std::string::npos);
}

TEST(PipelineLimitsTest, NowComesFromTheQueryClock) {
  FakeClock clock(1705309200000000000);  // 2024-01-15T09:00:00Z
  CompileOptions opts;
  opts.clock = &clock;
  auto p = CompilePipeline(LineFormat("{{ now | unixEpoch }}"), opts);
  ASSERT_TRUE(p.ok());
  PipelinePtr c = (*p)->Clone();  // clones read the same clock
  Labels stream = {{"app", "a"}};
  LabelsBuilder lbs(&stream);
  lbs.Reset();
  std::string_view line = "x";
  ASSERT_TRUE(c->Process(1, &line, &lbs));
  EXPECT_EQ(line, "1705309200");
  clock.Advance(std::chrono::seconds(5));
  lbs.Reset();
  line = "x";
  ASSERT_TRUE(c->Process(1, &line, &lbs));
  EXPECT_EQ(line, "1705309205");
  EXPECT_EQ(RunStages(LabelFormat("t", "{{ now | unixEpoch }}"), "l", opts),
            "{app=\"a\", t=\"1705309205\"} l");
}

}  // namespace
}  // namespace logstack::logstore::pipeline
