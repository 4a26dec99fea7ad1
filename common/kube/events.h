#pragma once

// EventRecorder: core/v1 Events about objects, as `kubectl describe` shows
// them. A repeat of the same event (same object, type, reason and message)
// bumps the existing Event's count and lastTimestamp with a merge patch
// instead of creating another; if that Event has expired meanwhile, a new one
// is created.
//
// Recording is best effort for the caller's purpose but never silent: the
// returned Status says whether the Event was written.
//
// Thread safety: safe to call from any thread.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/kube/client.h"

namespace logstack::kube {

class EventRecorder {
 public:
  // `component` is source.component and reportingComponent ("logstack-operator");
  // `instance` is source.host / reportingInstance (the pod name), may be empty.
  EventRecorder(KubeClient& client, Clock& clock, std::string component, std::string instance = "");

  // `type` is "Normal" or "Warning"; `reason` a CamelCase word.
  Status Record(const Json& object, std::string_view type, std::string_view reason,
                std::string_view message);

  // The Event body Record would create (exposed for tests).
  Json BuildEvent(const Json& object, std::string_view type, std::string_view reason,
                  std::string_view message, int64_t now_nanos) const;

 private:
  struct Seen {
    std::string ns, name;
    int64_t count = 0;
  };

  KubeClient& client_;
  Clock& clock_;
  const std::string component_, instance_;
  std::mutex mu_;
  std::unordered_map<std::string, Seen> seen_;
};

}  // namespace logstack::kube
