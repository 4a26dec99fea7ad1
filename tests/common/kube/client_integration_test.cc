// The kube client against the Kubernetes API test server (tests/kube/server):
// CRUD, optimistic concurrency, watch and relist, informers across dropped
// watches, 429 with Retry-After, TLS trust, token rotation, client
// certificates (kubeconfig and exec plugin).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/go/time.h"
#include "common/kube/client.h"
#include "common/kube/config.h"
#include "common/kube/informer.h"
#include "common/kube/leader_election.h"
#include "common/kube/object.h"
#include "common/kube/util.h"
#include "tests/kube/server/test_server.h"
#include "tests/kube/server/tls_certs.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/eventually.h"

namespace logstack::kube {
namespace {

using namespace std::chrono_literals;
using kubetest::KubeTestServer;

using testutil::Eventually;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kube_client_it.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Json ConfigMap(const std::string& name, const std::string& v) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "it"}}}}},
          {"data", {{"v", v}}}};
}

class KubeClientIT : public ::testing::Test {
 protected:
  void StartServer(bool tls) {
    KubeTestServer::Options o;
    o.token = "secret-token";
    if (tls) o.tls_dir = dir_.path();
    auto s = KubeTestServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }
  RestConfig Config() {
    RestConfig c;
    c.server = server_->url();
    c.token = std::make_shared<StaticTokenSource>("secret-token");
    c.qps = 0;  // no client-side limit in tests
    c.timeout = 10s;
    if (server_->tls()) c.tls.ca_pem = ReadFile(server_->ca_file());
    return c;
  }
  // Loads a kubeconfig for the server whose user has `user_yaml` (a YAML
  // flow map), written into the test's directory.
  StatusOr<RestConfig> LoadWithUser(const std::string& user_yaml, Clock& clock) {
    const std::string path = dir_.path() + "/user-kubeconfig";
    std::ofstream(path) << "apiVersion: v1\nkind: Config\n"
                        << "clusters: [{name: k, cluster: {server: '" << server_->url()
                        << "', certificate-authority: '" << server_->ca_file() << "'}}]\n"
                        << "users: [{name: u, user: " << user_yaml << "}]\n"
                        << "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
                        << "current-context: c\n";
    return LoadKubeconfig({path}, "", clock);
  }
  StatusOr<RestConfig> LoadWithCertificate(const std::string& cert_pem,
                                           const std::string& key_pem) {
    return LoadWithUser("{client-certificate-data: " + Base64Encode(cert_pem) +
                            ", client-key-data: " + Base64Encode(key_pem) + "}",
                        RealClock::Default());
  }
  KubeClientPtr Client(RestConfig c) {
    ClientOptions o;
    o.retry.initial_backoff = 5ms;
    auto cl = NewKubeClient(c, o);
    EXPECT_TRUE(cl.ok()) << cl.status().ToString();
    return std::move(*cl);
  }

  TempDir dir_;
  std::unique_ptr<KubeTestServer> server_;
};

TEST_F(KubeClientIT, CrudAndOptimisticConcurrency) {
  StartServer(false);
  auto c = Client(Config());
  auto created = c->Create(resources::kConfigMaps, "default", ConfigMap("a", "1"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE(Uid(*created).empty());
  EXPECT_EQ(c->Create(resources::kConfigMaps, "default", ConfigMap("a", "1")).status().code(),
            StatusCode::kAlreadyExists);

  auto got = c->Get(resources::kConfigMaps, "default", "a");
  ASSERT_TRUE(got.ok());
  Json stale = *got;
  (*got)["data"]["v"] = "2";
  auto updated = c->Update(resources::kConfigMaps, *got);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_NE(ResourceVersion(*updated), ResourceVersion(stale));
  stale["data"]["v"] = "stale";
  EXPECT_EQ(c->Update(resources::kConfigMaps, stale).status().code(), StatusCode::kConflict);

  auto merged =
      c->Patch(resources::kConfigMaps, "default", "a", PatchType::kMerge, {{"data", {{"w", "x"}}}});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ((*merged)["data"]["w"], "x");
  auto jp = c->Patch(resources::kConfigMaps, "default", "a", PatchType::kJsonPatch,
                     Json::array({{{"op", "replace"}, {"path", "/data/v"}, {"value", "3"}}}));
  ASSERT_TRUE(jp.ok()) << jp.status().ToString();
  EXPECT_EQ((*jp)["data"]["v"], "3");

  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(
        c->Create(resources::kConfigMaps, "default", ConfigMap("p" + std::to_string(i), "")).ok());
  }
  ListOptions lo;
  lo.limit = 3;
  lo.label_selector = "app=it";
  auto page = c->List(resources::kConfigMaps, "default", lo);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->items.size(), 3u);
  EXPECT_FALSE(page->continue_token.empty());
  auto all = c->ListAll(resources::kConfigMaps, "default", lo);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 8u);
  lo = {};
  lo.field_selector = "metadata.name=p3";
  EXPECT_EQ(c->List(resources::kConfigMaps, "default", lo)->items.size(), 1u);

  DeleteOptions wrong;
  wrong.precondition_uid = "not-the-uid";
  EXPECT_EQ(c->Delete(resources::kConfigMaps, "default", "a", wrong).code(), StatusCode::kConflict);
  DeleteOptions right;
  right.precondition_uid = Uid(*created);
  right.propagation_policy = "Background";
  EXPECT_TRUE(c->Delete(resources::kConfigMaps, "default", "a", right).ok());
  EXPECT_EQ(c->Get(resources::kConfigMaps, "default", "a").status().code(), StatusCode::kNotFound);
}

TEST_F(KubeClientIT, WatchResumesAndRelistsOnGone) {
  StartServer(false);
  auto c = Client(Config());
  ASSERT_TRUE(c->Create(resources::kConfigMaps, "default", ConfigMap("w", "1")).ok());
  auto list = c->List(resources::kConfigMaps, "default", {});
  ASSERT_TRUE(list.ok());
  WatchOptions wo;
  wo.resource_version = list->resource_version;
  wo.timeout_seconds = 30;
  auto w = c->Watch(resources::kConfigMaps, "default", wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  // An event arrives while the stream stays open (read incrementally).
  std::thread writer([&] {
    (void)c->Patch(resources::kConfigMaps, "default", "w", PatchType::kMerge,
                   {{"data", {{"v", "2"}}}});
  });
  std::optional<WatchEvent> ev;
  while (true) {
    auto n = (*w)->Next();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_TRUE(n->has_value());
    if ((*n)->type == WatchEvent::Type::kBookmark) continue;
    ev = **n;
    break;
  }
  writer.join();
  EXPECT_EQ(ev->type, WatchEvent::Type::kModified);
  EXPECT_EQ(ev->object["data"]["v"], "2");
  (*w)->Cancel();
  EXPECT_FALSE((*w)->Next().ok());

  // A compacted history: watching from the old version is 410 Gone.
  server_->api().CompactHistory();
  auto gone = c->Watch(resources::kConfigMaps, "default", wo);
  if (gone.ok()) {
    auto n = (*gone)->Next();  // or an in-stream ERROR 410
    ASSERT_TRUE(n.ok() && n->has_value()) << n.status().ToString();
    EXPECT_EQ((*n)->type, WatchEvent::Type::kError);
    EXPECT_EQ((*n)->object.value("code", 0), 410);
  } else {
    EXPECT_TRUE(IsGone(gone.status())) << gone.status().ToString();
  }
}

TEST_F(KubeClientIT, InformerAcrossDroppedWatchesAndCompaction) {
  StartServer(false);
  auto c = Client(Config());
  ASSERT_TRUE(c->Create(resources::kConfigMaps, "default", ConfigMap("a", "1")).ok());
  ASSERT_TRUE(c->Create(resources::kConfigMaps, "default", ConfigMap("b", "1")).ok());
  InformerOptions io;
  io.reflector.ns = "default";
  io.reflector.label_selector = "app=it";
  io.reflector.initial_backoff = 5ms;
  Informer inf(*c, resources::kConfigMaps, io);
  std::mutex mu;
  std::vector<std::string> deletes;
  inf.AddHandlers({nullptr, nullptr, [&](const Json& o) {
                     std::lock_guard<std::mutex> l(mu);
                     deletes.push_back(Name(o));
                   }});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(10s));
  EXPECT_EQ(inf.Size(), 2u);

  ASSERT_TRUE(Eventually([&] { return server_->api().OpenWatchCount() == 1; }));
  server_->api().CloseWatches();
  ASSERT_TRUE(c->Create(resources::kConfigMaps, "default", ConfigMap("c", "1")).ok());
  ASSERT_TRUE(Eventually([&] { return inf.Get("default/c").has_value(); }));

  // While no watch is open the history is compacted and b is deleted: the
  // resumed watch gets 410, the relist must report b's delete.
  ASSERT_TRUE(Eventually([&] { return server_->api().OpenWatchCount() == 1; }));
  server_->api().FailNext("/api/v1/namespaces/default/configmaps", 1000, 503, 0, "GET");
  server_->api().CloseWatches();
  ASSERT_TRUE(c->Delete(resources::kConfigMaps, "default", "b").ok());
  server_->api().CompactHistory();
  server_->api().ClearFaults();
  ASSERT_TRUE(Eventually([&] { return !inf.Get("default/b").has_value(); }));
  // The cache drops b before the handler hears of it: wait for the handler.
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> l(mu);
    return !deletes.empty();
  }));
  {
    std::lock_guard<std::mutex> l(mu);
    EXPECT_EQ(deletes, std::vector<std::string>{"b"});
  }
  EXPECT_EQ(inf.Size(), 2u);
  inf.Stop();
}

// A continue token that expires midway makes the list start over: the pages
// before it are void (on_restart), and the result holds each object once, at
// the state of the new snapshot.
TEST_F(KubeClientIT, ListStartsOverWhenContinueExpires) {
  StartServer(false);
  auto c = Client(Config());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        c->Create(resources::kConfigMaps, "default", ConfigMap("p" + std::to_string(i), "")).ok());
  }
  ListOptions lo;
  lo.limit = 2;
  std::vector<std::string> names;
  int pages = 0, restarts = 0;
  auto rv = c->ListPaged(
      resources::kConfigMaps, "default", lo,
      [&](std::vector<Json>& items) {
        for (const auto& o : items) names.push_back(Name(o));
        if (++pages == 1) {
          // Between the first and second page: p4 goes, and the token expires.
          ASSERT_TRUE(c->Delete(resources::kConfigMaps, "default", "p4").ok());
          server_->api().CompactHistory();
        }
      },
      [&] {
        ++restarts;
        names.clear();
      });
  ASSERT_TRUE(rv.ok()) << rv.status().ToString();
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(names, (std::vector<std::string>{"p0", "p1", "p2", "p3"}));
  EXPECT_EQ(*rv, std::to_string(server_->api().CurrentResourceVersion()));
}

// The informer's first list arrives in pages; its cache and its adds are
// each object once, and reads parse the cached text back to the object.
TEST_F(KubeClientIT, InformerListsInPages) {
  StartServer(false);
  auto c = Client(Config());
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(c->Create(resources::kConfigMaps, "default",
                          ConfigMap("p" + std::to_string(i), std::to_string(i)))
                    .ok());
  }
  InformerOptions io;
  io.reflector.ns = "default";
  io.reflector.page_size = 3;
  Informer inf(*c, resources::kConfigMaps, io);
  std::mutex mu;
  std::vector<std::string> adds;
  inf.AddHandlers({[&](const Json& o) {
                     std::lock_guard<std::mutex> l(mu);
                     adds.push_back(Name(o));
                   },
                   nullptr, nullptr});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(10s));
  EXPECT_EQ(inf.Size(), 7u);
  // Synced means the cache is filled; the add handlers run just after. One
  // more object, created now, is added after them (handlers run in event
  // order), so once its add came, every add of the list has come too.
  ASSERT_TRUE(c->Create(resources::kConfigMaps, "default", ConfigMap("later", "x")).ok());
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> l(mu);
    return !adds.empty() && adds.back() == "later";
  }));
  {
    std::lock_guard<std::mutex> l(mu);
    std::vector<std::string> listed(adds.begin(), adds.end() - 1);
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4", "p5", "p6"}));
  }
  auto got = inf.Get("default/p5");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ((*got)["data"]["v"], "5");
  EXPECT_EQ(*got, *c->Get(resources::kConfigMaps, "default", "p5"));
  EXPECT_EQ(inf.List().size(), 8u);
  inf.Stop();
}

TEST_F(KubeClientIT, TooManyRequestsHonoursRetryAfter) {
  StartServer(false);
  auto c = Client(Config());
  server_->api().FailNext("/api/v1/namespaces/default/configmaps", 2, 429, 1);
  auto start = std::chrono::steady_clock::now();
  auto list = c->List(resources::kConfigMaps, "default", {});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);

  // Past the retry budget the error comes back, not an empty list.
  RestConfig cfg = Config();
  ClientOptions o;
  o.retry.max_retries = 1;
  o.sleep = [](std::chrono::nanoseconds) {};
  auto c2 = NewKubeClient(cfg, o);
  server_->api().FailNext("/api/v1/namespaces/default/configmaps", 5, 429, 1);
  auto failed = (*c2)->List(resources::kConfigMaps, "default", {});
  EXPECT_EQ(failed.status().code(), StatusCode::kResourceExhausted);
  server_->api().ClearFaults();

  // 5xx: retried for GET, not for POST.
  server_->api().FailNext("/api/v1/namespaces/default/configmaps", 1, 500);
  EXPECT_TRUE(c->List(resources::kConfigMaps, "default", {}).ok());
  server_->api().FailNext("/api/v1/namespaces/default/configmaps", 1, 500, 0, "POST");
  EXPECT_EQ(c->Create(resources::kConfigMaps, "default", ConfigMap("x", "")).status().code(),
            StatusCode::kUnavailable);
}

TEST_F(KubeClientIT, TlsTrustsOnlyTheConfiguredCa) {
  StartServer(true);
  auto good = Client(Config());
  auto v = good->GetPath("/version");
  ASSERT_TRUE(v.ok()) << v.status().ToString();

  // A CA of another server: the handshake must fail.
  TempDir other_dir;
  KubeTestServer::Options o;
  o.tls_dir = other_dir.path();
  auto other = KubeTestServer::Start(o);
  ASSERT_TRUE(other.ok());
  RestConfig wrong = Config();
  std::ifstream in((*other)->ca_file());
  wrong.tls.ca_pem.assign(std::istreambuf_iterator<char>(in), {});
  auto bad = Client(wrong);
  auto r = bad->GetPath("/version");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);

  // The right CA but a server name the certificate does not carry.
  RestConfig wrong_name = Config();
  wrong_name.tls.server_name = "not-this-server.example";
  EXPECT_FALSE(Client(wrong_name)->GetPath("/version").ok());

  RestConfig insecure = Config();
  insecure.tls.ca_pem.clear();
  insecure.tls.insecure_skip_verify = true;
  EXPECT_TRUE(Client(insecure)->GetPath("/version").ok());

  // Unauthenticated without the token.
  RestConfig anon = Config();
  anon.token = nullptr;
  EXPECT_EQ(Client(anon)->GetPath("/api/v1/namespaces").status().code(),
            StatusCode::kUnauthenticated);
}

// A kubeconfig user with client-certificate-data and client-key-data and no
// token: the server authenticates the certificate's CN and authorises it.
TEST_F(KubeClientIT, KubeconfigClientCertificateAuthenticates) {
  StartServer(true);
  auto admin = LoadWithCertificate(ReadFile(server_->client_cert_file()),
                                   ReadFile(server_->client_key_file()));
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  EXPECT_EQ(admin->token, nullptr);
  auto c = Client(*admin);
  auto ns = c->Get(resources::kNamespaces, "", "default");
  ASSERT_TRUE(ns.ok()) << ns.status().ToString();
  EXPECT_EQ(Name(*ns), "default");
  ASSERT_TRUE(c->Create(resources::kConfigMaps, "default", ConfigMap("a", "1")).ok());
  auto list = c->List(resources::kConfigMaps, "default", {});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->items.size(), 1u);

  // Authenticated, but the user has no rights: 403.
  auto nobody = server_->IssueClientCertificate("nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.status().ToString();
  auto nobody_cfg = LoadWithCertificate(nobody->cert_pem, nobody->key_pem);
  ASSERT_TRUE(nobody_cfg.ok());
  auto denied = Client(*nobody_cfg)->Get(resources::kNamespaces, "", "default");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied) << denied.status().ToString();
  server_->api().SetUserAccess("nobody", kubetest::Access::kReadOnly);
  EXPECT_TRUE(Client(*nobody_cfg)->Get(resources::kNamespaces, "", "default").ok());

  // The administrator's name and group, but signed by another CA: 401.
  auto other_ca = kubetest::GenerateTlsMaterial();
  ASSERT_TRUE(other_ca.ok());
  auto forged = kubetest::IssueClientCertificate(other_ca->ca_cert_pem, other_ca->ca_key_pem,
                                                 kubetest::kAdminUser, {kubetest::kAdminGroup});
  ASSERT_TRUE(forged.ok());
  auto forged_cfg = LoadWithCertificate(forged->cert_pem, forged->key_pem);
  ASSERT_TRUE(forged_cfg.ok());
  auto rejected = Client(*forged_cfg)->List(resources::kConfigMaps, "default", {});
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kUnauthenticated) << rejected.status().ToString();
  EXPECT_NE(rejected.status().message().find("401 Unauthorized"), std::string::npos)
      << rejected.status().message();

  // The right CA, but expired a minute ago: 401.
  auto expired = server_->IssueClientCertificate(kubetest::kAdminUser, {kubetest::kAdminGroup},
                                                 std::chrono::seconds(-60));
  ASSERT_TRUE(expired.ok());
  auto expired_cfg = LoadWithCertificate(expired->cert_pem, expired->key_pem);
  ASSERT_TRUE(expired_cfg.ok());
  EXPECT_EQ(Client(*expired_cfg)->List(resources::kConfigMaps, "default", {}).status().code(),
            StatusCode::kUnauthenticated);

  // The server's own certificate: signed by the CA, but not for client authentication.
  auto server_cert = LoadWithCertificate(ReadFile(dir_.path() + "/server.crt"),
                                         ReadFile(dir_.path() + "/server.key"));
  ASSERT_TRUE(server_cert.ok());
  EXPECT_EQ(Client(*server_cert)->List(resources::kConfigMaps, "default", {}).status().code(),
            StatusCode::kUnauthenticated);

  // A key that does not belong to the certificate fails when the client is made.
  auto mismatched = LoadWithCertificate(nobody->cert_pem, forged->key_pem);
  ASSERT_TRUE(mismatched.ok());
  auto bad = NewKubeClient(*mismatched);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
}

// An exec plugin that returns only a client certificate with a short expiry:
// the client presents it, runs the plugin again when it expires or after a
// 401, and its new connections present the new certificate.
TEST_F(KubeClientIT, ExecPluginClientCertificateIsRefreshed) {
  StartServer(true);
  FakeClock clock(*go::ParseRfc3339("2030-01-01T00:00:00Z"));
  // Run N of the plugin prints cred-N.json.
  auto write_credential = [&](int run, const kubetest::ClientCertificate& cert,
                              const std::string& expiry) {
    Json cred = {{"apiVersion", "client.authentication.k8s.io/v1"},
                 {"kind", "ExecCredential"},
                 {"status",
                  {{"clientCertificateData", cert.cert_pem},
                   {"clientKeyData", cert.key_pem},
                   {"expirationTimestamp", expiry}}}};
    std::ofstream(dir_.path() + "/cred-" + std::to_string(run) + ".json") << cred.dump();
  };
  for (int run : {1, 2, 4}) {
    const std::string user = "exec-" + std::to_string(run);
    auto cert = server_->IssueClientCertificate(user);
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    server_->api().SetUserAccess(user, kubetest::Access::kFull);
    write_credential(run, *cert,
                     run == 1   ? "2030-01-01T00:01:00Z"
                     : run == 2 ? "2030-01-01T00:03:00Z"
                                : "2030-01-01T01:00:00Z");
  }
  auto other_ca = kubetest::GenerateTlsMaterial();
  ASSERT_TRUE(other_ca.ok());
  auto foreign =
      kubetest::IssueClientCertificate(other_ca->ca_cert_pem, other_ca->ca_key_pem, "exec-3");
  ASSERT_TRUE(foreign.ok());
  write_credential(3, *foreign, "2030-01-01T01:00:00Z");
  const std::string count_file = dir_.path() + "/count";
  const std::string plugin = dir_.path() + "/plugin.sh";
  std::ofstream(plugin) << "#!/bin/sh\n"
                        << "n=$(cat '" << count_file << "' 2>/dev/null || echo 0)\n"
                        << "n=$((n+1))\n"
                        << "echo $n > '" << count_file << "'\n"
                        << "cat '" << dir_.path() << "/cred-'$n.json\n";
  ASSERT_EQ(::chmod(plugin.c_str(), 0755), 0);
  auto runs = [&] { return std::stoi(ReadFile(count_file)); };

  auto cfg = LoadWithUser(
      "{exec: {apiVersion: client.authentication.k8s.io/v1, command: '" + plugin + "'}}", clock);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto c = Client(*cfg);
  ASSERT_TRUE(c->Create(resources::kConfigMaps, "default", ConfigMap("a", "1")).ok());
  ASSERT_TRUE(c->Get(resources::kConfigMaps, "default", "a").ok());
  EXPECT_EQ(runs(), 1);
  EXPECT_EQ(*cfg->token->Token(), "");  // a certificate and no token: no Authorization header

  // The requests are exec-1's: revoking its rights makes them fail.
  server_->api().SetUserAccess("exec-1", kubetest::Access::kNone);
  EXPECT_EQ(c->Get(resources::kConfigMaps, "default", "a").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(runs(), 1);

  // Past the expiry the plugin runs again, and the next request presents
  // exec-2 (not exec-1 on the connection still open).
  clock.Advance(std::chrono::minutes(2));
  auto got = c->Get(resources::kConfigMaps, "default", "a");
  EXPECT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(runs(), 2);
  WatchOptions wo;
  wo.timeout_seconds = 1;
  auto w = c->Watch(resources::kConfigMaps, "default", wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  (*w)->Cancel();

  // The third credential's certificate is another CA's: its 401 invalidates
  // it, the fourth run's certificate works.
  clock.Advance(std::chrono::minutes(2));
  auto after_401 = c->List(resources::kConfigMaps, "default", {});
  EXPECT_TRUE(after_401.ok()) << after_401.status().ToString();
  EXPECT_EQ(runs(), 4);
  EXPECT_TRUE(c->Get(resources::kConfigMaps, "default", "a").ok());
  EXPECT_EQ(runs(), 4);
}

TEST_F(KubeClientIT, TokenFileRotationMidRun) {
  StartServer(false);
  std::string token_file = dir_.path() + "/token";
  std::ofstream(token_file) << "secret-token";
  RestConfig cfg = Config();
  cfg.token = std::make_shared<FileTokenSource>(token_file);
  auto c = Client(cfg);
  ASSERT_TRUE(c->List(resources::kConfigMaps, "default", {}).ok());
  // The server rotates: the old token dies, a new one is written to the file.
  server_->api().AddToken("rotated-token", "sa", kubetest::Access::kFull);
  server_->api().AddToken("secret-token", "sa", kubetest::Access::kNone);
  {
    std::string tmp = token_file + ".new";
    std::ofstream(tmp) << "rotated-token-and-more";
    std::filesystem::rename(tmp, token_file);
    std::ofstream(tmp) << "rotated-token";
    std::filesystem::rename(tmp, token_file);
  }
  auto after = c->List(resources::kConfigMaps, "default", {});
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

TEST_F(KubeClientIT, KubeconfigWithExecPluginAndLeaseStore) {
  StartServer(false);
  std::string kubeconfig = dir_.path() + "/kubeconfig";
  ASSERT_TRUE(server_->WriteKubeconfig(kubeconfig).ok());
  auto cfg = LoadKubeconfig({kubeconfig});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto c = Client(*cfg);
  ASSERT_TRUE(c->GetPath("/version").ok());

  // Leader election on a real Lease.
  FakeClock clock;
  KubeLeaseStore store(*c, "default", "logstack-operator");
  LeaderElectionConfig le;
  le.identity = "op-0";
  LeaderElector elector(store, clock, le);
  EXPECT_TRUE(elector.Step());
  clock.Advance(2s);
  EXPECT_TRUE(elector.Step());
  auto lease = c->Get(resources::kLeases, "default", "logstack-operator");
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "op-0");
  elector.Stop();
  EXPECT_EQ((*c->Get(resources::kLeases, "default", "logstack-operator"))["spec"]["holderIdentity"],
            "");
}

}  // namespace
}  // namespace logstack::kube
