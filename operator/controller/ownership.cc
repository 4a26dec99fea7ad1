#include "operator/controller/ownership.h"

#include "common/kube/object.h"
#include "operator/api/logstack_types.h"
#include "operator/controller/constants.h"

namespace logstack::op::controller {

namespace {

bool IsLogStackRef(const kube::Json& ref) {
  if (!ref.is_object() || ref.value("kind", "") != kKind) return false;
  const std::string api = ref.value("apiVersion", "");
  return api.rfind(std::string(kGroup) + "/", 0) == 0;
}

// The owner of a cluster-scoped object, from its labels or name.
std::optional<std::string> ClusterScopedOwner(const kube::Json& obj) {
  auto labels = kube::Labels(obj);
  auto ns = labels.find(kLabelOwnerNamespace);
  auto name = labels.find(kLabelOwnerName);
  if (name == labels.end()) name = labels.find(kLabelInstance);
  if (name == labels.end() || name->second.empty()) return std::nullopt;
  if (ns != labels.end() && !ns->second.empty()) return ns->second + "/" + name->second;
  // logstack-collector-<namespace>-<name>: the name is known, so the rest is
  // the namespace even when either holds dashes.
  const std::string obj_name = kube::Name(obj);
  const std::string prefix = "logstack-collector-";
  const std::string suffix = "-" + name->second;
  if (obj_name.size() > prefix.size() + suffix.size() && obj_name.rfind(prefix, 0) == 0 &&
      obj_name.compare(obj_name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return obj_name.substr(prefix.size(), obj_name.size() - prefix.size() - suffix.size()) + "/" +
           name->second;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> OwnerKey(const kube::Json& obj) {
  const std::string ns = kube::Namespace(obj);
  if (!ns.empty()) {
    const kube::Json* meta =
        obj.is_object() && obj.contains("metadata") ? &obj["metadata"] : nullptr;
    if (meta != nullptr && meta->is_object() && meta->contains("ownerReferences") &&
        (*meta)["ownerReferences"].is_array()) {
      for (const auto& ref : (*meta)["ownerReferences"]) {
        if (IsLogStackRef(ref) && ref.contains("name") && ref["name"].is_string()) {
          return ns + "/" + ref["name"].get<std::string>();
        }
      }
    }
    return std::nullopt;
  }
  return ClusterScopedOwner(obj);
}

bool BelongsTo(const kube::Json& obj, const kube::Json& owner) {
  if (!kube::Namespace(obj).empty()) return kube::IsOwnedBy(obj, kube::Uid(owner));
  auto key = ClusterScopedOwner(obj);
  return key && *key == kube::ObjectKey(owner);
}

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace logstack::op::controller
