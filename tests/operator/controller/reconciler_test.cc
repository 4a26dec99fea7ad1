// One Reconcile at a time on the mocks (tests/mocks): a StrictMock KubeClient
// and ObjectCache, so every read of the cache and every call to the API
// server is one the test expects. No API server, no kubectl: what is checked
// is the calls themselves (create what is missing, after the finalizer, with
// the status last; nothing when nothing changed; only the status when only the
// workloads' state changed).

#include "operator/controller/reconciler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/go/time.h"
#include "common/kube/object.h"
#include "common/kube/util.h"
#include "operator/controller/constants.h"
#include "operator/controller/mutate.h"
#include "operator/manifests/build.h"
#include "tests/mocks/fake_clock.h"
#include "tests/mocks/kube_client.h"
#include "tests/mocks/object_cache.h"
#include "tests/mocks/store_prober.h"

namespace logstack::op::controller {
namespace {

using kube::Json;
using kube::ResourceIs;
using ::testing::_;
using ::testing::Eq;
using ::testing::Expectation;
using ::testing::ExpectationSet;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrictMock;

const char kNs[] = "default";
const char kName[] = "ls";
const char kKey[] = "default/ls";

MATCHER(HasTheFinalizer, "has the finalizer " + std::string(kFinalizer)) {
  const Json& f = arg["metadata"].value("finalizers", Json::array());
  return std::find(f.begin(), f.end(), Json(kFinalizer)) != f.end();
}

// An object the builders make, with where it lives.
struct Built {
  kube::ResourceRef ref;
  std::string ns;  // "" when cluster-scoped
  Json desired;
  std::string name() const { return kube::Name(desired); }
  std::string cache_key() const { return ns.empty() ? name() : ns + "/" + name(); }
  // Unique across kinds (a Service and a StatefulSet share a name).
  std::string id() const { return ref.resource + "|" + cache_key(); }
};

// What a workload controller would report once the rollout finished (as the
// controller tests' FakeKubelet writes it).
Json RolledOut(const Json& obj) {
  Json o = obj;
  const int64_t gen = kube::Generation(o);
  const std::string kind = o.value("kind", "");
  if (kind == "StatefulSet") {
    const int64_t n = o["spec"].value("replicas", 1);
    o["status"] = {{"observedGeneration", gen}, {"replicas", n},         {"readyReplicas", n},
                   {"currentReplicas", n},      {"updatedReplicas", n},  {"availableReplicas", n},
                   {"currentRevision", "r1"},   {"updateRevision", "r1"}};
  } else if (kind == "DaemonSet") {
    o["status"] = {{"observedGeneration", gen},   {"desiredNumberScheduled", 2},
                   {"currentNumberScheduled", 2}, {"numberReady", 2},
                   {"updatedNumberScheduled", 2}, {"numberAvailable", 2},
                   {"numberMisscheduled", 0}};
  }
  return o;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest()
      : reconciler_(client_, cache_, /*events=*/nullptr, clock_, prober_, Options(),
                    [] { return std::string("a-password"); }) {
    logstack_ = {{"apiVersion", "logstack.io/v1alpha1"},
                 {"kind", "LogStack"},
                 {"metadata",
                  {{"name", kName},
                   {"namespace", kNs},
                   {"uid", "ls-uid"},
                   {"generation", 1},
                   {"resourceVersion", "1"},
                   {"creationTimestamp", "2024-01-01T00:00:00Z"}}},
                 {"spec", Json::object()}};
  }

  static ReconcilerOptions Options() {
    ReconcilerOptions o;
    o.defaults.version = "0.1.0";
    return o;
  }

  // The objects a pass builds for the LogStack, the optional Grafana kind
  // left out (its CRD is not there: the cache does not watch it).
  std::vector<Built> Desired() {
    auto parsed = ParseLogStack(logstack_, Options().defaults);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    manifests::BuildOptions bo;
    bo.stack = *parsed;
    const ReconcilerOptions o = Options();
    bo.logstore_repository = o.logstore_repository;
    bo.collector_repository = o.collector_repository;
    bo.grafana_image = o.grafana_image;
    bo.cluster_domain = o.cluster_domain;
    std::vector<Built> out;
    for (const Json& d : manifests::BuildAll(bo)) {
      for (const auto& k : manifests::OwnedKinds()) {
        if (k.optional || k.resource.ApiVersion() != d.value("apiVersion", "") ||
            k.resource.kind != d.value("kind", "")) {
          continue;
        }
        out.push_back(Built{k.resource, k.resource.namespaced ? kNs : "", d});
      }
    }
    EXPECT_FALSE(out.empty());
    return out;
  }

  // The cache as the informers would fill it: the LogStack, `live` (by
  // Built::id) for the owned objects, no claims, every kind but the optional one
  // watched. Any other read fails the test.
  void ExpectCacheReads(const std::vector<Built>& desired,
                        const std::map<std::string, Json>& live) {
    EXPECT_CALL(cache_, Get(ResourceIs("logstacks"), kNs, kName)).WillOnce(Return(logstack_));
    EXPECT_CALL(cache_, Claims()).WillOnce(Return(std::vector<CollectorClaim>{}));
    EXPECT_CALL(cache_, Watches(_)).WillRepeatedly([](const kube::ResourceRef& r) {
      for (const auto& k : manifests::OwnedKinds()) {
        if (k.resource == r) return !k.optional;
      }
      return false;
    });
    std::map<std::string, std::vector<std::string>> owned;  // resource -> cache keys
    for (const Built& b : desired) {
      auto it = live.find(b.id());
      std::optional<Json> found;
      if (it != live.end()) {
        found = it->second;
        owned[b.ref.resource].push_back(b.cache_key());
      }
      EXPECT_CALL(cache_, Get(ResourceIs(b.ref.resource), b.ns, b.name()))
          .WillRepeatedly(Return(found));
    }
    EXPECT_CALL(cache_, OwnedKeys(_, kKey))
        .WillRepeatedly([owned](const kube::ResourceRef& r, const std::string&) {
          auto it = owned.find(r.resource);
          return it == owned.end() ? std::vector<std::string>{} : it->second;
        });
  }

  // The API server's side of a create: the body back with the fields the
  // server adds.
  static Json AsCreated(const Json& body) {
    Json o = body;
    o["metadata"]["uid"] = "uid-" + kube::Name(body);
    o["metadata"]["resourceVersion"] = "10";
    o["metadata"]["generation"] = 1;
    return o;
  }

  // Runs the first pass over a new LogStack; returns the created objects by
  // Built::id and leaves logstack_ as the server has it afterwards.
  std::map<std::string, Json> FirstPass(const std::vector<Built>& desired) {
    ExpectCacheReads(desired, {});
    std::map<std::string, Json> created;
    Expectation finalizer =
        EXPECT_CALL(client_, Update(ResourceIs("logstacks"), HasTheFinalizer()))
            .WillOnce([this](const kube::ResourceRef&, const Json& obj) -> StatusOr<Json> {
              logstack_ = obj;
              logstack_["metadata"]["resourceVersion"] = "2";
              return logstack_;
            });
    ExpectationSet creates;
    for (const Built& b : desired) {
      creates += EXPECT_CALL(client_, Create(ResourceIs(b.ref.resource), Eq(b.ns),
                                             Eq(NormalizeDesired(b.desired))))
                     .After(finalizer)
                     .WillOnce([&created, key = b.id()](const kube::ResourceRef&, std::string_view,
                                                        const Json& body) -> StatusOr<Json> {
                       created[key] = AsCreated(body);
                       return created[key];
                     });
    }
    EXPECT_CALL(client_, UpdateStatus(ResourceIs("logstacks"), _))
        .After(creates)
        .WillOnce([this](const kube::ResourceRef&, const Json& obj) -> StatusOr<Json> {
          logstack_ = obj;
          logstack_["metadata"]["resourceVersion"] = "3";
          return logstack_;
        });
    PassSummary summary;
    auto action = reconciler_.Reconcile(kKey, 0, &summary);
    EXPECT_TRUE(action.ok()) << action.status().ToString();
    EXPECT_EQ(summary.created, static_cast<int>(desired.size()));
    EXPECT_EQ(summary.updated, 0);
    EXPECT_TRUE(summary.status_written);
    EXPECT_FALSE(summary.ready);
    ::testing::Mock::VerifyAndClearExpectations(&client_);
    ::testing::Mock::VerifyAndClearExpectations(&cache_);
    return created;
  }

  FakeClock clock_;
  StrictMock<kube::MockKubeClient> client_;
  StrictMock<MockObjectCache> cache_;
  NiceMock<MockStoreProber> prober_;
  Json logstack_;
  Reconciler reconciler_;  // last: destroyed first (its poller thread uses prober_)
};

TEST_F(ReconcilerTest, GoneLogStackIsDoneWithoutACall) {
  EXPECT_CALL(cache_, Get(ResourceIs("logstacks"), kNs, kName)).WillOnce(Return(std::nullopt));
  auto action = reconciler_.Reconcile(kKey);
  ASSERT_TRUE(action.ok()) << action.status().ToString();
  EXPECT_FALSE(action->requeue_after.has_value());
}

TEST_F(ReconcilerTest, NewLogStackGetsTheFinalizerThenEveryObjectThenItsStatus) {
  const auto desired = Desired();
  FirstPass(desired);
  // The status says why it is not ready yet, as of the pass's clock.
  auto ready = kube::GetCondition(logstack_, "Ready");
  ASSERT_TRUE(ready.has_value()) << logstack_.dump();
  EXPECT_EQ(ready->status, "False");
  EXPECT_EQ(ready->reason, "StoreNotReady");
  auto progressing = kube::GetCondition(logstack_, "Progressing");
  ASSERT_TRUE(progressing.has_value());
  EXPECT_EQ(progressing->status + "/" + progressing->reason, "True/Creating");
}

TEST_F(ReconcilerTest, NothingChangedMeansNoCallToTheServer) {
  const auto desired = Desired();
  std::map<std::string, Json> live = FirstPass(desired);
  // The informers now hold what the first pass wrote. The next pass may
  // still refine the status (the caches caught up), but writes no object.
  ExpectCacheReads(desired, live);
  EXPECT_CALL(client_, UpdateStatus(ResourceIs("logstacks"), _))
      .Times(::testing::AtMost(1))
      .WillRepeatedly([this](const kube::ResourceRef&, const Json& obj) -> StatusOr<Json> {
        logstack_ = obj;
        return logstack_;
      });
  PassSummary summary;
  ASSERT_TRUE(reconciler_.Reconcile(kKey, 0, &summary).ok());
  EXPECT_EQ(summary.created + summary.updated + summary.deleted, 0);
  ::testing::Mock::VerifyAndClearExpectations(&client_);
  ::testing::Mock::VerifyAndClearExpectations(&cache_);

  // And from then on a pass makes no call at all (client_ is strict and
  // expects none).
  for (int pass = 0; pass < 2; ++pass) {
    ExpectCacheReads(desired, live);
    auto action = reconciler_.Reconcile(kKey, 0, &summary);
    ASSERT_TRUE(action.ok()) << action.status().ToString();
    EXPECT_FALSE(summary.status_written) << "pass " << pass;
    EXPECT_TRUE(action->requeue_after.has_value());  // not ready: looked at again
    ::testing::Mock::VerifyAndClearExpectations(&cache_);
  }
}

TEST_F(ReconcilerTest, WorkloadsRolledOutUpdateOnlyTheStatus) {
  const auto desired = Desired();
  std::map<std::string, Json> live = FirstPass(desired);
  for (auto& [key, obj] : live) obj = RolledOut(obj);
  clock_.Advance(std::chrono::seconds(30));
  ExpectCacheReads(desired, live);
  Json written;
  EXPECT_CALL(client_, UpdateStatus(ResourceIs("logstacks"), _))
      .WillOnce([&](const kube::ResourceRef&, const Json& obj) -> StatusOr<Json> {
        written = obj;
        return obj;
      });
  PassSummary summary;
  auto action = reconciler_.Reconcile(kKey, 0, &summary);
  ASSERT_TRUE(action.ok()) << action.status().ToString();
  EXPECT_TRUE(summary.ready) << summary.ready_reason;
  EXPECT_EQ(summary.created + summary.updated + summary.deleted, 0);
  auto ready = kube::GetCondition(written, "Ready");
  ASSERT_TRUE(ready.has_value()) << written.dump();
  EXPECT_EQ(ready->status + "/" + ready->reason, "True/Ready");
  // The transition is stamped with the reconciler's clock, not the wall's.
  EXPECT_EQ(ready->last_transition_time, go::FormatRfc3339(clock_.NowNanos()));
  // A ready stack is looked at again after the storage recheck.
  ASSERT_TRUE(action->requeue_after.has_value());
  EXPECT_EQ(*action->requeue_after, Options().storage_recheck);
}

}  // namespace
}  // namespace logstack::op::controller
