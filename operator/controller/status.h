#pragma once

// The LogStack's status, computed from what one reconcile saw: the spec (or
// why it cannot be used), the live workloads, the external store's probe.
// Pure: the same input gives the same status, and a condition keeps its
// lastTransitionTime while its status stays, so an unchanged world gives a
// byte-identical status and the controller writes nothing.
//
// Conditions (metav1.Condition), reasons per docs/logstack-resource.md:
//   Ready        True/Ready; False/StoreNotReady, CollectorNotReady,
//                GrafanaNotReady, InvalidSpec, ExternalStoreUnreachable,
//                Reconciling, or the reason of a blocking problem
//                (StorageClassNotFound, NamespaceConflict).
//   Progressing  True/Creating (never ran yet), Upgrading (spec.version is
//                not the running version), RollingOut (a rollout is under
//                way); False/Stable.
//   Degraded     True/InvalidSpec, StorageClassNotFound, NamespaceConflict,
//                ApplyFailed, ExternalStoreUnreachable; False/Healthy.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/kube/client.h"
#include "common/status.h"
#include "operator/api/logstack_types.h"

namespace logstack::op::controller {

using Json = kube::Json;

// A reason the spec could not be (fully) applied.
struct Problem {
  std::string reason;  // InvalidSpec, StorageClassNotFound, NamespaceConflict, ApplyFailed
  std::string message;
  // Nothing was applied (InvalidSpec, StorageClassNotFound, NamespaceConflict):
  // the workloads' state says nothing about the current spec.
  bool blocking = true;
};

// What a workload's status says about its rollout.
struct WorkloadState {
  bool present = false;
  bool ready = false;    // every replica ready and at the current revision
  bool rolling = false;  // a new generation or revision is not rolled out yet
  int64_t desired = 0;   // replicas / desiredNumberScheduled
  int64_t ready_count = 0;
  std::string message;  // "StatefulSet x: 0/1 replicas ready"
};
// StatefulSet: observedGeneration current, readyReplicas == spec.replicas
// (and > 0), currentRevision == updateRevision.
WorkloadState StatefulSetState(const Json* sts);
// DaemonSet: observedGeneration current, numberReady == desiredNumberScheduled
// and updatedNumberScheduled == desiredNumberScheduled.
WorkloadState DaemonSetState(const Json* ds);
// Deployment: observedGeneration current, readyReplicas and updatedReplicas
// == spec.replicas.
WorkloadState DeploymentState(const Json* deploy);

struct StatusInput {
  int64_t generation = 0;
  // Null when the spec did not parse (problem->reason is InvalidSpec).
  const LogStack* stack = nullptr;
  std::optional<Problem> problem;

  // The live workloads; null when absent or not wanted.
  const Json* statefulset = nullptr;
  const Json* daemonset = nullptr;
  const Json* grafana_deployment = nullptr;
  // With an external store: the result of probing <url>/ready.
  std::optional<Status> external_probe;
  // The bundled store's volume when it was read in this pass and changed
  // enough to report (status.logstore.storage); nullopt keeps the old one.
  std::optional<Json> storage;
  // This pass created or updated objects: the caches may lag behind.
  bool wrote_objects = false;

  std::string store_endpoint;
  std::string grafana_endpoint;      // with grafana.deploy.enabled
  std::string grafana_admin_secret;  // with grafana.deploy.enabled
  // Immutable fields that differ from the spec (see mutate.h), e.g.
  // "StatefulSet x spec.volumeClaimTemplates"; reported in Progressing.
  std::vector<std::string> immutable_drift;
  // The version the stack should run (spec.version, or with
  // upgrade.policy Manual the version running now); and the one requested.
  std::string target_version;
  std::string requested_version;
};

struct StatusResult {
  Json status;
  bool ready = false;
  bool progressing = false;
  bool degraded = false;
  std::string ready_reason;
};

// The new status from the old one (`old_status` may be null) and what this
// pass saw. Fields the controller does not set in this pass (e.g.
// logstore.storage when `in.storage` is empty) are kept.
StatusResult ComputeStatus(const Json& old_status, const StatusInput& in, int64_t now_nanos);

}  // namespace logstack::op::controller
