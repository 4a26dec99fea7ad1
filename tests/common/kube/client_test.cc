#include "common/kube/client.h"

#include <gtest/gtest.h>

#include "common/kube/object.h"
#include "common/kube/rate_limit.h"
#include "tests/mocks/fake_clock.h"

namespace logstack::kube {
namespace {

TEST(ResourcePathTest, BuildsPaths) {
  EXPECT_EQ(ResourcePath(resources::kPods, "default", "web-0"),
            "/api/v1/namespaces/default/pods/web-0");
  EXPECT_EQ(ResourcePath(resources::kPods, ""), "/api/v1/pods");
  EXPECT_EQ(ResourcePath(resources::kDeployments, "ns", "d", "status"),
            "/apis/apps/v1/namespaces/ns/deployments/d/status");
  EXPECT_EQ(ResourcePath(resources::kClusterRoles, "ignored", "r"),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/r");
  EXPECT_EQ(ResourcePath(resources::kNamespaces, "", "kube-system"),
            "/api/v1/namespaces/kube-system");
}

TEST(QueryTest, SelectorsArePercentEncoded) {
  ListOptions o;
  o.label_selector = "app=web,tier in (a,b)";
  o.field_selector = "metadata.name=x";
  o.limit = 50;
  o.continue_token = "abc+/=";
  EXPECT_EQ(ListQuery(o),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=metadata.name%3Dx"
            "&limit=50&continue=abc%2B%2F%3D");
  EXPECT_EQ(ListQuery({}), "");
  WatchOptions w;
  w.resource_version = "42";
  w.timeout_seconds = 60;
  EXPECT_EQ(WatchQuery(w),
            "?watch=true&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=60");
}

TEST(DeleteBodyTest, PropagationAndPreconditions) {
  DeleteOptions o;
  o.propagation_policy = "Foreground";
  o.precondition_uid = "u1";
  o.precondition_resource_version = "7";
  Json b = DeleteBody(o);
  EXPECT_EQ(b["propagationPolicy"], "Foreground");
  EXPECT_EQ(b["preconditions"]["uid"], "u1");
  EXPECT_EQ(b["preconditions"]["resourceVersion"], "7");
  EXPECT_FALSE(DeleteBody({}).contains("preconditions"));
}

std::string ApiStatus(int code, const std::string& reason, const std::string& message,
                      const std::string& causes = "") {
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) +
         (causes.empty() ? "" : R"(,"details":{"causes":)" + causes + "}") + "}";
}

TEST(StatusMappingTest, ApiStatusToStatusCode) {
  struct Case {
    int http;
    std::string reason;
    StatusCode want;
  } cases[] = {
      {404, "NotFound", StatusCode::kNotFound},
      {409, "AlreadyExists", StatusCode::kAlreadyExists},
      {409, "Conflict", StatusCode::kConflict},
      {422, "Invalid", StatusCode::kInvalidArgument},
      {400, "BadRequest", StatusCode::kInvalidArgument},
      {403, "Forbidden", StatusCode::kPermissionDenied},
      {401, "Unauthorized", StatusCode::kUnauthenticated},
      {429, "TooManyRequests", StatusCode::kResourceExhausted},
      {410, "Expired", StatusCode::kOutOfRange},
      {500, "InternalError", StatusCode::kUnavailable},
      {503, "ServiceUnavailable", StatusCode::kUnavailable},
  };
  for (const auto& c : cases) {
    Status st = StatusFromApiError(c.http, ApiStatus(c.http, c.reason, "boom"), "get pods a/b");
    EXPECT_EQ(st.code(), c.want) << c.reason << " " << st.ToString();
    EXPECT_NE(st.message().find("get pods a/b"), std::string::npos);
    EXPECT_NE(st.message().find("boom"), std::string::npos);
  }
  // Not a Status body (a proxy's page): the HTTP code decides.
  EXPECT_EQ(StatusFromApiError(502, "<html>bad gateway</html>", "x").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromApiError(404, "", "x").code(), StatusCode::kNotFound);
}

TEST(StatusMappingTest, InvalidKeepsCauses) {
  Status st = StatusFromApiError(
      422,
      ApiStatus(
          422, "Invalid", "LogStack.logstack.io \\\"x\\\" is invalid",
          R"([{"reason":"FieldValueRequired","message":"Required value","field":"spec.version"}])"),
      "create logstacks ns/x");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("spec.version: Required value"), std::string::npos) << st.message();
}

TEST(RetryAfterTest, Parses) {
  EXPECT_EQ(ParseRetryAfter("3"), 3);
  EXPECT_EQ(ParseRetryAfter(" 10 "), 10);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
}

TEST(WatchEventTest, Parses) {
  auto ev =
      ParseWatchEvent(R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a"}}})");
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->type, WatchEvent::Type::kModified);
  EXPECT_EQ(Name(ev->object), "a");
  auto err = ParseWatchEvent(R"({"type":"ERROR","object":{"kind":"Status","code":410}})");
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->type, WatchEvent::Type::kError);
  EXPECT_FALSE(ParseWatchEvent("{").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"WHAT","object":{}})").ok());
}

TEST(ResourceTest, BuiltinTable) {
  EXPECT_EQ(FindBuiltin("apps/v1", "Deployment"), resources::kDeployments);
  EXPECT_EQ(FindBuiltin("v1", "configmaps"), resources::kConfigMaps);
  EXPECT_EQ(FindBuiltin("coordination.k8s.io/v1", "Lease"), resources::kLeases);
  EXPECT_FALSE(FindBuiltin("logstack.io/v1alpha1", "LogStack"));
  EXPECT_GE(BuiltinResources().size(), 18u);
}

TEST(ObjectTest, MetadataOwnersConditions) {
  Json obj = {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata",
               {{"name", "c"},
                {"namespace", "ns"},
                {"resourceVersion", "5"},
                {"managedFields", Json::array({1, 2})},
                {"labels", {{"app", "x"}}}}}};
  EXPECT_EQ(Name(obj), "c");
  EXPECT_EQ(ObjectKey(obj), "ns/c");
  EXPECT_EQ(ResourceVersion(obj), "5");
  EXPECT_EQ(Labels(obj).at("app"), "x");
  EXPECT_EQ(Name(Json("garbage")), "");
  StripManagedFields(obj);
  EXPECT_FALSE(obj["metadata"].contains("managedFields"));

  Json owner = {{"apiVersion", "logstack.io/v1alpha1"},
                {"kind", "LogStack"},
                {"metadata", {{"name", "ls"}, {"uid", "u-1"}}}};
  SetOwnerReference(obj, owner);
  SetOwnerReference(obj, owner);
  ASSERT_EQ(obj["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_TRUE(obj["metadata"]["ownerReferences"][0]["controller"].get<bool>());
  EXPECT_TRUE(IsOwnedBy(obj, "u-1"));

  Condition ready{"Ready", "False", "Deploying", "waiting", 1, ""};
  EXPECT_TRUE(SetCondition(obj, ready, 1'000'000'000'000'000'000));
  std::string t1 = GetCondition(obj, "Ready")->last_transition_time;
  EXPECT_FALSE(SetCondition(obj, ready, 1'000'000'100'000'000'000));  // no change
  ready.message = "still waiting";
  EXPECT_TRUE(SetCondition(obj, ready, 1'000'000'100'000'000'000));
  EXPECT_EQ(GetCondition(obj, "Ready")->last_transition_time, t1);  // same status, same time
  ready.status = "True";
  EXPECT_TRUE(SetCondition(obj, ready, 1'000'000'200'000'000'000));
  EXPECT_NE(GetCondition(obj, "Ready")->last_transition_time, t1);
  EXPECT_FALSE(GetCondition(obj, "Degraded"));
}

TEST(TokenBucketTest, BurstThenRate) {
  FakeClock clock;
  TokenBucket b(10, 3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.Reserve().count(), 0);
  EXPECT_EQ(b.Reserve(), std::chrono::milliseconds(100));
  EXPECT_EQ(b.Reserve(), std::chrono::milliseconds(200));
  clock.Advance(std::chrono::seconds(10));
  EXPECT_EQ(b.Reserve().count(), 0);
}

TEST(ItemBackoffTest, DoublesToCap) {
  ItemBackoff b;
  EXPECT_EQ(b.When("a"), std::chrono::milliseconds(5));
  EXPECT_EQ(b.When("a"), std::chrono::milliseconds(10));
  EXPECT_EQ(b.When("a"), std::chrono::milliseconds(20));
  EXPECT_EQ(b.When("b"), std::chrono::milliseconds(5));
  for (int i = 0; i < 30; ++i) (void)b.When("a");
  EXPECT_EQ(b.When("a"), std::chrono::seconds(1000));
  b.Forget("a");
  EXPECT_EQ(b.When("a"), std::chrono::milliseconds(5));
}

}  // namespace
}  // namespace logstack::kube
