#pragma once

// Counters of the reading side, for /metrics and for tests. One TailStats is
// shared by a TailManager's discovery and all its tailers; the reader thread
// adds to it (in batches on the hot path), anyone may read it.
//
// Thread safety: atomics, read and written with relaxed ordering.

#include <atomic>
#include <cstdint>

namespace logstack::collector::tail {

struct TailStats {
  // Reading.
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> lines_read{0};
  std::atomic<uint64_t> read_errors{0};     // failed read/fstat calls (retried later)
  std::atomic<uint64_t> long_lines_cut{0};  // physical lines longer than max_line_bytes
  std::atomic<uint64_t> long_line_bytes_dropped{0};

  // Files.
  std::atomic<uint64_t> files_opened{0};
  std::atomic<uint64_t> files_finished{0};  // read to the end after rotation/deletion, closed
  std::atomic<uint64_t> rotations{0};       // a new file took over a family's path
  std::atomic<uint64_t> missed_rotations_recovered{0};  // rotated files found among siblings
  std::atomic<uint64_t> truncations{0};  // copytruncate: a file got shorter than our offset
  // Files that vanished before the collector could open them, and their size
  // when last seen (a lower bound of what was lost; kubelet deleted them).
  std::atomic<uint64_t> files_lost{0};
  std::atomic<uint64_t> bytes_lost{0};

  // Restart.
  std::atomic<uint64_t> resumed{0};            // saved file found, reading resumed at its offset
  std::atomic<uint64_t> resumed_from_gzip{0};  // ... found as a compressed sibling
  std::atomic<uint64_t> resume_file_missing{
      0};  // saved file gone: the family was read from its start
  std::atomic<uint64_t> resume_fingerprint_mismatch{0};  // same inode, other content
  std::atomic<uint64_t> started_at_end{0};  // damaged positions file: started at the end

  // Discovery.
  std::atomic<uint64_t> paths_rejected{0};  // entries under pods_dir that do not parse
  std::atomic<uint64_t> rescans{0};
  std::atomic<uint64_t> inotify_overflows{0};
  std::atomic<uint64_t> watch_errors{0};  // inotify_add_watch failures (rescans cover them)
  std::atomic<uint64_t> targets_added{0};
  std::atomic<uint64_t> targets_removed{0};

  // Gauges.
  std::atomic<int64_t> targets{0};
  std::atomic<int64_t> open_files{0};
  std::atomic<int64_t> watches{0};
  std::atomic<int64_t> lag_bytes{0};  // unread bytes of all open files, at the last rescan
};

inline void Add(std::atomic<uint64_t>& c, uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}
inline void Add(std::atomic<int64_t>& g, int64_t n) { g.fetch_add(n, std::memory_order_relaxed); }

}  // namespace logstack::collector::tail
