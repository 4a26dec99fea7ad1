#pragma once

// Names the controller shares with the builders, the RBAC manifests and the
// tests: the resources it reads besides the owned kinds, the labels it
// selects on, the Lease and the field manager.

#include "common/kube/resource.h"
#include "operator/api/logstack_types.h"
#include "operator/manifests/build.h"

namespace logstack::op::controller {

// The LogStack custom resource (crds/logstack.io_logstacks.yaml).
inline const kube::ResourceRef kLogStacks{kGroup, kVersion, kPlural, kKind, true};
// Looked up (get only) to check spec.logstore.storage.storageClassName.
inline const kube::ResourceRef kStorageClasses{"storage.k8s.io", "v1", "storageclasses",
                                               "StorageClass", false};

// Recommended labels the builders put on every object.
inline constexpr char kLabelManagedBy[] = "app.kubernetes.io/managed-by";
inline constexpr char kLabelInstance[] = "app.kubernetes.io/instance";
inline constexpr char kLabelComponent[] = "app.kubernetes.io/component";
// The LogStack's namespace and name on cluster-scoped objects, which cannot
// carry an ownerReference to a namespaced owner (the builders set them).
inline constexpr const char* kLabelOwnerNamespace = manifests::kOwnerNamespaceLabel;
inline constexpr const char* kLabelOwnerName = manifests::kOwnerNameLabel;

// The leader-election Lease, in the operator's namespace.
inline constexpr char kLeaseName[] = "logstack-operator-leader";
// Event source component.
inline constexpr char kComponent[] = "logstack-operator";

}  // namespace logstack::op::controller
