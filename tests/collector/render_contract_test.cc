// The operator and the collector agree: for every sample LogStack, the
// collector starts with exactly the ConfigMap and the arguments that
// `logstack-operator render` produces, and delivers a line. Only what a pod
// mounts differs here: the container's paths (/etc/collector,
// /var/log/pods, /var/lib/logstack-collector) are moved under a temporary
// directory, the in-cluster push URL points at a local store, and the
// Kubernetes API is the API test server, holding the pod whose log is read.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/collector/pod_log_writer.h"
#include "tests/kube/server/test_server.h"
#include "tests/testutil/eventually.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::collector {
namespace {

using testutil::LogstoreOptions;
using testutil::LogstoreProcess;
using testutil::TempDir;

std::string BinDir() { return std::getenv("LOGSTACK_BIN_DIR"); }

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s->find(from, pos)) != std::string::npos; pos += to.size()) {
    s->replace(pos, from.size(), to);
  }
}

// A multi-tenant store, as the operator configures it, in dir/store.
StatusOr<std::unique_ptr<LogstoreProcess>> StartStore(const TempDir& dir) {
  LogstoreOptions so;
  so.data_dir = dir.Join("store");
  std::filesystem::create_directories(so.data_dir);
  so.flags = {"--auth-enabled=true"};
  return LogstoreProcess::Start(so);
}

struct Rendered {
  std::string config_yaml;
  std::vector<std::string> args;
  std::string push_url;
  std::string tenant;
  std::vector<std::string> namespaces;
  YAML::Node namespace_selector;
};

// Labels that a namespace selector (matchLabels and matchExpressions)
// matches, to create a namespace it selects.
std::map<std::string, std::string> LabelsSelectedBy(const YAML::Node& selector) {
  std::map<std::string, std::string> labels;
  if (!selector || !selector.IsMap()) return labels;
  if (selector["matchLabels"]) {
    for (const auto& kv : selector["matchLabels"]) {
      labels[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  if (selector["matchExpressions"]) {
    for (const auto& e : selector["matchExpressions"]) {
      const std::string op = e["operator"].as<std::string>();
      if (op == "In") labels[e["key"].as<std::string>()] = e["values"][0].as<std::string>();
      if (op == "Exists") labels[e["key"].as<std::string>()] = "yes";
    }
  }
  return labels;
}

// The collector's ConfigMap and container args among the rendered objects.
std::vector<Rendered> RenderCollectors(const std::string& sample) {
  std::vector<Rendered> out;
  // Not a single LogStack rendered (a broken sample, a failed render) must
  // fail, not skip: the samples all have a collector.
  const std::string yaml = Run(BinDir() + "/logstack-operator render --skip-other-kinds -f " + sample + " 2>/dev/null");
  std::map<std::string, std::string> configs;  // ConfigMap name -> config.yaml
  std::vector<std::pair<std::string, std::vector<std::string>>> daemonsets;  // config name, args
  for (const YAML::Node& doc : YAML::LoadAll(yaml)) {
    if (!doc.IsMap() || !doc["kind"]) continue;
    const std::string kind = doc["kind"].as<std::string>();
    if (kind == "ConfigMap" && doc["data"] && doc["data"]["config.yaml"] &&
        doc["metadata"]["name"].as<std::string>().find("-collector-config") != std::string::npos) {
      configs[doc["metadata"]["name"].as<std::string>()] = doc["data"]["config.yaml"].as<std::string>();
    }
    if (kind == "DaemonSet") {
      const YAML::Node pod = doc["spec"]["template"]["spec"];
      std::string cm;
      for (const auto& v : pod["volumes"]) {
        if (v["configMap"]) cm = v["configMap"]["name"].as<std::string>();
      }
      std::vector<std::string> args;
      for (const auto& a : pod["containers"][0]["args"]) args.push_back(a.as<std::string>());
      daemonsets.emplace_back(cm, args);
    }
  }
  for (auto& [cm, args] : daemonsets) {
    Rendered r;
    r.config_yaml = configs[cm];
    r.args = args;
    YAML::Node cfg = YAML::Load(r.config_yaml);
    r.push_url = cfg["push_url"].as<std::string>();
    r.tenant = cfg["tenant"] ? cfg["tenant"].as<std::string>() : "";
    if (cfg["namespaces"]) {
      for (const auto& n : cfg["namespaces"]) r.namespaces.push_back(n.as<std::string>());
    }
    if (cfg["namespace_selector"]) r.namespace_selector = cfg["namespace_selector"];
    out.push_back(std::move(r));
  }
  return out;
}

class RenderContractTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RenderContractTest, CollectorRunsWithTheRenderedConfigAndArgs) {
  const std::string sample = std::string(LOGSTACK_SOURCE_DIR) + "/" + GetParam();
  std::vector<Rendered> collectors = RenderCollectors(sample);
  ASSERT_FALSE(collectors.empty()) << GetParam() << " renders no collector";
  auto dir = TempDir::Create("collector-render-");
  ASSERT_TRUE(dir.ok());
  auto store = StartStore(*dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  auto kube = kubetest::KubeTestServer::Start({});
  ASSERT_TRUE(kube.ok()) << kube.status().ToString();
  const std::string kubeconfig = dir->Join("kubeconfig");
  {
    std::ofstream f(kubeconfig);
    f << "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster: {server: \""
      << (*kube)->url() << "\"}\nusers:\n- name: t\n  user: {}\ncontexts:\n- name: t\n"
      << "  context: {cluster: t, user: t}\ncurrent-context: t\n";
  }

  int n = 0;
  for (Rendered& r : collectors) {
    SCOPED_TRACE(r.push_url);
    const std::string root = dir->Join("node" + std::to_string(++n));
    const std::string local_push = (*store)->url() + "/loki/api/v1/push";
    // What the pod mounts, moved under root.
    auto relocate = [&](std::string s) {
      ReplaceAll(&s, r.push_url, local_push);
      ReplaceAll(&s, "/etc/collector", root + "/etc/collector");
      ReplaceAll(&s, "/var/log/pods", root + "/var/log/pods");
      ReplaceAll(&s, "/var/lib/logstack-collector", root + "/var/lib/logstack-collector");
      return s;
    };
    std::filesystem::create_directories(root + "/etc/collector");
    std::filesystem::create_directories(root + "/var/log/pods");
    std::string config_path;
    std::vector<std::string> flags;
    for (const std::string& a : r.args) {
      std::string moved = relocate(a);
      if (moved.rfind("--config=", 0) == 0) config_path = moved.substr(9);
      if (moved.rfind("--positions-file=", 0) == 0) {
        std::filesystem::create_directories(std::filesystem::path(moved.substr(17)).parent_path());
      }
      flags.push_back(moved);
    }
    ASSERT_FALSE(config_path.empty());
    {
      std::ofstream f(config_path);
      f << relocate(r.config_yaml);
    }
    // The node the DaemonSet's pod would run on ($NODE_NAME there).
    flags.push_back("--kubeconfig=" + kubeconfig);
    flags.push_back("--node-name=node-1");
    flags.push_back("--batch-wait=100ms");

    // A namespace the collector collects, and a pod on this node in it.
    const std::string ns = r.namespaces.empty() ? "selected-" + std::to_string(n) : r.namespaces[0];
    nlohmann::json ns_labels = nlohmann::json::object();
    for (const auto& [k, v] : LabelsSelectedBy(r.namespace_selector)) ns_labels[k] = v;
    auto cr = (*kube)->api().Call("POST", "/api/v1/namespaces",
                                  {{"apiVersion", "v1"},
                                   {"kind", "Namespace"},
                                   {"metadata", {{"name", ns}, {"labels", ns_labels}}}});
    ASSERT_TRUE(cr.status == 201 || cr.status == 409) << cr.body.dump();
    const std::string pod = "web-" + std::to_string(n);
    auto pr = (*kube)->api().Call(
        "POST", "/api/v1/namespaces/" + ns + "/pods",
        {{"apiVersion", "v1"},
         {"kind", "Pod"},
         {"metadata", {{"name", pod}, {"labels", {{"app.kubernetes.io/name", "storefront"}}}}},
         {"spec",
          {{"nodeName", "node-1"},
           {"containers", nlohmann::json::array({{{"name", "web"}, {"image", "x"}}})}}}});
    ASSERT_EQ(pr.status, 201) << pr.body.dump();
    // kubelet names the pod's log directory with the pod's uid.
    testing::PodLogWriter w(root + "/var/log/pods", ns, pod,
                            pr.body["metadata"]["uid"].get<std::string>(), "web",
                            testutil::NowNanos() - 60'000'000'000);
    w.Write(10);

    LogstoreOptions co;
    co.binary = BinDir() + "/logstack-collector";
    co.data_dir = root;
    co.pass_data_dir = false;
    co.log_name = "collector.stderr";
    co.flags = flags;
    auto col = LogstoreProcess::Start(co);
    ASSERT_TRUE(col.ok()) << col.status().ToString();

    testutil::HttpClient client((*store)->host(), (*store)->port());
    testutil::QueryRangeParams q;
    // app from the pod's metadata, not from the path.
    q.query = "{namespace=\"" + ns + "\", pod=\"" + pod + "\", app=\"storefront\", node_name=\"node-1\"}";
    q.start_ns = testutil::NowNanos() - 3'600'000'000'000;
    q.end_ns = testutil::NowNanos() + 60'000'000'000;
    q.limit = 1000;
    q.tenant = r.tenant;
    bool ok = testutil::Eventually(
        [&] {
          auto got = testutil::QueryRange(client, q);
          return got.ok() && got->size() == 10;
        },
        std::chrono::seconds(20));
    EXPECT_TRUE(ok) << (*col)->StderrTail();
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, RenderContractTest,
                         ::testing::Values("config/samples/logstack_v1alpha1_logstack.yaml",
                                           "config/samples/logstack_v1alpha1_logstack_full.yaml",
                                           "config/samples/logstack_v1alpha1_logstack_external.yaml",
                                           "config/samples/two-teams/shop.yaml",
                                           "config/samples/two-teams/payments.yaml"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return s;
                         });

}  // namespace
}  // namespace logstack::collector

namespace logstack::collector {
namespace {

// docs/examples/collector-sidecar.yaml: its collector config, run as it is
// (paths moved under a temporary directory), ships a file with static labels
// and its pipeline's level label and timestamp.
TEST(SidecarExample, ShipsTheSharedVolumesFiles) {
  const std::string example = std::string(LOGSTACK_SOURCE_DIR) + "/docs/examples/collector-sidecar.yaml";
  std::string config;
  for (const YAML::Node& doc : YAML::LoadAllFromFile(example)) {
    if (doc["kind"] && doc["kind"].as<std::string>() == "ConfigMap") {
      config = doc["data"]["config.yaml"].as<std::string>();
    }
  }
  ASSERT_FALSE(config.empty());
  auto dir = TempDir::Create("collector-sidecar-");
  ASSERT_TRUE(dir.ok());
  auto store = StartStore(*dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  ReplaceAll(&config, "http://logs-logstore:3100", (*store)->url());
  ReplaceAll(&config, "/app/logs", dir->Join("app/logs"));
  ReplaceAll(&config, "/var/lib/collector", dir->Join("positions"));
  std::filesystem::create_directories(dir->Join("app/logs"));
  std::filesystem::create_directories(dir->Join("positions"));
  {
    std::ofstream f(dir->Join("app/logs/billing.log"));
    f << "2026-12-06T10:00:00.5Z INFO invoice 17 created\n"
      << "2026-12-06T10:00:01.25Z ERROR invoice 18: card declined\n";
  }
  {
    std::ofstream f(dir->Join("config.yaml"));
    f << config;
  }
  LogstoreOptions co;
  co.binary = BinDir() + "/logstack-collector";
  co.data_dir = dir->path();
  co.pass_data_dir = false;
  co.log_name = "collector.stderr";
  co.flags = {"--config=" + dir->Join("config.yaml"), "--batch-wait=100ms"};
  auto col = LogstoreProcess::Start(co);
  ASSERT_TRUE(col.ok()) << col.status().ToString();

  testutil::HttpClient client((*store)->host(), (*store)->port());
  testutil::QueryRangeParams q;
  q.query = R"({app="legacy-billing", level="ERROR"})";
  q.start_ns = 1'796'551'200'000'000'000;  // 2026-12-06T10:00:00Z
  q.end_ns = q.start_ns + 10'000'000'000;
  q.tenant = "shop.logs";
  std::vector<testutil::QueriedEntry> got;
  ASSERT_TRUE(testutil::Eventually(
      [&] {
        auto r = testutil::QueryRange(client, q);
        if (r.ok()) got = *r;
        return got.size() == 1;
      },
      std::chrono::seconds(20)))
      << (*col)->StderrTail();
  EXPECT_EQ(got[0].line, "2026-12-06T10:00:01.25Z ERROR invoice 18: card declined");
  EXPECT_EQ(got[0].ts_ns, q.start_ns + 1'250'000'000);
}

}  // namespace
}  // namespace logstack::collector
