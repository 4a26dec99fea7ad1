#pragma once

// The pieces a pipeline is made of (pipeline.h is the public face): the entry
// with its extracted data as it moves through the stages, the Stage
// interface, and the drop counters they share.
//
// A stage takes one entry and emits zero or more: most emit the entry they
// were given (changed or not) or nothing (dropped); multiline and the raw cri
// stage hold entries back per stream and emit them later, joined, from
// Process or Flush. A stage that drops an entry counts it under a reason
// (drop_counter_reason) in DropCounters.
//
// Thread safety: stages keep per-stream state and are used by one thread at a
// time (the Pipeline's). DropCounters is thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "collector/model/entry.h"
#include "collector/pipeline/value.h"

namespace logstack::collector {

struct PipelineEntry {
  Entry entry;
  Extracted extracted;
};

class Stage {
 public:
  virtual ~Stage() = default;
  // Processes `e`, appending whatever comes out of the stage to *out.
  virtual void Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) = 0;
  // Emits held entries that waited long enough (all of them when `force`).
  virtual void Flush(int64_t now_ns, bool force, std::vector<PipelineEntry>* out) {}
};
using StagePtr = std::unique_ptr<Stage>;

// A stage that emits at most the entry it was given.
class SimpleStage : public Stage {
 public:
  void Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) final {
    if (Apply(e, now_ns)) out->push_back(std::move(e));
  }

 protected:
  // Returns false to drop the entry (the stage has counted it).
  virtual bool Apply(PipelineEntry& e, int64_t now_ns) = 0;
};

// Entries dropped, by reason ("drop_stage", "match_stage", a configured
// drop_counter_reason, "malformed_json", ...).
class DropCounters {
 public:
  void Add(std::string_view reason) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counts_.find(reason);
    if (it == counts_.end()) it = counts_.emplace(std::string(reason), 0).first;
    ++it->second;
  }
  std::map<std::string, uint64_t> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return std::map<std::string, uint64_t>(counts_.begin(), counts_.end());
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> counts_;
};

// A sequence of stages: each entry a stage emits goes through the stages after
// it, and so do the entries a stage emits from Flush.
class StageChain {
 public:
  StageChain() = default;
  explicit StageChain(std::vector<StagePtr> stages) : stages_(std::move(stages)) {}

  // Starts `e`'s extracted data from its labels (Promtail does so at the start
  // of every pipeline, nested ones included) and runs it through every stage.
  void Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out);
  // The same without touching the extracted data first (stages made of
  // other stages, such as cri and docker, use it).
  void Run(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out);
  void Flush(int64_t now_ns, bool force, std::vector<PipelineEntry>* out);
  bool empty() const { return stages_.empty(); }
  size_t size() const { return stages_.size(); }

 private:
  // Runs `batch` through stages_[first, end) and appends the result to *out.
  void RunFrom(size_t first, std::vector<PipelineEntry> batch, int64_t now_ns,
               std::vector<PipelineEntry>* out);

  std::vector<StagePtr> stages_;
};

// The key of an entry's stream for per-stream state (multiline blocks,
// partial CRI lines, the timestamp stage's last good time): its labels and
// the source it was read from.
std::string StreamKey(const Entry& e);

}  // namespace logstack::collector
