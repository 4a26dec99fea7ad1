// LabelSelector (collector/meta/label_selector.h): metav1.LabelSelector
// parsing, with the API server's validation, and matching, as tables.

#include "collector/meta/label_selector.h"

#include <gtest/gtest.h>

namespace logstack::collector {
namespace {

using Json = nlohmann::json;
using Labels = std::map<std::string, std::string>;

LabelSelector MustParse(const char* json_text) {
  auto s = LabelSelector::FromJson(Json::parse(json_text));
  EXPECT_TRUE(s.ok()) << json_text << ": " << s.status().ToString();
  return s.ok() ? *s : LabelSelector();
}

struct MatchCase {
  const char* selector;
  Labels labels;
  bool want;
};

TEST(LabelSelectorTest, MatchesAsTheApiServerDoes) {
  const MatchCase cases[] = {
      {R"({})", {}, true},
      {R"({})", {{"a", "1"}}, true},
      {R"({"matchLabels": {"team": "a"}})", {{"team", "a"}}, true},
      {R"({"matchLabels": {"team": "a"}})", {{"team", "b"}}, false},
      {R"({"matchLabels": {"team": "a"}})", {}, false},
      {R"({"matchLabels": {"team": "a", "logs": "on"}})", {{"team", "a"}}, false},
      {R"({"matchLabels": {"team": "a", "logs": "on"}})", {{"team", "a"}, {"logs", "on"}}, true},
      {R"({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "stage"]}]})",
       {{"env", "stage"}},
       true},
      {R"({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "stage"]}]})",
       {{"env", "dev"}},
       false},
      {R"({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]})",
       {},
       false},
      // NotIn holds for an absent label, as in Kubernetes.
      {R"({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]})",
       {},
       true},
      {R"({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]})",
       {{"env", "dev"}},
       false},
      {R"({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]})",
       {{"env", "prod"}},
       true},
      {R"({"matchExpressions": [{"key": "env", "operator": "Exists"}]})", {{"env", ""}}, true},
      {R"({"matchExpressions": [{"key": "env", "operator": "Exists"}]})", {}, false},
      {R"({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]})", {}, true},
      {R"({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]})",
       {{"env", "x"}},
       false},
      // matchLabels and matchExpressions are ANDed.
      {R"({"matchLabels": {"team": "a"},
           "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]})",
       {{"team", "a"}, {"env", "dev"}},
       false},
      {R"({"matchLabels": {"team": "a"},
           "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]})",
       {{"team", "a"}, {"env", "prod"}},
       true},
      {R"({"matchLabels": null, "matchExpressions": null})", {{"x", "y"}}, true},
  };
  for (const auto& c : cases) {
    LabelSelector s = MustParse(c.selector);
    EXPECT_EQ(s.Matches(c.labels), c.want) << c.selector << " on " << c.labels.size() << " labels";
  }
}

TEST(LabelSelectorTest, RejectsWhatTheApiServerRejects) {
  const std::pair<const char*, const char*> cases[] = {
      {R"([])", "must be a label selector map"},
      {R"({"matchLabel": {}})", "unknown field \"matchLabel\""},
      {R"({"matchLabels": []})", "matchLabels: must be a map"},
      {R"({"matchLabels": {"a": 1}})", "matchLabels.a: must be a string"},
      {R"({"matchExpressions": {}})", "matchExpressions: must be a list"},
      {R"({"matchExpressions": ["x"]})", "matchExpressions[0]: must be a map"},
      {R"({"matchExpressions": [{"operator": "Exists"}]})", "matchExpressions[0].key"},
      {R"({"matchExpressions": [{"key": "a"}]})", "matchExpressions[0].operator: is required"},
      {R"({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]})",
       "must be In, NotIn, Exists or DoesNotExist, got \"in\""},
      {R"({"matchExpressions": [{"key": "a", "operator": "In"}]})",
       "values: must not be empty for operator In"},
      {R"({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]})",
       "values: must not be empty for operator NotIn"},
      {R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})",
       "values: must be empty for operator Exists"},
      {R"({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]})",
       "values: must be a list of strings"},
      {R"({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"], "v": 1}]})",
       "unknown field \"v\""},
  };
  for (const auto& [text, want] : cases) {
    auto s = LabelSelector::FromJson(Json::parse(text), "namespace_selector");
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.status().message().find(want), std::string::npos)
        << text << ": " << s.status().message();
    EXPECT_EQ(s.status().message().rfind("namespace_selector", 0), 0u) << s.status().message();
  }
}

TEST(LabelSelectorTest, FromYamlReadsTheConfigFileShape) {
  auto s = LabelSelector::FromYaml(YAML::Load(R"(
matchLabels:
  logs: "true"
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: [kube-system, kube-public]
)"),
                                   "namespace_selector");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->ToString(), "logs=true,kubernetes.io/metadata.name notin (kube-public,kube-system)");
  EXPECT_TRUE(s->Matches({{"logs", "true"}, {"kubernetes.io/metadata.name", "team-a"}}));
  EXPECT_FALSE(s->Matches({{"logs", "true"}, {"kubernetes.io/metadata.name", "kube-system"}}));
  // An unquoted YAML boolean is the label value "true".
  auto b = LabelSelector::FromYaml(YAML::Load("matchLabels: {logs: true}"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(b->Matches({{"logs", "true"}}));

  auto bad = LabelSelector::FromYaml(YAML::Load("- a"), "namespace_selector");
  EXPECT_FALSE(bad.ok());
}

TEST(LabelSelectorTest, ToStringIsTheQueryForm) {
  EXPECT_EQ(MustParse(R"({"matchExpressions": [
      {"key": "a", "operator": "In", "values": ["y", "x", "x"]},
      {"key": "b", "operator": "Exists"},
      {"key": "c", "operator": "DoesNotExist"}]})")
                .ToString(),
            "a in (x,y),b,!c");
  EXPECT_EQ(LabelSelector().ToString(), "");
  EXPECT_TRUE(LabelSelector().empty());
}

}  // namespace
}  // namespace logstack::collector
