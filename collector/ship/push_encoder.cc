#include "collector/ship/push_encoder.h"

#include <snappy.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "collector/ship/proto_wire.h"

namespace logstack::collector {

namespace {

// Field numbers of proto/push.proto.
constexpr uint32_t kPushRequestStreams = 1;
constexpr uint32_t kStreamLabels = 1;
constexpr uint32_t kStreamEntries = 2;
constexpr uint32_t kEntryTimestamp = 1;
constexpr uint32_t kEntryLine = 2;
constexpr uint32_t kEntryMetadata = 3;
constexpr uint32_t kTimestampSeconds = 1;
constexpr uint32_t kTimestampNanos = 2;
constexpr uint32_t kPairName = 1;
constexpr uint32_t kPairValue = 2;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// An entry record in the arena starts with the offset of the stream's next
// record and the size of the encoded entry that follows.
constexpr size_t kRecordHeader = sizeof(uint64_t) + sizeof(uint32_t);

// A string field as libprotobuf writes it: nothing when empty.
inline size_t StringFieldSize(size_t len) { return len == 0 ? 0 : wire::LengthDelimitedSize(len); }
inline char* WriteStringField(char* p, uint32_t field, std::string_view s) {
  return s.empty() ? p : wire::WriteBytesField(p, field, s);
}

template <typename Pair>
inline size_t PairPayloadSize(const Pair& pair) {
  return StringFieldSize(std::string_view(pair.first).size()) +
         StringFieldSize(std::string_view(pair.second).size());
}

}  // namespace

char* PushEncoder::Buffer::Extend(size_t n) {
  if (capacity_ - size_ < n) {
    size_t want = std::max(size_ + n, std::max<size_t>(capacity_ * 2, 4096));
    auto grown = std::make_unique_for_overwrite<char[]>(want);
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = want;
  }
  char* p = data_.get() + size_;
  size_ += n;
  return p;
}

void PushEncoder::Buffer::Trim(size_t keep) {
  if (capacity_ > keep && size_ < capacity_ / 4) {
    data_.reset();
    capacity_ = 0;
    size_ = 0;
  }
}

PushEncoder::PushEncoder(std::string tenant, const Clock* clock)
    : tenant_(std::move(tenant)), clock_(clock) {}

void PushEncoder::Touch() {
  if (created_mono_ns_ == 0) created_mono_ns_ = clock_->MonotonicNanos();
}

uint32_t PushEncoder::StreamId(std::string_view labels) {
  // Lines mostly come in runs from one file, so one stream: try the last
  // one before hashing.
  if (last_stream_ < streams_.size() && *streams_[last_stream_].labels == labels) {
    return last_stream_;
  }
  auto it = stream_ids_.find(labels);
  if (it != stream_ids_.end()) return last_stream_ = it->second;
  auto id = static_cast<uint32_t>(streams_.size());
  auto [pos, inserted] = stream_ids_.emplace(std::string(labels), id);
  streams_.push_back(Stream{&pos->first});
  return last_stream_ = id;
}

void PushEncoder::Append(uint32_t stream, int64_t timestamp_ns, std::string_view line,
                         std::span<const LabelPair> structured_metadata) {
  AppendImpl(stream, timestamp_ns, line, structured_metadata);
}

void PushEncoder::Append(uint32_t stream, int64_t timestamp_ns, std::string_view line,
                         std::span<const LabelPairView> structured_metadata) {
  AppendImpl(stream, timestamp_ns, line, structured_metadata);
}

template <typename Pair>
void PushEncoder::AppendImpl(uint32_t stream, int64_t timestamp_ns, std::string_view line,
                             std::span<const Pair> metadata) {
  assert(stream < streams_.size());
  Touch();
  // Timestamp{seconds, nanos} with nanos in [0, 1e9), as Go's time.Unix
  // splits it.
  int64_t seconds = timestamp_ns / kNanosPerSecond;
  int64_t nanos = timestamp_ns % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    --seconds;
  }
  const size_t ts_payload =
      (seconds != 0 ? 1 + wire::VarintSize(static_cast<uint64_t>(seconds)) : 0) +
      (nanos != 0 ? 1 + wire::VarintSize(static_cast<uint64_t>(nanos)) : 0);
  size_t entry_payload = wire::LengthDelimitedSize(ts_payload) + StringFieldSize(line.size());
  for (const Pair& pair : metadata) {
    entry_payload += wire::LengthDelimitedSize(PairPayloadSize(pair));
  }
  const size_t entry_size = wire::LengthDelimitedSize(entry_payload);

  const uint64_t offset = arena_.size();
  char* p = arena_.Extend(kRecordHeader + entry_size);
  const uint64_t next = kNone;
  const auto size32 = static_cast<uint32_t>(entry_size);
  std::memcpy(p, &next, sizeof(next));
  std::memcpy(p + sizeof(next), &size32, sizeof(size32));
  p += kRecordHeader;

  p = wire::WriteLengthPrefix(p, kStreamEntries, entry_payload);
  p = wire::WriteLengthPrefix(p, kEntryTimestamp, ts_payload);
  if (seconds != 0) {
    *p++ = static_cast<char>(wire::Tag(kTimestampSeconds, wire::kVarint));
    p = wire::WriteVarint(p, static_cast<uint64_t>(seconds));
  }
  if (nanos != 0) {
    *p++ = static_cast<char>(wire::Tag(kTimestampNanos, wire::kVarint));
    p = wire::WriteVarint(p, static_cast<uint64_t>(nanos));
  }
  p = WriteStringField(p, kEntryLine, line);
  for (const Pair& pair : metadata) {
    p = wire::WriteLengthPrefix(p, kEntryMetadata, PairPayloadSize(pair));
    p = WriteStringField(p, kPairName, pair.first);
    p = WriteStringField(p, kPairValue, pair.second);
  }
  assert(p == arena_.data() + arena_.size());

  Stream& s = streams_[stream];
  if (s.last == kNone) {
    s.first = offset;
  } else {
    std::memcpy(arena_.data() + s.last, &offset, sizeof(offset));
    raw_bytes_ -= wire::LengthDelimitedSize(StreamPayloadSize(s));
  }
  s.last = offset;
  s.entry_bytes += entry_size;
  raw_bytes_ += wire::LengthDelimitedSize(StreamPayloadSize(s));
  ++lines_;
  line_bytes_ += line.size();
}

void PushEncoder::AddPosition(uint64_t source, int64_t offset, std::string_view cursor) {
  Touch();
  uint32_t index;
  if (last_position_ < positions_.size() && positions_[last_position_].source == source) {
    index = last_position_;
  } else if (auto it = position_index_.find(source); it != position_index_.end()) {
    index = it->second;
  } else {
    index = static_cast<uint32_t>(positions_.size());
    positions_.push_back(SourcePosition{source, offset, {}});
    position_index_.emplace(source, index);
  }
  SourcePosition& pos = positions_[index];
  pos.offset = offset;
  pos.cursor.assign(cursor.data(), cursor.size());
  last_position_ = index;
}

uint64_t PushEncoder::StreamPayloadSize(const Stream& s) {
  return StringFieldSize(s.labels->size()) + s.entry_bytes;
}

size_t PushEncoder::retained_bytes() const {
  return arena_.capacity() + raw_.capacity() + compressed_.capacity();
}

BatchPtr PushEncoder::Finish() {
  if (empty()) return nullptr;
  auto batch = std::make_unique<Batch>();
  batch->tenant = tenant_;
  batch->sequence = ++sequence_;
  batch->created_mono_ns = created_mono_ns_;
  batch->lines = lines_;
  batch->line_bytes = line_bytes_;
  batch->positions = std::move(positions_);

  if (lines_ > 0) {
    raw_.Clear();
    char* p = raw_.Extend(raw_bytes_);
    uint32_t used_streams = 0;
    for (const Stream& s : streams_) {
      if (s.first == kNone) continue;
      ++used_streams;
      p = wire::WriteLengthPrefix(p, kPushRequestStreams, StreamPayloadSize(s));
      p = WriteStringField(p, kStreamLabels, *s.labels);
      for (uint64_t at = s.first; at != kNone;) {
        const char* record = arena_.data() + at;
        uint32_t size;
        std::memcpy(&at, record, sizeof(at));
        std::memcpy(&size, record + sizeof(at), sizeof(size));
        std::memcpy(p, record + kRecordHeader, size);
        p += size;
      }
    }
    assert(p == raw_.data() + raw_.size());
    compressed_.Clear();
    char* out = compressed_.Extend(snappy::MaxCompressedLength(raw_.size()));
    size_t out_len = 0;
    snappy::RawCompress(raw_.data(), raw_.size(), out, &out_len);
    batch->body.assign(out, out_len);
    batch->streams = used_streams;
    batch->raw_bytes = raw_.size();
  }
  batch->finished_mono_ns = clock_->MonotonicNanos();

  // The next batch.
  // A buffer the batch used less than a quarter of is let go (a quiet node,
  // whose batches are cut by time, should not hold the largest batch's
  // memory, about 3.5 MB for 1 MiB batches, for ever); small ones are kept.
  constexpr size_t kKeepBytes = 64 << 10;
  arena_.Trim(kKeepBytes);
  raw_.Trim(kKeepBytes);
  compressed_.Trim(kKeepBytes);
  streams_.clear();
  stream_ids_.clear();
  last_stream_ = 0;
  arena_.Clear();
  positions_.clear();  // moved from: make it a valid empty vector again
  position_index_.clear();
  last_position_ = 0;
  lines_ = 0;
  line_bytes_ = 0;
  raw_bytes_ = 0;
  created_mono_ns_ = 0;
  ++generation_;
  return batch;
}

}  // namespace logstack::collector
