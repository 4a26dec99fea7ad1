#pragma once

// ApiServer: the Kubernetes API test server's request handling, storage and
// watch machinery, independent of the transport. KubeTestServer
// (test_server.h) puts it behind HTTP/HTTPS; tests may also call Handle() or
// Call() directly.
//
// What it models (see docs/kube-testserver.md): discovery, CRUD on a table of
// built-in types and on custom resources registered by CRDs, a global
// monotonic resourceVersion, uid/creationTimestamp/generation, the status
// subresource, finalizers and deletionTimestamp, label and field selectors,
// limit/continue pagination, watch with a bounded history (410 Expired when a
// resourceVersion is too old) and bookmarks, CRD structural-schema
// validation, bearer-token and client-certificate authentication, an optional
// owner-reference garbage collector, and fault injection.
//
// Thread safety: every public method may be called from any thread. One mutex
// guards the store; each WatchStream has its own (lock order: server, then
// watch stream).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/kube/server/resource_types.h"
#include "tests/kube/server/selector.h"

namespace logstack::kubetest {

// The TLS client certificate a connection presented, as the transport checked
// it against the server's CA.
struct PeerCertificate {
  // Signed by the CA, within its validity, usable for client authentication
  // and naming a user. `error` says why not.
  bool verified = false;
  std::string error;
  std::string user;                 // subject CN
  std::vector<std::string> groups;  // subject O, in order
};

struct HttpRequest {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // percent-decoded, without the query
  std::map<std::string, std::string> query;
  std::string content_type;
  std::string accept;
  std::string authorization;
  std::string body;
  // Set by the transport when the connection presented a client certificate.
  std::optional<PeerCertificate> client_certificate;
};

// Builds a request from "path?query" (query values taken verbatim, not
// percent-decoded) for tests and in-process callers.
HttpRequest MakeRequest(const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::string& content_type = "application/json");

class WatchStream;
using WatchStreamPtr = std::shared_ptr<WatchStream>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the transport sends the headers, then each line of the stream
  // as a chunk until it ends, the client goes away, or the server stops.
  WatchStreamPtr watch;
};

// The events of one watch request, one JSON document a line.
class WatchStream {
 public:
  struct Next {
    enum Kind { kLine, kIdle, kEnd } kind;
    std::string line;
  };
  // Waits up to `max_wait` for the next line. kIdle when nothing arrived (the
  // transport then checks that the client is still there), kEnd when the
  // stream is over (timeoutSeconds reached, closed by fault injection or
  // shutdown).
  Next Wait(std::chrono::milliseconds max_wait);
  void Close();
  bool closed() const;

 private:
  friend class ApiServer;
  void Push(uint64_t rv, std::string line);  // line "" = nothing for this watcher
  void Offer(uint64_t rv);                   // the watcher has seen everything up to rv

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> lines_;
  bool closed_ = false;
  uint64_t seen_rv_ = 0;

  // Filter and encoding, fixed at creation.
  ResourceType type_;
  std::string namespace_;
  LabelSelector labels_;
  FieldSelector fields_;
  bool table_ = false;
  bool bookmarks_ = false;
  std::chrono::milliseconds bookmark_interval_{0};
  std::chrono::steady_clock::time_point last_bookmark_;
  std::chrono::steady_clock::time_point end_;
};

enum class Access { kNone, kReadOnly, kFull };

class ApiServer {
 public:
  struct Options {
    size_t history_limit = 1000;  // watch events kept to resume from
    std::chrono::milliseconds bookmark_interval{1000};
    bool garbage_collection = false;  // delete dependents by ownerReferences
  };
  ApiServer();
  explicit ApiServer(Options options);
  ~ApiServer();

  // Authentication, in the order a real API server tries it: a verified
  // client certificate (HttpRequest::client_certificate) authenticates as its
  // user; otherwise "Authorization: Bearer <token>" of a registered token.
  // Anything else is 401: a certificate that failed verification, an unknown
  // token, or no credentials while any token is registered (with none
  // registered and no certificate, nothing is checked and every request is
  // the administrator's).
  //
  // Authorisation: kReadOnly may get/list/watch; kNone is authenticated but
  // forbidden everything (403). A token carries its own access.
  void AddToken(const std::string& token, const std::string& user, Access access);
  // Revokes a token (e.g. to test rotation: add the new one, remove the old).
  void RemoveToken(const std::string& token);
  // The access of `user` when a client certificate authenticates it. Without
  // an entry a certificate user gets kFull if one of its groups is
  // system:masters (bound to cluster-admin in a real cluster), else kNone.
  void SetUserAccess(const std::string& user, Access access);

  // Handles one request as the HTTP layer received it.
  HttpResponse Handle(const HttpRequest& request);

  // For tests: one request as an authorised admin, bypassing fault injection.
  // `body` null means no body. Returns the status code and the parsed body.
  struct CallResult {
    int status;
    nlohmann::json body;
  };
  CallResult Call(const std::string& method, const std::string& path,
                  const nlohmann::json& body = nullptr,
                  const std::string& content_type = "application/json");

  // --- Fault injection -------------------------------------------------------
  // Ends every open watch stream (clients see the stream end and re-watch).
  void CloseWatches();
  // Answers the next `count` requests whose path starts with `path_prefix`
  // (and whose method is `method`, if not empty) with `code` (500, 429, 503,
  // ...); for 429 and 503 a Retry-After header of `retry_after_seconds`.
  void FailNext(const std::string& path_prefix, int count, int code, int retry_after_seconds = 1,
                const std::string& method = "");
  // Delays the answers to the next `count` matching requests (-1: all, until
  // ClearFaults) by `delay`.
  void DelayRequests(const std::string& path_prefix, std::chrono::milliseconds delay,
                     int count = -1);
  void ClearFaults();
  // Forgets the watch history: a watch or continue token from any
  // resourceVersion handed out before gets 410 Expired (a new list gets a
  // newer one).
  void CompactHistory();
  void SetHistoryLimit(size_t limit);
  void SetGarbageCollection(bool enabled);

  uint64_t CurrentResourceVersion() const;
  size_t OpenWatchCount() const;
  // Total requests handled (including rejected ones), for tests of retries.
  uint64_t RequestCount() const { return requests_.load(); }
  // Client write requests (POST, PUT, PATCH, DELETE) received through
  // Handle(), whatever their outcome, not counting /testserver/ controls or
  // Call(): how a test checks that a controller writes nothing.
  uint64_t WriteRequestCount() const { return write_requests_.load(); }

 private:
  struct Target;  // a parsed resource path
  struct Event {
    uint64_t rv;
    std::string type;
    std::string storage_key;
    nlohmann::json object;
    nlohmann::json previous;  // MODIFIED: the object before
  };
  struct FaultRule {
    std::string prefix;
    std::string method;
    int count;
    int code;
    int retry_after;
    std::chrono::milliseconds delay;
  };

  // REQUIRES: mu_ held. The access of a verified certificate's identity.
  Access CertificateAccessLocked(const PeerCertificate& cert) const;
  HttpResponse HandleResource(const HttpRequest& req, Access access);
  HttpResponse HandleControl(const HttpRequest& req);
  std::optional<HttpResponse> ApplyFaults(const HttpRequest& req);

  HttpResponse List(const Target& t, const HttpRequest& req);
  HttpResponse Watch(const Target& t, const HttpRequest& req);
  HttpResponse Get(const Target& t, const HttpRequest& req);
  HttpResponse Create(const Target& t, const HttpRequest& req);
  HttpResponse Update(const Target& t, const HttpRequest& req, nlohmann::json incoming,
                      bool from_patch);
  HttpResponse Patch(const Target& t, const HttpRequest& req);
  HttpResponse Scale(const Target& t, const HttpRequest& req);
  HttpResponse Delete(const Target& t, const HttpRequest& req);
  HttpResponse DeleteCollection(const Target& t, const HttpRequest& req);

  // REQUIRES: mu_ held. Stores (or for DELETED removes) the object under a new
  // resourceVersion, records the event and notifies watchers. Returns the
  // object as stored.
  nlohmann::json CommitLocked(const ResourceType& type, const std::string& key,
                              const std::string& event_type, nlohmann::json object,
                              nlohmann::json previous);
  // REQUIRES: mu_ held. Removes the object for good (finalizers done), with
  // the cascades: CRD instances, namespace contents, owner-reference GC.
  nlohmann::json RemoveLocked(const ResourceType& type, const std::string& key,
                              nlohmann::json object);
  // REQUIRES: mu_ held. Returns the response for an invalid object, if any,
  // after pruning and defaulting `object` (custom resources) and checking names.
  // fieldValidation "Strict" turns pruned unknown fields into a 400, "Warn"
  // into `warnings`. `old` is the stored object on update (CEL transition rules).
  std::optional<HttpResponse> PrepareLocked(const Target& t, nlohmann::json& object,
                                            const std::string& field_validation,
                                            std::vector<std::string>* warnings,
                                            const nlohmann::json* old = nullptr);
  void OrphanDependentsLocked(const std::string& owner_uid);
  void CollectGarbageLocked();
  std::optional<ResourceType> TypeForStorageKeyLocked(const std::string& storage_key) const;
  std::string EncodeEventLocked(const WatchStream& w, const Event& e) const;

  const Options options_;
  mutable std::mutex mu_;
  ResourceRegistry registry_;
  uint64_t rv_ = 1;
  uint64_t compacted_rv_ = 0;  // watches from an RV below this get 410
  size_t history_limit_;
  bool gc_;
  std::deque<Event> history_;
  // storage key (group/resource) -> "namespace/name" -> object
  std::map<std::string, std::map<std::string, nlohmann::json>> store_;
  std::vector<std::weak_ptr<WatchStream>> watches_;
  std::map<std::string, std::pair<std::string, Access>> tokens_;
  std::map<std::string, Access> user_access_;  // certificate users
  std::vector<FaultRule> faults_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> write_requests_{0};
};

}  // namespace logstack::kubetest
