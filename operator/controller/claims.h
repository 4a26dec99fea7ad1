#pragma once

// Namespace claims: which namespaces each LogStack's collector collects, to
// find conflicting namespace rules (docs/operator.md, "Reconcile").
//
// The rule: a namespace is collected by at most one LogStack's collector. A
// LogStack claims the namespaces in spec.collector.namespaces, or its own
// namespace when that list is empty and no namespaceSelector is set. A
// namespaceSelector claims nothing here (it matches namespaces by labels that
// change at run time; the collector itself resolves it). When two claims
// overlap, the older LogStack (creationTimestamp, then namespace/name) keeps
// the namespace and the younger one is Degraded with NamespaceConflict.
// LogStacks being deleted, LogStacks with the collector disabled, and
// LogStacks never applied (no finalizer yet) that are Degraded with a
// blocking reason (InvalidSpec, NamespaceConflict, StorageClassNotFound) claim
// nothing: they run no collector.
//
// Thread safety: pure functions.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/kube/client.h"

namespace logstack::op::controller {

struct CollectorClaim {
  std::string key;                 // "ns/name" of the LogStack
  std::string creation_timestamp;  // RFC 3339: sorts as time
  std::set<std::string> namespaces;
};

// The claim of a LogStack object, read from its JSON as stored (defaults
// applied by the CRD or not: enabled defaults to true), as other LogStacks
// see it. `wanted`: the namespaces its spec asks for whatever its status, as
// the LogStack's own reconcile must check them (its own earlier
// NamespaceConflict must not make it claim nothing and go ahead).
CollectorClaim ClaimOf(const kube::Json& logstack, bool wanted = false);

// The message for `self`'s conflict with an older claim among `all`, or
// nullopt when there is none. `all` may include `self`.
std::optional<std::string> FindNamespaceConflict(const CollectorClaim& self,
                                                 const std::vector<CollectorClaim>& all);

}  // namespace logstack::op::controller
