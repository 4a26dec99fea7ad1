#pragma once

// Manager: the operator process around the Controller.
//
//   - the Kubernetes client (kubeconfig or in-cluster; requests counted by
//     verb in logstack_operator_api_requests_total);
//   - /metrics (Prometheus text) on the metrics address, /healthz and
//     /readyz on the health-probe address ("0" turns either off);
//   - with leader election, a Lease (coordination.k8s.io/v1) in the
//     operator's namespace: only the leader runs the controller; a replica
//     on standby is ready (it can take over) but idle;
//   - Stop() stops the workers (a pass in progress finishes), the informers,
//     then releases the Lease so a successor need not wait out its duration.
//
// /healthz answers 200 while the process runs. /readyz answers 200 when the
// controller's informers have synced, or when this replica is on standby;
// 503 otherwise.
//
// Losing the lease (it could not be renewed within the renew deadline) calls
// `on_lost_leadership`, which must stop every write at once; the binary exits
// with status 1 and the pod restarts as a candidate.
//
// Thread safety: Start() and Stop() from one thread; accessors from any.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/http_server.h"
#include "common/kube/client.h"
#include "common/kube/config.h"
#include "common/kube/leader_election.h"
#include "common/metrics.h"
#include "operator/controller/controller.h"
#include "operator/controller/counting_client.h"

namespace logstack::op::controller {

struct ManagerOptions {
  kube::LoadOptions kube;  // --kubeconfig, --context
  // No client-side rate limit by default: API Priority and Fairness on the
  // server is what protects it (SIG API Machinery's advice, and
  // controller-runtime's default since v0.21). A positive qps sets one.
  double kube_qps = 0;
  int kube_burst = 30;

  bool leader_elect = false;
  // The Lease's namespace; empty: $POD_NAMESPACE, the in-cluster namespace
  // file, then the kubeconfig context's namespace.
  std::string leader_election_namespace;
  std::string leader_election_id = "logstack-operator-leader";
  // This candidate's identity; empty: $POD_NAME (or the host name) plus a
  // random suffix.
  std::string identity;
  std::chrono::nanoseconds lease_duration = std::chrono::seconds(15);
  std::chrono::nanoseconds renew_deadline = std::chrono::seconds(10);
  std::chrono::nanoseconds retry_period = std::chrono::seconds(2);

  std::string metrics_bind_address = ":8080";       // "0": off
  std::string health_probe_bind_address = ":8081";  // "0": off

  ControllerOptions controller;
  // When the cluster's CA is configured (the client then trusts only it),
  // keep cpprestsdk from parsing the system CA bundle into every TLS
  // connection: SSL_CERT_FILE is pointed at /dev/null for this process and
  // the external-store probe is handed the bundle itself. See manager.cc.
  bool trim_tls_trust_store = false;
  // Called (on the election thread) when leadership is lost other than by
  // Stop(). Null: log and _Exit(1).
  std::function<void()> on_lost_leadership;
  // The time for the controller and the leader election; must outlive the
  // Manager. Null: RealClock::Default().
  Clock* clock = nullptr;
};

class Manager {
 public:
  // Loads the client configuration and checks the options; starts nothing.
  static StatusOr<std::unique_ptr<Manager>> Create(ManagerOptions options);
  ~Manager();  // Stop()

  // Serves the probes and metrics, then runs the controller (at once, or
  // when elected).
  Status Start();
  void Stop();

  bool IsLeader();
  bool Ready();
  uint16_t metrics_port() const;
  uint16_t health_port() const;
  const std::string& identity() const { return options_.identity; }
  const std::string& lease_namespace() const { return options_.leader_election_namespace; }
  metrics::Registry& registry() { return registry_; }
  Controller& controller() { return *controller_; }

 private:
  explicit Manager(ManagerOptions options) : options_(std::move(options)) {}
  Clock& clock() { return options_.clock != nullptr ? *options_.clock : RealClock::Default(); }

  ManagerOptions options_;
  metrics::Registry registry_;
  kube::KubeClientPtr raw_client_;
  std::unique_ptr<CountingKubeClient> client_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<http::Server> metrics_server_, health_server_;
  // The Lease has its own client: one attempt per request and a timeout
  // below the renew deadline, so that a leader whose renewals fail notices
  // within the deadline instead of retrying past the lease's expiry.
  kube::KubeClientPtr lease_client_;
  std::unique_ptr<kube::LeaseStore> lease_store_;
  std::unique_ptr<kube::LeaderElector> elector_;
  std::thread election_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
};

// "host_rand" identities and the namespace lookups, exposed for tests.
std::string DefaultIdentity();
std::string ResolveLeaseNamespace(
    const std::string& flag, const std::string& config_ns,
    const kube::EnvLookup& env = kube::ProcessEnv,
    const std::string& namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace");

}  // namespace logstack::op::controller
