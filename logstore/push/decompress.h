#pragma once

// Undoing a push body's Content-Encoding, as Loki does before decoding it.
//
//   ""          the body as it is
//   "identity"  the body as it is (Loki itself does not accept this name)
//   "snappy"    the body as it is: a marker some clients send with protobuf
//               bodies, which are snappy-compressed anyway and decompressed by
//               DecodeProtoPush
//   "gzip"      gzip, concatenated members allowed. Errors: "EOF" (empty
//               body), "gzip: invalid header" (not gzip), "unexpected EOF"
//               (cut short), "gzip: invalid checksum", "flate: corrupt input
//               before offset N"
//   "deflate"   RAW deflate (RFC 1951, no zlib header), as Loki reads it. A
//               body that yields nothing, a zlib-wrapped one (RFC 9110's
//               "deflate") included, is "EOF", as Loki answers; a stream that
//               breaks later is "unexpected EOF" or "flate: corrupt input ..."
//   other       `Content-Encoding "br" not supported`
//
// Names are compared exactly, as Loki does. Every error is kInvalidArgument
// (HTTP 400). A gzip or deflate body that would decompress to more than
// max_decoded_bytes is refused ("decompressed body is larger than N bytes")
// before more memory than that is taken.
//
// Thread safety: a free function; safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::push {

inline constexpr size_t kDefaultMaxDecodedBytes = size_t{1} << 30;  // 1 GiB

// True for the names whose body DecodeContentEncoding returns as it is: "",
// "identity" and "snappy".
bool IsIdentityContentEncoding(std::string_view content_encoding);

StatusOr<std::string> DecodeContentEncoding(std::string_view content_encoding, std::string body,
                                            size_t max_decoded_bytes = kDefaultMaxDecodedBytes);

}  // namespace logstack::logstore::push
