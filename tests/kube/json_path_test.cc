#include "tests/kube/server/json_path.h"

#include <gtest/gtest.h>

namespace logstack::kubetest {
namespace {

using nlohmann::json;

TEST(JsonPathTest, FieldsIndexesAndFilters) {
  json obj = json::parse(R"({"spec": {"replicas": 3, "ports": [{"port": 80}, {"port": 443}]},
    "status": {"conditions": [{"type": "Progressing", "status": "False"},
                              {"type": "Ready", "status": "True"}]}})");
  ASSERT_NE(EvalJsonPath(obj, ".spec.replicas"), nullptr);
  EXPECT_EQ(*EvalJsonPath(obj, ".spec.replicas"), 3);
  EXPECT_EQ(*EvalJsonPath(obj, "{.spec.ports[1].port}"), 443);
  EXPECT_EQ(*EvalJsonPath(obj, R"(.status.conditions[?(@.type=="Ready")].status)"), "True");
  EXPECT_EQ(*EvalJsonPath(obj, ".status.conditions[?(@.type=='Progressing')].status"), "False");
  EXPECT_EQ(EvalJsonPath(obj, R"(.status.conditions[?(@.type=="Degraded")].status)"), nullptr);
  EXPECT_EQ(EvalJsonPath(obj, ".spec.missing"), nullptr);
  EXPECT_EQ(EvalJsonPath(obj, ".spec.ports[5]"), nullptr);
}

TEST(JsonPathTest, SetCreatesObjects) {
  json obj = json::object();
  EXPECT_TRUE(SetJsonPath(obj, ".spec.replicas", 2));
  EXPECT_EQ(obj["spec"]["replicas"], 2);
  EXPECT_FALSE(SetJsonPath(obj, ".spec.ports[0]", 1));
}

}  // namespace
}  // namespace logstack::kubetest
