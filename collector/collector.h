#pragma once

// Collector wires the collector's modules together (docs/collector.md):
//
//   discovery + tailers (tail/) ─► line formats and partial joins (format/)
//     ─► labels from the path and the pod (meta/) ─► pipeline stages (pipeline/)
//     ─► batches (ship/) ─► Sender: push, retry ─► on ack: positions (positions/)
//   journal (journal/) ─► the same batches
//
// Threads: one reader thread for the files, one for the journal (when
// enabled), the Sender's thread, and the informers' threads. Batches cross
// from the readers to the Sender through its bounded queue; when the queue
// is full the readers stop reading (the files are the buffer).
//
// Thread safety: Create, Start and Stop from one thread; Ready() from any.

#include <chrono>
#include <memory>

#include "collector/config.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/kube/client.h"
#include "common/metrics.h"
#include "common/status.h"

namespace logstack::collector {

struct CollectorDeps {
  Env* env = nullptr;
  Clock* clock = nullptr;
  metrics::Registry* registry = nullptr;
  // Null: no pod metadata (labels from the path only).
  kube::KubeClientPtr kube;
};

class Collector {
 public:
  static StatusOr<std::unique_ptr<Collector>> Create(CollectorConfig config, CollectorDeps deps);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Loads the positions, starts the informers, the readers and the Sender.
  Status Start();
  // Stops reading, sends what is queued until `drain` has passed, saves the
  // positions of what was acknowledged, and stops every thread.
  void Stop(std::chrono::milliseconds drain);
  // OK once started with its pod metadata in sync; else why not.
  Status Ready() const;

  struct Impl;

 private:
  explicit Collector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstack::collector
