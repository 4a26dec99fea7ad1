#pragma once

// Informer: a local cache of one resource (a namespace or the cluster, with
// an optional label selector), kept by a Reflector's list+watch, that calls
// handlers on every change.
//
// Across relists the cache is diffed against the new list: objects that
// vanished while the watch was down get OnDelete (no lost deletes), changed
// ones OnUpdate, new ones OnAdd; nothing stays that the server no longer has
// (no phantom objects). managedFields are stripped from every object kept.
//
// The cache keeps each object as its compact JSON text, not as a parsed
// tree: an nlohmann::json tree costs 3-4x its text in memory (a map node a
// member, a std::string a value), the text about 1.1x. Get() and List()
// parse on read, so they return copies, as before.
// Every resync period, OnUpdate(obj, obj) is called for every cached object
// so controllers re-check their state.
//
// Thread safety: AddHandlers before Start(); the rest from any thread.
// Handlers run one at a time, in event order, on the informer's threads; they
// must not block for long (hand keys to a WorkQueue).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/client.h"
#include "common/kube/watch.h"

namespace logstack::kube {

struct InformerHandlers {
  std::function<void(const Json& obj)> on_add;
  std::function<void(const Json& old_obj, const Json& new_obj)> on_update;
  std::function<void(const Json& last_known)> on_delete;
};

struct InformerOptions {
  ReflectorOptions reflector;                  // namespace, selectors, paging, backoff
  std::chrono::milliseconds resync_period{0};  // 0: no resync
};

class Informer final : private WatchSink {
 public:
  Informer(KubeClient& client, ResourceRef resource, InformerOptions options = {});
  ~Informer() override;  // Stop()

  void AddHandlers(InformerHandlers handlers);
  void Start();
  void Stop();

  // True once the first list is in the cache (its add handlers may still be
  // running on the informer thread).
  bool HasSynced();
  bool WaitForSync(std::chrono::milliseconds timeout);

  // Cache reads. Keys are "ns/name" (or "name" for cluster-scoped objects).
  std::optional<Json> Get(const std::string& key);
  std::vector<Json> List();
  size_t Size();

  Reflector& reflector() { return reflector_; }

 private:
  void BeginList() override;
  void ListPage(std::vector<Json>& items) override;
  void EndList(const std::string& resource_version) override;
  void Apply(const WatchEvent& event) override;
  void ResyncLoop();

  void Added(const Json& obj);
  void Updated(const Json& old_obj, const Json& new_obj);
  void Deleted(const Json& obj);

  const InformerOptions options_;
  Reflector reflector_;
  std::vector<InformerHandlers> handlers_;

  std::mutex dispatch_mu_;  // handlers run one at a time
  std::mutex mu_;           // guards cache_, synced_, stopped_
  std::condition_variable cv_;
  std::map<std::string, std::string> cache_;    // key -> compact JSON
  std::map<std::string, std::string> listing_;  // the list being received (Run()'s thread)
  bool synced_ = false;
  bool stopped_ = false;
  bool started_ = false;
  std::thread reflector_thread_, resync_thread_;
};

}  // namespace logstack::kube
