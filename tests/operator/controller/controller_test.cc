// The controller in-process against the Kubernetes API test server (garbage
// collection on), driven by kubectl as a user would: apply the CRD and a
// LogStack, watch it converge and go Ready while a fake kubelet reports the
// workloads, repair drift, roll on spec changes, report bad specs, clean up
// on delete, and survive API faults.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "common/clock.h"
#include "common/go/time.h"
#include "common/kube/object.h"
#include "common/kube/util.h"
#include "operator/api/logstack_types.h"
#include "operator/controller/constants.h"
#include "operator/manifests/build.h"
#include "tests/mocks/fake_clock.h"
#include "tests/operator/controller/fixture.h"

namespace logstack::op::controller::testing {
namespace {

const std::string kLs = "/apis/logstack.io/v1alpha1/namespaces/";

std::string StsPath(const std::string& ns, const std::string& name) {
  return "/apis/apps/v1/namespaces/" + ns + "/statefulsets/" + name;
}

class ControllerTest : public ClusterTest {
 protected:
  // The objects the builders make for the stored LogStack ns/name, as
  // "Kind/name", sorted; `grafana_operator` as the controller sees it.
  std::vector<std::string> Expected(const std::string& ns, const std::string& name,
                                    bool grafana_operator = false) {
    Json ls = Get(kLs + ns + "/logstacks/" + name);
    auto parsed = ParseLogStack(ls, OperatorDefaults{"0.1.0"});
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    if (!parsed.ok()) return {};
    manifests::BuildOptions bo;
    bo.stack = *parsed;
    bo.grafana_operator_available = grafana_operator;
    bo.grafana_admin_password = "x";
    std::vector<std::string> out;
    for (const auto& o : manifests::BuildAll(bo)) {
      out.push_back(o["kind"].get<std::string>() + "/" + kube::Name(o));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  bool Converged(const std::string& ns, const std::string& name, bool grafana_operator = false) {
    auto want = Expected(ns, name, grafana_operator);
    return !want.empty() && ObjectsOf(ns, name) == want;
  }

  // Reconcile passes so far, of every LogStack and every result.
  double Passes() {
    double n = 0;
    for (const char* result : {"done", "requeue", "error"}) {
      n += registry_.GetCounter("logstack_operator_reconcile_total", "", {{"result", result}})
               .Value();
    }
    return n;
  }

  // Enqueues `key` and waits for a pass to end, `n` times over: at least
  // n - 1 whole passes over `key` begin and end in between. What a pass
  // must not do (write, fight, create) is checked after this instead of
  // after a stretch of time.
  bool RunPasses(const std::string& key, int n = 3) {
    for (int i = 0; i < n; ++i) {
      const double before = Passes();
      controller_->Enqueue(key);
      if (!Eventually([&] { return Passes() > before; })) return false;
    }
    return true;
  }

  // Waits for the LogStack's condition `type` to be "status/reason".
  bool WaitCondition(const std::string& ns, const std::string& name, const std::string& type,
                     const std::string& want, std::chrono::milliseconds timeout = 20s) {
    return Eventually([&] { return ConditionOf(ns, name, type) == want; }, timeout);
  }
};

TEST_F(ControllerTest, SampleConvergesAndGoesReady) {
  StartController();
  auto sample = SourceDir() + "/config/samples/logstack_v1alpha1_logstack.yaml";
  auto r = Kubectl({"apply", "-n", "default", "-f", sample});
  ASSERT_EQ(r.code, 0) << r.err;
  Json ls = Get(kLs + "default/logstacks");
  ASSERT_EQ(ls["items"].size(), 1u);
  const std::string name = kube::Name(ls["items"][0]);

  ASSERT_TRUE(Eventually([&] { return Converged("default", name); }))
      << ::testing::PrintToString(ObjectsOf("default", name));
  Json stored = Get(kLs + "default/logstacks/" + name);
  const auto& fins = stored["metadata"]["finalizers"];
  EXPECT_NE(std::find(fins.begin(), fins.end(), Json(kFinalizer)), fins.end());
  // Nothing runs yet: not Ready, and kubectl wait says so.
  EXPECT_TRUE(WaitCondition("default", name, "Ready", "False/StoreNotReady"));
  EXPECT_EQ(ConditionOf("default", name, "Progressing"), "True/Creating");
  r = Kubectl({"wait", "--for=condition=Ready", "logstack/" + name, "--timeout=1s"});
  EXPECT_NE(r.code, 0);

  FakeKubelet kubelet(api());
  kubelet.Start();
  r = Kubectl({"wait", "--for=condition=Ready", "logstack/" + name, "--timeout=30s"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  stored = Get(kLs + "default/logstacks/" + name);
  const Json& st = stored["status"];
  EXPECT_EQ(st["observedGeneration"], kube::Generation(stored));
  EXPECT_EQ(st["version"], "0.1.0");
  EXPECT_EQ(st["tenant"], "default." + name);
  EXPECT_EQ(st["logstore"]["ready"], "1/1");
  EXPECT_EQ(st["collector"]["ready"], "3/3");
  EXPECT_EQ(st["logstore"]["endpoint"],
            "http://" + name + "-logstore.default.svc.cluster.local:3100");
  EXPECT_EQ(ConditionOf("default", name, "Progressing"), "False/Stable");
  EXPECT_EQ(ConditionOf("default", name, "Degraded"), "False/Healthy");

  // kubectl shows it: printer columns and Events.
  r = Kubectl({"get", "logstack", name});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("True"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1/1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3/3"), std::string::npos) << r.out;
  // The Events (the Ready one is recorded right after the status write).
  std::set<std::string> reasons;
  EXPECT_TRUE(Eventually(
      [&] {
        r = Kubectl(
            {"get", "events", "--field-selector", "involvedObject.name=" + name, "-o", "json"});
        if (r.code != 0) return false;
        const Json events = Json::parse(r.out);
        reasons.clear();
        for (const auto& e : events["items"]) reasons.insert(e.value("reason", ""));
        return reasons.count("Created") > 0 && reasons.count("Ready") > 0;
      },
      10s))
      << r.out << r.err;
}

TEST_F(ControllerTest, DriftIsRepaired) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("demo", "default"));
  ASSERT_TRUE(WaitCondition("default", "demo", "Ready", "True/Ready"));

  // A deleted Service comes back.
  auto r = Kubectl({"delete", "service", "demo-logstore"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually(
      [&] { return !Get("/api/v1/namespaces/default/services/demo-logstore").is_null(); }, 10s));
  // A deleted StatefulSet too.
  r = Kubectl({"delete", "statefulset", "demo-logstore"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually([&] { return !Get(StsPath("default", "demo-logstore")).is_null(); }, 10s));

  // A StatefulSet edited by hand is restored; others' labels stay.
  Json sts = Get(StsPath("default", "demo-logstore"));
  const std::string image = sts["spec"]["template"]["spec"]["containers"][0]["image"];
  r = Kubectl(
      {"patch", "statefulset", "demo-logstore", "--type=json", "-p",
       R"([{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"busybox:1"}])"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = Kubectl({"label", "statefulset", "demo-logstore", "team=platform"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually(
      [&] {
        Json s = Get(StsPath("default", "demo-logstore"));
        return s["spec"]["template"]["spec"]["containers"][0]["image"] == image;
      },
      10s));
  EXPECT_EQ(kube::Labels(Get(StsPath("default", "demo-logstore")))["team"], "platform");
  // The edited ConfigMap is restored too.
  Json cm = Get("/api/v1/namespaces/default/configmaps/demo-logstore-config");
  ASSERT_FALSE(cm.is_null());
  const Json data = cm["data"];
  r = Kubectl({"patch", "configmap", "demo-logstore-config", "--type=merge", "-p",
               R"({"data":{"config.yaml":"garbage"}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually(
      [&] {
        return Get("/api/v1/namespaces/default/configmaps/demo-logstore-config")["data"] == data;
      },
      10s));
  EXPECT_TRUE(WaitCondition("default", "demo", "Ready", "True/Ready"));
}

TEST_F(ControllerTest, SpecChangeRollsThePods) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("demo", "default"));
  ASSERT_TRUE(WaitCondition("default", "demo", "Ready", "True/Ready"));
  auto hash = [&] {
    Json s = Get(StsPath("default", "demo-logstore"));
    return s["spec"]["template"]["metadata"]["annotations"].value(manifests::kConfigHashAnnotation,
                                                                  "");
  };
  const std::string before = hash();
  ASSERT_FALSE(before.empty());
  const int64_t gen = kube::Generation(Get(StsPath("default", "demo-logstore")));
  auto r = Kubectl({"patch", "logstack", "demo", "--type=merge", "-p",
                    R"({"spec":{"logstore":{"retention":"336h"}}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually([&] { return hash() != before; }, 10s));
  EXPECT_GT(kube::Generation(Get(StsPath("default", "demo-logstore"))), gen);
  EXPECT_NE(Get("/api/v1/namespaces/default/configmaps/demo-logstore-config").dump().find("336h"),
            std::string::npos);
  // The fake kubelet rolls it out; Ready again at the new generation.
  EXPECT_TRUE(Eventually([&] {
    Json ls = Get(kLs + "default/logstacks/demo");
    return ConditionOf("default", "demo", "Ready") == "True/Ready" &&
           ls["status"]["observedGeneration"] == kube::Generation(ls);
  }));
}

TEST_F(ControllerTest, ImmutableChangeIsReportedNotFought) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("big", "default"));
  ASSERT_TRUE(WaitCondition("default", "big", "Ready", "True/Ready"));
  const uint64_t updates_before = static_cast<uint64_t>(
      registry_.GetCounter("logstack_operator_objects_written_total", "", {{"op", "update"}})
          .Value());
  // The volume size lives in the StatefulSet's volumeClaimTemplates, which
  // cannot change: reported, the rest of the spec still applied.
  auto r = Kubectl({"patch", "logstack", "big", "--type=merge", "-p",
                    R"({"spec":{"logstore":{"storage":{"size":"20Gi"},"retention":"240h"}}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually([&] {
    auto c = kube::GetCondition(Get(kLs + "default/logstacks/big"), "Progressing");
    return c && c->message.find("volumeClaimTemplates") != std::string::npos;
  }));
  Json sts = Get(StsPath("default", "big-logstore"));
  EXPECT_EQ(sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
            "10Gi");
  EXPECT_NE(Get("/api/v1/namespaces/default/configmaps/big-logstore-config").dump().find("240h"),
            std::string::npos);
  EXPECT_TRUE(WaitCondition("default", "big", "Ready", "True/Ready"));
  r = Kubectl({"get", "events", "--field-selector",
               "involvedObject.name=big,reason=ImmutableFieldChanged", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["items"].size(), 1u) << r.out;
  // Not fought over: a few passes later nothing more was updated.
  const double updates_after_apply =
      registry_.GetCounter("logstack_operator_objects_written_total", "", {{"op", "update"}})
          .Value();
  ASSERT_TRUE(RunPasses("default/big"));
  EXPECT_EQ(registry_.GetCounter("logstack_operator_objects_written_total", "", {{"op", "update"}})
                .Value(),
            updates_after_apply);
  EXPECT_GT(updates_after_apply, updates_before);
}

TEST_F(ControllerTest, BadPipelineStageIsReportedBeforeAnythingRollsOut) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  // Passes the CRD's schema (one known key an item); the collector's parser
  // refuses the stage's body.
  Apply(LogStackYaml("piped", "default",
                     "{collector: {pipeline: [{cri: {}}, {timestamp: {source: t, format: RFC3339, "
                     "action_on_failure: guess}}]}}"));
  ASSERT_TRUE(WaitCondition("default", "piped", "Degraded", "True/InvalidSpec"));
  EXPECT_EQ(ConditionOf("default", "piped", "Ready"), "False/InvalidSpec");
  auto c = kube::GetCondition(Get(kLs + "default/logstacks/piped"), "Degraded");
  EXPECT_NE(c->message.find("spec.collector.pipeline[1]: timestamp: action_on_failure: must be "
                            "fudge or skip, got \"guess\""),
            std::string::npos)
      << c->message;
  EXPECT_TRUE(ObjectsOf("default", "piped").empty());
}

TEST_F(ControllerTest, BadSpecIsDegradedAndNothingIsTouched) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  // Passes the CRD's schema, but the operator requires at least 24h.
  Apply(LogStackYaml("bad", "default", "{logstore: {retention: 1h}}"));
  ASSERT_TRUE(WaitCondition("default", "bad", "Degraded", "True/InvalidSpec"));
  EXPECT_EQ(ConditionOf("default", "bad", "Ready"), "False/InvalidSpec");
  Json ls = Get(kLs + "default/logstacks/bad");
  auto c = kube::GetCondition(ls, "Degraded");
  EXPECT_NE(c->message.find("retention"), std::string::npos) << c->message;
  EXPECT_TRUE(ObjectsOf("default", "bad").empty());
  EXPECT_FALSE(ls["metadata"].contains("finalizers"));

  // A good stack turned bad keeps everything it had. (Same namespace as the
  // bad one: a LogStack that never ran claims no namespace.)
  Apply(LogStackYaml("good", "default"));
  ASSERT_TRUE(WaitCondition("default", "good", "Ready", "True/Ready"));
  auto before = ObjectsOf("default", "good");
  auto r = Kubectl({"patch", "logstack", "good", "--type=merge", "-p",
                    R"({"spec":{"logstore":{"retention":"2h"}}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(WaitCondition("default", "good", "Degraded", "True/InvalidSpec"));
  EXPECT_EQ(ObjectsOf("default", "good"), before);
  Json cm = Get("/api/v1/namespaces/default/configmaps/good-logstore-config");
  EXPECT_EQ(cm.dump().find("2h\""), std::string::npos);
  // Fixed: Healthy again, and an Event said what was wrong.
  r = Kubectl({"patch", "logstack", "good", "--type=merge", "-p",
               R"({"spec":{"logstore":{"retention":"48h"}}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(WaitCondition("default", "good", "Degraded", "False/Healthy"));
  EXPECT_TRUE(WaitCondition("default", "good", "Ready", "True/Ready"));
  r = Kubectl({"get", "events", "--field-selector", "involvedObject.name=good,reason=InvalidSpec",
               "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["items"].size(), 1u) << r.out;
}

TEST_F(ControllerTest, UnknownStorageClassBlocksUntilItExists) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("sc", "default", "{logstore: {storage: {storageClassName: fast}}}"));
  ASSERT_TRUE(WaitCondition("default", "sc", "Degraded", "True/StorageClassNotFound"));
  EXPECT_EQ(ConditionOf("default", "sc", "Ready"), "False/StorageClassNotFound");
  EXPECT_TRUE(ObjectsOf("default", "sc").empty());
  auto r = Kubectl(
      {"apply", "-f", SourceDir() + "/tests/operator/controller/testdata/storageclass-fast.yaml"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(WaitCondition("default", "sc", "Ready", "True/Ready"));
  Json sts = Get(StsPath("default", "sc-logstore"));
  EXPECT_EQ(sts["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"], "fast");
}

TEST_F(ControllerTest, NamespaceConflictDegradesTheYoungerLogStack) {
  StartController();
  CreateNamespace("shop");
  CreateNamespace("logging");
  Apply(LogStackYaml("team", "shop"));
  ASSERT_TRUE(Eventually([&] { return Converged("shop", "team"); }));
  // Created later (creationTimestamp has seconds, from the test server's real
  // clock) and collecting "shop" as well.
  const std::string team_created =
      Get(kLs + "shop/logstacks/team")["metadata"].value("creationTimestamp", "");
  ASSERT_FALSE(team_created.empty());
  ASSERT_TRUE(Eventually(
      [&] { return go::FormatRfc3339(RealClock::Default().NowNanos()) > team_created; }));
  Apply(LogStackYaml("platform", "logging", "{collector: {namespaces: [shop, logging]}}"));
  ASSERT_TRUE(WaitCondition("logging", "platform", "Degraded", "True/NamespaceConflict"));
  // And it stays so on the passes that follow its own Degraded status.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(RunPasses("logging/platform", 1));
    ASSERT_TRUE(ObjectsOf("logging", "platform").empty()) << "after pass " << i;
  }
  EXPECT_EQ(ConditionOf("shop", "team", "Degraded"), "False/Healthy");
  // The older one goes away: the younger one proceeds.
  auto r = Kubectl({"delete", "logstack", "team", "-n", "shop"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(WaitCondition("logging", "platform", "Degraded", "False/Healthy"));
  EXPECT_TRUE(Eventually([&] { return Converged("logging", "platform"); }));
}

TEST_F(ControllerTest, DeleteRunsTheFinalizer) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("gone", "default"));
  ASSERT_TRUE(WaitCondition("default", "gone", "Ready", "True/Ready"));
  LogStack meta;
  meta.meta.name = "gone";
  meta.meta.namespace_ = "default";
  const std::string cr = manifests::CollectorClusterRoleName(meta);
  ASSERT_FALSE(Get("/apis/rbac.authorization.k8s.io/v1/clusterroles/" + cr).is_null());
  ASSERT_FALSE(Get("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/" + cr).is_null());

  auto r = Kubectl({"delete", "logstack", "gone", "--wait=false"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = Kubectl({"wait", "--for=delete", "logstack/gone", "--timeout=30s"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(Get("/apis/rbac.authorization.k8s.io/v1/clusterroles/" + cr).is_null());
  EXPECT_TRUE(Get("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/" + cr).is_null());
  // Namespaced objects went with their owner (the garbage collector).
  EXPECT_TRUE(Eventually([&] { return ObjectsOf("default", "gone").empty(); }, 10s))
      << ::testing::PrintToString(ObjectsOf("default", "gone"));
}

TEST_F(ControllerTest, PruneWhatTheSpecNoLongerWants) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("p", "default", "{grafana: {deploy: {enabled: true}}}"));
  ASSERT_TRUE(WaitCondition("default", "p", "Ready", "True/Ready"));
  ASSERT_FALSE(Get("/apis/apps/v1/namespaces/default/deployments/p-grafana").is_null());
  Json secret = Get("/api/v1/namespaces/default/secrets/p-grafana-admin");
  ASSERT_FALSE(secret.is_null());
  const std::string password = secret["data"]["admin-password"];
  EXPECT_GE(password.size(), 32u);
  Json ls = Get(kLs + "default/logstacks/p");
  EXPECT_EQ(ls["status"]["grafana"]["adminSecret"], "p-grafana-admin");
  EXPECT_EQ(ls["status"]["grafana"]["endpoint"], "http://p-grafana.default.svc.cluster.local:3000");
  // The password survives reconciles and restarts of the operator.
  StopController();
  StartController();
  EXPECT_TRUE(Eventually([&] { return Converged("default", "p"); }));
  EXPECT_EQ(Get("/api/v1/namespaces/default/secrets/p-grafana-admin")["data"]["admin-password"],
            password);

  // Grafana off, collector off: their objects go.
  auto r = Kubectl(
      {"patch", "logstack", "p", "--type=merge", "-p",
       R"({"spec":{"grafana":{"deploy":{"enabled":false}},"collector":{"enabled":false}}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually([&] { return Converged("default", "p"); }))
      << ::testing::PrintToString(ObjectsOf("default", "p"));
  EXPECT_TRUE(Get("/apis/apps/v1/namespaces/default/deployments/p-grafana").is_null());
  EXPECT_TRUE(Get("/apis/apps/v1/namespaces/default/daemonsets/p-collector").is_null());
  // The status of the new generation.
  EXPECT_TRUE(Eventually([&] {
    ls = Get(kLs + "default/logstacks/p");
    return ls["status"]["observedGeneration"] == kube::Generation(ls) &&
           ConditionOf("default", "p", "Ready") == "True/Ready";
  }));
  EXPECT_EQ(ls["status"]["collector"]["ready"], "disabled");
  EXPECT_FALSE(ls["status"].contains("grafana"));
}

TEST_F(ControllerTest, GrafanaDatasourceOnceItsCrdAppears) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("g", "default"));
  ASSERT_TRUE(WaitCondition("default", "g", "Ready", "True/Ready"));
  const std::string gds =
      "/apis/grafana.integreatly.org/v1beta1/namespaces/default/grafanadatasources";
  auto r =
      Kubectl({"apply", "-f",
               SourceDir() + "/tests/operator/controller/testdata/grafana-datasource-crd.yaml"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually([&] { return Converged("default", "g", true); }))
      << ::testing::PrintToString(ObjectsOf("default", "g"));
  Json list = Get(gds);
  ASSERT_EQ(list["items"].size(), 1u);
}

class FakeProber final : public StoreProber {
 public:
  Status Probe(const std::string& url) override {
    std::lock_guard<std::mutex> l(mu_);
    last_url_ = url;
    return up_ ? Status::Ok() : Unavailable("GET " + url + "/ready: connection refused");
  }
  void SetUp(bool up) {
    std::lock_guard<std::mutex> l(mu_);
    up_ = up;
  }
  StatusOr<StorageReport> Storage(const std::string& url) override {
    std::lock_guard<std::mutex> l(mu_);
    last_storage_url_ = url;
    ++storage_reads_;
    if (!storage_) return Unavailable("GET " + url + "/metrics: connection refused");
    return *storage_;
  }
  void SetStorage(std::optional<StorageReport> r) {
    std::lock_guard<std::mutex> l(mu_);
    storage_ = r;
  }
  std::string last_storage_url() {
    std::lock_guard<std::mutex> l(mu_);
    return last_storage_url_;
  }
  int storage_reads() {
    std::lock_guard<std::mutex> l(mu_);
    return storage_reads_;
  }
  std::string last_url() {
    std::lock_guard<std::mutex> l(mu_);
    return last_url_;
  }

 private:
  std::mutex mu_;
  bool up_ = false;
  std::string last_url_;
  std::optional<StorageReport> storage_;
  std::string last_storage_url_;
  int storage_reads_ = 0;
};

// The bundled store's volume reaches status.logstore.storage once the store
// is ready; a change under a whole percent is not written; going under the
// free-space floor is (with a Warning Event).
TEST_F(ControllerTest, StoreVolumeIsReportedInStatus) {
  FakeProber prober;
  const uint64_t gib = uint64_t{1} << 30;
  prober.SetStorage(StorageReport{10 * gib, 8 * gib, gib});
  ControllerOptions o = DefaultOptions();
  o.reconciler.storage_recheck = 100ms;
  StartController(o, &prober);
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("vol", "default"));
  ASSERT_TRUE(WaitCondition("default", "vol", "Ready", "True/Ready"));
  const std::string path = kLs + "default/logstacks/vol";
  ASSERT_TRUE(Eventually([&] { return Get(path)["status"]["logstore"].contains("storage"); }));
  Json storage = Get(path)["status"]["logstore"]["storage"];
  EXPECT_EQ(storage["capacityBytes"], 10 * gib);
  EXPECT_EQ(storage["freeBytes"], 8 * gib);
  EXPECT_EQ(storage["usedBytes"], 2 * gib);
  EXPECT_EQ(storage["minFreeBytes"], gib);
  EXPECT_EQ(storage["usedPercent"], 20);
  EXPECT_EQ(prober.last_storage_url(), "http://vol-logstore.default.svc.cluster.local:3100");

  // Let the writes of getting Ready (status, Events) settle: three reads of
  // the volume in a row with no write between them.
  uint64_t writes = 0;
  ASSERT_TRUE(Eventually([&] {
    writes = api().WriteRequestCount();
    const int reads = prober.storage_reads();
    if (!Eventually([&] { return prober.storage_reads() >= reads + 3; })) return false;
    return api().WriteRequestCount() == writes;
  }));
  // A few MiB more in use: the same whole percent, so no status write.
  prober.SetStorage(StorageReport{10 * gib, 8 * gib - (5 << 20), gib});
  const int reads = prober.storage_reads();
  ASSERT_TRUE(Eventually([&] { return prober.storage_reads() >= reads + 3; }));
  EXPECT_EQ(api().WriteRequestCount(), writes);

  // Under the floor: reported, and a Warning Event says what to do.
  prober.SetStorage(StorageReport{10 * gib, gib / 2, gib});
  ASSERT_TRUE(Eventually(
      [&] { return Get(path)["status"]["logstore"]["storage"]["usedPercent"] == Json(95); }));
  EXPECT_TRUE(Eventually([&] {
    auto r = Kubectl({"get", "events", "-o", "json"});
    return r.out.find("StorageLow") != std::string::npos &&
           r.out.find("raise spec.logstore.storage.size") != std::string::npos;
  }));
}

TEST_F(ControllerTest, ExternalStoreIsProbed) {
  FakeProber prober;
  ControllerOptions o = DefaultOptions();
  o.reconciler.external_recheck = 200ms;
  StartController(o, &prober);
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("ext", "default", "{logstore: {external: {url: 'http://loki-gw.loki:80'}}}"));
  ASSERT_TRUE(WaitCondition("default", "ext", "Ready", "False/ExternalStoreUnreachable"));
  EXPECT_EQ(ConditionOf("default", "ext", "Degraded"), "True/ExternalStoreUnreachable");
  EXPECT_EQ(prober.last_url(), "http://loki-gw.loki:80");
  EXPECT_TRUE(Get(StsPath("default", "ext-logstore")).is_null());
  prober.SetUp(true);
  EXPECT_TRUE(WaitCondition("default", "ext", "Ready", "True/Ready"));
  Json ls = Get(kLs + "default/logstacks/ext");
  EXPECT_EQ(ls["status"]["logstore"]["ready"], "external");
  EXPECT_EQ(ls["status"]["logstore"]["endpoint"], "http://loki-gw.loki:80");
}

TEST_F(ControllerTest, ConvergesThroughApiFaults) {
  StartController();
  FakeKubelet kubelet(api());
  kubelet.Start();
  Apply(LogStackYaml("f1", "default"));
  ASSERT_TRUE(WaitCondition("default", "f1", "Ready", "True/Ready"));

  // Watches drop and history is compacted while things change.
  api().CloseWatches();
  auto r = Kubectl({"delete", "service", "f1-logstore"});
  ASSERT_EQ(r.code, 0) << r.err;
  api().CompactHistory();
  api().CloseWatches();
  EXPECT_TRUE(Eventually(
      [&] { return !Get("/api/v1/namespaces/default/services/f1-logstore").is_null(); }, 15s));

  // Writes fail with 500, 409 and 429 while a new LogStack is created.
  CreateNamespace("f2");
  api().FailNext("/api/v1/namespaces/f2/serviceaccounts", 3, 500, 1, "POST");
  api().FailNext("/apis/apps/v1/namespaces/f2/statefulsets", 2, 409, 1, "POST");
  api().FailNext("/api/v1/namespaces/f2/configmaps", 2, 429, 1, "POST");
  api().FailNext("/apis/logstack.io/v1alpha1/namespaces/f2/logstacks/f2/status", 2, 500, 1, "PUT");
  Apply(LogStackYaml("f2", "f2"));
  EXPECT_TRUE(Eventually([&] { return Converged("f2", "f2"); }, 30s))
      << ::testing::PrintToString(ObjectsOf("f2", "f2"));
  EXPECT_TRUE(WaitCondition("f2", "f2", "Ready", "True/Ready", 30s));
  EXPECT_EQ(ConditionOf("default", "f1", "Ready"), "True/Ready");
}

// The resync runs on the controller's Clock: a day of a FakeClock brings it,
// where the real clock would not for a day. It enqueues every LogStack, so
// three of them get a pass each; a stray pass left over from the setup would
// be one key's.
TEST_F(ControllerTest, ResyncIsTimedByTheControllersClock) {
  FakeClock clock;
  ControllerOptions o = DefaultOptions();
  o.resync_period = 24h;
  o.reconciler.storage_recheck = 48h;  // a ready stack's own requeue: later than the resync
  o.clock_poll_interval = 5ms;
  StartController(o, nullptr, &clock);
  FakeKubelet kubelet(api());
  kubelet.Start();
  const std::vector<std::string> namespaces = {"r0", "r1", "r2"};  // one LogStack "r" in each
  for (const auto& ns : namespaces) {
    CreateNamespace(ns);
    Apply(LogStackYaml("r", ns));
  }
  for (const auto& ns : namespaces) {
    ASSERT_TRUE(Eventually([&] {
      clock.Advance(50ms);
      return ConditionOf(ns, "r", "Ready") == "True/Ready";
    })) << ns
        << ": " << ConditionOf(ns, "r", "Ready");
  }
  // Requeues from before they were ready are due within the hour: run them
  // out, so that only the resync is left to bring three passes.
  clock.Advance(1h);
  for (const auto& ns : namespaces) ASSERT_TRUE(RunPasses(ns + "/r"));
  const double before = Passes();
  clock.Advance(23h);  // a day since the controller started
  EXPECT_TRUE(Eventually([&] { return Passes() >= before + 3; }))
      << Passes() - before << " passes after a day";
}

// The issue asks for a quiet minute: a minute of the controller's clock, a
// FakeClock here, so that it takes seconds. LOGSTACK_OPERATOR_QUIET_SECONDS
// changes its length.
TEST_F(ControllerTest, NoWritesWhenQuietWithTenLogStacks) {
  int quiet_seconds = 60;
  if (const char* q = std::getenv("LOGSTACK_OPERATOR_QUIET_SECONDS")) quiet_seconds = std::atoi(q);
  FakeClock clock;
  ControllerOptions o = DefaultOptions();
  o.resync_period = 1s;  // every LogStack is reconciled again and again meanwhile
  o.clock_poll_interval = 5ms;
  StartController(o, nullptr, &clock);
  FakeKubelet kubelet(api());
  kubelet.Start();
  for (int i = 0; i < 10; ++i) {
    const std::string ns = "team-" + std::to_string(i);
    CreateNamespace(ns);
    Apply(LogStackYaml("q", ns, i == 3 ? "{grafana: {deploy: {enabled: true}}}" : "{}"));
  }
  // While they come up, the clock moves on as the test waits: requeues and
  // backoffs are timed by it.
  for (int i = 0; i < 10; ++i) {
    const std::string ns = "team-" + std::to_string(i);
    ASSERT_TRUE(Eventually(
        [&] {
          clock.Advance(50ms);
          return ConditionOf(ns, "q", "Ready") == "True/Ready";
        },
        30s))
        << ns << ": " << ConditionOf(ns, "q", "Ready");
  }
  // One resync: the clock moves a period on and every LogStack gets a pass.
  auto resync = [&] {
    const double before = Passes();
    clock.Advance(o.resync_period);
    return Eventually([&] { return Passes() >= before + 10; });
  };
  // Settled: the last status writes and Events landed, a whole resync wrote nothing.
  ASSERT_TRUE(Eventually(
      [&] {
        const uint64_t writes = counting_->Writes();
        return resync() && counting_->Writes() == writes;
      },
      60s));
  const uint64_t rv = api().CurrentResourceVersion();
  const uint64_t writes = counting_->Writes();
  const uint64_t server_writes = api().WriteRequestCount();
  for (int second = 0; second < quiet_seconds; ++second) {
    ASSERT_TRUE(resync()) << "resyncs should reconcile every LogStack every second (second "
                          << second << ")";
  }
  EXPECT_EQ(counting_->Writes(), writes) << "the operator wrote in a quiet period";
  EXPECT_EQ(api().WriteRequestCount(), server_writes) << "the server got writes in a quiet period";
  EXPECT_EQ(api().CurrentResourceVersion(), rv) << "something changed in a quiet period";
}

}  // namespace
}  // namespace logstack::op::controller::testing
