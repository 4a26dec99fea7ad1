// Field-level tests of the manifest builders: each option of the LogStack
// spec and of BuildOptions, and the properties every object shares.

#include "operator/manifests/build.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "collector/pipeline/pipeline.h"
#include "common/config.h"
#include "common/kube/util.h"
#include "logstore/store/options.h"
#include "operator/manifests/yaml.h"

namespace logstack::op::manifests {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A LogStack as the API server would hand it over, through ParseLogStack.
BuildOptions Opts(const std::string& spec_json, const std::string& ns = "team-a",
                  const std::string& name = "demo", const std::string& uid = "") {
  Json obj = {{"apiVersion", "logstack.io/v1alpha1"},
              {"kind", "LogStack"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec", Json::parse(spec_json)}};
  if (!uid.empty()) obj["metadata"]["uid"] = uid;
  auto stack = ParseLogStack(obj, OperatorDefaults{"0.1.0"});
  EXPECT_TRUE(stack.ok()) << stack.status().ToString();
  BuildOptions o;
  if (stack.ok()) o.stack = *stack;
  return o;
}

const Json* Find(const std::vector<Json>& objs, const std::string& kind, const std::string& name) {
  for (const Json& o : objs) {
    if (o["kind"] == kind && o["metadata"]["name"] == name) return &o;
  }
  return nullptr;
}

// A copy: callers pass temporaries.
Json Get(const std::vector<Json>& objs, const std::string& kind, const std::string& name) {
  const Json* o = Find(objs, kind, name);
  EXPECT_NE(o, nullptr) << kind << " " << name << " not built";
  return o ? *o : Json::object();
}

std::vector<std::string> KindsAndNames(const std::vector<Json>& objs) {
  std::vector<std::string> out;
  for (const Json& o : objs) {
    out.push_back(o["kind"].get<std::string>() + "/" + o["metadata"]["name"].get<std::string>());
  }
  return out;
}

Json ParseConfigYaml(const std::string& text) {
  auto docs = ParseYamlDocuments(text, "config.yaml");
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  if (!docs.ok() || docs->size() != 1) return Json::object();
  return (*docs)[0];
}

const Json& Container(const Json& workload) {
  return workload["spec"]["template"]["spec"]["containers"][0];
}

const Json* FindNamed(const Json& list, const std::string& name) {
  for (const Json& item : list) {
    if (item.value("name", "") == name) return &item;
  }
  return nullptr;
}

// ---- What a default LogStack produces --------------------------------------

TEST(BuildAllTest, DefaultStackObjectsInApplyOrder) {
  std::vector<Json> all = BuildAll(Opts("{}"));
  EXPECT_THAT(
      KindsAndNames(all),
      ElementsAre("ServiceAccount/demo-logstore", "ServiceAccount/demo-collector",
                  "ConfigMap/demo-logstore-config", "ConfigMap/demo-collector-config",
                  "ConfigMap/demo-grafana-datasource", "ClusterRole/logstack-collector-team-a-demo",
                  "ClusterRoleBinding/logstack-collector-team-a-demo",
                  "Service/demo-logstore-headless", "Service/demo-logstore",
                  "StatefulSet/demo-logstore", "DaemonSet/demo-collector",
                  "PodDisruptionBudget/demo-logstore", "NetworkPolicy/demo-logstore"));
}

TEST(BuildAllTest, EveryKindBuiltIsAnOwnedKind) {
  BuildOptions o = Opts(R"({"grafana": {"deploy": {"enabled": true}}})");
  o.grafana_operator_available = true;
  o.grafana_admin_password = "pw";
  std::set<std::pair<std::string, std::string>> owned;
  for (const OwnedKind& k : OwnedKinds()) {
    owned.insert({k.resource.ApiVersion(), k.resource.kind});
    EXPECT_EQ(k.cluster_scoped, !k.resource.namespaced) << k.resource.kind;
  }
  std::set<std::string> kinds;
  for (const Json& obj : BuildAll(o)) {
    EXPECT_TRUE(owned.count({obj["apiVersion"], obj["kind"]}))
        << obj["apiVersion"] << " " << obj["kind"];
    kinds.insert(obj["kind"]);
  }
  // Every owned kind is built by this maximal spec.
  EXPECT_EQ(kinds.size(), OwnedKinds().size());
}

TEST(BuildAllTest, Deterministic) {
  BuildOptions o = Opts(R"({"labels": {"team": "a"}, "grafana": {"deploy": {"enabled": true}}})",
                        "team-a", "demo", "uid-1");
  o.grafana_admin_password = "pw";
  o.grafana_operator_available = true;
  std::vector<Json> a = BuildAll(o), b = BuildAll(o);
  ASSERT_EQ(a, b);
  std::string ya, yb;
  for (const Json& x : a) ya += ToYaml(x);
  for (const Json& x : b) yb += ToYaml(x);
  EXPECT_EQ(ya, yb);
}

TEST(NamesTest, DeriveFromTheLogStack) {
  BuildOptions o = Opts("{}", "shop", "logs");
  const LogStack& s = o.stack;
  EXPECT_EQ(LogStoreName(s), "logs-logstore");
  EXPECT_EQ(LogStoreHeadlessName(s), "logs-logstore-headless");
  EXPECT_EQ(LogStoreConfigName(s), "logs-logstore-config");
  EXPECT_EQ(CollectorName(s), "logs-collector");
  EXPECT_EQ(CollectorConfigName(s), "logs-collector-config");
  EXPECT_EQ(CollectorClusterRoleName(s), "logstack-collector-shop-logs");
  EXPECT_EQ(GrafanaName(s), "logs-grafana");
  EXPECT_EQ(GrafanaAdminSecretName(s), "logs-grafana-admin");
  EXPECT_EQ(GrafanaDatasourceConfigName(s), "logs-grafana-datasource");
  EXPECT_EQ(DatasourceName(s), "logstack-shop-logs");
  EXPECT_EQ(CollectorPositionsDir(s), "/var/lib/logstack-collector/shop_logs");
  EXPECT_EQ(StoreUrl(o), "http://logs-logstore.shop.svc.cluster.local:3100");
  EXPECT_EQ(PushUrl(o), "http://logs-logstore.shop.svc.cluster.local:3100/loki/api/v1/push");
  o.cluster_domain = "k8s.example";
  EXPECT_EQ(StoreUrl(o), "http://logs-logstore.shop.svc.k8s.example:3100");
}

TEST(NamesTest, DatasourceUidIsStableAndDistinct) {
  BuildOptions a = Opts("{}", "shop", "logs"), b = Opts("{}", "shop", "logs2"),
               c = Opts("{}", "shop2", "logs");
  EXPECT_EQ(DatasourceUid(a.stack), DatasourceUid(Opts("{}", "shop", "logs").stack));
  EXPECT_NE(DatasourceUid(a.stack), DatasourceUid(b.stack));
  EXPECT_NE(DatasourceUid(a.stack), DatasourceUid(c.stack));
  std::string uid = DatasourceUid(a.stack);
  EXPECT_EQ(uid.size(), 25u);  // Grafana allows 40
  EXPECT_EQ(uid.rfind("logstack-", 0), 0u);
  EXPECT_EQ(uid.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos);
}

// ---- Log store ----------------------------------------------------------------

TEST(LogStoreTest, ConfigInTheStoresOwnFormat) {
  BuildOptions o = Opts(R"({"logstore": {"retention": "720h",
      "storage": {"size": "100Gi", "minFreePercent": 20},
      "limits": {"ingestionRateMB": 2.5, "ingestionBurstMB": 12, "maxLineSize": "1MB",
                 "maxStreams": 20000, "truncateLongLines": true}}})");
  const Json cm = Get(BuildLogStore(o), "ConfigMap", "demo-logstore-config");
  ASSERT_TRUE(cm["data"].contains("config.yaml"));
  std::string text = cm["data"]["config.yaml"];
  EXPECT_THAT(text, HasSubstr("LogStack team-a/demo"));
  Json cfg = ParseConfigYaml(text);
  EXPECT_EQ(cfg["http_listen"], "0.0.0.0:3100");
  EXPECT_EQ(cfg["data_dir"], "/data");
  EXPECT_EQ(cfg["auth_enabled"], true);
  EXPECT_EQ(cfg["storage"]["min_free_disk"], "20%");
  const Json& l = cfg["limits"];
  EXPECT_DOUBLE_EQ(l["ingestion_rate_mb"].get<double>(), 2.5);
  EXPECT_EQ(l["ingestion_burst_size_mb"], 12);
  EXPECT_EQ(l["max_line_size"], "1MB");
  EXPECT_EQ(l["max_line_size_truncate"], true);
  EXPECT_EQ(l["max_global_streams_per_user"], 20000);
  EXPECT_EQ(l["retention_period"], "720h");
}

// The config must decode with the store's own strict reader: every key known,
// every value of the right form. This is the contract with logstore/main.cc.
TEST(LogStoreTest, ConfigDecodesWithTheStoresStrictReader) {
  for (const char* spec : {"{}", R"({"size": "large", "logstore": {"retention": "0s"}})",
                           R"({"logstore": {"storage": {"minFreePercent": 50},
            "limits": {"maxLineSize": "0", "ingestionRateMB": 0.5, "ingestionBurstMB": 0.75}}})"}) {
    BuildOptions o = Opts(spec);
    const Json cm = Get(BuildLogStore(o), "ConfigMap", "demo-logstore-config");
    YAML::Node tree = YAML::Load(cm["data"]["config.yaml"].get<std::string>());
    ConfigReader root(tree, "");
    std::string listen;
    root.Read("http_listen", &listen);
    logstore::StoreOptions so;
    logstore::ReadStoreOptions(root, &so);
    Status st = root.Finish();
    ASSERT_TRUE(st.ok()) << spec << ": " << st.ToString();
    EXPECT_EQ(listen, "0.0.0.0:3100");
    EXPECT_TRUE(so.auth_enabled);
    EXPECT_EQ(so.data_dir, "/data");
    EXPECT_DOUBLE_EQ(so.min_free_disk_percent, o.stack.spec.logstore.min_free_percent);
    EXPECT_DOUBLE_EQ(so.limits.ingestion_rate_mb, o.stack.spec.logstore.limits.ingestion_rate_mb);
    EXPECT_DOUBLE_EQ(so.limits.ingestion_burst_size_mb,
                     o.stack.spec.logstore.limits.ingestion_burst_mb);
  }
}

TEST(LogStoreTest, Services) {
  std::vector<Json> objs = BuildLogStore(Opts("{}"));
  const Json headless = Get(objs, "Service", "demo-logstore-headless");
  EXPECT_EQ(headless["spec"]["clusterIP"], "None");
  EXPECT_EQ(headless["spec"]["publishNotReadyAddresses"], true);
  EXPECT_EQ(headless["spec"]["selector"], SelectorLabels(Opts("{}").stack, "logstore"));
  const Json svc = Get(objs, "Service", "demo-logstore");
  EXPECT_EQ(svc["spec"]["type"], "ClusterIP");
  EXPECT_EQ(svc["spec"]["ports"],
            Json::parse(R"([{"name":"http","port":3100,"targetPort":"http","protocol":"TCP"}])"));
  EXPECT_FALSE(svc["spec"].contains("clusterIP"));
}

TEST(LogStoreTest, StatefulSetShape) {
  BuildOptions o = Opts("{}");
  std::vector<Json> objs = BuildLogStore(o);
  const Json sts = Get(objs, "StatefulSet", "demo-logstore");
  const Json& spec = sts["spec"];
  EXPECT_EQ(spec["serviceName"], "demo-logstore-headless");
  EXPECT_EQ(spec["replicas"], 1);
  EXPECT_EQ(spec["selector"]["matchLabels"], SelectorLabels(o.stack, "logstore"));
  const Json& claim = spec["volumeClaimTemplates"][0];
  EXPECT_EQ(claim["metadata"]["name"], "data");
  EXPECT_EQ(claim["spec"]["accessModes"], Json::array({"ReadWriteOnce"}));
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"], "10Gi");
  EXPECT_FALSE(claim["spec"].contains("storageClassName"));
  EXPECT_EQ(spec["persistentVolumeClaimRetentionPolicy"],
            Json::parse(R"({"whenDeleted":"Retain","whenScaled":"Retain"})"));

  const Json& pod = spec["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "demo-logstore");
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  EXPECT_GE(pod["terminationGracePeriodSeconds"].get<int>(), 120);
  EXPECT_EQ(pod["securityContext"],
            Json::parse(R"({"runAsNonRoot":true,"runAsUser":10001,"runAsGroup":10001,
                           "fsGroup":10001,"fsGroupChangePolicy":"OnRootMismatch",
                           "seccompProfile":{"type":"RuntimeDefault"}})"));
  const Json& c = Container(sts);
  EXPECT_EQ(c["name"], "logstore");
  EXPECT_EQ(c["image"], "ghcr.io/logstack/logstore:0.1.0");
  EXPECT_EQ(c["args"], Json::parse(R"(["--config=/etc/logstore/config.yaml","--data-dir=/data",
                                      "--http-listen=0.0.0.0:3100"])"));
  EXPECT_EQ(c["ports"][0]["containerPort"], 3100);
  EXPECT_EQ(c["ports"][0]["name"], "http");
  for (const char* probe : {"readinessProbe", "livenessProbe", "startupProbe"}) {
    EXPECT_EQ(c[probe]["httpGet"]["path"], "/ready") << probe;
    EXPECT_EQ(c[probe]["httpGet"]["port"], "http") << probe;
  }
  // Liveness must not kill a store that is replaying its WAL: the startup
  // probe gives minutes, and liveness tolerates minutes more.
  auto budget = [&](const char* p) {
    return c[p]["periodSeconds"].get<int>() * c[p]["failureThreshold"].get<int>();
  };
  EXPECT_GE(budget("startupProbe"), 600);
  EXPECT_GE(budget("livenessProbe"), 180);
  EXPECT_EQ(c["securityContext"],
            Json::parse(R"({"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,
                           "privileged":false,"capabilities":{"drop":["ALL"]}})"));
  EXPECT_EQ(c["volumeMounts"],
            Json::parse(R"([{"name":"config","mountPath":"/etc/logstore","readOnly":true},
                           {"name":"data","mountPath":"/data"},
                           {"name":"tmp","mountPath":"/tmp"}])"));
  const Json* cfg_vol = FindNamed(pod["volumes"], "config");
  ASSERT_NE(cfg_vol, nullptr);
  EXPECT_EQ((*cfg_vol)["configMap"]["name"], "demo-logstore-config");
  const Json* tmp_vol = FindNamed(pod["volumes"], "tmp");
  ASSERT_NE(tmp_vol, nullptr);
  EXPECT_TRUE((*tmp_vol).contains("emptyDir"));
  // No placement unless asked for.
  for (const char* k : {"nodeSelector", "tolerations", "affinity", "priorityClassName"}) {
    EXPECT_FALSE(pod.contains(k)) << k;
  }
}

TEST(LogStoreTest, StorageClassRetainOnDeleteReplicas) {
  BuildOptions o = Opts(R"({"logstore": {"replicas": 0, "storage": {"size": "25Gi",
      "storageClassName": "fast-ssd", "retainOnDelete": false}}})");
  const Json spec = Get(BuildLogStore(o), "StatefulSet", "demo-logstore")["spec"];
  EXPECT_EQ(spec["replicas"], 0);
  EXPECT_EQ(spec["volumeClaimTemplates"][0]["spec"]["storageClassName"], "fast-ssd");
  EXPECT_EQ(spec["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"], "25Gi");
  EXPECT_EQ(spec["persistentVolumeClaimRetentionPolicy"]["whenDeleted"], "Delete");
  EXPECT_EQ(spec["persistentVolumeClaimRetentionPolicy"]["whenScaled"], "Retain");
}

TEST(LogStoreTest, ResourcesFromPresetOrOverride) {
  const Json small = Container(Get(BuildLogStore(Opts("{}")), "StatefulSet", "demo-logstore"));
  EXPECT_EQ(small["resources"], Json::parse(R"({"requests":{"cpu":"100m","memory":"256Mi"},
                                                "limits":{"memory":"1Gi"}})"));
  const Json medium =
      Container(Get(BuildLogStore(Opts(R"({"size":"medium"})")), "StatefulSet", "demo-logstore"));
  EXPECT_EQ(medium["resources"], Json::parse(R"({"requests":{"cpu":"500m","memory":"1Gi"},
                                                 "limits":{"memory":"4Gi"}})"));
  const Json over = Container(Get(
      BuildLogStore(Opts(R"({"size":"medium","logstore":{"resources":{"requests":{"cpu":"3"}}}})")),
      "StatefulSet", "demo-logstore"));
  EXPECT_EQ(over["resources"], Json::parse(R"({"requests":{"cpu":"3","memory":"1Gi"},
                                               "limits":{"memory":"4Gi"}})"));
  // The size preset also sizes the claim.
  EXPECT_EQ(Get(BuildLogStore(Opts(R"({"size":"large"})")), "StatefulSet",
                "demo-logstore")["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]
                                ["storage"],
            "200Gi");
}

TEST(LogStoreTest, PlacementAndImage) {
  BuildOptions o = Opts(R"({"logstore": {"image": "registry.local/ls:dev",
      "nodeSelector": {"disk": "ssd"},
      "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "logs",
                       "effect": "NoSchedule"}],
      "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
          {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In",
                                                        "values": ["a"]}]}]}}},
      "priorityClassName": "logs-high"}})");
  const Json sts = Get(BuildLogStore(o), "StatefulSet", "demo-logstore");
  const Json& pod = sts["spec"]["template"]["spec"];
  EXPECT_EQ(Container(sts)["image"], "registry.local/ls:dev");
  EXPECT_EQ(pod["nodeSelector"], Json::parse(R"({"disk":"ssd"})"));
  EXPECT_EQ(pod["tolerations"][0]["key"], "dedicated");
  EXPECT_TRUE(pod["affinity"].contains("nodeAffinity"));
  EXPECT_EQ(pod["priorityClassName"], "logs-high");
  // The repository option and the version make the default image.
  BuildOptions d = Opts(R"({"version": "v0.2.0"})");
  d.logstore_repository = "example.org/logstore";
  EXPECT_EQ(Container(Get(BuildLogStore(d), "StatefulSet", "demo-logstore"))["image"],
            "example.org/logstore:v0.2.0");
}

TEST(LogStoreTest, PodDisruptionBudgetAllowsDrains) {
  BuildOptions o = Opts("{}");
  const Json pdb = Get(BuildLogStore(o), "PodDisruptionBudget", "demo-logstore");
  EXPECT_EQ(pdb["apiVersion"], "policy/v1");
  EXPECT_EQ(pdb["spec"]["maxUnavailable"], 1);
  EXPECT_FALSE(pdb["spec"].contains("minAvailable"));
  EXPECT_EQ(pdb["spec"]["selector"]["matchLabels"], SelectorLabels(o.stack, "logstore"));
}

TEST(LogStoreTest, ClaimTemplateCarriesOnlyStableLabels) {
  // volumeClaimTemplates cannot be updated: a version or user label there
  // would make every upgrade fail.
  BuildOptions a = Opts(R"({"version": "0.1.0", "labels": {"team": "a"}})");
  BuildOptions b = Opts(R"({"version": "0.2.0", "labels": {"team": "b"}})");
  auto claim = [](const BuildOptions& o) {
    return Get(BuildLogStore(o), "StatefulSet", "demo-logstore")["spec"]["volumeClaimTemplates"];
  };
  EXPECT_EQ(claim(a), claim(b));
  EXPECT_EQ(Get(BuildLogStore(a), "StatefulSet", "demo-logstore")["spec"]["selector"],
            Get(BuildLogStore(b), "StatefulSet", "demo-logstore")["spec"]["selector"]);
}

// ---- External store ---------------------------------------------------------

TEST(ExternalStoreTest, NoBundledStoreAndEverythingPointsThere) {
  BuildOptions o = Opts(R"({"logstore": {"external": {"url": "http://loki-gateway.loki.svc:80/"}},
                           "grafana": {"deploy": {"enabled": true}}})");
  o.grafana_operator_available = true;
  o.grafana_admin_password = "pw";
  EXPECT_TRUE(BuildLogStore(o).empty());
  EXPECT_TRUE(BuildNetworkPolicy(o).empty());
  std::vector<Json> all = BuildAll(o);
  for (const Json& obj : all) {
    EXPECT_NE(obj["kind"], "StatefulSet");
    EXPECT_NE(obj["kind"], "PodDisruptionBudget");
    EXPECT_NE(obj["kind"], "NetworkPolicy");
    EXPECT_THAT(obj["metadata"]["name"].get<std::string>(), Not(HasSubstr("logstore")));
  }
  EXPECT_EQ(StoreUrl(o), "http://loki-gateway.loki.svc:80");
  Json col = ParseConfigYaml(Get(all, "ConfigMap", "demo-collector-config")["data"]["config.yaml"]);
  EXPECT_EQ(col["push_url"], "http://loki-gateway.loki.svc:80/loki/api/v1/push");
  EXPECT_THAT(Container(Get(all, "DaemonSet", "demo-collector"))["args"].dump(),
              HasSubstr("--push-url=http://loki-gateway.loki.svc:80/loki/api/v1/push"));
  Json prov = ParseConfigYaml(
      Get(all, "ConfigMap", "demo-grafana-datasource")["data"]["logstack-demo.yaml"]);
  EXPECT_EQ(prov["datasources"][0]["url"], "http://loki-gateway.loki.svc:80");
  EXPECT_EQ(Get(all, "GrafanaDatasource", "demo")["spec"]["datasource"]["url"],
            "http://loki-gateway.loki.svc:80");
  // Tenancy still applies: two teams sharing one Loki stay apart.
  EXPECT_EQ(col["tenant"], "team-a.demo");
  EXPECT_EQ(prov["datasources"][0]["secureJsonData"]["httpHeaderValue1"], "team-a.demo");
}

// ---- Collector -------------------------------------------------------------

TEST(CollectorTest, DisabledBuildsNothing) {
  BuildOptions o = Opts(R"({"collector": {"enabled": false}})");
  EXPECT_TRUE(BuildCollector(o).empty());
  for (const Json& obj : BuildAll(o)) {
    EXPECT_THAT(obj["metadata"]["name"].get<std::string>(), Not(HasSubstr("collector")));
  }
  // And the store's NetworkPolicy no longer admits collector pods.
  const Json np = Get(BuildNetworkPolicy(o), "NetworkPolicy", "demo-logstore");
  EXPECT_THAT(np.dump(), Not(HasSubstr("\"collector\"")));
}

TEST(CollectorTest, ConfigDefaultsToTheOwnNamespace) {
  BuildOptions o = Opts("{}");
  Json cfg = ParseConfigYaml(
      Get(BuildCollector(o), "ConfigMap", "demo-collector-config")["data"]["config.yaml"]);
  EXPECT_EQ(cfg, Json::parse(R"({
      "push_url": "http://demo-logstore.team-a.svc.cluster.local:3100/loki/api/v1/push",
      "tenant": "team-a.demo",
      "pods_dir": "/var/log/pods",
      "positions_file": "/var/lib/logstack-collector/team-a_demo/positions.yaml",
      "namespaces": ["team-a"]})"));
}

TEST(CollectorTest, NamespacesListSelectorAndTenant) {
  Json list = ParseConfigYaml(Get(BuildCollector(Opts(R"({"tenant": "shop",
      "collector": {"namespaces": ["shop", "payments"]}})")),
                                  "ConfigMap", "demo-collector-config")["data"]["config.yaml"]);
  EXPECT_EQ(list["namespaces"], Json::parse(R"(["shop","payments"])"));
  EXPECT_EQ(list["tenant"], "shop");
  EXPECT_FALSE(list.contains("namespace_selector"));

  Json sel = ParseConfigYaml(Get(BuildCollector(Opts(R"({"collector": {"namespaceSelector": {
      "matchLabels": {"team": "shop"},
      "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "1"]}]}}})")),
                                 "ConfigMap", "demo-collector-config")["data"]["config.yaml"]);
  EXPECT_EQ(sel["namespace_selector"], Json::parse(R"({"matchLabels": {"team": "shop"},
                "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "1"]}]})"));
  EXPECT_FALSE(sel.contains("namespaces"));

  // An empty selector is no selector: never "every namespace" by accident.
  Json empty =
      ParseConfigYaml(Get(BuildCollector(Opts(R"({"collector": {"namespaceSelector": {}}})")),
                          "ConfigMap", "demo-collector-config")["data"]["config.yaml"]);
  EXPECT_EQ(empty["namespaces"], Json::array({"team-a"}));
  EXPECT_FALSE(empty.contains("namespace_selector"));
}

TEST(CollectorTest, PipelineRendersAsPipelineStagesTheCollectorParses) {
  const char* spec = R"({"collector": {"pipeline": [
      {"cri": {}},
      {"json": {"expressions": {"level": "level", "msg": null, "code": "status"}}},
      {"labels": {"level": null}},
      {"static_labels": {"env": "prod", "replicas": "3", "debug": "true"}},
      {"labeldrop": ["filename"]},
      {"match": {"selector": "{app=\"api\"} |= \"healthz\"", "action": "drop"}},
      {"output": {"source": "msg"}}]}})";
  BuildOptions o = Opts(spec);
  const std::string text =
      Get(BuildCollector(o), "ConfigMap", "demo-collector-config")["data"]["config.yaml"];
  Json cfg = ParseConfigYaml(text);
  EXPECT_EQ(cfg["pipeline_stages"], Json::parse(spec)["collector"]["pipeline"]);

  // What the collector does with the file: its own parser takes the stages,
  // and string values that look like numbers or booleans stay strings.
  YAML::Node tree = YAML::Load(text);
  auto p = collector::Pipeline::FromYaml(tree["pipeline_stages"]);
  ASSERT_TRUE(p.ok()) << p.status().message();
  std::vector<collector::Entry> out;
  collector::Entry e;
  e.labels = collector::LabelSet({{"app", "web"}, {"filename", "/x.log"}, {"stream", "stdout"}});
  e.line = R"({"level":"warn","msg":"slow"})";
  (*p)->Process(std::move(e), 0, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].line, "slow");
  EXPECT_EQ(
      out[0].labels.ToString(),
      R"({app="web", debug="true", env="prod", level="warn", replicas="3", stream="stdout"})");

  // No pipeline in the spec: no key in the file.
  EXPECT_FALSE(ParseConfigYaml(Get(BuildCollector(Opts("{}")), "ConfigMap",
                                   "demo-collector-config")["data"]["config.yaml"])
                   .contains("pipeline_stages"));
}

TEST(CollectorTest, PipelineChangeRollsThePods) {
  auto hash = [](const std::string& spec) {
    Json ds = Get(BuildCollector(Opts(spec)), "DaemonSet", "demo-collector");
    return ds["spec"]["template"]["metadata"]["annotations"][kConfigHashAnnotation];
  };
  EXPECT_NE(hash("{}"), hash(R"({"collector": {"pipeline": [{"cri": {}}]}})"));
  EXPECT_NE(hash(R"({"collector": {"pipeline": [{"cri": {}}]}})"),
            hash(R"({"collector": {"pipeline": [{"docker": {}}]}})"));
}

TEST(CollectorTest, LeastPrivilegeClusterRbac) {
  BuildOptions o = Opts("{}", "shop", "logs", "uid-9");
  std::vector<Json> objs = BuildCollector(o);
  const Json role = Get(objs, "ClusterRole", "logstack-collector-shop-logs");
  EXPECT_EQ(role["rules"], Json::parse(R"([{"apiGroups":[""],"resources":["namespaces","pods"],
                                            "verbs":["get","list","watch"]}])"));
  const Json binding = Get(objs, "ClusterRoleBinding", "logstack-collector-shop-logs");
  EXPECT_EQ(binding["roleRef"],
            Json::parse(R"({"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole",
                           "name":"logstack-collector-shop-logs"})"));
  EXPECT_EQ(
      binding["subjects"],
      Json::parse(R"([{"kind":"ServiceAccount","name":"logs-collector","namespace":"shop"}])"));
  for (const Json* o2 : {&role, &binding}) {
    const Json& meta = (*o2)["metadata"];
    EXPECT_FALSE(meta.contains("namespace"));
    EXPECT_FALSE(meta.contains("ownerReferences"));  // namespaced owners cannot own them
    EXPECT_EQ(meta["labels"][kOwnerNamespaceLabel], "shop");
    EXPECT_EQ(meta["labels"][kOwnerNameLabel], "logs");
  }
}

TEST(CollectorTest, DaemonSetShape) {
  BuildOptions o = Opts("{}");
  const Json ds = Get(BuildCollector(o), "DaemonSet", "demo-collector");
  EXPECT_EQ(ds["spec"]["updateStrategy"],
            Json::parse(R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1}})"));
  const Json& pod = ds["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "demo-collector");
  EXPECT_EQ(pod["tolerations"], Json::parse(R"([{"operator":"Exists"}])"));
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 0);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const Json& c = Container(ds);
  EXPECT_EQ(c["image"], "ghcr.io/logstack/collector:0.1.0");
  EXPECT_EQ(c["args"], Json::parse(R"(["--config=/etc/collector/config.yaml",
      "--pods-dir=/var/log/pods",
      "--positions-file=/var/lib/logstack-collector/team-a_demo/positions.yaml",
      "--push-url=http://demo-logstore.team-a.svc.cluster.local:3100/loki/api/v1/push"])"));
  EXPECT_EQ(c["env"], Json::parse(R"([{"name":"NODE_NAME","valueFrom":{"fieldRef":
                                       {"apiVersion":"v1","fieldPath":"spec.nodeName"}}}])"));
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], Json::array({"ALL"}));
  EXPECT_EQ(c["resources"]["requests"], Json::parse(R"({"cpu":"50m","memory":"64Mi"})"));
  for (const char* name : {"pods", "containers"}) {
    const Json* m = FindNamed(c["volumeMounts"], name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ((*m)["readOnly"], true) << name;
    EXPECT_EQ((*m)["mountPath"], std::string("/var/log/") + name);
    const Json* v = FindNamed(pod["volumes"], name);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ((*v)["hostPath"]["path"], std::string("/var/log/") + name);
  }
  const Json* pos = FindNamed(pod["volumes"], "positions");
  ASSERT_NE(pos, nullptr);
  EXPECT_EQ((*pos)["hostPath"], Json::parse(R"({"path":"/var/lib/logstack-collector/team-a_demo",
                           "type":"DirectoryOrCreate"})"));
  const Json* pos_mount = FindNamed(c["volumeMounts"], "positions");
  ASSERT_NE(pos_mount, nullptr);
  EXPECT_FALSE(pos_mount->value("readOnly", false));
  EXPECT_EQ((*FindNamed(pod["volumes"], "config"))["configMap"]["name"], "demo-collector-config");
}

TEST(CollectorTest, TolerationsAndResourcesOverride) {
  BuildOptions o = Opts(R"({"collector": {"tolerations": [],
      "resources": {"limits": {"memory": "1Gi"}}, "nodeSelector": {"kubernetes.io/os": "linux"}}})");
  const Json ds = Get(BuildCollector(o), "DaemonSet", "demo-collector");
  const Json& pod = ds["spec"]["template"]["spec"];
  EXPECT_FALSE(pod.contains("tolerations"));  // the user asked for none
  EXPECT_EQ(pod["nodeSelector"], Json::parse(R"({"kubernetes.io/os":"linux"})"));
  EXPECT_EQ(Container(ds)["resources"], Json::parse(R"({"requests":{"cpu":"50m","memory":"64Mi"},
                                                        "limits":{"memory":"1Gi"}})"));
}

TEST(CollectorTest, TwoLogStacksNeverShareNodeState) {
  BuildOptions a = Opts("{}", "shop", "logs"), b = Opts("{}", "shop", "logs2"),
               c = Opts("{}", "other", "logs");
  std::set<std::string> dirs{CollectorPositionsDir(a.stack), CollectorPositionsDir(b.stack),
                             CollectorPositionsDir(c.stack)};
  EXPECT_EQ(dirs.size(), 3u);
  std::set<std::string> roles{CollectorClusterRoleName(a.stack), CollectorClusterRoleName(b.stack),
                              CollectorClusterRoleName(c.stack)};
  EXPECT_EQ(roles.size(), 3u);
}

// ---- Grafana ----------------------------------------------------------------

TEST(GrafanaTest, DatasourceProvisioningConfigMap) {
  BuildOptions o = Opts(R"({"tenant": "shop-prod",
      "grafana": {"datasource": {"name": "Shop logs", "isDefault": true}}})");
  std::vector<Json> objs = BuildGrafana(o);
  ASSERT_EQ(objs.size(), 1u);  // no grafana-operator, no deploy
  const Json cm = Get(objs, "ConfigMap", "demo-grafana-datasource");
  EXPECT_EQ(cm["metadata"]["labels"]["grafana_datasource"], "1");
  ASSERT_TRUE(cm["data"].contains("logstack-demo.yaml"));
  Json prov = ParseConfigYaml(cm["data"]["logstack-demo.yaml"]);
  EXPECT_EQ(prov["apiVersion"], 1);
  ASSERT_EQ(prov["datasources"].size(), 1u);
  const Json& ds = prov["datasources"][0];
  EXPECT_EQ(ds["name"], "Shop logs");
  EXPECT_EQ(ds["type"], "loki");
  EXPECT_EQ(ds["access"], "proxy");
  EXPECT_EQ(ds["url"], "http://demo-logstore.team-a.svc.cluster.local:3100");
  EXPECT_EQ(ds["isDefault"], true);
  EXPECT_EQ(ds["uid"], DatasourceUid(o.stack));
  EXPECT_EQ(ds["jsonData"]["httpHeaderName1"], "X-Scope-OrgID");
  EXPECT_EQ(ds["jsonData"]["maxLines"], 1000);
  EXPECT_EQ(ds["secureJsonData"]["httpHeaderValue1"], "shop-prod");

  Json dflt = ParseConfigYaml(Get(BuildGrafana(Opts("{}")), "ConfigMap",
                                  "demo-grafana-datasource")["data"]["logstack-demo.yaml"]);
  EXPECT_EQ(dflt["datasources"][0]["name"], "logstack-team-a-demo");
  EXPECT_EQ(dflt["datasources"][0]["isDefault"], false);
}

TEST(GrafanaTest, DatasourceDisabledBuildsNothing) {
  BuildOptions o = Opts(R"({"grafana": {"datasource": {"enabled": false}}})");
  o.grafana_operator_available = true;
  EXPECT_TRUE(BuildGrafana(o).empty());
}

TEST(GrafanaTest, GrafanaDatasourceOnlyWithGrafanaOperator) {
  BuildOptions o = Opts(R"({"grafana": {"datasource": {"instanceSelector":
                                        {"matchLabels": {"grafana": "shared"}}}}})");
  EXPECT_EQ(Find(BuildGrafana(o), "GrafanaDatasource", "demo"), nullptr);
  o.grafana_operator_available = true;
  std::vector<Json> objs = BuildGrafana(o);
  const Json gd = Get(objs, "GrafanaDatasource", "demo");
  EXPECT_EQ(gd["apiVersion"], "grafana.integreatly.org/v1beta1");
  EXPECT_EQ(gd["spec"]["instanceSelector"], Json::parse(R"({"matchLabels":{"grafana":"shared"}})"));
  EXPECT_EQ(gd["spec"]["allowCrossNamespaceImport"], true);
  // Only fields of grafana-operator v5's GrafanaDatasource CRD (its
  // spec.datasource has additionalProperties: false).
  static const std::set<std::string> kCrdFields = {
      "access", "basicAuth", "basicAuthUser",  "database", "editable", "isDefault", "jsonData",
      "name",   "orgId",     "secureJsonData", "type",     "uid",      "url",       "user"};
  for (const auto& [k, v] : gd["spec"]["datasource"].items()) {
    EXPECT_TRUE(kCrdFields.count(k)) << "spec.datasource." << k;
  }
  for (const auto& [k, v] : gd["spec"].items()) {
    EXPECT_TRUE((std::set<std::string>{"allowCrossNamespaceImport", "datasource",
                                       "instanceSelector", "plugins", "resyncPeriod", "valuesFrom"}
                     .count(k)))
        << "spec." << k;
  }
  // The same datasource as the provisioning file.
  Json prov = ParseConfigYaml(
      Get(objs, "ConfigMap", "demo-grafana-datasource")["data"]["logstack-demo.yaml"]);
  EXPECT_EQ(gd["spec"]["datasource"], prov["datasources"][0]);

  BuildOptions d = Opts("{}");
  d.grafana_operator_available = true;
  EXPECT_EQ(Get(BuildGrafana(d), "GrafanaDatasource", "demo")["spec"]["instanceSelector"],
            Json::parse(R"({"matchLabels":{"dashboards":"grafana"}})"));
}

TEST(GrafanaTest, DeployWithPasswordSecret) {
  BuildOptions o = Opts(R"({"grafana": {"deploy": {"enabled": true}}})");
  o.grafana_admin_password = "s3cret-Pw";
  std::vector<Json> objs = BuildGrafana(o);
  EXPECT_THAT(KindsAndNames(objs),
              ElementsAre("ConfigMap/demo-grafana-datasource", "Secret/demo-grafana-admin",
                          "Deployment/demo-grafana", "Service/demo-grafana"));
  const Json secret = Get(objs, "Secret", "demo-grafana-admin");
  EXPECT_EQ(secret["type"], "Opaque");
  EXPECT_EQ(*kube::Base64Decode(secret["data"]["admin-password"].get<std::string>()), "s3cret-Pw");
  EXPECT_EQ(*kube::Base64Decode(secret["data"]["admin-user"].get<std::string>()), "admin");

  const Json dep = Get(objs, "Deployment", "demo-grafana");
  const Json& c = Container(dep);
  EXPECT_EQ(c["image"], "docker.io/grafana/grafana:11.3.1");
  EXPECT_EQ(c["ports"][0]["containerPort"], 3000);
  const Json* pw = FindNamed(c["env"], "GF_SECURITY_ADMIN_PASSWORD");
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ((*pw)["valueFrom"]["secretKeyRef"],
            Json::parse(R"({"name":"demo-grafana-admin","key":"admin-password"})"));
  EXPECT_FALSE(pw->contains("value"));
  const Json* user = FindNamed(c["env"], "GF_SECURITY_ADMIN_USER");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ((*user)["valueFrom"]["secretKeyRef"]["key"], "admin-user");
  EXPECT_EQ((*FindNamed(c["env"], "GF_PATHS_PROVISIONING"))["value"], "/etc/grafana/provisioning");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/api/health");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/api/health");
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  const Json& pod = dep["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 472);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  const Json* ds_mount = FindNamed(c["volumeMounts"], "datasources");
  ASSERT_NE(ds_mount, nullptr);
  EXPECT_EQ((*ds_mount)["mountPath"], "/etc/grafana/provisioning/datasources");
  EXPECT_EQ((*FindNamed(pod["volumes"], "datasources"))["configMap"]["name"],
            "demo-grafana-datasource");
  EXPECT_EQ((*FindNamed(c["volumeMounts"], "storage"))["mountPath"], "/var/lib/grafana");
  EXPECT_TRUE(FindNamed(pod["volumes"], "storage")->contains("emptyDir"));
  EXPECT_EQ(c["resources"]["requests"], Json::parse(R"({"cpu":"50m","memory":"128Mi"})"));

  const Json svc = Get(objs, "Service", "demo-grafana");
  EXPECT_EQ(svc["spec"]["ports"][0]["port"], 3000);
  EXPECT_EQ(svc["spec"]["selector"], SelectorLabels(o.stack, "grafana"));
}

TEST(GrafanaTest, NoPasswordNoSecretNeverAFixedDefault) {
  BuildOptions o = Opts(R"({"grafana": {"deploy": {"enabled": true}}})");
  std::vector<Json> objs = BuildGrafana(o);
  EXPECT_EQ(Find(objs, "Secret", "demo-grafana-admin"), nullptr);
  // The Deployment still refers to the Secret (its pod waits for it).
  const Json dep = Get(objs, "Deployment", "demo-grafana");
  EXPECT_THAT(dep.dump(), HasSubstr("demo-grafana-admin"));
  EXPECT_THAT(dep.dump(), Not(HasSubstr("\"admin\"")));
}

TEST(GrafanaTest, NewPasswordOrDatasourceRollsGrafana) {
  auto hash = [](const BuildOptions& o) {
    return Get(
        BuildGrafana(o), "Deployment",
        "demo-grafana")["spec"]["template"]["metadata"]["annotations"][kConfigHashAnnotation];
  };
  BuildOptions a = Opts(R"({"grafana": {"deploy": {"enabled": true}}})");
  a.grafana_admin_password = "one";
  BuildOptions b = a;
  b.grafana_admin_password = "two";
  BuildOptions c = Opts(R"({"tenant": "other", "grafana": {"deploy": {"enabled": true}}})");
  c.grafana_admin_password = "one";
  EXPECT_EQ(hash(a), hash(a));
  EXPECT_NE(hash(a), hash(b));
  EXPECT_NE(hash(a), hash(c));
}

TEST(GrafanaTest, DeployWithoutSidecarDatasourceKeepsTheMountButNotTheLabel) {
  BuildOptions o = Opts(R"({"grafana": {"datasource": {"enabled": false},
                                        "deploy": {"enabled": true}}})");
  o.grafana_admin_password = "pw";
  o.grafana_operator_available = true;
  std::vector<Json> objs = BuildGrafana(o);
  const Json cm = Get(objs, "ConfigMap", "demo-grafana-datasource");
  EXPECT_FALSE(cm["metadata"]["labels"].contains("grafana_datasource"));
  EXPECT_EQ(Find(objs, "GrafanaDatasource", "demo"), nullptr);
  EXPECT_NE(Find(objs, "Deployment", "demo-grafana"), nullptr);
}

// ---- NetworkPolicy ----------------------------------------------------------

TEST(NetworkPolicyTest, AdmitsCollectorGrafanaAndNamedNamespaces) {
  BuildOptions o = Opts(R"({"grafana": {"deploy": {"enabled": true}},
                           "networkPolicy": {"allowedNamespaces": ["monitoring", "ops"]}})");
  const Json np = Get(BuildNetworkPolicy(o), "NetworkPolicy", "demo-logstore");
  EXPECT_EQ(np["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ(np["spec"]["podSelector"]["matchLabels"], SelectorLabels(o.stack, "logstore"));
  EXPECT_EQ(np["spec"]["policyTypes"], Json::array({"Ingress"}));
  ASSERT_EQ(np["spec"]["ingress"].size(), 1u);
  const Json& rule = np["spec"]["ingress"][0];
  EXPECT_EQ(rule["ports"], Json::parse(R"([{"protocol":"TCP","port":3100}])"));
  Json want = Json::array();
  want.push_back({{"podSelector", {{"matchLabels", SelectorLabels(o.stack, "collector")}}}});
  want.push_back({{"podSelector", {{"matchLabels", SelectorLabels(o.stack, "grafana")}}}});
  want.push_back(Json::parse(
      R"({"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}})"));
  want.push_back(Json::parse(
      R"({"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"ops"}}})"));
  EXPECT_EQ(rule["from"], want);
}

TEST(NetworkPolicyTest, OffOrExternalBuildsNone) {
  EXPECT_TRUE(BuildNetworkPolicy(Opts(R"({"networkPolicy": {"enabled": false}})")).empty());
  EXPECT_TRUE(
      BuildNetworkPolicy(Opts(R"({"logstore": {"external": {"url": "https://loki.example"}}})"))
          .empty());
}

TEST(NetworkPolicyTest, NoPeersMeansNoIngressNotAllIngress) {
  // A rule with an empty "from" would admit every source.
  const Json np = Get(BuildNetworkPolicy(Opts(R"({"collector": {"enabled": false}})")),
                      "NetworkPolicy", "demo-logstore");
  EXPECT_EQ(np["spec"]["ingress"], Json::array());
  EXPECT_EQ(np["spec"]["policyTypes"], Json::array({"Ingress"}));
}

// ---- Properties of every object ---------------------------------------------

BuildOptions Everything(const std::string& uid) {
  BuildOptions o = Opts(R"({"labels": {"team": "shop", "app.kubernetes.io/name": "mine"},
      "annotations": {"owner": "shop-team@example.com"},
      "grafana": {"deploy": {"enabled": true, "podLabels": {"g": "1"}}},
      "logstore": {"podLabels": {"tier": "storage"}, "podAnnotations": {"backup": "yes"}},
      "collector": {"podLabels": {"tier": "agent"}}})",
                        "shop", "logs", uid);
  o.grafana_operator_available = true;
  o.grafana_admin_password = "pw";
  return o;
}

TEST(EveryObjectTest, LabelsAndAnnotations) {
  BuildOptions o = Everything("");
  for (const Json& obj : BuildAll(o)) {
    std::string what =
        obj["kind"].get<std::string>() + "/" + obj["metadata"]["name"].get<std::string>();
    const Json& labels = obj["metadata"]["labels"];
    EXPECT_EQ(labels["app.kubernetes.io/name"], "logstack") << what << ": ours win";
    EXPECT_EQ(labels["app.kubernetes.io/instance"], "logs") << what;
    EXPECT_TRUE(labels.contains("app.kubernetes.io/component")) << what;
    EXPECT_EQ(labels["app.kubernetes.io/part-of"], "logstack") << what;
    EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "logstack-operator") << what;
    EXPECT_EQ(labels["app.kubernetes.io/version"], "0.1.0") << what;
    EXPECT_EQ(labels["team"], "shop") << what;
    EXPECT_FALSE(labels.contains("tier")) << what << ": pod labels are for pods only";
    EXPECT_EQ(obj["metadata"]["annotations"]["owner"], "shop-team@example.com") << what;
    if (obj.contains("spec") && obj["spec"].contains("template")) {
      const Json& tmeta = obj["spec"]["template"]["metadata"];
      EXPECT_EQ(tmeta["labels"]["team"], "shop") << what;
      EXPECT_EQ(tmeta["labels"]["app.kubernetes.io/name"], "logstack") << what;
      EXPECT_EQ(tmeta["annotations"]["owner"], "shop-team@example.com") << what;
      EXPECT_EQ(tmeta["annotations"][kConfigHashAnnotation].get<std::string>().size(), 64u) << what;
      // The selector matches the template.
      for (const auto& [k, v] : obj["spec"]["selector"]["matchLabels"].items()) {
        EXPECT_EQ(tmeta["labels"].value(k, Json()), v) << what << " " << k;
      }
    }
  }
  std::vector<Json> all = BuildAll(o);
  const Json sts_meta = Get(all, "StatefulSet", "logs-logstore")["spec"]["template"]["metadata"];
  EXPECT_EQ(sts_meta["labels"]["tier"], "storage");
  EXPECT_EQ(sts_meta["annotations"]["backup"], "yes");
  EXPECT_EQ(
      Get(all, "DaemonSet", "logs-collector")["spec"]["template"]["metadata"]["labels"]["tier"],
      "agent");
  EXPECT_EQ(Get(all, "Deployment", "logs-grafana")["spec"]["template"]["metadata"]["labels"]["g"],
            "1");
}

TEST(EveryObjectTest, OwnerReferencesIffUid) {
  for (const Json& obj : BuildAll(Everything(""))) {
    EXPECT_FALSE(obj["metadata"].contains("ownerReferences")) << obj["kind"];
  }
  for (const Json& obj : BuildAll(Everything("0b5c-uid"))) {
    bool cluster = obj["kind"] == "ClusterRole" || obj["kind"] == "ClusterRoleBinding";
    if (cluster) {
      EXPECT_FALSE(obj["metadata"].contains("ownerReferences")) << obj["kind"];
      EXPECT_FALSE(obj["metadata"].contains("namespace")) << obj["kind"];
      continue;
    }
    EXPECT_EQ(obj["metadata"]["namespace"], "shop") << obj["kind"];
    EXPECT_EQ(obj["metadata"]["ownerReferences"],
              Json::parse(R"([{"apiVersion":"logstack.io/v1alpha1","kind":"LogStack",
                              "name":"logs","uid":"0b5c-uid","controller":true,
                              "blockOwnerDeletion":true}])"))
        << obj["kind"];
  }
}

TEST(EveryObjectTest, ConfigHashFollowsTheConfigAndNothingElse) {
  auto hashes = [](const BuildOptions& o) {
    std::map<std::string, std::string> h;
    for (const Json& obj : BuildAll(o)) {
      if (obj.contains("spec") && obj["spec"].contains("template")) {
        h[obj["kind"]] = obj["spec"]["template"]["metadata"]["annotations"][kConfigHashAnnotation];
      }
    }
    return h;
  };
  auto base = hashes(Opts("{}"));
  ASSERT_EQ(base.size(), 2u);
  // The store's config: the store rolls, the collector does not.
  auto ret = hashes(Opts(R"({"logstore": {"retention": "336h"}})"));
  EXPECT_NE(ret["StatefulSet"], base["StatefulSet"]);
  EXPECT_EQ(ret["DaemonSet"], base["DaemonSet"]);
  // The collector's config.
  auto ns = hashes(Opts(R"({"collector": {"namespaces": ["a", "b"]}})"));
  EXPECT_EQ(ns["StatefulSet"], base["StatefulSet"]);
  EXPECT_NE(ns["DaemonSet"], base["DaemonSet"]);
  // The tenant is in the collector's config only.
  auto tenant = hashes(Opts(R"({"tenant": "x"})"));
  EXPECT_NE(tenant["DaemonSet"], base["DaemonSet"]);
  // Nothing in the configs: no hash changes.
  auto other = hashes(Opts(R"({"labels": {"a": "b"}, "logstore": {"replicas": 0,
      "resources": {"requests": {"cpu": "1"}}}, "collector": {"resources": {"requests":
      {"cpu": "1"}}}})"));
  EXPECT_EQ(other, base);
  // The hash is the one of the ConfigMap's data, as documented.
  std::vector<Json> all = BuildAll(Opts("{}"));
  EXPECT_EQ(base["StatefulSet"], ConfigHash(Get(all, "ConfigMap", "demo-logstore-config")["data"]));
  EXPECT_EQ(base["DaemonSet"], ConfigHash(Get(all, "ConfigMap", "demo-collector-config")["data"]));
}

TEST(EveryObjectTest, PodsAreHardened) {
  for (const Json& obj : BuildAll(Everything(""))) {
    if (!obj.contains("spec") || !obj["spec"].contains("template")) continue;
    const Json& pod = obj["spec"]["template"]["spec"];
    EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault") << obj["kind"];
    EXPECT_FALSE(pod.value("hostNetwork", false));
    for (const Json& c : pod["containers"]) {
      EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false) << obj["kind"];
      EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true) << obj["kind"];
      EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], Json::array({"ALL"})) << obj["kind"];
      EXPECT_FALSE(c["securityContext"].contains("capabilities") &&
                   c["securityContext"]["capabilities"].contains("add"));
    }
  }
}

}  // namespace
}  // namespace logstack::op::manifests
