#pragma once

// The manifest builders: pure functions from a LogStack (spec with defaults
// applied) and the operator's options to the Kubernetes objects that run it.
// No client, no I/O, no clock, no randomness: the same input gives the same
// objects, byte for byte, which the golden-file tests rely on.
//
// Object names derive from the LogStack's name (docs/logstack-resource.md,
// docs/operator.md): <name>-logstore, <name>-collector, ... Every object
// carries the recommended app.kubernetes.io labels and, when the LogStack's
// uid is known (not for `render` of a file), an ownerReference to it;
// cluster-scoped objects (ClusterRole, ClusterRoleBinding) carry none and are
// removed by the controller's finalizer instead.
//
// Thread safety: pure functions.

#include <string>
#include <vector>

#include "operator/api/logstack_types.h"

namespace logstack::op::manifests {

struct BuildOptions {
  LogStack stack;  // from ParseLogStack: defaults applied

  // Images: <repository>:<spec.version> unless the spec names an image.
  std::string logstore_repository = "ghcr.io/logstack/logstore";
  std::string collector_repository = "ghcr.io/logstack/collector";
  std::string grafana_image = "docker.io/grafana/grafana:11.3.1";

  // grafana-operator's GrafanaDatasource CRD exists in the cluster.
  bool grafana_operator_available = false;
  // The Grafana admin password to put in the Secret when deploy.enabled: the
  // existing Secret's, or one the caller generated (the builders are pure).
  std::string grafana_admin_password;

  std::string cluster_domain = "cluster.local";
};

// The kinds the builders can produce, as the controller watches and prunes
// them and the operator's RBAC must allow them.
struct OwnedKind {
  kube::ResourceRef resource;
  bool cluster_scoped = false;
  bool optional = false;  // only when its CRD exists (GrafanaDatasource)
};
const std::vector<OwnedKind>& OwnedKinds();

// Every object for the stack, in apply order (ServiceAccounts, ConfigMaps and
// Secrets before the workloads that mount them; cluster-scoped RBAC before
// the DaemonSet).
std::vector<Json> BuildAll(const BuildOptions& opts);

// The parts, each also usable alone (tests).
std::vector<Json> BuildLogStore(const BuildOptions& opts);       // none when external
std::vector<Json> BuildCollector(const BuildOptions& opts);      // none when disabled
std::vector<Json> BuildGrafana(const BuildOptions& opts);        // datasource, Grafana
std::vector<Json> BuildNetworkPolicy(const BuildOptions& opts);  // none when off or external

// Names shared with the controller and the status code.
std::string LogStoreName(const LogStack& s);           // <name>-logstore (StatefulSet, Service)
std::string LogStoreHeadlessName(const LogStack& s);   // <name>-logstore-headless
std::string LogStoreConfigName(const LogStack& s);     // <name>-logstore-config
std::string CollectorName(const LogStack& s);          // <name>-collector (DaemonSet)
std::string CollectorClusterRoleName(const LogStack& s);  // logstack-collector-<ns>-<name>
std::string GrafanaName(const LogStack& s);            // <name>-grafana
std::string GrafanaAdminSecretName(const LogStack& s); // <name>-grafana-admin
// The URL of the store the collector pushes to and Grafana reads from: the
// bundled store's Service (http://<name>-logstore.<ns>.svc.<domain>:3100) or
// spec.logstore.external.url.
std::string StoreUrl(const BuildOptions& opts);

// The selector labels of a component's pods (stable across versions).
Json SelectorLabels(const LogStack& s, const std::string& component);

inline constexpr char kConfigHashAnnotation[] = "logstack.io/config-hash";
inline constexpr char kManagedBy[] = "logstack-operator";

}  // namespace logstack::op::manifests
