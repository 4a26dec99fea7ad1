#include "common/kube/events.h"

#include <cstdio>

#include "common/go/time.h"
#include "common/kube/object.h"
#include "common/kube/util.h"

namespace logstack::kube {

namespace {
constexpr size_t kMaxRemembered = 4096;
}

EventRecorder::EventRecorder(KubeClient& client, Clock& clock, std::string component,
                             std::string instance)
    : client_(client),
      clock_(clock),
      component_(std::move(component)),
      instance_(std::move(instance)) {}

Json EventRecorder::BuildEvent(const Json& object, std::string_view type, std::string_view reason,
                               std::string_view message, int64_t now_nanos) const {
  std::string ns = Namespace(object);
  if (ns.empty()) ns = "default";  // events about cluster-scoped objects
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(now_nanos));
  std::string now = go::FormatRfc3339(now_nanos);
  Json involved = {{"apiVersion", object.value("apiVersion", "")},
                   {"kind", object.value("kind", "")},
                   {"name", Name(object)},
                   {"uid", Uid(object)}};
  if (!Namespace(object).empty()) involved["namespace"] = Namespace(object);
  if (!ResourceVersion(object).empty()) involved["resourceVersion"] = ResourceVersion(object);
  Json source = {{"component", component_}};
  if (!instance_.empty()) source["host"] = instance_;
  return Json{{"apiVersion", "v1"},
              {"kind", "Event"},
              {"metadata", {{"name", Name(object) + suffix}, {"namespace", ns}}},
              {"involvedObject", involved},
              {"reason", std::string(reason)},
              {"message", std::string(message)},
              {"type", std::string(type)},
              {"source", source},
              {"reportingComponent", component_},
              {"reportingInstance", instance_},
              {"count", 1},
              {"firstTimestamp", now},
              {"lastTimestamp", now}};
}

Status EventRecorder::Record(const Json& object, std::string_view type, std::string_view reason,
                             std::string_view message) {
  if (!object.is_object()) return InvalidArgument("record event: object is not a JSON object");
  std::string key = Uid(object) + "\x1f" + object.value("kind", "") + "\x1f" + ObjectKey(object) +
                    "\x1f" + std::string(type) + "\x1f" + std::string(reason) + "\x1f" +
                    std::string(message);
  const int64_t now = clock_.NowNanos();
  Seen seen;
  bool repeat = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = seen_.find(key);
    if (it != seen_.end()) {
      repeat = true;
      seen = it->second;
    }
  }
  if (repeat) {
    Json patch = {{"count", seen.count + 1}, {"lastTimestamp", go::FormatRfc3339(now)}};
    auto r = client_.Patch(resources::kEvents, seen.ns, seen.name, PatchType::kMerge, patch);
    if (r.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      seen_[key].count = seen.count + 1;
      return Status::Ok();
    }
    if (r.status().code() != StatusCode::kNotFound) return r.status();
    // The Event expired (events have a TTL): start a new one.
  }
  Json ev = BuildEvent(object, type, reason, message, now);
  auto created = client_.Create(resources::kEvents, Namespace(ev), ev);
  if (!created.ok()) return created.status();
  std::lock_guard<std::mutex> l(mu_);
  if (seen_.size() >= kMaxRemembered) seen_.clear();
  seen_[key] = Seen{Namespace(*created), Name(*created), 1};
  return Status::Ok();
}

}  // namespace logstack::kube
