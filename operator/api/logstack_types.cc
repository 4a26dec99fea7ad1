#include "operator/api/logstack_types.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "collector/pipeline/pipeline.h"

namespace logstack::op {

namespace {

// ---------------------------------------------------------------------------
// Patterns (the CRD states the same ones).

const RE2& VersionRe() {
  static const RE2 re(R"(^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$)");
  return re;
}
const RE2& TenantRe() {
  static const RE2 re(R"(^[a-zA-Z0-9!._*'()-]{0,150}$)");
  return re;
}
// Loki's model.Duration: Go units plus d, w, y.
const RE2& DurationRe() {
  static const RE2 re(R"(^(([0-9]+(\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d|w|y))+$|^0$)");
  return re;
}
const RE2& LineSizeRe() {
  static const RE2 re(R"(^([0-9]+)(B|KB|MB|KiB|MiB)?$)");
  return re;
}
const RE2& DnsLabelRe() {
  static const RE2 re(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)");
  return re;
}
const RE2& Dns1035Re() {
  static const RE2 re(R"(^[a-z]([-a-z0-9]*[a-z0-9])?$)");
  return re;
}
const RE2& DnsSubdomainRe() {
  static const RE2 re(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  return re;
}
const RE2& LabelValueRe() {
  static const RE2 re(R"(^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$)");
  return re;
}
const RE2& QualifiedNameRe() {
  static const RE2 re(R"(^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$)");
  return re;
}
// A Kubernetes quantity: a decimal number and a suffix (binary, decimal or an exponent).
const RE2& QuantityRe() {
  static const RE2 re(
      R"(^([+-]?[0-9]+(\.[0-9]*)?|[+-]?\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$)");
  return re;
}
const RE2& UrlRe() {
  static const RE2 re(R"(^https?://[^/?#\s@]+(/[^\s]*)?$)");
  return re;
}

// The value of a quantity in its base unit (bytes, cores), or nullopt.
std::optional<double> QuantityValue(const Json& q) {
  if (q.is_number()) return q.get<double>();
  if (!q.is_string()) return std::nullopt;
  std::string number, fraction, suffix;
  const std::string& s = q.get_ref<const std::string&>();
  if (!RE2::FullMatch(s, QuantityRe(), &number, &fraction, &suffix)) return std::nullopt;
  double v = std::strtod(number.c_str(), nullptr);
  static const std::map<std::string, double> kSuffix = {
      {"", 1},         {"n", 1e-9},    {"u", 1e-6},    {"m", 1e-3},   {"k", 1e3},   {"M", 1e6},
      {"G", 1e9},      {"T", 1e12},    {"P", 1e15},    {"E", 1e18},   {"Ki", 1024}, {"Mi", 1 << 20},
      {"Gi", 1 << 30}, {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60}};
  auto it = kSuffix.find(suffix);
  if (it != kSuffix.end()) return v * it->second;
  return v * std::pow(10.0, std::strtod(suffix.c_str() + 1, nullptr));  // e/E exponent
}

// Go-style duration (with Loki's d/w/y) in seconds; nullopt when malformed.
std::optional<double> DurationSeconds(const std::string& s) {
  if (!RE2::FullMatch(s, DurationRe())) return std::nullopt;
  if (s == "0") return 0;
  static const std::map<std::string, double> kUnit = {
      {"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3},  {"s", 1},
      {"m", 60},    {"h", 3600},  {"d", 86400}, {"w", 604800}, {"y", 31536000}};
  double total = 0;
  re2::StringPiece in(s);
  static const RE2 part(R"(([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d|w|y))");
  std::string num, unit;
  while (RE2::Consume(&in, part, &num, &unit))
    total += std::strtod(num.c_str(), nullptr) * kUnit.at(unit);
  return total;
}

// ---------------------------------------------------------------------------
// A walker over the user's JSON that records every problem with its path and
// knows which fields the user set (presets fill only the others).

class Reader {
 public:
  explicit Reader(std::vector<FieldError>& errors) : errors_(errors) {}

  void Error(const std::string& path, const std::string& message) {
    errors_.push_back({path, message});
  }

  // `obj[key]` when present and of the wanted kind; records a type error otherwise.
  const Json* Field(const Json& obj, const std::string& path, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  // Reports keys of `obj` that are not in `known` (the API server prunes them;
  // a file given to `render` gets told).
  void Known(const Json& obj, const std::string& path, std::initializer_list<const char*> known) {
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.items()) {
      bool ok = std::any_of(known.begin(), known.end(), [&](const char* n) { return k == n; });
      if (!ok) Error(Join(path, k), "unknown field");
    }
  }

  bool Object(const Json* v, const std::string& path) {
    if (!v) return false;
    if (!v->is_object()) {
      Error(path, "must be an object, got " + TypeName(*v));
      return false;
    }
    return true;
  }

  std::optional<std::string> String(const Json& obj, const std::string& parent, const char* key) {
    const Json* v = Field(obj, parent, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      Error(Join(parent, key), "must be a string, got " + TypeName(*v));
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::optional<bool> Bool(const Json& obj, const std::string& parent, const char* key) {
    const Json* v = Field(obj, parent, key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) {
      Error(Join(parent, key), "must be a boolean, got " + TypeName(*v));
      return std::nullopt;
    }
    return v->get<bool>();
  }

  std::optional<int64_t> Int(const Json& obj, const std::string& parent, const char* key,
                             int64_t min, int64_t max) {
    const Json* v = Field(obj, parent, key);
    if (!v) return std::nullopt;
    const std::string path = Join(parent, key);
    if (!v->is_number_integer() &&
        !(v->is_number_float() && std::trunc(v->get<double>()) == v->get<double>())) {
      Error(path, "must be an integer, got " + TypeName(*v));
      return std::nullopt;
    }
    int64_t n = v->is_number_integer() ? v->get<int64_t>() : static_cast<int64_t>(v->get<double>());
    if (n < min || n > max) {
      Error(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      ", got " + std::to_string(n));
      return std::nullopt;
    }
    return n;
  }

  std::optional<double> Number(const Json& obj, const std::string& parent, const char* key,
                               double exclusive_min, double max) {
    const Json* v = Field(obj, parent, key);
    if (!v) return std::nullopt;
    const std::string path = Join(parent, key);
    if (!v->is_number()) {
      Error(path, "must be a number, got " + TypeName(*v));
      return std::nullopt;
    }
    double d = v->get<double>();
    if (!(d > exclusive_min) || d > max) {
      Error(path, "must be greater than " + Num(exclusive_min) + " and at most " + Num(max) +
                      ", got " + Num(d));
      return std::nullopt;
    }
    return d;
  }

  // A map of strings (labels, annotations, node selectors).
  std::optional<std::map<std::string, std::string>> StringMap(const Json& obj,
                                                              const std::string& parent,
                                                              const char* key, size_t max_items,
                                                              bool label_values) {
    const Json* v = Field(obj, parent, key);
    const std::string path = Join(parent, key);
    if (!Object(v, path)) return std::nullopt;
    if (v->size() > max_items) {
      Error(path, "must have at most " + std::to_string(max_items) + " entries");
    }
    std::map<std::string, std::string> out;
    for (const auto& [k, val] : v->items()) {
      if (!val.is_string()) {
        Error(Join(path, k), "must be a string, got " + TypeName(val));
        continue;
      }
      if (!ValidKey(k)) {
        Error(Join(path, k),
              "is not a valid label or annotation key (prefix/name, name at most 63 "
              "characters of [A-Za-z0-9-_.])");
      }
      if (label_values && (val.get_ref<const std::string&>().size() > 63 ||
                           !RE2::FullMatch(val.get<std::string>(), LabelValueRe()))) {
        Error(Join(path, k),
              "is not a valid label value (at most 63 characters of [A-Za-z0-9-_.], "
              "starting and ending with an alphanumeric)");
      }
      out[k] = val.get<std::string>();
    }
    return out;
  }

  // A list of DNS labels (namespace names), unique.
  std::vector<std::string> NamespaceList(const Json& obj, const std::string& parent,
                                         const char* key) {
    std::vector<std::string> out;
    const Json* v = Field(obj, parent, key);
    if (!v) return out;
    const std::string path = Join(parent, key);
    if (!v->is_array()) {
      Error(path, "must be a list of namespace names, got " + TypeName(*v));
      return out;
    }
    if (v->size() > 100) Error(path, "must have at most 100 items");
    std::set<std::string> seen;
    for (size_t i = 0; i < v->size(); ++i) {
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      const Json& n = (*v)[i];
      if (!n.is_string()) {
        Error(item_path, "must be a string, got " + TypeName(n));
        continue;
      }
      const std::string& s = n.get_ref<const std::string&>();
      if (s.size() > 63 || !RE2::FullMatch(s, DnsLabelRe())) {
        Error(item_path, "\"" + s + "\" is not a valid namespace name (a DNS label)");
        continue;
      }
      if (!seen.insert(s).second) {
        Error(item_path, "duplicate namespace \"" + s + "\"");
        continue;
      }
      out.push_back(s);
    }
    return out;
  }

  // metav1.LabelSelector.
  void LabelSelector(const Json& sel, const std::string& path) {
    if (!sel.is_object()) {
      Error(path, "must be a label selector object, got " + TypeName(sel));
      return;
    }
    Known(sel, path, {"matchLabels", "matchExpressions"});
    (void)StringMap(sel, path, "matchLabels", 64, true);
    const Json* exprs = Field(sel, path, "matchExpressions");
    if (!exprs) return;
    const std::string epath = Join(path, "matchExpressions");
    if (!exprs->is_array()) {
      Error(epath, "must be a list, got " + TypeName(*exprs));
      return;
    }
    for (size_t i = 0; i < exprs->size(); ++i) {
      const Json& e = (*exprs)[i];
      const std::string p = epath + "[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        Error(p, "must be an object");
        continue;
      }
      Known(e, p, {"key", "operator", "values"});
      auto k = String(e, p, "key");
      if (!k || k->empty()) Error(Join(p, "key"), "is required");
      auto op = String(e, p, "operator");
      const Json* values = Field(e, p, "values");
      size_t nvalues = values && values->is_array() ? values->size() : 0;
      if (values && !values->is_array()) Error(Join(p, "values"), "must be a list of strings");
      if (!op) {
        Error(Join(p, "operator"), "is required (In, NotIn, Exists or DoesNotExist)");
      } else if (*op == "In" || *op == "NotIn") {
        if (nvalues == 0) Error(Join(p, "values"), "must not be empty for operator " + *op);
      } else if (*op == "Exists" || *op == "DoesNotExist") {
        if (nvalues != 0) Error(Join(p, "values"), "must be empty for operator " + *op);
      } else {
        Error(Join(p, "operator"),
              "must be In, NotIn, Exists or DoesNotExist, got \"" + *op + "\"");
      }
    }
  }

  // corev1.ResourceRequirements: limits and requests of quantities.
  Json Resources(const Json& obj, const std::string& parent, const char* key) {
    const Json* v = Field(obj, parent, key);
    const std::string path = Join(parent, key);
    if (!Object(v, path)) return Json::object();
    Known(*v, path, {"limits", "requests", "claims"});
    for (const char* part : {"limits", "requests"}) {
      const Json* m = Field(*v, path, part);
      const std::string mpath = Join(path, part);
      if (!Object(m, mpath)) continue;
      for (const auto& [name, q] : m->items()) {
        if (!QuantityValue(q) || (q.is_string() && q.get_ref<const std::string&>().empty())) {
          Error(Join(mpath, name), "is not a quantity (e.g. 500m, 1, 256Mi, 1Gi), got " + q.dump());
        } else if (*QuantityValue(q) < 0) {
          Error(Join(mpath, name), "must not be negative");
        }
      }
    }
    return *v;
  }

  static std::string Join(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }

 private:
  static std::string TypeName(const Json& v) {
    switch (v.type()) {
      case Json::value_t::object:
        return "an object";
      case Json::value_t::array:
        return "a list";
      case Json::value_t::string:
        return "a string";
      case Json::value_t::boolean:
        return "a boolean";
      case Json::value_t::null:
        return "null";
      default:
        return "a number";
    }
  }
  static std::string Num(double d) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", d);
    return buf;
  }
  static bool ValidKey(const std::string& k) {
    auto slash = k.find('/');
    std::string name = slash == std::string::npos ? k : k.substr(slash + 1);
    if (slash != std::string::npos) {
      std::string prefix = k.substr(0, slash);
      if (prefix.empty() || prefix.size() > 253 || !RE2::FullMatch(prefix, DnsSubdomainRe())) {
        return false;
      }
    }
    return !name.empty() && name.size() <= 63 && RE2::FullMatch(name, QualifiedNameRe());
  }

  std::vector<FieldError>& errors_;
};

// ---------------------------------------------------------------------------
// Presets.

struct Preset {
  const char* storage;
  Json store_resources, collector_resources, grafana_resources;
  double rate, burst;
};

const Preset& PresetFor(Size s) {
  static const Json grafana = {{"requests", {{"cpu", "50m"}, {"memory", "128Mi"}}},
                               {"limits", {{"memory", "512Mi"}}}};
  static const Preset kSmall{
      "10Gi",
      {{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}, {"limits", {{"memory", "1Gi"}}}},
      {{"requests", {{"cpu", "50m"}, {"memory", "64Mi"}}}, {"limits", {{"memory", "256Mi"}}}},
      grafana,
      4,
      6};
  static const Preset kMedium{
      "50Gi",
      {{"requests", {{"cpu", "500m"}, {"memory", "1Gi"}}}, {"limits", {{"memory", "4Gi"}}}},
      {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}, {"limits", {{"memory", "512Mi"}}}},
      grafana,
      10,
      20};
  static const Preset kLarge{
      "200Gi",
      {{"requests", {{"cpu", "2"}, {"memory", "4Gi"}}}, {"limits", {{"memory", "16Gi"}}}},
      {{"requests", {{"cpu", "200m"}, {"memory", "256Mi"}}}, {"limits", {{"memory", "1Gi"}}}},
      grafana,
      50,
      100};
  switch (s) {
    case Size::kMedium:
      return kMedium;
    case Size::kLarge:
      return kLarge;
    default:
      return kSmall;
  }
}

// The preset's resources with the user's keys on top, per key of requests and
// limits. A request the preset gives above a limit the user set is lowered to
// that limit, so the pod stays valid (requests may not exceed limits).
Json MergeResources(const Json& preset, const Json& user) {
  Json out = preset;
  for (const auto& [part, m] : user.items()) {
    if (!m.is_object()) {
      out[part] = m;
      continue;
    }
    for (const auto& [name, q] : m.items()) out[part][name] = q;
  }
  if (out.contains("limits") && out.contains("requests")) {
    for (auto& [name, req] : out["requests"].items()) {
      bool user_request = user.contains("requests") && user["requests"].contains(name);
      if (user_request || !out["limits"].contains(name)) continue;
      auto r = QuantityValue(req), l = QuantityValue(out["limits"][name]);
      if (r && l && *r > *l) req = out["limits"][name];
    }
  }
  return out;
}

void ReadPod(Reader& r, const Json& obj, const std::string& path, PodOptions& pod,
             const Json& preset_resources) {
  if (auto image = r.String(obj, path, "image")) pod.image = *image;
  Json user_resources = r.Resources(obj, path, "resources");
  pod.resources = MergeResources(preset_resources, user_resources);
  if (auto ns = r.StringMap(obj, path, "nodeSelector", 64, true)) pod.node_selector = *ns;
  if (const Json* t = r.Field(obj, path, "tolerations")) {
    const std::string tpath = Reader::Join(path, "tolerations");
    if (!t->is_array()) {
      r.Error(tpath, "must be a list of tolerations");
    } else {
      for (size_t i = 0; i < t->size(); ++i) {
        const Json& tol = (*t)[i];
        const std::string p = tpath + "[" + std::to_string(i) + "]";
        if (!tol.is_object()) {
          r.Error(p, "must be an object");
          continue;
        }
        r.Known(tol, p, {"key", "operator", "value", "effect", "tolerationSeconds"});
        auto op = r.String(tol, p, "operator");
        if (op && *op != "Exists" && *op != "Equal") {
          r.Error(Reader::Join(p, "operator"), "must be Exists or Equal, got \"" + *op + "\"");
        }
        auto effect = r.String(tol, p, "effect");
        if (effect && !effect->empty() && *effect != "NoSchedule" &&
            *effect != "PreferNoSchedule" && *effect != "NoExecute") {
          r.Error(Reader::Join(p, "effect"),
                  "must be NoSchedule, PreferNoSchedule or NoExecute, got \"" + *effect + "\"");
        }
      }
      pod.tolerations = *t;
    }
  }
  if (const Json* a = r.Field(obj, path, "affinity")) {
    if (r.Object(a, Reader::Join(path, "affinity"))) {
      r.Known(*a, Reader::Join(path, "affinity"),
              {"nodeAffinity", "podAffinity", "podAntiAffinity"});
      pod.affinity = *a;
    }
  }
  if (auto pc = r.String(obj, path, "priorityClassName")) {
    if (!pc->empty() && (pc->size() > 253 || !RE2::FullMatch(*pc, DnsSubdomainRe()))) {
      r.Error(Reader::Join(path, "priorityClassName"), "is not a valid PriorityClass name");
    }
    pod.priority_class_name = *pc;
  }
  if (auto l = r.StringMap(obj, path, "podLabels", 32, true)) pod.pod_labels = *l;
  if (auto a = r.StringMap(obj, path, "podAnnotations", 32, false)) pod.pod_annotations = *a;
}

// JSON (as the API server stores the spec) to the YAML node the collector's
// pipeline parser reads; scalars keep their text.
YAML::Node ToYamlNode(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      YAML::Node n(YAML::NodeType::Map);
      for (const auto& [k, v] : j.items()) n[k] = ToYamlNode(v);
      return n;
    }
    case Json::value_t::array: {
      YAML::Node n(YAML::NodeType::Sequence);
      for (const auto& v : j) n.push_back(ToYamlNode(v));
      return n;
    }
    case Json::value_t::string:
      return YAML::Node(j.get<std::string>());
    case Json::value_t::null:
    case Json::value_t::discarded:
      return YAML::Node(YAML::NodeType::Null);
    default:
      return YAML::Node(j.dump());
  }
}

// spec.collector.pipeline: a list of one-key objects that the collector's own
// parser accepts (so a bad stage is reported here, on the LogStack's status,
// before anything rolls out). Time zone names are not looked up: the
// operator's image need not carry the zoneinfo files the collector reads.
void ReadPipeline(Reader& r, const Json& c, const std::string& parent, CollectorSpec& col) {
  const Json* v = r.Field(c, parent, "pipeline");
  if (!v) return;
  const std::string path = Reader::Join(parent, "pipeline");
  if (!v->is_array()) {
    r.Error(path, "must be a list of pipeline stages, each {<stage>: <config>}");
    return;
  }
  if (v->size() > 100) {
    r.Error(path, "must have at most 100 stages");
    return;
  }
  collector::PipelineOptions options;
  options.load_time_zones = false;
  Status st;
  try {
    st = collector::ValidatePipelineStages(ToYamlNode(*v), options);
  } catch (const std::exception& e) {
    st = InvalidArgument(std::string("pipeline_stages: ") + e.what());
  }
  if (!st.ok()) {
    // "pipeline_stages[2]: unknown stage ..." -> field spec.collector.pipeline[2].
    const std::string& msg = st.message();
    constexpr std::string_view kPrefix = "pipeline_stages";
    size_t colon = msg.find(": ");
    if (msg.rfind(kPrefix, 0) == 0 && colon != std::string::npos) {
      r.Error(path + msg.substr(kPrefix.size(), colon - kPrefix.size()), msg.substr(colon + 2));
    } else {
      r.Error(path, msg);
    }
    return;
  }
  col.pipeline = *v;
}

// Parses into `out`; every problem goes to `errors`.
void Parse(const Json& object, const OperatorDefaults& defaults, LogStack& out,
           std::vector<FieldError>& errors) {
  Reader r(errors);
  if (!object.is_object()) {
    r.Error("", "a LogStack must be a JSON/YAML object");
    return;
  }
  if (auto api = r.String(object, "", "apiVersion"); api && *api != kApiVersion) {
    r.Error("apiVersion", "must be " + std::string(kApiVersion) + ", got \"" + *api + "\"");
  }
  if (auto kind = r.String(object, "", "kind"); kind && *kind != kKind) {
    r.Error("kind", "must be LogStack, got \"" + *kind + "\"");
  }
  const Json* meta = r.Field(object, "", "metadata");
  if (!r.Object(meta, "metadata")) {
    r.Error("metadata.name", "is required");
  } else {
    auto name = r.String(*meta, "metadata", "name");
    if (!name || name->empty()) {
      r.Error("metadata.name", "is required");
    } else if (name->size() > 40 || !RE2::FullMatch(*name, Dns1035Re())) {
      // <name>-logstore-headless must be a Service name (a DNS-1035 label of
      // at most 63) and <name>-logstore-0 a pod's hostname.
      r.Error("metadata.name",
              "\"" + *name +
                  "\" must be a lowercase DNS label starting with a letter, at most 40 characters "
                  "(object names such as <name>-logstore-headless derive from it)");
    } else {
      out.meta.name = *name;
    }
    out.meta.namespace_ = r.String(*meta, "metadata", "namespace").value_or("default");
    out.meta.uid = r.String(*meta, "metadata", "uid").value_or("");
    if (const Json* g = r.Field(*meta, "metadata", "generation"); g && g->is_number_integer()) {
      out.meta.generation = g->get<int64_t>();
    }
  }

  Json empty = Json::object();
  const Json* spec_p = r.Field(object, "", "spec");
  if (spec_p && !r.Object(spec_p, "spec")) return;
  const Json& spec = spec_p ? *spec_p : empty;
  const std::string sp = "spec";
  r.Known(spec, sp,
          {"version", "size", "tenant", "upgrade", "labels", "annotations", "logstore", "collector",
           "grafana", "networkPolicy"});
  LogStackSpec& s = out.spec;

  s.version = r.String(spec, sp, "version").value_or("");
  if (!s.version.empty() && !RE2::FullMatch(s.version, VersionRe())) {
    r.Error("spec.version", "\"" + s.version + "\" is not a version like 0.1.0");
  }
  if (s.version.empty()) s.version = defaults.version;

  if (auto size = r.String(spec, sp, "size")) {
    if (*size == "small") {
      s.size = Size::kSmall;
    } else if (*size == "medium") {
      s.size = Size::kMedium;
    } else if (*size == "large") {
      s.size = Size::kLarge;
    } else {
      r.Error("spec.size", "must be small, medium or large, got \"" + *size + "\"");
    }
  }
  const Preset& preset = PresetFor(s.size);

  s.tenant = r.String(spec, sp, "tenant").value_or("");
  if (!RE2::FullMatch(s.tenant, TenantRe()) || s.tenant == "." || s.tenant == "..") {
    r.Error("spec.tenant",
            "\"" + s.tenant +
                "\" is not a valid tenant ID (at most 150 of [a-zA-Z0-9!._*'()-], not . or ..)");
  }
  if (s.tenant.empty()) s.tenant = out.meta.namespace_ + "." + out.meta.name;

  if (const Json* up = r.Field(spec, sp, "upgrade"); r.Object(up, "spec.upgrade")) {
    r.Known(*up, "spec.upgrade", {"policy"});
    if (auto p = r.String(*up, "spec.upgrade", "policy")) {
      if (*p == "Automatic") {
        s.upgrade_policy = UpgradePolicy::kAutomatic;
      } else if (*p == "Manual") {
        s.upgrade_policy = UpgradePolicy::kManual;
      } else {
        r.Error("spec.upgrade.policy", "must be Automatic or Manual, got \"" + *p + "\"");
      }
    }
  }
  if (auto l = r.StringMap(spec, sp, "labels", 32, true)) s.labels = *l;
  if (auto a = r.StringMap(spec, sp, "annotations", 32, false)) s.annotations = *a;

  // --- logstore
  {
    const std::string p = "spec.logstore";
    const Json* ls_p = r.Field(spec, sp, "logstore");
    const Json& ls = r.Object(ls_p, p) ? *ls_p : empty;
    r.Known(ls, p,
            {"external", "replicas", "retention", "storage", "limits", "image", "resources",
             "nodeSelector", "tolerations", "affinity", "priorityClassName", "podLabels",
             "podAnnotations"});
    LogStoreSpec& st = s.logstore;
    if (const Json* ext = r.Field(ls, p, "external"); r.Object(ext, p + ".external")) {
      r.Known(*ext, p + ".external", {"url"});
      st.external_url = r.String(*ext, p + ".external", "url").value_or("");
      if (!st.external_url.empty() &&
          (st.external_url.size() > 2048 || !RE2::FullMatch(st.external_url, UrlRe()))) {
        r.Error(p + ".external.url",
                "\"" + st.external_url + "\" is not an http:// or https:// URL with a host");
      }
    }
    if (st.External()) {
      std::vector<std::string> bundled;
      for (const char* k : {"storage", "replicas", "retention", "limits", "resources"}) {
        if (r.Field(ls, p, k)) bundled.push_back(k);
      }
      if (!bundled.empty()) {
        std::string list;
        for (const auto& k : bundled) list += (list.empty() ? "" : ", ") + k;
        r.Error(p + ".external.url",
                "external.url excludes the bundled store's settings (storage, replicas, retention, "
                "limits, resources); set here: " +
                    list);
      }
    }
    if (auto n = r.Int(ls, p, "replicas", 0, 1)) st.replicas = static_cast<int32_t>(*n);
    if (auto ret = r.String(ls, p, "retention")) {
      auto secs = DurationSeconds(*ret);
      if (!secs) {
        r.Error(p + ".retention", "\"" + *ret + "\" is not a duration like 168h, 7d or 0s");
      } else if (*secs != 0 && *secs < 86400) {
        r.Error(p + ".retention",
                "must be 0s (keep forever) or at least 24h (data is deleted a day at a time), got "
                "\"" +
                    *ret + "\"");
      } else {
        st.retention = *ret;
      }
    }
    st.storage_size = preset.storage;
    if (const Json* stor = r.Field(ls, p, "storage"); r.Object(stor, p + ".storage")) {
      const std::string q = p + ".storage";
      r.Known(*stor, q, {"size", "storageClassName", "minFreePercent", "retainOnDelete"});
      if (auto size = r.String(*stor, q, "size")) {
        auto bytes = QuantityValue(Json(*size));
        if (!bytes) {
          r.Error(q + ".size", "\"" + *size + "\" is not a quantity like 10Gi");
        } else if (*bytes < 1024.0 * 1024 * 1024) {
          r.Error(q + ".size", "must be at least 1Gi, got \"" + *size + "\"");
        } else {
          st.storage_size = *size;
        }
      }
      if (auto sc = r.String(*stor, q, "storageClassName")) {
        if (!sc->empty() && (sc->size() > 253 || !RE2::FullMatch(*sc, DnsSubdomainRe()))) {
          r.Error(q + ".storageClassName", "\"" + *sc + "\" is not a valid StorageClass name");
        }
        st.storage_class_name = *sc;
      }
      if (auto mf = r.Int(*stor, q, "minFreePercent", 1, 50)) {
        st.min_free_percent = static_cast<int32_t>(*mf);
      }
      if (auto rod = r.Bool(*stor, q, "retainOnDelete")) st.retain_on_delete = *rod;
    }
    st.limits.ingestion_rate_mb = preset.rate;
    st.limits.ingestion_burst_mb = preset.burst;
    if (const Json* lim = r.Field(ls, p, "limits"); r.Object(lim, p + ".limits")) {
      const std::string q = p + ".limits";
      r.Known(*lim, q,
              {"ingestionRateMB", "ingestionBurstMB", "maxLineSize", "maxStreams",
               "truncateLongLines"});
      auto rate = r.Number(*lim, q, "ingestionRateMB", 0, 1024);
      auto burst = r.Number(*lim, q, "ingestionBurstMB", 0, 4096);
      if (rate && burst && *burst < *rate) {
        r.Error(q + ".ingestionBurstMB", "must be at least ingestionRateMB");
      }
      if (rate) st.limits.ingestion_rate_mb = *rate;
      if (burst) st.limits.ingestion_burst_mb = *burst;
      // A rate above the preset's burst raises the burst with it.
      if (rate && !burst) st.limits.ingestion_burst_mb = std::max(preset.burst, *rate);
      if (auto mls = r.String(*lim, q, "maxLineSize")) {
        std::string num, unit;
        if (!RE2::FullMatch(*mls, LineSizeRe(), &num, &unit)) {
          r.Error(q + ".maxLineSize", "\"" + *mls + "\" is not a size like 256KB");
        } else {
          double mult = unit == "KB"    ? 1e3
                        : unit == "MB"  ? 1e6
                        : unit == "KiB" ? 1024
                        : unit == "MiB" ? 1048576
                                        : 1;
          if (std::strtod(num.c_str(), nullptr) * mult > 16e6) {
            r.Error(q + ".maxLineSize", "must be at most 16MB, got \"" + *mls + "\"");
          } else {
            st.limits.max_line_size = *mls;
          }
        }
      }
      if (auto ms = r.Int(*lim, q, "maxStreams", 1, 1'000'000)) st.limits.max_streams = *ms;
      if (auto t = r.Bool(*lim, q, "truncateLongLines")) st.limits.truncate_long_lines = *t;
    }
    ReadPod(r, ls, p, st.pod, preset.store_resources);
  }

  // --- collector
  {
    const std::string p = "spec.collector";
    const Json* c_p = r.Field(spec, sp, "collector");
    const Json& c = r.Object(c_p, p) ? *c_p : empty;
    r.Known(c, p,
            {"enabled", "namespaces", "namespaceSelector", "pipeline", "image", "resources",
             "nodeSelector", "tolerations", "affinity", "priorityClassName", "podLabels",
             "podAnnotations"});
    CollectorSpec& col = s.collector;
    if (auto e = r.Bool(c, p, "enabled")) col.enabled = *e;
    col.namespaces = r.NamespaceList(c, p, "namespaces");
    if (const Json* sel = r.Field(c, p, "namespaceSelector")) {
      r.LabelSelector(*sel, p + ".namespaceSelector");
      col.namespace_selector = *sel;
      if (!col.namespaces.empty()) {
        r.Error(p + ".namespaceSelector", "namespaces and namespaceSelector exclude each other");
      }
    }
    ReadPipeline(r, c, p, col);
    ReadPod(r, c, p, col.pod, preset.collector_resources);
    if (!r.Field(c, p, "tolerations"))
      col.pod.tolerations = Json::array({{{"operator", "Exists"}}});
  }

  // --- grafana
  {
    const std::string p = "spec.grafana";
    const Json* g_p = r.Field(spec, sp, "grafana");
    const Json& g = r.Object(g_p, p) ? *g_p : empty;
    r.Known(g, p, {"datasource", "deploy"});
    GrafanaSpec& gr = s.grafana;
    gr.instance_selector = {{"matchLabels", {{"dashboards", "grafana"}}}};
    if (const Json* ds = r.Field(g, p, "datasource"); r.Object(ds, p + ".datasource")) {
      const std::string q = p + ".datasource";
      r.Known(*ds, q, {"enabled", "name", "isDefault", "instanceSelector"});
      if (auto e = r.Bool(*ds, q, "enabled")) gr.datasource_enabled = *e;
      if (auto n = r.String(*ds, q, "name")) {
        if (n->size() > 190) r.Error(q + ".name", "must be at most 190 characters");
        gr.datasource_name = *n;
      }
      if (auto d = r.Bool(*ds, q, "isDefault")) gr.datasource_is_default = *d;
      if (const Json* sel = r.Field(*ds, q, "instanceSelector")) {
        r.LabelSelector(*sel, q + ".instanceSelector");
        gr.instance_selector = *sel;
      }
    }
    if (gr.datasource_name.empty()) {
      gr.datasource_name = "logstack-" + out.meta.namespace_ + "-" + out.meta.name;
    }
    const Json* dep = r.Field(g, p, "deploy");
    if (r.Object(dep, p + ".deploy")) {
      const std::string q = p + ".deploy";
      r.Known(*dep, q,
              {"enabled", "image", "resources", "nodeSelector", "tolerations", "affinity",
               "priorityClassName", "podLabels", "podAnnotations"});
      if (auto e = r.Bool(*dep, q, "enabled")) gr.deploy_enabled = *e;
      ReadPod(r, *dep, q, gr.deploy, preset.grafana_resources);
    } else {
      gr.deploy.resources = preset.grafana_resources;
    }
  }

  // --- networkPolicy
  {
    const std::string p = "spec.networkPolicy";
    const Json* np = r.Field(spec, sp, "networkPolicy");
    if (r.Object(np, p)) {
      r.Known(*np, p, {"enabled", "allowedNamespaces"});
      if (auto e = r.Bool(*np, p, "enabled")) s.network_policy.enabled = *e;
      s.network_policy.allowed_namespaces = r.NamespaceList(*np, p, "allowedNamespaces");
    }
  }
}

}  // namespace

std::string_view SizeName(Size s) {
  switch (s) {
    case Size::kMedium:
      return "medium";
    case Size::kLarge:
      return "large";
    default:
      return "small";
  }
}

std::vector<FieldError> ValidateLogStack(const Json& object) {
  std::vector<FieldError> errors;
  LogStack ignored;
  Parse(object, OperatorDefaults{"0.0.0"}, ignored, errors);
  return errors;
}

StatusOr<LogStack> ParseLogStack(const Json& object, const OperatorDefaults& defaults) {
  std::vector<FieldError> errors;
  LogStack out;
  Parse(object, defaults, out, errors);
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) {
      if (!msg.empty()) msg += "; ";
      msg += (e.field.empty() ? "" : e.field + ": ") + e.message;
    }
    return InvalidArgument(msg);
  }
  return out;
}

}  // namespace logstack::op
