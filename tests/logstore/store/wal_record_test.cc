#include "logstore/store/wal_record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace logstack::logstore {
namespace {

struct Read {
  std::string tenant;
  std::vector<std::string> streams;  // "labels: ts line md; ..."
};

Status ReadAll(std::string_view payload, Read* out) {
  WalRecordReader r(payload);
  LOGSTACK_RETURN_IF_ERROR(r.Open());
  out->tenant = std::string(r.tenant());
  bool more;
  while (true) {
    LOGSTACK_RETURN_IF_ERROR(r.NextStream(&more));
    if (!more) break;
    std::string s = std::string(r.labels()) + ":";
    while (true) {
      LOGSTACK_RETURN_IF_ERROR(r.NextEntry(&more));
      if (!more) break;
      s += " " + std::to_string(r.ts()) + " " + std::string(r.line()) + " " +
           std::string(r.metadata()) + ";";
    }
    out->streams.push_back(s);
  }
  return Status::Ok();
}

TEST(WalRecordTest, RoundTripsStreamsAndDropsEmptyOnes) {
  std::string buf = "left over from the last push";
  WalRecordWriter w(&buf);
  w.Begin("tenant-1", 64);
  w.BeginStream(R"({app="a"})");
  w.AddEntry(100, "first", "");
  w.AddEntry(90, "older", "md");  // deltas may be negative
  w.EndStream();
  w.BeginStream(R"({app="empty"})");
  w.EndStream();  // no entries: taken out again
  w.BeginStream(R"({app="b"})");
  w.AddEntry(-5, "", "");
  w.EndStream();
  EXPECT_EQ(w.streams(), 2u);
  std::string_view rec = w.Finish();
  Read r;
  ASSERT_TRUE(ReadAll(rec, &r).ok());
  EXPECT_EQ(r.tenant, "tenant-1");
  EXPECT_EQ(r.streams, (std::vector<std::string>{R"({app="a"}: 100 first ; 90 older md;)",
                                                 R"({app="b"}: -5  ;)"}));
}

TEST(WalRecordTest, ARecordWithNoStreamIsEmpty) {
  std::string buf;
  WalRecordWriter w(&buf);
  w.Begin("t", 0);
  w.BeginStream(R"({app="a"})");
  w.EndStream();
  EXPECT_TRUE(w.Finish().empty());
}

TEST(WalRecordTest, EveryTruncationAndTrailingBytesAreCorruption) {
  std::string buf;
  WalRecordWriter w(&buf);
  w.Begin("t", 0);
  w.BeginStream(R"({app="a"})");
  w.AddEntry(1, "line", "meta");
  w.AddEntry(2, "line2", "");
  w.EndStream();
  const std::string rec(w.Finish());
  for (size_t n = 0; n < rec.size(); n++) {
    Read r;
    EXPECT_EQ(ReadAll(std::string_view(rec).substr(0, n), &r).code(), StatusCode::kCorruption)
        << "cut at " << n;
  }
  Read r;
  EXPECT_EQ(ReadAll(rec + "x", &r).code(), StatusCode::kCorruption);
  std::string wrong_kind = rec;
  wrong_kind[0] = 7;
  EXPECT_EQ(ReadAll(wrong_kind, &r).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace logstack::logstore
