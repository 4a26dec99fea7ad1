#include "logstore/chunk/compression.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace logstack::logstore::chunk {
namespace {

std::string TextOfSize(size_t n) {
  std::mt19937_64 rng(7);
  std::string s;
  while (s.size() < n) {
    s += "level=info msg=\"request done\" status=" + std::to_string(200 + rng() % 5) +
         " duration_ms=" + std::to_string(rng() % 1000) + "\n";
  }
  s.resize(n);
  return s;
}

class CompressionTest : public ::testing::TestWithParam<Encoding> {};

TEST_P(CompressionTest, RoundTrips) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{300000}}) {
    std::string in = TextOfSize(n);
    std::string compressed, out;
    ASSERT_TRUE(Compress(GetParam(), 3, in, &compressed).ok());
    ASSERT_TRUE(Decompress(GetParam(), compressed, in.size(), &out).ok()) << n;
    EXPECT_EQ(out, in);
  }
}

TEST_P(CompressionTest, LinesFramesRoundTripAtEveryLevel) {
  std::string in = TextOfSize(300000);
  std::string generic_before, generic_after, compressed, out;
  ASSERT_TRUE(Compress(GetParam(), 3, in, &generic_before).ok());
  for (int level : {-3, 1, 2, 3, 4, 5, 19}) {
    ASSERT_TRUE(Compress(GetParam(), level, in, &compressed, FrameKind::kLines).ok()) << level;
    ASSERT_TRUE(Decompress(GetParam(), compressed, in.size(), &out).ok()) << level;
    EXPECT_EQ(out, in) << level;
  }
  // The lines tuning does not stick to the thread's context.
  ASSERT_TRUE(Compress(GetParam(), 3, in, &generic_after).ok());
  EXPECT_EQ(generic_after, generic_before);
}

TEST_P(CompressionTest, ReusesOutputWithoutLeftovers) {
  std::string big = TextOfSize(10000), small = TextOfSize(10), compressed, out;
  ASSERT_TRUE(Compress(GetParam(), 1, big, &compressed).ok());
  ASSERT_TRUE(Decompress(GetParam(), compressed, big.size(), &out).ok());
  ASSERT_TRUE(Compress(GetParam(), 1, small, &compressed).ok());
  ASSERT_TRUE(Decompress(GetParam(), compressed, small.size(), &out).ok());
  EXPECT_EQ(out, small);
}

TEST_P(CompressionTest, LengthMismatchIsCorruption) {
  std::string in = TextOfSize(5000), compressed, out;
  ASSERT_TRUE(Compress(GetParam(), 3, in, &compressed).ok());
  EXPECT_EQ(Decompress(GetParam(), compressed, in.size() + 1, &out).code(),
            StatusCode::kCorruption);
  EXPECT_EQ(Decompress(GetParam(), compressed, in.size() - 1, &out).code(),
            StatusCode::kCorruption);
}

TEST_P(CompressionTest, TruncatedInputIsCorruption) {
  std::string in = TextOfSize(5000), compressed, out;
  ASSERT_TRUE(Compress(GetParam(), 3, in, &compressed).ok());
  for (size_t n = 0; n < compressed.size(); n += 7) {
    EXPECT_EQ(Decompress(GetParam(), compressed.substr(0, n), in.size(), &out).code(),
              StatusCode::kCorruption)
        << "truncated to " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, CompressionTest,
                         ::testing::Values(Encoding::kNone, Encoding::kSnappy, Encoding::kZstd),
                         [](const auto& info) { return std::string(EncodingName(info.param)); });

// Lines frames at zstd level 3 use 6-byte minimum matches (level 3's own is
// 4 for inputs this size): a different encoding of the same bytes. Text with
// many short repeats shows it (TextOfSize's long repeats would not).
TEST(CompressionTest, ZstdLinesFramesUseLongerMatches) {
  static const char* const kWords[] = {"user", "order", "cart", "item", "price", "level",
                                       "info", "warn",  "path", "GET",  "POST",  "took"};
  std::mt19937_64 rng(11);
  std::string in;
  while (in.size() < 200000) {
    in += kWords[rng() % 12];
    in += rng() % 2 ? "=" : " ";
    in += std::to_string(rng() % 100000);
    in += rng() % 8 ? " " : "\n";
  }
  std::string generic, lines, out;
  ASSERT_TRUE(Compress(Encoding::kZstd, 3, in, &generic).ok());
  ASSERT_TRUE(Compress(Encoding::kZstd, 3, in, &lines, FrameKind::kLines).ok());
  EXPECT_TRUE(lines != generic) << "both " << lines.size() << " bytes";
  ASSERT_TRUE(Decompress(Encoding::kZstd, lines, in.size(), &out).ok());
  EXPECT_TRUE(out == in);
  // Level 1's minimum match is already 6: the same size either way.
  ASSERT_TRUE(Compress(Encoding::kZstd, 1, in, &generic).ok());
  ASSERT_TRUE(Compress(Encoding::kZstd, 1, in, &lines, FrameKind::kLines).ok());
  EXPECT_EQ(lines.size(), generic.size());
}

TEST(CompressionTest, GarbageIsCorruption) {
  std::string out;
  EXPECT_EQ(Decompress(Encoding::kZstd, "not a zstd frame", 16, &out).code(),
            StatusCode::kCorruption);
  EXPECT_EQ(Decompress(Encoding::kSnappy, "\xff\xff\xff\xff\xff\xff", 16, &out).code(),
            StatusCode::kCorruption);
  // A valid snappy length header followed by a copy that reaches before the start.
  EXPECT_EQ(Decompress(Encoding::kSnappy, std::string("\x10\x3e\x10\x00", 4), 16, &out).code(),
            StatusCode::kCorruption);
  EXPECT_EQ(Decompress(static_cast<Encoding>(9), "x", 1, &out).code(), StatusCode::kCorruption);
}

TEST(CompressionTest, RejectsBadLevelAndEncoding) {
  std::string out;
  EXPECT_EQ(Compress(Encoding::kZstd, 1000, "x", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Compress(static_cast<Encoding>(9), 1, "x", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Compress(Encoding::kZstd, -5, "x", &out).ok());
}

TEST(CompressionTest, NamesRoundTrip) {
  for (Encoding e : {Encoding::kNone, Encoding::kSnappy, Encoding::kZstd}) {
    auto parsed = ParseEncoding(EncodingName(e));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, e);
  }
  EXPECT_EQ(EncodingName(Encoding::kZstd), "zstd");
  EXPECT_EQ(ParseEncoding("gzip").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEncoding("ZSTD").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsValidEncoding(2));
  EXPECT_FALSE(IsValidEncoding(3));
}

}  // namespace
}  // namespace logstack::logstore::chunk
