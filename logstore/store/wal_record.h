#pragma once

// The payload of a write-ahead log record (docs/storage.md, "Write-ahead
// log"): the entries one push stored, grouped by stream.
//
//   body(kind 1) := lp tenant | count stream_count | stream*
//   stream       := lp labels | count entry_count | entry*
//   entry        := varsint ts_delta | lp line | varint md_len | metadata
//
// Counts are varints; the writer pads them to kCountBytes bytes so it can
// write entries as it accepts them and fill the counts in last. The reader
// takes padded and plain varints alike.
//
// Thread safety: values; one thread at a time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore {

inline constexpr uint8_t kWalEntriesRecord = 1;

// Builds one record in a caller-kept buffer, so its memory is reused across
// pushes. Use: Begin, then per stream BeginStream, AddEntry..., EndStream,
// then Finish.
class WalRecordWriter {
 public:
  explicit WalRecordWriter(std::string* buf) : buf_(buf) {}

  // Clears the buffer (keeping its capacity, grown to `reserve`) and writes
  // the header.
  void Begin(std::string_view tenant, size_t reserve);
  void BeginStream(std::string_view labels);
  void AddEntry(int64_t ts, std::string_view line, std::string_view encoded_metadata);
  // Closes the stream; a stream with no entry is taken out of the record.
  void EndStream();
  // Returns the record, or an empty view when no stream has an entry.
  std::string_view Finish();

  uint64_t streams() const { return streams_; }

 private:
  std::string* buf_;
  size_t streams_at_ = 0;
  uint64_t streams_ = 0;
  size_t stream_begin_ = 0;
  size_t entries_at_ = 0;
  uint64_t entries_ = 0;
  int64_t prev_ts_ = 0;
};

// Reads a record back. Use: Open, then while NextStream: while NextEntry.
// Every length is checked against the record; damage is a Corruption.
class WalRecordReader {
 public:
  explicit WalRecordReader(std::string_view payload) : in_(payload) {}

  // Reads the header. REQUIRES: called first, once.
  Status Open();
  std::string_view tenant() const { return tenant_; }

  // Moves to the next stream: *more is false after the last one.
  Status NextStream(bool* more);
  std::string_view labels() const { return labels_; }

  // Moves to the next entry of the current stream: *more is false after its
  // last one.
  Status NextEntry(bool* more);
  int64_t ts() const { return ts_; }
  std::string_view line() const { return line_; }
  std::string_view metadata() const { return metadata_; }

 private:
  std::string_view in_;
  std::string_view tenant_;
  uint64_t streams_left_ = 0;
  std::string_view labels_;
  uint64_t entries_left_ = 0;
  int64_t ts_ = 0;
  std::string_view line_;
  std::string_view metadata_;
};

}  // namespace logstack::logstore
