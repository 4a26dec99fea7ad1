// The mutate step: no write when the live object differs from ours only by
// what the API server and other controllers add; our fields restored when
// someone changes them; immutable fields left alone and reported.

#include "operator/controller/mutate.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/kube/object.h"
#include "common/kube/util.h"
#include "operator/api/logstack_types.h"
#include "operator/manifests/build.h"

namespace logstack::op::controller {
namespace {

using kube::Json;

// Every object the builders make for a LogStack with Grafana deployed, the
// collector on and an ownerReference (the uid is known).
std::vector<Json> DesiredObjects() {
  Json ls = {
      {"apiVersion", "logstack.io/v1alpha1"},
      {"kind", "LogStack"},
      {"metadata", {{"name", "demo"}, {"namespace", "shop"}, {"uid", "uid-1"}, {"generation", 1}}},
      {"spec", {{"grafana", {{"deploy", {{"enabled", true}}}}}}}};
  auto parsed = ParseLogStack(ls, OperatorDefaults{"0.1.0"});
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return {};
  manifests::BuildOptions bo;
  bo.stack = *parsed;
  bo.grafana_admin_password = "s3cret-password";
  bo.grafana_operator_available = true;
  return manifests::BuildAll(bo);
}

// Removes what Go's omitempty drops: false, 0, "", [] and {} members.
void DropZeros(Json& v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      DropZeros(*it);
      if (IsZeroValue(*it)) {
        it = v.erase(it);
      } else {
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& e : v) DropZeros(e);
  }
}

void ForEachContainer(Json& pod_spec, const std::function<void(Json&)>& fn) {
  for (const char* key : {"containers", "initContainers"}) {
    if (pod_spec.contains(key)) {
      for (auto& c : pod_spec[key]) fn(c);
    }
  }
}

void DefaultPodSpec(Json& spec) {
  spec["restartPolicy"] = spec.value("restartPolicy", "Always");
  spec["dnsPolicy"] = spec.value("dnsPolicy", "ClusterFirst");
  spec["schedulerName"] = "default-scheduler";
  spec["terminationGracePeriodSeconds"] = spec.value("terminationGracePeriodSeconds", 30);
  if (!spec.contains("securityContext")) spec["securityContext"] = Json::object();
  ForEachContainer(spec, [](Json& c) {
    c["terminationMessagePath"] = "/dev/termination-log";
    c["terminationMessagePolicy"] = "File";
    c["imagePullPolicy"] = c.value("imagePullPolicy", "IfNotPresent");
    if (c.contains("ports")) {
      for (auto& p : c["ports"]) p["protocol"] = p.value("protocol", "TCP");
    }
    for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
      if (!c.contains(probe)) continue;
      Json& p = c[probe];
      p["timeoutSeconds"] = p.value("timeoutSeconds", 1);
      p["periodSeconds"] = p.value("periodSeconds", 10);
      p["successThreshold"] = p.value("successThreshold", 1);
      p["failureThreshold"] = p.value("failureThreshold", 3);
      if (p.contains("httpGet")) p["httpGet"]["scheme"] = p["httpGet"].value("scheme", "HTTP");
    }
  });
  if (spec.contains("volumes")) {
    for (auto& v : spec["volumes"]) {
      if (v.contains("configMap")) v["configMap"]["defaultMode"] = 420;
      if (v.contains("secret")) v["secret"]["defaultMode"] = 420;
      if (v.contains("hostPath") && !v["hostPath"].contains("type")) v["hostPath"]["type"] = "";
    }
  }
}

// What a real API server (and the controllers around it) would hand back
// for `desired`: omitempty applied, defaults filled in, metadata and status
// added, others' labels and annotations.
Json AsServerReturns(const Json& desired_in) {
  Json o = NormalizeDesired(desired_in);
  DropZeros(o);
  const std::string kind = o["kind"];
  Json& meta = o["metadata"];
  meta["uid"] = "live-uid-" + kind;
  meta["resourceVersion"] = "4711";
  meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
  meta["generation"] = 3;
  meta["managedFields"] = Json::array({{{"manager", "kubectl"}}});
  meta["labels"]["team.example.com/owner"] = "platform";
  meta["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
  if (kind == "StatefulSet" || kind == "DaemonSet" || kind == "Deployment") {
    Json& spec = o["spec"];
    spec["revisionHistoryLimit"] = 10;
    DefaultPodSpec(spec["template"]["spec"]);
    spec["template"]["metadata"]["creationTimestamp"] = nullptr;
    o["status"] = {{"observedGeneration", 3}, {"replicas", 1}};
  }
  if (kind == "StatefulSet") {
    Json& spec = o["spec"];
    spec["podManagementPolicy"] = spec.value("podManagementPolicy", "OrderedReady");
    if (!spec.contains("updateStrategy")) {
      spec["updateStrategy"] = {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}};
    }
    if (spec.contains("volumeClaimTemplates")) {
      for (auto& t : spec["volumeClaimTemplates"]) {
        t["apiVersion"] = "v1";
        t["kind"] = "PersistentVolumeClaim";
        t["spec"]["volumeMode"] = "Filesystem";
        t["status"] = {{"phase", "Pending"}};
      }
    }
  }
  if (kind == "DaemonSet" && !o["spec"].contains("updateStrategy")) {
    o["spec"]["updateStrategy"] = {{"type", "RollingUpdate"},
                                   {"rollingUpdate", {{"maxUnavailable", 1}, {"maxSurge", 0}}}};
  }
  if (kind == "Deployment") {
    o["spec"]["progressDeadlineSeconds"] = 600;
    if (!o["spec"].contains("strategy")) {
      o["spec"]["strategy"] = {{"type", "RollingUpdate"},
                               {"rollingUpdate", {{"maxUnavailable", "25%"}, {"maxSurge", "25%"}}}};
    }
    meta["annotations"]["deployment.kubernetes.io/revision"] = "2";
  }
  if (kind == "Service") {
    Json& spec = o["spec"];
    if (!spec.contains("clusterIP")) spec["clusterIP"] = "10.96.12.34";
    spec["clusterIPs"] = Json::array({spec["clusterIP"]});
    spec["type"] = spec.value("type", "ClusterIP");
    spec["sessionAffinity"] = "None";
    spec["ipFamilies"] = Json::array({"IPv4"});
    spec["ipFamilyPolicy"] = "SingleStack";
    spec["internalTrafficPolicy"] = "Cluster";
    for (auto& p : spec["ports"]) {
      p["protocol"] = p.value("protocol", "TCP");
      if (!p.contains("targetPort")) p["targetPort"] = p["port"];
    }
    o["status"] = {{"loadBalancer", Json::object()}};
  }
  if (kind == "Secret") o["type"] = o.value("type", "Opaque");
  if (kind == "PodDisruptionBudget") {
    o["status"] = {{"currentHealthy", 1}, {"desiredHealthy", 0}, {"expectedPods", 1}};
  }
  return o;
}

const Json* Find(const std::vector<Json>& objs, const std::string& kind) {
  for (const auto& o : objs) {
    if (o["kind"] == kind) return &o;
  }
  return nullptr;
}

TEST(MutateTest, NoUpdateWhenLiveHasOnlyServerDefaults) {
  auto desired = DesiredObjects();
  ASSERT_GT(desired.size(), 10u);
  for (const auto& d : desired) {
    SCOPED_TRACE(d["kind"].get<std::string>() + " " + kube::Name(d));
    Json live = AsServerReturns(d);
    auto m = Mutate(d, live);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_FALSE(m->changed) << "merged:\n" << m->merged.dump(2) << "\nlive:\n" << live.dump(2);
    EXPECT_TRUE(m->immutable_drift.empty());
  }
}

TEST(MutateTest, OwnedFieldsAreRestoredAndOthersKeysSurvive) {
  auto desired = DesiredObjects();
  const Json* sts = Find(desired, "StatefulSet");
  ASSERT_NE(sts, nullptr);
  Json live = AsServerReturns(*sts);
  Json& c0 = live["spec"]["template"]["spec"]["containers"][0];
  const std::string image = c0["image"];
  c0["image"] = "evil/image:latest";
  live["spec"]["replicas"] = 0;
  live["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "someone-else";
  live["spec"]["template"]["metadata"]["annotations"][manifests::kConfigHashAnnotation] = "stale";
  auto m = Mutate(*sts, live);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->changed);
  const Json& mc0 = m->merged["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(mc0["image"], image);
  EXPECT_EQ(mc0["terminationMessagePath"], "/dev/termination-log");  // server default kept
  EXPECT_EQ(m->merged["spec"]["replicas"], (*sts)["spec"]["replicas"]);
  EXPECT_EQ(m->merged["metadata"]["labels"]["app.kubernetes.io/managed-by"], "logstack-operator");
  EXPECT_EQ(m->merged["metadata"]["labels"]["team.example.com/owner"], "platform");
  EXPECT_EQ(
      m->merged["spec"]["template"]["metadata"]["annotations"][manifests::kConfigHashAnnotation],
      (*sts)["spec"]["template"]["metadata"]["annotations"][manifests::kConfigHashAnnotation]);
  EXPECT_EQ(m->merged["status"], live["status"]);
  EXPECT_EQ(m->merged["metadata"]["resourceVersion"], "4711");  // the update stays conditional
  // Applying the result again changes nothing.
  auto again = Mutate(*sts, m->merged);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
}

TEST(MutateTest, ConfigMapDataRestoredExtraKeysKept) {
  Json desired = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", {{"name", "c"}, {"namespace", "n"}}},
                  {"data", {{"config.yaml", "a: 1\n"}}}};
  Json live = desired;
  live["data"]["config.yaml"] = "a: 2\n";
  live["data"]["extra"] = "x";
  auto m = Mutate(desired, live);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->changed);
  EXPECT_EQ(m->merged["data"]["config.yaml"], "a: 1\n");
  EXPECT_EQ(m->merged["data"]["extra"], "x");
}

TEST(MutateTest, ImmutableStatefulSetFieldsAreReportedNotChanged) {
  auto desired = DesiredObjects();
  const Json* sts = Find(desired, "StatefulSet");
  ASSERT_NE(sts, nullptr);
  ASSERT_TRUE((*sts)["spec"].contains("volumeClaimTemplates"));
  Json live = AsServerReturns(*sts);
  Json& req = live["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"];
  req["storage"] = "5Gi";  // the spec now asks for more than the claim was made with
  live["spec"]["selector"]["matchLabels"]["extra"] = "x";  // extra keys are not drift
  auto m = Mutate(*sts, live);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->changed);
  ASSERT_EQ(m->immutable_drift.size(), 1u);
  EXPECT_EQ(m->immutable_drift[0], "spec.volumeClaimTemplates");
  EXPECT_EQ(
      m->merged["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
      "5Gi");

  Json live2 = AsServerReturns(*sts);
  live2["spec"]["serviceName"] = "other";
  auto m2 = Mutate(*sts, live2);
  ASSERT_TRUE(m2.ok());
  EXPECT_FALSE(m2->changed);
  ASSERT_EQ(m2->immutable_drift.size(), 1u);
  EXPECT_EQ(m2->immutable_drift[0], "spec.serviceName");
}

TEST(MutateTest, ServiceClusterIpIsNeverChanged) {
  Json desired = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", "s"}, {"namespace", "n"}}},
      {"spec", {{"clusterIP", "None"}, {"ports", {{{"port", 3100}, {"name", "http"}}}}}}};
  Json live = desired;
  live["spec"]["clusterIP"] = "10.0.0.1";
  auto m = Mutate(desired, live);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->changed);
  EXPECT_EQ(m->merged["spec"]["clusterIP"], "10.0.0.1");
  ASSERT_EQ(m->immutable_drift.size(), 1u);
  EXPECT_EQ(m->immutable_drift[0], "spec.clusterIP");
}

TEST(MutateTest, ArraysByNameFollowTheDesiredOrderAndReplaceOtherwise) {
  Json desired = {{"spec", {{"containers", {{{"name", "a"}, {"image", "a:2"}}, {{"name", "b"}}}}}}};
  Json live = {{"spec",
                {{"containers",
                  {{{"name", "b"}, {"imagePullPolicy", "Always"}},
                   {{"name", "a"}, {"image", "a:1"}, {"imagePullPolicy", "IfNotPresent"}}}}}}};
  MergeInto(desired, live);
  EXPECT_EQ(live["spec"]["containers"][0]["name"], "a");
  EXPECT_EQ(live["spec"]["containers"][0]["image"], "a:2");
  EXPECT_EQ(live["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(live["spec"]["containers"][1]["imagePullPolicy"], "Always");

  // A container removed from the spec is removed from the live object.
  Json fewer = {{"spec", {{"containers", {{{"name", "a"}, {"image", "a:2"}}}}}}};
  MergeInto(fewer, live);
  ASSERT_EQ(live["spec"]["containers"].size(), 1u);
  EXPECT_FALSE(live["spec"]["containers"][0].contains("imagePullPolicy"));

  // Scalar arrays are replaced.
  Json args = {{"args", {"-x"}}};
  Json live_args = {{"args", {"-y", "-z"}}};
  MergeInto(args, live_args);
  EXPECT_EQ(live_args["args"], Json::array({"-x"}));
}

TEST(MutateTest, ZeroValuesAndNulls) {
  Json live = {{"a", 1}, {"b", {{"c", 2}}}};
  MergeInto({{"x", false}, {"y", ""}, {"z", Json::array()}, {"w", Json::object()}}, live);
  EXPECT_EQ(live, Json({{"a", 1}, {"b", {{"c", 2}}}}));  // zero values not added
  MergeInto({{"a", 0}}, live);
  EXPECT_EQ(live["a"], 0);  // but they overwrite
  MergeInto({{"b", nullptr}}, live);
  EXPECT_FALSE(live.contains("b"));  // null removes
  EXPECT_TRUE(Covers({{"n", 1.0}}, {{"n", 1}}));
}

TEST(MutateTest, AnotherControllerOwnsTheObject) {
  Json desired = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata",
                   {{"name", "c"},
                    {"namespace", "n"},
                    {"ownerReferences",
                     {{{"apiVersion", "logstack.io/v1alpha1"},
                       {"kind", "LogStack"},
                       {"name", "demo"},
                       {"uid", "ours"},
                       {"controller", true}}}}}}};
  Json live = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata",
                {{"name", "c"},
                 {"namespace", "n"},
                 {"ownerReferences",
                  {{{"apiVersion", "apps/v1"},
                    {"kind", "Deployment"},
                    {"name", "x"},
                    {"uid", "theirs"},
                    {"controller", true}}}}}}};
  auto m = Mutate(desired, live);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(m.status().message().find("Deployment x"), std::string::npos);

  // A non-controller reference of someone else's stays beside ours.
  live["metadata"]["ownerReferences"][0]["controller"] = false;
  auto m2 = Mutate(desired, live);
  ASSERT_TRUE(m2.ok());
  EXPECT_TRUE(m2->changed);
  EXPECT_EQ(m2->merged["metadata"]["ownerReferences"].size(), 2u);
}

TEST(MutateTest, SecretStringDataComparesAsData) {
  Json desired = {{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"metadata", {{"name", "s"}, {"namespace", "n"}}},
                  {"stringData", {{"admin-password", "pw"}}}};
  Json live = {{"apiVersion", "v1"},
               {"kind", "Secret"},
               {"metadata", {{"name", "s"}, {"namespace", "n"}}},
               {"type", "Opaque"},
               {"data", {{"admin-password", kube::Base64Encode("pw")}}}};
  auto m = Mutate(desired, live);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->changed);
  live["data"]["admin-password"] = kube::Base64Encode("other");
  auto m2 = Mutate(desired, live);
  ASSERT_TRUE(m2.ok());
  EXPECT_TRUE(m2->changed);
  EXPECT_FALSE(m2->merged.contains("stringData"));
}

}  // namespace
}  // namespace logstack::op::controller
