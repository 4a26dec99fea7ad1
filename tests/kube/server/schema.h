#pragma once

// Structural OpenAPI v3 schemas of CustomResourceDefinitions: what the API
// server does with a custom resource before storing it.
//
//   Prune        drops fields the schema does not name (unless
//                x-kubernetes-preserve-unknown-fields or additionalProperties
//                allow them); apiVersion, kind and metadata at the root stay.
//   ApplyDefaults fills `default` values of absent properties, top-down.
//   Validate     type, nullable, required, enum, pattern (ECMA regex via
//                std::regex), minimum/maximum (+exclusive), minLength/maxLength,
//                minItems/maxItems, uniqueItems, minProperties/maxProperties,
//                x-kubernetes-int-or-string.
//
//   x-kubernetes-validations  CEL rules, evaluated by tests/kube/server/cel.h
//                after the checks above (skipped when a value has the wrong
//                type, as a real server does).
//
// Not implemented: format checks, oneOf/anyOf/allOf/not, x-kubernetes-list-type
// map keys, CEL cost estimation.
//
// Thread safety: pure functions.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace logstack::kubetest {

// One entry of a Status's details.causes.
struct FieldCause {
  std::string reason;   // FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, ...
  std::string message;  // e.g. "Required value"
  std::string field;    // e.g. "spec.replicas"
};

// `path` is "" at the root of the object; the dotted paths of dropped fields
// are appended to `pruned` when it is not null.
void Prune(const nlohmann::json& schema, nlohmann::json& value, const std::string& path,
           std::vector<std::string>* pruned);
void ApplyDefaults(const nlohmann::json& schema, nlohmann::json& value);
std::vector<FieldCause> Validate(const nlohmann::json& schema, const nlohmann::json& value,
                                 const std::string& path);

// Prune, default and validate a whole custom resource against the CRD
// version's openAPIV3Schema, then evaluate its CEL rules; `old_object` is the
// stored object on update (null on create), for transition rules (oldSelf).
// Returns the causes (empty when valid).
std::vector<FieldCause> PrepareCustomResource(const nlohmann::json& schema, nlohmann::json& object,
                                              std::vector<std::string>* pruned = nullptr,
                                              const nlohmann::json* old_object = nullptr);

}  // namespace logstack::kubetest
