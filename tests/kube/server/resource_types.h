#pragma once

// The resource types the test server serves: a table of built-in types plus
// the custom resources registered from CustomResourceDefinitions, and the
// discovery documents (/api, /api/v1, /apis, /apis/<group>/<version>) built
// from them.
//
// Thread safety: ResourceRegistry is not synchronised; the ApiServer guards it
// with its own mutex.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace logstack::kubetest {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, e.g. "deployments"
  std::string singular;
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool has_status = false;                   // serves the /status subresource
  bool has_generation = false;               // metadata.generation tracks spec changes
  bool custom = false;                       // served from a CRD
  nlohmann::json schema;                     // openAPIV3Schema of a custom resource (null if none)
  std::vector<std::string> field_selectors;  // fields a fieldSelector may name, besides metadata.*
  // The /scale subresource (autoscaling/v1 Scale) when scale_spec_path is set:
  // JSONPaths like ".spec.replicas". An empty selector path means "the
  // object's spec.selector.matchLabels" (deployments, statefulsets).
  std::string scale_spec_path;
  std::string scale_status_path;
  std::string scale_selector_path;
  // additionalPrinterColumns of a custom resource version (Table output).
  nlohmann::json printer_columns;

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // Key of the stored collection: versions of one group/resource share storage.
  std::string StorageKey() const { return group + "/" + resource; }
};

class ResourceRegistry {
 public:
  ResourceRegistry();  // with the built-in types

  const ResourceType* Find(const std::string& group, const std::string& version,
                           const std::string& resource) const;
  // Every served version of a group/resource.
  std::vector<const ResourceType*> Versions(const std::string& group,
                                            const std::string& resource) const;

  // Registers (or replaces) the custom resource types of a CRD object. Returns
  // the storage key. Returns "" when the CRD is not usable.
  std::string RegisterCrd(const nlohmann::json& crd);
  // Removes the types of a CRD; returns the storage key they used.
  std::string UnregisterCrd(const nlohmann::json& crd);

  // A minimal OpenAPI v3: the index (/openapi/v3) and one document per
  // group/version with a PATCH operation per kind that declares the
  // fieldValidation parameter, which is what kubectl looks for before it
  // leaves validation to the server. No schemas.
  nlohmann::json OpenApiIndex() const;
  std::optional<nlohmann::json> OpenApiDoc(const std::string& group,
                                           const std::string& version) const;

  nlohmann::json CoreVersions() const;  // /api
  nlohmann::json GroupList() const;     // /apis
  std::optional<nlohmann::json> ResourceList(const std::string& group,
                                             const std::string& version) const;

 private:
  void Add(ResourceType t);
  std::vector<ResourceType> types_;
};

}  // namespace logstack::kubetest
