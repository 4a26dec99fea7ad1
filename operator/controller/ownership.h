#pragma once

// Which LogStack an owned object belongs to, for the informers' handlers (a
// change to an owned object enqueues its owner) and for pruning.
//
// Namespaced objects name their owner in an ownerReference (kind LogStack,
// apiVersion logstack.io/*): the owner is <object namespace>/<reference name>.
// Cluster-scoped objects (ClusterRole, ClusterRoleBinding) cannot have a
// namespaced owner; they carry the owner in labels:
// logstack.io/owner-namespace and logstack.io/owner-name, or failing those
// app.kubernetes.io/instance (the LogStack's name) with the namespace taken
// from the object's name, logstack-collector-<namespace>-<name>.
//
// Thread safety: pure functions.

#include <optional>
#include <string>

#include "common/kube/client.h"

namespace logstack::op::controller {

// "namespace/name" of the owning LogStack, or nullopt when the object names
// none (it is not ours).
std::optional<std::string> OwnerKey(const kube::Json& obj);

// True iff `obj` belongs to the LogStack `owner` (a LogStack object): an
// ownerReference with its uid, or for a cluster-scoped object the owner
// labels (or name) of its namespace and name.
bool BelongsTo(const kube::Json& obj, const kube::Json& owner);

// Splits "ns/name".
std::pair<std::string, std::string> SplitKey(const std::string& key);

}  // namespace logstack::op::controller
