#include <gtest/gtest.h>

#include "common/coding.h"
#include "common/config.h"
#include "common/crc32c.h"
#include "common/status.h"
#include "common/units.h"

namespace logstack {
namespace {

TEST(StatusTest, OkAndErrors) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "OK");
  Status e = Corruption("bad block").Annotate("chunk 7");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.code(), StatusCode::kCorruption);
  EXPECT_EQ(e.ToString(), "Corruption: chunk 7: bad block");
}

TEST(StatusTest, StatusOrHoldsValueOrError) {
  StatusOr<int> v = 7;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
  StatusOr<int> e = NotFound("x");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
}

TEST(UnitsTest, Durations) {
  EXPECT_EQ(*ParseDuration("1h30m"), int64_t{5400} * 1'000'000'000);
  EXPECT_EQ(*ParseDuration("250ms"), 250'000'000);
  EXPECT_EQ(*ParseDuration("1.5s"), 1'500'000'000);
  EXPECT_EQ(*ParseDuration("2d"), int64_t{172800} * 1'000'000'000);
  EXPECT_EQ(*ParseDuration("-5m"), int64_t{-300} * 1'000'000'000);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_FALSE(ParseDuration("5x").ok());
  EXPECT_FALSE(ParseDuration("h").ok());
  EXPECT_EQ(FormatDuration(int64_t{5400} * 1'000'000'000), "1h30m0s");
  EXPECT_EQ(FormatDuration(250'000'000), "250ms");
  EXPECT_EQ(FormatDuration(1'500'000'000), "1.5s");
}

TEST(UnitsTest, Bytes) {
  EXPECT_EQ(*ParseBytes("256KB"), 262144u);
  EXPECT_EQ(*ParseBytes("4MB"), 4194304u);
  EXPECT_EQ(*ParseBytes("1.5GiB"), 1610612736u);
  EXPECT_EQ(*ParseBytes("10Gi"), 10737418240u);
  EXPECT_EQ(*ParseBytes("1024"), 1024u);
  EXPECT_FALSE(ParseBytes("MB").ok());
  EXPECT_FALSE(ParseBytes("12XB").ok());
}

TEST(CodingTest, VarintRoundTripAndTruncation) {
  std::string buf;
  const uint64_t values[] = {0, 1, 127, 128, 300, 1ull << 35, ~0ull};
  for (uint64_t v : values) PutVarint64(&buf, v);
  PutVarsint64(&buf, -5);
  std::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  int64_t s;
  ASSERT_TRUE(GetVarsint64(&in, &s));
  EXPECT_EQ(s, -5);
  EXPECT_TRUE(in.empty());
  std::string t;
  PutVarint64(&t, 1ull << 40);
  std::string_view cut(t.data(), t.size() - 1);
  uint64_t got;
  EXPECT_FALSE(GetVarint64(&cut, &got));
  std::string overlong(11, '\xff');
  std::string_view ol = overlong;
  EXPECT_FALSE(GetVarint64(&ol, &got));
}

TEST(Crc32cTest, KnownValuesAndMask) {
  // The check value of CRC-32C over "123456789".
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  uint32_t c = crc32c::Value("hello world, longer than eight bytes");
  EXPECT_EQ(crc32c::Extend(crc32c::Value("hello world, "), "longer than eight bytes", 23), c);
  EXPECT_NE(crc32c::Mask(c), c);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(c)), c);
}

TEST(ConfigTest, FlagsOverrideFileAndUnknownKeysFail) {
  const char* argv[] = {"prog", "--data-dir=/tmp/x", "--limits.max-line-size", "1MB", "run"};
  auto cmd = ParseCommandLine(5, argv);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->positional, std::vector<std::string>{"run"});
  auto tree = LoadConfigTree("", *cmd);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  ConfigReader r(*tree, "");
  std::string dir;
  r.Read("data_dir", &dir);
  uint64_t line = 0;
  r.Child("limits").ReadBytes("max_line_size", &line);
  EXPECT_TRUE(r.Finish().ok());
  EXPECT_EQ(dir, "/tmp/x");
  EXPECT_EQ(line, 1048576u);

  YAML::Node n = YAML::Load("data_dir: /a\nlimits: {max_line_sise: 3, max_line_size: nope}\n");
  ConfigReader bad(n, "");
  bad.Read("data_dir", &dir);
  bad.Child("limits").ReadBytes("max_line_size", &line);
  Status s = bad.Finish();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("limits.max_line_sise: unknown setting"), std::string::npos);
  EXPECT_NE(s.message().find("limits.max_line_size: invalid byte size 'nope'"), std::string::npos);
}

}  // namespace
}  // namespace logstack
