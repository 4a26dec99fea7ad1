#pragma once

// ObjectCache: what the reconciler reads instead of the API server, kept by
// the controller's informers (controller.h implements it). Reads may lag
// behind the server by the watch's latency; the reconciler copes (a create
// that finds the object already there falls back to a get; an update from a
// stale copy gets 409 Conflict and is retried).
//
// Thread safety: implementations are safe to call from any thread.

#include <optional>
#include <string>
#include <vector>

#include "common/kube/client.h"
#include "operator/controller/claims.h"

namespace logstack::op::controller {

class ObjectCache {
 public:
  virtual ~ObjectCache() = default;
  // A cached object; `ns` is ignored for cluster-scoped resources.
  virtual std::optional<kube::Json> Get(const kube::ResourceRef& r, const std::string& ns,
                                        const std::string& name) = 0;
  // Cache keys ("ns/name", or "name" when cluster-scoped) of the objects of
  // `r` whose owner (ownership.h, OwnerKey) is the LogStack `owner_key`.
  virtual std::vector<std::string> OwnedKeys(const kube::ResourceRef& r,
                                             const std::string& owner_key) = 0;
  // True iff `r` is being watched (an optional kind whose CRD exists).
  virtual bool Watches(const kube::ResourceRef& r) = 0;
  // The collector claims of every cached LogStack.
  virtual std::vector<CollectorClaim> Claims() = 0;
};

}  // namespace logstack::op::controller
