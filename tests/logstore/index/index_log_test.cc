#include "logstore/index/index_log.h"

#include <gtest/gtest.h>

#include "common/mem_env.h"
#include "logstore/wal/log_writer.h"

namespace logstack::logstore::index {
namespace {

ChunkRef Ref(uint32_t file_no, uint64_t offset) {
  ChunkRef r;
  r.file_no = file_no;
  r.offset = offset;
  r.length = 100;
  r.min_ts = -5;
  r.max_ts = 1'700'000'000'000'000'000;
  r.entries = 3;
  r.raw_bytes = 300;
  r.max_seq = 42;
  return r;
}

TEST(IndexLogTest, ChunkRefsRoundTrip) {
  std::string rec = EncodeChunkRef(R"({app="a"})", Ref(7, 1 << 20));
  std::string_view labels;
  ChunkRef back;
  ASSERT_TRUE(DecodeChunkRef(rec, &labels, &back));
  EXPECT_EQ(labels, R"({app="a"})");
  EXPECT_EQ(back.file_no, 7u);
  EXPECT_EQ(back.offset, 1u << 20);
  EXPECT_EQ(back.min_ts, -5);
  EXPECT_EQ(back.max_seq, 42u);
  for (size_t n = 0; n < rec.size(); n++) {
    EXPECT_FALSE(DecodeChunkRef(std::string_view(rec).substr(0, n), &labels, &back)) << n;
  }
  EXPECT_FALSE(DecodeChunkRef(rec + "x", &labels, &back));
  ChunkRef backwards = Ref(1, 0);
  backwards.min_ts = backwards.max_ts + 1;
  EXPECT_FALSE(DecodeChunkRef(EncodeChunkRef("{}", backwards), &labels, &back));
}

TEST(IndexLogTest, ReadSkipsDamageAndCountsIt) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/p").ok());
  {
    auto f = env.NewWritableFile("/p/index.log");
    ASSERT_TRUE(f.ok());
    wal::LogWriter w(f->get());
    ASSERT_TRUE(w.AddRecord(EncodeChunkRef(R"({app="a"})", Ref(1, 0))).ok());
    ASSERT_TRUE(w.AddRecord("not a chunk reference").ok());
    ASSERT_TRUE(w.AddRecord(EncodeChunkRef(R"({app="b"})", Ref(1, 100))).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  auto size = env.GetFileSize("/p/index.log");
  ASSERT_TRUE(size.ok());
  std::vector<std::string> seen;
  auto stats = ReadIndexLog(&env, "/p/index.log", [&](std::string_view labels, const ChunkRef&) {
    seen.emplace_back(labels);
  });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{R"({app="a"})", R"({app="b"})"}));
  EXPECT_EQ(stats->records, 2u);
  EXPECT_EQ(stats->corruptions, 1u);
  EXPECT_NE(stats->last_error.find("/p/index.log"), std::string::npos) << stats->last_error;
  EXPECT_EQ(stats->good_end, *size);

  // A torn tail: the last record is lost, the rest read, good_end before it.
  ASSERT_TRUE(env.TruncateFile("/p/index.log", *size - 3).ok());
  seen.clear();
  stats = ReadIndexLog(&env, "/p/index.log", [&](std::string_view labels, const ChunkRef&) {
    seen.emplace_back(labels);
  });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{R"({app="a"})"}));
  EXPECT_LT(stats->good_end, *size - 3);
  EXPECT_GE(stats->corruptions, 2u);
}

TEST(IndexLogTest, AMissingFileIsAnError) {
  MemEnv env;
  auto stats = ReadIndexLog(&env, "/nope/index.log", [](std::string_view, const ChunkRef&) {});
  EXPECT_FALSE(stats.ok());
}

}  // namespace
}  // namespace logstack::logstore::index
