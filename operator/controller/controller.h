#pragma once

// Controller: the informers, the work queue and the workers around the
// Reconciler.
//
//   - An informer on LogStacks, and one on every kind the builders make
//     (manifests::OwnedKinds()), the latter filtered by the label
//     app.kubernetes.io/managed-by=logstack-operator. With namespaces given
//     (WATCH_NAMESPACE), namespaced kinds get one informer a namespace;
//     cluster-scoped kinds are watched cluster-wide.
//   - Optional kinds (grafana-operator's GrafanaDatasource) are watched once
//     discovery finds their CRD, checked at Start() and then every
//     `optional_kinds_recheck`; when one appears, every LogStack is
//     reconciled again.
//   - A change to an owned object enqueues its owner (ownership.h); a change
//     to a LogStack enqueues it, and the LogStacks whose namespace claims
//     overlap its own (claims.h).
//   - `workers` threads take keys from the WorkQueue and run the Reconciler:
//     an Action's requeue becomes AddAfter, an error AddRateLimited.
//   - Every `resync_period` (by the Clock) every LogStack is enqueued again
//     (a safety net).
//     The informers themselves do not resync: that would parse every cached
//     object at once.
//
// Metrics (registered in the Registry given):
//   logstack_operator_reconcile_total{result=done|requeue|error}
//   logstack_operator_reconcile_errors_total
//   logstack_operator_reconcile_duration_seconds (histogram)
//   logstack_operator_workqueue_depth, logstack_operator_workqueue_waiting
//   logstack_operator_objects_written_total{op=create|update|delete}
//   logstack_operator_status_writes_total
//   logstack_operator_logstacks{condition=Ready|Progressing|Degraded,status=True|False|Unknown}
//
// Thread safety: Start() and Stop() from one thread; the rest from any.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/kube/client.h"
#include "common/kube/events.h"
#include "common/kube/informer.h"
#include "common/kube/workqueue.h"
#include "common/metrics.h"
#include "operator/controller/object_cache.h"
#include "operator/controller/reconciler.h"
#include "operator/controller/store_prober.h"

namespace logstack::op::controller {

struct ControllerOptions {
  std::vector<std::string> namespaces;  // empty: every namespace
  int workers = 2;
  // Both periods are measured on the Clock given to the constructor.
  std::chrono::milliseconds resync_period{10 * 60 * 1000};
  std::chrono::milliseconds optional_kinds_recheck{30'000};
  // The longest the timers above wait without looking at the Clock again.
  // The real clock needs no short interval (a wait ends when it is due); a
  // FakeClock advanced by a test is noticed within this much real time.
  std::chrono::milliseconds clock_poll_interval{1000};
  ReconcilerOptions reconciler;
  kube::WorkQueueOptions queue;
  std::string instance;  // Events' reportingInstance (the pod name)
  // A PEM bundle the external-store probe trusts besides the system store.
  std::string prober_ca_file;
  bool record_events = true;
};

// Parses WATCH_NAMESPACE: "" (all), "a" or "a,b, c". Returns InvalidArgument
// for a name that is not a DNS label.
StatusOr<std::vector<std::string>> ParseWatchNamespaces(std::string_view value);

class Controller final : public ObjectCache {
 public:
  // `prober` null: probe external stores over HTTP. `clock` times the
  // resync and the optional-kind checks, the work queue's delays, the
  // reconciler's status times and Events. All references must outlive this.
  Controller(kube::KubeClient& client, Clock& clock, metrics::Registry& registry,
             ControllerOptions options, StoreProber* prober = nullptr);
  ~Controller() override;  // Stop()

  // Starts the informers, the optional-kind checks and the workers.
  void Start();
  // Stops the workers (a pass in progress finishes), then the informers.
  void Stop();

  // True once every informer has listed.
  bool HasSynced();
  bool WaitForSync(std::chrono::milliseconds timeout);

  // ObjectCache.
  std::optional<kube::Json> Get(const kube::ResourceRef& r, const std::string& ns,
                                const std::string& name) override;
  std::vector<std::string> OwnedKeys(const kube::ResourceRef& r,
                                     const std::string& owner_key) override;
  bool Watches(const kube::ResourceRef& r) override;
  std::vector<CollectorClaim> Claims() override;

  // Enqueues a LogStack key ("ns/name").
  void Enqueue(const std::string& key);
  size_t QueueDepth();
  Reconciler& reconciler() { return *reconciler_; }

 private:
  struct LogStackInfo {
    CollectorClaim claim;
    std::string ready = "Unknown", progressing = "Unknown", degraded = "Unknown";
  };

  void StartInformers(const kube::ResourceRef& r, bool cluster_scoped, bool owned);
  void OnOwned(const kube::ResourceRef& r, const kube::Json* old_obj, const kube::Json* new_obj);
  void OnLogStack(const kube::Json* old_obj, const kube::Json* new_obj);
  void CheckOptionalKinds();
  void OptionalKindsLoop();
  Status Handle(const std::string& key);
  kube::Informer* InformerFor(const kube::ResourceRef& r, const std::string& ns);
  void RegisterMetrics();

  kube::KubeClient& client_;
  Clock& clock_;
  metrics::Registry& registry_;
  const ControllerOptions options_;
  std::unique_ptr<StoreProber> own_prober_;
  std::unique_ptr<kube::EventRecorder> events_;
  std::unique_ptr<Reconciler> reconciler_;
  kube::WorkQueue queue_;

  metrics::Counter* reconcile_done_;
  metrics::Counter* reconcile_requeue_;
  metrics::Counter* reconcile_error_;
  metrics::Counter* errors_;
  metrics::Histogram* duration_;
  metrics::Counter* created_;
  metrics::Counter* updated_;
  metrics::Counter* deleted_;
  metrics::Counter* status_writes_;

  std::mutex mu_;  // guards the maps below
  // "group/resource|ns" -> informer ("" ns: all namespaces or cluster-scoped).
  std::map<std::string, std::unique_ptr<kube::Informer>> informers_;
  std::set<std::string> watched_;  // "group/resource"
  // "group/resource" -> owner key -> cache keys; and cache key -> owner.
  std::map<std::string, std::map<std::string, std::set<std::string>>> owned_;
  std::map<std::string, std::map<std::string, std::string>> owner_of_;
  std::map<std::string, LogStackInfo> logstacks_;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::thread optional_thread_;
};

}  // namespace logstack::op::controller
