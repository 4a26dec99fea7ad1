#pragma once

// SourceTable: the ids in SourcePosition::source. Each file the collector
// opens (one inode, or one decompressed .gz sibling) gets a new id, never
// reused, mapped to what its positions record needs: the family's key (its
// log path), the file's device and inode, and its fingerprint. After the
// store acknowledges an entry, the caller turns the entry's SourcePosition
// into a positions record with ToRecord().
//
// A released id (the file was read to its end and closed) stays resolvable
// until kKeepReleased more ids have been released after it, which is far
// longer than an entry waits for its acknowledgement; a position whose id is
// gone is simply not recorded (the key keeps an older position, and
// re-reading from there repeats entries the store drops; none is lost).
//
// Thread safety: every method may be called from any thread (one mutex,
// held only for the table lookups).

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "collector/model/entry.h"
#include "collector/positions/positions_file.h"

namespace logstack::collector::tail {

struct SourceInfo {
  std::string key;  // the family's path: the positions key
  uint64_t dev = 0;
  uint64_t ino = 0;
  positions::Fingerprint fingerprint;
};

class SourceTable {
 public:
  static constexpr size_t kKeepReleased = 4096;

  // A new id (from 1 up) for the file.
  uint64_t Register(SourceInfo info);
  void SetFingerprint(uint64_t id, positions::Fingerprint fp);
  // The file is done with; see above.
  void Release(uint64_t id);

  std::optional<SourceInfo> Lookup(uint64_t id) const;
  // The positions key and record for a file position, or nullopt when the id
  // is unknown (0, never registered, or released too long ago).
  std::optional<std::pair<std::string, positions::Record>> ToRecord(
      const SourcePosition& pos) const;

  // Ids registered and not released.
  size_t live() const;

 private:
  struct Slot {
    SourceInfo info;
    bool released = false;
  };
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;                      // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, Slot> slots_;  // GUARDED_BY(mu_)
  std::deque<uint64_t> released_;             // GUARDED_BY(mu_): oldest first
  size_t live_ = 0;                           // GUARDED_BY(mu_)
};

}  // namespace logstack::collector::tail
