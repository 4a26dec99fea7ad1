#pragma once

// KubeClient: the Kubernetes REST API over HTTP(S), one JSON object at a time.
//
// Objects are nlohmann::json. Resources are addressed by ResourceRef
// (group/version/resource); Resolve() finds custom resources through
// discovery. Every verb returns a Status: API errors come back as the
// server's metav1.Status mapped by StatusFromApiError (NotFound,
// AlreadyExists, Conflict, Invalid -> InvalidArgument, Forbidden ->
// PermissionDenied, Unauthorized -> Unauthenticated, TooManyRequests ->
// ResourceExhausted, 5xx and connection failures -> Unavailable). A list that
// failed is an error, never an empty list.
//
// Retries (NewKubeClient's implementation): 429 is retried for every verb
// after its Retry-After (the server did not process the request); 5xx and
// connection failures are retried with exponential backoff for GET, PUT and
// DELETE only; a 401 invalidates the cached token and retries once. See
// docs/kube-client.md.
//
// Thread safety: implementations are safe to call from any thread. A
// WatchStream is read by one thread; Cancel() may come from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/kube/config.h"
#include "common/kube/resource.h"
#include "common/status.h"

namespace logstack::kube {

using Json = nlohmann::json;

struct ListOptions {
  std::string label_selector;  // "app=x,tier in (a,b)"
  std::string field_selector;  // "metadata.name=foo"
  int64_t limit = 0;           // 0: no pagination
  std::string continue_token;
  std::string resource_version;  // "" = most recent; "0" = any (cache)
};

struct ListResult {
  std::vector<Json> items;
  std::string resource_version;  // of the list, to start a watch from
  std::string continue_token;    // non-empty: more pages
};

enum class PatchType { kMerge, kJsonPatch, kStrategicMerge };

struct DeleteOptions {
  std::string propagation_policy;  // "", "Foreground", "Background", "Orphan"
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // start after this version
  bool allow_bookmarks = true;
  int timeout_seconds = 300;  // server-side timeout; the stream then ends cleanly
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  Json object;  // the object; for kError a metav1.Status
};
std::string_view WatchEventTypeName(WatchEvent::Type t);
// Parses one line of a watch stream ({"type": ..., "object": ...}).
StatusOr<WatchEvent> ParseWatchEvent(std::string_view line);

// One open watch request.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // Blocks for the next event. nullopt: the server ended the stream cleanly
  // (its timeout). An error: the connection failed or the stream is garbled.
  // An in-stream ERROR event is returned as an event (the caller decides;
  // code 410 means the resourceVersion is too old).
  virtual StatusOr<std::optional<WatchEvent>> Next() = 0;
  // Ends a blocked or future Next() with Cancelled. Any thread.
  virtual void Cancel() = 0;
};
using WatchStreamPtr = std::unique_ptr<WatchStream>;

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // `ns` is ignored for cluster-scoped resources.
  virtual StatusOr<Json> Get(const ResourceRef& r, std::string_view ns, std::string_view name) = 0;
  // One page. Use ListAll to follow `continue`.
  virtual StatusOr<ListResult> List(const ResourceRef& r, std::string_view ns,
                                    const ListOptions& opts) = 0;
  // Namespace from `obj` metadata when `ns` is empty.
  virtual StatusOr<Json> Create(const ResourceRef& r, std::string_view ns, const Json& obj) = 0;
  // PUT of the whole object; its metadata.resourceVersion makes it conditional
  // (Conflict when stale).
  virtual StatusOr<Json> Update(const ResourceRef& r, const Json& obj) = 0;
  // PUT to the status subresource.
  virtual StatusOr<Json> UpdateStatus(const ResourceRef& r, const Json& obj) = 0;
  // `subresource` "" or "status".
  virtual StatusOr<Json> Patch(const ResourceRef& r, std::string_view ns, std::string_view name,
                               PatchType type, const Json& patch,
                               std::string_view subresource = "") = 0;
  virtual Status Delete(const ResourceRef& r, std::string_view ns, std::string_view name,
                        const DeleteOptions& opts = {}) = 0;
  virtual StatusOr<WatchStreamPtr> Watch(const ResourceRef& r, std::string_view ns,
                                         const WatchOptions& opts) = 0;
  // Finds a resource by apiVersion ("logstack.io/v1alpha1") and kind or
  // plural. Built-ins answer from the table; others from discovery
  // (/apis/<group>/<version>), cached, refreshed on a miss.
  virtual StatusOr<ResourceRef> Resolve(std::string_view api_version,
                                        std::string_view kind_or_resource) = 0;
  // GET of any path below the server (e.g. "/version", "/apis"), as JSON.
  virtual StatusOr<Json> GetPath(std::string_view path) = 0;

  // Every page of a list, following `continue`. If the continue token
  // expires (410) the whole list starts over, at most a few times.
  StatusOr<ListResult> ListAll(const ResourceRef& r, std::string_view ns, ListOptions opts);
  // The same, handing each page's items to `on_page` as it arrives instead of
  // gathering them (a caller that keeps a compact form never holds the whole
  // list parsed). When an expired continue token makes the list start over,
  // `on_restart` is called first: drop the pages seen so far. Returns the
  // list's resourceVersion.
  StatusOr<std::string> ListPaged(const ResourceRef& r, std::string_view ns, ListOptions opts,
                                  const std::function<void(std::vector<Json>& items)>& on_page,
                                  const std::function<void()>& on_restart);
};
using KubeClientPtr = std::unique_ptr<KubeClient>;

struct RetryPolicy {
  int max_retries = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{10'000};
  std::chrono::seconds max_retry_after{60};  // a longer Retry-After is capped to this
};

struct ClientOptions {
  RetryPolicy retry;
  Clock* clock = nullptr;  // for the QPS bucket; null: RealClock::Default()
  // How the client waits between retries and for the rate limiter.
  std::function<void(std::chrono::nanoseconds)> sleep;  // null: std::this_thread::sleep_for
};

// The client on cpprestsdk. Fails only for a malformed server URL or TLS material.
StatusOr<KubeClientPtr> NewKubeClient(const RestConfig& config, ClientOptions options = {});

// ---- Pieces exposed for tests ------------------------------------------------

// "/api/v1/namespaces/ns/pods/name/status" etc. Empty name: the collection.
std::string ResourcePath(const ResourceRef& r, std::string_view ns, std::string_view name = "",
                         std::string_view subresource = "");
// "?labelSelector=...&limit=..." (percent-encoded), or "".
std::string ListQuery(const ListOptions& opts);
std::string WatchQuery(const WatchOptions& opts);
std::string PercentEncode(std::string_view s);
// The body of a DELETE: a metav1 DeleteOptions.
Json DeleteBody(const DeleteOptions& opts);

// Maps an HTTP answer that is not 2xx to a Status. `body` is the metav1.Status
// the API server sends (or anything else: a proxy's HTML); `what` names the
// request ("get pods default/x"). For 422 the causes are kept in the message.
Status StatusFromApiError(int http_status, std::string_view body, std::string_view what);
// Seconds from a Retry-After header (delta-seconds form); nullopt if absent or not a number.
std::optional<int> ParseRetryAfter(std::string_view value);

}  // namespace logstack::kube
