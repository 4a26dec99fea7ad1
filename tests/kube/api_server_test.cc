// ApiServer semantics without a transport: CRUD, resourceVersion, generation,
// the status subresource, finalizers, lists, watches, CRDs, auth, garbage
// collection and fault injection.

#include "tests/kube/server/api_server.h"

#include <gtest/gtest.h>

namespace logstack::kubetest {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kCms[] = "/api/v1/namespaces/default/configmaps";
constexpr char kDeploys[] = "/apis/apps/v1/namespaces/default/deployments";

json ConfigMap(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"data", {{"k", "v"}}}};
}

std::string Rv(const json& obj) { return obj["metadata"]["resourceVersion"].get<std::string>(); }

// Reads the next event line of a watch (waiting up to 2 s); null on end/idle.
json NextEvent(const WatchStreamPtr& w) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    auto n = w->Wait(milliseconds(100));
    if (n.kind == WatchStream::Next::kLine) return json::parse(n.line);
    if (n.kind == WatchStream::Next::kEnd) return nullptr;
  }
  return nullptr;
}

class ApiServerTest : public ::testing::Test {
 protected:
  ApiServer api_;
  json Create(const std::string& coll, const json& obj) {
    auto r = api_.Call("POST", coll, obj);
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body;
  }
  WatchStreamPtr OpenWatch(const std::string& target) {
    HttpResponse r = api_.Handle(MakeRequest("GET", target));
    EXPECT_TRUE(r.watch) << r.status << " " << r.body;
    return r.watch;
  }
};

TEST_F(ApiServerTest, CreateGetUpdateAndConflicts) {
  json cm = Create(kCms, ConfigMap("a"));
  EXPECT_EQ(cm["metadata"]["namespace"], "default");
  EXPECT_FALSE(cm["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE(cm["metadata"]["creationTimestamp"].get<std::string>().empty());

  auto dup = api_.Call("POST", kCms, ConfigMap("a"));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body["reason"], "AlreadyExists");
  EXPECT_EQ(dup.body["message"], "configmaps \"a\" already exists");
  EXPECT_EQ(dup.body["kind"], "Status");

  auto missing = api_.Call("GET", std::string(kCms) + "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["reason"], "NotFound");
  EXPECT_EQ(missing.body["details"]["name"], "nope");

  json v2 = cm;
  v2["data"]["k"] = "v2";
  auto upd = api_.Call("PUT", std::string(kCms) + "/a", v2);
  ASSERT_EQ(upd.status, 200) << upd.body.dump();
  EXPECT_GT(std::stoull(Rv(upd.body)), std::stoull(Rv(cm)));
  EXPECT_EQ(upd.body["metadata"]["uid"], cm["metadata"]["uid"]);

  auto stale = api_.Call("PUT", std::string(kCms) + "/a", v2);  // still carries the old RV
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.body["reason"], "Conflict");

  // An update that changes nothing keeps the resourceVersion (and sends no event).
  auto same = api_.Call("PUT", std::string(kCms) + "/a", upd.body);
  EXPECT_EQ(Rv(same.body), Rv(upd.body));

  auto bad_name = api_.Call("POST", kCms, ConfigMap("Not_Valid"));
  EXPECT_EQ(bad_name.status, 422);
  EXPECT_EQ(bad_name.body["details"]["causes"][0]["field"], "metadata.name");

  EXPECT_EQ(
      api_.Call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                {{"metadata", {{"name", "system:logstack-reader"}}}, {"rules", json::array()}})
          .status,
      201);

  auto no_ns = api_.Call("POST", "/api/v1/namespaces/nowhere/configmaps", ConfigMap("x"));
  EXPECT_EQ(no_ns.status, 404);
  EXPECT_EQ(no_ns.body["message"], "namespaces \"nowhere\" not found");

  json gen = ConfigMap("");
  gen["metadata"].erase("name");
  gen["metadata"]["generateName"] = "gen-";
  json made = Create(kCms, gen);
  EXPECT_EQ(made["metadata"]["name"].get<std::string>().rfind("gen-", 0), 0u);
}

TEST_F(ApiServerTest, GenerationAndStatusSubresource) {
  json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "web"}}},
            {"spec", {{"replicas", 1}}},
            {"status", {{"replicas", 99}}}};
  json created = Create(kDeploys, d);
  EXPECT_EQ(created["metadata"]["generation"], 1);
  EXPECT_FALSE(created.contains("status"));  // status is not set on create

  json st = created;
  st["status"] = {{"readyReplicas", 1}};
  st["spec"]["replicas"] = 5;  // ignored by a status write
  auto s = api_.Call("PUT", std::string(kDeploys) + "/web/status", st);
  ASSERT_EQ(s.status, 200) << s.body.dump();
  EXPECT_EQ(s.body["status"]["readyReplicas"], 1);
  EXPECT_EQ(s.body["spec"]["replicas"], 1);
  EXPECT_EQ(s.body["metadata"]["generation"], 1);

  json main = s.body;
  main["status"] = {{"readyReplicas", 7}};  // ignored by a main-resource write
  main["metadata"]["labels"] = {{"a", "b"}};
  auto m = api_.Call("PUT", std::string(kDeploys) + "/web", main);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.body["status"]["readyReplicas"], 1);
  EXPECT_EQ(m.body["metadata"]["generation"], 1);  // metadata only

  auto p = api_.Call("PATCH", std::string(kDeploys) + "/web", {{"spec", {{"replicas", 3}}}},
                     "application/merge-patch+json");
  EXPECT_EQ(p.body["metadata"]["generation"], 2);
}

TEST_F(ApiServerTest, ScaleSubresource) {
  json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "web"}}},
            {"spec", {{"replicas", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
  Create(kDeploys, d);
  auto scale = api_.Call("GET", std::string(kDeploys) + "/web/scale");
  ASSERT_EQ(scale.status, 200) << scale.body.dump();
  EXPECT_EQ(scale.body["kind"], "Scale");
  EXPECT_EQ(scale.body["spec"]["replicas"], 1);
  EXPECT_EQ(scale.body["status"]["selector"], "app=web");
  auto patched = api_.Call("PATCH", std::string(kDeploys) + "/web/scale",
                           {{"spec", {{"replicas", 4}}}}, "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["spec"]["replicas"], 4);
  auto dep = api_.Call("GET", std::string(kDeploys) + "/web");
  EXPECT_EQ(dep.body["spec"]["replicas"], 4);
  EXPECT_EQ(dep.body["metadata"]["generation"], 2);
  json stale = scale.body;
  stale["spec"]["replicas"] = 2;
  EXPECT_EQ(api_.Call("PUT", std::string(kDeploys) + "/web/scale", stale).status, 409);
  EXPECT_EQ(api_.Call("GET", std::string(kCms) + "/x/scale").status, 404);
  auto disc = api_.Call("GET", "/apis/apps/v1");
  bool listed = false;
  for (const auto& r : disc.body["resources"]) {
    if (r["name"] == "deployments/scale" && r["group"] == "autoscaling") listed = true;
  }
  EXPECT_TRUE(listed);
}

TEST_F(ApiServerTest, PatchFlavours) {
  Create(kCms, ConfigMap("p", {{"a", "1"}}));
  const std::string path = std::string(kCms) + "/p";
  auto jp = api_.Call("PATCH", path,
                      json::array({{{"op", "add"}, {"path", "/data/x"}, {"value", "y"}},
                                   {{"op", "remove"}, {"path", "/metadata/labels/a"}}}),
                      "application/json-patch+json");
  ASSERT_EQ(jp.status, 200) << jp.body.dump();
  EXPECT_EQ(jp.body["data"]["x"], "y");
  EXPECT_FALSE(jp.body["metadata"]["labels"].contains("a"));

  auto failed =
      api_.Call("PATCH", path, json::array({{{"op", "test"}, {"path", "/data/x"}, {"value", "z"}}}),
                "application/json-patch+json");
  EXPECT_EQ(failed.status, 422);

  // Strategic merge patch on built-ins is treated as a merge patch; directives are dropped.
  auto smp = api_.Call(
      "PATCH", path,
      {{"metadata", {{"labels", {{"b", "2"}}}}}, {"$setElementOrder/data", json::array()}},
      "application/strategic-merge-patch+json");
  ASSERT_EQ(smp.status, 200) << smp.body.dump();
  EXPECT_EQ(smp.body["metadata"]["labels"]["b"], "2");
  EXPECT_FALSE(smp.body.contains("$setElementOrder/data"));

  auto rv_conflict = api_.Call("PATCH", path, {{"metadata", {{"resourceVersion", "1"}}}},
                               "application/merge-patch+json");
  EXPECT_EQ(rv_conflict.status, 409);
  EXPECT_EQ(api_.Call("PATCH", path, {{"data", nullptr}}, "application/apply-patch+yaml").status,
            415);
}

TEST_F(ApiServerTest, FinalizersDelayDeletion) {
  json cm = ConfigMap("f");
  cm["metadata"]["finalizers"] = {"example.com/x"};
  Create(kCms, cm);
  auto w = OpenWatch(std::string(kCms) + "?watch=true&resourceVersion=" +
                     std::to_string(api_.CurrentResourceVersion()));
  auto del = api_.Call("DELETE", std::string(kCms) + "/f");
  EXPECT_EQ(del.status, 202);
  EXPECT_TRUE(del.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(api_.Call("GET", std::string(kCms) + "/f").status, 200);
  json e = NextEvent(w);
  EXPECT_EQ(e["type"], "MODIFIED");

  auto done = api_.Call("PATCH", std::string(kCms) + "/f",
                        {{"metadata", {{"finalizers", nullptr}}}}, "application/merge-patch+json");
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(api_.Call("GET", std::string(kCms) + "/f").status, 404);
  e = NextEvent(w);
  EXPECT_EQ(e["type"], "DELETED");
  EXPECT_EQ(e["object"]["metadata"]["name"], "f");

  Create(kCms, ConfigMap("g"));
  auto wrong =
      api_.Call("DELETE", std::string(kCms) + "/g", {{"preconditions", {{"uid", "not-the-uid"}}}});
  EXPECT_EQ(wrong.status, 409);
}

TEST_F(ApiServerTest, ListPaginationAndSelectors) {
  for (int i = 0; i < 5; ++i) {
    Create(kCms, ConfigMap("c" + std::to_string(i), {{"n", std::to_string(i % 2)}}));
  }
  std::vector<std::string> names;
  std::string cont;
  int pages = 0;
  do {
    auto r = api_.Call("GET",
                       std::string(kCms) + "?limit=2" + (cont.empty() ? "" : "&continue=" + cont));
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["kind"], "ConfigMapList");
    EXPECT_FALSE(r.body["metadata"]["resourceVersion"].get<std::string>().empty());
    for (const auto& item : r.body["items"]) names.push_back(item["metadata"]["name"]);
    cont = r.body["metadata"].value("continue", "");
    ++pages;
  } while (!cont.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}));

  // MakeRequest does not percent-decode (the HTTP layer does): raw text here.
  auto odd = api_.Call("GET", std::string(kCms) + "?labelSelector=n=1");
  EXPECT_EQ(odd.body["items"].size(), 2u);
  auto named = api_.Call("GET", "/api/v1/configmaps?fieldSelector=metadata.name=c3");
  ASSERT_EQ(named.body["items"].size(), 1u);
  EXPECT_EQ(named.body["items"][0]["metadata"]["namespace"], "default");
  EXPECT_EQ(api_.Call("GET", std::string(kCms) + "?fieldSelector=spec.bogus=1").status, 400);
  EXPECT_EQ(api_.Call("GET", "/api/v1/pods?fieldSelector=spec.nodeName=n1").status, 200);

  // A continue token from before a compaction has expired.
  auto first = api_.Call("GET", std::string(kCms) + "?limit=1");
  api_.CompactHistory();
  Create(kCms, ConfigMap("later"));
  auto expired = api_.Call("GET", std::string(kCms) + "?limit=1&continue=" +
                                      first.body["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(expired.status, 410);
  EXPECT_EQ(expired.body["reason"], "Expired");
}

TEST_F(ApiServerTest, WatchFromResourceVersionAndExpiry) {
  json a = Create(kCms, ConfigMap("a"));
  const std::string after_a = Rv(a);
  Create(kCms, ConfigMap("b"));
  api_.Call("DELETE", std::string(kCms) + "/a");

  // Resume after a: b ADDED, a DELETED.
  auto w = OpenWatch(std::string(kCms) + "?watch=true&resourceVersion=" + after_a);
  json e1 = NextEvent(w), e2 = NextEvent(w);
  EXPECT_EQ(e1["type"], "ADDED");
  EXPECT_EQ(e1["object"]["metadata"]["name"], "b");
  EXPECT_EQ(e1["object"]["kind"], "ConfigMap");
  EXPECT_EQ(e2["type"], "DELETED");
  EXPECT_EQ(e2["object"]["metadata"]["name"], "a");
  // Then live events.
  Create(kCms, ConfigMap("c"));
  EXPECT_EQ(NextEvent(w)["object"]["metadata"]["name"], "c");
  // A watch on one object by its path.
  auto one = OpenWatch(std::string(kCms) + "/c?watch=true&resourceVersion=" +
                       std::to_string(api_.CurrentResourceVersion()));
  Create(kCms, ConfigMap("d"));
  api_.Call("PATCH", std::string(kCms) + "/c", {{"data", {{"k", "2"}}}},
            "application/merge-patch+json");
  json only = NextEvent(one);
  EXPECT_EQ(only["type"], "MODIFIED");
  EXPECT_EQ(only["object"]["metadata"]["name"], "c");

  // No resourceVersion: the current state as ADDED events first.
  auto fresh = OpenWatch(std::string(kCms) + "?watch=true");
  std::set<std::string> initial;
  for (int i = 0; i < 3; ++i) {
    initial.insert(NextEvent(fresh)["object"]["metadata"]["name"].get<std::string>());
  }
  EXPECT_EQ(initial, (std::set<std::string>{"b", "c", "d"}));

  // Too old: an ERROR event carrying 410 Expired, then the stream ends.
  api_.CompactHistory();
  auto old = OpenWatch(std::string(kCms) + "?watch=true&resourceVersion=" + after_a);
  json err = NextEvent(old);
  EXPECT_EQ(err["type"], "ERROR");
  EXPECT_EQ(err["object"]["code"], 410);
  EXPECT_EQ(err["object"]["reason"], "Expired");
  EXPECT_TRUE(NextEvent(old).is_null());

  // A bounded history expires resourceVersions too.
  api_.SetHistoryLimit(2);
  std::string rv = std::to_string(api_.CurrentResourceVersion());
  for (int i = 0; i < 3; ++i) Create(kCms, ConfigMap("h" + std::to_string(i)));
  EXPECT_EQ(NextEvent(OpenWatch(std::string(kCms) + "?watch=true&resourceVersion=" + rv))["type"],
            "ERROR");
}

TEST_F(ApiServerTest, WatchSelectorTransitionsAndNamespaces) {
  api_.Call("POST", "/api/v1/namespaces", {{"metadata", {{"name", "other"}}}});
  auto w = OpenWatch(std::string(kCms) + "?watch=true&resourceVersion=" +
                     std::to_string(api_.CurrentResourceVersion()) + "&labelSelector=app=web");
  Create("/api/v1/namespaces/other/configmaps", ConfigMap("elsewhere", {{"app", "web"}}));
  Create(kCms, ConfigMap("x", {{"app", "db"}}));
  api_.Call("PATCH", std::string(kCms) + "/x", {{"metadata", {{"labels", {{"app", "web"}}}}}},
            "application/merge-patch+json");
  json e = NextEvent(w);
  EXPECT_EQ(e["type"], "ADDED");  // came into the selection
  EXPECT_EQ(e["object"]["metadata"]["name"], "x");
  api_.Call("PATCH", std::string(kCms) + "/x", {{"metadata", {{"labels", {{"app", "db"}}}}}},
            "application/merge-patch+json");
  EXPECT_EQ(NextEvent(w)["type"], "DELETED");  // left it
}

TEST(ApiServerBookmarkTest, BookmarksAndTimeout) {
  ApiServer::Options options;
  options.bookmark_interval = milliseconds(50);
  ApiServer api(options);
  auto r =
      api.Handle(MakeRequest("GET",
                             "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&"
                             "allowWatchBookmarks=true&timeoutSeconds=1"));
  ASSERT_TRUE(r.watch);
  json e = NextEvent(r.watch);
  ASSERT_FALSE(e.is_null());
  EXPECT_EQ(e["type"], "BOOKMARK");
  EXPECT_EQ(e["object"]["metadata"]["resourceVersion"],
            std::to_string(api.CurrentResourceVersion()));
  // timeoutSeconds=1 ends the stream.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  WatchStream::Next::Kind kind = WatchStream::Next::kIdle;
  while (kind != WatchStream::Next::kEnd && std::chrono::steady_clock::now() < deadline) {
    kind = r.watch->Wait(milliseconds(100)).kind;
  }
  EXPECT_EQ(kind, WatchStream::Next::kEnd);
}

TEST_F(ApiServerTest, CustomResourceDefinitionsServeNewTypes) {
  json crd = json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gizmos.example.com"},
    "spec": {"group": "example.com", "scope": "Cluster",
      "names": {"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo"},
      "versions": [{"name": "v1", "served": true, "storage": true,
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}}]}})");
  EXPECT_EQ(api_.Call("GET", "/apis/example.com/v1").status, 404);
  json created = Create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  EXPECT_EQ(created["status"]["conditions"][1]["type"], "Established");
  auto disc = api_.Call("GET", "/apis/example.com/v1");
  ASSERT_EQ(disc.status, 200);
  EXPECT_EQ(disc.body["resources"][0]["name"], "gizmos");
  EXPECT_EQ(disc.body["resources"][0]["namespaced"], false);

  Create("/apis/example.com/v1/gizmos", {{"apiVersion", "example.com/v1"},
                                         {"kind", "Gizmo"},
                                         {"metadata", {{"name", "g"}}},
                                         {"spec", {{"n", 1}}}});
  auto invalid = api_.Call("POST", "/apis/example.com/v1/gizmos",
                           {{"metadata", {{"name", "h"}}}, {"spec", {{"n", "one"}}}});
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(invalid.body["reason"], "Invalid");
  EXPECT_EQ(invalid.body["details"]["causes"][0]["field"], "spec.n");

  auto bad_name = crd;
  bad_name["metadata"]["name"] = "wrong.example.com";
  EXPECT_EQ(
      api_.Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad_name).status,
      422);

  EXPECT_EQ(api_.Call("DELETE",
                      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.example.com")
                .status,
            200);
  EXPECT_EQ(api_.Call("GET", "/apis/example.com/v1/gizmos").status, 404);
}

TEST_F(ApiServerTest, AuthenticationAndAuthorization) {
  api_.AddToken("admin", "admin", Access::kFull);
  api_.AddToken("reader", "reader", Access::kReadOnly);
  api_.AddToken("nobody", "nobody", Access::kNone);
  auto with = [&](const std::string& token, const std::string& method) {
    HttpRequest req = MakeRequest(method, kCms, method == "POST" ? ConfigMap("z").dump() : "");
    if (!token.empty()) req.authorization = "Bearer " + token;
    return api_.Handle(req);
  };
  HttpResponse none = with("", "GET");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(json::parse(none.body)["reason"], "Unauthorized");
  EXPECT_EQ(with("wrong", "GET").status, 401);
  EXPECT_EQ(with("nobody", "GET").status, 403);
  EXPECT_EQ(with("reader", "GET").status, 200);
  EXPECT_EQ(with("reader", "POST").status, 403);
  EXPECT_EQ(with("admin", "POST").status, 201);
  EXPECT_EQ(api_.Handle(MakeRequest("GET", "/healthz")).status, 200);
  api_.RemoveToken("admin");
  EXPECT_EQ(with("admin", "GET").status, 401);
}

TEST_F(ApiServerTest, FaultInjection) {
  api_.FailNext("/api/v1/namespaces/default/configmaps", 2, 429, 3);
  HttpResponse r1 = api_.Handle(MakeRequest("GET", kCms));
  EXPECT_EQ(r1.status, 429);
  ASSERT_EQ(r1.headers.size(), 1u);
  EXPECT_EQ(r1.headers[0], (std::pair<std::string, std::string>{"Retry-After", "3"}));
  EXPECT_EQ(json::parse(r1.body)["reason"], "TooManyRequests");
  EXPECT_EQ(api_.Handle(MakeRequest("GET", kCms)).status, 429);
  EXPECT_EQ(api_.Handle(MakeRequest("GET", kCms)).status, 200);

  api_.FailNext("/api", 1, 500, 0, "POST");
  EXPECT_EQ(api_.Handle(MakeRequest("GET", kCms)).status, 200);  // method does not match
  EXPECT_EQ(api_.Handle(MakeRequest("POST", kCms, ConfigMap("q").dump())).status, 500);

  api_.DelayRequests("/api/v1", milliseconds(100), 1);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(api_.Handle(MakeRequest("GET", kCms)).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));

  auto w = OpenWatch(std::string(kCms) + "?watch=true&resourceVersion=" +
                     std::to_string(api_.CurrentResourceVersion()));
  EXPECT_EQ(api_.OpenWatchCount(), 1u);
  api_.CloseWatches();
  EXPECT_EQ(w->Wait(milliseconds(100)).kind, WatchStream::Next::kEnd);
  EXPECT_EQ(api_.OpenWatchCount(), 0u);
}

TEST_F(ApiServerTest, GarbageCollectionIsOptIn) {
  json owner = Create(kCms, ConfigMap("owner"));
  json dep = ConfigMap("dependent");
  dep["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"},
                                         {"kind", "ConfigMap"},
                                         {"name", "owner"},
                                         {"uid", owner["metadata"]["uid"]}}};
  Create(kCms, dep);
  api_.Call("DELETE", std::string(kCms) + "/owner");
  EXPECT_EQ(api_.Call("GET", std::string(kCms) + "/dependent").status, 200);  // off by default

  api_.SetGarbageCollection(true);
  json owner2 = Create(kCms, ConfigMap("owner2"));
  dep["metadata"]["name"] = "dependent2";
  dep["metadata"]["ownerReferences"][0]["uid"] = owner2["metadata"]["uid"];
  Create(kCms, dep);
  api_.Call("DELETE", std::string(kCms) + "/owner2");
  EXPECT_EQ(api_.Call("GET", std::string(kCms) + "/dependent2").status, 404);
  // The first dependent's owner is gone too, so the collector took it as well.
  EXPECT_EQ(api_.Call("GET", std::string(kCms) + "/dependent").status, 404);
}

TEST_F(ApiServerTest, DeleteCollectionWithSelector) {
  Create(kCms, ConfigMap("a", {{"app", "x"}}));
  Create(kCms, ConfigMap("b", {{"app", "x"}}));
  Create(kCms, ConfigMap("c", {{"app", "y"}}));
  auto r = api_.Call("DELETE", std::string(kCms) + "?labelSelector=app=x");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["items"].size(), 2u);
  auto left = api_.Call("GET", kCms);
  ASSERT_EQ(left.body["items"].size(), 1u);
  EXPECT_EQ(left.body["items"][0]["metadata"]["name"], "c");
}

TEST_F(ApiServerTest, DeletingANamespaceDeletesItsContents) {
  api_.Call("POST", "/api/v1/namespaces", {{"metadata", {{"name", "tmp"}}}});
  Create("/api/v1/namespaces/tmp/configmaps", ConfigMap("x"));
  EXPECT_EQ(api_.Call("DELETE", "/api/v1/namespaces/tmp").status, 200);
  EXPECT_EQ(api_.Call("GET", "/api/v1/namespaces/tmp/configmaps/x").status, 404);
}

}  // namespace
}  // namespace logstack::kubetest
