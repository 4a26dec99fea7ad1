#include "operator/controller/mutate.h"

#include <algorithm>
#include <set>

#include "common/kube/object.h"
#include "common/kube/util.h"

namespace logstack::op::controller {

namespace {

std::string StrField(const Json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

bool AllObjects(const Json& arr) {
  return std::all_of(arr.begin(), arr.end(), [](const Json& e) { return e.is_object(); });
}

// The elements' "name" values when every element has a distinct string one.
std::optional<std::vector<std::string>> Names(const Json& arr) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& e : arr) {
    auto it = e.find("name");
    if (it == e.end() || !it->is_string()) return std::nullopt;
    if (!seen.insert(it->get<std::string>()).second) return std::nullopt;
    names.push_back(it->get<std::string>());
  }
  return names;
}

void MergeValue(const Json& d, Json& l);

void MergeArray(const Json& d, Json& l) {
  if (!l.is_array() || l.size() != d.size() || d.empty() || !AllObjects(d) || !AllObjects(l)) {
    l = d;
    return;
  }
  auto dn = Names(d);
  auto ln = Names(l);
  if (dn && ln &&
      std::set<std::string>(dn->begin(), dn->end()) ==
          std::set<std::string>(ln->begin(), ln->end())) {
    Json out = Json::array();
    for (size_t i = 0; i < d.size(); ++i) {
      size_t j = std::find(ln->begin(), ln->end(), (*dn)[i]) - ln->begin();
      Json e = l[j];
      MergeValue(d[i], e);
      out.push_back(std::move(e));
    }
    l = std::move(out);
    return;
  }
  for (size_t i = 0; i < d.size(); ++i) MergeValue(d[i], l[i]);
}

void MergeValue(const Json& d, Json& l) {
  if (d.is_object()) {
    if (!l.is_object()) {
      l = d;
      return;
    }
    for (auto it = d.begin(); it != d.end(); ++it) {
      const Json& dv = it.value();
      auto lit = l.find(it.key());
      if (dv.is_null()) {
        if (lit != l.end()) l.erase(lit);
        continue;
      }
      if (lit == l.end()) {
        if (!IsZeroValue(dv)) l[it.key()] = dv;
        continue;
      }
      MergeValue(dv, *lit);
    }
    return;
  }
  if (d.is_array()) {
    MergeArray(d, l);
    return;
  }
  l = d;
}

// Merges d[key] onto l[key] as MergeValue would for one member of an object.
void MergeMember(const Json& d, Json& l, const std::string& key) {
  Json dobj = Json::object();
  dobj[key] = d.at(key);
  MergeValue(dobj, l);
}

// True iff merging d[key] onto l would change l[key].
bool MemberDiffers(const Json& d, const Json& l, const std::string& key) {
  Json copy = l.is_object() ? l : Json::object();
  Json before = copy;
  MergeMember(d, copy, key);
  return copy != before;
}

// Merges the desired spec member by member, except `immutable` keys (or only
// the `mutable_keys` when that list is non-empty), which are compared and
// reported as drift.
void MergeSpec(const Json& d, Json& l, const std::set<std::string>& mutable_keys,
               const std::set<std::string>& immutable_keys, const std::string& path,
               std::vector<std::string>& drift) {
  if (!d.is_object()) {
    MergeValue(d, l);
    return;
  }
  if (!l.is_object()) l = Json::object();
  for (auto it = d.begin(); it != d.end(); ++it) {
    const std::string& key = it.key();
    bool is_mutable =
        mutable_keys.empty() ? immutable_keys.count(key) == 0 : mutable_keys.count(key) > 0;
    if (is_mutable) {
      MergeMember(d, l, key);
    } else if (MemberDiffers(d, l, key)) {
      drift.push_back(path + "." + key);
    }
  }
}

}  // namespace

bool IsZeroValue(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return true;
    case Json::value_t::boolean:
      return !v.get<bool>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return v.get<double>() == 0;
    case Json::value_t::string:
      return v.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object:
      return v.empty();
    default:
      return false;
  }
}

void MergeInto(const Json& desired, Json& live) { MergeValue(desired, live); }

bool Covers(const Json& live, const Json& desired) {
  Json copy = live;
  MergeValue(desired, copy);
  return copy == live;
}

Json NormalizeDesired(const Json& desired) {
  if (StrField(desired, "kind") != "Secret" || !desired.contains("stringData")) return desired;
  Json out = desired;
  const Json& sd = out["stringData"];
  if (sd.is_object()) {
    Json& data = out["data"];
    if (!data.is_object()) data = Json::object();
    for (auto it = sd.begin(); it != sd.end(); ++it) {
      if (it->is_string()) data[it.key()] = kube::Base64Encode(it->get<std::string>());
    }
  }
  out.erase("stringData");
  return out;
}

StatusOr<MutateResult> Mutate(const Json& desired_in, const Json& live) {
  const Json desired = NormalizeDesired(desired_in);
  MutateResult r;
  r.merged = live;
  const std::string kind = StrField(desired, "kind");
  const std::string what = kind + " " + kube::ObjectKey(live);

  // metadata: labels and annotations key-wise; our ownerReferences by uid.
  if (desired.contains("metadata") && desired["metadata"].is_object()) {
    const Json& dm = desired["metadata"];
    Json& lm = r.merged["metadata"];
    if (!lm.is_object()) lm = Json::object();
    for (const char* key : {"labels", "annotations"}) {
      if (dm.contains(key)) MergeMember(dm, lm, key);
    }
    if (dm.contains("ownerReferences") && dm["ownerReferences"].is_array()) {
      Json& refs = lm["ownerReferences"];
      if (!refs.is_array()) refs = Json::array();
      for (const auto& ref : dm["ownerReferences"]) {
        const std::string uid = StrField(ref, "uid");
        bool found = false;
        for (auto& lref : refs) {
          if (StrField(lref, "uid") == uid) {
            MergeValue(ref, lref);
            found = true;
          } else if (ref.value("controller", false) && lref.is_object() &&
                     lref.value("controller", false)) {
            return FailedPrecondition(what + " is controlled by " + StrField(lref, "kind") + " " +
                                      StrField(lref, "name") +
                                      "; the operator does not take objects over from another "
                                      "controller (delete it or rename the LogStack)");
          }
        }
        if (!found) refs.push_back(ref);
      }
    }
  }

  const bool live_immutable = live.is_object() && live.value("immutable", false);
  for (auto it = desired.begin(); it != desired.end(); ++it) {
    const std::string& key = it.key();
    if (key == "apiVersion" || key == "kind" || key == "metadata" || key == "status") continue;
    if (key == "spec" && kind == "StatefulSet") {
      MergeSpec(*it, r.merged["spec"],
                {"replicas", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                 "minReadySeconds", "ordinals"},
                {}, "spec", r.immutable_drift);
    } else if (key == "spec" && (kind == "Deployment" || kind == "DaemonSet")) {
      MergeSpec(*it, r.merged["spec"], {}, {"selector"}, "spec", r.immutable_drift);
    } else if (key == "spec" && kind == "Service") {
      // clusterIP(s) are allocated once; only a live object without one takes ours.
      std::set<std::string> immutable;
      const Json& ls = live.is_object() && live.contains("spec") ? live["spec"] : Json();
      for (const char* f : {"clusterIP", "clusterIPs"}) {
        if (ls.is_object() && ls.contains(f) && !IsZeroValue(ls[f])) immutable.insert(f);
      }
      MergeSpec(*it, r.merged["spec"], {}, immutable, "spec", r.immutable_drift);
    } else if (live_immutable && (key == "data" || key == "binaryData")) {
      if (MemberDiffers(desired, r.merged, key)) r.immutable_drift.push_back(key);
    } else {
      MergeMember(desired, r.merged, key);
    }
  }
  r.changed = r.merged != live;
  return r;
}

}  // namespace logstack::op::controller
