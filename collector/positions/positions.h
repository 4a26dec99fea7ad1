#pragma once

// Positions: the collector's in-memory table of where it is in each source,
// and the positions file it is saved to (positions_file.h has the format).
//
// Keys are a file family's path (a container log path such as
// /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log, or a static file's
// path) or "journal:<name>". The caller Set()s a key's record only once the
// store has acknowledged every entry up to it, and Save()s now and then; the
// file therefore never runs ahead of what the store has (docs/collector.md,
// "Exactly once").
//
// Life cycle: Open() reads the file once. A missing file is a clean start; a
// damaged one is not an error: load_status() is then Corruption (naming the
// file and what is wrong), and Get() answers only from the records that could
// be trusted (see positions_file.h). start_policy.h says where to start the
// sources with no trusted record. The first successful Save() replaces the
// damaged file.
//
// Failure: a failed Save() leaves the previous file in place (the write is
// atomic) and the table dirty, so the next Save() tries again; the caller
// logs and counts it.
//
// Thread safety: every method may be called from any thread. mu_ guards the
// table; it is never held during file I/O. save_mu_ serializes Save()s and is
// held across the write; it is taken before mu_, never after.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/positions/positions_file.h"
#include "common/env.h"
#include "common/status.h"

namespace logstack::collector::positions {

class Positions {
  struct PassKey {
    explicit PassKey() = default;
  };

 public:
  // Reads the positions file at `path` if there is one. Fails only when an
  // existing file cannot be read (IOError). env must outlive the Positions.
  static StatusOr<std::unique_ptr<Positions>> Open(Env* env, std::string path);

  // Use Open().
  Positions(PassKey, Env* env, std::string path, ParsedPositions loaded);
  Positions(const Positions&) = delete;
  Positions& operator=(const Positions&) = delete;

  // OK, or the Corruption found when the file was opened.
  const Status& load_status() const { return load_status_; }
  bool loaded_corrupt() const { return !load_status_.ok(); }
  // Record lines of the opened file that were not trusted.
  uint64_t dropped_records() const { return dropped_records_; }

  std::optional<Record> Get(std::string_view key) const;
  // Sets key's record; marks the table dirty when it changed.
  void Set(std::string_view key, const Record& record);
  // Forgets key (a source that is gone and done with).
  void Remove(std::string_view key);
  std::vector<std::string> Keys() const;
  RecordMap Snapshot() const;

  // Writes the file atomically if anything changed since the last successful
  // Save(). Returns OK iff the file on disk now holds the table as it was at
  // the start of the call.
  Status Save();
  bool dirty() const;
  // Successful writes of the file, for /metrics.
  uint64_t writes() const;

  const std::string& path() const { return path_; }

 private:
  Env* const env_;
  const std::string path_;
  const Status load_status_;
  const uint64_t dropped_records_;

  std::mutex save_mu_;  // serializes Save(); taken before mu_
  mutable std::mutex mu_;
  RecordMap records_;           // GUARDED_BY(mu_)
  uint64_t version_ = 0;        // GUARDED_BY(mu_): bumped by every change
  uint64_t saved_version_ = 0;  // GUARDED_BY(mu_): version_ the file holds
  uint64_t writes_ = 0;         // GUARDED_BY(mu_)
};

}  // namespace logstack::collector::positions
