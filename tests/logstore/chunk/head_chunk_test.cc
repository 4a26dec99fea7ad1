#include "logstore/chunk/head_chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "logstore/chunk/chunk_reader.h"
#include "logstore/model/types.h"
#include "tests/logstore/chunk/test_entries.h"

namespace logstack::logstore::chunk {
namespace {

using testing::Entry;
using testing::kMax;
using testing::kMin;

// Drains `it`, checking that it ended without an error.
std::vector<Entry> Drain(EntryIterator& it) {
  Status st;
  std::vector<Entry> out = testing::Drain(it, &st);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

// The reference: `appended` (the accepted entries, in arrival order) in
// timestamp order with ties in arrival order, restricted to [from, to).
std::vector<Entry> Expected(std::vector<Entry> appended, int64_t from, int64_t to, Direction dir) {
  std::stable_sort(appended.begin(), appended.end(),
                   [](const Entry& a, const Entry& b) { return a.ts < b.ts; });
  std::vector<Entry> out;
  for (const Entry& e : appended) {
    if (from <= e.ts && e.ts < to) out.push_back(e);
  }
  if (dir == Direction::kBackward) std::reverse(out.begin(), out.end());
  return out;
}

// Checks the head chunk's own iterator and a reader of its encoding against
// the reference, both directions.
void CheckAll(HeadChunk& head, const std::vector<Entry>& appended, int64_t from, int64_t to) {
  for (Direction dir : {Direction::kForward, Direction::kBackward}) {
    SCOPED_TRACE(dir == Direction::kForward ? "forward" : "backward");
    std::vector<Entry> want = Expected(appended, from, to, dir);
    EXPECT_EQ(Drain(*head.Iterator(from, to, dir)), want) << "head chunk";
    auto reader = ChunkReader::Open(head.Encode());
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ(Drain(*(*reader)->Iterator(from, to, dir)), want) << "chunk reader";
  }
}

class HeadChunkTest : public ::testing::TestWithParam<Encoding> {
 protected:
  ChunkOptions Options(size_t block_size = 256 << 10) {
    ChunkOptions o;
    o.encoding = GetParam();
    o.block_size = block_size;
    return o;
  }
  bool Add(HeadChunk& head, int64_t ts, std::string line, std::string metadata = "") {
    bool ok = head.Append(ts, line, metadata);
    if (ok) appended_.push_back({ts, std::move(line), std::move(metadata)});
    return ok;
  }
  std::vector<Entry> appended_;
};

TEST_P(HeadChunkTest, EmptyChunk) {
  HeadChunk head(Options());
  EXPECT_TRUE(head.empty());
  EXPECT_EQ(head.entries(), 0u);
  EXPECT_EQ(Drain(*head.Iterator(kMin, kMax, Direction::kForward)).size(), 0u);
  auto reader = ChunkReader::Open(head.Encode());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE((*reader)->blocks().empty());
  EXPECT_EQ(Drain(*(*reader)->Iterator(kMin, kMax, Direction::kBackward)).size(), 0u);
}

TEST_P(HeadChunkTest, RoundTripInOrder) {
  HeadChunk head(Options());
  for (int i = 0; i < 1000; i++) {
    ASSERT_TRUE(Add(head, 1'000'000'000LL * i, "line number " + std::to_string(i)));
  }
  EXPECT_EQ(head.entries(), 1000u);
  EXPECT_EQ(head.min_ts(), 0);
  EXPECT_EQ(head.max_ts(), 999'000'000'000LL);
  EXPECT_FALSE(head.empty());
  CheckAll(head, appended_, kMin, kMax);
}

TEST_P(HeadChunkTest, ManyEntriesAcrossManyBlocks) {
  HeadChunk head(Options(/*block_size=*/1024));
  std::mt19937_64 rng(42);
  size_t raw = 0;
  for (int i = 0; i < 20000; i++) {
    std::string line = "msg=" + std::to_string(rng()) + " i=" + std::to_string(i);
    raw += line.size();
    ASSERT_TRUE(Add(head, 1000 + i * 10, line));
  }
  EXPECT_EQ(head.raw_bytes(), raw);
  EXPECT_GT(head.closed_blocks(), 100u);
  EXPECT_GT(head.compressed_bytes(), 0u);
  CheckAll(head, appended_, kMin, kMax);
  // Ranges inside and across block boundaries.
  CheckAll(head, appended_, 1000 + 5555 * 10, 1000 + 7777 * 10 + 1);
  auto reader = ChunkReader::Open(head.Encode());
  ASSERT_TRUE(reader.ok());
  const std::vector<BlockMeta>& blocks = (*reader)->blocks();
  uint64_t entries = 0;
  for (size_t i = 0; i < blocks.size(); i++) {
    entries += blocks[i].entries;
    if (i > 0) {
      EXPECT_GT(blocks[i].min_ts, blocks[i - 1].max_ts);
    }
    CheckAll(head, appended_, blocks[i].min_ts, blocks[i].max_ts + 1);
    if (i > 10) break;
  }
  EXPECT_EQ((*reader)->entries(), 20000u);
}

TEST_P(HeadChunkTest, OutOfOrderAppendsComeOutSorted) {
  HeadChunk head(Options(/*block_size=*/2048));
  std::mt19937_64 rng(1);
  for (int i = 0; i < 5000; i++) {
    // Few distinct timestamps, so many ties within and across blocks.
    int64_t ts = static_cast<int64_t>(rng() % 700) - 300;
    ASSERT_TRUE(Add(head, ts, "entry " + std::to_string(i)));
  }
  EXPECT_EQ(head.min_ts(), -300);
  EXPECT_EQ(head.max_ts(), 399);
  CheckAll(head, appended_, kMin, kMax);
  CheckAll(head, appended_, -7, 123);
  CheckAll(head, appended_, 399, 400);
}

TEST_P(HeadChunkTest, EqualTimestampsKeepArrivalOrderAcrossBlocks) {
  HeadChunk head(Options());
  for (int i = 0; i < 10; i++) ASSERT_TRUE(Add(head, 5, "a" + std::to_string(i)));
  head.CutBlock();
  for (int i = 0; i < 10; i++) ASSERT_TRUE(Add(head, 5, "b" + std::to_string(i)));
  ASSERT_TRUE(Add(head, 4, "early"));
  head.CutBlock();
  for (int i = 0; i < 10; i++) ASSERT_TRUE(Add(head, 5, "c" + std::to_string(i)));
  EXPECT_EQ(head.closed_blocks(), 2u);
  CheckAll(head, appended_, kMin, kMax);
  std::vector<Entry> got = Drain(*head.Iterator(5, 6, Direction::kForward));
  ASSERT_EQ(got.size(), 30u);
  EXPECT_EQ(got.front().line, "a0");
  EXPECT_EQ(got.back().line, "c9");
}

TEST_P(HeadChunkTest, DuplicatesAreDropped) {
  HeadChunk head(Options());
  ASSERT_TRUE(Add(head, 10, "x"));
  ASSERT_TRUE(Add(head, 20, "y"));
  ASSERT_TRUE(Add(head, 30, "z"));
  // In the open block, sorted: at the newest timestamp and before it.
  EXPECT_FALSE(head.Append(30, "z", ""));
  EXPECT_FALSE(head.Append(20, "y", "metadata is ignored"));
  // Same timestamp, different line: kept. Same line, different timestamp: kept.
  EXPECT_TRUE(Add(head, 20, "y2"));
  EXPECT_TRUE(Add(head, 21, "y"));
  // In the open block, now out of order.
  EXPECT_FALSE(head.Append(21, "y", ""));
  EXPECT_FALSE(head.Append(10, "x", ""));
  EXPECT_EQ(head.entries(), 5u);

  head.CutBlock();
  // In a closed block: at its max_ts, and in its middle.
  EXPECT_FALSE(head.Append(30, "z", ""));
  EXPECT_FALSE(head.Append(20, "y", ""));
  EXPECT_FALSE(head.Append(20, "y2", ""));
  EXPECT_FALSE(head.Append(10, "x", ""));
  EXPECT_TRUE(Add(head, 20, "y3"));
  EXPECT_TRUE(Add(head, 30, "z2"));
  EXPECT_TRUE(Add(head, 15, "x"));
  // Now in the open block, after a cut.
  EXPECT_FALSE(head.Append(20, "y3", ""));
  EXPECT_FALSE(head.Append(15, "x", ""));
  EXPECT_EQ(head.entries(), 8u);
  EXPECT_EQ(head.raw_bytes(), 1u + 1 + 1 + 2 + 1 + 2 + 2 + 1);
  CheckAll(head, appended_, kMin, kMax);
}

TEST_P(HeadChunkTest, DuplicatesDroppedAcrossManyClosedBlocks) {
  HeadChunk head(Options(/*block_size=*/1024));
  for (int i = 0; i < 3000; i++) ASSERT_TRUE(Add(head, i, "line " + std::to_string(i)));
  ASSERT_GT(head.closed_blocks(), 10u);
  // A retried batch: every entry is a duplicate.
  for (int i = 0; i < 3000; i++) {
    ASSERT_FALSE(head.Append(i, "line " + std::to_string(i), "")) << i;
  }
  for (int i = 0; i < 3000; i += 100) ASSERT_TRUE(Add(head, i, "other " + std::to_string(i)));
  EXPECT_EQ(head.entries(), 3030u);
  CheckAll(head, appended_, kMin, kMax);
}

TEST_P(HeadChunkTest, MetadataRoundTrips) {
  HeadChunk head(Options(/*block_size=*/1024));
  for (int i = 0; i < 500; i++) {
    std::string value = "trace-" + std::to_string(i * 7919);
    LabelRef pairs[] = {{"trace_id", value}, {"user", i % 2 ? "alice" : ""}};
    std::string md;
    EncodeMetadata(&md, pairs, i % 3 == 0 ? 0 : 2);
    ASSERT_TRUE(Add(head, i, "line", md));
  }
  CheckAll(head, appended_, kMin, kMax);
  auto reader = ChunkReader::Open(head.Encode());
  ASSERT_TRUE(reader.ok());
  auto it = (*reader)->Iterator(4, 5, Direction::kForward);
  ASSERT_TRUE(it->Next());
  std::vector<LabelRef> pairs;
  ASSERT_TRUE(DecodeMetadata(it->entry().metadata, &pairs));
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].name, "trace_id");
  EXPECT_EQ(pairs[0].value, "trace-31676");
  EXPECT_EQ(pairs[1].value, "");
  EXPECT_FALSE(it->Next());
}

TEST_P(HeadChunkTest, RangeBoundaries) {
  HeadChunk head(Options());
  for (int64_t ts = 10; ts <= 100; ts += 10) ASSERT_TRUE(Add(head, ts, "t" + std::to_string(ts)));
  head.CutBlock();
  for (int64_t ts = 110; ts <= 200; ts += 10) ASSERT_TRUE(Add(head, ts, "t" + std::to_string(ts)));
  // `from` is inclusive and `to` exclusive, in both directions.
  auto lines = [&](int64_t from, int64_t to, Direction dir) {
    std::vector<std::string> out;
    for (const Entry& e : Drain(*head.Iterator(from, to, dir))) out.push_back(e.line);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(lines(20, 50, Direction::kForward), (V{"t20", "t30", "t40"}));
  EXPECT_EQ(lines(20, 50, Direction::kBackward), (V{"t40", "t30", "t20"}));
  EXPECT_EQ(lines(100, 110, Direction::kForward), (V{"t100"}));
  EXPECT_EQ(lines(100, 111, Direction::kBackward), (V{"t110", "t100"}));
  EXPECT_EQ(lines(200, 201, Direction::kForward), (V{"t200"}));
  EXPECT_EQ(lines(10, 11, Direction::kBackward), (V{"t10"}));
  EXPECT_EQ(lines(11, 20, Direction::kForward), V{});
  EXPECT_EQ(lines(50, 50, Direction::kForward), V{});
  EXPECT_EQ(lines(60, 40, Direction::kBackward), V{});
  for (int64_t from : {0, 10, 15, 100, 105, 110, 200}) {
    for (int64_t to : {10, 11, 100, 101, 110, 111, 200, 201}) {
      SCOPED_TRACE(std::to_string(from) + ".." + std::to_string(to));
      CheckAll(head, appended_, from, to);
    }
  }
}

TEST_P(HeadChunkTest, ExtremeTimestamps) {
  HeadChunk head(Options());
  ASSERT_TRUE(Add(head, kMax, "max"));
  ASSERT_TRUE(Add(head, kMin, "min"));
  ASSERT_TRUE(Add(head, 0, "zero"));
  EXPECT_FALSE(head.Append(kMax, "max", ""));
  head.CutBlock();
  EXPECT_FALSE(head.Append(kMin, "min", ""));
  ASSERT_TRUE(Add(head, kMax - 1, "almost"));
  EXPECT_EQ(head.min_ts(), kMin);
  EXPECT_EQ(head.max_ts(), kMax);
  // kMax itself is beyond every half-open range.
  CheckAll(head, appended_, kMin, kMax);
  EXPECT_EQ(Drain(*head.Iterator(kMin, kMax, Direction::kForward)).size(), 3u);
}

TEST_P(HeadChunkTest, SnapshotIsUnaffectedByLaterChanges) {
  auto head = std::make_unique<HeadChunk>(Options(/*block_size=*/1024));
  for (int i = 0; i < 300; i++) ASSERT_TRUE(Add(*head, i * 2, "before " + std::to_string(i)));
  ASSERT_GT(head->closed_blocks(), 0u);
  std::vector<Entry> want = Expected(appended_, 100, 500, Direction::kForward);
  std::vector<Entry> want_back = Expected(appended_, 100, 500, Direction::kBackward);
  auto it = head->Iterator(100, 500, Direction::kForward);
  auto back = head->Iterator(100, 500, Direction::kBackward);
  // Read part of one before changing the head chunk.
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->entry().timestamp_ns, 100);
  for (int i = 0; i < 300; i++) ASSERT_TRUE(head->Append(i * 2 + 1, "after", ""));
  head->CutBlock();
  head->Append(250, "after", "");
  std::string unused = head->Encode();
  head.reset();
  std::vector<Entry> rest = Drain(*it);
  rest.insert(rest.begin(), want.front());
  EXPECT_EQ(rest, want);
  EXPECT_EQ(Drain(*back), want_back);
}

TEST_P(HeadChunkTest, AppendAfterEncode) {
  HeadChunk head(Options());
  ASSERT_TRUE(Add(head, 1, "one"));
  std::string first = head.Encode();
  ASSERT_TRUE(Add(head, 2, "two"));
  EXPECT_FALSE(head.Append(1, "one", ""));
  CheckAll(head, appended_, kMin, kMax);
  EXPECT_GT(head.Encode().size(), first.size());
}

TEST_P(HeadChunkTest, MemoryAccounting) {
  HeadChunk head(Options());
  size_t empty = head.memory_bytes();
  std::string line(1000, 'x');
  for (int i = 0; i < 100; i++) ASSERT_TRUE(head.Append(i, line, ""));
  EXPECT_GE(head.memory_bytes(), empty + 100 * 1000);
  head.CutBlock();
  EXPECT_GE(head.memory_bytes(), empty + head.compressed_bytes());
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, HeadChunkTest,
                         ::testing::Values(Encoding::kNone, Encoding::kSnappy, Encoding::kZstd),
                         [](const auto& info) { return std::string(EncodingName(info.param)); });

TEST(HeadChunkOptionsTest, Validate) {
  EXPECT_TRUE(ValidateChunkOptions(ChunkOptions{}).ok());
  EXPECT_EQ(ValidateChunkOptions({Encoding::kZstd, 99, 256 << 10}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateChunkOptions({Encoding::kZstd, 3, 10}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateChunkOptions({static_cast<Encoding>(7), 3, 256 << 10}).code(),
            StatusCode::kInvalidArgument);
  // Clamped rather than failing later.
  HeadChunk head({Encoding::kZstd, 99, 10});
  ASSERT_TRUE(head.Append(1, "x", ""));
  EXPECT_TRUE(ChunkReader::Open(head.Encode()).ok());
}

// Realistic logfmt lines, as an application would log them.
std::string LogfmtLine(std::mt19937_64& rng, int i) {
  static const char* kLevels[] = {"info", "info", "info", "debug", "warn", "error"};
  static const char* kPaths[] = {"/api/v1/push", "/api/v1/query_range", "/ready", "/metrics",
                                 "/loki/api/v1/tail"};
  static const char* kMsgs[] = {"request completed", "cache miss", "flushing chunk", "slow query",
                                "retrying upstream"};
  return "ts=2024-05-01T12:" + std::to_string(10 + i / 60000 % 50) + ":" +
         std::to_string(10 + i / 1000 % 50) + "." + std::to_string(100000 + i % 900000) +
         "Z level=" + kLevels[rng() % 6] +
         " caller=handler.go:" + std::to_string(100 + rng() % 40) + " msg=\"" + kMsgs[rng() % 5] +
         "\" method=GET path=" + kPaths[rng() % 5] +
         " status=" + std::to_string(rng() % 10 ? 200 : 500) +
         " duration=" + std::to_string(rng() % 2000) + "." + std::to_string(rng() % 1000) +
         "ms trace_id=" + std::to_string(rng() % 100000000) + " org_id=tenant-" +
         std::to_string(rng() % 8);
}

TEST(HeadChunkRatioTest, ZstdCompressesLogfmtWell) {
  std::mt19937_64 rng(2024);
  HeadChunk zstd({Encoding::kZstd, 3, 256 << 10});
  HeadChunk snappy({Encoding::kSnappy, 0, 256 << 10});
  int64_t ts = 1'714'564'800'000'000'000;
  for (int i = 0; zstd.raw_bytes() < 600'000; i++) {
    std::string line = LogfmtLine(rng, i);
    ts += static_cast<int64_t>(rng() % 5'000'000);
    ASSERT_TRUE(zstd.Append(ts, line, ""));
    ASSERT_TRUE(snappy.Append(ts, line, ""));
  }
  double zstd_ratio = static_cast<double>(zstd.raw_bytes()) / zstd.Encode().size();
  double snappy_ratio = static_cast<double>(snappy.raw_bytes()) / snappy.Encode().size();
  EXPECT_GT(zstd_ratio, 5.0);
  EXPECT_GT(snappy_ratio, 2.0);
  EXPECT_GT(zstd_ratio, snappy_ratio);
  std::printf("logfmt ratio: zstd %.1fx snappy %.1fx\n", zstd_ratio, snappy_ratio);
}

}  // namespace
}  // namespace logstack::logstore::chunk
