#pragma once

// TailHub: the live tails of every tenant. The store hands it each stream's
// newly stored entries after a push; it passes them on to the tenant's sinks.
//
// Sinks are held by weak reference: destroying a sink is how a tail ends,
// and the hub forgets it on the next delivery.
//
// Thread safety: every method may be called from any thread. Lock order:
// mu_ is taken by Subscribe and Notify only, and Notify calls the sinks with
// it held, so a sink must not call back into the hub or the store. The store
// calls Notify with none of its own locks held.

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "logstore/model/types.h"

namespace logstack::logstore {

// Receives a tenant's entries as they are stored, for live tailing.
class TailSink {
 public:
  virtual ~TailSink() = default;
  // Called once per stream of a push with the entries stored from it
  // (duplicates and rejected entries left out), on the pushing thread, after
  // the store let go of its locks and before the push is acknowledged. It
  // must be quick, must not block and must not call into the Store. The
  // views are valid only during the call. Two pushes to one stream from two
  // threads may be delivered in either order.
  virtual void OnPush(const Labels& labels, const std::string& labels_string,
                      std::span<const EntryView> entries) = 0;
};

class TailHub {
 public:
  void Subscribe(const std::string& tenant, std::weak_ptr<TailSink> sink);

  // True when some sink may be live: Notify is worth preparing for. Cheap.
  bool active() const { return count_.load(std::memory_order_relaxed) > 0; }

  // Passes one stream's entries to the tenant's live sinks.
  void Notify(const std::string& tenant, const Labels& labels, const std::string& labels_string,
              std::span<const EntryView> entries);

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::weak_ptr<TailSink>>> sinks_;  // GUARDED_BY(mu_)
  std::atomic<size_t> count_{0};  // sinks_.size(), read without the mutex
};

}  // namespace logstack::logstore
