#pragma once

// ResourceRef: a REST resource addressed by group, version and resource
// (the plural), plus the kind and whether it is namespaced. The built-in
// resources the operator and collector use are constants here; others (custom
// resources) come from discovery, see KubeClient::Resolve.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logstack::kube {

struct ResourceRef {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case: "pods"
  std::string kind;      // "Pod"
  bool namespaced = true;

  // "v1" or "apps/v1", the apiVersion of objects of this resource.
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/apps/v1".
  std::string GroupVersionPath() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }
  bool operator==(const ResourceRef&) const = default;
};

namespace resources {
inline const ResourceRef kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline const ResourceRef kPods{"", "v1", "pods", "Pod", true};
inline const ResourceRef kServices{"", "v1", "services", "Service", true};
inline const ResourceRef kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
inline const ResourceRef kSecrets{"", "v1", "secrets", "Secret", true};
inline const ResourceRef kServiceAccounts{"", "v1", "serviceaccounts", "ServiceAccount", true};
inline const ResourceRef kEvents{"", "v1", "events", "Event", true};
inline const ResourceRef kNodes{"", "v1", "nodes", "Node", false};
inline const ResourceRef kPersistentVolumeClaims{"", "v1", "persistentvolumeclaims",
                                                 "PersistentVolumeClaim", true};
inline const ResourceRef kStatefulSets{"apps", "v1", "statefulsets", "StatefulSet", true};
inline const ResourceRef kDaemonSets{"apps", "v1", "daemonsets", "DaemonSet", true};
inline const ResourceRef kDeployments{"apps", "v1", "deployments", "Deployment", true};
inline const ResourceRef kRoles{"rbac.authorization.k8s.io", "v1", "roles", "Role", true};
inline const ResourceRef kRoleBindings{"rbac.authorization.k8s.io", "v1", "rolebindings",
                                       "RoleBinding", true};
inline const ResourceRef kClusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles",
                                       "ClusterRole", false};
inline const ResourceRef kClusterRoleBindings{"rbac.authorization.k8s.io", "v1",
                                              "clusterrolebindings", "ClusterRoleBinding", false};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true};
inline const ResourceRef kNetworkPolicies{"networking.k8s.io", "v1", "networkpolicies",
                                          "NetworkPolicy", true};
inline const ResourceRef kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets",
                                               "PodDisruptionBudget", true};
inline const ResourceRef kCustomResourceDefinitions{
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
}  // namespace resources

// Every constant above.
const std::vector<ResourceRef>& BuiltinResources();

// Looks a built-in resource up by apiVersion ("apps/v1") and kind or plural
// resource name ("Deployment" or "deployments").
std::optional<ResourceRef> FindBuiltin(std::string_view api_version,
                                       std::string_view kind_or_resource);

}  // namespace logstack::kube
