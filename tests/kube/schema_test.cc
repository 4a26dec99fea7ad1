#include "tests/kube/server/schema.h"

#include <gtest/gtest.h>

namespace logstack::kubetest {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "spec": {
      "type": "object",
      "required": ["size"],
      "properties": {
        "size": {"type": "integer", "minimum": 1, "maximum": 10},
        "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
        "policy": {"type": "string", "enum": ["Automatic", "Manual"], "default": "Automatic"},
        "ports": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "integer"}},
        "limits": {"type": "object", "default": {}, "properties": {
          "rate": {"type": "number", "default": 4}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "port": {"x-kubernetes-int-or-string": true},
        "note": {"type": "string", "nullable": true}
      }
    }
  }
})");

std::vector<std::string> Fields(const std::vector<FieldCause>& causes) {
  std::vector<std::string> out;
  for (const auto& c : causes) out.push_back(c.field + ": " + c.message);
  return out;
}

TEST(SchemaTest, PrunesUnknownFieldsAndKeepsPreserved) {
  json obj = {{"apiVersion", "example.com/v1"},
              {"kind", "Widget"},
              {"metadata", {{"name", "w"}}},
              {"extra", 1},
              {"spec",
               {{"size", 1},
                {"bogus", true},
                {"free", {{"anything", {{"goes", 1}}}}},
                {"labels", {{"a", "b"}}}}}};
  std::vector<std::string> pruned;
  auto causes = PrepareCustomResource(kSchema, obj, &pruned);
  EXPECT_TRUE(causes.empty()) << testing::PrintToString(Fields(causes));
  EXPECT_EQ(pruned, (std::vector<std::string>{"extra", "spec.bogus"}));
  EXPECT_FALSE(obj.contains("extra"));
  EXPECT_FALSE(obj["spec"].contains("bogus"));
  EXPECT_EQ(obj["spec"]["free"]["anything"]["goes"], 1);
  EXPECT_EQ(obj["spec"]["labels"]["a"], "b");
  EXPECT_EQ(obj["metadata"]["name"], "w");
}

TEST(SchemaTest, AppliesDefaultsTopDown) {
  json obj = {{"spec", {{"size", 2}}}};
  EXPECT_TRUE(PrepareCustomResource(kSchema, obj).empty());
  EXPECT_EQ(obj["spec"]["policy"], "Automatic");
  EXPECT_EQ(obj["spec"]["limits"]["rate"], 4);  // default of a defaulted object
}

TEST(SchemaTest, ReportsEveryViolationWithItsPath) {
  json obj = {{"spec",
               {{"size", 11},
                {"name", "A"},
                {"policy", "Sometimes"},
                {"ports", json::array({1, "x", 3})},
                {"labels", {{"a", 1}}},
                {"port", true}}}};
  auto f = Fields(PrepareCustomResource(kSchema, obj));
  auto has = [&](const std::string& prefix) {
    for (const auto& s : f) {
      if (s.rfind(prefix, 0) == 0) return true;
    }
    return false;
  };
  EXPECT_TRUE(
      has("spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"))
      << testing::PrintToString(f);
  EXPECT_TRUE(has("spec.name: Invalid value: \"A\": spec.name in body should match"));
  EXPECT_TRUE(has("spec.name: Invalid value: \"A\": spec.name in body should be at least 2"));
  EXPECT_TRUE(has("spec.policy: Unsupported value: \"Sometimes\""));
  EXPECT_TRUE(has("spec.ports: Too many: 3: must have at most 2 items"));
  EXPECT_TRUE(has("spec.ports[1]: Invalid value: \"string\""));
  EXPECT_TRUE(has("spec.labels.a: Invalid value: \"integer\""));
  EXPECT_TRUE(has("spec.port: Invalid value"));
}

TEST(SchemaTest, RequiredNullableAndBounds) {
  json missing = {{"spec", {{"note", nullptr}}}};
  auto f = Fields(PrepareCustomResource(kSchema, missing));
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_EQ(f[0], "spec.size: Required value");
  json low = {{"spec", {{"size", 0}, {"ports", json::array()}, {"name", "abcdefg"}}}};
  f = Fields(PrepareCustomResource(kSchema, low));
  EXPECT_EQ(f.size(), 3u) << testing::PrintToString(f);
  json ok = {{"spec", {{"size", 1.0}, {"port", "http"}}}};  // 1.0 is an integer in JSON
  EXPECT_TRUE(PrepareCustomResource(kSchema, ok).empty());
}

}  // namespace
}  // namespace logstack::kubetest
