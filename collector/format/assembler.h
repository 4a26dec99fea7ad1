#pragma once

// EntryAssembler: turns the parsed lines of one file family (a container's
// log path and the files it rotated into, in order) into log entries, joining
// partial lines (CRI "P", Docker records without a trailing "\n") with the
// lines that complete them.
//
// Joining: partial lines are kept per stream (stdout and stderr of one
// container interleave in one file, and each may be in the middle of a long
// line), appended to a buffer owned by the assembler until a non-partial line
// of the same stream completes the entry. The buffer is reused: a full line
// with nothing pending (the common case) is handed on as the view it came in,
// without a copy; a buffer grown past 64 KiB by a long entry is released
// after it. An entry longer than max_entry_bytes is cut there (at a
// UTF-8 character boundary when the text is valid UTF-8 at the cut), the rest
// of its lines dropped, and counted in truncated_entries / truncated_bytes.
//
// Timestamps: an entry has the timestamp of its first line. Raw lines carry
// none; they get `read_time_ns`, the time they were read. For CRI and Docker
// lines the timestamp is part of the line, so re-reading a line (after a
// crash, from the last acknowledged position) gives an identical entry and
// the store drops the repeat: exactly once holds. For raw lines it does not:
// a raw line re-read after a crash gets a new read time, so the store keeps
// both copies (at least once).
//
// Positions: every entry carries the position to resume from once it and all
// entries before it are acknowledged, as a SourcePosition {source id,
// offset}: the end of the entry's last line, unless a partial entry of the
// other stream is still pending, in which case the start of that pending
// entry's first line (re-reading from there repeats some entries already
// sent, which the store drops, but loses none). Positions are non-decreasing
// in the order entries are emitted (in the family's order of files).
//
// Thread safety: not thread-safe; one assembler per file family, used by the
// thread that reads it. AssemblerStats may be read from any thread.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collector/format/line.h"
#include "collector/model/entry.h"

namespace logstack::collector::format {

// Where one physical line lies: the collector's id of the file (tail/'s
// SourceTable), the offset of its first byte and the offset just after its
// '\n' (or after its last byte, for a final line without one).
struct LineRef {
  uint64_t source = 0;
  int64_t start = 0;
  int64_t end = 0;
};

struct AssembledEntry {
  int64_t timestamp_ns = 0;
  // True when timestamp_ns is the time the line was read (raw lines).
  bool read_time = false;
  LineFormat format = LineFormat::kRaw;
  StreamKind stream = StreamKind::kUnknown;
  // Valid only during EntryConsumer::OnEntry.
  std::string_view line;
  bool truncated = false;
  // Physical lines the entry was joined from (1 when it was not partial).
  uint32_t lines = 1;
  SourcePosition position;
};

// Receives entries. OnEntry must not call back into the assembler.
class EntryConsumer {
 public:
  virtual ~EntryConsumer() = default;
  virtual void OnEntry(const AssembledEntry& entry) = 0;
};

// Monotonic counters; read with relaxed loads from any thread. One may be
// shared by many assemblers.
struct AssemblerStats {
  std::atomic<uint64_t> partial_lines{0};      // partial lines joined into entries
  std::atomic<uint64_t> truncated_entries{0};  // entries cut at max_entry_bytes
  std::atomic<uint64_t> truncated_bytes{0};    // bytes dropped by those cuts
};

struct AssemblerOptions {
  size_t max_entry_bytes = 256 * 1024;
};

class EntryAssembler {
 public:
  // stats may be null; else it must outlive the assembler.
  explicit EntryAssembler(AssemblerOptions options = {}, AssemblerStats* stats = nullptr);
  EntryAssembler(const EntryAssembler&) = delete;
  EntryAssembler& operator=(const EntryAssembler&) = delete;

  // Takes the next line of the family. Emits zero or one entry to *out.
  // The views of `line` need only be valid during the call.
  void Add(const ParsedLine& line, const LineRef& ref, int64_t read_time_ns, EntryConsumer* out);

  // Emits every pending partial entry as it is (for the end of a family: the
  // file is gone and read to its end, or the collector stops reading it).
  void Flush(EntryConsumer* out);

  // True while a partial entry waits for its end.
  bool has_pending() const;

  const AssemblerOptions& options() const { return options_; }

 private:
  struct Pending {
    bool active = false;
    bool truncated = false;
    bool read_time = false;
    LineFormat format = LineFormat::kRaw;
    uint32_t lines = 0;
    int64_t timestamp_ns = 0;
    uint64_t seq = 0;  // order in which pending entries began
    LineRef first;     // the entry's first line
    LineRef last;      // its last line so far
    std::string buf;   // reused: cleared, never shrunk
  };

  // Appends as much of text as max_entry_bytes allows.
  void Append(Pending* p, std::string_view text);
  // The position to resume from after emitting an entry ending at `end`,
  // given the other pending entries (all but `except`).
  SourcePosition ResumeAfter(const LineRef& end, const Pending* except) const;
  void Emit(Pending* p, const LineRef& end, EntryConsumer* out);

  static constexpr size_t kKeepBufferBytes = 64 * 1024;

  const AssemblerOptions options_;
  AssemblerStats* const stats_;
  std::array<Pending, 3> pending_;  // by StreamKind
  uint64_t next_seq_ = 0;
};

// The length of the longest prefix of `text` of at most `max` bytes that does
// not end inside a UTF-8 sequence (when the bytes there are valid UTF-8).
size_t Utf8CutPoint(std::string_view text, size_t max);

}  // namespace logstack::collector::format
