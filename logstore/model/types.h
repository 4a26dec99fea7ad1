#pragma once

// The log store's data model: labels, entries and the decoded push request.
//
// A stream is identified by its label set. Each entry has a nanosecond
// timestamp, a line and optional structured metadata (name/value pairs that
// are not indexed).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace logstack::logstore {

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};
// Sorted by name, names unique.
using Labels = std::vector<Label>;

// A borrowed name/value pair; the storage it points into outlives it.
struct LabelRef {
  std::string_view name;
  std::string_view value;
};

// One entry of a decoded push. Its structured metadata is
// PushRequest::metadata[metadata_begin, metadata_begin + metadata_count).
struct PushEntry {
  int64_t timestamp_ns = 0;
  std::string_view line;
  uint32_t metadata_begin = 0;
  uint32_t metadata_count = 0;
};

struct PushStream {
  // Protobuf pushes: the labels string as sent, e.g. {app="x", pod="y"}.
  std::string_view labels_text;
  // JSON pushes: the stream object's pairs in order, a repeated key already
  // resolved to its last value. Empty for protobuf.
  std::vector<LabelRef> labels;
  bool from_json = false;
  std::vector<PushEntry> entries;
};

// A decoded push body. Every string_view points into `body` or `arena`, so
// the request is handed around by unique_ptr and never copied or moved.
struct PushRequest {
  PushRequest() = default;
  PushRequest(const PushRequest&) = delete;
  PushRequest& operator=(const PushRequest&) = delete;

  std::vector<PushStream> streams;
  std::vector<LabelRef> metadata;
  std::string body;                 // the decompressed body
  std::vector<std::unique_ptr<std::string>> arena;  // unescaped JSON strings

  // Stores s and returns a view that lives as long as the request.
  std::string_view Keep(std::string s) {
    arena.push_back(std::make_unique<std::string>(std::move(s)));
    return *arena.back();
  }
};
using PushRequestPtr = std::unique_ptr<PushRequest>;

// An entry read back from storage. Views point into a decoded block that the
// iterator producing it keeps alive until its next call. Structured metadata
// stays in its encoded form (docs/storage.md, "metadata") so a scan does not
// allocate; DecodeMetadata() expands it when it is needed.
struct EntryView {
  int64_t timestamp_ns = 0;
  std::string_view line;
  std::string_view metadata;  // encoded pairs; empty when the entry has none
};

// Appends the encoded form of pairs to dst: varint count, then each name and
// value length-prefixed. Writes nothing for an empty list.
void EncodeMetadata(std::string* dst, const LabelRef* pairs, size_t n);
// Returns false if `encoded` is not a valid encoding.
bool DecodeMetadata(std::string_view encoded, std::vector<LabelRef>* out);

}  // namespace logstack::logstore
