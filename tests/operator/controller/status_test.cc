// Status and conditions from plain JSON workloads; namespace claims;
// ownership of owned objects.

#include "operator/controller/status.h"

#include <gtest/gtest.h>

#include "common/go/time.h"
#include "common/kube/object.h"
#include "common/kube/util.h"
#include "operator/controller/claims.h"
#include "operator/controller/controller.h"
#include "operator/controller/ownership.h"

namespace logstack::op::controller {
namespace {

using kube::Json;

constexpr int64_t kT0 = 1'800'000'000'000'000'000;
constexpr int64_t kT1 = kT0 + 60'000'000'000;

LogStack Stack() {
  LogStack s;
  s.meta = {"demo", "shop", "uid-1", 2};
  s.spec.version = "0.1.0";
  s.spec.tenant = "shop.demo";
  return s;
}

Json Sts(int64_t gen, int64_t observed, int64_t replicas, int64_t ready, const std::string& cur,
         const std::string& upd) {
  return {{"metadata", {{"name", "demo-logstore"}, {"generation", gen}}},
          {"spec", {{"replicas", replicas}}},
          {"status",
           {{"observedGeneration", observed},
            {"replicas", replicas},
            {"readyReplicas", ready},
            {"updatedReplicas", ready},
            {"currentRevision", cur},
            {"updateRevision", upd}}}};
}

Json Ds(int64_t gen, int64_t observed, int64_t desired, int64_t ready, int64_t updated) {
  return {{"metadata", {{"name", "demo-collector"}, {"generation", gen}}},
          {"status",
           {{"observedGeneration", observed},
            {"desiredNumberScheduled", desired},
            {"numberReady", ready},
            {"updatedNumberScheduled", updated}}}};
}

std::string Cond(const Json& status, const std::string& type) {
  auto c = kube::GetCondition(Json{{"status", status}}, type);
  return c ? c->status + "/" + c->reason : "";
}

StatusInput Input(const LogStack& s, const Json* sts, const Json* ds) {
  StatusInput in;
  in.generation = s.meta.generation;
  in.stack = &s;
  in.statefulset = sts;
  in.daemonset = ds;
  in.store_endpoint = "http://demo-logstore.shop.svc.cluster.local:3100";
  in.target_version = s.spec.version;
  in.requested_version = s.spec.version;
  return in;
}

TEST(StatusTest, ReadyWhenStoreAndCollectorAreRolledOut) {
  LogStack s = Stack();
  Json sts = Sts(1, 1, 1, 1, "r1", "r1");
  Json ds = Ds(1, 1, 3, 3, 3);
  auto r = ComputeStatus(nullptr, Input(s, &sts, &ds), kT0);
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(Cond(r.status, "Ready"), "True/Ready");
  EXPECT_EQ(Cond(r.status, "Progressing"), "False/Stable");
  EXPECT_EQ(Cond(r.status, "Degraded"), "False/Healthy");
  EXPECT_EQ(r.status["observedGeneration"], 2);
  EXPECT_EQ(r.status["version"], "0.1.0");
  EXPECT_EQ(r.status["tenant"], "shop.demo");
  EXPECT_EQ(r.status["logstore"]["ready"], "1/1");
  EXPECT_EQ(r.status["logstore"]["replicas"], 1);
  EXPECT_EQ(r.status["logstore"]["readyReplicas"], 1);
  EXPECT_EQ(r.status["logstore"]["endpoint"], "http://demo-logstore.shop.svc.cluster.local:3100");
  EXPECT_EQ(r.status["collector"]["ready"], "3/3");
  EXPECT_EQ(r.status["collector"]["desiredNumberScheduled"], 3);
  EXPECT_EQ(r.status["collector"]["numberReady"], 3);
  auto c = kube::GetCondition(Json{{"status", r.status}}, "Ready");
  EXPECT_EQ(c->observed_generation, 2);
  EXPECT_EQ(c->last_transition_time, go::FormatRfc3339(kT0));
}

TEST(StatusTest, SameWorldSameStatusAndTransitionTimesKept) {
  LogStack s = Stack();
  Json sts = Sts(1, 1, 1, 1, "r1", "r1");
  Json ds = Ds(1, 1, 3, 3, 3);
  auto first = ComputeStatus(nullptr, Input(s, &sts, &ds), kT0);
  auto second = ComputeStatus(first.status, Input(s, &sts, &ds), kT1);
  EXPECT_EQ(first.status, second.status);  // no write in steady state

  // The store goes down: Ready flips and only its transition time moves.
  Json down = Sts(1, 1, 1, 0, "r1", "r1");
  auto third = ComputeStatus(second.status, Input(s, &down, &ds), kT1);
  EXPECT_EQ(Cond(third.status, "Ready"), "False/StoreNotReady");
  auto ready = kube::GetCondition(Json{{"status", third.status}}, "Ready");
  auto degraded = kube::GetCondition(Json{{"status", third.status}}, "Degraded");
  EXPECT_EQ(ready->last_transition_time, go::FormatRfc3339(kT1));
  EXPECT_EQ(degraded->last_transition_time, go::FormatRfc3339(kT0));
  EXPECT_NE(ready->message.find("0/1"), std::string::npos);
  EXPECT_EQ(third.status["version"], "0.1.0");  // still what ran last
}

TEST(StatusTest, NotReadyReasons) {
  LogStack s = Stack();
  Json ds = Ds(1, 1, 3, 3, 3);
  // Never ran: Creating.
  Json none = Sts(1, 0, 1, 0, "", "");
  auto r = ComputeStatus(nullptr, Input(s, &none, &ds), kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/StoreNotReady");
  EXPECT_EQ(Cond(r.status, "Progressing"), "True/Creating");
  EXPECT_FALSE(r.status.contains("version"));

  // The StatefulSet was just created and is not in the cache yet.
  StatusInput in = Input(s, nullptr, &ds);
  in.wrote_objects = true;
  EXPECT_EQ(Cond(ComputeStatus(nullptr, in, kT0).status, "Ready"), "False/Reconciling");

  // A rollout in progress after having run.
  Json old = {{"version", "0.1.0"}};
  Json rolling = Sts(2, 2, 1, 1, "r1", "r2");
  r = ComputeStatus(old, Input(s, &rolling, &ds), kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/StoreNotReady");
  EXPECT_EQ(Cond(r.status, "Progressing"), "True/RollingOut");

  // A generation the StatefulSet controller has not seen.
  Json unseen = Sts(3, 2, 1, 1, "r2", "r2");
  EXPECT_EQ(Cond(ComputeStatus(old, Input(s, &unseen, &ds), kT0).status, "Ready"),
            "False/StoreNotReady");

  // The collector is behind.
  Json sts = Sts(1, 1, 1, 1, "r1", "r1");
  Json ds_behind = Ds(2, 2, 3, 3, 1);
  r = ComputeStatus(old, Input(s, &sts, &ds_behind), kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/CollectorNotReady");
  EXPECT_EQ(Cond(r.status, "Progressing"), "True/RollingOut");

  // A new version requested: Upgrading until it runs.
  LogStack up = Stack();
  up.spec.version = "0.2.0";
  Json new_sts = Sts(4, 4, 1, 0, "r3", "r4");
  r = ComputeStatus(old, Input(up, &new_sts, &ds), kT0);
  EXPECT_EQ(Cond(r.status, "Progressing"), "True/Upgrading");
  EXPECT_EQ(r.status["version"], "0.1.0");
  Json done = Sts(4, 4, 1, 1, "r4", "r4");
  r = ComputeStatus(r.status, Input(up, &done, &ds), kT1);
  EXPECT_EQ(r.status["version"], "0.2.0");
  EXPECT_EQ(Cond(r.status, "Progressing"), "False/Stable");
}

TEST(StatusTest, GrafanaDeploymentCounts) {
  LogStack s = Stack();
  s.spec.grafana.deploy_enabled = true;
  Json sts = Sts(1, 1, 1, 1, "r1", "r1");
  Json ds = Ds(1, 1, 3, 3, 3);
  Json deploy = {
      {"metadata", {{"name", "demo-grafana"}, {"generation", 1}}},
      {"spec", {{"replicas", 1}}},
      {"status", {{"observedGeneration", 1}, {"readyReplicas", 0}, {"updatedReplicas", 1}}}};
  StatusInput in = Input(s, &sts, &ds);
  in.grafana_deployment = &deploy;
  in.grafana_endpoint = "http://demo-grafana.shop.svc.cluster.local:3000";
  in.grafana_admin_secret = "demo-grafana-admin";
  auto r = ComputeStatus(nullptr, in, kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/GrafanaNotReady");
  EXPECT_EQ(r.status["grafana"]["adminSecret"], "demo-grafana-admin");
  deploy["status"]["readyReplicas"] = 1;
  r = ComputeStatus(r.status, in, kT1);
  EXPECT_EQ(Cond(r.status, "Ready"), "True/Ready");
  s.spec.grafana.deploy_enabled = false;
  in.grafana_deployment = nullptr;
  r = ComputeStatus(r.status, in, kT1);
  EXPECT_FALSE(r.status.contains("grafana"));
}

TEST(StatusTest, ExternalStoreAndDisabledCollector) {
  LogStack s = Stack();
  s.spec.logstore.external_url = "http://loki.example:3100";
  s.spec.collector.enabled = false;
  StatusInput in = Input(s, nullptr, nullptr);
  in.store_endpoint = "http://loki.example:3100";
  in.external_probe = Unavailable("GET http://loki.example:3100/ready: connection refused");
  auto r = ComputeStatus(nullptr, in, kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/ExternalStoreUnreachable");
  EXPECT_EQ(Cond(r.status, "Degraded"), "True/ExternalStoreUnreachable");
  EXPECT_EQ(r.status["logstore"]["ready"], "external");
  EXPECT_FALSE(r.status["logstore"].contains("replicas"));
  EXPECT_EQ(r.status["collector"]["ready"], "disabled");
  in.external_probe = Status::Ok();
  r = ComputeStatus(r.status, in, kT1);
  EXPECT_EQ(Cond(r.status, "Ready"), "True/Ready");
  EXPECT_EQ(Cond(r.status, "Degraded"), "False/Healthy");
}

TEST(StatusTest, BlockingProblemsKeepWhatRunsAndSayWhy) {
  Json old = {{"version", "0.1.0"}, {"logstore", {{"storage", {{"usedBytes", 123}}}}}};
  StatusInput in;
  in.generation = 5;
  in.problem = Problem{"InvalidSpec", "spec.logstore.retention: must be at least 24h", true};
  auto r = ComputeStatus(old, in, kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/InvalidSpec");
  EXPECT_EQ(Cond(r.status, "Degraded"), "True/InvalidSpec");
  EXPECT_EQ(Cond(r.status, "Progressing"), "False/Stable");
  EXPECT_EQ(r.status["observedGeneration"], 5);
  EXPECT_EQ(r.status["version"], "0.1.0");
  EXPECT_EQ(r.status["logstore"]["storage"]["usedBytes"], 123);  // not ours: kept
  auto c = kube::GetCondition(Json{{"status", r.status}}, "Degraded");
  EXPECT_NE(c->message.find("retention"), std::string::npos);

  LogStack s = Stack();
  Json sts = Sts(1, 1, 1, 1, "r1", "r1");
  Json ds = Ds(1, 1, 3, 3, 3);
  StatusInput sc = Input(s, &sts, &ds);
  sc.problem = Problem{"StorageClassNotFound", "StorageClass \"fast\" does not exist", true};
  r = ComputeStatus(old, sc, kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/StorageClassNotFound");
  EXPECT_EQ(Cond(r.status, "Degraded"), "True/StorageClassNotFound");

  // ApplyFailed is not blocking: the workloads still say how they are.
  sc.problem = Problem{"ApplyFailed", "update StatefulSet demo-logstore: 500", false};
  r = ComputeStatus(old, sc, kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "False/Reconciling");
  EXPECT_EQ(Cond(r.status, "Degraded"), "True/ApplyFailed");
}

TEST(StatusTest, ImmutableDriftAndManualUpgradeAreReported) {
  LogStack s = Stack();
  Json sts = Sts(1, 1, 1, 1, "r1", "r1");
  Json ds = Ds(1, 1, 3, 3, 3);
  StatusInput in = Input(s, &sts, &ds);
  in.immutable_drift = {"StatefulSet demo-logstore spec.volumeClaimTemplates"};
  in.requested_version = "0.2.0";
  auto r = ComputeStatus(nullptr, in, kT0);
  EXPECT_EQ(Cond(r.status, "Ready"), "True/Ready");
  auto c = kube::GetCondition(Json{{"status", r.status}}, "Progressing");
  EXPECT_EQ(c->status, "False");
  EXPECT_NE(c->message.find("volumeClaimTemplates"), std::string::npos);
  EXPECT_NE(c->message.find("Manual"), std::string::npos);
  EXPECT_EQ(r.status["version"], "0.1.0");
}

Json LogStackJson(const std::string& ns, const std::string& name, const std::string& created,
                  Json collector) {
  Json o = {{"metadata", {{"name", name}, {"namespace", ns}, {"creationTimestamp", created}}},
            {"spec", Json::object()}};
  if (!collector.is_null()) o["spec"]["collector"] = collector;
  return o;
}

TEST(ClaimsTest, OlderClaimWins) {
  Json team = LogStackJson("shop", "logs", "2026-01-02T00:00:00Z", nullptr);
  Json platform =
      LogStackJson("logging", "all", "2026-01-01T00:00:00Z", {{"namespaces", {"shop", "billing"}}});
  Json selector = LogStackJson("logging", "sel", "2025-01-01T00:00:00Z",
                               {{"namespaceSelector", {{"matchLabels", {{"a", "b"}}}}}});
  Json off = LogStackJson("shop", "off", "2025-01-01T00:00:00Z", {{"enabled", false}});
  std::vector<CollectorClaim> all = {ClaimOf(team), ClaimOf(platform), ClaimOf(selector),
                                     ClaimOf(off)};
  EXPECT_EQ(ClaimOf(team).namespaces, std::set<std::string>({"shop"}));
  EXPECT_TRUE(ClaimOf(selector).namespaces.empty());
  EXPECT_TRUE(ClaimOf(off).namespaces.empty());
  auto conflict = FindNamespaceConflict(ClaimOf(team), all);
  ASSERT_TRUE(conflict.has_value());
  EXPECT_NE(conflict->find("\"shop\""), std::string::npos);
  EXPECT_NE(conflict->find("logging/all"), std::string::npos);
  EXPECT_FALSE(FindNamespaceConflict(ClaimOf(platform), all).has_value());
  // Two LogStacks in two namespaces, each collecting its own: no conflict.
  Json other = LogStackJson("billing2", "logs", "2026-01-03T00:00:00Z", nullptr);
  EXPECT_FALSE(FindNamespaceConflict(ClaimOf(other), all).has_value());
  // A bad LogStack that never ran claims nothing; one that ran (the
  // finalizer says so) keeps its claim while it is blocked.
  Json blocked = LogStackJson("shop", "blocked", "2020-01-01T00:00:00Z", nullptr);
  blocked["status"]["conditions"] = {
      {{"type", "Degraded"}, {"status", "True"}, {"reason", "InvalidSpec"}}};
  EXPECT_TRUE(ClaimOf(blocked).namespaces.empty());
  EXPECT_FALSE(FindNamespaceConflict(ClaimOf(team), {ClaimOf(team), ClaimOf(blocked)}));
  blocked["metadata"]["finalizers"] = {"logstack.io/cleanup"};
  EXPECT_TRUE(FindNamespaceConflict(ClaimOf(team), {ClaimOf(team), ClaimOf(blocked)}));
  // Its own reconcile checks what its spec wants, whatever its status says: a
  // LogStack already Degraded with NamespaceConflict stays in conflict (it
  // once claimed nothing for itself and went ahead on its next pass).
  Json younger = LogStackJson("logging", "late", "2026-02-01T00:00:00Z",
                              {{"namespaces", {"shop", "logging"}}});
  younger["status"]["conditions"] = {
      {{"type", "Degraded"}, {"status", "True"}, {"reason", "NamespaceConflict"}}};
  EXPECT_TRUE(ClaimOf(younger).namespaces.empty());
  EXPECT_EQ(ClaimOf(younger, /*wanted=*/true).namespaces,
            std::set<std::string>({"shop", "logging"}));
  EXPECT_TRUE(FindNamespaceConflict(ClaimOf(younger, true), {ClaimOf(team), ClaimOf(younger)}));
  // A LogStack being deleted claims nothing.
  platform["metadata"]["deletionTimestamp"] = "2026-01-05T00:00:00Z";
  EXPECT_FALSE(FindNamespaceConflict(ClaimOf(team), {ClaimOf(team), ClaimOf(platform)}));
}

TEST(OwnershipTest, OwnerFromReferenceOrLabels) {
  Json cm = {{"metadata",
              {{"name", "demo-logstore-config"},
               {"namespace", "shop"},
               {"ownerReferences",
                {{{"apiVersion", "logstack.io/v1alpha1"},
                  {"kind", "LogStack"},
                  {"name", "demo"},
                  {"uid", "u1"}}}}}}};
  EXPECT_EQ(OwnerKey(cm), "shop/demo");
  Json owner = {{"metadata", {{"name", "demo"}, {"namespace", "shop"}, {"uid", "u1"}}}};
  EXPECT_TRUE(BelongsTo(cm, owner));
  owner["metadata"]["uid"] = "u2";  // a new LogStack of the same name
  EXPECT_FALSE(BelongsTo(cm, owner));

  Json cr = {
      {"metadata",
       {{"name", "logstack-collector-my-ns-my-stack"},
        {"labels",
         {{"logstack.io/owner-namespace", "my-ns"}, {"logstack.io/owner-name", "my-stack"}}}}}};
  EXPECT_EQ(OwnerKey(cr), "my-ns/my-stack");
  // Without the owner labels: the instance label and the name.
  Json cr2 = {{"metadata",
               {{"name", "logstack-collector-my-ns-my-stack"},
                {"labels", {{"app.kubernetes.io/instance", "my-stack"}}}}}};
  EXPECT_EQ(OwnerKey(cr2), "my-ns/my-stack");
  Json stranger = {{"metadata", {{"name", "x"}, {"namespace", "shop"}}}};
  EXPECT_FALSE(OwnerKey(stranger).has_value());
}

TEST(WatchNamespaceTest, Parse) {
  EXPECT_TRUE(ParseWatchNamespaces("")->empty());
  EXPECT_EQ(*ParseWatchNamespaces("shop"), std::vector<std::string>({"shop"}));
  EXPECT_EQ(*ParseWatchNamespaces(" shop, logging ,shop,"),
            std::vector<std::string>({"shop", "logging"}));
  auto bad = ParseWatchNamespaces("shop,Bad_NS");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Bad_NS"), std::string::npos);
}

}  // namespace
}  // namespace logstack::op::controller
