// ParseLogStack / ValidateLogStack: defaults, size presets that fill only what
// the user left out, and one test a rule of docs/logstack-resource.md.

#include "operator/api/logstack_types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace logstack::op {
namespace {

using ::testing::HasSubstr;

Json Stack(Json spec) {
  return {
      {"apiVersion", "logstack.io/v1alpha1"},
      {"kind", "LogStack"},
      {"metadata", {{"name", "logs"}, {"namespace", "shop"}, {"uid", "u-1"}, {"generation", 3}}},
      {"spec", std::move(spec)}};
}

LogStack MustParse(Json spec) {
  auto s = ParseLogStack(Stack(std::move(spec)), {"0.1.0"});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : LogStack{};
}

// The errors for `spec`, as "field: message" strings.
std::vector<std::string> Errors(Json spec) {
  std::vector<std::string> out;
  for (const auto& e : ValidateLogStack(Stack(std::move(spec)))) {
    out.push_back(e.field + ": " + e.message);
  }
  return out;
}

TEST(LogStackTypesTest, EmptySpecGetsEveryDefault) {
  LogStack s = MustParse(Json::object());
  EXPECT_EQ(s.meta.name, "logs");
  EXPECT_EQ(s.meta.namespace_, "shop");
  EXPECT_EQ(s.meta.uid, "u-1");
  EXPECT_EQ(s.meta.generation, 3);
  EXPECT_EQ(s.spec.version, "0.1.0");
  EXPECT_EQ(s.spec.size, Size::kSmall);
  EXPECT_EQ(s.spec.tenant, "shop.logs");
  EXPECT_EQ(s.spec.upgrade_policy, UpgradePolicy::kAutomatic);
  EXPECT_FALSE(s.spec.logstore.External());
  EXPECT_EQ(s.spec.logstore.replicas, 1);
  EXPECT_EQ(s.spec.logstore.retention, "168h");
  EXPECT_EQ(s.spec.logstore.storage_size, "10Gi");
  EXPECT_EQ(s.spec.logstore.storage_class_name, "");
  EXPECT_EQ(s.spec.logstore.min_free_percent, 10);
  EXPECT_TRUE(s.spec.logstore.retain_on_delete);
  EXPECT_EQ(s.spec.logstore.limits.ingestion_rate_mb, 4);
  EXPECT_EQ(s.spec.logstore.limits.ingestion_burst_mb, 6);
  EXPECT_EQ(s.spec.logstore.limits.max_line_size, "256KB");
  EXPECT_EQ(s.spec.logstore.limits.max_streams, 5000);
  EXPECT_EQ(
      s.spec.logstore.pod.resources,
      Json::parse(R"({"requests":{"cpu":"100m","memory":"256Mi"},"limits":{"memory":"1Gi"}})"));
  EXPECT_TRUE(s.spec.collector.enabled);
  EXPECT_TRUE(s.spec.collector.namespaces.empty());
  EXPECT_TRUE(s.spec.collector.namespace_selector.is_null());
  EXPECT_EQ(s.spec.collector.pod.tolerations, Json::parse(R"([{"operator":"Exists"}])"));
  EXPECT_TRUE(s.spec.grafana.datasource_enabled);
  EXPECT_EQ(s.spec.grafana.datasource_name, "logstack-shop-logs");
  EXPECT_FALSE(s.spec.grafana.deploy_enabled);
  EXPECT_EQ(s.spec.grafana.instance_selector,
            Json::parse(R"({"matchLabels":{"dashboards":"grafana"}})"));
  EXPECT_TRUE(s.spec.network_policy.enabled);
}

TEST(LogStackTypesTest, MissingNamespaceIsDefaultAndSpecOptional) {
  auto s = ParseLogStack(
      {{"apiVersion", "logstack.io/v1alpha1"}, {"kind", "LogStack"}, {"metadata", {{"name", "a"}}}},
      {"1.2.3"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->meta.namespace_, "default");
  EXPECT_EQ(s->spec.tenant, "default.a");
  EXPECT_EQ(s->spec.version, "1.2.3");
}

TEST(LogStackTypesTest, PresetFillsOnlyWhatTheUserLeftOut) {
  LogStack s = MustParse({{"size", "medium"},
                          {"logstore",
                           {{"storage", {{"storageClassName", "fast"}}},
                            {"resources", {{"requests", {{"cpu", "2"}}}}},
                            {"limits", {{"ingestionRateMB", 30}}}}},
                          {"collector", {{"resources", {{"limits", {{"memory", "100Mi"}}}}}}}});
  EXPECT_EQ(s.spec.logstore.storage_size, "50Gi");
  EXPECT_EQ(s.spec.logstore.storage_class_name, "fast");
  EXPECT_EQ(s.spec.logstore.pod.resources,
            Json::parse(R"({"requests":{"cpu":"2","memory":"1Gi"},"limits":{"memory":"4Gi"}})"));
  EXPECT_EQ(s.spec.logstore.limits.ingestion_rate_mb, 30);
  // The preset's burst (20) is below the rate the user chose: it follows the rate.
  EXPECT_EQ(s.spec.logstore.limits.ingestion_burst_mb, 30);
  // A limit under the preset's request lowers the request, so the pod stays valid.
  EXPECT_EQ(
      s.spec.collector.pod.resources,
      Json::parse(R"({"requests":{"cpu":"100m","memory":"100Mi"},"limits":{"memory":"100Mi"}})"));
  LogStack large = MustParse({{"size", "large"}});
  EXPECT_EQ(large.spec.logstore.storage_size, "200Gi");
  EXPECT_EQ(large.spec.logstore.limits.ingestion_burst_mb, 100);
}

TEST(LogStackTypesTest, EveryFieldIsRead) {
  LogStack s = MustParse(Json::parse(R"({
    "version": "v0.2.0-rc.1", "size": "small", "tenant": "team-a", "upgrade": {"policy": "Manual"},
    "labels": {"team": "a"}, "annotations": {"example.com/owner": "a team"},
    "logstore": {"replicas": 0, "retention": "30d",
                 "storage": {"size": "20Gi", "minFreePercent": 20, "retainOnDelete": false},
                 "limits": {"ingestionRateMB": 8, "ingestionBurstMB": 16, "maxLineSize": "1MB",
                            "maxStreams": 100, "truncateLongLines": true},
                 "image": "example.com/logstore:dev", "nodeSelector": {"disk": "ssd"},
                 "tolerations": [{"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}],
                 "affinity": {"nodeAffinity": {}}, "priorityClassName": "high",
                 "podLabels": {"x": "y"}, "podAnnotations": {"a": "b"}},
    "collector": {"enabled": false, "namespaceSelector": {"matchLabels": {"logs": "on"},
                  "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
                  "tolerations": []},
    "grafana": {"datasource": {"enabled": false, "name": "Shop logs", "isDefault": true,
                               "instanceSelector": {"matchLabels": {"g": "1"}}},
                "deploy": {"enabled": true, "image": "grafana/grafana:11.0.0"}},
    "networkPolicy": {"enabled": false, "allowedNamespaces": ["monitoring"]}
  })"));
  EXPECT_EQ(s.spec.version, "v0.2.0-rc.1");
  EXPECT_EQ(s.spec.tenant, "team-a");
  EXPECT_EQ(s.spec.upgrade_policy, UpgradePolicy::kManual);
  EXPECT_EQ(s.spec.labels.at("team"), "a");
  EXPECT_EQ(s.spec.annotations.at("example.com/owner"), "a team");
  const auto& st = s.spec.logstore;
  EXPECT_EQ(st.replicas, 0);
  EXPECT_EQ(st.retention, "30d");
  EXPECT_EQ(st.storage_size, "20Gi");
  EXPECT_EQ(st.min_free_percent, 20);
  EXPECT_FALSE(st.retain_on_delete);
  EXPECT_EQ(st.limits.ingestion_rate_mb, 8);
  EXPECT_EQ(st.limits.ingestion_burst_mb, 16);
  EXPECT_EQ(st.limits.max_line_size, "1MB");
  EXPECT_EQ(st.limits.max_streams, 100);
  EXPECT_TRUE(st.limits.truncate_long_lines);
  EXPECT_EQ(st.pod.image, "example.com/logstore:dev");
  EXPECT_EQ(st.pod.node_selector, Json::parse(R"({"disk":"ssd"})"));
  EXPECT_EQ(st.pod.tolerations.size(), 1u);
  EXPECT_EQ(st.pod.affinity, Json::parse(R"({"nodeAffinity":{}})"));
  EXPECT_EQ(st.pod.priority_class_name, "high");
  EXPECT_EQ(st.pod.pod_labels.at("x"), "y");
  EXPECT_EQ(st.pod.pod_annotations.at("a"), "b");
  EXPECT_FALSE(s.spec.collector.enabled);
  EXPECT_EQ(s.spec.collector.namespace_selector["matchLabels"]["logs"], "on");
  EXPECT_EQ(s.spec.collector.pod.tolerations, Json::array());  // the user's empty list wins
  EXPECT_FALSE(s.spec.grafana.datasource_enabled);
  EXPECT_EQ(s.spec.grafana.datasource_name, "Shop logs");
  EXPECT_TRUE(s.spec.grafana.datasource_is_default);
  EXPECT_EQ(s.spec.grafana.instance_selector["matchLabels"]["g"], "1");
  EXPECT_TRUE(s.spec.grafana.deploy_enabled);
  EXPECT_EQ(s.spec.grafana.deploy.image, "grafana/grafana:11.0.0");
  EXPECT_EQ(s.spec.grafana.deploy.resources["limits"]["memory"], "512Mi");
  EXPECT_FALSE(s.spec.network_policy.enabled);
  EXPECT_EQ(s.spec.network_policy.allowed_namespaces, std::vector<std::string>{"monitoring"});
}

TEST(LogStackTypesTest, ExternalStoreExcludesTheBundledStoresSettings) {
  LogStack s =
      MustParse({{"logstore", {{"external", {{"url", "https://loki.example.com:3100"}}}}}});
  EXPECT_TRUE(s.spec.logstore.External());
  EXPECT_THAT(
      Errors({{"logstore",
               {{"external", {{"url", "http://loki:3100"}}},
                {"storage", {{"size", "5Gi"}}},
                {"retention", "48h"}}}}),
      ::testing::ElementsAre(AllOf(HasSubstr("spec.logstore.external.url: external.url excludes"),
                                   HasSubstr("set here: storage, retention"))));
  EXPECT_THAT(Errors({{"logstore", {{"external", {{"url", "loki:3100"}}}}}}),
              ::testing::ElementsAre(HasSubstr("is not an http:// or https:// URL")));
}

TEST(LogStackTypesTest, EachRuleNamesItsField) {
  struct Case {
    const char* spec;
    const char* error;
  } cases[] = {
      {R"({"version": "latest"})", "spec.version: \"latest\" is not a version"},
      {R"({"size": "huge"})", "spec.size: must be small, medium or large"},
      {R"({"tenant": "a/b"})", "spec.tenant: \"a/b\" is not a valid tenant ID"},
      {R"({"tenant": ".."})", "spec.tenant"},
      {R"({"upgrade": {"policy": "Sometimes"}})",
       "spec.upgrade.policy: must be Automatic or Manual"},
      {R"({"labels": {"a": "not a value"}})", "spec.labels.a: is not a valid label value"},
      {R"({"labels": {"-bad": "x"}})", "spec.labels.-bad: is not a valid label or annotation key"},
      {R"({"logstore": {"replicas": 2}})", "spec.logstore.replicas: must be between 0 and 1"},
      {R"({"logstore": {"replicas": "1"}})", "spec.logstore.replicas: must be an integer"},
      {R"({"logstore": {"retention": "1 week"}})",
       "spec.logstore.retention: \"1 week\" is not a duration"},
      {R"({"logstore": {"retention": "12h"}})",
       "spec.logstore.retention: must be 0s (keep forever) or at least 24h"},
      {R"({"logstore": {"storage": {"size": "500Mi"}}})",
       "spec.logstore.storage.size: must be at least 1Gi"},
      {R"({"logstore": {"storage": {"size": "ten gigs"}}})",
       "spec.logstore.storage.size: \"ten gigs\" is not a quantity"},
      {R"({"logstore": {"storage": {"storageClassName": "Fast_SSD"}}})",
       "spec.logstore.storage.storageClassName"},
      {R"({"logstore": {"storage": {"minFreePercent": 60}}})",
       "spec.logstore.storage.minFreePercent: must be between 1 and 50"},
      {R"({"logstore": {"limits": {"ingestionRateMB": 10, "ingestionBurstMB": 5}}})",
       "spec.logstore.limits.ingestionBurstMB: must be at least ingestionRateMB"},
      {R"({"logstore": {"limits": {"ingestionRateMB": 0}}})",
       "spec.logstore.limits.ingestionRateMB: must be greater than 0"},
      {R"({"logstore": {"limits": {"maxLineSize": "1GB"}}})",
       "spec.logstore.limits.maxLineSize: \"1GB\" is not a size"},
      {R"({"logstore": {"limits": {"maxLineSize": "20MB"}}})",
       "spec.logstore.limits.maxLineSize: must be at most 16MB"},
      {R"({"logstore": {"resources": {"requests": {"cpu": "lots"}}}})",
       "spec.logstore.resources.requests.cpu: is not a quantity"},
      {R"({"logstore": {"tolerations": [{"operator": "Maybe"}]}})",
       "spec.logstore.tolerations[0].operator: must be Exists or Equal"},
      {R"({"logstore": {"retension": "7d"}})", "spec.logstore.retension: unknown field"},
      {R"({"collector": {"namespaces": ["a", "a"]}})",
       "spec.collector.namespaces[1]: duplicate namespace"},
      {R"({"collector": {"namespaces": ["Shop"]}})",
       "spec.collector.namespaces[0]: \"Shop\" is not a valid namespace name"},
      {R"({"collector": {"namespaces": ["a"], "namespaceSelector": {}}})",
       "spec.collector.namespaceSelector: namespaces and namespaceSelector exclude each other"},
      {R"({"collector": {"namespaceSelector": {"matchExpressions": [{"key": "k", "operator": "In"}]}}})",
       "spec.collector.namespaceSelector.matchExpressions[0].values: must not be empty"},
      {R"({"collector": {"enabled": "yes"}})", "spec.collector.enabled: must be a boolean"},
      {R"({"collector": {"pipeline": [{"cri": {}}, {"docker": {}}, {"jsonn": {}}]}})",
       "spec.collector.pipeline[2]: unknown stage \"jsonn\""},
      {R"({"collector": {"pipeline": [{"cri": {}, "docker": {}}]}})",
       "spec.collector.pipeline[0]: a stage must be a map with exactly one key"},
      {R"({"collector": {"pipeline": {"cri": {}}}})",
       "spec.collector.pipeline: must be a list of pipeline stages"},
      {R"({"collector": {"pipeline": [{"match": {"selector": "{app=\"a\"}", "stages": [
           {"timestamp": {"source": "t", "format": "RFC3339", "action_on_failure": "guess"}}]}}]}})",
       "spec.collector.pipeline[0]: match: stages[0]: timestamp: action_on_failure: must be fudge "
       "or skip, got \"guess\""},
      {R"j({"collector": {"pipeline": [{"json": {"expressions": {"a": "length(b)"}}}]}})j",
       "spec.collector.pipeline[0]: json: expressions: a: unsupported JMESPath"},
      {R"({"grafana": {"deploy": {"enabled": true, "color": "blue"}}})",
       "spec.grafana.deploy.color: unknown field"},
      {R"({"networkPolicy": {"allowedNamespaces": "monitoring"}})",
       "spec.networkPolicy.allowedNamespaces: must be a list"},
      {R"({"logstore": []})", "spec.logstore: must be an object"},
  };
  for (const auto& c : cases) {
    auto errors = Errors(Json::parse(c.spec));
    ASSERT_EQ(errors.size(), 1u) << c.spec << " gave " << ::testing::PrintToString(errors);
    EXPECT_THAT(errors[0], HasSubstr(c.error)) << c.spec;
  }
}

TEST(LogStackTypesTest, CollectorPipelineIsKeptAsWritten) {
  Json pipeline = Json::parse(R"([
    {"cri": {}},
    {"json": {"expressions": {"level": "level", "msg": null}}},
    {"labels": {"level": null}},
    {"timestamp": {"source": "time", "format": "2006-01-02 15:04:05", "location": "Europe/Berlin"}},
    {"multiline": {"firstline": "^\\S", "max_lines": 50}},
    {"match": {"selector": "{app=\"api\"} |= \"healthz\"", "action": "drop"}}
  ])");
  LogStack s = MustParse({{"collector", {{"pipeline", pipeline}}}});
  EXPECT_EQ(s.spec.collector.pipeline, pipeline);
  EXPECT_EQ(MustParse(Json::object()).spec.collector.pipeline, Json::array());
}

TEST(LogStackTypesTest, ObjectLevelErrors) {
  EXPECT_FALSE(ParseLogStack(Json::array(), {"0.1.0"}).ok());
  auto bad_name = ParseLogStack({{"apiVersion", "logstack.io/v1alpha1"},
                                 {"kind", "LogStack"},
                                 {"metadata", {{"name", "9-lives"}}}},
                                {"0.1.0"});
  EXPECT_THAT(bad_name.status().message(),
              HasSubstr("metadata.name: \"9-lives\" must be a lowercase DNS label"));
  auto wrong_kind = ParseLogStack(
      {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a"}}}}, {"0.1.0"});
  EXPECT_THAT(wrong_kind.status().message(), HasSubstr("apiVersion: must be logstack.io/v1alpha1"));
  EXPECT_THAT(wrong_kind.status().message(), HasSubstr("kind: must be LogStack"));
  // Every problem at once, not just the first.
  auto many = ParseLogStack(Stack({{"size", "x"}, {"logstore", {{"replicas", 5}}}}), {"0.1.0"});
  EXPECT_EQ(many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(many.status().message(), HasSubstr("spec.size"));
  EXPECT_THAT(many.status().message(), HasSubstr("spec.logstore.replicas"));
}

}  // namespace
}  // namespace logstack::op
