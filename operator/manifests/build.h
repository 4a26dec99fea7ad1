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
// removed by the controller's finalizer instead. They carry the labels
// kOwnerNamespaceLabel and kOwnerNameLabel so that the finalizer (and a
// person with kubectl) can find them.
//
// docs/operator.md, "What one LogStack produces", lists every object and
// explains the choices (PodDisruptionBudget, the collector's root user, the
// free-disk floor, ...).
//
// Thread safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
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
  // Empty: no Secret is built (never one with an empty or fixed password);
  // the Deployment still refers to it by name and its pod waits for it.
  std::string grafana_admin_password;
  std::string grafana_admin_user = "admin";

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

// grafana-operator's datasource resource (grafana.integreatly.org/v1beta1).
const kube::ResourceRef& GrafanaDatasourceResource();

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
std::string LogStoreName(const LogStack& s);              // <name>-logstore (StatefulSet, Service)
std::string LogStoreHeadlessName(const LogStack& s);      // <name>-logstore-headless
std::string LogStoreConfigName(const LogStack& s);        // <name>-logstore-config
std::string CollectorName(const LogStack& s);             // <name>-collector (DaemonSet)
std::string CollectorConfigName(const LogStack& s);       // <name>-collector-config
std::string CollectorClusterRoleName(const LogStack& s);  // logstack-collector-<ns>-<name>
std::string GrafanaName(const LogStack& s);               // <name>-grafana
std::string GrafanaAdminSecretName(const LogStack& s);    // <name>-grafana-admin
std::string GrafanaDatasourceConfigName(const LogStack& s);  // <name>-grafana-datasource
std::string NetworkPolicyName(const LogStack& s);            // <name>-logstore
std::string PodDisruptionBudgetName(const LogStack& s);      // <name>-logstore
// The datasource's name in Grafana: spec.grafana.datasource.name, else
// logstack-<ns>-<name>.
std::string DatasourceName(const LogStack& s);
// The datasource's uid in Grafana: "logstack-" and 16 hex digits of the
// SHA-256 of "<ns>/<name>", stable for the life of the LogStack (dashboards
// refer to datasources by uid) and within Grafana's 40-character limit.
std::string DatasourceUid(const LogStack& s);
// Where the collector keeps its positions file on the node:
// /var/lib/logstack-collector/<ns>_<name> (one directory per LogStack, so two
// LogStacks' collectors on one node never share positions).
std::string CollectorPositionsDir(const LogStack& s);

// The URL of the store the collector pushes to and Grafana reads from: the
// bundled store's Service (http://<name>-logstore.<ns>.svc.<domain>:3100) or
// spec.logstore.external.url (trailing slashes removed).
std::string StoreUrl(const BuildOptions& opts);
// StoreUrl + "/loki/api/v1/push".
std::string PushUrl(const BuildOptions& opts);

// The selector labels of a component's pods (stable across versions):
// app.kubernetes.io/name: logstack, instance: <LogStack name>, component.
Json SelectorLabels(const LogStack& s, const std::string& component);

// The components, as they appear in app.kubernetes.io/component.
inline constexpr char kComponentLogStore[] = "logstore";
inline constexpr char kComponentCollector[] = "collector";
inline constexpr char kComponentGrafana[] = "grafana";

inline constexpr char kConfigHashAnnotation[] = "logstack.io/config-hash";
inline constexpr char kManagedBy[] = "logstack-operator";
// On cluster-scoped objects (which cannot carry an ownerReference to a
// namespaced LogStack): the LogStack's namespace and name.
inline constexpr char kOwnerNamespaceLabel[] = "logstack.io/owner-namespace";
inline constexpr char kOwnerNameLabel[] = "logstack.io/owner-name";

inline constexpr int kLogStorePort = 3100;
inline constexpr int kGrafanaPort = 3000;

// The config hash stamped on a pod template: the lower-case hex SHA-256 of
// the compact JSON of `data` (a ConfigMap's or Secret's data; keys sorted, so
// equal data gives an equal hash).
std::string ConfigHash(const Json& data);

}  // namespace logstack::op::manifests
