#pragma once

// Reconciler: converges one LogStack. reconcile(key) -> Action (requeue after
// a delay, or done); an error return is the work queue's business (retried
// with per-key backoff). The shape is kube-rs's: the reconcile decides the
// next check, the error policy lives in the caller.
//
// One pass (docs/operator.md, "Reconcile"):
//   1. the LogStack from the cache; gone: done;
//   2. being deleted: the finalizer (logstack.io/cleanup) deletes the
//      cluster-scoped objects, then is removed; namespaced objects go by
//      their ownerReferences (the garbage collector);
//   3. ParseLogStack; an invalid spec, an unknown StorageClass or a
//      namespace another LogStack already collects: status Degraded, an
//      Event, and no other write;
//   4. the finalizer is added if missing;
//   5. BuildAll, then create-or-update each object through the mutate step
//      (mutate.h): objects are written only when our fields differ;
//   6. prune: objects of ours for this LogStack that are no longer built;
//   7. status (status.h), written only when it changed; Events for what
//      changed.
//
// Thread safety: Reconcile may run on several threads at once for different
// keys (the work queue never hands out one key twice at once).

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/kube/client.h"
#include "common/kube/events.h"
#include "common/status.h"
#include "operator/api/logstack_types.h"
#include "operator/controller/object_cache.h"
#include "operator/controller/status.h"
#include "operator/controller/storage_poller.h"
#include "operator/controller/store_prober.h"

namespace logstack::op::controller {

struct ReconcilerOptions {
  OperatorDefaults defaults;  // the default stack version
  std::string logstore_repository = "ghcr.io/logstack/logstore";
  std::string collector_repository = "ghcr.io/logstack/collector";
  std::string grafana_image = "docker.io/grafana/grafana:11.3.1";
  std::string cluster_domain = "cluster.local";

  // Look again after this long while the stack is not ready yet (workload
  // status changes also trigger a pass through the informers).
  std::chrono::milliseconds not_ready_requeue{5000};
  // With an external store, probe it again after this long.
  std::chrono::milliseconds external_recheck{60'000};
  // Read the bundled store's volume (its /metrics) at most this often while
  // it is ready; a ready stack is looked at again after this long.
  std::chrono::milliseconds storage_recheck{60'000};
  // StorageClassNotFound / NamespaceConflict: look again after this long.
  std::chrono::milliseconds blocked_requeue{30'000};
  // A 409 Conflict (stale cache): retry after this long.
  std::chrono::milliseconds conflict_requeue{200};
  // Failed passes in a row before the status says Degraded/ApplyFailed
  // (transient API errors are retried quietly first).
  int apply_failed_after = 3;
};

// What to do with the key after a successful pass.
struct Action {
  std::optional<std::chrono::milliseconds> requeue_after;  // nullopt: done
  static Action Done() { return {}; }
  static Action After(std::chrono::milliseconds d) { return {d}; }
};

// What one pass did, for metrics and tests.
struct PassSummary {
  int created = 0, updated = 0, deleted = 0;
  bool status_written = false;
  bool ready = false;
  std::string ready_reason;
};

// 24 random bytes (OpenSSL RAND_bytes), base64url without padding.
std::string GeneratePassword();

class Reconciler {
 public:
  using PasswordGenerator = std::function<std::string()>;

  // `events` may be null (no Events). All references must outlive this.
  Reconciler(kube::KubeClient& client, ObjectCache& cache, kube::EventRecorder* events,
             Clock& clock, StoreProber& prober, ReconcilerOptions options,
             PasswordGenerator password = GeneratePassword);

  // Converges the LogStack `key` ("ns/name"). `failures` is how many passes
  // for this key failed in a row before this one. `summary` (optional)
  // receives what the pass did.
  StatusOr<Action> Reconcile(const std::string& key, int failures = 0,
                             PassSummary* summary = nullptr);

  const ReconcilerOptions& options() const { return options_; }

 private:
  struct Pass;
  StatusOr<Action> Finalize(Pass& p);
  StatusOr<Action> ReportBlocked(Pass& p, const Problem& problem, const LogStack* stack,
                                 Action action);
  // The blocking problem the cluster causes for a valid spec, if any.
  StatusOr<std::optional<Problem>> CheckCluster(Pass& p, const LogStack& stack);
  Status EnsureFinalizer(Pass& p);
  StatusOr<std::string> AdminPassword(Pass& p, const LogStack& stack);
  // Creates or updates one desired object; returns the live object after.
  StatusOr<kube::Json> Apply(Pass& p, const kube::ResourceRef& ref, const kube::Json& desired);
  Status Prune(Pass& p, const std::set<std::string>& desired_ids);
  // Writes the status if it changed, with Events for condition transitions.
  Status WriteStatus(Pass& p, const StatusResult& result);
  void Event(Pass& p, std::string_view type, std::string_view reason, const std::string& message);
  // The store's volume for status.logstore.storage: asks the poller for a
  // reading of `endpoint` at most every storage_recheck and reports its
  // latest one; nullopt when there is none yet or it did not change enough to
  // report (the whole percent in use, the capacity or the floor). A Warning
  // Event when the store is under its free-space floor.
  std::optional<Json> ReadStorage(Pass& p, const std::string& endpoint, const Json& old_status);

  kube::KubeClient& client_;
  ObjectCache& cache_;
  kube::EventRecorder* events_;
  Clock& clock_;
  StoreProber& prober_;
  const ReconcilerOptions options_;
  const PasswordGenerator password_;

  std::mutex mu_;
  std::set<std::string> reported_drift_;             // "uid drift": Events sent once per process
  std::map<std::string, int64_t> storage_asked_at_;  // LogStack key -> clock nanos
  StoragePoller storage_poller_;                     // last: its thread uses prober_
};

}  // namespace logstack::op::controller
