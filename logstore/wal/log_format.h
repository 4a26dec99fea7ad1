#pragma once

// The record framing shared by WAL segments and index.log (docs/storage.md,
// "Record framing"): a file is a sequence of kBlockSize blocks; a record is
// written as one or more fragments, none of which crosses a block boundary:
//
//   fragment := crc (fixed32) | length (fixed16) | type (1 byte) | payload
//
// `crc` is the masked CRC-32C of the type byte and the payload. When fewer than
// kHeaderSize bytes remain in a block they are zero-filled and the next
// fragment starts in the next block.

#include <cstddef>
#include <cstdint>

namespace logstack::logstore::wal {

enum class RecordType : uint8_t {
  // Never written: zeros mark space nobody wrote (preallocated or torn).
  kZero = 0,
  kFull = 1,    // a whole record
  kFirst = 2,   // the first fragment of a record
  kMiddle = 3,  // an interior fragment
  kLast = 4,    // the final fragment
};
constexpr int kMaxRecordType = static_cast<int>(RecordType::kLast);

constexpr size_t kBlockSize = 32 * 1024;

// crc (4) + length (2) + type (1).
constexpr size_t kHeaderSize = 4 + 2 + 1;

}  // namespace logstack::logstore::wal
