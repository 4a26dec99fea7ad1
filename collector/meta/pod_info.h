#pragma once

// PodInfo: what the collector keeps of a pod for labelling and selecting its
// logs, read from a v1.Pod object as the API server returns it.
//
// Only metadata is read: uid, labels, annotations, and the controlling owner
// reference (the one with `controller: true`), whose kind and name give the
// pod's `app` stem when no app label is set (pod_labels.h). Malformed fields
// (wrong JSON types) read as absent; nothing here throws.
//
// Thread safety: values and pure functions.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace logstack::collector {

// The pod annotation that opts a pod out of collection, and its one value
// that does so. Any other value ("false", "yes", "True") leaves the pod in.
inline constexpr char kExcludeAnnotation[] = "logstack.io/exclude";
inline constexpr char kExcludeValue[] = "true";

// The pod's controller, from metadata.ownerReferences.
struct PodOwner {
  std::string kind;  // "ReplicaSet", "StatefulSet", "DaemonSet", "Job", ...; "" when none
  std::string name;
  // The pod's `pod-template-hash` label: the suffix a Deployment appends to
  // its ReplicaSets' names. "" when absent.
  std::string pod_template_hash;

  bool operator==(const PodOwner&) const = default;
};

struct PodInfo {
  std::string uid;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  PodOwner owner;
  bool excluded = false;  // annotations[kExcludeAnnotation] == kExcludeValue

  bool operator==(const PodInfo&) const = default;
};

// Reads a v1.Pod (or any object with the same metadata).
PodInfo PodInfoFromObject(const nlohmann::json& pod);

}  // namespace logstack::collector
