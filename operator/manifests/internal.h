#pragma once

// Helpers shared by the builders (not part of the interface): metadata,
// labels, owner references, images, hashing, security contexts.
//
// Thread safety: pure functions.

#include <map>
#include <string>
#include <string_view>

#include "operator/manifests/build.h"

namespace logstack::op::manifests::internal {

// The labels every object of `component` carries: SelectorLabels, then
// part-of, managed-by and version, on top of spec.labels (ours win, so a user
// label can never break a selector).
Json CommonLabels(const LogStack& s, const std::string& component);

// apiVersion, kind and metadata (name, namespace unless cluster-scoped,
// labels, spec.annotations, the ownerReference when the uid is known).
// Cluster-scoped objects get kOwnerNamespaceLabel and kOwnerNameLabel instead.
Json NewObject(const LogStack& s, std::string_view api_version, std::string_view kind,
               const std::string& name, const std::string& component, bool cluster_scoped = false);

// A pod template's metadata: CommonLabels plus pod_labels (ours win), and
// spec.annotations, pod_annotations and the config hash (ours win).
Json PodTemplateMetadata(const LogStack& s, const std::string& component, const PodOptions& pod,
                         const std::string& config_hash);

// `repository:version`, or the spec's image when set.
std::string Image(const PodOptions& pod, const std::string& repository, const std::string& version);

// nodeSelector, tolerations, affinity and priorityClassName onto a pod spec,
// each only when set.
void ApplyPlacement(const PodOptions& pod, Json* pod_spec);

// The restricted container security context: no privilege escalation,
// read-only root filesystem, every capability dropped.
Json RestrictedContainerSecurityContext();

// An httpGet probe on the port named "http".
Json HttpProbe(const std::string& path, int initial_delay, int period, int timeout,
               int failure_threshold);

std::string Sha256Hex(std::string_view data);

}  // namespace logstack::op::manifests::internal
