#include "common/kube/resource.h"

namespace logstack::kube {

const std::vector<ResourceRef>& BuiltinResources() {
  static const std::vector<ResourceRef> all = {
      resources::kNamespaces,
      resources::kPods,
      resources::kServices,
      resources::kConfigMaps,
      resources::kSecrets,
      resources::kServiceAccounts,
      resources::kEvents,
      resources::kNodes,
      resources::kPersistentVolumeClaims,
      resources::kStatefulSets,
      resources::kDaemonSets,
      resources::kDeployments,
      resources::kRoles,
      resources::kRoleBindings,
      resources::kClusterRoles,
      resources::kClusterRoleBindings,
      resources::kLeases,
      resources::kNetworkPolicies,
      resources::kPodDisruptionBudgets,
      resources::kCustomResourceDefinitions,
  };
  return all;
}

std::optional<ResourceRef> FindBuiltin(std::string_view api_version,
                                       std::string_view kind_or_resource) {
  for (const auto& r : BuiltinResources()) {
    if (r.ApiVersion() == api_version &&
        (r.kind == kind_or_resource || r.resource == kind_or_resource)) {
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace logstack::kube
