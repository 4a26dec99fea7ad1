#include "logstore/chunk/trigram_filter.h"

#include <gtest/gtest.h>

#include <random>

#include "logstore/chunk/chunk_reader.h"
#include "logstore/chunk/head_chunk.h"

namespace logstack::logstore::chunk {
namespace {

std::string RandomLine(std::mt19937& rng) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 =_-\"";
  std::string s;
  size_t n = 20 + rng() % 200;
  for (size_t i = 0; i < n; ++i) s += kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  return s;
}

TEST(TrigramFilterTest, NoFalseNegativesAtAnySize) {
  std::mt19937 rng(1);
  std::vector<std::string> lines;
  TrigramFilterBuilder b;
  for (int i = 0; i < 2000; ++i) {
    lines.push_back(RandomLine(rng));
    b.AddLine(lines.back());
  }
  for (uint64_t raw : {uint64_t{1000}, uint64_t{1} << 20, uint64_t{1} << 30}) {
    std::string enc;
    b.EncodeTo(raw, &enc);
    size_t size = 0;
    auto f = TrigramFilter::Decode(enc, &size);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(size, enc.size());
    for (const auto& l : lines) {
      for (size_t len : {3, 5, 11}) {
        if (l.size() < len) continue;
        size_t at = rng() % (l.size() - len + 1);
        ASSERT_TRUE(f->MayContain(l.substr(at, len))) << l.substr(at, len);
      }
    }
    EXPECT_TRUE(f->MayContain("ab"));  // too short to rule out
  }
}

// The bitmap is the one docs/storage.md defines, bit for bit, whatever the
// line's length (the builder reads eight bytes at a time, then byte by byte).
TEST(TrigramFilterTest, BitsAreExactlyTheDocumentedOnes) {
  std::mt19937 rng(7);
  TrigramFilterBuilder b;
  const int log2 = 18;  // a big enough chunk gets the full map, unfolded
  std::string want((size_t{1} << log2) / 8, '\0');
  for (size_t len = 0; len < 70; ++len) {
    for (int copy = 0; copy < 3; ++copy) {
      std::string line;
      for (size_t i = 0; i < len; ++i) line += static_cast<char>(rng() & 0xFF);
      b.AddLine(line);
      for (size_t i = 0; i + 3 <= line.size(); ++i) {
        uint32_t t = static_cast<unsigned char>(line[i]) |
                     static_cast<uint32_t>(static_cast<unsigned char>(line[i + 1])) << 8 |
                     static_cast<uint32_t>(static_cast<unsigned char>(line[i + 2])) << 16;
        uint32_t bit = (t * 0x9E3779B1u) >> (32 - log2);
        want[bit / 8] = static_cast<char>(want[bit / 8] | (1 << (bit % 8)));
      }
    }
  }
  std::string enc;
  b.EncodeTo(uint64_t{1} << 30, &enc);
  ASSERT_EQ(enc.size(), want.size() + 5);
  EXPECT_EQ(static_cast<int>(enc[want.size()]), log2);
  EXPECT_TRUE(enc.compare(0, want.size(), want) == 0);
}

TEST(TrigramFilterTest, RulesOutAbsentLiterals) {
  TrigramFilterBuilder b;
  for (int i = 0; i < 1000; ++i) {
    b.AddLine("level=info msg=\"request served\" status=200 duration=" + std::to_string(i) + "ms");
  }
  std::string enc;
  b.EncodeTo(uint64_t{8} << 20, &enc);
  size_t size = 0;
  auto f = TrigramFilter::Decode(enc, &size);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->MayContain("request served"));
  EXPECT_FALSE(f->MayContain("xyzzy-needle"));
  EXPECT_FALSE(f->MayContain("panic: runtime error"));
}

TEST(TrigramFilterTest, CorruptSectionIsRejected) {
  TrigramFilterBuilder b;
  b.AddLine("some line of text");
  std::string enc;
  b.EncodeTo(1 << 20, &enc);
  for (size_t pos : {size_t{0}, enc.size() / 2, enc.size() - 5, enc.size() - 1}) {
    std::string bad = enc;
    bad[pos] ^= 0x10;
    size_t size = 0;
    EXPECT_FALSE(TrigramFilter::Decode(bad, &size).ok()) << pos;
  }
  size_t size = 0;
  EXPECT_FALSE(TrigramFilter::Decode(enc.substr(enc.size() - 3), &size).ok());
}

// A chunk written by HeadChunk carries the filter; a query literal it rules
// out reads nothing and counts the blocks as skipped.
TEST(TrigramFilterTest, ChunkReaderSkipsChunksWithoutTheLiteral) {
  ChunkOptions opts;
  opts.block_size = 4096;
  HeadChunk head(opts);
  for (int i = 0; i < 500; ++i) {
    std::string line = "GET /api/items/" + std::to_string(i) + " 200";
    if (i == 250) line += " needle-present";
    head.Append(1000 + i, line, "");
  }
  auto reader = ChunkReader::Open(head.Encode());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE((*reader)->has_trigram_filter());

  auto absent = std::make_shared<BlockFilter>();
  absent->literals = {"needle-absent-xyz"};
  auto it = (*reader)->Iterator(0, 1 << 30, Direction::kForward, absent);
  EXPECT_FALSE(it->Next());
  EXPECT_TRUE(it->status().ok());
  EXPECT_EQ(absent->skipped_entries.load(), 500u);

  auto present = std::make_shared<BlockFilter>();
  present->literals = {"needle-present"};
  it = (*reader)->Iterator(0, 1 << 30, Direction::kForward, present);
  int n = 0;
  bool found = false;
  while (it->Next()) {
    ++n;
    found |= it->entry().line.find("needle-present") != std::string_view::npos;
  }
  EXPECT_TRUE(found);
  EXPECT_GT(n, 0);
  EXPECT_LT(n, 500);  // blocks without the literal were skipped
}

// The store asks from a chunk's last bytes whether to read it at all.
TEST(TrigramFilterTest, TailProbe) {
  ChunkOptions opts;
  opts.block_size = 4096;
  HeadChunk head(opts);
  for (int i = 0; i < 500; ++i) head.Append(1000 + i, "GET /api/items/" + std::to_string(i), "");
  std::string bytes = head.Encode();
  auto tail = [&](size_t n) {
    return std::string_view(bytes).substr(bytes.size() - std::min(n, bytes.size()));
  };
  BlockFilter absent;
  absent.literals = {"needle-absent-xyz"};
  EXPECT_FALSE(ChunkReader::TailMayMatch(tail(48 << 10), bytes.size(), absent, 0, 1 << 30));
  EXPECT_EQ(absent.skipped_entries.load(), 500u);
  BlockFilter present;
  present.literals = {"/api/items/42"};
  EXPECT_TRUE(ChunkReader::TailMayMatch(tail(48 << 10), bytes.size(), present, 0, 1 << 30));
  // Too little of the chunk to see the filter: read it.
  BlockFilter absent2;
  absent2.literals = {"needle-absent-xyz"};
  EXPECT_TRUE(ChunkReader::TailMayMatch(tail(20), bytes.size(), absent2, 0, 1 << 30));
  // A damaged tail never hides data: read it (the full read reports damage).
  std::string bad = bytes;
  bad[bad.size() - 20] ^= 1;
  EXPECT_TRUE(
      ChunkReader::TailMayMatch(std::string_view(bad).substr(bad.size() - (48 << 10) > 0 ? 0 : 0),
                                bad.size(), absent2, 0, 1 << 30));
}

}  // namespace
}  // namespace logstack::logstore::chunk
