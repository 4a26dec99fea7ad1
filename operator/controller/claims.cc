#include "operator/controller/claims.h"

#include <algorithm>

#include "common/kube/object.h"
#include "operator/api/logstack_types.h"

namespace logstack::op::controller {

CollectorClaim ClaimOf(const kube::Json& ls, bool wanted) {
  CollectorClaim c;
  c.key = kube::ObjectKey(ls);
  if (ls.is_object() && ls.contains("metadata") && ls["metadata"].is_object()) {
    c.creation_timestamp = ls["metadata"].value("creationTimestamp", "");
  }
  if (kube::IsDeleting(ls)) return c;
  // A LogStack whose spec never got applied (no finalizer yet) and that is
  // blocked runs no collector: it claims nothing, so that a bad spec does not
  // block a good one.
  const kube::Json* fins = ls.is_object() && ls.contains("metadata") &&
                                   ls["metadata"].is_object() &&
                                   ls["metadata"].contains("finalizers")
                               ? &ls["metadata"]["finalizers"]
                               : nullptr;
  const bool applied =
      fins != nullptr && fins->is_array() &&
      std::find(fins->begin(), fins->end(), kube::Json(op::kFinalizer)) != fins->end();
  if (!applied && !wanted) {
    auto degraded = kube::GetCondition(ls, "Degraded");
    if (degraded && degraded->status == "True" &&
        (degraded->reason == "InvalidSpec" || degraded->reason == "NamespaceConflict" ||
         degraded->reason == "StorageClassNotFound")) {
      return c;
    }
  }
  const kube::Json* col = nullptr;
  if (ls.is_object() && ls.contains("spec") && ls["spec"].is_object() &&
      ls["spec"].contains("collector") && ls["spec"]["collector"].is_object()) {
    col = &ls["spec"]["collector"];
  }
  if (col != nullptr) {
    auto en = col->find("enabled");
    if (en != col->end() && en->is_boolean() && !en->get<bool>()) return c;
    auto nss = col->find("namespaces");
    if (nss != col->end() && nss->is_array() && !nss->empty()) {
      for (const auto& n : *nss) {
        if (n.is_string()) c.namespaces.insert(n.get<std::string>());
      }
      return c;
    }
    auto sel = col->find("namespaceSelector");
    if (sel != col->end() && sel->is_object() && !sel->empty()) return c;
  }
  c.namespaces.insert(kube::Namespace(ls));
  return c;
}

std::optional<std::string> FindNamespaceConflict(const CollectorClaim& self,
                                                 const std::vector<CollectorClaim>& all) {
  const CollectorClaim* winner = nullptr;
  std::string ns;
  for (const auto& other : all) {
    if (other.key == self.key) continue;
    const bool older =
        other.creation_timestamp < self.creation_timestamp ||
        (other.creation_timestamp == self.creation_timestamp && other.key < self.key);
    if (!older) continue;
    for (const auto& n : self.namespaces) {
      if (other.namespaces.count(n) == 0) continue;
      // Report the oldest conflicting claim, for a stable message.
      if (winner == nullptr || other.creation_timestamp < winner->creation_timestamp ||
          (other.creation_timestamp == winner->creation_timestamp && other.key < winner->key)) {
        winner = &other;
        ns = n;
      }
      break;
    }
  }
  if (winner == nullptr) return std::nullopt;
  return "namespace \"" + ns + "\" is already collected by LogStack " + winner->key +
         "; a namespace may be collected by one LogStack only (its logs would be shipped twice). "
         "Remove it from spec.collector.namespaces here or there, or disable one collector";
}

}  // namespace logstack::op::controller
