#pragma once

// Reading records in the framing of log_format.h (docs/storage.md, "Record
// framing").
//
// The reader verifies every fragment and never returns a damaged record. A bad
// checksum, an impossible length or a fragment it cannot use is reported to
// the Reporter with the number of bytes dropped. After a bad checksum or
// length the rest of the block cannot be trusted and is skipped; a fragment
// whose checksum is good but which is out of sequence (a MIDDLE or LAST with
// no FIRST, e.g. after a skipped block) is dropped on its own, since the
// records after it in the block are intact. A file that ends inside a
// fragment or inside a fragmented record (the trace of a crash during a
// write) is reported too, and the partial record dropped. Zero-filled space
// (a block trailer, preallocated or never-written space) is skipped silently.
//
// Thread safety: not thread-safe; use from one thread at a time.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"
#include "logstore/wal/log_format.h"

namespace logstack::logstore::wal {

class LogReader {
 public:
  // Receives the damage the reader finds and skips over.
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // `bytes` (approximately) were dropped because of `reason` (a Corruption,
    // or the IOError that ended reading).
    virtual void Corruption(size_t bytes, const Status& reason) = 0;
  };

  // Reads records from `file`, starting with the first record that begins at
  // or after `initial_offset`. file and reporter (which may be null) are not
  // owned and must outlive the reader.
  LogReader(SequentialFile* file, Reporter* reporter, uint64_t initial_offset = 0);
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // Returns true and sets *record to the next record, or returns false at the
  // end of the file (or after a read error: see status()). *record points
  // into the reader or into *scratch and is valid until the next call or
  // until *scratch changes.
  bool ReadRecord(std::string_view* record, std::string* scratch);

  // The file offset of the first fragment of the last record returned.
  uint64_t LastRecordOffset() const { return last_record_offset_; }
  // The file offset just past the last record returned (0 before any).
  uint64_t LastRecordEnd() const { return last_record_end_; }

  // OK unless reading the file failed. Corruption is not an error here: it is
  // reported and skipped.
  const Status& status() const { return status_; }

 private:
  // ReadPhysicalRecord's results besides the record types.
  enum : int {
    kEof = kMaxRecordType + 1,
    // A fragment that is no use: damaged (and reported), zero-filled, or
    // before initial_offset_.
    kBadRecord = kMaxRecordType + 2,
  };

  // Returns the type of the next fragment and sets *fragment to its payload,
  // or returns kEof / kBadRecord.
  int ReadPhysicalRecord(std::string_view* fragment);
  // Reads the next block into buffer_. Returns false at end of file or error.
  bool ReadBlock();
  bool SkipToInitialBlock();
  void Report(size_t bytes, std::string_view reason);
  void ReportStatus(size_t bytes, const Status& reason);

  SequentialFile* const file_;
  Reporter* const reporter_;
  const uint64_t initial_offset_;
  std::unique_ptr<char[]> backing_store_;
  std::string_view buffer_;            // the unread part of the current block
  bool eof_ = false;                   // the last block read was short: there is no more
  uint64_t end_of_buffer_offset_ = 0;  // file offset just past buffer_
  uint64_t last_record_offset_ = 0;
  uint64_t last_record_end_ = 0;
  bool resyncing_;  // skip MIDDLE and LAST fragments until a FIRST or FULL
  bool skipped_to_initial_block_ = false;
  Status status_;
};

}  // namespace logstack::logstore::wal
