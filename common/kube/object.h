#pragma once

// Typed helpers over nlohmann::json Kubernetes objects, for the few fields
// every controller touches: metadata, owner references and conditions
// (metav1.Condition). Accessors return empty values for absent fields and
// never throw, whatever the JSON holds.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace logstack::kube {

using Json = nlohmann::json;

std::string Name(const Json& obj);
std::string Namespace(const Json& obj);
std::string Uid(const Json& obj);
std::string ResourceVersion(const Json& obj);
int64_t Generation(const Json& obj);
std::map<std::string, std::string> Labels(const Json& obj);
std::map<std::string, std::string> Annotations(const Json& obj);
// True when metadata.deletionTimestamp is set.
bool IsDeleting(const Json& obj);
// "ns/name", or "name" for cluster-scoped objects: the cache and queue key.
std::string ObjectKey(const Json& obj);

void SetLabel(Json& obj, std::string_view key, std::string_view value);
void SetAnnotation(Json& obj, std::string_view key, std::string_view value);

// Adds (or replaces, by uid) an ownerReference to `owner` on `obj`.
// `controller` marks it as the managing controller; blockOwnerDeletion is set
// with it, as controllers do.
void SetOwnerReference(Json& obj, const Json& owner, bool controller = true);
bool IsOwnedBy(const Json& obj, std::string_view owner_uid);

// metav1.Condition in status.conditions.
struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;
  std::string last_transition_time;
};
std::optional<Condition> GetCondition(const Json& obj, std::string_view type);
// Sets a condition; lastTransitionTime moves to `now_nanos` only when the
// status changes (or the condition is new). Returns true iff anything changed.
bool SetCondition(Json& obj, const Condition& c, int64_t now_nanos);

// Drops metadata.managedFields (the informer keeps its cache lean).
void StripManagedFields(Json& obj);

}  // namespace logstack::kube
