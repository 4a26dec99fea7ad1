#include "logstore/pipeline/labels_builder.h"

#include <gtest/gtest.h>

#include "logstore/model/labels.h"

namespace logstack::logstore::pipeline {
namespace {

TEST(LabelsBuilder, PrecedenceAndDeletion) {
  Labels stream = {{"app", "order"}, {"level", "info"}};
  LabelsBuilder lbs(&stream);
  std::vector<LabelRef> md = {{"trace_id", "abc"}, {"level", "meta"}};
  lbs.Reset(md);
  EXPECT_TRUE(lbs.Modified());
  EXPECT_EQ(lbs.Get("level"), "meta");
  lbs.Set(LabelCategory::kParsed, "level", "parsed");
  EXPECT_EQ(lbs.Get("level"), "parsed");
  EXPECT_TRUE(lbs.ParsedHas("level"));
  EXPECT_TRUE(lbs.BaseHas("app"));
  EXPECT_FALSE(lbs.BaseHas("trace_id"));
  lbs.Del("level");
  EXPECT_FALSE(lbs.Get("level").has_value());
  lbs.Del("app");
  EXPECT_EQ(LabelsString(lbs.Result()), "{trace_id=\"abc\"}");
  lbs.Set(LabelCategory::kParsed, "app", "x");
  EXPECT_EQ(LabelsString(lbs.Result()), "{app=\"x\", trace_id=\"abc\"}");

  lbs.Reset();
  EXPECT_FALSE(lbs.Modified());
  EXPECT_EQ(LabelsString(lbs.Result()), "{app=\"order\", level=\"info\"}");
}

TEST(LabelsBuilder, Errors) {
  Labels stream = {{"app", "order"}};
  LabelsBuilder lbs(&stream);
  lbs.Reset();
  lbs.SetError("JSONParserErr", "bad");
  lbs.SetError("LabelFilterErr", "later");  // the first error wins
  EXPECT_EQ(lbs.Get("__error__"), "JSONParserErr");
  EXPECT_EQ(lbs.Get("__error_details__"), "bad");
  EXPECT_EQ(LabelsString(lbs.Result()),
            "{__error__=\"JSONParserErr\", __error_details__=\"bad\", app=\"order\"}");
  lbs.Del("__error__");
  EXPECT_FALSE(lbs.HasError());
  lbs.ClearError();
  EXPECT_FALSE(lbs.Modified());
}

TEST(LabelsBuilder, ReusesBuffersOnceWarm) {
  Labels stream = {{"app", "order"}};
  LabelsBuilder lbs(&stream);
  std::string big(100, 'v');
  for (int i = 0; i < 3; i++) {
    lbs.Reset();
    lbs.Set(LabelCategory::kParsed, "a", big);
    lbs.Set(LabelCategory::kParsed, "b", big);
    lbs.Del("app");
  }
  // Values stay correct after reuse.
  EXPECT_EQ(lbs.Get("a"), big);
  EXPECT_FALSE(lbs.Get("app").has_value());
}

}  // namespace
}  // namespace logstack::logstore::pipeline
