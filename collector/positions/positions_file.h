#pragma once

// The positions file: where the collector is in every source it reads, as of
// the last entries the store acknowledged (docs/collector.md, "Positions
// file"). Text, one record a line, so operators can read it:
//
//   # logstack-collector positions (docs/collector.md). Written atomically; do not edit.
//   logstack-positions v1
//   "/var/log/pods/ns_web-0_0b5c.../app/0.log" dev=2049 ino=393236 offset=1844 fp=1024:5f1e0a7c
//   crc=3a0c6f12 "journal:system" cursor="s=6e0c...;i=1f2;b=...;m=...;t=...;x=..." crc=91d2b3e4 end
//   records=2 crc=0f3c7a55
//
// Lines starting with '#' are comments. The header line names the version.
// A record is its key, quoted, then `name=value` fields separated by one
// space, and last `crc=` with the CRC-32C (8 lower-case hex digits, not
// masked) of the line's bytes before " crc=". Keys and cursors are quoted:
// '"' and '\' are escaped with '\', bytes below 0x20 and 0x7F as \xHH, all
// other bytes (UTF-8 or not) as they are. Fields:
//   dev, ino  the file's st_dev and st_ino (decimal)
//   offset    the byte after the last acknowledged entry (decimal)
//   fp        <len>:<crc>: CRC-32C of the file's first len bytes (len at most
//             1024, decimal; crc 8 hex digits), to tell the file from another
//             that reused its inode number, and to find it again once it has
//             been compressed
//   cursor    a journal cursor, quoted (journal records have no dev/ino)
// Unknown fields are ignored (they are still covered by the CRC). The last
// line is `end records=<n> crc=<CRC-32C of every byte before this line>`.
//
// Damage is detected, never trusted: a file without its header or end line
// (truncated), with a wrong count or whole-file CRC, or with a record whose
// own CRC fails or that does not parse is Corruption. The records whose own
// CRC checks out are still returned: each is exactly what the collector wrote
// for that key, so it is a last good position. A key that appears twice is
// trusted in neither record.
//
// Thread safety: pure functions, and file functions that go through Env;
// safe from any thread.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"

namespace logstack::collector::positions {

// The first bytes of a file, summarized.
struct Fingerprint {
  uint32_t len = 0;  // bytes covered, at most kFingerprintBytes
  uint32_t crc = 0;  // CRC-32C of those bytes (0 when len is 0)
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};
inline constexpr uint32_t kFingerprintBytes = 1024;

struct Record {
  // Files: which file (by device and inode) and where in it.
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t offset = 0;
  Fingerprint fingerprint{};
  // Journal: the cursor of the last acknowledged entry; empty for files.
  std::string cursor{};

  friend bool operator==(const Record&, const Record&) = default;
};

using RecordMap = std::map<std::string, Record, std::less<>>;

// The file's text for `records` (sorted by key).
std::string SerializePositions(const RecordMap& records);

struct ParsedPositions {
  // The records that can be trusted (all of them when status is OK).
  RecordMap records;
  // OK, or Corruption saying what is wrong (the first problem found, and how
  // many records were dropped).
  Status status;
  // Record lines that could not be trusted.
  uint64_t bad_records = 0;
};

// Reads the file's text. Never fails; damage is reported in the result.
ParsedPositions ParsePositions(std::string_view contents);

// Reads the positions file at `path`. NotFound when there is none (a clean
// start); IOError when it cannot be read; otherwise the parse, whose
// Corruption status names the file.
StatusOr<ParsedPositions> LoadPositionsFile(Env* env, const std::string& path);

// Writes `records` to `path` atomically: `path`.tmp written and synced, then
// renamed over `path`, then the directory synced. On failure `path` holds
// its previous contents (or does not exist, if it did not).
Status WritePositionsFile(Env* env, const std::string& path, const RecordMap& records);

// Quoting as described above.
void AppendQuoted(std::string_view s, std::string* out);

}  // namespace logstack::collector::positions
