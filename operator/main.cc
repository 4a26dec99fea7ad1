// logstack-operator: runs Promtail-Loki-Grafana logging stacks from LogStack
// resources (logstack.io/v1alpha1). See docs/operator.md.
//
//   logstack-operator [flags]               run the controller
//   logstack-operator render -f FILE...     print the manifests, no cluster
//
// Every flag can also be set in a YAML file given with --config (the flag's
// name with '_' or '-': `leader_elect: true`); flags win.

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>
// After <utility>: the Boost.Asio headers it pulls in need std::exchange.
#include <pplx/threadpool.h>

#include "common/build_info.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/units.h"
#include "operator/controller/controller.h"
#include "operator/controller/manager.h"
#include "operator/render.h"

namespace {

using namespace logstack;

constexpr const char* kUsage = R"(usage: logstack-operator [flags]
       logstack-operator render -f LOGSTACK.yaml [-f MORE.yaml ...] [image flags]

Runs the LogStack controller: for each LogStack (logstack.io/v1alpha1) it
creates and keeps converged a log store (StatefulSet), a collector (DaemonSet),
a Grafana datasource and optionally Grafana, and reports in the LogStack's
status. `render` prints every manifest the operator would apply for the
LogStacks in the files ("-" reads standard input), without a cluster.

Flags (each also settable in the --config file; flags win):
  --config=FILE                      YAML file with any of the settings below
  --kubeconfig=FILE                  kubeconfig to use; default: $KUBECONFIG, then
                                     in-cluster, then ~/.kube/config
  --context=NAME                     kubeconfig context (default: its current-context)
  --leader-elect                     run for leadership on a Lease; only the leader
                                     reconciles (for more than one replica)
  --leader-election-namespace=NS     the Lease's namespace; default: $POD_NAMESPACE,
                                     the in-cluster namespace, the context's namespace
  --leader-election-id=NAME          the Lease's name (logstack-operator-leader)
  --leader-elect-lease-duration=D    how long a lease is valid without renewal (15s)
  --leader-elect-renew-deadline=D    how long the leader keeps trying to renew (10s)
  --leader-elect-retry-period=D      how often candidates try (2s)
  --metrics-bind-address=ADDR        where /metrics is served (:8080; "0": off)
  --health-probe-bind-address=ADDR   where /healthz and /readyz are served (:8081; "0": off)
  --workers=N                        LogStacks reconciled at once (2)
  --resync-period=D                  every LogStack is checked again this often (10m)
  --logstore-image=REPO              log store image repository; the tag is the stack's
                                     version (ghcr.io/logstack/logstore)
  --collector-image=REPO             collector image repository (ghcr.io/logstack/collector)
  --grafana-image=IMAGE              Grafana image with tag (docker.io/grafana/grafana:11.3.1)
  --cluster-domain=DOMAIN            the cluster's DNS domain (cluster.local)
  --kube-api-qps=Q, --kube-api-burst=N   client-side rate limit on API requests
                                     (0: none, the default, relying on the API server's
                                     Priority and Fairness; burst 30 when a qps is set)
  --log-level=LEVEL                  debug, info, warn, error (info)
  --log-format=FORMAT                logfmt or json (logfmt)
  --version                          print the version and exit

Environment:
  WATCH_NAMESPACE    namespaces to watch, one or a comma list; empty: all
  POD_NAMESPACE      the operator's namespace (the Lease's default namespace)
  POD_NAME           the operator pod's name (leader identity, Events' reportingInstance)
  KUBECONFIG         kubeconfig files, as kubectl reads them
  SSL_CERT_FILE      CA bundle for TLS to external stores (default: the system's)

render flags: -f/--filename=FILE (repeatable), --namespace=NS (for LogStacks that
name none), --logstore-image, --collector-image, --grafana-image, --cluster-domain,
--grafana-operator (also emit the GrafanaDatasource), --skip-other-kinds (pass over
documents that are not logstack.io objects, e.g. the apps in config/samples/two-teams)

Exit status: 0 after SIGTERM/SIGINT (clean shutdown: workers stop, the Lease is
released), 1 when leadership is lost or the operator cannot start, 2 for bad flags.
)";

volatile std::sig_atomic_t g_signal = 0;
void OnSignal(int sig) { g_signal = sig; }

int Fail(const std::string& msg, int code = 2) {
  std::fprintf(stderr, "logstack-operator: %s\n", msg.c_str());
  return code;
}

int RunRender(int argc, char** argv) {
  op::RenderOptions ro;
  ro.defaults.version = LOGSTACK_VERSION;
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& name) -> std::optional<std::string> {
      if (a == "-" + name.substr(0, 1) && name == "filename") {
        if (i + 1 >= argc) return std::nullopt;
        return std::string(argv[++i]);
      }
      const std::string flag = "--" + name;
      if (a == flag) {
        if (i + 1 >= argc) return std::nullopt;
        return std::string(argv[++i]);
      }
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      return std::nullopt;
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a.rfind("-f", 0) == 0 && a.size() > 2 && a[2] != '=') {
      files.push_back(a.substr(2));  // -fFILE
      continue;
    }
    if (a == "-f=" || a.rfind("-f=", 0) == 0) {
      files.push_back(a.substr(3));
      continue;
    }
    if (auto v = value("filename")) {
      files.push_back(*v);
    } else if (auto v2 = value("namespace")) {
      ro.default_namespace = *v2;
    } else if (auto v3 = value("logstore-image")) {
      ro.build.logstore_repository = *v3;
    } else if (auto v4 = value("collector-image")) {
      ro.build.collector_repository = *v4;
    } else if (auto v5 = value("grafana-image")) {
      ro.build.grafana_image = *v5;
    } else if (auto v6 = value("cluster-domain")) {
      ro.build.cluster_domain = *v6;
    } else if (a == "--grafana-operator") {
      ro.build.grafana_operator_available = true;
    } else if (a == "--skip-other-kinds") {
      ro.skip_other_kinds = true;
    } else {
      return Fail("render: unknown argument \"" + a + "\"\n\n" + kUsage);
    }
  }
  if (files.empty()) return Fail("render: no input: give -f FILE (\"-\" for standard input)");
  Status s = op::Render(files, ro, std::cout);
  std::cout.flush();
  if (!s.ok()) return Fail("render: " + s.message(), 1);
  return 0;
}

StatusOr<std::chrono::nanoseconds> Duration(ConfigReader& r, const std::string& key,
                                            std::chrono::nanoseconds fallback) {
  int64_t ns = fallback.count();
  r.ReadDuration(key, &ns);
  if (ns <= 0) return InvalidArgument("--" + key + " must be positive");
  return std::chrono::nanoseconds(ns);
}

int Run(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "render") return RunRender(argc, argv);
  auto cmd = ParseCommandLine(argc, argv);
  if (!cmd.ok()) return Fail(cmd.status().message() + "\n\n" + kUsage);
  if (cmd->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd->Has("version")) {
    std::printf("logstack-operator %s (%s)\n", LOGSTACK_VERSION, BuildRevision());
    return 0;
  }
  if (!cmd->positional.empty()) {
    return Fail("unknown command \"" + cmd->positional[0] + "\" (did you mean render?)\n\n" +
                kUsage);
  }
  auto tree = LoadConfigTree(cmd->Get("config"), *cmd, {"config", "help", "version"});
  if (!tree.ok()) return Fail(tree.status().message());
  ConfigReader r(*tree, "");

  op::controller::ManagerOptions mo;
  std::string log_level = "info", log_format = "logfmt";
  r.Read("kubeconfig", &mo.kube.kubeconfig);
  r.Read("context", &mo.kube.context);
  r.Read("leader_elect", &mo.leader_elect);
  r.Read("leader_election_namespace", &mo.leader_election_namespace);
  r.Read("leader_election_id", &mo.leader_election_id);
  auto lease = Duration(r, "leader_elect_lease_duration", mo.lease_duration);
  auto renew = Duration(r, "leader_elect_renew_deadline", mo.renew_deadline);
  auto retry = Duration(r, "leader_elect_retry_period", mo.retry_period);
  r.Read("metrics_bind_address", &mo.metrics_bind_address);
  r.Read("health_probe_bind_address", &mo.health_probe_bind_address);
  int64_t workers = 2, burst = mo.kube_burst;
  r.Read("workers", &workers);
  r.Read("kube_api_qps", &mo.kube_qps);
  r.Read("kube_api_burst", &burst);
  auto resync = Duration(r, "resync_period", mo.controller.resync_period);
  auto& rec = mo.controller.reconciler;
  r.Read("logstore_image", &rec.logstore_repository);
  r.Read("collector_image", &rec.collector_repository);
  r.Read("grafana_image", &rec.grafana_image);
  r.Read("cluster_domain", &rec.cluster_domain);
  r.Read("log_level", &log_level);
  r.Read("log_format", &log_format);
  Status fs = r.Finish();
  if (!fs.ok()) return Fail(fs.message() + "\n\n" + kUsage);
  for (const auto* d : {&lease, &renew, &retry, &resync}) {
    if (!d->ok()) return Fail(d->status().message());
  }
  if (workers < 1 || workers > 64) return Fail("--workers must be between 1 and 64");
  mo.lease_duration = *lease;
  mo.renew_deadline = *renew;
  mo.retry_period = *retry;
  mo.controller.workers = static_cast<int>(workers);
  mo.kube_burst = static_cast<int>(burst);
  mo.controller.resync_period = std::chrono::duration_cast<std::chrono::milliseconds>(*resync);
  rec.defaults.version = LOGSTACK_VERSION;
  auto nss = op::controller::ParseWatchNamespaces(kube::ProcessEnv("WATCH_NAMESPACE").value_or(""));
  if (!nss.ok()) return Fail(nss.status().message());
  mo.controller.namespaces = *nss;

  // Memory: the operator is mostly idle threads (informers, workers). glibc
  // gives each thread that allocates its own malloc arena (a few MB each once
  // used); two arenas serve this load. cpprestsdk's I/O pool defaults to 40
  // threads; the client's requests and watches need a few.
  mallopt(M_ARENA_MAX, 2);
  crossplat::threadpool::initialize_with_threads(4);
  mo.trim_tls_trust_store = true;

  Status ls = InitLogging(log_level, log_format);
  if (!ls.ok()) return Fail(ls.message());

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  auto manager = op::controller::Manager::Create(std::move(mo));
  if (!manager.ok()) {
    LOG_ERROR("component=operator op=start err={}", Quote(manager.status().ToString()));
    return 1;
  }
  LOG_INFO("component=operator op=start version={} revision={}", LOGSTACK_VERSION, BuildRevision());
  Status ss = (*manager)->Start();
  if (!ss.ok()) {
    LOG_ERROR("component=operator op=start err={}", Quote(ss.ToString()));
    return 1;
  }
  // Informer resyncs and relists parse every cached object at once; the
  // memory is freed right after, but glibc keeps the pages. Handing free
  // pages back every 30 s keeps the resident size near the working set.
  auto next_trim = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (g_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (std::chrono::steady_clock::now() >= next_trim) {
      malloc_trim(0);
      next_trim += std::chrono::seconds(30);
    }
  }
  LOG_INFO("component=operator op=shutdown signal={}", static_cast<int>(g_signal));
  (*manager)->Stop();
  LOG_INFO("component=operator op=stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
