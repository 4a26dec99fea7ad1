#include "tests/kube/server/selector.h"

#include <gtest/gtest.h>

namespace logstack::kubetest {
namespace {

using nlohmann::json;

bool Match(const std::string& selector, const json& labels) {
  auto s = LabelSelector::Parse(selector);
  EXPECT_TRUE(s.ok()) << selector << ": " << s.status().ToString();
  return s.ok() && s->Matches(labels);
}

TEST(LabelSelectorTest, EqualityAndSets) {
  json labels = {{"app", "web"}, {"tier", "gold"}};
  EXPECT_TRUE(Match("", labels));
  EXPECT_TRUE(Match("app=web", labels));
  EXPECT_TRUE(Match("app==web", labels));
  EXPECT_FALSE(Match("app=db", labels));
  EXPECT_TRUE(Match("app!=db", labels));
  EXPECT_TRUE(Match("missing!=x", labels));  // != holds when the key is absent
  EXPECT_TRUE(Match("tier in (gold, silver)", labels));
  EXPECT_FALSE(Match("tier notin (gold,silver)", labels));
  EXPECT_TRUE(Match("missing notin (a)", labels));
  EXPECT_FALSE(Match("missing in (a)", labels));
  EXPECT_TRUE(Match("app", labels));
  EXPECT_FALSE(Match("!app", labels));
  EXPECT_TRUE(Match("!missing", labels));
  EXPECT_TRUE(Match("app=web,tier in (gold),!missing", labels));
  EXPECT_FALSE(Match("app=web,tier=silver", labels));
  EXPECT_TRUE(Match("example.com/role=x", {{"example.com/role", "x"}}));
  EXPECT_FALSE(Match("app=web", nullptr));
}

TEST(LabelSelectorTest, RejectsMalformed) {
  EXPECT_FALSE(LabelSelector::Parse("app in (a").ok());
  EXPECT_FALSE(LabelSelector::Parse("app=web,").ok());
  EXPECT_FALSE(LabelSelector::Parse("a b=c").ok());
  EXPECT_FALSE(LabelSelector::Parse("app=we b").ok());
}

TEST(FieldSelectorTest, MatchesDottedPaths) {
  json pod = {{"metadata", {{"name", "p1"}, {"namespace", "ns"}}},
              {"spec", {{"nodeName", "node-a"}}}};
  auto s = FieldSelector::Parse("metadata.name=p1,spec.nodeName!=node-b");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches(pod));
  auto t = FieldSelector::Parse("metadata.namespace==other");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->Matches(pod));
  EXPECT_FALSE(FieldSelector::Parse("metadata.name").ok());
  EXPECT_EQ(FieldValue(pod, "spec.nodeName"), "node-a");
  EXPECT_EQ(FieldValue(pod, "spec.missing"), "");
}

}  // namespace
}  // namespace logstack::kubetest
