#pragma once

// Helpers for the controller's tests: the Kubernetes API test server with
// the LogStack CRD, kubectl, child processes (the real logstack-operator),
// waiting on conditions with a deadline, and a fake kubelet that plays the
// StatefulSet, DaemonSet and Deployment controllers by writing their status.
//
// Thread safety: a fixture is used from the test's thread; FakeKubelet runs
// its own thread and may be paused from any.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/client.h"
#include "common/metrics.h"
#include "operator/controller/controller.h"
#include "operator/controller/counting_client.h"
#include "tests/kube/server/test_server.h"
#include "tests/testutil/eventually.h"

namespace logstack::op::controller::testing {

using kube::Json;
using namespace std::chrono_literals;

// The source tree (LOGSTACK_SOURCE_DIR, set by CTest) and the build's bin/
// (LOGSTACK_BIN_DIR; else the directory of this test binary's sibling bin/).
std::string SourceDir();
std::string BinDir();
std::string ReadFile(const std::string& path);

using testutil::Eventually;

// A child process in its own process group, stdout and stderr to `log_path`.
// The destructor kills the group (SIGKILL) and reaps it.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log_path,
          const std::vector<std::string>& extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int sig);
  // Waits for the exit; the exit code, 128+signal, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = 30s);
  std::string log() const { return ReadFile(log_path_); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::string log_path_;
};

struct KubectlResult {
  int code = -1;
  std::string out, err;
};

// Plays kubelet and the workload controllers: every `interval` it gives each
// StatefulSet, DaemonSet and Deployment the status of a finished rollout of
// its current generation (DaemonSets on `nodes` nodes). Writes only when the
// status differs, so a quiet cluster gets no writes from it either.
class FakeKubelet {
 public:
  explicit FakeKubelet(kubetest::ApiServer& api, int nodes = 3,
                       std::chrono::milliseconds interval = 25ms);
  ~FakeKubelet();
  void Start();
  void Stop();
  void SetPaused(bool paused) { paused_ = paused; }
  // One round; returns the number of status writes.
  int SyncOnce();

 private:
  kubetest::ApiServer& api_;
  const int nodes_;
  const std::chrono::milliseconds interval_;
  std::atomic<bool> paused_{false}, stop_{false};
  std::thread thread_;
};

// The test server (HTTPS, a token, garbage collection on) with the LogStack
// CRD applied by kubectl, a kubeconfig for kubectl and the operator, and a
// scratch directory.
class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  kubetest::ApiServer& api() { return server_->api(); }
  const std::string& dir() const { return dir_; }
  const std::string& kubeconfig() const { return kubeconfig_; }

  // kubectl --kubeconfig=... ARGS (60 s at most).
  KubectlResult Kubectl(const std::vector<std::string>& args,
                        std::chrono::seconds timeout = std::chrono::seconds(60));
  // Writes `text` to dir()/name; returns the path.
  std::string WriteFile(const std::string& name, const std::string& text);
  // kubectl apply -f of a YAML text; fails the test on error.
  void Apply(const std::string& yaml);
  // A LogStack manifest: name, namespace and the spec as YAML flow text ("{}").
  static std::string LogStackYaml(const std::string& name, const std::string& ns,
                                  const std::string& spec = "{}");
  void CreateNamespace(const std::string& ns);

  // GET through the server's admin path; null when absent.
  Json Get(const std::string& path);
  // Objects labelled app.kubernetes.io/instance=<name> in `ns`, of the owned
  // kinds (namespaced) plus the cluster-scoped ones owned through labels:
  // "Kind/name" for each.
  std::vector<std::string> ObjectsOf(const std::string& ns, const std::string& name);
  // The condition `type` of a LogStack: "status/reason", or "" when absent.
  std::string ConditionOf(const std::string& ns, const std::string& name, const std::string& type);

  // The in-process controller: a client from the kubeconfig, fast requeues.
  // `clock` null: the real clock; a FakeClock must outlive StopController().
  void StartController(ControllerOptions options = DefaultOptions(), StoreProber* prober = nullptr,
                       Clock* clock = nullptr);
  void StopController();
  static ControllerOptions DefaultOptions();

  std::string dir_;
  std::string kubeconfig_;
  std::unique_ptr<kubetest::KubeTestServer> server_;
  metrics::Registry registry_;
  kube::KubeClientPtr client_;
  std::unique_ptr<CountingKubeClient> counting_;  // the operator's requests
  std::unique_ptr<Controller> controller_;
};

}  // namespace logstack::op::controller::testing
