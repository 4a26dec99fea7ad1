#pragma once

// Block compression codecs of the chunk format (docs/storage.md, "Chunks").
//
// Compress and Decompress reuse one zstd context per thread, so they are cheap
// to call once per block. Decompress treats its input as untrusted: bytes that
// do not decode, or decode to a length other than the one the caller expects,
// give a Corruption status, never a crash.
//
// Thread safety: all functions are safe to call from any number of threads.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::chunk {

// The on-disk value of a chunk's `encoding` header byte.
enum class Encoding : uint8_t { kNone = 0, kSnappy = 1, kZstd = 2 };

// Returns true iff `value` is the byte of a known Encoding.
bool IsValidEncoding(uint8_t value);

// "none", "snappy" or "zstd"; "unknown" for a value outside the enum.
std::string_view EncodingName(Encoding encoding);

// Parses a name as EncodingName() prints it. Returns InvalidArgument, naming
// the accepted values, for anything else.
StatusOr<Encoding> ParseEncoding(std::string_view name);

// What a frame holds, so that the encoder can be tuned to it. The bytes a
// frame decodes to, and how they are decoded, do not depend on it.
enum class FrameKind : uint8_t {
  kGeneric,
  // Log lines back to back (a layout-2 lines frame). zstd levels 1 to 4 use
  // a minimum match of 6 bytes, level 1's own: on log text zstd's shorter
  // minimum matches at levels 2 to 4 (4 at level 3) both compress worse and
  // decompress slower (docs/benchmarks.md, chunk_bench).
  kLines,
};

// Replaces *out with `in` compressed by `encoding`. `level` is zstd's level
// (negative levels allowed) and is ignored by the other encodings.
// Returns InvalidArgument for an unknown encoding or a level zstd rejects.
Status Compress(Encoding encoding, int level, std::string_view in, std::string* out,
                FrameKind kind = FrameKind::kGeneric);

// Replaces *out with the decompressed form of `in`, which must be exactly
// `raw_len` bytes. Returns Corruption if `in` does not decode or its length
// is not raw_len; *out is then unspecified.
Status Decompress(Encoding encoding, std::string_view in, size_t raw_len, std::string* out);

}  // namespace logstack::logstore::chunk
