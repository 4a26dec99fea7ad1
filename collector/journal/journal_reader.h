#pragma once

// JournalReader: reads the systemd journal through libsystemd's sd-journal
// API and hands out its records as Entries (journal_entry.h), each carrying
// its journal cursor as its position.
//
// Source: a directory of journal files, the host's /var/log/journal
// (persistent) or /run/log/journal (volatile) mounted into the pod, read
// with sd_journal_open_directory (the directory and its <machine-id>
// subdirectories); with no directory, the local system's journal.
//
// Where it starts:
//   - with a cursor (the position saved after the store acknowledged the
//     entry): right after that entry. The reader seeks to the cursor and
//     skips the entry there when it is the cursor's own entry
//     (sd_journal_test_cursor); when that entry no longer exists (its file
//     was rotated away or vacuumed), the journal positions on the next
//     entry after it, which is new and is returned. No duplicates, no gaps
//     while the entries exist.
//   - else with max_age > 0: at the first entry no older than max_age
//     (Promtail's journal `max_age`);
//   - else at the head (everything the journal holds) or the tail (only
//     entries written from now on), per `start`.
// A cursor that is not a journal cursor at all is InvalidArgument from
// Open(); the caller decides where to start instead.
//
// Reading: Read() returns the entries available now, up to a count; when
// there are none it waits for the journal to change, up to a timeout. The
// wait is sd_journal_wait's, done by hand (poll() on sd_journal_get_fd()
// with sd_journal_get_timeout(), then sd_journal_process()) so that it also
// wakes for Stop(): an sd_journal may be used by one thread only, so another
// thread cannot interrupt sd_journal_wait itself.
// Records without a MESSAGE field are skipped and counted (Promtail does the
// same); a MESSAGE longer than max_line_bytes is cut there and counted.
//
// Without libsystemd at build time (LOGSTACK_HAVE_SYSTEMD unset), Open()
// returns Unimplemented: "not built with journal support".
//
// Thread safety: Open(), Read() and the destructor on one thread (the
// reader's); Stop() and stats() from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collector/journal/journal_entry.h"
#include "collector/model/entry.h"
#include "common/clock.h"
#include "common/status.h"

namespace logstack::collector {

struct JournalOptions {
  // "" = the local system's journal (sd_journal_open, local only).
  std::string directory;
  // Where to start without a cursor.
  enum class Start { kTail, kHead };
  Start start = Start::kTail;
  // Without a cursor and > 0: start at entries no older than this (wins
  // over `start`).
  std::chrono::nanoseconds max_age{0};
  // A longer MESSAGE is truncated to this many bytes; 0 = no limit.
  size_t max_line_bytes = 0;
  JournalLabelOptions labels;
};

// Counters, monotonic; read at any time.
struct JournalStats {
  std::atomic<uint64_t> entries{0};     // entries returned by Read()
  std::atomic<uint64_t> bytes{0};       // their line bytes
  std::atomic<uint64_t> no_message{0};  // records skipped: no MESSAGE field
  std::atomic<uint64_t> truncated{0};   // messages cut to max_line_bytes
};

class JournalReader {
 public:
  // Opens the journal and positions the reader. `cursor` "" = none. `clock`
  // (for max_age) must outlive the reader. NotFound when `directory` does
  // not exist, IOError when it cannot be opened, InvalidArgument for a bad
  // cursor, Unimplemented without journal support.
  static StatusOr<std::unique_ptr<JournalReader>> Open(JournalOptions options,
                                                       const std::string& cursor,
                                                       const Clock& clock);
  virtual ~JournalReader() = default;

  // Up to `max_entries` entries following the last one returned (or the
  // start). When none is available, waits up to `timeout` for new ones;
  // returns an empty vector when none came. Cancelled once Stop() was called;
  // IOError when the journal cannot be read.
  // REQUIRES: max_entries > 0.
  virtual StatusOr<std::vector<Entry>> Read(size_t max_entries,
                                            std::chrono::milliseconds timeout) = 0;

  // Wakes a waiting Read() and makes every later one return Cancelled.
  virtual void Stop() = 0;

  virtual const JournalStats& stats() const = 0;
};
using JournalReaderPtr = std::unique_ptr<JournalReader>;

// True iff this build can read the journal.
bool JournalSupported();

}  // namespace logstack::collector
