// PushEncoder: the body it makes is the PushRequest libprotobuf would
// serialize, byte for byte, decodes with the generated classes and with the
// store's decoder, and the real store accepts it.

#include "collector/ship/push_encoder.h"

#include <gmock/gmock.h>
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>
#include <snappy.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "logstore/push/proto_decoder.h"
#include "push.pb.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::collector {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Expected {
  int64_t ts_ns;
  std::string line;
  std::vector<LabelPair> metadata;
};
struct ExpectedStream {
  std::string labels;
  std::vector<Expected> entries;
};

// The same request built with the generated classes.
logproto::PushRequest Reference(const std::vector<ExpectedStream>& streams) {
  logproto::PushRequest req;
  for (const ExpectedStream& s : streams) {
    if (s.entries.empty()) continue;
    logproto::StreamAdapter* sa = req.add_streams();
    sa->set_labels(s.labels);
    for (const Expected& e : s.entries) {
      logproto::EntryAdapter* ea = sa->add_entries();
      int64_t sec = e.ts_ns / 1'000'000'000;
      int64_t nanos = e.ts_ns % 1'000'000'000;
      if (nanos < 0) {
        nanos += 1'000'000'000;
        --sec;
      }
      ea->mutable_timestamp()->set_seconds(sec);
      ea->mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos));
      ea->set_line(e.line);
      for (const auto& [name, value] : e.metadata) {
        logproto::LabelPairAdapter* p = ea->add_structuredmetadata();
        p->set_name(name);
        p->set_value(value);
      }
    }
  }
  return req;
}

std::string Uncompress(const std::string& body) {
  std::string raw;
  EXPECT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw)) << "body is not snappy";
  return raw;
}

// Checks the body against libprotobuf: the same bytes as its serialization of
// the same request, and the same values when parsed with the generated
// classes. Those refuse strings that are not UTF-8 (proto3 `string`), which
// Loki does not check; with `utf8` false the body is parsed field by field
// (google::protobuf::UnknownFieldSet) instead.
void ExpectSameAsLibprotobuf(const std::vector<ExpectedStream>& streams, bool utf8 = true) {
  FakeClock clock;
  PushEncoder enc("", &clock);
  uint64_t lines = 0, line_bytes = 0;
  for (const auto& s : streams) {
    lines += s.entries.size();
    for (const auto& e : s.entries) line_bytes += e.line.size();
  }
  size_t max_entries = 0;
  for (const auto& s : streams) max_entries = std::max(max_entries, s.entries.size());
  for (size_t i = 0; i < max_entries; ++i) {
    for (const auto& s : streams) {
      uint32_t id = enc.StreamId(s.labels);
      if (i < s.entries.size()) {
        const Expected& e = s.entries[i];
        enc.Append(id, e.ts_ns, e.line, e.metadata);
      }
    }
  }
  uint64_t raw_before = enc.raw_bytes();
  BatchPtr batch = enc.Finish();
  ASSERT_NE(batch, nullptr);
  const std::string raw = Uncompress(batch->body);
  const std::string want = Reference(streams).SerializeAsString();
  EXPECT_EQ(raw.size(), want.size());
  EXPECT_TRUE(raw == want) << "the encoding differs from libprotobuf's";
  EXPECT_EQ(batch->raw_bytes, raw.size());
  EXPECT_EQ(raw_before, raw.size());
  EXPECT_EQ(batch->lines, lines);
  EXPECT_EQ(batch->line_bytes, line_bytes);

  if (!utf8) {
    google::protobuf::UnknownFieldSet fields;
    ASSERT_TRUE(fields.ParseFromString(raw));
    std::vector<std::string> lines, want_lines;
    for (int i = 0; i < fields.field_count(); ++i) {
      google::protobuf::UnknownFieldSet stream;
      ASSERT_TRUE(stream.ParseFromString(fields.field(i).length_delimited()));
      for (int j = 0; j < stream.field_count(); ++j) {
        if (stream.field(j).number() != 2) continue;
        google::protobuf::UnknownFieldSet entry;
        ASSERT_TRUE(entry.ParseFromString(stream.field(j).length_delimited()));
        for (int k = 0; k < entry.field_count(); ++k) {
          if (entry.field(k).number() == 2) lines.push_back(entry.field(k).length_delimited());
        }
      }
    }
    for (const auto& s : streams) {
      for (const auto& e : s.entries) want_lines.push_back(e.line);
    }
    EXPECT_EQ(lines, want_lines);
  }
  logproto::PushRequest parsed;
  if (utf8) {
    ASSERT_TRUE(parsed.ParseFromString(raw));
  }
  size_t s_index = 0;
  for (const auto& s : streams) {
    if (s.entries.empty() || !utf8) continue;
    ASSERT_LT(s_index, static_cast<size_t>(parsed.streams_size()));
    const auto& ps = parsed.streams(static_cast<int>(s_index++));
    EXPECT_EQ(ps.labels(), s.labels);
    ASSERT_EQ(ps.entries_size(), static_cast<int>(s.entries.size()));
    for (size_t i = 0; i < s.entries.size(); ++i) {
      const auto& pe = ps.entries(static_cast<int>(i));
      // In 128 bits: INT64_MIN's seconds times 1e9 is below INT64_MIN.
      EXPECT_EQ(
          static_cast<__int128>(pe.timestamp().seconds()) * 1'000'000'000 + pe.timestamp().nanos(),
          static_cast<__int128>(s.entries[i].ts_ns));
      EXPECT_GE(pe.timestamp().nanos(), 0);
      EXPECT_EQ(pe.line(), s.entries[i].line);
      ASSERT_EQ(pe.structuredmetadata_size(), static_cast<int>(s.entries[i].metadata.size()));
    }
  }
  if (utf8) {
    EXPECT_EQ(s_index, static_cast<size_t>(parsed.streams_size()));
  }

  // And the store's own decoder reads the same.
  auto decoded = logstore::push::DecodeProtoPush(batch->body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  s_index = 0;
  for (const auto& s : streams) {
    if (s.entries.empty()) continue;
    const auto& ds = (*decoded)->streams[s_index++];
    EXPECT_EQ(ds.labels_text, s.labels);
    ASSERT_EQ(ds.entries.size(), s.entries.size());
    for (size_t i = 0; i < s.entries.size(); ++i) {
      EXPECT_EQ(ds.entries[i].timestamp_ns, s.entries[i].ts_ns);
      EXPECT_EQ(ds.entries[i].line, s.entries[i].line);
      ASSERT_EQ(ds.entries[i].metadata_count, s.entries[i].metadata.size());
      for (size_t m = 0; m < s.entries[i].metadata.size(); ++m) {
        const auto& ref = (*decoded)->metadata[ds.entries[i].metadata_begin + m];
        EXPECT_EQ(ref.name, s.entries[i].metadata[m].first);
        EXPECT_EQ(ref.value, s.entries[i].metadata[m].second);
      }
    }
  }
}

TEST(PushEncoderTest, OneEntry) {
  ExpectSameAsLibprotobuf({{R"({app="a"})", {{1'700'000'000'123'456'789, "hello", {}}}}});
}

TEST(PushEncoderTest, ManyStreamsInterleaved) {
  std::mt19937_64 rng(42);
  std::vector<ExpectedStream> streams;
  for (int s = 0; s < 300; ++s) {
    ExpectedStream es;
    es.labels = R"({app="app-)" + std::to_string(s) + R"(", namespace="ns"})";
    int n = static_cast<int>(rng() % 40);  // some streams get no entry at all
    for (int i = 0; i < n; ++i) {
      std::string line(rng() % 300, 'x');
      for (char& c : line) c = static_cast<char>('a' + rng() % 26);
      es.entries.push_back(
          {1'700'000'000'000'000'000 + static_cast<int64_t>(rng() % 1'000'000'000'000), line, {}});
    }
    streams.push_back(std::move(es));
  }
  ExpectSameAsLibprotobuf(streams);
}

TEST(PushEncoderTest, StructuredMetadata) {
  ExpectSameAsLibprotobuf({{R"({app="a"})",
                            {{1, "with metadata", {{"trace_id", "abc"}, {"user", "ü"}}},
                             {2, "empty name and value", {{"", "v"}, {"n", ""}, {"", ""}}},
                             {3, "none", {}}}},
                           {R"({app="b"})", {{4, "", {{"only", "metadata"}}}}}});
}

TEST(PushEncoderTest, MetadataViews) {
  FakeClock clock;
  PushEncoder enc("", &clock);
  std::string name = "trace_id", value = "0af7651916cd43dd8448eb211c80319c";
  std::vector<LabelPairView> md = {{name, value}};
  enc.Append(enc.StreamId(R"({a="1"})"), 5, "line", md);
  BatchPtr batch = enc.Finish();
  logproto::PushRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(Uncompress(batch->body)));
  ASSERT_EQ(parsed.streams(0).entries(0).structuredmetadata_size(), 1);
  EXPECT_EQ(parsed.streams(0).entries(0).structuredmetadata(0).name(), name);
  EXPECT_EQ(parsed.streams(0).entries(0).structuredmetadata(0).value(), value);
}

TEST(PushEncoderTest, EmptyLineAndOddTimestamps) {
  ExpectSameAsLibprotobuf({{R"({app="a"})",
                            {{0, "", {}},
                             {0, "at the epoch", {}},
                             {999'999'999, "nanos only", {}},
                             {5'000'000'000, "seconds only", {}},
                             {-1, "just before the epoch", {}},
                             {-1'500'000'000, "before the epoch", {}},
                             {INT64_MAX, "far future", {}},
                             {INT64_MIN, "far past", {}}}}});
}

TEST(PushEncoderTest, OneMegabyteLine) {
  std::string big(1 << 20, 'm');
  big[0] = 'B';
  big.back() = 'E';
  ExpectSameAsLibprotobuf({{R"({app="a"})", {{1, "small", {}}, {2, big, {}}, {3, "after", {}}}}});
}

TEST(PushEncoderTest, BinaryBytes) {
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  std::string invalid_utf8 = "\xff\xfe\xc3\x28 \x00 NUL";
  invalid_utf8.push_back('\0');
  ExpectSameAsLibprotobuf(
      {{R"({app="bin"})", {{1, every_byte, {{"k", every_byte}}}, {2, invalid_utf8, {}}}}},
      /*utf8=*/false);
}

TEST(PushEncoderTest, StreamIdsLastOneBatch) {
  FakeClock clock;
  PushEncoder enc("t", &clock);
  EXPECT_TRUE(enc.empty());
  EXPECT_EQ(enc.Finish(), nullptr);
  uint64_t gen = enc.generation();
  uint32_t a = enc.StreamId(R"({a="1"})");
  uint32_t b = enc.StreamId(R"({a="2"})");
  EXPECT_NE(a, b);
  EXPECT_EQ(enc.StreamId(R"({a="1"})"), a);
  EXPECT_EQ(enc.streams(), 2u);
  enc.Append(b, 1, "x");
  BatchPtr batch = enc.Finish();
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->streams, 1u);  // a had no entries: not sent
  EXPECT_EQ(batch->tenant, "t");
  EXPECT_NE(enc.generation(), gen);
  EXPECT_EQ(enc.streams(), 0u);
  EXPECT_TRUE(enc.empty());
  EXPECT_EQ(enc.raw_bytes(), 0u);
}

TEST(PushEncoderTest, PositionsKeepTheLastPerSource) {
  FakeClock clock;
  PushEncoder enc("", &clock);
  uint32_t s = enc.StreamId(R"({a="1"})");
  enc.Append(s, 1, "x");
  enc.AddPosition(7, 100);
  enc.AddPosition(8, 50);
  enc.AddPosition(7, 200);
  enc.AddPosition(SourcePosition{0, 0, "cursor-1"});
  enc.AddPosition(8, 60);
  enc.AddPosition(7, 10);  // truncated and read again: the later position counts
  enc.AddPosition(0, 0, "cursor-2");
  BatchPtr batch = enc.Finish();
  ASSERT_NE(batch, nullptr);
  std::vector<std::tuple<uint64_t, int64_t, std::string>> got;
  for (const auto& p : batch->positions) got.emplace_back(p.source, p.offset, p.cursor);
  EXPECT_THAT(got, ElementsAre(std::make_tuple(7, 10, ""), std::make_tuple(8, 60, ""),
                               std::make_tuple(0, 0, "cursor-2")));

  // Positions start afresh in the next batch.
  enc.AddPosition(8, 70);
  batch = enc.Finish();
  ASSERT_EQ(batch->positions.size(), 1u);
  EXPECT_EQ(batch->positions[0].offset, 70);
}

TEST(PushEncoderTest, PositionsOnlyBatchHasNoBody) {
  FakeClock clock;
  PushEncoder enc("", &clock);
  enc.AddPosition(3, 42);
  EXPECT_FALSE(enc.empty());
  BatchPtr batch = enc.Finish();
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->lines, 0u);
  EXPECT_THAT(batch->body, IsEmpty());
  EXPECT_EQ(batch->positions.size(), 1u);
}

TEST(PushEncoderTest, TimesAndSequence) {
  FakeClock clock(1000);
  PushEncoder enc("", &clock);
  EXPECT_EQ(enc.created_mono_ns(), 0);
  clock.Advance(std::chrono::nanoseconds(5));
  enc.Append(enc.StreamId(R"({a="1"})"), 1, "x");
  clock.Advance(std::chrono::nanoseconds(10));
  enc.Append(enc.StreamId(R"({a="1"})"), 2, "y");
  EXPECT_EQ(enc.created_mono_ns(), 1005);
  clock.Advance(std::chrono::nanoseconds(100));
  BatchPtr first = enc.Finish();
  EXPECT_EQ(first->created_mono_ns, 1005);
  EXPECT_EQ(first->finished_mono_ns, 1115);
  EXPECT_EQ(first->sequence, 1u);
  enc.AddPosition(1, 1);
  EXPECT_EQ(enc.created_mono_ns(), 1115);
  EXPECT_EQ(enc.Finish()->sequence, 2u);
}

TEST(PushEncoderTest, ReusesMemoryAcrossBatches) {
  FakeClock clock;
  PushEncoder enc("", &clock);
  std::string line(120, 'l');
  auto fill = [&] {
    for (int i = 0; i < 5000; ++i) {
      enc.Append(enc.StreamId("{s=\"" + std::to_string(i % 50) + "\"}"), i, line);
    }
    return enc.Finish();
  };
  ASSERT_NE(fill(), nullptr);
  size_t retained = enc.retained_bytes();
  EXPECT_GT(retained, 0u);
  for (int i = 0; i < 5; ++i) ASSERT_NE(fill(), nullptr);
  EXPECT_EQ(enc.retained_bytes(), retained);
}

TEST(PushEncoderTest, LetsGoOfMemoryAfterALargeBatch) {
  FakeClock clock;
  PushEncoder enc("", &clock);
  std::string big(3 << 20, 'b');
  enc.Append(enc.StreamId(R"({a="1"})"), 1, big);
  ASSERT_NE(enc.Finish(), nullptr);
  EXPECT_GT(enc.retained_bytes(), size_t{3} << 20);
  enc.Append(enc.StreamId(R"({a="1"})"), 2, "small");
  BatchPtr small = enc.Finish();
  ASSERT_NE(small, nullptr);
  EXPECT_LT(enc.retained_bytes(), size_t{1} << 20);
  // And the next large one still works.
  enc.Append(enc.StreamId(R"({a="1"})"), 3, big);
  BatchPtr again = enc.Finish();
  EXPECT_EQ(again->line_bytes, big.size());
}

// The real store accepts the body and returns what was sent.
TEST(PushEncoderTest, RealStoreAcceptsTheBody) {
  testutil::LogstoreOptions opts;
  opts.flags = {"--limits.max-line-size=2MB"};
  auto store = testutil::LogstoreProcess::Start(opts);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  FakeClock clock;
  PushEncoder enc("", &clock);
  const int64_t now = testutil::NowNanos();
  std::string big(1 << 20, 'b');
  std::string binary = "nul\0byte \xff\xfe end";
  binary.push_back('\0');
  std::vector<LabelPair> md = {{"trace_id", "abc123"}};
  uint32_t a = enc.StreamId(R"({app="enc", pod="p1"})");
  uint32_t b = enc.StreamId(R"({app="enc", pod="p2"})");
  enc.Append(a, now - 3000, "first");
  enc.Append(b, now - 2500, "other stream", md);
  enc.Append(a, now - 2000, big);
  enc.Append(a, now - 1000, binary);
  BatchPtr batch = enc.Finish();

  testutil::HttpClient client((*store)->host(), (*store)->port());
  auto res = testutil::Push(client, batch->body, testutil::kProtoContentType);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  ASSERT_EQ(res->status, 204) << res->Describe();

  testutil::QueryRangeParams q;
  q.query = R"({app="enc"})";
  q.start_ns = now - 10'000;
  q.end_ns = now + 1;
  q.direction = "forward";
  auto got = testutil::QueryRange(client, q);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::vector<std::string> lines;
  for (const auto& e : *got) lines.push_back(e.line);
  EXPECT_THAT(lines, ::testing::UnorderedElementsAre("first", "other stream", big, binary));
}

}  // namespace
}  // namespace logstack::collector
