// The NetworkPolicy on the log store's pods. docs/operator.md explains why
// kubelet probes need no rule.

#include "operator/manifests/build.h"
#include "operator/manifests/internal.h"

namespace logstack::op::manifests {

std::vector<Json> BuildNetworkPolicy(const BuildOptions& opts) {
  const LogStack& s = opts.stack;
  if (!s.spec.network_policy.enabled || s.spec.logstore.External()) return {};
  Json peers = Json::array();
  if (s.spec.collector.enabled) {
    peers.push_back(
        Json{{"podSelector", {{"matchLabels", SelectorLabels(s, kComponentCollector)}}}});
  }
  if (s.spec.grafana.deploy_enabled) {
    peers.push_back(Json{{"podSelector", {{"matchLabels", SelectorLabels(s, kComponentGrafana)}}}});
  }
  for (const std::string& ns : s.spec.network_policy.allowed_namespaces) {
    peers.push_back(
        Json{{"namespaceSelector", {{"matchLabels", {{"kubernetes.io/metadata.name", ns}}}}}});
  }
  // A rule with no peers would admit everyone: with no peers there is no
  // rule at all, which admits no one (kubelet probes still pass, see
  // docs/operator.md).
  Json ingress = Json::array();
  if (!peers.empty()) {
    ingress.push_back(
        Json{{"from", std::move(peers)},
             {"ports", Json::array({Json{{"protocol", "TCP"}, {"port", kLogStorePort}}})}});
  }
  Json np = internal::NewObject(s, "networking.k8s.io/v1", "NetworkPolicy", NetworkPolicyName(s),
                                kComponentLogStore);
  np["spec"] = Json{{"podSelector", {{"matchLabels", SelectorLabels(s, kComponentLogStore)}}},
                    {"policyTypes", Json::array({"Ingress"})},
                    {"ingress", std::move(ingress)}};
  return {np};
}

}  // namespace logstack::op::manifests
