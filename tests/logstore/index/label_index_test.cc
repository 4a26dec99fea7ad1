#include "logstore/index/label_index.h"

#include <gtest/gtest.h>

namespace logstack::logstore::index {
namespace {

Matcher M(Matcher::Type t, std::string n, std::string v) {
  auto m = Matcher::Make(t, std::move(n), std::move(v));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return *m;
}

using T = Matcher::Type;

class LabelIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idx_.Add(1, {{"app", "order"}, {"namespace", "shop"}, {"stream", "stdout"}});
    idx_.Add(2, {{"app", "order"}, {"namespace", "shop"}, {"stream", "stderr"}});
    idx_.Add(3, {{"app", "delivery"}, {"namespace", "shop"}});
    idx_.Add(4, {{"app", "coredns"}, {"namespace", "kube-system"}});
  }
  LabelIndex idx_;
};

TEST_F(LabelIndexTest, Equality) {
  EXPECT_EQ(idx_.Select({M(T::kEqual, "app", "order")}), (Postings{1, 2}));
  EXPECT_EQ(idx_.Select({M(T::kEqual, "app", "order"), M(T::kEqual, "stream", "stderr")}),
            (Postings{2}));
  EXPECT_EQ(idx_.Select({M(T::kEqual, "app", "nope")}), Postings{});
  EXPECT_EQ(idx_.Select({M(T::kEqual, "missing", "x")}), Postings{});
}

TEST_F(LabelIndexTest, NegativeAndRegex) {
  EXPECT_EQ(idx_.Select({M(T::kEqual, "namespace", "shop"), M(T::kNotEqual, "app", "order")}),
            (Postings{3}));
  EXPECT_EQ(idx_.Select({M(T::kRegex, "app", "ord.*|deliv.*")}), (Postings{1, 2, 3}));
  EXPECT_EQ(idx_.Select({M(T::kRegex, "app", "ord")}), Postings{});  // anchored
  EXPECT_EQ(idx_.Select({M(T::kEqual, "namespace", "shop"), M(T::kNotRegex, "stream", "std.*")}),
            (Postings{3}));
  // stream="" selects streams without the label.
  EXPECT_EQ(idx_.Select({M(T::kEqual, "namespace", "shop"), M(T::kEqual, "stream", "")}),
            (Postings{3}));
}

TEST_F(LabelIndexTest, RemoveAndMetadata) {
  idx_.Remove(3);
  EXPECT_EQ(idx_.Select({M(T::kEqual, "namespace", "shop")}), (Postings{1, 2}));
  EXPECT_EQ(idx_.Values("app"), (std::vector<std::string>{"coredns", "order"}));
  EXPECT_EQ(idx_.Names(), (std::vector<std::string>{"app", "namespace", "stream"}));
  EXPECT_EQ(idx_.LabelsOf(3), nullptr);
}

TEST(SelectorTest, ParsesAndRejects) {
  auto ms = ParseSelector(R"({app="order", pod=~"web-.*", env!="dev", x!~`a\d`})");
  ASSERT_TRUE(ms.ok()) << ms.status().ToString();
  ASSERT_EQ(ms->size(), 4u);
  EXPECT_EQ((*ms)[1].type(), T::kRegex);
  EXPECT_EQ((*ms)[3].value(), "a\\d");
  EXPECT_FALSE(ParseSelector(R"({app=~".*"})").ok());  // matches empty
  EXPECT_FALSE(ParseSelector(R"({app="x")").ok());
  EXPECT_FALSE(ParseSelector(R"({app=~"(")})").ok());
  EXPECT_FALSE(ParseSelector(R"(app="x")").ok());
}

}  // namespace
}  // namespace logstack::logstore::index
