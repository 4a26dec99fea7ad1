#pragma once

// PushEncoder: builds the body of a Loki push, a snappy-compressed
// logproto.PushRequest (proto/push.proto), entry by entry, without the
// generated protobuf classes and without a heap allocation per entry.
//
// Wire format written (field numbers of proto/push.proto; docs/collector.md,
// "Push body"):
//
//   PushRequest      { repeated StreamAdapter streams = 1; }
//   StreamAdapter    { string labels = 1; repeated EntryAdapter entries = 2; }
//   EntryAdapter     { Timestamp timestamp = 1; string line = 2;
//                      repeated LabelPairAdapter structuredMetadata = 3; }
//   Timestamp        { int64 seconds = 1; int32 nanos = 2; }
//   LabelPairAdapter { string name = 1; string value = 2; }
//
// as libprotobuf serializes it: fields in number order, empty strings and
// zero numbers left out (the timestamp itself is always written, so an entry
// at the epoch still has one), StreamAdapter.hash not written (the store and
// Loki ignore it). Streams appear in the order they were first used in the
// batch, entries of a stream in the order appended. The body is the snappy
// block format (not the framing format), as Loki expects with
// Content-Type: application/x-protobuf and no Content-Encoding.
//
// How it works: every appended entry is encoded at once into one arena that
// all streams share, each entry linked to the stream's next one; Finish()
// writes the PushRequest by walking each stream's chain, then compresses it.
// The arena and the scratch buffers keep their memory from batch to batch
// (amortised growth), so a steady stream of batches allocates only each
// batch's body, its stream table and its positions. A buffer is let go when
// it holds more than 64 KiB and the batch just made used less than a quarter
// of it (after an unusually large batch, or when batches shrink because
// traffic is low), so memory follows the batches actually made.
//
// Lifecycle: StreamId/Append/AddPosition build the current batch; Finish()
// hands it out as a Batch and starts the next one. Stream ids are valid only
// within one batch: Finish() forgets every stream (so streams of pods long
// gone take no memory) and increments generation(). A caller that caches an
// id keeps the generation it got it in and asks again when it changed.
//
// Thread safety: none; a PushEncoder is used by one thread (the batcher's).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collector/model/entry.h"
#include "collector/ship/batch.h"
#include "common/clock.h"

namespace logstack::collector {

// A name/value pair of structured metadata that points into the caller's
// memory, for callers that hold views rather than strings.
using LabelPairView = std::pair<std::string_view, std::string_view>;

class PushEncoder {
 public:
  // Batches are for `tenant` (empty: no X-Scope-OrgID). `clock` stamps their
  // creation times and must outlive the encoder.
  PushEncoder(std::string tenant, const Clock* clock);
  PushEncoder(const PushEncoder&) = delete;
  PushEncoder& operator=(const PushEncoder&) = delete;

  // The id of the stream whose labels render as `labels` ({a="1", b="2"},
  // LabelSet::ToString()) in the current batch, added when new. The string is
  // sent as it is; the store parses and validates it.
  uint32_t StreamId(std::string_view labels);

  // Appends an entry to stream `stream`. Timestamps may be anything the
  // store accepts (before 1970 included); lines and metadata may hold any
  // bytes (invalid UTF-8 and NULs are sent as they are).
  // REQUIRES: stream was returned by StreamId() in the current generation.
  void Append(uint32_t stream, int64_t timestamp_ns, std::string_view line,
              std::span<const LabelPair> structured_metadata = {});
  void Append(uint32_t stream, int64_t timestamp_ns, std::string_view line,
              std::span<const LabelPairView> structured_metadata);

  // Records that source `source` has been read up to `offset` (and, for the
  // journal, `cursor`), to be committed after the batch is acknowledged.
  // Per source only the last call counts: offsets of a file only grow while
  // it is read, except after a truncation, where the later, smaller offset
  // is the right one to resume from. No allocation once a source's slot
  // exists in this batch (a cursor reuses its string's memory).
  void AddPosition(uint64_t source, int64_t offset, std::string_view cursor = {});
  void AddPosition(const SourcePosition& position) {
    AddPosition(position.source, position.offset, position.cursor);
  }

  // Makes the batch built so far and starts the next one (a new generation:
  // every stream id becomes invalid). Returns nullptr when nothing (no entry,
  // no position) was added since the last Finish(). A batch with positions
  // but no entries has an empty body (the Sender acknowledges it without a
  // request).
  BatchPtr Finish();

  // The current batch.
  bool empty() const { return lines_ == 0 && positions_.empty(); }
  uint64_t lines() const { return lines_; }
  uint64_t line_bytes() const { return line_bytes_; }
  // Size of the PushRequest if it were finished now, before compression.
  uint64_t raw_bytes() const { return raw_bytes_; }
  size_t streams() const { return streams_.size(); }
  // Clock::MonotonicNanos() when the first entry or position was added; 0
  // while empty().
  int64_t created_mono_ns() const { return created_mono_ns_; }
  uint64_t generation() const { return generation_; }
  const std::string& tenant() const { return tenant_; }

  // Bytes of memory the encoder holds between batches (arena and scratch
  // buffers), for the collector's memory accounting.
  size_t retained_bytes() const;

 private:
  // A byte buffer that grows by doubling and, unlike std::string, does not
  // zero what it grows into.
  class Buffer {
   public:
    // Returns room for n more bytes at the end, which the caller fills.
    char* Extend(size_t n);
    void Clear() { size_ = 0; }
    // Frees the memory when more than `keep` bytes of it are held and less
    // than a quarter was used since the last Clear().
    void Trim(size_t keep);
    char* data() { return data_.get(); }
    const char* data() const { return data_.get(); }
    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }

   private:
    std::unique_ptr<char[]> data_;
    size_t size_ = 0;
    size_t capacity_ = 0;
  };

  struct Stream {
    const std::string* labels;  // the key in stream_ids_ (nodes do not move)
    // Arena offsets of the first and last entry records; kNone when none.
    uint64_t first = kNone;
    uint64_t last = kNone;
    // Bytes of the stream's entries as StreamAdapter field 2, tags included.
    uint64_t entry_bytes = 0;
  };
  static constexpr uint64_t kNone = ~uint64_t{0};

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  template <typename Pair>
  void AppendImpl(uint32_t stream, int64_t timestamp_ns, std::string_view line,
                  std::span<const Pair> metadata);
  void Touch();
  // Size of a StreamAdapter (without its own tag and length).
  static uint64_t StreamPayloadSize(const Stream& s);

  const std::string tenant_;
  const Clock* const clock_;

  // The current batch.
  std::vector<Stream> streams_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> stream_ids_;
  uint32_t last_stream_ = 0;  // id StreamId() returned last
  // Entry records: [uint64 next record offset or kNone][uint32 size][bytes].
  Buffer arena_;
  std::vector<SourcePosition> positions_;
  std::unordered_map<uint64_t, uint32_t> position_index_;  // source -> positions_ index
  uint32_t last_position_ = 0;                             // positions_ index most recently updated
  uint64_t lines_ = 0;
  uint64_t line_bytes_ = 0;
  uint64_t raw_bytes_ = 0;
  int64_t created_mono_ns_ = 0;

  uint64_t generation_ = 0;
  uint64_t sequence_ = 0;
  Buffer raw_;         // the PushRequest being compressed
  Buffer compressed_;  // snappy's output, copied into the batch's body
};

}  // namespace logstack::collector
