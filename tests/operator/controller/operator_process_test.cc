// The real logstack-operator binary against the API test server: leader
// election between two processes and failover when the leader is killed,
// a clean SIGTERM that releases the Lease, a restart in the middle of a
// reconcile, the probes and /metrics, WATCH_NAMESPACE, render and --help.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "common/kube/object.h"
#include "tests/operator/controller/fixture.h"

namespace logstack::op::controller::testing {
namespace {

const std::string kLeasePath =
    "/apis/coordination.k8s.io/v1/namespaces/default/leases/logstack-operator-leader";

// GET http://127.0.0.1:port/path; "<status> <body>", or "" when unreachable.
std::string HttpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return "";
  }
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, n);
  ::close(fd);
  auto sp = resp.find(' ');
  auto body = resp.find("\r\n\r\n");
  if (sp == std::string::npos || body == std::string::npos) return "";
  return resp.substr(sp + 1, 3) + " " + resp.substr(body + 4);
}

class OperatorProcessTest : public ClusterTest {
 protected:
  // Starts the binary with leader election on fast timings (lease 2 s).
  std::unique_ptr<Process> StartOperator(const std::string& pod_name, bool leader_elect,
                                         std::vector<std::string> extra_env = {},
                                         std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {BinDir() + "/logstack-operator",
                                     "--kubeconfig=" + kubeconfig(),
                                     "--metrics-bind-address=127.0.0.1:0",
                                     "--health-probe-bind-address=127.0.0.1:0",
                                     "--kube-api-qps=0",
                                     "--log-level=debug"};
    if (leader_elect) {
      argv.insert(argv.end(),
                  {"--leader-elect", "--leader-election-namespace=default",
                   "--leader-elect-lease-duration=2s", "--leader-elect-renew-deadline=1500ms",
                   "--leader-elect-retry-period=200ms"});
    }
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    extra_env.push_back("POD_NAME=" + pod_name);
    return std::make_unique<Process>(argv, dir() + "/" + pod_name + ".log", extra_env);
  }

  // The port a process logged for `what` (metrics or health); 0 if not yet.
  static int PortOf(Process& p, const std::string& what) {
    std::smatch m;
    std::string log = p.log();
    std::regex re("op=listen what=" + what + " address=\\S+ port=(\\d+)");
    return std::regex_search(log, m, re) ? std::stoi(m[1]) : 0;
  }

  std::string LeaseHolder() {
    Json lease = Get(kLeasePath);
    if (lease.is_null()) return "";
    return lease["spec"].value("holderIdentity", "");
  }

  bool Ready(const std::string& name, const std::string& ns = "default") {
    return ConditionOf(ns, name, "Ready") == "True/Ready";
  }
};

TEST_F(OperatorProcessTest, OneLeaderAndFailoverWhenKilled) {
  FakeKubelet kubelet(api());
  kubelet.Start();
  auto a = StartOperator("op-a", true);
  auto b = StartOperator("op-b", true);
  ASSERT_TRUE(Eventually([&] { return !LeaseHolder().empty(); }, 15s)) << a->log() << b->log();
  const std::string leader = LeaseHolder();
  const bool a_leads = leader.rfind("op-a_", 0) == 0;
  ASSERT_TRUE(a_leads || leader.rfind("op-b_", 0) == 0) << leader;
  Process& lp = a_leads ? *a : *b;
  Process& sp = a_leads ? *b : *a;

  Apply(LogStackYaml("demo", "default"));
  auto r = Kubectl({"wait", "--for=condition=Ready", "logstack/demo", "--timeout=30s"});
  ASSERT_EQ(r.code, 0) << r.err << lp.log();
  // The standby watched nothing and wrote nothing; it is ready nonetheless.
  EXPECT_EQ(sp.log().find("component=reconciler"), std::string::npos) << sp.log();
  EXPECT_EQ(sp.log().find("op=synced"), std::string::npos) << sp.log();
  int sp_health = 0;
  ASSERT_TRUE(Eventually([&] { return (sp_health = PortOf(sp, "health")) > 0; }, 5s));
  EXPECT_EQ(HttpGet(sp_health, "/readyz"), "200 ok (standby)\n");

  // Kill the leader: the standby takes over within the lease duration.
  const auto killed = std::chrono::steady_clock::now();
  ::kill(-lp.pid(), SIGKILL);
  EXPECT_EQ(lp.Wait(5s), 128 + SIGKILL);
  ASSERT_TRUE(Eventually(
      [&] {
        std::string h = LeaseHolder();
        return !h.empty() && h != leader;
      },
      10s))
      << sp.log();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  RecordProperty("failover_seconds", std::to_string(took));
  std::printf("failover took %.2f s\n", took);
  // One lease duration (2 s) plus retry periods, with room for a busy machine.
  EXPECT_LT(took, 2.0 + 2.5) << "failover should take about one lease duration (2 s)";
  // The new leader works: drift is repaired.
  r = Kubectl({"delete", "service", "demo-logstore"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Eventually(
      [&] { return !Get("/api/v1/namespaces/default/services/demo-logstore").is_null(); }, 10s))
      << sp.log();
  EXPECT_TRUE(sp.Running());
}

TEST_F(OperatorProcessTest, SigtermStopsCleanlyAndReleasesTheLease) {
  auto a = StartOperator("op-a", true);
  ASSERT_TRUE(Eventually([&] { return LeaseHolder().rfind("op-a_", 0) == 0; }, 15s)) << a->log();
  a->Signal(SIGTERM);
  EXPECT_EQ(a->Wait(10s), 0) << a->log();
  EXPECT_EQ(LeaseHolder(), "") << "the lease should be released on shutdown";
  EXPECT_NE(a->log().find("op=stopped"), std::string::npos);
  // A successor acquires it at once, without waiting out the lease.
  auto b = StartOperator("op-b", true);
  EXPECT_TRUE(Eventually([&] { return LeaseHolder().rfind("op-b_", 0) == 0; }, 3s)) << b->log();
}

TEST_F(OperatorProcessTest, LeaderThatCannotRenewExits) {
  auto a = StartOperator("op-a", true);
  ASSERT_TRUE(Eventually([&] { return LeaseHolder().rfind("op-a_", 0) == 0; }, 15s)) << a->log();
  // The API server refuses every Lease write: the leader cannot renew, and
  // must stop within the renew deadline (1.5 s) rather than keep working.
  const auto cut = std::chrono::steady_clock::now();
  api().FailNext("/apis/coordination.k8s.io/v1/namespaces/default/leases", 1000000, 500, 0, "PUT");
  EXPECT_EQ(a->Wait(10s), 1) << a->log();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - cut).count();
  std::printf("the leader stopped %.2f s after its renewals began to fail\n", took);
  // Before the lease (2 s) runs out for the others, give or take a retry.
  EXPECT_LT(took, 2.0 + 0.5) << a->log();
  EXPECT_NE(a->log().find("op=leadership_lost"), std::string::npos) << a->log();
  api().ClearFaults();
}

TEST_F(OperatorProcessTest, RestartMidReconcileConverges) {
  FakeKubelet kubelet(api());
  kubelet.Start();
  // Slow creates of workloads, so the kill lands in the middle of a pass.
  api().DelayRequests("/apis/apps/v1/namespaces/default/", 1500ms);
  auto a = StartOperator("op-a", false);
  Apply(LogStackYaml("mid", "default"));
  ASSERT_TRUE(Eventually(
      [&] { return !Get("/api/v1/namespaces/default/serviceaccounts/mid-logstore").is_null(); },
      15s))
      << a->log();
  ::kill(-a->pid(), SIGKILL);
  a->Wait(5s);
  EXPECT_TRUE(Get("/apis/apps/v1/namespaces/default/daemonsets/mid-collector").is_null());
  api().ClearFaults();
  auto b = StartOperator("op-b", false);
  auto r = Kubectl({"wait", "--for=condition=Ready", "logstack/mid", "--timeout=30s"});
  EXPECT_EQ(r.code, 0) << r.err << b->log();
}

TEST_F(OperatorProcessTest, ProbesAndMetrics) {
  FakeKubelet kubelet(api());
  kubelet.Start();
  auto a = StartOperator("op-a", false);
  int health = 0, metrics = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        health = PortOf(*a, "health");
        metrics = PortOf(*a, "metrics");
        return health > 0 && metrics > 0;
      },
      10s))
      << a->log();
  EXPECT_EQ(HttpGet(health, "/healthz"), "200 ok\n");
  EXPECT_TRUE(Eventually([&] { return HttpGet(health, "/readyz") == "200 ok\n"; }, 10s));
  Apply(LogStackYaml("m", "default"));
  ASSERT_TRUE(Eventually([&] { return Ready("m"); })) << a->log();
  std::string body;
  EXPECT_TRUE(Eventually(
      [&] {
        body = HttpGet(metrics, "/metrics");
        return body.find("logstack_operator_logstacks{condition=\"Ready\",status=\"True\"} 1") !=
               std::string::npos;
      },
      10s))
      << body;
  for (const char* m :
       {"logstack_operator_reconcile_total{result=\"done\"}",
        "logstack_operator_reconcile_duration_seconds_bucket", "logstack_operator_workqueue_depth",
        "logstack_operator_api_requests_total{verb=\"create\"}",
        "logstack_operator_objects_written_total{op=\"create\"}", "logstack_operator_leader 1"}) {
    EXPECT_NE(body.find(m), std::string::npos) << m << "\n" << body;
  }
  EXPECT_EQ(HttpGet(metrics, "/nope").substr(0, 3), "404");
}

TEST_F(OperatorProcessTest, WatchNamespaceLimitsTheOperator) {
  FakeKubelet kubelet(api());
  kubelet.Start();
  CreateNamespace("shop");
  CreateNamespace("other");
  auto a = StartOperator("op-a", false, {"WATCH_NAMESPACE=shop, logging"});
  Apply(LogStackYaml("in", "shop"));
  Apply(LogStackYaml("out", "other"));
  EXPECT_TRUE(Eventually([&] { return Ready("in", "shop"); })) << a->log();
  EXPECT_EQ(ConditionOf("other", "out", "Ready"), "");
  EXPECT_TRUE(ObjectsOf("other", "out").empty());
}

TEST_F(OperatorProcessTest, RenderHelpAndBadFlags) {
  const std::string bin = BinDir() + "/logstack-operator";
  auto render = Process(
      {bin, "render", "-f", SourceDir() + "/config/samples/logstack_v1alpha1_logstack.yaml"},
      dir() + "/render.out");
  EXPECT_EQ(render.Wait(20s), 0) << render.log();
  const std::string out = render.log();
  for (const char* kind : {"kind: StatefulSet", "kind: DaemonSet", "kind: ConfigMap",
                           "kind: ClusterRole", "kind: Service"}) {
    EXPECT_NE(out.find(kind), std::string::npos) << kind;
  }
  WriteFile("bad.yaml", LogStackYaml("bad", "default", "{logstore: {retention: 1h}}"));
  auto bad = Process({bin, "render", "-f", dir() + "/bad.yaml"}, dir() + "/bad.out");
  EXPECT_EQ(bad.Wait(20s), 1);
  EXPECT_NE(bad.log().find("retention"), std::string::npos) << bad.log();
  auto none = Process({bin, "render"}, dir() + "/none.out");
  EXPECT_EQ(none.Wait(20s), 2);

  // A file with the apps beside the LogStack: refused, naming the document and
  // the flag; with --skip-other-kinds, the LogStack's manifests.
  const std::string shop = SourceDir() + "/config/samples/two-teams/shop.yaml";
  auto mixed = Process({bin, "render", "-f", shop}, dir() + "/mixed.out");
  EXPECT_EQ(mixed.Wait(20s), 1);
  EXPECT_NE(mixed.log().find("Deployment order"), std::string::npos) << mixed.log();
  EXPECT_NE(mixed.log().find("--skip-other-kinds"), std::string::npos) << mixed.log();
  auto skipped = Process({bin, "render", "--skip-other-kinds", "-f", shop}, dir() + "/skip.out");
  EXPECT_EQ(skipped.Wait(20s), 0) << skipped.log();
  EXPECT_NE(skipped.log().find("kind: StatefulSet"), std::string::npos);
  EXPECT_EQ(skipped.log().find("name: order"), std::string::npos);

  auto help = Process({bin, "--help"}, dir() + "/help.out");
  EXPECT_EQ(help.Wait(20s), 0);
  for (const char* f :
       {"--kubeconfig", "--leader-elect", "--metrics-bind-address", "--health-probe-bind-address",
        "--workers", "--logstore-image", "WATCH_NAMESPACE", "render"}) {
    EXPECT_NE(help.log().find(f), std::string::npos) << f;
  }
  auto typo = Process({bin, "--leader-elct"}, dir() + "/typo.out");
  EXPECT_EQ(typo.Wait(20s), 2);
  EXPECT_NE(typo.log().find("leader_elct"), std::string::npos) << typo.log();
  auto badns = Process({bin, "--kubeconfig=" + kubeconfig()}, dir() + "/badns.out",
                       {"WATCH_NAMESPACE=Not_A_Namespace"});
  EXPECT_EQ(badns.Wait(20s), 2);
}

}  // namespace
}  // namespace logstack::op::controller::testing
