#pragma once

// TailManager: the collector's reader loop. It owns discovery (discovery.h),
// one FileTailer (file_tailer.h) and one EntryAssembler
// (format/assembler.h) per file family, one read buffer shared by all of
// them, and hands assembled entries to an EntrySink.
//
// Each ReadRound():
//   1. reads the pending inotify events (never blocks) and, every
//      rescan_interval or after an inotify overflow, rescans everything and
//      refreshes every family (the safety net for lost events);
//   2. starts a family for every new file (where: positions/start_policy.h,
//      from the Positions given at construction), refreshes the families in
//      directories whose entries changed (rotation, deletion), and marks
//      those in directories that were written to as ready;
//   3. reads the ready families round-robin, one block (read_block_bytes) a
//      turn, until the round's byte budget is spent. A family that still has
//      data stays ready for the next round; the others wait for an event;
//   4. ends the families that are finished (path gone, every file read to its
//      end): pending partial entries are flushed, then OnTargetRemoved.
// Wait() blocks until inotify has news, a rescan is due, Stop() is called or
// the timeout passes; it returns at once while families are ready. The budget
// is the backpressure handle: a caller whose queue is full does not call
// ReadRound(), and the files are the buffer.
//
// Memory: one read buffer (read_block_bytes) for all families; per family a
// few hundred bytes, its carry (one partial line) and its assembler's buffer
// (one partial entry); per watched directory a map entry. No allocation per
// line on the way from the file to the sink when lines are whole.
//
// Thread safety: Start(), ReadRound(), Wait(), Run() and target_count() are
// for one thread (the reader thread). Stop(), stats(), assembler_stats() and
// sources() may be used from any thread. EntrySink methods run on the reader
// thread and must not call back into the manager (Stop() excepted).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/format/assembler.h"
#include "collector/format/line.h"
#include "collector/model/entry.h"
#include "collector/positions/positions.h"
#include "collector/tail/discovery.h"
#include "collector/tail/file_tailer.h"
#include "collector/tail/pod_log_path.h"
#include "collector/tail/source_table.h"
#include "collector/tail/tail_stats.h"
#include "common/clock.h"

namespace logstack::collector::tail {

// Files by glob with fixed labels: node logs, or sidecar mode.
struct StaticTarget {
  std::string glob;
  LabelSet labels;
  format::FormatMode format = format::FormatMode::kAuto;
};

struct TailManagerOptions {
  // kubelet's pod log directory; empty: no container logs.
  std::string pods_dir;
  std::vector<StaticTarget> static_targets;
  std::chrono::milliseconds rescan_interval{10'000};
  bool use_inotify = true;
  // The read buffer, and the most a family reads per turn.
  size_t read_block_bytes = 256 * 1024;
  TailerOptions tailer;
  format::AssemblerOptions assembler;
  format::FormatMode pod_log_format = format::FormatMode::kAuto;
};

// One file family being read.
struct Target {
  enum class Kind { kPodLog, kStatic };
  Kind kind = Kind::kPodLog;
  // The family's path; also its positions key.
  std::string path;
  // kPodLog: what the path says.
  PodLogPath pod;
  // kStatic: the static target's labels.
  LabelSet labels;
};

// Receives what the reader loop produces, on the reader thread.
class EntrySink {
 public:
  virtual ~EntrySink() = default;
  // A family is being read from now on. `start` is where reading starts (its
  // first open file and offset) when the family was not resumed from a saved
  // position and a file is open; else null. A caller that records it in the
  // positions at once makes the start survive a crash before the first
  // acknowledgement: otherwise, if the file rotated meanwhile, the next start
  // would not know the rotated file and its lines would never be read.
  virtual void OnTargetAdded(const Target& target, const SourcePosition* start) {}
  // An entry. entry.line is valid only during the call; entry.position is
  // where to resume once this entry and all before it are acknowledged
  // (sources().ToRecord() turns it into a positions record).
  virtual void OnEntry(const Target& target, const format::AssembledEntry& entry) = 0;
  // The family is done (path gone, every file read to its end); all its
  // entries have been delivered. Its positions key may be removed once they
  // are acknowledged.
  virtual void OnTargetRemoved(const Target& target) {}
};

class TailManager {
 public:
  // clock and positions (which may be null: no saved positions) must outlive
  // the manager.
  TailManager(TailManagerOptions options, Clock* clock, const positions::Positions* positions);
  ~TailManager();
  TailManager(const TailManager&) = delete;
  TailManager& operator=(const TailManager&) = delete;

  // Discovers the files present now and starts their families (files that
  // exist now count as "existed at startup" for the start policy).
  void Start(EntrySink* sink);

  struct RoundResult {
    size_t bytes = 0;   // bytes read this round
    bool more = false;  // families still have data ready: call again soon
  };
  // One round, as described above. REQUIRES: Start() was called.
  RoundResult ReadRound(size_t byte_budget, EntrySink* sink);

  // Blocks as described above, at most `timeout`.
  void Wait(std::chrono::milliseconds timeout);

  // ReadRound() and Wait() until Stop().
  void Run(EntrySink* sink, size_t byte_budget_per_round);

  // Makes Wait() and Run() return; any thread.
  void Stop();
  bool stopping() const { return stopping_.load(); }

  const TailStats& stats() const { return stats_; }
  const format::AssemblerStats& assembler_stats() const { return assembler_stats_; }
  SourceTable& sources() { return sources_; }
  size_t target_count() const { return targets_.size(); }

 private:
  struct TargetState;

  void Apply(const DiscoveryEvents& events, bool startup, EntrySink* sink);
  void AddTarget(const std::string& path, bool startup, EntrySink* sink);
  void Refresh(TargetState* t);
  void MarkReady(TargetState* t);
  void CheckFinished(TargetState* t);
  void RemoveFinished(EntrySink* sink);
  void RefreshAll();

  const TailManagerOptions options_;
  Clock* const clock_;
  const positions::Positions* const positions_;
  TailStats stats_;
  format::AssemblerStats assembler_stats_;
  SourceTable sources_;
  Discovery discovery_;
  DiscoveryEvents events_;
  std::vector<char> buffer_;
  std::string scratch_;  // Docker unescaping, shared by all families

  std::unordered_map<std::string, std::unique_ptr<TargetState>> targets_;  // by path
  std::unordered_map<std::string, std::vector<TargetState*>> by_dir_;
  std::deque<TargetState*> ready_;
  std::vector<TargetState*> finished_;
  int64_t next_rescan_ns_ = 0;  // monotonic

  int wake_fd_ = -1;  // eventfd: Stop() wakes Wait()
  std::atomic<bool> stopping_{false};
};

}  // namespace logstack::collector::tail
