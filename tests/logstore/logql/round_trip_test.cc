// The printer's round-trip contract over testdata/queries.txt: every query
// parses, its canonical text parses again and prints identically; and every
// query of testdata/invalid_queries.txt is rejected.

#include <gtest/gtest.h>

#include "logstore/logql/parser.h"
#include "logstore/logql/printer.h"
#include "tests/logstore/logql/test_util.h"

namespace logstack::logstore::logql {
namespace {

TEST(RoundTripTest, CorpusFormatsStably) {
  std::vector<std::string> queries = testing::ReadLines("queries.txt");
  ASSERT_GT(queries.size(), 300u);
  for (const std::string& q : queries) {
    SCOPED_TRACE(q);
    auto e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << e.status().message();
    std::string once = Format(**e);
    auto again = ParseExpr(once);
    ASSERT_TRUE(again.ok()) << once << ": " << again.status().message();
    EXPECT_EQ(Format(**again), once);
  }
}

TEST(RoundTripTest, InvalidCorpusIsRejected) {
  std::vector<std::string> queries = testing::ReadLines("invalid_queries.txt");
  ASSERT_GT(queries.size(), 40u);
  for (const std::string& q : queries) {
    auto e = ParseExpr(q);
    EXPECT_FALSE(e.ok()) << q << " parsed as " << Format(**e);
    if (!e.ok()) {
      EXPECT_EQ(e.status().message().rfind("parse error", 0), 0u) << e.status().message();
    }
  }
}

}  // namespace
}  // namespace logstack::logstore::logql
