#pragma once

// FileTailer: reads one file family -- a log path such as .../app/0.log and
// the files it rotated into (0.log.20240115-083000, ...) -- line by line, in
// order, losing nothing to rotation and never reading a byte twice within a
// run.
//
// Files are identified by (st_dev, st_ino), never by name. The tailer keeps
// an open descriptor for every file of the family it has not finished, oldest
// first; it reads the oldest, and moves on only when that one is finished.
//
// Rotation by rename (kubelet: 0.log -> 0.log.<timestamp>, a new 0.log, the
// old one later gzipped into 0.log.<timestamp>.gz and deleted): Refresh()
// notices that the path names a new inode, opens it and keeps the old one
// open. A file is finished -- closed, its last unterminated line handed on --
// when it is at its end and either it has no name left (st_nlink == 0:
// deleted or gzipped away) or the next file of the family has data (the
// runtime has reopened its log, so it writes no more to the old one).
//
// Rotations the tailer did not see (the path rotated more than once since the
// last Refresh(), e.g. while the reader was held back): before the file the
// path names now, the tailer reads, oldest first,
//   - every `.gz` sibling that appeared since it last looked and whose
//     decompressed first bytes (its fingerprint) match no file the tailer has
//     read, skipped or holds open: a file it never saw, compressed before it
//     could be opened;
//   - every uncompressed sibling `<name>.<suffix>` whose inode the tailer
//     never saw (by mtime, then name).
// A sibling that vanishes between being listed and being opened is counted
// as lost (files_lost, bytes_lost = its size when listed). Siblings named
// `.tmp` (kubelet's half-written .gz) and other compressed formats are
// never read.
//
// copytruncate: a file found shorter than the read offset was truncated: it
// is read again from offset 0 (under a new source id) and counted
// (truncations). A copy-truncate that the writer refills past the old offset
// before the tailer looks is not detectable this way (as in every tailer).
//
// Deletion (a deleted pod): the open descriptor keeps the data; the file is
// read to its end, then released. finished() turns true once the path is gone
// and every file of the family is finished.
//
// Start points (positions/start_policy.h):
//   kBeginning  the file at the path from offset 0. Rotated siblings that
//               exist at that moment are old: they are not read.
//   kEnd        the file at the path from its end (after its last '\n').
//   kResume     the saved (dev, ino) is looked up among the path and its
//               uncompressed siblings; its first fingerprint.len bytes must
//               have the saved CRC (else it is another file that reused the
//               inode number). Found: read from the saved offset (from 0 if
//               the file is now shorter: truncated), then every newer sibling
//               (by mtime, then name) and the path, from 0. Not found
//               (resume_file_missing): the saved file was compressed or
//               deleted, so every uncompressed sibling left is newer. A `.gz`
//               sibling whose decompressed first bytes match the fingerprint
//               is the saved file: it is read from the saved offset
//               (resumed_from_gzip), then the `.gz` siblings newer than it
//               (compressed while the collector was down), then the
//               uncompressed siblings and the path, from 0.
//
// Positions of a file read from a `.gz` sibling name the file it stands for
// (the saved dev/ino, or the .gz's own for a file never seen uncompressed)
// with offsets into the decompressed bytes, and its fingerprint; a restart
// finds it again by that fingerprint.
//
// Lines: blocks are read with pread() into the caller's buffer (shared by all
// tailers, so memory does not grow with the number of files) and split at
// '\n' with memchr; each line goes to the LineSink as a view into that buffer
// with its LineRef {source id, start offset, end offset}. Only a line cut by
// the block's end is copied (into a small per-tailer carry buffer), until its
// end arrives or the file is finished. A line longer than max_line_bytes is
// cut there: its first max_line_bytes are handed on when its '\n' comes, the
// rest is dropped and counted (long_lines_cut).
//
// Thread safety: not thread-safe; one thread (the reader loop) uses a tailer.
// The SourceTable and TailStats it writes to are thread-safe.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collector/format/assembler.h"
#include "collector/positions/start_policy.h"
#include "collector/tail/source_table.h"
#include "collector/tail/tail_stats.h"

namespace logstack::collector::tail {

// Receives complete lines (without their '\n'). The view is valid only during
// the call. OnLine must not call back into the tailer.
class LineSink {
 public:
  virtual ~LineSink() = default;
  virtual void OnLine(std::string_view line, const format::LineRef& ref) = 0;
};

struct TailerOptions {
  size_t max_line_bytes = 1 << 20;
};

class FileTailer {
 public:
  // `path` is also the family's positions key. sources and stats must
  // outlive the tailer.
  FileTailer(std::string path, TailerOptions options, SourceTable* sources, TailStats* stats);
  ~FileTailer();
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;

  // Opens the family's files as `start` says (see above). A path that does
  // not exist yet is not an error: the family is empty until Refresh() finds
  // the file. REQUIRES: called once, before anything else.
  void Start(const positions::StartPoint& start);

  // Looks for files of the family not open yet (the path names a new inode;
  // rotated siblings the tailer missed). One stat() when nothing changed.
  void Refresh();

  // Reads up to `budget` bytes, in blocks of at most buffer.size(), from the
  // family's files in order, handing every complete line to `sink`; finishes
  // files as described above. Returns the bytes read. REQUIRES: buffer is
  // not empty.
  size_t Read(std::span<char> buffer, size_t budget, LineSink* sink);

  // True when the last Read() stopped because the budget ran out (there may
  // be more to read right away).
  bool has_more() const { return has_more_; }
  // True when the path is gone and every file of the family was read to its
  // end and closed: the family is done.
  bool finished() const { return !path_exists_ && files_.empty(); }
  size_t open_files() const { return files_.size(); }
  // The oldest open file and the offset it will be read from; nullopt when
  // no file is open.
  std::optional<SourcePosition> FrontPosition() const;
  // Bytes of the open files not read yet (fstat() of each).
  int64_t LagBytes() const;
  const std::string& path() const { return path_; }

 private:
  struct File;
  struct Sibling {
    std::string path;
    uint64_t dev = 0;
    uint64_t ino = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool is_path = false;  // the family's path itself, not a rotated sibling
  };
  struct Seen {
    uint64_t dev;
    uint64_t ino;
  };
  // The first bytes of a .gz sibling, decompressed (at most kFingerprintBytes).
  struct GzipHead {
    std::string bytes;
    positions::Fingerprint Fingerprint() const;
  };

  // Rotated siblings: `<name>.<suffix>`; uncompressed ones or .gz ones.
  std::vector<Sibling> ListSiblings(bool gzip) const;
  // Opens `path` and adds it at the end of files_, reading from `offset`
  // (-1: from the end, after the last '\n'). `expect`, when given, is the
  // file as listed: if it is gone, or the name now holds another inode, it
  // counts as lost. Returns false when nothing was added.
  bool OpenFile(const std::string& path, int64_t offset, const Sibling* expect);
  // Opens a compressed sibling and adds it at the end of files_, reading
  // from `offset` (decompressed bytes); its positions name (dev, ino, fp).
  bool OpenGzip(const Sibling& sib, int64_t offset, uint64_t dev, uint64_t ino,
                const positions::Fingerprint& fp);
  static std::optional<GzipHead> ReadGzipHead(const std::string& path);
  // True if `head` is the start of a file the tailer knows (open, finished
  // or skipped).
  bool IsKnownContent(const GzipHead& head) const;
  void RememberContent(const positions::Fingerprint& fp);
  // Reads the .gz siblings not looked at yet that hold files never seen.
  void OpenMissedGzipSiblings();
  void Resume(const positions::Record& rec);
  bool IsOpen(uint64_t dev, uint64_t ino) const;
  bool IsSeen(uint64_t dev, uint64_t ino) const;
  // Marks the siblings existing now as not to be read.
  void IgnoreExistingSiblings();

  // One read from the front file; <0 error, 0 end of file.
  ssize_t ReadFront(File* f, std::span<char> buffer);
  void Consume(File* f, std::string_view block, LineSink* sink, uint64_t* lines);
  void AppendCarry(std::string_view bytes);
  void UpdateFingerprint(File* f);
  // The front file is at its end: true if it may be finished (see above).
  bool MayFinish(File* f);
  void FinishFront(LineSink* sink, uint64_t* lines);
  void RestartTruncated(File* f);

  const std::string path_;
  const std::string dir_;
  const std::string base_;  // the path's file name
  const TailerOptions options_;
  SourceTable* const sources_;
  TailStats* const stats_;

  // A vector, not a deque: most families have one file, and a deque takes a
  // 512-byte block and a map even for that (~0.6 MB with 1,000 files).
  std::vector<std::unique_ptr<File>> files_;  // oldest first
  std::vector<Seen> seen_;                    // siblings finished or ignored: never read (again)
  // Fingerprints of the files finished or skipped (the last kKnownContent),
  // to recognize them once compressed.
  std::deque<positions::Fingerprint> known_content_;
  static constexpr size_t kKnownContent = 64;
  // .gz siblings already looked at, by name.
  std::set<std::string> gzip_seen_;
  bool path_exists_ = false;
  bool has_more_ = false;

  // The front file's line cut by the end of the last block read.
  std::string carry_;
  int64_t carry_start_ = 0;
  bool carry_cut_ = false;  // carry_ reached max_line_bytes; the rest is dropped
};

}  // namespace logstack::collector::tail
