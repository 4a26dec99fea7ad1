#pragma once

// StoragePoller: reads the bundled stores' volumes (StoreProber::Storage, an
// HTTP GET of their /metrics) on a thread of its own, so that a slow or
// unreachable store never holds up a reconcile worker. A reconcile asks for
// a fresh reading with Request() and takes the latest one with Latest(); the
// answer reaches status on a later pass (a ready stack is looked at again
// every storage_recheck anyway).
//
// Thread safety: every method may be called from any thread. The prober is
// called from the poller's thread only.

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "operator/controller/store_prober.h"

namespace logstack::op::controller {

class StoragePoller {
 public:
  explicit StoragePoller(StoreProber& prober);
  ~StoragePoller();  // stops the thread; a reading under way finishes first

  // Queues a reading of `endpoint` for `key` unless one is already queued or
  // under way for it.
  void Request(const std::string& key, const std::string& endpoint);
  // The latest successful reading for `key`, if any.
  std::optional<StorageReport> Latest(const std::string& key);
  // Forgets `key` (its LogStack is gone or no longer has a bundled store).
  void Forget(const std::string& key);

 private:
  void Run();

  StoreProber& prober_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<std::pair<std::string, std::string>> queue_;  // key, endpoint
  std::map<std::string, bool> pending_;                    // queued or under way
  std::map<std::string, StorageReport> latest_;
  std::thread thread_;
};

}  // namespace logstack::op::controller
