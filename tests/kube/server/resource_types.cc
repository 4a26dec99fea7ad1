#include "tests/kube/server/resource_types.h"

#include <algorithm>
#include <set>

namespace logstack::kubetest {
namespace {

using nlohmann::json;

ResourceType Builtin(std::string group, std::string version, std::string resource,
                     std::string singular, std::string kind, bool namespaced,
                     std::vector<std::string> short_names, bool has_status, bool has_generation,
                     std::vector<std::string> categories = {},
                     std::vector<std::string> field_selectors = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.resource = std::move(resource);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.list_kind = t.kind + "List";
  t.namespaced = namespaced;
  t.short_names = std::move(short_names);
  t.has_status = has_status;
  t.has_generation = has_generation;
  t.categories = std::move(categories);
  t.field_selectors = std::move(field_selectors);
  return t;
}

const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                         "list",   "patch",  "update",           "watch"};

// Order of groups in /apis, like a real server's priority order.
std::vector<std::string> GroupOrder(const std::vector<ResourceType>& types) {
  std::vector<std::string> order;
  for (const auto& t : types) {
    if (!t.group.empty() && std::find(order.begin(), order.end(), t.group) == order.end()) {
      order.push_back(t.group);
    }
  }
  return order;
}

}  // namespace

ResourceRegistry::ResourceRegistry() {
  const std::vector<std::string> event_fields = {"involvedObject.kind",
                                                 "involvedObject.namespace",
                                                 "involvedObject.name",
                                                 "involvedObject.uid",
                                                 "involvedObject.apiVersion",
                                                 "involvedObject.resourceVersion",
                                                 "involvedObject.fieldPath",
                                                 "reason",
                                                 "reportingComponent",
                                                 "source",
                                                 "type"};
  Add(Builtin("", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, true, false, {},
              {"status.phase"}));
  Add(Builtin(
      "", "v1", "pods", "pod", "Pod", true, {"po"}, true, false, {"all"},
      {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
       "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}));
  Add(Builtin("", "v1", "services", "service", "Service", true, {"svc"}, true, false, {"all"}));
  Add(Builtin("", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}, false, false));
  Add(Builtin("", "v1", "secrets", "secret", "Secret", true, {}, false, false, {}, {"type"}));
  Add(Builtin("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, false,
              false));
  Add(Builtin("", "v1", "events", "event", "Event", true, {"ev"}, false, false, {}, event_fields));
  Add(Builtin("apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, true, true,
              {"all"}));
  Add(Builtin("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, {"sts"}, true, true,
              {"all"}));
  Add(Builtin("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, true, true,
              {"all"}));
  Add(Builtin("events.k8s.io", "v1", "events", "event", "Event", true, {"ev"}, false, false, {},
              {"reason", "regarding.kind", "regarding.namespace", "regarding.name", "type"}));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, {}, false, false));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true,
              {}, false, false));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole",
              false, {}, false, false));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
              "ClusterRoleBinding", false, {}, false, false));
  Add(Builtin("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {}, false, false));
  Add(Builtin("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true,
              {"netpol"}, false, true));
  Add(Builtin("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget",
              true, {"pdb"}, true, true));
  Add(Builtin("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false,
              {"sc"}, false, false));
  Add(Builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
              "CustomResourceDefinition", false, {"crd", "crds"}, true, true, {"api-extensions"}));
}

void ResourceRegistry::Add(ResourceType t) {
  if (!t.custom && t.group == "apps" &&
      (t.resource == "deployments" || t.resource == "statefulsets")) {
    t.scale_spec_path = ".spec.replicas";
    t.scale_status_path = ".status.replicas";
  }
  types_.push_back(std::move(t));
}

const ResourceType* ResourceRegistry::Find(const std::string& group, const std::string& version,
                                           const std::string& resource) const {
  for (const auto& t : types_) {
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  }
  return nullptr;
}

std::vector<const ResourceType*> ResourceRegistry::Versions(const std::string& group,
                                                            const std::string& resource) const {
  std::vector<const ResourceType*> out;
  for (const auto& t : types_) {
    if (t.group == group && t.resource == resource) out.push_back(&t);
  }
  return out;
}

std::string ResourceRegistry::RegisterCrd(const json& crd) {
  const json& spec = crd.value("spec", json::object());
  const json& names = spec.value("names", json::object());
  const std::string group = spec.value("group", "");
  const std::string plural = names.value("plural", "");
  if (group.empty() || plural.empty() || !spec.contains("versions")) return "";
  UnregisterCrd(crd);
  for (const auto& v : spec["versions"]) {
    if (!v.value("served", true)) continue;
    ResourceType t;
    t.group = group;
    t.version = v.value("name", "");
    t.resource = plural;
    t.singular = names.value("singular", "");
    t.kind = names.value("kind", "");
    t.list_kind = names.value("listKind", t.kind + "List");
    t.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    t.short_names = names.value("shortNames", std::vector<std::string>{});
    t.categories = names.value("categories", std::vector<std::string>{});
    t.has_status = v.contains("subresources") && v["subresources"].contains("status");
    if (v.contains("subresources") && v["subresources"].contains("scale")) {
      const json& sc = v["subresources"]["scale"];
      t.scale_spec_path = sc.value("specReplicasPath", "");
      t.scale_status_path = sc.value("statusReplicasPath", "");
      t.scale_selector_path = sc.value("labelSelectorPath", "");
    }
    if (v.contains("additionalPrinterColumns")) t.printer_columns = v["additionalPrinterColumns"];
    t.has_generation = true;
    t.custom = true;
    if (v.contains("schema") && v["schema"].contains("openAPIV3Schema")) {
      t.schema = v["schema"]["openAPIV3Schema"];
    }
    Add(std::move(t));
  }
  return group + "/" + plural;
}

std::string ResourceRegistry::UnregisterCrd(const json& crd) {
  const json& spec = crd.value("spec", json::object());
  const std::string group = spec.value("group", "");
  const std::string plural = spec.value("names", json::object()).value("plural", "");
  std::erase_if(types_, [&](const ResourceType& t) {
    return t.custom && t.group == group && t.resource == plural;
  });
  return group + "/" + plural;
}

json ResourceRegistry::OpenApiIndex() const {
  json paths = json::object();
  for (const auto& t : types_) {
    std::string gv = t.group.empty() ? "api/" + t.version : "apis/" + t.group + "/" + t.version;
    paths[gv] = {{"serverRelativeURL", "/openapi/v3/" + gv}};
  }
  return {{"paths", paths}};
}

std::optional<json> ResourceRegistry::OpenApiDoc(const std::string& group,
                                                 const std::string& version) const {
  json paths = json::object();
  for (const auto& t : types_) {
    if (t.group != group || t.version != version) continue;
    const std::string prefix = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    const std::string path =
        prefix + (t.namespaced ? "/namespaces/{namespace}/" : "/") + t.resource + "/{name}";
    json gvk = {{"group", group}, {"version", version}, {"kind", t.kind}};
    json params = json::array();
    for (const char* p : {"dryRun", "fieldManager", "fieldValidation", "force"}) {
      params.push_back({{"name", p}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    }
    json op = {{"parameters", params},
               {"x-kubernetes-action", "patch"},
               {"x-kubernetes-group-version-kind", gvk},
               {"responses", {{"200", {{"description", "OK"}}}}}};
    paths[path] = {{"patch", op}, {"put", op}};
    paths[path]["put"]["x-kubernetes-action"] = "put";
  }
  if (paths.empty()) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
              {"paths", paths},
              {"components", {{"schemas", json::object()}}}};
}

json ResourceRegistry::CoreVersions() const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1:443"}}}}};
}

json ResourceRegistry::GroupList() const {
  json groups = json::array();
  for (const auto& g : GroupOrder(types_)) {
    std::vector<std::string> versions;
    for (const auto& t : types_) {
      if (t.group == g &&
          std::find(versions.begin(), versions.end(), t.version) == versions.end()) {
        versions.push_back(t.version);
      }
    }
    json vs = json::array();
    for (const auto& v : versions) vs.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
    groups.push_back({{"name", g}, {"versions", vs}, {"preferredVersion", vs[0]}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> ResourceRegistry::ResourceList(const std::string& group,
                                                   const std::string& version) const {
  json resources = json::array();
  for (const auto& t : types_) {
    if (t.group != group || t.version != version) continue;
    json r = {{"name", t.resource},
              {"singularName", t.singular},
              {"namespaced", t.namespaced},
              {"kind", t.kind},
              {"verbs", kVerbs},
              {"storageVersionHash", ""}};
    r.erase("storageVersionHash");
    if (!t.short_names.empty()) r["shortNames"] = t.short_names;
    if (!t.categories.empty()) r["categories"] = t.categories;
    resources.push_back(r);
    if (t.has_status) {
      resources.push_back({{"name", t.resource + "/status"},
                           {"singularName", ""},
                           {"namespaced", t.namespaced},
                           {"kind", t.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
    if (!t.scale_spec_path.empty()) {
      resources.push_back({{"name", t.resource + "/scale"},
                           {"singularName", ""},
                           {"namespaced", t.namespaced},
                           {"group", "autoscaling"},
                           {"version", "v1"},
                           {"kind", "Scale"},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", resources}};
}

}  // namespace logstack::kubetest
