// operator_bench: the real logstack-operator binary against the API test
// server (tests/kube/, in this process, HTTPS with a bearer token, as a
// cluster's API server would be reached).
//
//   operator_bench [--bin-dir=build/bin] [--stacks=100] [--quiet-seconds=30]
//                  [--qps=0] [--burst=30] [--workers=2] [--crd=FILE]
//
// 1. The CRD is created and the operator started (one process, no leader
//    election, --kube-api-qps/--kube-api-burst as given, by default none, --resync-period=10s
//    so that every LogStack is reconciled again during the quiet period).
//    Once /readyz answers, its RSS is read from /proc (idle).
// 2. --stacks LogStacks (every default: store, collector, datasource), each
//    in its own namespace, are created at once through the server's admin
//    path. A fake kubelet in this process gives every StatefulSet and
//    DaemonSet the status of a finished rollout as soon as it appears (and
//    never writes otherwise). Reported: the time from the first create until
//    every object the builders make for them exists (created_s), and until
//    every LogStack is Ready=True (ready_s); the operator's CPU time over
//    that stretch; its RSS with them all (after a second to settle) and its
//    peak RSS (VmHWM).
//    Also the write requests (POST, PUT, PATCH, DELETE) the operator sent
//    until then: with a client-side rate limit they bound the time.
// 3. Quiet period: --quiet-seconds with nothing changing; the write requests
//    the server received over HTTP meanwhile (the operator's: this process
//    writes through ApiServer::Call, which is not counted), and the reconcile
//    passes the operator ran (from its /metrics), to show it was busy
//    looking.
//
// Prints "name value unit" lines (see bench/run.sh).

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "common/kube/object.h"
#include "common/logging.h"
#include "operator/api/logstack_types.h"
#include "operator/manifests/build.h"
#include "operator/manifests/yaml.h"
#include "tests/kube/server/test_server.h"

namespace logstack::bench {
namespace {

using kube::Json;
using namespace std::chrono_literals;

constexpr double kMiB = 1024.0 * 1024.0;

struct Flags {
  std::string bin_dir = "build/bin";
  uint64_t stacks = 100;
  uint64_t quiet_seconds = 30;
  uint64_t qps = 0;  // the operator's default: no client-side limit
  uint64_t burst = 30;
  uint64_t workers = 2;
  std::string crd;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) Die("bad argument " + a);
    std::string key = a.substr(2, eq - 2), value = a.substr(eq + 1);
    if (key == "bin-dir") {
      f.bin_dir = value;
    } else if (key == "stacks") {
      f.stacks = ParseUint(key, value);
    } else if (key == "quiet-seconds") {
      f.quiet_seconds = ParseUint(key, value);
    } else if (key == "qps") {
      f.qps = ParseUint(key, value);
    } else if (key == "burst") {
      f.burst = ParseUint(key, value);
    } else if (key == "workers") {
      f.workers = ParseUint(key, value);
    } else if (key == "crd") {
      f.crd = value;
    } else {
      Die("unknown flag --" + key);
    }
  }
  if (f.stacks == 0) Die("--stacks must be at least 1");
  return f;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The port the operator logged for `what` (metrics or health); 0 if not yet.
int PortOf(const std::string& log_path, const std::string& what) {
  std::ifstream in(log_path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string log = ss.str();
  std::smatch m;
  std::regex re("op=listen what=" + what + " address=\\S+ port=(\\d+)");
  return std::regex_search(log, m, re) ? std::stoi(m[1]) : 0;
}

// Polls `cond` every `poll` until it holds or `timeout_s` passes. The
// convergence polls list every LogStack and owned object through the
// server's admin path, so they poll at 20 ms: often enough for the figures'
// precision, rarely enough not to compete with the operator for the CPU.
bool WaitUntil(const std::function<bool()>& cond, double timeout_s,
               std::chrono::milliseconds poll = 5ms) {
  const double deadline = MonotonicSeconds() + timeout_s;
  while (MonotonicSeconds() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(poll);
  }
  return cond();
}

// Plays kubelet and the workload controllers (see tests/operator/controller).
class FakeKubelet {
 public:
  explicit FakeKubelet(kubetest::ApiServer& api) : api_(api) {
    thread_ = std::thread([this] {
      while (!stop_) {
        Sync();
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  ~FakeKubelet() {
    stop_ = true;
    thread_.join();
  }

 private:
  void SyncKind(const std::string& group_version, const std::string& resource,
                const std::function<Json(const Json&)>& status_of) {
    auto list = api_.Call("GET", group_version + "/" + resource);
    if (list.status != 200) return;
    for (auto& item : list.body["items"]) {
      Json want = status_of(item);
      if (item.value("status", Json::object()) == want) continue;
      item["status"] = want;
      api_.Call("PUT",
                group_version + "/namespaces/" + kube::Namespace(item) + "/" + resource + "/" +
                    kube::Name(item) + "/status",
                item);
    }
  }
  void Sync() {
    SyncKind("/apis/apps/v1", "statefulsets", [](const Json& o) {
      const int64_t gen = kube::Generation(o);
      const int64_t n = o["spec"].value("replicas", 1);
      const std::string rev = kube::Name(o) + "-" + std::to_string(gen);
      return Json{{"observedGeneration", gen}, {"replicas", n},          {"readyReplicas", n},
                  {"updatedReplicas", n},      {"currentRevision", rev}, {"updateRevision", rev}};
    });
    SyncKind("/apis/apps/v1", "daemonsets", [](const Json& o) {
      return Json{{"observedGeneration", kube::Generation(o)},
                  {"desiredNumberScheduled", 3},
                  {"numberReady", 3},
                  {"updatedNumberScheduled", 3}};
    });
  }

  kubetest::ApiServer& api_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

size_t CountManagedObjects(kubetest::ApiServer& api) {
  size_t n = 0;
  for (const auto& k : op::manifests::OwnedKinds()) {
    const auto& r = k.resource;
    auto list =
        api.Call("GET", r.GroupVersionPath() + "/" + r.resource +
                            "?labelSelector=app.kubernetes.io/managed-by=logstack-operator");
    if (list.status == 200) n += list.body["items"].size();
  }
  return n;
}

size_t CountReady(kubetest::ApiServer& api) {
  auto list = api.Call("GET", "/apis/logstack.io/v1alpha1/logstacks");
  size_t n = 0;
  if (list.status != 200) return 0;
  for (const auto& ls : list.body["items"]) {
    auto c = kube::GetCondition(ls, "Ready");
    if (c && c->status == "True") ++n;
  }
  return n;
}

// Objects the builders make for one default LogStack.
size_t ObjectsPerStack() {
  Json ls = {{"apiVersion", "logstack.io/v1alpha1"},
             {"kind", "LogStack"},
             {"metadata", {{"name", "s"}, {"namespace", "n"}, {"uid", "u"}}},
             {"spec", Json::object()}};
  auto parsed = op::ParseLogStack(ls, op::OperatorDefaults{"0.1.0"});
  if (!parsed.ok()) Die("ParseLogStack: " + parsed.status().ToString());
  op::manifests::BuildOptions bo;
  bo.stack = *parsed;
  return op::manifests::BuildAll(bo).size();
}

double MetricValue(const std::string& metrics, const std::string& series) {
  auto pos = metrics.find("\n" + series + " ");
  if (pos == std::string::npos) return -1;
  return std::strtod(metrics.c_str() + pos + series.size() + 2, nullptr);
}

int Main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  (void)InitLogging("error");
  if (flags.crd.empty()) {
    flags.crd = "crds/logstack.io_logstacks.yaml";
    if (access(flags.crd.c_str(), R_OK) != 0) {
      flags.crd = std::string(OPERATOR_BENCH_SOURCE_DIR) + "/crds/logstack.io_logstacks.yaml";
    }
  }
  const std::string op_bin = flags.bin_dir + "/logstack-operator";
  if (access(op_bin.c_str(), X_OK) != 0) Die(op_bin + " is missing; build it first");

  TempDir dir("operator-bench-");
  kubetest::KubeTestServer::Options so;
  so.token = "bench";
  so.tls_dir = dir.path();
  so.api.garbage_collection = true;
  auto server = kubetest::KubeTestServer::Start(so);
  if (!server.ok()) Die("test server: " + server.status().ToString());
  kubetest::ApiServer& api = (*server)->api();
  const std::string kubeconfig = dir.path() + "/kubeconfig";
  if (!(*server)->WriteKubeconfig(kubeconfig).ok()) Die("kubeconfig");

  auto docs = op::manifests::ParseYamlDocuments(ReadAll(flags.crd), flags.crd);
  if (!docs.ok() || docs->empty()) Die("CRD " + flags.crd + ": " + docs.status().ToString());
  auto crd =
      api.Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", (*docs)[0]);
  if (crd.status != 201) Die("create CRD: " + crd.body.dump());

  const std::string log_path = dir.path() + "/operator.log";
  ChildProcess op(
      {op_bin, "--kubeconfig=" + kubeconfig, "--metrics-bind-address=127.0.0.1:0",
       "--health-probe-bind-address=127.0.0.1:0", "--kube-api-qps=" + std::to_string(flags.qps),
       "--kube-api-burst=" + std::to_string(flags.burst),
       "--workers=" + std::to_string(flags.workers), "--resync-period=10s", "--log-level=info"},
      log_path);
  if (!WaitUntil([&] { return PortOf(log_path, "health") > 0; }, 20)) {
    Die("the operator did not start; its log:\n" + ReadAll(log_path));
  }
  const int health = PortOf(log_path, "health");
  const int metrics = PortOf(log_path, "metrics");
  HttpConn health_conn("127.0.0.1", static_cast<uint16_t>(health));
  HttpConn metrics_conn("127.0.0.1", static_cast<uint16_t>(metrics));
  std::string body;
  if (!WaitUntil([&] { return health_conn.Do("GET", "/readyz", "", "", &body) == 200; }, 20)) {
    Die("the operator did not become ready: " + body);
  }
  std::this_thread::sleep_for(1s);
  Report("operator_rss_idle", ProcessRssBytes(op.pid()) / kMiB, "MiB");

  FakeKubelet kubelet(api);
  const size_t want_objects = ObjectsPerStack() * flags.stacks;
  const double cpu0 = ProcessCpuSeconds(op.pid());
  const uint64_t converge_writes0 = api.WriteRequestCount();
  const double t0 = MonotonicSeconds();
  for (uint64_t i = 0; i < flags.stacks; ++i) {
    const std::string ns = "team-" + std::to_string(i);
    auto r = api.Call("POST", "/api/v1/namespaces",
                      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    if (r.status != 201) Die("create namespace: " + r.body.dump());
    r = api.Call("POST", "/apis/logstack.io/v1alpha1/namespaces/" + ns + "/logstacks",
                 {{"apiVersion", "logstack.io/v1alpha1"},
                  {"kind", "LogStack"},
                  {"metadata", {{"name", "logs"}, {"namespace", ns}}},
                  {"spec", Json::object()}});
    if (r.status != 201) Die("create LogStack: " + r.body.dump());
  }
  double t_created = -1;
  const bool ready = WaitUntil(
      [&] {
        if (t_created < 0 && CountManagedObjects(api) >= want_objects) {
          t_created = MonotonicSeconds() - t0;
        }
        return t_created >= 0 && CountReady(api) == flags.stacks;
      },
      120, 20ms);
  const double t_ready = MonotonicSeconds() - t0;
  if (!ready) {
    Die("not converged after 120 s: " + std::to_string(CountManagedObjects(api)) + "/" +
        std::to_string(want_objects) + " objects, " + std::to_string(CountReady(api)) +
        " Ready; operator log:\n" + ReadAll(log_path));
  }
  const double cpu = ProcessCpuSeconds(op.pid()) - cpu0;
  const uint64_t converge_writes = api.WriteRequestCount() - converge_writes0;
  Report("operator_stacks", static_cast<double>(flags.stacks), "LogStacks");
  Report("operator_objects", static_cast<double>(want_objects), "objects");
  Report("operator_converge_created", t_created, "s");
  Report("operator_converge_ready", t_ready, "s");
  Report("operator_converge_cpu", cpu, "s");
  Report("operator_converge_writes", static_cast<double>(converge_writes), "requests");
  Report("operator_converge_writes_per_stack",
         static_cast<double>(converge_writes) / static_cast<double>(flags.stacks), "requests");
  std::this_thread::sleep_for(1s);
  Report("operator_rss_loaded", ProcessRssBytes(op.pid()) / kMiB, "MiB");
  Report("operator_rss_peak", ProcessPeakRssBytes(op.pid()) / kMiB, "MiB");

  // Quiet period: let the last events and status writes land first.
  std::this_thread::sleep_for(2s);
  metrics_conn.Do("GET", "/metrics", "", "", &body);
  const double passes0 = MetricValue(body, "logstack_operator_reconcile_total{result=\"done\"}") +
                         MetricValue(body, "logstack_operator_reconcile_total{result=\"requeue\"}");
  const uint64_t writes0 = api.WriteRequestCount();
  std::this_thread::sleep_for(std::chrono::seconds(flags.quiet_seconds));
  const uint64_t writes = api.WriteRequestCount() - writes0;
  metrics_conn.Do("GET", "/metrics", "", "", &body);
  const double passes = MetricValue(body, "logstack_operator_reconcile_total{result=\"done\"}") +
                        MetricValue(body, "logstack_operator_reconcile_total{result=\"requeue\"}") -
                        passes0;
  Report("operator_quiet_seconds", static_cast<double>(flags.quiet_seconds), "s");
  Report("operator_quiet_writes", static_cast<double>(writes), "requests");
  Report("operator_quiet_reconciles", passes, "passes");
  Report("operator_rss_after_quiet", ProcessRssBytes(op.pid()) / kMiB, "MiB");
  op.SignalAndWait(SIGTERM);
  return 0;
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
