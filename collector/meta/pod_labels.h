#pragma once

// The stream labels of a container's logs (docs/collector.md, "Labels"):
// pure functions of the log file's path, the pod's metadata and the config,
// so that the same line read twice (before and after a restart) gets the same
// labels whenever the metadata is the same.
//
//   namespace, pod, container   from the path /var/log/pods/<ns>_<pod>_<uid>/<container>/
//   app        the pod label `app.kubernetes.io/name`, else its label `app`,
//              else the stem of the workload's name (below)
//   job        "<namespace>/<app>"
//   node_name  the node's name from the config (none when empty)
//   stream     "stdout" or "stderr", as the caller read it from the CRI line
//   ...        pod labels copied as configured (pod_labels: {pod label: label name})
// The pod uid is never a label: it changes with every restart of a
// StatefulSet's pod and would split its logs into a stream per pod.
//
// The stem. This is the rule of Grafana's Promtail Helm chart (the
// `kubernetes-pods` job: app = app.kubernetes.io/name, app, the controller's
// name without its ReplicaSet hash, the pod name; job = namespace/app),
// made exact where the chart's regex (`-[0-9a-f]{8,10}`) guesses:
//   - with the pod's metadata, from its controlling owner reference:
//       ReplicaSet   its name without the `-<pod-template-hash>` suffix when
//                    the pod's `pod-template-hash` label says so (the
//                    Deployment's name); a bare ReplicaSet's name otherwise
//       Job          its name without a trailing `-<8 or more digits>` (the
//                    scheduled minute a CronJob appends: the CronJob's name)
//       Node         (a static pod's mirror, named `<name>-<node>`) the pod
//                    name without `-<node>`: "kube-apiserver"
//       any other    its name (StatefulSet, DaemonSet, ReplicationController,
//                    custom controllers)
//     and a pod without a controller is treated as below;
//   - without metadata (the pod was never seen), from the pod name alone
//     (PodNameStem): a trailing `-<5 chars>` of the alphabet Kubernetes'
//     random suffixes use ("bcdfghjklmnpqrstvwxz2456789": no vowels, no 0, 1
//     or 3) is dropped, and then also a `-<6-10 chars>` of that alphabet (a
//     ReplicaSet hash) or `-<8-10 digits>` (an old numeric hash or a CronJob
//     time) before it; otherwise a trailing `-<digits>` (a StatefulSet
//     ordinal) is dropped. So "web-7d4b9c8f5d-x2kzq" -> "web",
//     "fluent-bit-x2kzq" -> "fluent-bit", "db-0" -> "db",
//     "backup-28512345-x2kzq" -> "backup". The guess can take a name segment
//     that merely looks like a suffix ("pg-bcdfgh"); metadata never does.
//
// Label names: copied pod labels' target names are sanitised to Prometheus
// label names (SanitizeLabelName: each byte outside [a-zA-Z0-9_], and a
// leading digit, becomes `_`), as Prometheus' Kubernetes discovery does for
// __meta_kubernetes_pod_label_<name>. An empty or absent pod label adds
// nothing (an empty value is no label in Loki).
//
// Thread safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "collector/meta/pod_info.h"
#include "collector/model/entry.h"
#include "common/status.h"

namespace logstack::collector {

// The container a log file belongs to, from its path.
struct ContainerRef {
  std::string_view ns;
  std::string_view pod;
  std::string_view container;
};

// One configured copy: the pod label `pod_label` becomes the stream label `label`.
struct PodLabelCopy {
  std::string pod_label;
  std::string label;  // "" in config: SanitizeLabelName(pod_label)

  bool operator==(const PodLabelCopy&) const = default;
};

struct PodLabelRules {
  std::string node_name;
  std::vector<PodLabelCopy> copy;  // as returned by NormalizePodLabelCopies
};

// Checks and completes configured copies: an empty target becomes the
// sanitised pod label name, targets are sanitised, and a target that is one
// of the labels above (namespace, pod, container, app, job, node_name,
// stream), starts with "__" (reserved by Prometheus and Loki) or repeats
// another copy's target is InvalidArgument naming it. Order is kept.
StatusOr<std::vector<PodLabelCopy>> NormalizePodLabelCopies(std::vector<PodLabelCopy> copies);

// "app.kubernetes.io/part-of" -> "app_kubernetes_io_part_of"; "" -> "_".
std::string SanitizeLabelName(std::string_view name);

// The stem of a pod name alone (the guess above).
std::string PodNameStem(std::string_view pod_name);

// The stem from the pod's controller; "" when the pod has none.
std::string ControllerStem(std::string_view pod_name, const PodOwner& owner);

// The `app` label: from `pod`'s labels, else its controller, else
// PodNameStem(pod_name) (also when `pod` is null).
std::string AppName(std::string_view pod_name, const PodInfo* pod);

// The stream labels of `ref`'s lines on `stream` ("" = no stream label).
// `pod` is null when the pod's metadata is not known: then only the path,
// the stem, node_name and stream make the labels.
LabelSet ContainerLabels(const ContainerRef& ref, std::string_view stream, const PodInfo* pod,
                         const PodLabelRules& rules);

}  // namespace logstack::collector
