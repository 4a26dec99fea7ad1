// Block layouts 1 and 2 (docs/storage.md, "Chunks"): round trips through
// HeadChunk and ChunkReader, chunks written with the layout-1 rules, damage
// to every length of a layout-2 block, and the literal pre-check.

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "logstore/chunk/chunk_format.h"
#include "logstore/chunk/chunk_reader.h"
#include "logstore/chunk/compression.h"
#include "logstore/chunk/head_chunk.h"
#include "logstore/model/types.h"
#include "tests/logstore/chunk/test_entries.h"

namespace logstack::logstore::chunk {
namespace {

using testing::Drain;
using testing::Entry;
using testing::kMax;
using testing::kMin;

// Lines a format must not trip over: empty, '\n' and NUL inside and at the
// ends, bytes >= 0x80, lines that look like varints, and long ones; some
// entries carry metadata. Timestamps are out of order with many ties.
std::vector<Entry> AwkwardEntries(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::string specials[] = {
      "",
      "\n",
      std::string("\0", 1),
      std::string("a\0b\nc\0", 6),
      "line\nwith\nnewlines\n",
      "\x80\xff\x7f\x01",
      std::string(3000, 'z'),
      "plain logfmt level=info msg=\"hello\"",
  };
  std::vector<Entry> out;
  for (int i = 0; i < n; i++) {
    Entry e;
    e.ts = static_cast<int64_t>(rng() % 400) - 100;
    e.line = specials[rng() % std::size(specials)] + " #" + std::to_string(i);
    if (rng() % 3 == 0) e.line = specials[rng() % std::size(specials)];
    if (rng() % 4 == 0) {
      std::string value = "v\n" + std::to_string(i) + std::string("\0x", 2);
      LabelRef pairs[] = {{"trace_id", value}};
      EncodeMetadata(&e.metadata, pairs, 1);
    }
    out.push_back(std::move(e));
  }
  return out;
}

// `blocks` of entries (each in arrival order) merged as a reader must: by
// timestamp, ties by block then arrival; reversed backward.
std::vector<Entry> Merged(const std::vector<std::vector<Entry>>& blocks, int64_t from, int64_t to,
                          Direction dir) {
  std::vector<Entry> out;
  for (const auto& b : blocks) {
    std::vector<Entry> sorted = b;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Entry& x, const Entry& y) { return x.ts < y.ts; });
    out.insert(out.end(), sorted.begin(), sorted.end());
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Entry& x, const Entry& y) { return x.ts < y.ts; });
  std::erase_if(out, [&](const Entry& e) { return e.ts < from || e.ts >= to; });
  if (dir == Direction::kBackward) std::reverse(out.begin(), out.end());
  return out;
}

// One block of a chunk built by hand: its stored bytes and its block_meta
// (offset and crc are filled in by Assemble).
struct RawBlock {
  std::string stored;
  BlockMeta meta;
};

std::vector<Entry> SortedByTs(std::vector<Entry> entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& x, const Entry& y) { return x.ts < y.ts; });
  return entries;
}

BlockMeta MetaOf(const std::vector<Entry>& sorted) {
  BlockMeta m;
  m.min_ts = sorted.front().ts;
  m.max_ts = sorted.back().ts;
  m.entries = static_cast<uint32_t>(sorted.size());
  return m;
}

// A layout-1 block, written by the rules chunks were written with before
// layout 2: one frame of (varint ts_delta | lp line | lp metadata)*.
RawBlock Layout1Block(Encoding encoding, const std::vector<Entry>& entries) {
  std::vector<Entry> sorted = SortedByTs(entries);
  std::string payload;
  int64_t prev = sorted.front().ts;
  for (const Entry& e : sorted) {
    PutVarint64(&payload, static_cast<uint64_t>(e.ts) - static_cast<uint64_t>(prev));
    PutLengthPrefixed(&payload, e.line);
    PutLengthPrefixed(&payload, e.metadata);
    prev = e.ts;
  }
  RawBlock b;
  b.meta = MetaOf(sorted);
  b.meta.raw_len = static_cast<uint32_t>(payload.size());
  EXPECT_TRUE(Compress(encoding, 3, payload, &b.stored).ok());
  return b;
}

// The raw table and lines of a layout-2 block, before compression.
struct Layout2Parts {
  std::string table;
  std::string lines;
};

// The columns of a layout-2 block, spelled out from the format (not from the
// writer's code), so that a test can damage any one of them.
struct Layout2Columns {
  std::string deltas, line_lens, metadata_lens, metadatas, lines;

  Layout2Parts Parts() const {
    Layout2Parts p;
    PutVarint64(&p.table, deltas.size());
    PutVarint64(&p.table, line_lens.size());
    PutVarint64(&p.table, metadata_lens.size());
    p.table += deltas + line_lens + metadata_lens + metadatas;
    p.lines = lines;
    return p;
  }
};

Layout2Columns Layout2ColumnsOf(const std::vector<Entry>& sorted) {
  Layout2Columns c;
  int64_t prev = sorted.front().ts;
  for (const Entry& e : sorted) {
    PutVarint64(&c.deltas, static_cast<uint64_t>(e.ts) - static_cast<uint64_t>(prev));
    PutVarint64(&c.line_lens, e.line.size());
    PutVarint64(&c.metadata_lens, e.metadata.size());
    c.metadatas += e.metadata;
    c.lines += e.line;
    prev = e.ts;
  }
  return c;
}

Layout2Parts Layout2PartsOf(const std::vector<Entry>& sorted) {
  return Layout2ColumnsOf(sorted).Parts();
}

// A stored layout-2 block from raw parts, spelled out from the format (not
// from the writer's code), with optional lies in the two length varints.
std::string Layout2Stored(Encoding encoding, const Layout2Parts& parts,
                          std::optional<uint64_t> table_raw_len = std::nullopt,
                          std::optional<uint64_t> table_stored_len = std::nullopt) {
  std::string table_frame, lines_frame;
  EXPECT_TRUE(Compress(encoding, 1, parts.table, &table_frame).ok());
  EXPECT_TRUE(Compress(encoding, 1, parts.lines, &lines_frame).ok());
  std::string out;
  PutVarint64(&out, table_raw_len.value_or(parts.table.size()));
  PutVarint64(&out, table_stored_len.value_or(table_frame.size()));
  return out + table_frame + lines_frame;
}

RawBlock Layout2Block(Encoding encoding, const std::vector<Entry>& entries) {
  std::vector<Entry> sorted = SortedByTs(entries);
  Layout2Parts parts = Layout2PartsOf(sorted);
  RawBlock b;
  b.meta = MetaOf(sorted);
  b.meta.raw_len = static_cast<uint32_t>(parts.table.size() + parts.lines.size());
  b.stored = Layout2Stored(encoding, parts);
  return b;
}

// header | blocks back to back | block index | footer, with correct CRCs.
std::string Assemble(Encoding encoding, uint8_t flags, std::vector<RawBlock> blocks) {
  std::string out;
  EncodeChunkHeader(encoding, &out, flags);
  std::vector<BlockMeta> metas;
  for (RawBlock& b : blocks) {
    b.meta.offset = static_cast<uint32_t>(out.size());
    b.meta.compressed_len = static_cast<uint32_t>(b.stored.size());
    b.meta.crc = crc32c::Value(b.stored);
    out += b.stored;
    metas.push_back(b.meta);
  }
  ChunkFooter f;
  f.index_offset = static_cast<uint32_t>(out.size());
  EncodeBlockIndex(metas, &out);
  f.index_len = static_cast<uint32_t>(out.size() - f.index_offset);
  f.index_crc = crc32c::Value(std::string_view(out).substr(f.index_offset));
  EncodeChunkFooter(f, &out);
  return out;
}

// Every range worth trying over AwkwardEntries' timestamps.
const std::pair<int64_t, int64_t> kRanges[] = {{kMin, kMax}, {-100, 300}, {-7, 123}, {0, 1},
                                               {150, 151},   {299, kMax}, {500, 600}};

class BlockLayoutTest : public ::testing::TestWithParam<Encoding> {};

TEST_P(BlockLayoutTest, Layout1ChunksReadAsBefore) {
  std::vector<std::vector<Entry>> entries = {AwkwardEntries(300, 1), AwkwardEntries(200, 2),
                                             AwkwardEntries(1, 3)};
  std::vector<RawBlock> blocks;
  for (const auto& e : entries) blocks.push_back(Layout1Block(GetParam(), e));
  auto reader = ChunkReader::Open(Assemble(GetParam(), /*flags=*/0, blocks));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->layout(), BlockLayout::kInterleaved);
  EXPECT_EQ((*reader)->entries(), 501u);
  for (auto [from, to] : kRanges) {
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      Status st;
      std::vector<Entry> got = Drain(*(*reader)->Iterator(from, to, dir), &st);
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(got, Merged(entries, from, to, dir)) << from << ".." << to;
    }
  }
}

TEST_P(BlockLayoutTest, HeadChunkWritesLayout2AndReadsItBack) {
  ChunkOptions opts;
  opts.encoding = GetParam();
  opts.block_size = 4096;
  HeadChunk head(opts);
  std::vector<Entry> appended;
  for (const Entry& e : AwkwardEntries(2000, 7)) {
    if (head.Append(e.ts, e.line, e.metadata)) appended.push_back(e);
  }
  ASSERT_GT(head.closed_blocks(), 5u);
  ASSERT_GT(appended.size(), 1000u);
  const std::string bytes = head.Encode();
  EXPECT_EQ(ChunkHeaderFlags(bytes) & kChunkFlagLayout2, kChunkFlagLayout2);
  auto reader = ChunkReader::Open(bytes);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->layout(), BlockLayout::kSplit);
  EXPECT_EQ((*reader)->entries(), appended.size());
  for (auto [from, to] : kRanges) {
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      // Blocks are cut in arrival order, so ties across blocks come out in
      // arrival order too: the reference is one stable sort of everything.
      std::vector<Entry> want = Merged({appended}, from, to, dir);
      Status st;
      EXPECT_EQ(Drain(*(*reader)->Iterator(from, to, dir), &st), want) << from << ".." << to;
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(Drain(*head.Iterator(from, to, dir), &st), want) << "head " << from << ".." << to;
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
  }
  // Each stored block is the documented pair of frames: the lines frame holds
  // the block's lines back to back, nothing else; the table frame the rest.
  uint64_t lines_total = 0, raw_total = 0;
  for (const BlockMeta& m : (*reader)->blocks()) {
    std::string_view stored = std::string_view(bytes).substr(m.offset, m.compressed_len);
    uint64_t table_raw, table_stored;
    ASSERT_TRUE(GetVarint64(&stored, &table_raw));
    ASSERT_TRUE(GetVarint64(&stored, &table_stored));
    ASSERT_LE(table_stored, stored.size());
    std::string table, lines;
    ASSERT_TRUE(Decompress(GetParam(), stored.substr(0, table_stored), table_raw, &table).ok());
    ASSERT_TRUE(
        Decompress(GetParam(), stored.substr(table_stored), m.raw_len - table_raw, &lines).ok());
    auto columns = SplitLayout2Table(table);
    ASSERT_TRUE(columns.ok()) << columns.status().ToString();
    uint64_t entries = 0, line_bytes = 0;
    uint64_t delta, line_len;
    std::string_view md;
    while (!columns->deltas.empty()) {
      ASSERT_TRUE(GetLayout2Entry(&*columns, &delta, &line_len, &md));
      line_bytes += line_len;
      entries++;
    }
    EXPECT_TRUE(columns->line_lens.empty());
    EXPECT_TRUE(columns->metadata_lens.empty());
    EXPECT_TRUE(columns->metadata.empty());
    EXPECT_EQ(entries, m.entries);
    EXPECT_EQ(line_bytes, lines.size());
    lines_total += lines.size();
    raw_total += m.raw_len;
  }
  uint64_t want_lines = 0;
  for (const Entry& e : appended) want_lines += e.line.size();
  EXPECT_EQ(lines_total, want_lines);
  EXPECT_GT(raw_total, lines_total);
}

TEST_P(BlockLayoutTest, HandBuiltLayout2BlocksMerge) {
  std::vector<std::vector<Entry>> entries = {AwkwardEntries(150, 11), AwkwardEntries(90, 12)};
  std::vector<RawBlock> blocks;
  for (const auto& e : entries) blocks.push_back(Layout2Block(GetParam(), e));
  auto reader = ChunkReader::Open(Assemble(GetParam(), kChunkFlagLayout2, blocks));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  for (auto [from, to] : kRanges) {
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      Status st;
      EXPECT_EQ(Drain(*(*reader)->Iterator(from, to, dir), &st), Merged(entries, from, to, dir));
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
  }
}

// A chunk whose layout flag is flipped after writing never reads as data.
TEST_P(BlockLayoutTest, WrongLayoutFlagIsCorruption) {
  std::vector<Entry> entries = AwkwardEntries(100, 5);
  for (bool layout2 : {false, true}) {
    RawBlock b = layout2 ? Layout2Block(GetParam(), entries) : Layout1Block(GetParam(), entries);
    std::string bytes = Assemble(GetParam(), layout2 ? 0 : kChunkFlagLayout2, {b});
    auto reader = ChunkReader::Open(bytes);
    if (!reader.ok()) {
      EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
      continue;
    }
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      Status st;
      Drain(*(*reader)->Iterator(kMin, kMax, dir), &st);
      EXPECT_EQ(st.code(), StatusCode::kCorruption) << "layout2=" << layout2;
    }
  }
}

// One damaged layout-2 block (with a correct CRC): every reading of it must
// stop with Corruption whose message contains `want`.
struct DamageCase {
  const char* what;
  std::string stored;
  BlockMeta meta;
  const char* want;
};

void ExpectCorruption(Encoding encoding, const DamageCase& c) {
  SCOPED_TRACE(c.what);
  RawBlock b{c.stored, c.meta};
  auto reader = ChunkReader::Open(Assemble(encoding, kChunkFlagLayout2, {b}));
  if (!reader.ok()) {
    EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
    EXPECT_NE(reader.status().message().find(c.want), std::string::npos)
        << reader.status().message();
    return;
  }
  auto match_all = std::make_shared<BlockFilter>();
  for (BlockFilterPtr filter : {BlockFilterPtr(), match_all}) {
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      Status st;
      std::vector<Entry> got = Drain(*(*reader)->Iterator(kMin, kMax, dir, filter), &st);
      EXPECT_EQ(st.code(), StatusCode::kCorruption) << "got " << got.size() << " entries";
      EXPECT_NE(st.message().find(c.want), std::string::npos) << st.message();
      EXPECT_NE(st.message().find("block 0"), std::string::npos) << st.message();
    }
  }
}

TEST_P(BlockLayoutTest, DamagedLayout2BlocksAreCorruption) {
  const Encoding enc = GetParam();
  std::vector<Entry> sorted = SortedByTs(AwkwardEntries(60, 21));
  const Layout2Parts good = Layout2PartsOf(sorted);
  const BlockMeta meta = [&] {
    BlockMeta m = MetaOf(sorted);
    m.raw_len = static_cast<uint32_t>(good.table.size() + good.lines.size());
    return m;
  }();
  // Sanity: the undamaged block reads.
  {
    auto reader =
        ChunkReader::Open(Assemble(enc, kChunkFlagLayout2, {{Layout2Stored(enc, good), meta}}));
    ASSERT_TRUE(reader.ok());
    Status st;
    EXPECT_EQ(Drain(*(*reader)->Iterator(kMin, kMax, Direction::kForward), &st).size(), 60u);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  const std::string table_frame = [&] {
    std::string f;
    EXPECT_TRUE(Compress(enc, 1, good.table, &f).ok());
    return f;
  }();
  std::vector<DamageCase> cases;
  auto with_parts = [&](const char* what, Layout2Parts p, const char* want,
                        std::optional<uint32_t> entries = std::nullopt) {
    BlockMeta m = meta;
    m.raw_len = static_cast<uint32_t>(p.table.size() + p.lines.size());
    if (entries) m.entries = *entries;
    cases.push_back({what, Layout2Stored(enc, p, std::nullopt, std::nullopt), m, want});
  };
  const Layout2Columns cols = Layout2ColumnsOf(sorted);
  ASSERT_FALSE(cols.metadatas.empty());
  {
    Layout2Columns c = cols;
    c.metadatas.pop_back();  // the last entry with metadata runs past its column
    with_parts("metadata column one byte short", c.Parts(), "malformed table entry");
  }
  {
    Layout2Columns c = cols;
    c.metadatas += "x";
    with_parts("metadata column one byte long", c.Parts(), "table columns hold more");
  }
  {
    Layout2Columns c = cols;
    PutVarint64(&c.line_lens, 0);  // one line length more than entries
    with_parts("line_len column longer than the ts_delta column", c.Parts(),
               "table columns hold more");
  }
  {
    Layout2Columns c = cols;
    c.metadata_lens.pop_back();  // the last entry has no metadata length
    with_parts("metadata_len column short", c.Parts(), "malformed table entry 59");
  }
  {
    // The table stops inside its line_len column, whose stated length runs
    // past the table's end.
    Layout2Parts p = cols.Parts();
    p.table.resize(p.table.size() - cols.metadatas.size() - cols.metadata_lens.size() - 1);
    with_parts("truncated table", p, "line_len column of");
  }
  {
    Layout2Parts p;
    p.table = std::string(4, '\x80');  // a column length varint that never ends
    p.lines = cols.lines;
    with_parts("bad column length varint", p, "malformed length of the ts_delta column");
  }
  {
    // The last line claims more bytes than the lines frame has left.
    Layout2Columns c = cols;
    c.lines.pop_back();
    with_parts("line lengths past the lines frame", c.Parts(), "past the end of the lines frame");
  }
  {
    Layout2Columns c = cols;
    c.lines += "extra";
    with_parts("line lengths short of the lines frame", c.Parts(),
               "less than the lines frame holds");
  }
  with_parts("entry count too big", good, "index says 61", 61);
  with_parts("entry count too small", good, "index says 59", 59);
  {
    Layout2Columns c = cols;
    c.deltas += std::string(11, '\xff');  // an 11-byte varint
    with_parts("bad varint in the ts_delta column", c.Parts(), "malformed table entry 60");
  }
  {
    // A ts_delta that runs past max_ts.
    Layout2Columns c = cols;
    PutVarint64(&c.deltas, 1);
    PutVarint64(&c.line_lens, 0);
    PutVarint64(&c.metadata_lens, 0);
    with_parts("entry past max_ts", c.Parts(), "past the block's max_ts", 61);
  }
  cases.push_back({"table frame past the block",
                   Layout2Stored(enc, good, std::nullopt, uint64_t{1} << 30), meta,
                   "runs past the block"});
  cases.push_back({"table_raw_len beyond raw_len", Layout2Stored(enc, good, meta.raw_len + 1), meta,
                   "exceeds the block's raw_len"});
  cases.push_back(
      {"table_raw_len off by one", Layout2Stored(enc, good, good.table.size() + 1), meta, "frame"});
  cases.push_back({"table frame one byte longer than stated",
                   Layout2Stored(enc, good, std::nullopt, table_frame.size() - 1), meta, ""});
  {
    std::string bad_varint(5, '\x80');
    cases.push_back({"unterminated table_raw_len", bad_varint, meta, ""});
    std::string over;
    PutVarint64(&over, 10);
    over += std::string(10, '\xff');
    cases.push_back({"table_stored_len past 64 bits", over, meta, ""});
  }
  for (const DamageCase& c : cases) ExpectCorruption(enc, c);
}

TEST_P(BlockLayoutTest, EveryFlippedBitOfALayout2BlockIsCaught) {
  std::vector<RawBlock> blocks = {Layout2Block(GetParam(), AwkwardEntries(40, 31))};
  const std::string bytes = Assemble(GetParam(), kChunkFlagLayout2, blocks);
  const uint32_t begin = kChunkHeaderSize;
  const uint32_t end = begin + static_cast<uint32_t>(blocks[0].stored.size());
  for (uint32_t pos = begin; pos < end; pos++) {
    std::string bad = bytes;
    bad[pos] ^= static_cast<char>(1 << (pos % 8));
    auto reader = ChunkReader::Open(bad);
    ASSERT_TRUE(reader.ok());  // the index is intact
    Status st;
    Drain(*(*reader)->Iterator(kMin, kMax, Direction::kBackward), &st);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << "byte " << pos;
    EXPECT_NE(st.message().find("checksum mismatch"), std::string::npos) << st.message();
  }
}

// A literal present in one block's lines: the other blocks are skipped, and
// counted once each, in both directions.
TEST_P(BlockLayoutTest, FilterSkipsBlocksWithoutTheLiteral) {
  ChunkOptions opts;
  opts.encoding = GetParam();
  HeadChunk head(opts);
  for (int b = 0; b < 4; b++) {
    for (int i = 0; i < 50; i++) {
      std::string line = "GET /items/" + std::to_string(b * 100 + i) + " 200";
      if (b == 2 && i == 7) line += " needle\nhere";
      ASSERT_TRUE(head.Append(b * 1000 + i, line, ""));
    }
    head.CutBlock();
  }
  auto reader = ChunkReader::Open(head.Encode());
  ASSERT_TRUE(reader.ok());
  const auto& blocks = (*reader)->blocks();
  ASSERT_EQ(blocks.size(), 4u);
  for (Direction dir : {Direction::kForward, Direction::kBackward}) {
    auto filter = std::make_shared<BlockFilter>();
    filter->literals = {"needle\nhere"};
    Status st;
    std::vector<Entry> got = Drain(*(*reader)->Iterator(kMin, kMax, dir, filter), &st);
    EXPECT_TRUE(st.ok()) << st.ToString();
    ASSERT_EQ(got.size(), 50u);  // block 2, whole: the pipeline filters lines
    for (const Entry& e : got) EXPECT_EQ(e.ts / 1000, 2);
    EXPECT_EQ(filter->skipped_entries.load(), 150u);
    EXPECT_EQ(filter->skipped_bytes.load(),
              uint64_t{blocks[0].raw_len} + blocks[1].raw_len + blocks[3].raw_len);
    // A range that reaches only blocks 0 and 1 counts only those.
    filter->skipped_entries = 0;
    filter->skipped_bytes = 0;
    EXPECT_TRUE(Drain(*(*reader)->Iterator(0, 1049, dir, filter), &st).empty());
    EXPECT_EQ(filter->skipped_entries.load(), 100u);
    EXPECT_EQ(filter->skipped_bytes.load(), uint64_t{blocks[0].raw_len} + blocks[1].raw_len);
  }
}

// The pre-check looks at the lines frame alone: a block is skipped before its
// table is decompressed (here the table is garbage, yet the skip succeeds),
// metadata never makes a block match, and a literal that occurs only across
// two adjacent lines lets the block through.
TEST_P(BlockLayoutTest, FilterReadsOnlyTheLinesFrame) {
  const Encoding enc = GetParam();
  std::vector<Entry> sorted;
  for (int i = 0; i < 20; i++) {
    std::string md;
    LabelRef pairs[] = {{"secret", "in-metadata-only"}};
    EncodeMetadata(&md, pairs, 1);
    sorted.push_back({i, i == 5 ? "abc" : (i == 6 ? "def" : "line " + std::to_string(i)), md});
  }
  Layout2Parts parts = Layout2PartsOf(sorted);
  BlockMeta meta = MetaOf(sorted);
  meta.raw_len = static_cast<uint32_t>(parts.table.size() + parts.lines.size());
  // Same lengths, garbage table: it does not decompress (or, for none, holds
  // no valid entry).
  std::string table_frame;
  ASSERT_TRUE(Compress(enc, 1, parts.table, &table_frame).ok());
  std::string bad_frame(table_frame.size(), '\xff');
  std::string stored;
  PutVarint64(&stored, parts.table.size());
  PutVarint64(&stored, bad_frame.size());
  std::string lines_frame;
  ASSERT_TRUE(Compress(enc, 1, parts.lines, &lines_frame).ok());
  stored += bad_frame + lines_frame;
  auto reader = ChunkReader::Open(Assemble(enc, kChunkFlagLayout2, {{stored, meta}}));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();

  for (Direction dir : {Direction::kForward, Direction::kBackward}) {
    // Without a filter the garbage table is found.
    Status st;
    Drain(*(*reader)->Iterator(kMin, kMax, dir), &st);
    EXPECT_EQ(st.code(), StatusCode::kCorruption);
    // A literal missing from the lines skips the block untouched; one only
    // in the metadata too.
    for (const char* lit : {"needle", "in-metadata-only", "secret"}) {
      auto filter = std::make_shared<BlockFilter>();
      filter->literals = {lit};
      std::vector<Entry> got = Drain(*(*reader)->Iterator(kMin, kMax, dir, filter), &st);
      EXPECT_TRUE(st.ok()) << lit << ": " << st.ToString();
      EXPECT_TRUE(got.empty()) << lit;
      EXPECT_EQ(filter->skipped_entries.load(), 20u) << lit;
      EXPECT_EQ(filter->skipped_bytes.load(), meta.raw_len) << lit;
    }
    // "cde" spans lines 5 and 6: the block is read (and here, found bad).
    auto across = std::make_shared<BlockFilter>();
    across->literals = {"cde"};
    Drain(*(*reader)->Iterator(kMin, kMax, dir, across), &st);
    EXPECT_EQ(st.code(), StatusCode::kCorruption);
    EXPECT_EQ(across->skipped_entries.load(), 0u);
  }

  // The same block with its real table: the spanning literal returns every
  // entry, with its metadata.
  auto good = ChunkReader::Open(Assemble(enc, kChunkFlagLayout2, {Layout2Block(enc, sorted)}));
  ASSERT_TRUE(good.ok());
  auto across = std::make_shared<BlockFilter>();
  across->literals = {"cde"};
  Status st;
  EXPECT_EQ(Drain(*(*good)->Iterator(kMin, kMax, Direction::kForward, across), &st), sorted);
  EXPECT_TRUE(st.ok());
}

TEST_P(BlockLayoutTest, FilterOnLayout1Blocks) {
  std::vector<std::vector<Entry>> entries(3);
  for (int b = 0; b < 3; b++) {
    for (int i = 0; i < 30; i++) {
      entries[b].push_back({b * 100 + i, "b" + std::to_string(b) + (b == 1 ? " needle" : ""), ""});
    }
  }
  std::vector<RawBlock> blocks;
  for (const auto& e : entries) blocks.push_back(Layout1Block(GetParam(), e));
  auto reader = ChunkReader::Open(Assemble(GetParam(), 0, blocks));
  ASSERT_TRUE(reader.ok());
  auto filter = std::make_shared<BlockFilter>();
  filter->literals = {"needle"};
  Status st;
  std::vector<Entry> got =
      Drain(*(*reader)->Iterator(kMin, kMax, Direction::kBackward, filter), &st);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(got, Merged({entries[1]}, kMin, kMax, Direction::kBackward));
  EXPECT_EQ(filter->skipped_entries.load(), 60u);
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, BlockLayoutTest,
                         ::testing::Values(Encoding::kNone, Encoding::kSnappy, Encoding::kZstd),
                         [](const auto& info) { return std::string(EncodingName(info.param)); });

TEST(BlockLayout2HandMadeTest, MatchesTheDocumentedFormat) {
  // docs/storage.md, block layout 2, encoding none:
  //   block := varint table_raw_len | varint table_stored_len | table | lines
  //   table := varint deltas_len | varint line_lens_len | varint metadata_lens_len
  //          | deltas | line_lens | metadata_lens | metadatas
  // Entries: ts -3 "hello"; ts 4 "wor\0\nld" with 3 bytes of metadata; ts 4 "".
  const std::string table(
      "\x03\x03\x03"   // three columns of 3 bytes
      "\x00\x07\x00"   // ts_delta
      "\x05\x07\x00"   // line_len
      "\x00\x03\x00"   // metadata_len
      "\x01\x00\x00",  // metadata
      15);
  const std::string lines("hellowor\0\nld", 12);
  std::string stored = std::string("\x0f\x0f", 2) + table + lines;
  BlockMeta meta{.min_ts = -3, .max_ts = 4, .entries = 3, .raw_len = 27};
  auto reader = ChunkReader::Open(Assemble(Encoding::kNone, kChunkFlagLayout2, {{stored, meta}}));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Status st;
  std::vector<Entry> want = {{-3, "hello", ""},
                             {4, std::string("wor\0\nld", 7), std::string("\x01\x00\x00", 3)},
                             {4, "", ""}};
  EXPECT_EQ(Drain(*(*reader)->Iterator(kMin, kMax, Direction::kForward), &st), want);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::reverse(want.begin(), want.end());
  EXPECT_EQ(Drain(*(*reader)->Iterator(kMin, kMax, Direction::kBackward), &st), want);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(BlockLayout2HandMadeTest, TooShortForItsLengthsFailsToOpen) {
  BlockMeta meta{.min_ts = 0, .max_ts = 0, .entries = 1, .raw_len = 3};
  // One stored byte cannot hold the two length varints.
  auto r = ChunkReader::Open(Assemble(Encoding::kZstd, kChunkFlagLayout2, {{"\x03", meta}}));
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  // Uncompressed, the stored block is at least raw_len plus the varints.
  r = ChunkReader::Open(
      Assemble(Encoding::kNone, kChunkFlagLayout2, {{std::string("\x03\x03\x00\x00", 4), meta}}));
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace logstack::logstore::chunk
