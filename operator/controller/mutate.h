#pragma once

// The mutate step of create-or-update: copies the fields the operator owns
// (those the builders set) from a desired object onto the live one, leaving
// everything else alone, so that fields the API server or other controllers
// fill in (defaults such as imagePullPolicy, terminationMessagePath,
// clusterIP, revisionHistoryLimit; labels and annotations others add) never
// make the operator write. The operator updates only when the merged object
// differs from the live one.
//
// Merge rules, desired onto live (MergeInto):
//   - objects recurse key by key; keys only the live object has survive
//     (labels and annotations thus merge key-wise);
//   - a desired "zero" value (null, false, 0, "", [] or {}) for a key the
//     live object lacks is not added: the API server drops such values
//     (Go's omitempty), so adding them would differ forever;
//   - a desired null removes the key;
//   - arrays of objects of the same length merge element by element: by
//     "name" when every element has one and the names are the same set
//     (containers, volumes, ports, env; the result takes the desired order),
//     else by position; any other array is replaced;
//   - scalars overwrite.
// Never touched: apiVersion, kind, status, and metadata other than labels,
// annotations and ownerReferences (ours are added or refreshed by uid;
// others' stay).
//
// Immutable fields are never changed; a difference is reported instead:
//   - StatefulSet: only replicas, template, updateStrategy,
//     persistentVolumeClaimRetentionPolicy, minReadySeconds and ordinals are
//     merged (the API server forbids updates to the rest of its spec, e.g.
//     selector, serviceName, volumeClaimTemplates);
//   - Deployment and DaemonSet: spec.selector;
//   - Service: spec.clusterIP and spec.clusterIPs once allocated;
//   - Secrets and ConfigMaps marked `immutable: true`: their data.
//
// A desired Secret's stringData is folded into data (base64) first, as the
// API server stores it.
//
// Thread safety: pure functions.

#include <string>
#include <vector>

#include "common/kube/client.h"
#include "common/status.h"

namespace logstack::op::controller {

using Json = kube::Json;

// True for null, false, 0, "", [] and {}.
bool IsZeroValue(const Json& v);

// Merges `desired` onto `live` in place by the rules above (no kind-specific
// handling). Exposed for tests.
void MergeInto(const Json& desired, Json& live);

// True iff merging `desired` onto `live` would change nothing.
bool Covers(const Json& live, const Json& desired);

struct MutateResult {
  Json merged;           // the live object with our fields applied
  bool changed = false;  // merged != live: an update is needed
  // Immutable fields whose desired value differs from the live one, as
  // "spec.volumeClaimTemplates"; left as they are.
  std::vector<std::string> immutable_drift;
};

// Applies `desired` onto `live` (both whole objects of the same kind and
// name). Returns FailedPrecondition when `live` is controlled by another
// owner (an ownerReference with controller: true and another uid), since the
// API server allows one controller only.
StatusOr<MutateResult> Mutate(const Json& desired, const Json& live);

// `desired` as the API server would store it: a Secret's stringData folded
// into data. Objects of other kinds are returned as they are.
Json NormalizeDesired(const Json& desired);

}  // namespace logstack::op::controller
