#include "operator/manifests/internal.h"

#include <openssl/evp.h>

namespace logstack::op::manifests::internal {

Json CommonLabels(const LogStack& s, const std::string& component) {
  Json labels = Json::object();
  for (const auto& [k, v] : s.spec.labels) labels[k] = v;
  const Json selector = SelectorLabels(s, component);  // items() must not outlive it
  for (const auto& [k, v] : selector.items()) labels[k] = v;
  labels["app.kubernetes.io/part-of"] = "logstack";
  labels["app.kubernetes.io/managed-by"] = kManagedBy;
  if (!s.spec.version.empty()) labels["app.kubernetes.io/version"] = s.spec.version;
  return labels;
}

Json NewObject(const LogStack& s, std::string_view api_version, std::string_view kind,
               const std::string& name, const std::string& component, bool cluster_scoped) {
  Json meta = Json::object();
  meta["name"] = name;
  meta["labels"] = CommonLabels(s, component);
  if (!s.spec.annotations.empty()) {
    Json ann = Json::object();
    for (const auto& [k, v] : s.spec.annotations) ann[k] = v;
    meta["annotations"] = std::move(ann);
  }
  if (cluster_scoped) {
    meta["labels"][kOwnerNamespaceLabel] = s.meta.namespace_;
    meta["labels"][kOwnerNameLabel] = s.meta.name;
  } else {
    meta["namespace"] = s.meta.namespace_;
    if (!s.meta.uid.empty()) {
      meta["ownerReferences"] = Json::array({Json{{"apiVersion", kApiVersion},
                                                  {"kind", kKind},
                                                  {"name", s.meta.name},
                                                  {"uid", s.meta.uid},
                                                  {"controller", true},
                                                  {"blockOwnerDeletion", true}}});
    }
  }
  Json obj = Json::object();
  obj["apiVersion"] = api_version;
  obj["kind"] = kind;
  obj["metadata"] = std::move(meta);
  return obj;
}

Json PodTemplateMetadata(const LogStack& s, const std::string& component, const PodOptions& pod,
                         const std::string& config_hash) {
  Json labels = Json::object();
  for (const auto& [k, v] : pod.pod_labels) labels[k] = v;
  const Json common = CommonLabels(s, component);
  for (const auto& [k, v] : common.items()) labels[k] = v;
  Json ann = Json::object();
  for (const auto& [k, v] : s.spec.annotations) ann[k] = v;
  for (const auto& [k, v] : pod.pod_annotations) ann[k] = v;
  ann[kConfigHashAnnotation] = config_hash;
  return Json{{"labels", std::move(labels)}, {"annotations", std::move(ann)}};
}

std::string Image(const PodOptions& pod, const std::string& repository,
                  const std::string& version) {
  if (!pod.image.empty()) return pod.image;
  return version.empty() ? repository : repository + ":" + version;
}

void ApplyPlacement(const PodOptions& pod, Json* pod_spec) {
  Json& spec = *pod_spec;
  if (pod.node_selector.is_object() && !pod.node_selector.empty()) {
    spec["nodeSelector"] = pod.node_selector;
  }
  if (pod.tolerations.is_array() && !pod.tolerations.empty()) {
    spec["tolerations"] = pod.tolerations;
  }
  if (pod.affinity.is_object() && !pod.affinity.empty()) spec["affinity"] = pod.affinity;
  if (!pod.priority_class_name.empty()) spec["priorityClassName"] = pod.priority_class_name;
}

Json RestrictedContainerSecurityContext() {
  return Json{{"allowPrivilegeEscalation", false},
              {"readOnlyRootFilesystem", true},
              {"privileged", false},
              {"capabilities", {{"drop", Json::array({"ALL"})}}}};
}

Json HttpProbe(const std::string& path, int initial_delay, int period, int timeout,
               int failure_threshold) {
  Json p = Json::object();
  p["httpGet"] = Json{{"path", path}, {"port", "http"}, {"scheme", "HTTP"}};
  if (initial_delay > 0) p["initialDelaySeconds"] = initial_delay;
  p["periodSeconds"] = period;
  p["timeoutSeconds"] = timeout;
  p["successThreshold"] = 1;
  p["failureThreshold"] = failure_threshold;
  return p;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; i++) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace logstack::op::manifests::internal
