#pragma once

// Writing records in the framing of log_format.h (docs/storage.md, "Record
// framing").
//
// RecordFramer turns records into framed bytes without doing any I/O, so a
// caller can frame under its own mutex and write the bytes later, outside it
// (the WAL's group commit does this). LogWriter frames records straight onto a
// WritableFile.
//
// Thread safety: neither class is thread-safe; use one from one thread at a
// time (or under a lock).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"
#include "logstore/wal/log_format.h"

namespace logstack::logstore::wal {

// Frames records for a file whose next byte is at `offset()`.
class RecordFramer {
 public:
  // file_offset: the size of the file the framed bytes will be appended to.
  // It may be anywhere, also inside a block or a block's zero trailer.
  explicit RecordFramer(uint64_t file_offset = 0);

  // Appends to *dst the bytes that frame `record` when written at offset(),
  // and advances offset() past them. The caller must write the bytes of every
  // call, in order, at the offsets they were framed for.
  void AppendFramed(std::string_view record, std::string* dst);
  // The same for the record `head` followed by `tail`, framed as one record
  // without first copying the two together.
  void AppendFramed(std::string_view head, std::string_view tail, std::string* dst);

  // The file offset the next framed byte is meant for.
  uint64_t offset() const { return offset_; }

 private:
  // One fragment whose payload is a followed by b.
  void AppendFragment(RecordType type, std::string_view a, std::string_view b, std::string* dst);

  uint64_t offset_;
  size_t block_offset_;  // offset_ % kBlockSize
};

// Appends framed records to a file.
class LogWriter {
 public:
  // Frames after the current end of `dest` (dest->Size()), so a file may be
  // reopened for appending. If the file may end in a torn record, truncate it
  // to the end of its last good record first (LogReader::LastRecordEnd()):
  // otherwise the reader may drop the new records together with the torn one.
  // dest is not owned and must outlive the writer.
  explicit LogWriter(WritableFile* dest);
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends one record and flushes it to the OS (durability needs
  // dest->Sync()). Returns OK iff the bytes were written. After an error the
  // file's tail is in an unknown state; every later call returns that error.
  Status AddRecord(std::string_view record);

 private:
  WritableFile* const dest_;
  RecordFramer framer_;
  std::string buf_;
  Status error_;
};

}  // namespace logstack::logstore::wal
