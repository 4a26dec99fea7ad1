#include "collector/meta/pod_labels.h"

#include <algorithm>
#include <set>

namespace logstack::collector {
namespace {

// The characters of Kubernetes' random name suffixes and of ReplicaSet hashes
// (k8s.io/apimachinery's rand.String and rand.SafeEncodeString).
constexpr std::string_view kSuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

constexpr std::string_view kBuiltinLabels[] = {"namespace", "pod",       "container", "app",
                                               "job",       "node_name", "stream"};

bool AllOf(std::string_view s, std::string_view alphabet) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [&](char c) { return alphabet.find(c) != alphabet.npos; });
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "a-b-c" into ("a-b", "c"); nullopt-like empty head when there is no '-'.
struct Split {
  std::string_view head, last;
  bool ok = false;
};
Split SplitLast(std::string_view s) {
  auto dash = s.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == s.size()) return {};
  return {s.substr(0, dash), s.substr(dash + 1), true};
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const std::string* NonEmpty(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it != m.end() && !it->second.empty() ? &it->second : nullptr;
}

}  // namespace

std::string SanitizeLabelName(std::string_view name) {
  if (name.empty()) return "_";
  std::string out(name);
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (c >= '0' && c <= '9' && i > 0);
    if (!ok) out[i] = '_';
  }
  return out;
}

StatusOr<std::vector<PodLabelCopy>> NormalizePodLabelCopies(std::vector<PodLabelCopy> copies) {
  std::set<std::string> seen;
  for (auto& c : copies) {
    if (c.pod_label.empty()) return InvalidArgument("pod_labels: a pod label name is empty");
    c.label = SanitizeLabelName(c.label.empty() ? c.pod_label : c.label);
    if (std::find(std::begin(kBuiltinLabels), std::end(kBuiltinLabels), c.label) !=
        std::end(kBuiltinLabels)) {
      return InvalidArgument("pod_labels: pod label \"" + c.pod_label + "\" would replace the " +
                             "collector's own label \"" + c.label + "\"; give it another name");
    }
    if (c.label.starts_with("__")) {
      return InvalidArgument("pod_labels: label name \"" + c.label + "\" (from pod label \"" +
                             c.pod_label + "\") starts with \"__\", which is reserved");
    }
    if (!seen.insert(c.label).second) {
      return InvalidArgument("pod_labels: two pod labels are copied to the label \"" + c.label +
                             "\"");
    }
  }
  return copies;
}

std::string PodNameStem(std::string_view pod_name) {
  Split s = SplitLast(pod_name);
  if (!s.ok) return std::string(pod_name);
  if (s.last.size() == 5 && AllOf(s.last, kSuffixAlphabet)) {
    // A random suffix (Deployment, DaemonSet, Job, bare ReplicaSet pods);
    // before it maybe a ReplicaSet hash or a CronJob's scheduled minute.
    Split h = SplitLast(s.head);
    if (h.ok && ((h.last.size() >= 6 && h.last.size() <= 10 && AllOf(h.last, kSuffixAlphabet)) ||
                 (h.last.size() >= 8 && h.last.size() <= 10 && AllDigits(h.last)))) {
      return std::string(h.head);
    }
    return std::string(s.head);
  }
  if (AllDigits(s.last)) return std::string(s.head);  // a StatefulSet ordinal
  return std::string(pod_name);
}

std::string ControllerStem(std::string_view pod_name, const PodOwner& owner) {
  if (owner.kind.empty() || owner.name.empty()) return "";
  std::string_view name = owner.name;
  if (owner.kind == "ReplicaSet") {
    if (!owner.pod_template_hash.empty() && name.size() > owner.pod_template_hash.size() + 1 &&
        EndsWith(name, "-" + owner.pod_template_hash)) {
      name.remove_suffix(owner.pod_template_hash.size() + 1);
    }
  } else if (owner.kind == "Job") {
    Split s = SplitLast(name);
    if (s.ok && s.last.size() >= 8 && AllDigits(s.last)) name = s.head;
  } else if (owner.kind == "Node") {
    // A mirror pod of a static pod: `<manifest's name>-<node>`.
    std::string suffix = "-" + owner.name;
    if (pod_name.size() > suffix.size() && EndsWith(pod_name, suffix)) {
      return std::string(pod_name.substr(0, pod_name.size() - suffix.size()));
    }
    return std::string(pod_name);
  }
  return std::string(name);
}

std::string AppName(std::string_view pod_name, const PodInfo* pod) {
  if (pod != nullptr) {
    if (const std::string* v = NonEmpty(pod->labels, "app.kubernetes.io/name")) return *v;
    if (const std::string* v = NonEmpty(pod->labels, "app")) return *v;
    std::string stem = ControllerStem(pod_name, pod->owner);
    if (!stem.empty()) return stem;
  }
  return PodNameStem(pod_name);
}

LabelSet ContainerLabels(const ContainerRef& ref, std::string_view stream, const PodInfo* pod,
                         const PodLabelRules& rules) {
  std::string app = AppName(ref.pod, pod);
  std::vector<LabelPair> pairs;
  pairs.reserve(7 + rules.copy.size());
  if (pod != nullptr) {
    for (const auto& c : rules.copy) {
      auto it = pod->labels.find(c.pod_label);
      if (it != pod->labels.end()) pairs.emplace_back(c.label, it->second);
    }
  }
  // After the copies: LabelSet keeps the last value of a repeated name, so
  // the collector's own labels win over a copy that was not normalised.
  pairs.emplace_back("namespace", std::string(ref.ns));
  pairs.emplace_back("pod", std::string(ref.pod));
  pairs.emplace_back("container", std::string(ref.container));
  pairs.emplace_back("job", std::string(ref.ns) + "/" + app);
  pairs.emplace_back("app", std::move(app));
  pairs.emplace_back("node_name", rules.node_name);
  pairs.emplace_back("stream", std::string(stream));
  return LabelSet(std::move(pairs));
}

}  // namespace logstack::collector
