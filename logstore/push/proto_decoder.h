#pragma once

// Decoding a protobuf push body: snappy block compression around Loki's
// logproto.PushRequest (proto/push.proto):
//
//   PushRequest      { repeated StreamAdapter streams = 1; }
//   StreamAdapter    { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
//   EntryAdapter     { google.protobuf.Timestamp timestamp = 1; string line = 2;
//                      repeated LabelPairAdapter structuredMetadata = 3; }
//   LabelPairAdapter { string name = 1; string value = 2; }
//   Timestamp        { int64 seconds = 1; int32 nanos = 2; }
//
// The decoder is written by hand for speed: it does not copy lines, labels or
// metadata but points into PushRequest::body, and allocates nothing per entry
// beyond the growth of the request's vectors.
//
// It reads the wire format the way Loki's (gogo-generated) decoder does:
// unknown fields of every wire type are skipped (groups included, and a field
// of any size), a repeated scalar or string keeps its last value, strings are
// not checked for UTF-8, a 10-byte varint keeps its low 64 bits. An entry
// without a timestamp gets INT64_MIN (it is then "too old"); seconds outside
// years 1-9999 or nanos outside [0, 1e9) are errors.
//
// Errors are kInvalidArgument with the text Loki gives: "snappy: corrupt
// input" for a body that is not snappy (an empty body included), and for
// malformed protobuf a text starting "proto: " and naming the message, e.g.
//   proto: PushRequest: illegal tag -1 (wire type 9223372036854775807)
//   proto: StreamAdapter: unexpected EOF
//   proto: EntryAdapter: wrong wireType = 0 for field Line
//
// Thread safety: free functions; safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "logstore/model/types.h"
#include "logstore/push/decompress.h"

namespace logstack::logstore::push {

// Snappy-decompresses body (the block format, not the framing format) and
// decodes the PushRequest in it. A decompressed size over max_decoded_bytes
// is refused before memory is taken for it.
StatusOr<PushRequestPtr> DecodeProtoPush(std::string_view snappy_body,
                                         size_t max_decoded_bytes = kDefaultMaxDecodedBytes);

// Decodes an already decompressed PushRequest, which becomes the request's
// body.
StatusOr<PushRequestPtr> ParseProtoPush(std::string body);

// DecodeProtoPush into a request the caller keeps and reuses: *req is emptied
// first, and the memory its body already has is reused for the decompressed
// bytes, so a caller that decodes push after push into one request does not
// allocate (and fault in) a new body each time. On error *req holds a partly
// decoded request that must not be used, only decoded into again.
Status DecodeProtoPushInto(std::string_view snappy_body, PushRequest* req,
                           size_t max_decoded_bytes = kDefaultMaxDecodedBytes);

}  // namespace logstack::logstore::push
