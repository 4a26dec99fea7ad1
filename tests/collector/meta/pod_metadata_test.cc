// PodMetadata (collector/meta/pod_metadata.h) against the Kubernetes API test
// server (tests/kube/server): pods on two nodes behind the spec.nodeName field
// selector, namespace lists and label selectors (with labels that change),
// the exclude annotation, and deleted pods kept for their grace period.

#include "collector/meta/pod_metadata.h"

#include <gtest/gtest.h>

#include <atomic>

#include "collector/meta/pod_labels.h"
#include "tests/kube/server/test_server.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/eventually.h"

namespace logstack::collector {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using kubetest::KubeTestServer;
using testutil::Eventually;

Json Pod(const std::string& ns, const std::string& name, const std::string& node,
         Json labels = Json::object(), Json annotations = Json::object()) {
  Json meta = {{"name", name}, {"namespace", ns}, {"labels", labels}};
  if (!annotations.empty()) meta["annotations"] = annotations;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", meta},
          {"spec",
           {{"nodeName", node}, {"containers", Json::array({{{"name", "c"}, {"image", "x"}}})}}}};
}

class PodMetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = KubeTestServer::Start({});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    kube::RestConfig c;
    c.server = server_->url();
    c.qps = 0;
    c.timeout = 10s;
    auto client = kube::NewKubeClient(c);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);

    CreateNamespace("team-a", {{"logs", "on"}});
    CreateNamespace("team-b", {{"logs", "off"}});
    web_uid_ = Create(Pod("team-a", "web-7d4b9c8f5d-x2kzq", "node-1",
                          {{"app.kubernetes.io/name", "shop"},
                           {"tier", "frontend"},
                           {"pod-template-hash", "7d4b9c8f5d"}}));
    Create(Pod("team-a", "db-0", "node-1"));
    Create(Pod("team-a", "elsewhere-0", "node-2", {{"app", "elsewhere"}}));
    Create(Pod("team-b", "api-0", "node-1", {{"app", "api"}}));
    Create(
        Pod("team-a", "quiet-0", "node-1", {{"app", "quiet"}}, {{"logstack.io/exclude", "true"}}));
  }

  void TearDown() override {
    meta_.reset();
    server_.reset();
  }

  void CreateNamespace(const std::string& name, Json labels) {
    auto r = server_->api().Call("POST", "/api/v1/namespaces",
                                 {{"apiVersion", "v1"},
                                  {"kind", "Namespace"},
                                  {"metadata", {{"name", name}, {"labels", labels}}}});
    ASSERT_EQ(r.status, 201) << r.body.dump();
  }
  // Returns the uid the server gave the pod.
  std::string Create(const Json& pod) {
    auto r = server_->api().Call(
        "POST", "/api/v1/namespaces/" + pod["metadata"]["namespace"].get<std::string>() + "/pods",
        pod);
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body["metadata"].value("uid", "");
  }
  void Patch(const std::string& path, const Json& patch) {
    auto r = server_->api().Call("PATCH", path, patch, "application/merge-patch+json");
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }
  void Delete(const std::string& path) {
    auto r = server_->api().Call("DELETE", path);
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }

  // Starts a PodMetadata and waits for its first lists.
  void StartMeta(PodMetadataOptions o) {
    o.gone_grace = 10min;
    o.on_change = [this] { changes_.fetch_add(1); };
    o.reflector.initial_backoff = 10ms;
    o.reflector.max_backoff = 100ms;
    meta_ = std::make_unique<PodMetadata>(*client_, std::move(o), clock_);
    EXPECT_FALSE(meta_->HasSynced());
    EXPECT_EQ(meta_->Lookup("team-a", "db-0").state, PodState::kNotSynced);
    meta_->Start();
    ASSERT_TRUE(meta_->WaitForSync(20s));
  }

  PodState StateOf(const std::string& ns, const std::string& name, const std::string& uid = "") {
    return meta_->Lookup(ns, name, uid).state;
  }

  FakeClock clock_;
  std::unique_ptr<KubeTestServer> server_;
  kube::KubeClientPtr client_;
  std::unique_ptr<PodMetadata> meta_;
  std::atomic<int> changes_{0};
  std::string web_uid_;
};

TEST_F(PodMetadataTest, SeesOnlyThisNodesPods) {
  PodMetadataOptions o;
  o.node_name = "node-1";
  StartMeta(o);

  PodLookup web = meta_->Lookup("team-a", "web-7d4b9c8f5d-x2kzq", web_uid_);
  ASSERT_EQ(web.state, PodState::kFound);
  EXPECT_EQ(web.info.uid, web_uid_);
  EXPECT_EQ(web.info.labels.at("tier"), "frontend");
  EXPECT_EQ(web.namespace_selected, true);  // no list, no selector: every namespace
  EXPECT_TRUE(web.collect());

  // The labels the tailer will put on this pod's lines.
  PodLabelRules rules{"node-1", {{"tier", "tier"}}};
  EXPECT_EQ(
      ContainerLabels({"team-a", "web-7d4b9c8f5d-x2kzq", "server"}, "stdout", &web.info, rules)
          .ToString(),
      "{app=\"shop\", container=\"server\", job=\"team-a/shop\", namespace=\"team-a\", "
      "node_name=\"node-1\", pod=\"web-7d4b9c8f5d-x2kzq\", stream=\"stdout\", "
      "tier=\"frontend\"}");

  EXPECT_EQ(StateOf("team-a", "db-0"), PodState::kFound);
  // Another node's pod is not watched: unknown here.
  EXPECT_EQ(StateOf("team-a", "elsewhere-0"), PodState::kUnknown);
  // A uid that is not the pod's: another (older) pod of that name.
  EXPECT_EQ(StateOf("team-a", "db-0", "not-its-uid"), PodState::kUnknown);

  // A pod scheduled here later arrives through the watch.
  const int before = changes_.load();
  const uint64_t version = meta_->Version();
  Create(Pod("team-a", "late-x2kzq", "node-1"));
  ASSERT_TRUE(Eventually([&] { return StateOf("team-a", "late-x2kzq") == PodState::kFound; }));
  EXPECT_GT(changes_.load(), before);
  EXPECT_GT(meta_->Version(), version);
}

TEST_F(PodMetadataTest, EmptyNodeNameSeesEveryPod) {
  StartMeta({});
  EXPECT_EQ(StateOf("team-a", "elsewhere-0"), PodState::kFound);
  EXPECT_EQ(StateOf("team-a", "db-0"), PodState::kFound);
}

TEST_F(PodMetadataTest, NamespaceList) {
  PodMetadataOptions o;
  o.node_name = "node-1";
  o.namespaces = {"team-a", "team-c"};
  StartMeta(o);

  EXPECT_TRUE(meta_->Lookup("team-a", "db-0").collect());
  PodLookup api = meta_->Lookup("team-b", "api-0");
  EXPECT_EQ(api.state, PodState::kFound);  // watched (one informer for the node), not collected
  EXPECT_EQ(api.namespace_selected, false);
  EXPECT_FALSE(api.collect());
  EXPECT_EQ(meta_->NamespaceSelected("team-c"), true);
  EXPECT_EQ(meta_->NamespaceSelected("kube-system"), false);
}

TEST_F(PodMetadataTest, NamespaceSelectorFollowsLabelChanges) {
  auto sel = LabelSelector::FromJson(Json::parse(R"({
      "matchLabels": {"logs": "on"},
      "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                            "values": ["kube-system"]}]})"));
  ASSERT_TRUE(sel.ok()) << sel.status().ToString();
  PodMetadataOptions o;
  o.node_name = "node-1";
  o.namespaces = {"team-b"};  // a selector wins over a list
  o.namespace_selector = *sel;
  StartMeta(o);

  EXPECT_EQ(meta_->NamespaceSelected("team-a"), true);
  EXPECT_EQ(meta_->NamespaceSelected("team-b"), false);
  EXPECT_EQ(meta_->NamespaceSelected("kube-system"), false);
  EXPECT_EQ(meta_->NamespaceSelected("no-such-namespace"), std::nullopt);
  EXPECT_TRUE(meta_->Lookup("team-a", "db-0").collect());
  EXPECT_FALSE(meta_->Lookup("team-b", "api-0").collect());

  // team-b opts in, team-a out.
  Patch("/api/v1/namespaces/team-b", {{"metadata", {{"labels", {{"logs", "on"}}}}}});
  Patch("/api/v1/namespaces/team-a", {{"metadata", {{"labels", {{"logs", nullptr}}}}}});
  ASSERT_TRUE(Eventually([&] {
    return meta_->NamespaceSelected("team-b") == true &&
           meta_->NamespaceSelected("team-a") == false;
  }));
  EXPECT_TRUE(meta_->Lookup("team-b", "api-0").collect());
  EXPECT_FALSE(meta_->Lookup("team-a", "db-0").collect());

  // A new namespace that matches.
  CreateNamespace("team-c", {{"logs", "on"}});
  ASSERT_TRUE(Eventually([&] { return meta_->NamespaceSelected("team-c") == true; }));

  // A deleted namespace keeps its last labels for the grace period, so its
  // pods' remaining lines are still collected, then is forgotten.
  // Two changes: the namespace and its one pod on this node (api-0).
  const int before = changes_.load();
  Delete("/api/v1/namespaces/team-b");
  ASSERT_TRUE(Eventually([&] { return changes_.load() >= before + 2; }));
  EXPECT_EQ(StateOf("team-b", "api-0"), PodState::kGone);
  EXPECT_EQ(meta_->NamespaceSelected("team-b"), true);
  EXPECT_TRUE(meta_->Lookup("team-b", "api-0").collect());
  clock_.Advance(10min);
  EXPECT_EQ(meta_->NamespaceSelected("team-b"), std::nullopt);
  EXPECT_EQ(StateOf("team-b", "api-0"), PodState::kUnknown);
}

TEST_F(PodMetadataTest, SelectorUnknownUntilNamespacesSynced) {
  PodMetadataOptions o;
  o.namespace_selector = LabelSelector();
  meta_ = std::make_unique<PodMetadata>(*client_, o, clock_);
  EXPECT_EQ(meta_->NamespaceSelected("team-a"), std::nullopt);
  PodLookup l = meta_->Lookup("team-a", "db-0");
  EXPECT_EQ(l.state, PodState::kNotSynced);
  EXPECT_FALSE(l.collect());
  meta_->Start();
  ASSERT_TRUE(meta_->WaitForSync(20s));
  EXPECT_EQ(meta_->NamespaceSelected("team-a"), true);  // {} matches every namespace
}

TEST_F(PodMetadataTest, ExcludeAnnotationOptsOut) {
  PodMetadataOptions o;
  o.node_name = "node-1";
  o.namespaces = {"team-a"};
  StartMeta(o);

  PodLookup quiet = meta_->Lookup("team-a", "quiet-0");
  EXPECT_EQ(quiet.state, PodState::kFound);
  EXPECT_TRUE(quiet.info.excluded);
  EXPECT_FALSE(quiet.collect());

  Patch("/api/v1/namespaces/team-a/pods/db-0",
        {{"metadata", {{"annotations", {{"logstack.io/exclude", "true"}}}}}});
  ASSERT_TRUE(Eventually([&] { return !meta_->Lookup("team-a", "db-0").collect(); }));
  Patch("/api/v1/namespaces/team-a/pods/quiet-0",
        {{"metadata", {{"annotations", {{"logstack.io/exclude", "false"}}}}}});
  ASSERT_TRUE(Eventually([&] { return meta_->Lookup("team-a", "quiet-0").collect(); }));
}

TEST_F(PodMetadataTest, DeletedPodKeepsItsLabelsForTheGracePeriod) {
  PodMetadataOptions o;
  o.node_name = "node-1";
  StartMeta(o);
  const std::string web = "web-7d4b9c8f5d-x2kzq";
  ASSERT_EQ(StateOf("team-a", web, web_uid_), PodState::kFound);

  Delete("/api/v1/namespaces/team-a/pods/" + web);
  ASSERT_TRUE(Eventually([&] { return StateOf("team-a", web, web_uid_) == PodState::kGone; }));
  PodLookup gone = meta_->Lookup("team-a", web, web_uid_);
  EXPECT_EQ(gone.info.uid, web_uid_);
  EXPECT_EQ(gone.info.labels.at("app.kubernetes.io/name"), "shop");
  EXPECT_TRUE(gone.collect());  // its files are finished with the same labels
  EXPECT_EQ(StateOf("team-a", web), PodState::kGone);  // without a uid: the last one deleted
  EXPECT_EQ(StateOf("team-a", web, "other-uid"), PodState::kUnknown);
  EXPECT_EQ(meta_->GonePods(), 1u);

  // A new pod of the same name (a StatefulSet's pod coming back): the new
  // uid is found, the old one is still gone with its own labels.
  std::string new_uid = Create(Pod("team-a", web, "node-1", {{"app", "replacement"}}));
  ASSERT_NE(new_uid, web_uid_);
  ASSERT_TRUE(Eventually([&] { return StateOf("team-a", web, new_uid) == PodState::kFound; }));
  EXPECT_EQ(meta_->Lookup("team-a", web).info.uid, new_uid);
  PodLookup old = meta_->Lookup("team-a", web, web_uid_);
  EXPECT_EQ(old.state, PodState::kGone);
  EXPECT_EQ(AppName(web, &old.info), "shop");

  clock_.Advance(10min - 1ns);
  EXPECT_EQ(StateOf("team-a", web, web_uid_), PodState::kGone);
  clock_.Advance(1ns);
  EXPECT_EQ(StateOf("team-a", web, web_uid_), PodState::kUnknown);
  EXPECT_EQ(meta_->GonePods(), 0u);
}

TEST_F(PodMetadataTest, SurvivesAWatchThatBreaks) {
  PodMetadataOptions o;
  o.node_name = "node-1";
  StartMeta(o);
  server_->api().CloseWatches();
  Create(Pod("team-a", "after-break-0", "node-1"));
  ASSERT_TRUE(Eventually([&] { return StateOf("team-a", "after-break-0") == PodState::kFound; }));
  // A deletion missed while the watch is down (and no longer in the
  // server's history) is found by the relist.
  server_->api().FailNext("/api/v1/pods", 1'000'000, 500);
  server_->api().CloseWatches();
  Delete("/api/v1/namespaces/team-a/pods/db-0");
  server_->api().CompactHistory();
  server_->api().ClearFaults();
  ASSERT_TRUE(Eventually([&] { return StateOf("team-a", "db-0") == PodState::kGone; }));
  EXPECT_EQ(meta_->Lookup("team-a", "db-0").info.owner, PodOwner());
}

}  // namespace
}  // namespace logstack::collector
