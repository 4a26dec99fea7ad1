#pragma once

// The LogStack resource (logstack.io/v1alpha1) as C++ values: the spec with
// every default applied, ready for the manifest builders, and the status the
// controller writes. docs/logstack-resource.md is the field reference; the
// CRD (crds/logstack.io_logstacks.yaml) holds the same defaults and bounds.
//
// Kubernetes sub-objects that we only pass through (resources, tolerations,
// affinity, node selectors, label selectors) stay JSON.
//
// Thread safety: plain values.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/kube/client.h"
#include "common/status.h"

namespace logstack::op {

using Json = kube::Json;

inline constexpr char kGroup[] = "logstack.io";
inline constexpr char kVersion[] = "v1alpha1";
inline constexpr char kApiVersion[] = "logstack.io/v1alpha1";
inline constexpr char kKind[] = "LogStack";
inline constexpr char kPlural[] = "logstacks";
inline constexpr char kFinalizer[] = "logstack.io/cleanup";

enum class Size { kSmall, kMedium, kLarge };
enum class UpgradePolicy { kAutomatic, kManual };

// A component's placement and pod extras, as the user wrote them (after the
// preset filled `resources`).
struct PodOptions {
  std::string image;                // empty: the operator's default image
  Json resources = Json::object();  // corev1.ResourceRequirements
  Json node_selector = Json::object();
  Json tolerations = Json::array();
  Json affinity;  // null: none
  std::string priority_class_name;
  std::map<std::string, std::string> pod_labels, pod_annotations;
};

struct StoreLimits {
  double ingestion_rate_mb = 4;
  double ingestion_burst_mb = 6;
  std::string max_line_size = "256KB";
  int64_t max_streams = 5000;
  bool truncate_long_lines = false;
};

struct LogStoreSpec {
  std::string external_url;  // non-empty: no bundled store
  int32_t replicas = 1;
  std::string retention = "168h";  // Go duration; "0s": forever
  std::string storage_size = "10Gi";
  std::string storage_class_name;  // empty: the cluster default
  int32_t min_free_percent = 10;
  bool retain_on_delete = true;
  StoreLimits limits;
  PodOptions pod;

  bool External() const { return !external_url.empty(); }
};

struct CollectorSpec {
  bool enabled = true;
  std::vector<std::string> namespaces;  // empty and no selector: the LogStack's own
  Json namespace_selector;              // null: none; else a metav1.LabelSelector
  // Promtail-shaped pipeline stages (collector/pipeline/pipeline.h), as the
  // user wrote them: a list of one-key objects. Empty: no pipeline.
  Json pipeline = Json::array();
  PodOptions pod;
};

struct GrafanaSpec {
  bool datasource_enabled = true;
  std::string datasource_name;  // resolved: never empty after Normalize
  bool datasource_is_default = false;
  Json instance_selector;  // metav1.LabelSelector for grafana-operator
  bool deploy_enabled = false;
  PodOptions deploy;
};

struct NetworkPolicySpec {
  bool enabled = true;
  std::vector<std::string> allowed_namespaces;
};

struct LogStackSpec {
  std::string version;  // resolved: never empty after Normalize
  Size size = Size::kSmall;
  std::string tenant;  // resolved: never empty after Normalize
  UpgradePolicy upgrade_policy = UpgradePolicy::kAutomatic;
  std::map<std::string, std::string> labels, annotations;
  LogStoreSpec logstore;
  CollectorSpec collector;
  GrafanaSpec grafana;
  NetworkPolicySpec network_policy;
};

// The identity of the resource the spec came from.
struct LogStackMeta {
  std::string name;
  std::string namespace_;
  std::string uid;
  int64_t generation = 0;
};

struct LogStack {
  LogStackMeta meta;
  LogStackSpec spec;
};

// One problem with a spec: the JSON path of the field ("spec.logstore.retention")
// and what is wrong, in words a user can act on.
struct FieldError {
  std::string field;
  std::string message;
};

// Options that come from the operator, not the resource.
struct OperatorDefaults {
  std::string version;  // the operator's own version: the default stack version
};

// Parses a LogStack object (as the API server returns it, or as a user wrote
// it for `render`), applies the size preset and every default, and checks the
// rules the CRD's schema and CEL rules state (so `render` without a cluster
// rejects what the API server would) plus the semantic ones. Returns
// InvalidArgument listing every FieldError ("spec.x: ...; spec.y: ...") when
// the spec is unusable.
StatusOr<LogStack> ParseLogStack(const Json& object, const OperatorDefaults& defaults);

// The same checks, each error separately (empty: valid).
std::vector<FieldError> ValidateLogStack(const Json& object);

std::string_view SizeName(Size s);

}  // namespace logstack::op
