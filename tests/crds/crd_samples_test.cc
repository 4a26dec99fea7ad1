// The LogStack CRD and every sample, through the API test server in-process:
// the CRD is accepted (its CEL rules compile), every sample is created, and
// bad LogStacks are rejected with the field and message a real server gives.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/kube/server/api_server.h"

#ifdef LOGSTACK_HAVE_MANIFESTS
#include "operator/manifests/build.h"
#endif

namespace logstack::kubetest {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kSource = LOGSTACK_SOURCE_DIR;

// A YAML node as JSON, resolving plain scalars as YAML 1.2's core schema.
json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& e : n) out.push_back(ToJson(e));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = ToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "null" || s == "~" || s.empty()) return nullptr;
      if (s == "true" || s == "false") return s == "true";
      try {
        size_t used = 0;
        long long i = std::stoll(s, &used);
        if (used == s.size()) return i;
        double d = std::stod(s, &used);
        if (used == s.size()) return d;
      } catch (...) {
      }
      return s;
    }
  }
  return nullptr;
}

std::vector<json> LoadYaml(const fs::path& file) {
  std::vector<json> out;
  for (const auto& doc : YAML::LoadAllFromFile(file.string())) {
    json j = ToJson(doc);
    if (!j.is_null()) out.push_back(j);
  }
  return out;
}

std::string Collection(const json& obj) {
  const std::string api = obj.value("apiVersion", "");
  const std::string kind = obj.value("kind", "");
  const std::string ns = obj["metadata"].value("namespace", "default");
  if (kind == "Namespace") return "/api/v1/namespaces";
  if (kind == "Deployment") return "/apis/apps/v1/namespaces/" + ns + "/deployments";
  if (kind == "LogStack") return "/apis/logstack.io/v1alpha1/namespaces/" + ns + "/logstacks";
  ADD_FAILURE() << "no collection for " << api << " " << kind;
  return "";
}

class CrdSamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto crd = LoadYaml(kSource / "crds/logstack.io_logstacks.yaml");
    ASSERT_EQ(crd.size(), 1u);
    auto r = api_.Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd[0]);
    ASSERT_EQ(r.status, 201) << r.body.dump();
  }

  ApiServer::CallResult CreateLogStack(const json& spec, const std::string& name = "bad") {
    json obj = {{"apiVersion", "logstack.io/v1alpha1"},
                {"kind", "LogStack"},
                {"metadata", {{"name", name}}},
                {"spec", spec}};
    return api_.Call("POST", "/apis/logstack.io/v1alpha1/namespaces/default/logstacks", obj);
  }

  // "field: message" of every cause of a 422.
  static std::vector<std::string> Causes(const ApiServer::CallResult& r) {
    std::vector<std::string> out;
    EXPECT_EQ(r.status, 422) << r.body.dump();
    if (r.status != 422) return out;
    for (const auto& c : r.body["details"]["causes"]) {
      out.push_back(c.value("field", "") + ": " + c.value("message", ""));
    }
    return out;
  }

  ApiServer api_;
};

TEST_F(CrdSamplesTest, EverySampleIsAccepted) {
  std::vector<json> objects;
  for (const auto& e : fs::recursive_directory_iterator(kSource / "config/samples")) {
    if (e.path().extension() != ".yaml" || e.path().filename() == "kustomization.yaml") continue;
    for (auto& o : LoadYaml(e.path())) objects.push_back(o);
  }
  ASSERT_GE(objects.size(), 10u);
  // Namespaces first, as kubectl apply orders them.
  std::stable_sort(objects.begin(), objects.end(), [](const json& a, const json& b) {
    return (a["kind"] == "Namespace") > (b["kind"] == "Namespace");
  });
  int logstacks = 0;
  for (const auto& obj : objects) {
    auto r = api_.Call("POST", Collection(obj), obj);
    EXPECT_EQ(r.status, 201) << obj["metadata"]["name"] << ": " << r.body.dump();
    if (obj["kind"] == "LogStack") ++logstacks;
  }
  EXPECT_EQ(logstacks, 5);

  // Defaults were applied as the schema states.
  auto minimal = api_.Call("GET",
                           "/apis/logstack.io/v1alpha1/namespaces/default/logstacks/"
                           "logstack-sample");
  ASSERT_EQ(minimal.status, 200);
  const json& spec = minimal.body["spec"];
  EXPECT_EQ(spec["size"], "small");
  EXPECT_EQ(spec["upgrade"]["policy"], "Automatic");
  EXPECT_EQ(spec["collector"]["enabled"], true);
  EXPECT_EQ(spec["collector"]["tolerations"], json::parse(R"([{"operator":"Exists"}])"));
  EXPECT_EQ(spec["grafana"]["datasource"]["instanceSelector"]["matchLabels"]["dashboards"],
            "grafana");
  EXPECT_EQ(spec["networkPolicy"]["enabled"], true);
  // Bundled-store settings get no schema default (external.url excludes them).
  EXPECT_FALSE(spec["logstore"].contains("replicas"));
  EXPECT_FALSE(spec["logstore"].contains("retention"));
}

TEST_F(CrdSamplesTest, ExternalUrlExcludesTheBundledStoresSettings) {
  auto causes = Causes(CreateLogStack(
      {{"logstore",
        {{"external", {{"url", "http://loki:3100"}}}, {"storage", {{"size", "5Gi"}}}}}}));
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0],
            "spec.logstore.external.url: Forbidden: external.url excludes the bundled store's "
            "settings (storage, replicas, retention, limits, resources)");
  EXPECT_EQ(
      Causes(CreateLogStack(
                 {{"logstore", {{"external", {{"url", "http://loki:3100"}}}, {"replicas", 1}}}}))
          .size(),
      1u);
  // An empty url is the bundled store: no conflict.
  EXPECT_EQ(
      CreateLogStack({{"logstore", {{"external", {{"url", ""}}}, {"replicas", 1}}}}, "ok").status,
      201);
}

TEST_F(CrdSamplesTest, NamespacesAndNamespaceSelectorExcludeEachOther) {
  auto causes = Causes(CreateLogStack(
      {{"collector",
        {{"namespaces", {"a"}}, {"namespaceSelector", {{"matchLabels", {{"x", "y"}}}}}}}}));
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0],
            "spec.collector.namespaceSelector: Forbidden: namespaces and namespaceSelector "
            "exclude each other");
}

TEST_F(CrdSamplesTest, BoundsEnumsAndCrossFieldRules) {
  EXPECT_EQ(Causes(CreateLogStack({{"size", "huge"}})),
            std::vector<std::string>{"spec.size: Unsupported value: \"huge\": supported values: "
                                     "\"small\", \"medium\", \"large\""});
  auto r = Causes(CreateLogStack({{"logstore", {{"replicas", 2}}}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("spec.logstore.replicas: Invalid value: 2"), std::string::npos) << r[0];
  r = Causes(CreateLogStack(
      {{"logstore", {{"limits", {{"ingestionRateMB", 8}, {"ingestionBurstMB", 4}}}}}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0],
            "spec.logstore.limits.ingestionBurstMB: Invalid value: \"object\": "
            "ingestionBurstMB must be at least ingestionRateMB");
  r = Causes(CreateLogStack({{"logstore", {{"storage", {{"size", "512Mi"}}}}}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], "spec.logstore.storage.size: Invalid value: \"string\": must be at least 1Gi");
  r = Causes(CreateLogStack({{"tenant", ".."}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("tenant must not be"), std::string::npos);
  r = Causes(CreateLogStack({{"logstore", {{"retention", "7 days"}}}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("spec.logstore.retention"), std::string::npos);
  r = Causes(CreateLogStack({{"collector", {{"namespaces", {"Not_A_Label"}}}}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("spec.collector.namespaces[0]"), std::string::npos);
}

TEST_F(CrdSamplesTest, CollectorPipelineStagesAreOneKeyObjects) {
  // Promtail's shape passes, stage bodies kept as written (even `- cri:`
  // with a null body, and labeldrop's list).
  json pipeline = json::parse(R"([
    {"cri": null},
    {"json": {"expressions": {"level": "level", "msg": null}, "drop_malformed": true}},
    {"labels": {"level": null}},
    {"labeldrop": ["filename"]},
    {"match": {"selector": "{app=\"a\"}", "stages": [{"static_labels": {"x": "y"}}]}}
  ])");
  auto r = CreateLogStack({{"collector", {{"pipeline", pipeline}}}}, "piped");
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["spec"]["collector"]["pipeline"], pipeline);

  // Two stages in one item.
  auto causes = Causes(CreateLogStack(
      {{"collector", {{"pipeline", json::parse(R"([{"cri": {}, "docker": {}}])")}}}}));
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_NE(causes[0].find("spec.collector.pipeline[0]"), std::string::npos) << causes[0];
  EXPECT_NE(causes[0].find("must have at most 1 items"), std::string::npos) << causes[0];
  // A stage the schema does not know is pruned, which leaves an empty item.
  causes = Causes(CreateLogStack(
      {{"collector", {{"pipeline", json::parse(R"([{"cri": {}}, {"jsonn": {}}])")}}}}));
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_NE(causes[0].find("spec.collector.pipeline[1]"), std::string::npos) << causes[0];
  // labeldrop takes a list of names.
  causes = Causes(
      CreateLogStack({{"collector", {{"pipeline", json::parse(R"([{"labeldrop": {"a": 1}}])")}}}}));
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_NE(causes[0].find("spec.collector.pipeline[0].labeldrop"), std::string::npos) << causes[0];
}

TEST_F(CrdSamplesTest, UnknownFieldsArePruned) {
  auto r = CreateLogStack({{"logstore", {{"replicaz", 3}}}, {"colour", "blue"}}, "pruned");
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_FALSE(r.body["spec"].contains("colour"));
  EXPECT_FALSE(r.body["spec"]["logstore"].contains("replicaz"));
}

// RBAC: the operator's ClusterRole allows every verb on every kind the
// builders make (and the user-facing roles aggregate as documented).
json Role(const std::string& file) {
  auto docs = LoadYaml(kSource / "config/rbac" / file);
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? json() : docs[0];
}

bool Allows(const json& role, const std::string& group, const std::string& resource,
            const std::string& verb) {
  for (const auto& rule : role["rules"]) {
    auto has = [&](const char* key, const std::string& v) {
      for (const auto& x : rule.value(key, json::array())) {
        if (x == v || x == "*") return true;
      }
      return false;
    };
    if (has("apiGroups", group) && has("resources", resource) && has("verbs", verb)) return true;
  }
  return false;
}

TEST(CrdRbacTest, OperatorRoleCoversItsWork) {
  json role = Role("role.yaml");
  for (const char* verb : {"get", "list", "watch", "update", "patch"}) {
    EXPECT_TRUE(Allows(role, "logstack.io", "logstacks", verb)) << verb;
  }
  EXPECT_TRUE(Allows(role, "logstack.io", "logstacks/status", "update"));
  EXPECT_TRUE(Allows(role, "logstack.io", "logstacks/finalizers", "update"));
  EXPECT_FALSE(Allows(role, "logstack.io", "logstacks", "delete"));  // users delete, not it
  EXPECT_TRUE(Allows(role, "", "events", "create"));
  EXPECT_TRUE(Allows(role, "apiextensions.k8s.io", "customresourcedefinitions", "watch"));
  EXPECT_FALSE(Allows(role, "apiextensions.k8s.io", "customresourcedefinitions", "create"));
  // What the collector's ClusterRole grants, the operator must hold (RBAC
  // escalation prevention).
  for (const char* res : {"pods", "namespaces"}) {
    for (const char* verb : {"get", "list", "watch"}) EXPECT_TRUE(Allows(role, "", res, verb));
  }
  EXPECT_FALSE(Allows(role, "", "pods", "delete"));
  json le = Role("leader_election_role.yaml");
  for (const char* verb : {"get", "create", "update"}) {
    EXPECT_TRUE(Allows(le, "coordination.k8s.io", "leases", verb));
  }
  EXPECT_EQ(Role("logstack_editor_role.yaml")["metadata"]["labels"]
                                             ["rbac.authorization.k8s.io/aggregate-to-edit"],
            "true");
  EXPECT_EQ(Role("logstack_viewer_role.yaml")["metadata"]["labels"]
                                             ["rbac.authorization.k8s.io/aggregate-to-view"],
            "true");
}

#ifdef LOGSTACK_HAVE_MANIFESTS
TEST(CrdRbacTest, OperatorRoleCoversEveryOwnedKind) {
  json role = Role("role.yaml");
  for (const auto& k : op::manifests::OwnedKinds()) {
    for (const char* verb : {"get", "list", "watch", "create", "update", "patch", "delete"}) {
      EXPECT_TRUE(Allows(role, k.resource.group, k.resource.resource, verb))
          << k.resource.group << "/" << k.resource.resource << " " << verb;
    }
  }
}
#endif

}  // namespace
}  // namespace logstack::kubetest
