#include "collector/meta/pod_info.h"

#include "common/kube/object.h"

namespace logstack::collector {

PodInfo PodInfoFromObject(const nlohmann::json& pod) {
  PodInfo info;
  info.uid = kube::Uid(pod);
  info.labels = kube::Labels(pod);
  info.annotations = kube::Annotations(pod);
  auto ex = info.annotations.find(kExcludeAnnotation);
  info.excluded = ex != info.annotations.end() && ex->second == kExcludeValue;
  if (auto h = info.labels.find("pod-template-hash"); h != info.labels.end()) {
    info.owner.pod_template_hash = h->second;
  }
  if (!pod.is_object()) return info;
  auto meta = pod.find("metadata");
  if (meta == pod.end() || !meta->is_object()) return info;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return info;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    auto controller = ref.find("controller");
    if (controller == ref.end() || !controller->is_boolean() || !controller->get<bool>()) continue;
    auto kind = ref.find("kind");
    auto name = ref.find("name");
    if (kind == ref.end() || !kind->is_string() || name == ref.end() || !name->is_string()) {
      continue;
    }
    info.owner.kind = kind->get<std::string>();
    info.owner.name = name->get<std::string>();
    break;  // the API server allows one controller reference
  }
  return info;
}

}  // namespace logstack::collector
