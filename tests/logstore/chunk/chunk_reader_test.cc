#include "logstore/chunk/chunk_reader.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "logstore/chunk/chunk_format.h"
#include "logstore/chunk/head_chunk.h"

namespace logstack::logstore::chunk {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Drains `it`; returns the timestamps read and stores the final status.
std::vector<int64_t> Timestamps(EntryIterator& it, Status* status) {
  std::vector<int64_t> out;
  while (it.Next()) out.push_back(it.entry().timestamp_ns);
  *status = it.status();
  return out;
}

// A chunk of `blocks` disjoint blocks of 100 entries each: block b holds
// timestamps [b * 1000, b * 1000 + 99].
std::string MakeChunk(Encoding encoding, int blocks) {
  HeadChunk head({encoding, 3, 256 << 10});
  for (int b = 0; b < blocks; b++) {
    for (int i = 0; i < 100; i++) {
      EXPECT_TRUE(head.Append(
          b * 1000 + i,
          "block " + std::to_string(b) + " entry " + std::to_string(i) + " some padding text", ""));
    }
    head.CutBlock();
  }
  return head.Encode();
}

std::shared_ptr<const ChunkReader> MustOpen(std::string bytes) {
  auto reader = ChunkReader::Open(std::move(bytes));
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  return reader.ok() ? *reader : nullptr;
}

// Rewrites the chunk's block index with `blocks` (and a matching checksum),
// keeping the header and block bytes.
std::string WithIndex(const std::string& chunk, const std::vector<BlockMeta>& blocks) {
  auto footer = DecodeChunkFooter(chunk);
  EXPECT_TRUE(footer.ok());
  std::string out = chunk.substr(0, footer->index_offset);
  ChunkFooter f;
  f.index_offset = static_cast<uint32_t>(out.size());
  EncodeBlockIndex(blocks, &out);
  f.index_len = static_cast<uint32_t>(out.size() - f.index_offset);
  f.index_crc = crc32c::Value(std::string_view(out).substr(f.index_offset));
  EncodeChunkFooter(f, &out);
  return out;
}

class ChunkReaderTest : public ::testing::TestWithParam<Encoding> {};

TEST_P(ChunkReaderTest, IndexDescribesBlocks) {
  std::string bytes = MakeChunk(GetParam(), 4);
  auto reader = MustOpen(bytes);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->encoding(), GetParam());
  ASSERT_EQ(reader->blocks().size(), 4u);
  EXPECT_EQ(reader->entries(), 400u);
  uint32_t offset = kChunkHeaderSize;
  for (size_t b = 0; b < 4; b++) {
    const BlockMeta& m = reader->blocks()[b];
    EXPECT_EQ(m.min_ts, static_cast<int64_t>(b * 1000));
    EXPECT_EQ(m.max_ts, static_cast<int64_t>(b * 1000 + 99));
    EXPECT_EQ(m.entries, 100u);
    EXPECT_EQ(m.offset, offset);
    EXPECT_EQ(m.crc, crc32c::Value(std::string_view(bytes).substr(m.offset, m.compressed_len)));
    offset += m.compressed_len;
  }
  EXPECT_EQ(bytes.substr(0, 4), "LSC1");
  EXPECT_EQ(static_cast<uint8_t>(bytes[4]), static_cast<uint8_t>(GetParam()));
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "LSC1");
}

TEST_P(ChunkReaderTest, IteratorOutlivesReader) {
  auto reader = MustOpen(MakeChunk(GetParam(), 3));
  ASSERT_NE(reader, nullptr);
  auto it = reader->Iterator(kMin, kMax, Direction::kBackward);
  reader.reset();
  Status st;
  std::vector<int64_t> ts = Timestamps(*it, &st);
  EXPECT_TRUE(st.ok());
  ASSERT_EQ(ts.size(), 300u);
  EXPECT_EQ(ts.front(), 2099);
  EXPECT_EQ(ts.back(), 0);
}

TEST_P(ChunkReaderTest, SkipsBlocksOutsideTheRangeWithoutReadingThem) {
  std::string bytes = MakeChunk(GetParam(), 3);
  auto clean = MustOpen(bytes);
  ASSERT_NE(clean, nullptr);
  // Wreck block 0's bytes: any read of it would fail its checksum.
  const BlockMeta& b0 = clean->blocks()[0];
  for (uint32_t i = 0; i < b0.compressed_len; i++) bytes[b0.offset + i] ^= 0x5a;
  auto reader = MustOpen(bytes);
  ASSERT_NE(reader, nullptr);
  for (Direction dir : {Direction::kForward, Direction::kBackward}) {
    Status st;
    std::vector<int64_t> ts = Timestamps(*reader->Iterator(1000, 3000, dir), &st);
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(ts.size(), 200u);
    // A range that reaches block 0 by one nanosecond reads it, and fails.
    ts = Timestamps(*reader->Iterator(99, 3000, dir), &st);
    EXPECT_EQ(st.code(), StatusCode::kCorruption);
    EXPECT_NE(st.message().find("block 0"), std::string::npos) << st.message();
  }
}

TEST_P(ChunkReaderTest, FlippedBitInAnyBlockIsCorruption) {
  std::string bytes = MakeChunk(GetParam(), 3);
  auto clean = MustOpen(bytes);
  ASSERT_NE(clean, nullptr);
  for (size_t b = 0; b < 3; b++) {
    const BlockMeta& m = clean->blocks()[b];
    for (uint32_t pos :
         {m.offset, m.offset + m.compressed_len / 2, m.offset + m.compressed_len - 1}) {
      for (int bit : {0, 7}) {
        std::string bad = bytes;
        bad[pos] ^= static_cast<char>(1 << bit);
        auto reader = MustOpen(bad);  // the index is intact
        ASSERT_NE(reader, nullptr);
        for (Direction dir : {Direction::kForward, Direction::kBackward}) {
          Status st;
          std::vector<int64_t> ts = Timestamps(*reader->Iterator(kMin, kMax, dir), &st);
          EXPECT_EQ(st.code(), StatusCode::kCorruption) << "block " << b << " byte " << pos;
          EXPECT_LT(ts.size(), 300u);
          // The iterator stays stopped.
          auto it = reader->Iterator(kMin, kMax, dir);
          while (it->Next()) {
          }
          EXPECT_FALSE(it->Next());
          EXPECT_EQ(it->status().code(), StatusCode::kCorruption);
        }
      }
    }
  }
}

TEST_P(ChunkReaderTest, TruncatedChunkFailsToOpen) {
  std::string bytes = MakeChunk(GetParam(), 3);
  for (size_t n = 0; n < bytes.size(); n++) {
    auto reader = ChunkReader::Open(bytes.substr(0, n));
    ASSERT_FALSE(reader.ok()) << "truncated to " << n;
    EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
  }
  // Bytes in front of a chunk are not a chunk either.
  EXPECT_FALSE(ChunkReader::Open("x" + bytes).ok());
  EXPECT_FALSE(ChunkReader::Open(bytes + "x").ok());
}

TEST_P(ChunkReaderTest, FlippedBitInHeaderIndexOrFooterFailsToOpen) {
  std::string bytes = MakeChunk(GetParam(), 3);
  auto footer = DecodeChunkFooter(bytes);
  ASSERT_TRUE(footer.ok());
  std::vector<size_t> positions;
  for (size_t i = 0; i < kChunkHeaderSize; i++) positions.push_back(i);
  for (size_t i = footer->index_offset; i < bytes.size(); i++) positions.push_back(i);
  for (size_t pos : positions) {
    for (int bit = 0; bit < 8; bit++) {
      std::string bad = bytes;
      bad[pos] ^= static_cast<char>(1 << bit);
      auto reader = ChunkReader::Open(bad);
      if (reader.ok() && (pos == 4 || (pos == 5 && (1 << bit) == kChunkFlagLayout2))) {
        // The encoding byte and the layout flag are outside every checksum.
        // A flip to another valid encoding or layout with consistent lengths
        // is caught by the blocks.
        Status st;
        Timestamps(*(*reader)->Iterator(kMin, kMax, Direction::kForward), &st);
        EXPECT_EQ(st.code(), StatusCode::kCorruption) << "bit " << bit;
        continue;
      }
      ASSERT_FALSE(reader.ok()) << "byte " << pos << " bit " << bit;
      EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
    }
  }
}

TEST_P(ChunkReaderTest, InconsistentIndexFailsToOpen) {
  std::string bytes = MakeChunk(GetParam(), 2);
  auto clean = MustOpen(bytes);
  ASSERT_NE(clean, nullptr);
  const std::vector<BlockMeta> good = clean->blocks();
  EXPECT_TRUE(ChunkReader::Open(WithIndex(bytes, good)).ok());
  auto footer = DecodeChunkFooter(bytes);
  ASSERT_TRUE(footer.ok());

  auto expect_corrupt = [&](const char* what, auto mutate) {
    std::vector<BlockMeta> blocks = good;
    mutate(blocks);
    auto reader = ChunkReader::Open(WithIndex(bytes, blocks));
    ASSERT_FALSE(reader.ok()) << what;
    EXPECT_EQ(reader.status().code(), StatusCode::kCorruption) << what;
  };
  expect_corrupt("offset inside the header", [](auto& b) { b[0].offset = 3; });
  expect_corrupt("block runs into the index", [&](auto& b) { b[1].compressed_len += 1; });
  expect_corrupt("block past the end", [](auto& b) { b[1].offset = 0xfffffff0u; });
  expect_corrupt("length wraps around", [](auto& b) { b[1].compressed_len = 0xffffffffu; });
  expect_corrupt("no entries", [](auto& b) { b[0].entries = 0; });
  expect_corrupt("entries cannot fit", [](auto& b) { b[0].entries = b[0].raw_len; });

  // An index whose checksum is right but whose encoding is not.
  std::string raw_index = bytes.substr(0, footer->index_offset);
  ChunkFooter f = *footer;
  std::string index;
  PutVarint64(&index, 1000000);  // more blocks than bytes
  f.index_len = static_cast<uint32_t>(index.size());
  f.index_crc = crc32c::Value(index);
  std::string bad = raw_index + index;
  EncodeChunkFooter(f, &bad);
  EXPECT_EQ(ChunkReader::Open(bad).status().code(), StatusCode::kCorruption);
  index += "trailing";
  index[0] = 0;  // zero blocks, then trailing bytes
  f.index_len = static_cast<uint32_t>(index.size());
  f.index_crc = crc32c::Value(index);
  bad = raw_index + index;
  EncodeChunkFooter(f, &bad);
  EXPECT_EQ(ChunkReader::Open(bad).status().code(), StatusCode::kCorruption);
}

TEST_P(ChunkReaderTest, IndexThatDisagreesWithTheBlockIsCorruption) {
  std::string bytes = MakeChunk(GetParam(), 2);
  auto clean = MustOpen(bytes);
  ASSERT_NE(clean, nullptr);
  auto expect_iter_corrupt = [&](const char* what, auto mutate) {
    std::vector<BlockMeta> blocks = clean->blocks();
    mutate(blocks);
    auto reader = ChunkReader::Open(WithIndex(bytes, blocks));
    if (!reader.ok()) {  // caught early: also fine
      EXPECT_EQ(reader.status().code(), StatusCode::kCorruption) << what;
      return;
    }
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      Status st;
      Timestamps(*(*reader)->Iterator(kMin, kMax, dir), &st);
      EXPECT_EQ(st.code(), StatusCode::kCorruption) << what;
    }
  };
  expect_iter_corrupt("entry count", [](auto& b) { b[0].entries = 99; });
  expect_iter_corrupt("max_ts too small", [](auto& b) { b[0].max_ts = 98; });
  expect_iter_corrupt("max_ts too big", [](auto& b) { b[0].max_ts = 100; });
  expect_iter_corrupt("raw length", [](auto& b) { b[1].raw_len -= 1; });
  expect_iter_corrupt("crc", [](auto& b) { b[1].crc ^= 1; });
}

// Random damage, including damage hidden behind recomputed checksums so that
// it reaches the decompressors and the entry decoder: every outcome must be
// OK or Corruption, never a crash (run under ASan/UBSan to see the point).
TEST_P(ChunkReaderTest, RandomDamageNeverCrashes) {
  std::string bytes = MakeChunk(GetParam(), 4);
  auto clean = MustOpen(bytes);
  ASSERT_NE(clean, nullptr);
  uint64_t state = 12345;
  auto rnd = [&state](uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  };
  int opened = 0, failed_iterations = 0;
  for (int round = 0; round < 400; round++) {
    std::string bad = bytes;
    std::vector<BlockMeta> blocks = clean->blocks();
    const BlockMeta& m = blocks[rnd(blocks.size())];
    for (int flips = 1 + static_cast<int>(rnd(4)); flips > 0; flips--) {
      bad[m.offset + rnd(m.compressed_len)] ^= static_cast<char>(1 << rnd(8));
    }
    if (round % 2 == 0) {  // hide the damage from the checksums
      for (BlockMeta& b : blocks) {
        b.crc = crc32c::Value(std::string_view(bad).substr(b.offset, b.compressed_len));
      }
      bad = WithIndex(bad, blocks);
    }
    auto reader = ChunkReader::Open(bad);
    if (!reader.ok()) {
      EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
      continue;
    }
    opened++;
    int64_t from = static_cast<int64_t>(rnd(4000)) - 100;
    for (auto [f, t] : {std::pair{kMin, kMax}, std::pair{from, from + 1500}}) {
      for (Direction dir : {Direction::kForward, Direction::kBackward}) {
        Status st;
        Timestamps(*(*reader)->Iterator(f, t, dir), &st);
        if (!st.ok()) {
          EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
          failed_iterations++;
        }
      }
    }
  }
  EXPECT_GT(opened, 0);
  EXPECT_GT(failed_iterations, 0);
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, ChunkReaderTest,
                         ::testing::Values(Encoding::kNone, Encoding::kSnappy, Encoding::kZstd),
                         [](const auto& info) { return std::string(EncodingName(info.param)); });

// Builds an uncompressed chunk by hand, so a test can put any bytes in a block
// and give it a valid checksum.
std::string HandMadeChunk(const std::string& payload, const BlockMeta& meta_in) {
  std::string out;
  EncodeChunkHeader(Encoding::kNone, &out);
  BlockMeta meta = meta_in;
  meta.offset = static_cast<uint32_t>(out.size());
  meta.compressed_len = meta.raw_len = static_cast<uint32_t>(payload.size());
  meta.crc = crc32c::Value(payload);
  out += payload;
  ChunkFooter f;
  f.index_offset = static_cast<uint32_t>(out.size());
  EncodeBlockIndex({meta}, &out);
  f.index_len = static_cast<uint32_t>(out.size() - f.index_offset);
  f.index_crc = crc32c::Value(std::string_view(out).substr(f.index_offset));
  EncodeChunkFooter(f, &out);
  return out;
}

TEST(ChunkReaderHandMadeTest, MatchesTheDocumentedFormat) {
  // docs/storage.md: entry := varint ts_delta | lp line | varint metadata_len | metadata
  std::string payload;
  payload += std::string("\x00\x05hello\x00", 8);
  payload += std::string("\x07\x05world\x03\x01\x00\x00", 11);
  BlockMeta meta{.min_ts = -3, .max_ts = 4, .entries = 2};
  auto reader = MustOpen(HandMadeChunk(payload, meta));
  ASSERT_NE(reader, nullptr);
  auto it = reader->Iterator(kMin, kMax, Direction::kForward);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->entry().timestamp_ns, -3);
  EXPECT_EQ(it->entry().line, "hello");
  EXPECT_EQ(it->entry().metadata, "");
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->entry().timestamp_ns, 4);
  EXPECT_EQ(it->entry().line, "world");
  EXPECT_EQ(it->entry().metadata, std::string("\x01\x00\x00", 3));
  EXPECT_FALSE(it->Next());
  EXPECT_TRUE(it->status().ok());
}

TEST(ChunkReaderHandMadeTest, MalformedEntriesAreCorruption) {
  struct Case {
    const char* what;
    std::string payload;
    BlockMeta meta;
  };
  std::vector<Case> cases = {
      {"line longer than the block", std::string("\x00\x09hello\x00", 8), {0, 0, 1}},
      {"truncated varint", std::string("\x00\x01x\x80\x80", 5), {0, 0, 1}},
      {"timestamp past max_ts", std::string("\x00\x01x\x00\x09\x01y\x00", 8), {0, 5, 2}},
      {"delta wraps around",
       std::string("\x00\x01x\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x01y\x00", 17),
       {kMax - 1, kMax, 2}},
      {"first entry after min_ts", std::string("\x01\x01x\x00\x00\x01y\x00", 8), {0, 1, 2}},
  };
  for (const Case& c : cases) {
    auto reader = ChunkReader::Open(HandMadeChunk(c.payload, c.meta));
    if (!reader.ok()) {
      EXPECT_EQ(reader.status().code(), StatusCode::kCorruption) << c.what;
      continue;
    }
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      Status st;
      Timestamps(*(*reader)->Iterator(kMin, kMax, dir), &st);
      EXPECT_EQ(st.code(), StatusCode::kCorruption) << c.what;
    }
  }
}

TEST(ChunkReaderMergeTest, OverlappingBlocksMergeInTimestampOrder) {
  // Block A holds 0, 10, ..., 990; block B holds 5, 15, ..., 995 and ties at
  // every 100; block C overlaps both. Ties: earlier blocks first forward.
  HeadChunk head({Encoding::kZstd, 1, 256 << 10});
  std::vector<std::pair<int64_t, std::string>> all;
  auto add = [&](int64_t ts, std::string line) {
    ASSERT_TRUE(head.Append(ts, line, ""));
    all.emplace_back(ts, std::move(line));
  };
  for (int i = 0; i < 100; i++) add(i * 10, "A" + std::to_string(i));
  head.CutBlock();
  for (int i = 0; i < 100; i++) add(i * 10 + 5, "B" + std::to_string(i));
  for (int i = 0; i < 10; i++) add(i * 100, "B-tie" + std::to_string(i));
  head.CutBlock();
  for (int i = 0; i < 50; i++) add(i * 20, "C" + std::to_string(i));
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  auto reader = MustOpen(head.Encode());
  ASSERT_NE(reader, nullptr);
  ASSERT_EQ(reader->blocks().size(), 3u);
  for (int64_t from : {kMin, int64_t{0}, int64_t{333}}) {
    for (int64_t to : {kMax, int64_t{600}, int64_t{601}}) {
      std::vector<std::pair<int64_t, std::string>> want;
      for (const auto& e : all) {
        if (from <= e.first && e.first < to) want.push_back(e);
      }
      for (Direction dir : {Direction::kForward, Direction::kBackward}) {
        if (dir == Direction::kBackward) std::reverse(want.begin(), want.end());
        for (auto* it :
             {reader->Iterator(from, to, dir).release(), head.Iterator(from, to, dir).release()}) {
          EntryIteratorPtr owned(it);
          std::vector<std::pair<int64_t, std::string>> got;
          while (owned->Next()) got.emplace_back(owned->entry().timestamp_ns, owned->entry().line);
          EXPECT_TRUE(owned->status().ok());
          EXPECT_EQ(got, want) << from << ".." << to;
        }
      }
    }
  }
}

TEST(ChunkFormatTest, BlockIndexRoundTrips) {
  std::vector<BlockMeta> blocks = {
      {kMin, kMax, 1, 8, 10, 20, 0xdeadbeef},
      {-5, -5, 0xffffffffu, 0xffffffffu, 0, 3, 0},
      {1'700'000'000'000'000'000, 1'700'000'001'000'000'000, 1000, 100, 200, 300, 42},
  };
  std::string enc;
  EncodeBlockIndex(blocks, &enc);
  auto dec = DecodeBlockIndex(enc);
  ASSERT_TRUE(dec.ok()) << dec.status().ToString();
  EXPECT_EQ(*dec, blocks);
  for (size_t n = 0; n < enc.size(); n++) {
    EXPECT_FALSE(DecodeBlockIndex(std::string_view(enc).substr(0, n)).ok()) << n;
  }
  // max_ts - min_ts that would overflow int64.
  std::string over;
  PutVarint64(&over, 1);
  PutVarsint64(&over, 10);
  PutVarint64(&over, static_cast<uint64_t>(kMax));
  over += std::string("\x01\x08\x01\x03\x00\x00\x00\x00", 8);
  EXPECT_EQ(DecodeBlockIndex(over).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace logstack::logstore::chunk
