#include "common/kube/object.h"

#include "common/go/time.h"
#include "common/kube/util.h"

namespace logstack::kube {

namespace {
const Json* Meta(const Json& obj) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}
std::string MetaString(const Json& obj, const char* key) {
  const Json* m = Meta(obj);
  if (m == nullptr) return "";
  auto it = m->find(key);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}
std::map<std::string, std::string> MetaMap(const Json& obj, const char* key) {
  std::map<std::string, std::string> out;
  const Json* m = Meta(obj);
  if (m == nullptr) return out;
  auto it = m->find(key);
  if (it == m->end() || !it->is_object()) return out;
  for (auto& [k, v] : it->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}
Json& MutableMeta(Json& obj) {
  if (!obj.is_object()) obj = Json::object();
  Json& m = obj["metadata"];
  if (!m.is_object()) m = Json::object();
  return m;
}
std::string Str(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}
}  // namespace

std::string Name(const Json& obj) { return MetaString(obj, "name"); }
std::string Namespace(const Json& obj) { return MetaString(obj, "namespace"); }
std::string Uid(const Json& obj) { return MetaString(obj, "uid"); }
std::string ResourceVersion(const Json& obj) { return MetaString(obj, "resourceVersion"); }
int64_t Generation(const Json& obj) {
  const Json* m = Meta(obj);
  if (m == nullptr) return 0;
  auto it = m->find("generation");
  return it != m->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
std::map<std::string, std::string> Labels(const Json& obj) { return MetaMap(obj, "labels"); }
std::map<std::string, std::string> Annotations(const Json& obj) {
  return MetaMap(obj, "annotations");
}
bool IsDeleting(const Json& obj) { return !MetaString(obj, "deletionTimestamp").empty(); }
std::string ObjectKey(const Json& obj) {
  std::string ns = Namespace(obj);
  return ns.empty() ? Name(obj) : ns + "/" + Name(obj);
}

void SetLabel(Json& obj, std::string_view key, std::string_view value) {
  Json& l = MutableMeta(obj)["labels"];
  if (!l.is_object()) l = Json::object();
  l[std::string(key)] = std::string(value);
}
void SetAnnotation(Json& obj, std::string_view key, std::string_view value) {
  Json& a = MutableMeta(obj)["annotations"];
  if (!a.is_object()) a = Json::object();
  a[std::string(key)] = std::string(value);
}

void SetOwnerReference(Json& obj, const Json& owner, bool controller) {
  Json ref = {{"apiVersion", owner.is_object() ? Str(owner, "apiVersion") : ""},
              {"kind", owner.is_object() ? Str(owner, "kind") : ""},
              {"name", Name(owner)},
              {"uid", Uid(owner)}};
  if (controller) {
    ref["controller"] = true;
    ref["blockOwnerDeletion"] = true;
  }
  Json& refs = MutableMeta(obj)["ownerReferences"];
  if (!refs.is_array()) refs = Json::array();
  for (auto& r : refs) {
    if (r.is_object() && Str(r, "uid") == Uid(owner)) {
      r = ref;
      return;
    }
  }
  refs.push_back(std::move(ref));
}

bool IsOwnedBy(const Json& obj, std::string_view owner_uid) {
  const Json* m = Meta(obj);
  if (m == nullptr) return false;
  auto it = m->find("ownerReferences");
  if (it == m->end() || !it->is_array()) return false;
  for (const auto& r : *it) {
    if (r.is_object() && Str(r, "uid") == owner_uid) return true;
  }
  return false;
}

std::optional<Condition> GetCondition(const Json& obj, std::string_view type) {
  if (!obj.is_object()) return std::nullopt;
  auto st = obj.find("status");
  if (st == obj.end() || !st->is_object()) return std::nullopt;
  auto conds = st->find("conditions");
  if (conds == st->end() || !conds->is_array()) return std::nullopt;
  for (const auto& c : *conds) {
    if (!c.is_object() || Str(c, "type") != type) continue;
    Condition out;
    out.type = Str(c, "type");
    out.status = Str(c, "status");
    out.reason = Str(c, "reason");
    out.message = Str(c, "message");
    out.last_transition_time = Str(c, "lastTransitionTime");
    auto g = c.find("observedGeneration");
    if (g != c.end() && g->is_number_integer()) out.observed_generation = g->get<int64_t>();
    return out;
  }
  return std::nullopt;
}

bool SetCondition(Json& obj, const Condition& c, int64_t now_nanos) {
  if (!obj.is_object()) obj = Json::object();
  Json& st = obj["status"];
  if (!st.is_object()) st = Json::object();
  Json& conds = st["conditions"];
  if (!conds.is_array()) conds = Json::array();
  Json* existing = nullptr;
  for (auto& e : conds) {
    if (e.is_object() && Str(e, "type") == c.type) existing = &e;
  }
  Json next = {{"type", c.type},
               {"status", c.status},
               {"reason", c.reason},
               {"message", c.message},
               {"observedGeneration", c.observed_generation}};
  if (existing != nullptr && Str(*existing, "status") == c.status &&
      !Str(*existing, "lastTransitionTime").empty()) {
    next["lastTransitionTime"] = Str(*existing, "lastTransitionTime");
  } else {
    next["lastTransitionTime"] = go::FormatRfc3339(now_nanos);
  }
  if (existing != nullptr) {
    if (*existing == next) return false;
    *existing = std::move(next);
  } else {
    conds.push_back(std::move(next));
  }
  return true;
}

void StripManagedFields(Json& obj) {
  if (!obj.is_object()) return;
  auto m = obj.find("metadata");
  if (m != obj.end() && m->is_object()) m->erase("managedFields");
}

}  // namespace logstack::kube
