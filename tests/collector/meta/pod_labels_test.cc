// The label rules (collector/meta/pod_labels.h) and PodInfo's reading of a
// pod (pod_info.h), as tables of plain values.

#include "collector/meta/pod_labels.h"

#include <gtest/gtest.h>

#include "collector/meta/pod_info.h"

namespace logstack::collector {
namespace {

using Json = nlohmann::json;

TEST(PodLabelsTest, PodNameStem) {
  const std::pair<const char*, const char*> cases[] = {
      // Deployment: <name>-<pod-template-hash>-<random 5>.
      {"web-7d4b9c8f5d-x2kzq", "web"},
      {"coredns-5d78c9869d-4xwzn", "coredns"},
      {"my-api-server-6c8f9b7d4-q7p2v", "my-api-server"},
      // Older numeric hash.
      {"web-1234567890-x2kzq", "web"},
      // DaemonSet, Job, bare ReplicaSet: <name>-<random 5>.
      {"fluent-bit-x2kzq", "fluent-bit"},
      {"kube-proxy-7lqzp", "kube-proxy"},
      {"migrate-db-2n6rk", "migrate-db"},
      // CronJob: <cronjob>-<scheduled minute>-<random 5>.
      {"backup-28512345-x2kzq", "backup"},
      // StatefulSet ordinals.
      {"db-0", "db"},
      {"kafka-broker-12", "kafka-broker"},
      {"zk-10345", "zk"},
      // Nothing that looks like a suffix.
      {"nginx", "nginx"},
      {"my-app", "my-app"},
      {"debug-shell", "debug-shell"},
      {"web-abcde", "web-abcde"},    // vowels: not a random suffix
      {"web-x2kz", "web-x2kz"},      // 4 chars
      {"web-x2kzq1", "web-x2kzq1"},  // 6 chars with a '1'
      {"-x2kzq", "-x2kzq"},
      {"web-", "web-"},
      {"", ""},
      // A random suffix before which is a short segment: only the suffix goes.
      {"api-v2-x2kzq", "api-v2"},
      // The documented false guess: a name segment that looks like a hash.
      {"pg-bcdfgh-x2kzq", "pg"},
  };
  for (const auto& [name, want] : cases) {
    EXPECT_EQ(PodNameStem(name), want) << name;
  }
}

TEST(PodLabelsTest, ControllerStem) {
  struct Case {
    const char* pod;
    PodOwner owner;
    const char* want;
  };
  const Case cases[] = {
      {"web-6b5f4d-x2kzq", {"ReplicaSet", "web-6b5f4d", "6b5f4d"}, "web"},
      // The hash label decides, whatever it looks like.
      {"web-1-x2kzq", {"ReplicaSet", "web-1", "1"}, "web"},
      // A bare ReplicaSet (no pod-template-hash), or one whose name lacks it.
      {"cache-x2kzq", {"ReplicaSet", "cache", ""}, "cache"},
      {"cache-x2kzq", {"ReplicaSet", "cache", "zzz"}, "cache"},
      {"db-0", {"StatefulSet", "db", ""}, "db"},
      {"fluent-bit-x2kzq", {"DaemonSet", "fluent-bit", ""}, "fluent-bit"},
      {"migrate-x2kzq", {"Job", "migrate", ""}, "migrate"},
      {"backup-28512345-x2kzq", {"Job", "backup-28512345", ""}, "backup"},
      {"backup-v2-x2kzq", {"Job", "backup-v2", ""}, "backup-v2"},
      {"kube-apiserver-node-1", {"Node", "node-1", ""}, "kube-apiserver"},
      {"etcd", {"Node", "node-1", ""}, "etcd"},
      {"rollout-x2kzq", {"Rollout", "rollout", ""}, "rollout"},
      {"lonely", {"", "", ""}, ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ControllerStem(c.pod, c.owner), c.want) << c.pod << " " << c.owner.kind;
  }
}

TEST(PodLabelsTest, AppName) {
  PodInfo both;
  both.labels = {{"app.kubernetes.io/name", "shop"}, {"app", "legacy"}};
  both.owner = {"StatefulSet", "db", ""};
  PodInfo app_only;
  app_only.labels = {{"app", "legacy"}, {"app.kubernetes.io/name", ""}};
  PodInfo owner_only;
  owner_only.owner = {"ReplicaSet", "web-6b5f4d", "6b5f4d"};
  owner_only.labels = {{"pod-template-hash", "6b5f4d"}};
  PodInfo bare;

  EXPECT_EQ(AppName("db-0", &both), "shop");
  EXPECT_EQ(AppName("db-0", &app_only), "legacy");  // an empty label counts as absent
  EXPECT_EQ(AppName("web-6b5f4d-x2kzq", &owner_only), "web");
  EXPECT_EQ(AppName("debug-x2kzq", &bare), "debug");
  EXPECT_EQ(AppName("web-7d4b9c8f5d-x2kzq", nullptr), "web");
}

TEST(PodLabelsTest, SanitizeLabelName) {
  const std::pair<const char*, const char*> cases[] = {
      {"team", "team"},     {"app.kubernetes.io/part-of", "app_kubernetes_io_part_of"},
      {"9lives", "_lives"}, {"a9", "a9"},
      {"_x", "_x"},         {"", "_"},
      {"ü", "__"},  // two bytes of UTF-8
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(SanitizeLabelName(in), want) << in;
}

TEST(PodLabelsTest, NormalizePodLabelCopies) {
  auto ok = NormalizePodLabelCopies(
      {{"app.kubernetes.io/version", ""}, {"team", "owner-team"}, {"tier", "tier"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok,
            (std::vector<PodLabelCopy>{{"app.kubernetes.io/version", "app_kubernetes_io_version"},
                                       {"team", "owner_team"},
                                       {"tier", "tier"}}));

  const std::pair<std::vector<PodLabelCopy>, const char*> bad[] = {
      {{{"app", ""}}, "collector's own label \"app\""},
      {{{"x", "namespace"}}, "own label \"namespace\""},
      {{{"x", "node-name"}}, "own label \"node_name\""},
      {{{"x", "__name__"}}, "reserved"},
      {{{"a.b", ""}, {"a_b", ""}}, "two pod labels are copied to the label \"a_b\""},
      {{{"", "x"}}, "pod label name is empty"},
  };
  for (const auto& [copies, want] : bad) {
    auto r = NormalizePodLabelCopies(copies);
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().message();
  }
}

TEST(PodLabelsTest, ContainerLabels) {
  PodInfo pod;
  pod.uid = "0d7b1c2e-uid";
  pod.labels = {{"app.kubernetes.io/name", "shop"}, {"team", "payments"}, {"tier", ""}};
  PodLabelRules rules;
  rules.node_name = "node-1";
  rules.copy = {{"team", "team"}, {"tier", "tier"}, {"missing", "missing"}};

  ContainerRef ref{"prod", "shop-7d4b9c8f5d-x2kzq", "server"};
  LabelSet with_meta = ContainerLabels(ref, "stdout", &pod, rules);
  EXPECT_EQ(with_meta.ToString(),
            "{app=\"shop\", container=\"server\", job=\"prod/shop\", namespace=\"prod\", "
            "node_name=\"node-1\", pod=\"shop-7d4b9c8f5d-x2kzq\", stream=\"stdout\", "
            "team=\"payments\"}");
  for (const auto& [name, value] : with_meta.pairs()) {
    EXPECT_EQ(value.find("uid"), std::string::npos) << name;  // the uid is never a label
  }

  // Without metadata: the path and the stem only.
  EXPECT_EQ(ContainerLabels(ref, "stderr", nullptr, rules).ToString(),
            "{app=\"shop\", container=\"server\", job=\"prod/shop\", namespace=\"prod\", "
            "node_name=\"node-1\", pod=\"shop-7d4b9c8f5d-x2kzq\", stream=\"stderr\"}");

  // No node name, no stream: those labels are absent, not empty.
  EXPECT_EQ(ContainerLabels({"ns", "db-0", "c"}, "", nullptr, {}).ToString(),
            "{app=\"db\", container=\"c\", job=\"ns/db\", namespace=\"ns\", pod=\"db-0\"}");

  // A copy that was not normalised cannot replace the collector's labels.
  PodLabelRules sneaky;
  sneaky.copy = {{"team", "namespace"}};
  EXPECT_EQ(*ContainerLabels(ref, "stdout", &pod, sneaky).Get("namespace"), "prod");

  // Deterministic: the same inputs, the same labels.
  EXPECT_EQ(ContainerLabels(ref, "stdout", &pod, rules), with_meta);
}

TEST(PodInfoTest, FromObject) {
  Json pod = Json::parse(R"({
    "metadata": {
      "name": "web-6b5f4d-x2kzq", "namespace": "prod", "uid": "u-1",
      "labels": {"app": "web", "pod-template-hash": "6b5f4d", "n": 1},
      "annotations": {"logstack.io/exclude": "true", "other": "x"},
      "ownerReferences": [
        {"kind": "Something", "name": "not-controller", "controller": false},
        {"kind": "ReplicaSet", "name": "web-6b5f4d", "controller": true}
      ]
    }
  })");
  PodInfo info = PodInfoFromObject(pod);
  EXPECT_EQ(info.uid, "u-1");
  EXPECT_EQ(info.labels,
            (std::map<std::string, std::string>{{"app", "web"}, {"pod-template-hash", "6b5f4d"}}));
  EXPECT_EQ(info.annotations.size(), 2u);
  EXPECT_TRUE(info.excluded);
  EXPECT_EQ(info.owner, (PodOwner{"ReplicaSet", "web-6b5f4d", "6b5f4d"}));

  for (const char* v : {"false", "True", "yes", ""}) {
    Json p = pod;
    p["metadata"]["annotations"]["logstack.io/exclude"] = v;
    EXPECT_FALSE(PodInfoFromObject(p).excluded) << v;
  }

  // Garbage reads as absent, never throws.
  for (const char* text :
       {R"(null)", R"([])", R"({"metadata": 1})", R"({"metadata": {"ownerReferences": {}}})",
        R"({"metadata": {"ownerReferences": [1, {"controller": true}]}})",
        R"({"metadata": {"labels": [], "annotations": "x"}})"}) {
    PodInfo p = PodInfoFromObject(Json::parse(text));
    EXPECT_EQ(p, PodInfo()) << text;
  }
}

}  // namespace
}  // namespace logstack::collector
