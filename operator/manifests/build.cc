// Names, URLs, labels, the owned kinds and BuildAll: what the parts share.

#include "operator/manifests/build.h"

#include <algorithm>

#include "operator/manifests/internal.h"

namespace logstack::op::manifests {

const kube::ResourceRef& GrafanaDatasourceResource() {
  static const kube::ResourceRef r{"grafana.integreatly.org", "v1beta1", "grafanadatasources",
                                   "GrafanaDatasource", true};
  return r;
}

const std::vector<OwnedKind>& OwnedKinds() {
  namespace r = kube::resources;
  static const std::vector<OwnedKind> kinds = {
      {r::kServiceAccounts},
      {r::kConfigMaps},
      {r::kSecrets},
      {r::kClusterRoles, true},
      {r::kClusterRoleBindings, true},
      {r::kServices},
      {r::kStatefulSets},
      {r::kDaemonSets},
      {r::kDeployments},
      {r::kPodDisruptionBudgets},
      {r::kNetworkPolicies},
      {GrafanaDatasourceResource(), false, true},
  };
  return kinds;
}

namespace {

// Apply order: what a workload mounts or runs as before the workload.
int KindRank(const std::string& kind) {
  static const char* const kOrder[] = {
      "ServiceAccount", "ConfigMap",        "Secret",    "ClusterRole", "ClusterRoleBinding",
      "Service",        "StatefulSet",      "DaemonSet", "Deployment",  "PodDisruptionBudget",
      "NetworkPolicy",  "GrafanaDatasource"};
  for (size_t i = 0; i < std::size(kOrder); i++) {
    if (kind == kOrder[i]) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kOrder));
}

}  // namespace

std::vector<Json> BuildAll(const BuildOptions& opts) {
  std::vector<Json> all;
  for (auto* part : {&BuildLogStore, &BuildCollector, &BuildGrafana, &BuildNetworkPolicy}) {
    std::vector<Json> objs = part(opts);
    for (Json& o : objs) all.push_back(std::move(o));
  }
  std::stable_sort(all.begin(), all.end(), [](const Json& a, const Json& b) {
    return KindRank(a.value("kind", "")) < KindRank(b.value("kind", ""));
  });
  return all;
}

std::string LogStoreName(const LogStack& s) { return s.meta.name + "-logstore"; }
std::string LogStoreHeadlessName(const LogStack& s) { return s.meta.name + "-logstore-headless"; }
std::string LogStoreConfigName(const LogStack& s) { return s.meta.name + "-logstore-config"; }
std::string CollectorName(const LogStack& s) { return s.meta.name + "-collector"; }
std::string CollectorConfigName(const LogStack& s) { return s.meta.name + "-collector-config"; }
std::string CollectorClusterRoleName(const LogStack& s) {
  return "logstack-collector-" + s.meta.namespace_ + "-" + s.meta.name;
}
std::string GrafanaName(const LogStack& s) { return s.meta.name + "-grafana"; }
std::string GrafanaAdminSecretName(const LogStack& s) { return s.meta.name + "-grafana-admin"; }
std::string GrafanaDatasourceConfigName(const LogStack& s) {
  return s.meta.name + "-grafana-datasource";
}
std::string NetworkPolicyName(const LogStack& s) { return s.meta.name + "-logstore"; }
std::string PodDisruptionBudgetName(const LogStack& s) { return s.meta.name + "-logstore"; }

std::string DatasourceName(const LogStack& s) {
  if (!s.spec.grafana.datasource_name.empty()) return s.spec.grafana.datasource_name;
  return "logstack-" + s.meta.namespace_ + "-" + s.meta.name;
}

std::string DatasourceUid(const LogStack& s) {
  return "logstack-" + internal::Sha256Hex(s.meta.namespace_ + "/" + s.meta.name).substr(0, 16);
}

std::string CollectorPositionsDir(const LogStack& s) {
  return "/var/lib/logstack-collector/" + s.meta.namespace_ + "_" + s.meta.name;
}

std::string StoreUrl(const BuildOptions& opts) {
  const LogStack& s = opts.stack;
  if (s.spec.logstore.External()) {
    std::string url = s.spec.logstore.external_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  return "http://" + LogStoreName(s) + "." + s.meta.namespace_ + ".svc." + opts.cluster_domain +
         ":" + std::to_string(kLogStorePort);
}

std::string PushUrl(const BuildOptions& opts) { return StoreUrl(opts) + "/loki/api/v1/push"; }

Json SelectorLabels(const LogStack& s, const std::string& component) {
  return Json{{"app.kubernetes.io/name", "logstack"},
              {"app.kubernetes.io/instance", s.meta.name},
              {"app.kubernetes.io/component", component}};
}

std::string ConfigHash(const Json& data) { return internal::Sha256Hex(data.dump()); }

}  // namespace logstack::op::manifests
