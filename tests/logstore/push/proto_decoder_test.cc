#include "logstore/push/proto_decoder.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <limits>
#include <random>

#include "push.pb.h"

namespace logstack::logstore::push {
namespace {

constexpr int64_t kSec = 1'000'000'000;

std::string Snappy(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

void AddEntry(logproto::StreamAdapter* s, int64_t ns, const std::string& line,
              std::vector<std::pair<std::string, std::string>> md = {}) {
  auto* e = s->add_entries();
  e->mutable_timestamp()->set_seconds(ns >= 0 ? ns / kSec : -((-ns + kSec - 1) / kSec));
  e->mutable_timestamp()->set_nanos(static_cast<int32_t>(ns - e->timestamp().seconds() * kSec));
  e->set_line(line);
  for (auto& [n, v] : md) {
    auto* p = e->add_structuredmetadata();
    p->set_name(n);
    p->set_value(v);
  }
}

PushRequestPtr MustDecode(const std::string& snappy_body) {
  auto r = DecodeProtoPush(snappy_body);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : std::make_unique<PushRequest>();
}

std::string ParseErr(std::string raw) {
  auto r = ParseProtoPush(std::move(raw));
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

// Checks that decoded equals what libprotobuf encoded.
void ExpectSame(const logproto::PushRequest& want, const PushRequest& got) {
  ASSERT_EQ(got.streams.size(), static_cast<size_t>(want.streams_size()));
  for (int i = 0; i < want.streams_size(); i++) {
    const auto& ws = want.streams(i);
    const PushStream& gs = got.streams[i];
    EXPECT_FALSE(gs.from_json);
    EXPECT_EQ(gs.labels_text, ws.labels());
    ASSERT_EQ(gs.entries.size(), static_cast<size_t>(ws.entries_size()));
    for (int j = 0; j < ws.entries_size(); j++) {
      const auto& we = ws.entries(j);
      const PushEntry& ge = gs.entries[j];
      EXPECT_EQ(ge.timestamp_ns, we.timestamp().seconds() * kSec + we.timestamp().nanos());
      EXPECT_EQ(ge.line, we.line());
      ASSERT_EQ(ge.metadata_count, static_cast<uint32_t>(we.structuredmetadata_size()));
      for (int k = 0; k < we.structuredmetadata_size(); k++) {
        const LabelRef& m = got.metadata[ge.metadata_begin + k];
        EXPECT_EQ(m.name, we.structuredmetadata(k).name());
        EXPECT_EQ(m.value, we.structuredmetadata(k).value());
      }
    }
  }
}

bool PointsInto(std::string_view view, const std::string& body) {
  return view.empty() ||
         (view.data() >= body.data() && view.data() + view.size() <= body.data() + body.size());
}

TEST(ProtoDecoderTest, DecodesWhatLibprotobufEncodes) {
  logproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels(R"({pc="proto_valid", run="r1"})");
  AddEntry(s, 1795420751 * kSec - kSec - 1, "proto one");
  AddEntry(s, 1795420751 * kSec - 123456789, "proto two", {{"trace_id", "t-1"}, {"span", "s-1"}});
  AddEntry(s, 1795420751 * kSec, "");
  s->set_hash(12345);
  auto* s2 = req.add_streams();
  s2->set_labels("{a=\"\xff\"}");  // not UTF-8: taken as it is
  AddEntry(s2, -1500000000, "before 1970\n\x00 binary", {{"", ""}});
  PushRequestPtr got = MustDecode(Snappy(req.SerializeAsString()));
  ExpectSame(req, *got);
  EXPECT_EQ(got->streams[1].entries[0].timestamp_ns, -1500000000);
  for (const PushStream& st : got->streams) {
    EXPECT_TRUE(PointsInto(st.labels_text, got->body));
    for (const PushEntry& e : st.entries) EXPECT_TRUE(PointsInto(e.line, got->body));
  }
  for (const LabelRef& m : got->metadata) {
    EXPECT_TRUE(PointsInto(m.name, got->body));
    EXPECT_TRUE(PointsInto(m.value, got->body));
  }
  EXPECT_TRUE(got->arena.empty());
}

TEST(ProtoDecoderTest, ManyStreams) {
  logproto::PushRequest req;
  std::mt19937 rng(7);
  for (int i = 0; i < 200; i++) {
    auto* s = req.add_streams();
    s->set_labels("{app=\"a\", n=\"" + std::to_string(i) + "\"}");
    for (int j = 0; j < 50; j++) {
      std::vector<std::pair<std::string, std::string>> md;
      for (int k = 0; k < static_cast<int>(rng() % 3); k++)
        md.push_back({"k" + std::to_string(k), "v"});
      AddEntry(s, static_cast<int64_t>(rng()) * 1000 + j, std::string(rng() % 300, 'x'), md);
    }
  }
  ExpectSame(req, *MustDecode(Snappy(req.SerializeAsString())));
}

TEST(ProtoDecoderTest, SkipsUnknownFieldsOfEveryWireType) {
  logproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels(R"({a="b"})");
  AddEntry(s, 5 * kSec + 7, "line", {{"k", "v"}});
  auto add_unknowns = [](google::protobuf::Message* m) {
    auto* u = m->GetReflection()->MutableUnknownFields(m);
    u->AddVarint(100, 1ull << 63);
    u->AddFixed32(101, 7);
    u->AddFixed64(102, 8);
    u->AddLengthDelimited(103, std::string(1000, 'z'));
    auto* g = u->AddGroup(104);
    g->AddVarint(1, 2);
    g->AddGroup(2)->AddLengthDelimited(3, "nested");
  };
  add_unknowns(&req);
  add_unknowns(s);
  add_unknowns(s->mutable_entries(0));
  add_unknowns(s->mutable_entries(0)->mutable_timestamp());
  add_unknowns(s->mutable_entries(0)->mutable_structuredmetadata(0));
  std::string raw = req.SerializeAsString();
  PushRequestPtr got = MustDecode(Snappy(raw));
  ASSERT_EQ(got->streams.size(), 1u);
  EXPECT_EQ(got->streams[0].labels_text, R"({a="b"})");
  ASSERT_EQ(got->streams[0].entries.size(), 1u);
  EXPECT_EQ(got->streams[0].entries[0].timestamp_ns, 5 * kSec + 7);
  EXPECT_EQ(got->streams[0].entries[0].line, "line");
  ASSERT_EQ(got->metadata.size(), 1u);
  EXPECT_EQ(got->metadata[0].value, "v");
}

TEST(ProtoDecoderTest, HugeUnknownFieldPasses) {
  // size_proto_110mb: one short line and a 110 MB unknown field 100.
  logproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels(R"({pc="size_proto_110mb"})");
  AddEntry(s, 1795420751 * kSec, "padded proto");
  std::string raw = req.SerializeAsString();
  raw += Hex("a206");  // field 100, wire type 2
  uint64_t n = 110'000'000;
  while (n >= 0x80) {
    raw.push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  raw.push_back(static_cast<char>(n));
  raw.append(110'000'000, '\0');
  PushRequestPtr got = MustDecode(Snappy(raw));
  ASSERT_EQ(got->streams.size(), 1u);
  EXPECT_EQ(got->streams[0].entries[0].line, "padded proto");
}

TEST(ProtoDecoderTest, RepeatedScalarsKeepTheLastValue) {
  // Stream: labels "{a=\"1\"}" then labels "{b=\"2\"}".
  std::string stream = Hex("0a07") + "{a=\"1\"}" + Hex("0a07") + "{b=\"2\"}";
  std::string raw = Hex("0a") + static_cast<char>(stream.size()) + stream;
  auto got = ParseProtoPush(raw);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->streams[0].labels_text, "{b=\"2\"}");
}

TEST(ProtoDecoderTest, TimestampEdgeCases) {
  auto entry_ts = [](const std::string& entry) {
    std::string stream = Hex("12") + static_cast<char>(entry.size()) + entry;
    std::string raw = Hex("0a") + static_cast<char>(stream.size()) + stream;
    auto r = ParseProtoPush(raw);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)->streams[0].entries[0].timestamp_ns : 0;
  };
  EXPECT_EQ(entry_ts(Hex("1201") + "x"), std::numeric_limits<int64_t>::min());  // absent
  EXPECT_EQ(entry_ts(Hex("0a00")), 0);                                          // empty message
  EXPECT_EQ(entry_ts(Hex("0a02") + Hex("1005")), 5);                            // nanos only
  // Year 9999 does not fit in int64 nanoseconds: saturated.
  logproto::PushRequest req;
  auto* e = req.add_streams()->add_entries();
  e->mutable_timestamp()->set_seconds(253402300799);
  auto got = ParseProtoPush(req.SerializeAsString());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->streams[0].entries[0].timestamp_ns, std::numeric_limits<int64_t>::max());
}

TEST(ProtoDecoderTest, TimestampRangeErrors) {
  logproto::PushRequest req;
  auto* e = req.add_streams()->add_entries();
  e->mutable_timestamp()->set_nanos(-1);
  EXPECT_EQ(ParseErr(req.SerializeAsString()),
            "proto: EntryAdapter: timestamp: seconds:0 nanos:-1: nanos not in range [0, 1e9)");
  e->mutable_timestamp()->set_nanos(1'000'000'000);
  EXPECT_EQ(ParseErr(req.SerializeAsString()),
            "proto: EntryAdapter: timestamp: seconds:0 nanos:1000000000: nanos not in range "
            "[0, 1e9)");
  e->mutable_timestamp()->set_nanos(0);
  e->mutable_timestamp()->set_seconds(253402300800);
  EXPECT_EQ(ParseErr(req.SerializeAsString()),
            "proto: EntryAdapter: timestamp: seconds:253402300800 nanos:0 after 10000-01-01");
  e->mutable_timestamp()->set_seconds(-62135596801);
  EXPECT_EQ(ParseErr(req.SerializeAsString()),
            "proto: EntryAdapter: timestamp: seconds:-62135596801 nanos:0 before 0001-01-01");
}

TEST(ProtoDecoderTest, SnappyErrors) {
  auto err = [](const std::string& body) {
    auto r = DecodeProtoPush(body);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  };
  EXPECT_EQ(err(""), "snappy: corrupt input");  // proto_empty_body
  logproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels(R"({pc="proto_not_snappy", run="r0123abcd"})");
  AddEntry(s, 1795420751 * kSec, "uncompressed");
  EXPECT_EQ(err(req.SerializeAsString()), "snappy: corrupt input");  // proto_not_snappy
  // JSON sent as protobuf (req_content_type_text).
  EXPECT_EQ(err(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x"]]}]})"),
            "snappy: corrupt input");
  // A header claiming far more than the body can hold.
  EXPECT_EQ(err(Hex("8080808004") + "\x00"), "snappy: corrupt input");
  auto big = DecodeProtoPush(Hex("8080808004") + "\x00", 1 << 20);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(), "snappy: decoded block is too large");
  std::string good = Snappy(req.SerializeAsString());
  for (size_t n = 0; n < good.size(); n++) {
    EXPECT_FALSE(DecodeProtoPush(good.substr(0, n)).ok()) << n;
  }
}

// One request decoded into again and again, as the push route does per
// thread: each decode gives exactly what a fresh one gives (nothing left from
// the one before, whether it was larger, smaller or failed), and reuses the
// body's memory.
TEST(ProtoDecoderTest, DecodingIntoAReusedRequest) {
  std::mt19937 rng(9);
  auto make = [&rng](int streams, int entries) {
    logproto::PushRequest req;
    for (int i = 0; i < streams; i++) {
      auto* s = req.add_streams();
      s->set_labels("{app=\"r\", n=\"" + std::to_string(i) + "\"}");
      for (int j = 0; j < entries; j++) {
        std::vector<std::pair<std::string, std::string>> md;
        if (j % 3 == 0) md.push_back({"trace_id", std::to_string(rng())});
        AddEntry(s, 1795420751 * kSec + j, std::string(rng() % 200, 'a' + j % 26), md);
      }
    }
    return req;
  };
  PushRequest reused;
  const logproto::PushRequest big = make(20, 100);
  ASSERT_TRUE(DecodeProtoPushInto(Snappy(big.SerializeAsString()), &reused).ok());
  ExpectSame(big, reused);
  const size_t capacity = reused.body.capacity();
  const char* memory = reused.body.data();

  const logproto::PushRequest small = make(2, 3);
  ASSERT_TRUE(DecodeProtoPushInto(Snappy(small.SerializeAsString()), &reused).ok());
  ExpectSame(small, reused);
  EXPECT_EQ(reused.body.size(), small.ByteSizeLong());
  EXPECT_EQ(reused.body.data(), memory);  // same memory, no new allocation
  EXPECT_EQ(reused.body.capacity(), capacity);
  for (const PushStream& st : reused.streams) {
    for (const PushEntry& e : st.entries) EXPECT_TRUE(PointsInto(e.line, reused.body));
  }

  auto bad = DecodeProtoPushInto("not snappy at all", &reused);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "snappy: corrupt input");
  // Valid snappy around a cut-off protobuf message.
  const std::string cut = Snappy(big.SerializeAsString().substr(0, 5000));
  ASSERT_FALSE(DecodeProtoPushInto(cut, &reused).ok());

  const logproto::PushRequest again = make(5, 40);
  ASSERT_TRUE(DecodeProtoPushInto(Snappy(again.SerializeAsString()), &reused).ok());
  ExpectSame(again, reused);
  EXPECT_TRUE(reused.arena.empty());
}

TEST(ProtoDecoderTest, EmptyRequest) {
  auto r = DecodeProtoPush(Snappy(""));  // proto_empty_request
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->streams.empty());
}

TEST(ProtoDecoderTest, GarbageFromTheCorpus) {
  // proto_garbage: a 10-byte varint keeps its low 64 bits, like gogo's decoder.
  auto r = DecodeProtoPush(Snappy(Hex("ffffffffffffffffff0a0b0c")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "proto: PushRequest: illegal tag -1 (wire type 9223372036854775807)");
}

TEST(ProtoDecoderTest, MalformedWireFormat) {
  EXPECT_EQ(ParseErr(Hex("00")), "proto: PushRequest: illegal tag 0 (wire type 0)");
  EXPECT_EQ(ParseErr(Hex("07")), "proto: PushRequest: illegal tag 0 (wire type 7)");
  EXPECT_EQ(ParseErr(Hex("0801")), "proto: PushRequest: wrong wireType = 0 for field Streams");
  EXPECT_EQ(ParseErr(Hex("0c")), "proto: PushRequest: wiretype end group for non-group");
  EXPECT_EQ(ParseErr(Hex("2f")), "proto: PushRequest: illegal wireType 7");
  EXPECT_EQ(ParseErr(Hex("2e")), "proto: PushRequest: illegal wireType 6");
  EXPECT_EQ(ParseErr(Hex("0a0500")), "proto: PushRequest: unexpected EOF");
  EXPECT_EQ(ParseErr(Hex("0a")), "proto: PushRequest: unexpected EOF");
  EXPECT_EQ(ParseErr(Hex("80")), "proto: PushRequest: unexpected EOF");
  EXPECT_EQ(ParseErr(Hex("ffffffffffffffffffff01")), "proto: PushRequest: integer overflow");
  EXPECT_EQ(ParseErr(Hex("0affffffffffffffffff01")),
            "proto: PushRequest: negative length found during unmarshaling");
  EXPECT_EQ(ParseErr(Hex("29") + "abc"), "proto: PushRequest: unexpected EOF");  // fixed64
  EXPECT_EQ(ParseErr(Hex("2d") + "ab"), "proto: PushRequest: unexpected EOF");   // fixed32
  EXPECT_EQ(ParseErr(Hex("4b0801")), "proto: PushRequest: unexpected EOF");      // open group
  EXPECT_EQ(ParseErr(Hex("0a020801")), "proto: StreamAdapter: wrong wireType = 0 for field Labels");
  EXPECT_EQ(ParseErr(Hex("0a021a00")), "proto: StreamAdapter: wrong wireType = 2 for field Hash");
  EXPECT_EQ(ParseErr(Hex("0a02") + Hex("1000")),
            "proto: StreamAdapter: wrong wireType = 0 for field Entries");
  EXPECT_EQ(ParseErr(Hex("0a04") + Hex("1202") + Hex("1001")),
            "proto: EntryAdapter: wrong wireType = 0 for field Line");
  EXPECT_EQ(ParseErr(Hex("0a04") + Hex("1202") + Hex("0801")),
            "proto: EntryAdapter: wrong wireType = 0 for field Timestamp");
  EXPECT_EQ(ParseErr(Hex("0a04") + Hex("1202") + Hex("1801")),
            "proto: EntryAdapter: wrong wireType = 0 for field StructuredMetadata");
  EXPECT_EQ(ParseErr(Hex("0a06") + Hex("1204") + Hex("1a020801")),
            "proto: LabelPairAdapter: wrong wireType = 0 for field Name");
  EXPECT_EQ(ParseErr(Hex("0a06") + Hex("1204") + Hex("0a020a00")),
            "proto: Timestamp: wrong wireType = 2 for field Seconds");
  EXPECT_EQ(ParseErr(Hex("0a06") + Hex("1204") + Hex("0a021200")),
            "proto: Timestamp: wrong wireType = 2 for field Nanos");
  EXPECT_EQ(ParseErr(Hex("0a03") + Hex("0a05") + "x"), "proto: StreamAdapter: unexpected EOF");
}

TEST(ProtoDecoderTest, GroupsInUnknownFieldsAreSkipped) {
  auto r =
      ParseProtoPush(Hex("4b") + Hex("0801") + Hex("53") + Hex("54") + Hex("4c") + Hex("0a00"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->streams.size(), 1u);
  // An end group inside a skipped group must match a start.
  EXPECT_EQ(ParseErr(Hex("4b") + Hex("4c") + Hex("4c")),
            "proto: PushRequest: wiretype end group for non-group");
}

TEST(ProtoDecoderTest, EveryCutPointIsHandled) {
  logproto::PushRequest req;
  for (int i = 0; i < 3; i++) {
    auto* s = req.add_streams();
    s->set_labels("{n=\"" + std::to_string(i) + "\"}");
    AddEntry(s, 1795420751 * kSec + i, "line " + std::to_string(i), {{"k", "v"}, {"k2", "v2"}});
    AddEntry(s, 1795420751 * kSec + 100, "second");
  }
  std::string raw = req.SerializeAsString();
  size_t ok_cuts = 0;
  for (size_t n = 0; n <= raw.size(); n++) {
    auto r = ParseProtoPush(raw.substr(0, n));
    if (r.ok()) {
      ok_cuts++;  // a cut between two top-level streams
      continue;
    }
    EXPECT_EQ(r.status().message().rfind("proto: ", 0), 0u) << r.status().message();
  }
  EXPECT_EQ(ok_cuts, 4u);  // before each stream and at the end
}

TEST(ProtoDecoderTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(42);
  logproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels(R"({a="b"})");
  AddEntry(s, 5, "line", {{"k", "v"}});
  std::string base = req.SerializeAsString();
  for (int iter = 0; iter < 20000; iter++) {
    std::string raw = base;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; f++) raw[rng() % raw.size()] = static_cast<char>(rng());
    auto r = ParseProtoPush(raw);
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().rfind("proto: ", 0), 0u);
    }
    std::string noise(rng() % 64, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    auto r2 = ParseProtoPush(noise);
    if (!r2.ok()) {
      EXPECT_EQ(r2.status().message().rfind("proto: ", 0), 0u);
    }
    (void)DecodeProtoPush(noise);
  }
}

}  // namespace
}  // namespace logstack::logstore::push
