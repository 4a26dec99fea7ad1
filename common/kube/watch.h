#pragma once

// Reflector: keeps a WatchSink in step with a resource on the server, the way
// every informer needs it: list, then watch from the list's resourceVersion,
// resuming each new watch from the last version seen (events and
// bookmarks), and listing again when the server says the version is
// too old (HTTP 410 Gone, or an in-stream ERROR event with code 410). Watches
// carry a server-side timeoutSeconds; a stream the server ends cleanly is
// reopened at once; failures reconnect with exponential backoff and jitter.
//
// Thread safety: Run() on one thread; Stop() from any thread. The sink is
// called only from Run()'s thread.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/kube/client.h"

namespace logstack::kube {

class WatchSink {
 public:
  virtual ~WatchSink() = default;
  // A list delivers the complete current state in pages: BeginList(), then
  // ListPage() once a page, then EndList(). Objects absent from the list are
  // gone. A list that starts over or fails midway begins again with
  // BeginList(): pages seen since the last BeginList() are void.
  virtual void BeginList() = 0;
  virtual void ListPage(std::vector<Json>& items) = 0;
  virtual void EndList(const std::string& resource_version) = 0;
  // One ADDED, MODIFIED or DELETED event.
  virtual void Apply(const WatchEvent& event) = 0;
};

struct ReflectorOptions {
  std::string ns;  // "" = all namespaces (or a cluster-scoped resource)
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  int watch_timeout_seconds = 300;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{30'000};
};

class Reflector {
 public:
  Reflector(KubeClient& client, ResourceRef resource, ReflectorOptions options, WatchSink& sink);
  // Blocks until Stop().
  void Run();
  void Stop();
  std::string LastResourceVersion();
  // Counters for tests and metrics.
  int Lists();
  int Watches();

 private:
  // Waits out the backoff for failure number `attempt`; false when stopped.
  bool Backoff(int attempt);

  KubeClient& client_;
  const ResourceRef resource_;
  const ReflectorOptions options_;
  WatchSink& sink_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  WatchStream* current_ = nullptr;  // guarded by mu_; to Cancel() from Stop()
  std::string last_rv_;
  int lists_ = 0, watches_ = 0;
  std::mt19937 rng_{std::random_device{}()};
};

// True for the Status of a 410 Gone (resourceVersion too old) answer.
inline bool IsGone(const Status& s) { return s.code() == StatusCode::kOutOfRange; }

}  // namespace logstack::kube
