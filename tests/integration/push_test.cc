// The push API of a real logstore process, over real HTTP: protobuf+snappy
// and JSON pushes read back with query_range, every 4xx answer with its
// message, limits, tenancy, the metadata endpoints, /ready and /metrics, and
// data surviving restarts.
//
// Each test starts its own server (on a free port, in a temporary data
// directory) with the flags it needs, so tests do not share limits or data.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/eventually.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::testutil {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;

// An entry as read back, for comparisons: labels, time, line.
struct Got {
  LabelList labels;
  int64_t ts;
  std::string line;
  bool operator==(const Got&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << LabelsString(g.labels) << " " << g.ts << " \"" << g.line.substr(0, 60)
            << (g.line.size() > 60 ? "...\"" : "\"");
}

// Entries sorted by time, then line.
std::vector<Got> ByTime(const std::vector<QueriedEntry>& entries) {
  std::vector<Got> out;
  for (const auto& e : entries) out.push_back({e.labels, e.ts_ns, e.line});
  std::stable_sort(out.begin(), out.end(), [](const Got& a, const Got& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.line < b.line;
  });
  return out;
}

std::vector<std::string> Lines(const std::vector<QueriedEntry>& entries) {
  std::vector<std::string> out;
  for (const Got& g : ByTime(entries)) out.push_back(g.line);
  return out;
}

class PushTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) {
      std::cerr << "---- logstore output (" << server_->stderr_path() << ") ----\n"
                << server_->StderrTail(6000) << "\n----\n";
    }
  }

  // Starts a logstore with `flags`. Use with ASSERT_NO_FATAL_FAILURE.
  void Start(std::vector<std::string> flags = {}) {
    LogstoreOptions opts;
    opts.flags = std::move(flags);
    auto p = LogstoreProcess::Start(std::move(opts));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    server_ = std::move(*p);
    Reconnect();
  }

  // A new client for the server's current port (it changes on restart).
  void Reconnect() { client_ = std::make_unique<HttpClient>(server_->host(), server_->port()); }

  // The answer, or (after recording a failure) status -1 and the error.
  static HttpResult Must(StatusOr<HttpResult> r) {
    if (r.ok()) return std::move(r).value();
    ADD_FAILURE() << "request failed: " << r.status().ToString();
    HttpResult h;
    h.status = -1;
    h.body = r.status().ToString();
    return h;
  }

  HttpResult Proto(const std::vector<PushStream>& s, std::string_view tenant = {}) {
    return Must(PushProto(*client_, s, tenant));
  }
  HttpResult Json(const std::vector<PushStream>& s, std::string_view tenant = {}) {
    return Must(PushJson(*client_, s, tenant));
  }
  HttpResult Raw(std::string_view body, std::string_view content_type,
                 const HttpHeaders& extra = {}) {
    return Must(Push(*client_, body, content_type, {}, extra));
  }

  // Every entry of `selector` from 200 h ago to 2 h ahead.
  std::vector<QueriedEntry> Query(const std::string& selector, std::string_view tenant = {},
                                  int64_t limit = 5000, const std::string& direction = "forward") {
    QueryRangeParams p;
    p.query = selector;
    p.start_ns = NowNanos() - 200 * kHour;
    p.end_ns = NowNanos() + 2 * kHour;
    p.limit = limit;
    p.direction = direction;
    p.tenant = std::string(tenant);
    auto r = QueryRange(*client_, p);
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      return {};
    }
    return std::move(r).value();
  }

  std::string Metrics() {
    HttpResult r = Must(client_->Get("/metrics"));
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.body;
  }

  // {test="<name of the running test>"}: each test's own stream.
  static LabelList TestLabels(LabelList more = {}) {
    more.emplace_back("test", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::sort(more.begin(), more.end());
    return more;
  }
  static std::string Selector(const LabelList& labels) { return LabelsString(labels); }

  std::unique_ptr<LogstoreProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

// --- Round trips --------------------------------------------------------------

TEST_F(PushTest, ProtoSnappyPushWithStructuredMetadataReadsBack) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels({{"app", "proto"}});
  const int64_t t0 = NowNanos() - 10 * kSecond;
  HttpResult r = Proto({{labels,
                         {},
                         {{t0 + 1, "first line", {}},
                          {t0 + 2, "second line, with metadata", {{"trace_id", "abc123"}}},
                          {t0 + 3, "third line ünïcødé \t\"q\"", {}}}}});
  ASSERT_EQ(r.status, 204) << r.Describe();
  EXPECT_EQ(r.body, "");

  LabelList with_md = labels;
  with_md.emplace_back("trace_id", "abc123");
  std::sort(with_md.begin(), with_md.end());
  EXPECT_THAT(ByTime(Query(Selector(labels))),
              ElementsAre(Got{labels, t0 + 1, "first line"},
                          Got{with_md, t0 + 2, "second line, with metadata"},
                          Got{labels, t0 + 3, "third line ünïcødé \t\"q\""}));

  // limit keeps the oldest entries going forward and the newest going backward.
  EXPECT_THAT(Lines(Query(Selector(labels), {}, 2, "forward")),
              ElementsAre("first line", "second line, with metadata"));
  EXPECT_THAT(Lines(Query(Selector(labels), {}, 2, "backward")),
              ElementsAre("second line, with metadata", "third line ünïcødé \t\"q\""));
  // Backward answers newest first within a stream.
  std::vector<QueriedEntry> back = Query(Selector(labels), {}, 100, "backward");
  std::vector<int64_t> plain_ts;
  for (const auto& e : back) {
    if (e.labels == labels) plain_ts.push_back(e.ts_ns);
  }
  EXPECT_THAT(plain_ts, ElementsAre(t0 + 3, t0 + 1));
}

TEST_F(PushTest, ProtoLabelsMayBeUnsortedAndWithoutSpaces) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels({{"app", "x"}, {"zone", "z1"}});
  PushStream s{labels,
               "{zone=\"z1\",test=\"" + labels[1].second + "\",app=\"x\"}",
               {{NowNanos(), "unsorted", {}}}};
  HttpResult r = Proto({s});
  ASSERT_EQ(r.status, 204) << r.Describe();
  EXPECT_THAT(Lines(Query(Selector(labels))), ElementsAre("unsorted"));
}

TEST_F(PushTest, JsonPushPlainAndGzipReadsBack) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels({{"app", "json"}});
  const int64_t t0 = NowNanos() - 10 * kSecond;
  HttpResult r = Json({{labels, {}, {{t0 + 1, "plain json", {}}}}});
  ASSERT_EQ(r.status, 204) << r.Describe();

  std::string body = EncodeJsonPush(
      {{labels,
        {},
        {{t0 + 2, "gzipped json", {}}, {t0 + 3, "gzipped, metadata", {{"user", "u7"}}}}}});
  r = Raw(GzipCompress(body), kJsonContentType, {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 204) << r.Describe();
  // Content-Type parameters are allowed.
  r = Raw(EncodeJsonPush({{labels, {}, {{t0 + 4, "charset", {}}}}}),
          "application/json; charset=utf-8");
  ASSERT_EQ(r.status, 204) << r.Describe();

  LabelList with_md = labels;
  with_md.emplace_back("user", "u7");
  std::sort(with_md.begin(), with_md.end());
  EXPECT_THAT(
      ByTime(Query(Selector(labels))),
      ElementsAre(Got{labels, t0 + 1, "plain json"}, Got{labels, t0 + 2, "gzipped json"},
                  Got{with_md, t0 + 3, "gzipped, metadata"}, Got{labels, t0 + 4, "charset"}));
}

TEST_F(PushTest, ProtoSnappyInsideGzipIsAccepted) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels();
  HttpResult r = Raw(GzipCompress(EncodeProtoPush({{labels, {}, {{NowNanos(), "gz", {}}}}})),
                     kProtoContentType, {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 204) << r.Describe();
  EXPECT_THAT(Lines(Query(Selector(labels))), ElementsAre("gz"));
}

// --- Malformed requests -----------------------------------------------------------

TEST_F(PushTest, MalformedBodiesAre400) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels();
  struct Case {
    std::string name;
    std::string body;
    std::string content_type;
    HttpHeaders headers;
    std::string message;  // expected in the answer; empty: any non-empty text
  };
  const std::string good_json = EncodeJsonPush({{labels, {}, {{NowNanos(), "never stored", {}}}}});
  const std::string good_proto =
      SerializeProtoPush({{labels, {}, {{NowNanos(), "never stored", {}}}}});
  std::vector<Case> cases = {
      {"json not json", "this is not json", "application/json", {}, ""},
      {"json truncated", good_json.substr(0, good_json.size() / 2), "application/json", {}, ""},
      {"json empty body", "", "application/json", {}, "EOF"},
      {"json timestamp as number",
       "{\"streams\":[{\"stream\":{\"test\":\"x\"},\"values\":[[123,\"l\"]]}]}",
       "application/json",
       {},
       ""},
      {"proto not snappy", good_proto, "application/x-protobuf", {}, "snappy: corrupt input"},
      {"proto empty body", "", "application/x-protobuf", {}, "snappy: corrupt input"},
      {"snappy of garbage",
       SnappyCompress("\xff\xff\xff\xff garbage"),
       "application/x-protobuf",
       {},
       ""},
      {"no content type", SnappyCompress(good_proto), "", {}, "mime: no media type"},
      {"json as text/plain", good_json, "text/plain", {}, "snappy: corrupt input"},
      {"gzip header, plain body",
       good_json,
       "application/json",
       {{"Content-Encoding", "gzip"}},
       "gzip: invalid header"},
      {"unknown encoding",
       good_json,
       "application/json",
       {{"Content-Encoding", "br"}},
       "Content-Encoding \"br\" not supported"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpResult r = Raw(c.body, c.content_type, c.headers);
    EXPECT_EQ(r.status, 400) << r.Describe();
    if (c.message.empty()) {
      EXPECT_FALSE(r.body.empty());
    } else {
      EXPECT_THAT(r.body, HasSubstr(c.message));
    }
  }
  EXPECT_THAT(Query(Selector(labels)), IsEmpty());
}

TEST_F(PushTest, NoStreamsIs422) {
  ASSERT_NO_FATAL_FAILURE(Start());
  for (std::string body : {"{\"streams\": []}", "{}"}) {
    HttpResult r = Raw(body, kJsonContentType);
    EXPECT_EQ(r.status, 422) << body << ": " << r.Describe();
    EXPECT_THAT(r.body, HasSubstr("error at least one valid stream is required for ingestion"));
  }
  HttpResult r = Raw(SnappyCompress(""), kProtoContentType);
  EXPECT_EQ(r.status, 422) << r.Describe();
}

TEST_F(PushTest, WrongMethodIs405) {
  ASSERT_NO_FATAL_FAILURE(Start());
  HttpResult r = Must(client_->Get(kPushPath));
  EXPECT_EQ(r.status, 405) << r.Describe();
}

// --- Invalid label sets: 400, and nothing of the request is stored ----------------

TEST_F(PushTest, InvalidLabelSetsAre400AndRejectTheWholeRequest) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList good = TestLabels({{"app", "good"}});
  const std::string test = good[1].second;
  const int64_t now = NowNanos();
  struct Case {
    std::string name;
    PushStream bad;
    bool json;
    std::vector<std::string> messages;
  };
  std::vector<Case> cases = {
      {"bad label name (json)",
       {{{"my-label", "v"}, {"test", test}}, {}, {{now, "bad name", {}}}},
       true,
       {"couldn't parse labels", "unexpected character inside braces: '-'"}},
      {"label name starting with a digit (proto)",
       {{}, "{1abc=\"v\", test=\"" + test + "\"}", {{now, "digit", {}}}},
       false,
       {"couldn't parse labels", "unexpected character inside braces: '1'"}},
      {"duplicate label name (proto)",
       {{}, "{app=\"a\", app=\"b\", test=\"" + test + "\"}", {{now, "dup", {}}}},
       false,
       {"has duplicate label name: 'app'"}},
      {"no labels (json)",
       {{}, {}, {{now, "no labels", {}}}},
       true,
       {"error at least one label pair is required per stream"}},
      {"empty labels string (proto)",
       {{}, "", {{now, "blank", {}}}},
       false,
       {"error at least one label pair is required per stream"}},
      {"unparsable selector string (proto)",
       {{}, "{test=\"" + test + "\"", {{now, "unclosed", {}}}},
       false,
       {"couldn't parse labels", "unexpected end of input inside braces"}},
      {"matcher instead of a label (proto)",
       {{}, "{test=~\"" + test + "\"}", {{now, "matcher", {}}}},
       false,
       {"couldn't parse labels"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // A good stream first: it must not be stored either.
    std::vector<PushStream> req = {{good, {}, {{now, "good line of: " + c.name, {}}}}, c.bad};
    HttpResult r = c.json ? Json(req) : Proto(req);
    EXPECT_EQ(r.status, 400) << r.Describe();
    for (const std::string& m : c.messages) EXPECT_THAT(r.body, HasSubstr(m));
  }
  EXPECT_THAT(Query("{test=\"" + test + "\"}"), IsEmpty());
}

TEST_F(PushTest, LabelLimitsAre400ForThatStreamOnly) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList good = TestLabels({{"app", "good"}});
  const std::string test = good[1].second;
  LabelList long_value = TestLabels({{"app", std::string(2049, 'v')}});
  LabelList many = TestLabels();
  for (int i = 0; i < 15; i++) many.emplace_back("l" + std::to_string(10 + i), "v");
  std::sort(many.begin(), many.end());
  const int64_t now = NowNanos();
  HttpResult r = Proto({{good, {}, {{now, "kept 1", {}}}}, {long_value, {}, {{now, "long", {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("has label value too long"));
  r = Proto({{good, {}, {{now + 1, "kept 2", {}}}}, {many, {}, {{now, "many", {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("has 16 label names; limit 15"));
  EXPECT_THAT(Lines(Query("{test=\"" + test + "\"}")), ElementsAre("kept 1", "kept 2"));
}

// --- Entry limits -------------------------------------------------------------------

TEST_F(PushTest, LineOverMaxSizeIs400AndTheOthersAreStored) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels();
  const int64_t t0 = NowNanos() - 10 * kSecond;
  HttpResult r = Proto({{labels,
                         {},
                         {{t0 + 1, "before", {}},
                          {t0 + 2, std::string(262145, 'b'), {}},
                          {t0 + 3, "after", {}},
                          {t0 + 4, std::string(262144, 'm'), {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("Max entry size '262144' bytes exceeded for stream '" +
                                LabelsString(labels) + "'"));
  std::vector<std::string> lines = Lines(Query(Selector(labels)));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "before");
  EXPECT_EQ(lines[1], "after");
  EXPECT_EQ(lines[2], std::string(262144, 'm'));  // the limit is inclusive
}

TEST_F(PushTest, LineOverMaxSizeIsTruncatedWhenConfigured) {
  ASSERT_NO_FATAL_FAILURE(
      Start({"--limits.max-line-size=1KB", "--limits.max-line-size-truncate=true"}));
  const LabelList labels = TestLabels();
  std::string line;
  for (int i = 0; line.size() < 3000; i++) line += std::to_string(i) + ",";
  HttpResult r = Json({{labels, {}, {{NowNanos(), line, {}}}}});
  EXPECT_EQ(r.status, 204) << r.Describe();
  EXPECT_THAT(Lines(Query(Selector(labels))), ElementsAre(line.substr(0, 1024)));
}

TEST_F(PushTest, TimestampTooOldOrTooNewIs400) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels();
  const std::string stream = "entry for stream '" + LabelsString(labels) + "'";
  HttpResult r = Proto({{labels, {}, {{NowNanos() - 169 * kHour, "too old", {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr(stream + " has timestamp too old: "));
  EXPECT_THAT(r.body, HasSubstr("oldest acceptable timestamp is: "));

  r = Proto({{labels, {}, {{NowNanos() + kHour, "too new", {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr(stream + " has timestamp too new: "));

  r = Proto({{labels, {}, {{0, "zero", {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("has timestamp too old"));

  // Inside the limits: 167 h old, 5 min ahead (the grace period is 10 min).
  r = Proto({{labels,
              {},
              {{NowNanos() - 167 * kHour, "old but fine", {}},
               {NowNanos() + 5 * 60 * kSecond, "ahead but fine", {}}}}});
  EXPECT_EQ(r.status, 204) << r.Describe();
  EXPECT_THAT(Lines(Query(Selector(labels))), ElementsAre("old but fine", "ahead but fine"));
}

TEST_F(PushTest, PartialAcceptanceStoresTheGoodEntriesAndNamesTheRejected) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList a = TestLabels({{"app", "a"}});
  const LabelList b = TestLabels({{"app", "b"}});
  const int64_t now = NowNanos();
  HttpResult r =
      Proto({{a, {}, {{now - 2 * kSecond, "a good", {}}, {now - 170 * kHour, "a old", {}}}},
             {b, {}, {{now - kSecond, "b good", {}}, {now + 2 * kHour, "b new", {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body,
              HasSubstr("entry for stream '" + LabelsString(a) + "' has timestamp too old"));
  EXPECT_THAT(r.body,
              HasSubstr("entry for stream '" + LabelsString(b) + "' has timestamp too new"));
  EXPECT_THAT(r.body, HasSubstr("1 errors like: "));
  EXPECT_THAT(ByTime(Query("{test=\"" + a[1].second + "\"}")),
              ElementsAre(Got{a, now - 2 * kSecond, "a good"}, Got{b, now - kSecond, "b good"}));
}

TEST_F(PushTest, EntryTooFarBehindTheStreamIs400) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels();
  const int64_t now = NowNanos();
  ASSERT_EQ(Proto({{labels, {}, {{now, "newest", {}}}}}).status, 204);
  HttpResult r = Proto({{labels, {}, {{now - 30 * 60 * kSecond, "30m behind", {}}}}});
  EXPECT_EQ(r.status, 204) << r.Describe();
  r = Proto({{labels, {}, {{now - 90 * 60 * kSecond, "90m behind", {}}}}});
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("entry too far behind"));
  EXPECT_THAT(Lines(Query(Selector(labels))), ElementsAre("30m behind", "newest"));
}

// --- Rate and stream limits: 429 ------------------------------------------------------

TEST_F(PushTest, IngestionRateOverTheTokenBucketIs429) {
  // 1 MiB/s into a 1 MiB bucket.
  ASSERT_NO_FATAL_FAILURE(
      Start({"--limits.ingestion-rate-mb=1", "--limits.ingestion-burst-size-mb=1"}));
  const LabelList labels = TestLabels();
  int64_t ts = NowNanos() - 60 * kSecond;
  int batch = 0;
  // `n` lines of 100 KiB each.
  auto push = [&](int n) {
    PushStream s{labels, {}, {}};
    for (int i = 0; i < n; i++) {
      s.entries.push_back({ts++,
                           "batch " + std::to_string(batch) + " line " + std::to_string(i) + " " +
                               std::string(100 * 1024 - 40, 'x'),
                           {}});
    }
    batch++;
    return Proto({s});
  };
  const auto first_push = std::chrono::steady_clock::now();
  HttpResult r = push(7);  // 700 KiB of the 1024 KiB
  EXPECT_EQ(r.status, 204) << r.Describe();
  r = push(7);  // the bucket holds about 324 KiB now
  EXPECT_EQ(r.status, 429) << r.Describe();
  EXPECT_THAT(r.body,
              HasSubstr("Ingestion rate limit exceeded for user fake (limit: 1048576 bytes/sec)"));

  // The bucket refills at 1 MiB/s: the same push goes through once it holds
  // the 376 KiB it lacked, 367 ms after the first push at the earliest. (A
  // refused push takes nothing from the bucket: asking again does not delay
  // the refill.)
  int accepted_batch = -1;
  ASSERT_TRUE(testutil::Eventually([&] {
    r = push(7);
    if (r.status == 204) accepted_batch = batch - 1;
    return r.status != 429;
  })) << r.Describe();
  EXPECT_EQ(r.status, 204) << r.Describe();
  EXPECT_GE(std::chrono::steady_clock::now() - first_push, std::chrono::milliseconds(350))
      << "the bucket refilled faster than 1 MiB/s";

  // More than the bucket holds is refused even when it is full. The store's
  // bucket runs on that process's real clock, and no answer says how full it
  // is: waiting past the refill time is the point here. Waiting longer would
  // not change the outcome (the bucket stops at its burst).
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  r = push(11);
  EXPECT_EQ(r.status, 429) << r.Describe();

  // Exactly the accepted batches are stored; a 429 stores nothing.
  std::vector<std::string> lines = Lines(Query(Selector(labels)));
  ASSERT_EQ(lines.size(), 14u);
  EXPECT_EQ(lines[0].substr(0, 15), "batch 0 line 0 ");
  EXPECT_THAT(lines[7],
              ::testing::StartsWith("batch " + std::to_string(accepted_batch) + " line 0 "));
}

TEST_F(PushTest, MoreActiveStreamsThanTheLimitIs429) {
  ASSERT_NO_FATAL_FAILURE(Start({"--limits.max-global-streams-per-user=3"}));
  const int64_t now = NowNanos();
  std::vector<PushStream> three;
  for (int i = 0; i < 3; i++) {
    three.push_back(
        {TestLabels({{"n", std::to_string(i)}}), {}, {{now, "stream " + std::to_string(i), {}}}});
  }
  HttpResult r = Proto(three);
  ASSERT_EQ(r.status, 204) << r.Describe();
  const LabelList fourth = TestLabels({{"n", "3"}});
  r = Proto({{fourth, {}, {{now, "stream 3", {}}}}});
  EXPECT_EQ(r.status, 429) << r.Describe();
  EXPECT_THAT(r.body,
              HasSubstr("Maximum active stream limit exceeded when trying to create stream " +
                        LabelsString(fourth)));
  // Known streams still take entries.
  r = Proto({{three[0].labels, {}, {{now + 1, "stream 0 again", {}}}}});
  EXPECT_EQ(r.status, 204) << r.Describe();
  EXPECT_THAT(Query(Selector(fourth)), IsEmpty());
  EXPECT_THAT(Lines(Query(Selector(three[0].labels))), ElementsAre("stream 0", "stream 0 again"));
}

TEST_F(PushTest, BodyOverTheHttpBodyLimitIs413) {
  ASSERT_NO_FATAL_FAILURE(Start({"--http.body-limit=64KB"}));
  const LabelList labels = TestLabels();
  std::string big =
      EncodeJsonPush({{labels, {}, {{NowNanos(), std::string(100 * 1024, 'x'), {}}}}});
  HttpResult r = Raw(big, kJsonContentType);
  EXPECT_EQ(r.status, 413) << r.Describe();
  // A fresh connection: the server may close the one that sent the big body.
  Reconnect();
  r = Json({{labels, {}, {{NowNanos(), "small", {}}}}});
  EXPECT_EQ(r.status, 204) << r.Describe();
  EXPECT_THAT(Lines(Query(Selector(labels))), ElementsAre("small"));
}

// --- Tenancy ----------------------------------------------------------------------------

TEST_F(PushTest, TenantsAreIsolatedWithAuthEnabled) {
  ASSERT_NO_FATAL_FAILURE(Start({"--auth-enabled=true"}));
  const LabelList labels = TestLabels({{"only_in_a", "yes"}});
  HttpResult r = Proto({{labels, {}, {{NowNanos(), "tenant a's line", {}}}}}, "tenant-a");
  ASSERT_EQ(r.status, 204) << r.Describe();

  EXPECT_THAT(Lines(Query(Selector(labels), "tenant-a")), ElementsAre("tenant a's line"));
  EXPECT_THAT(Query(Selector(labels), "tenant-b"), IsEmpty());
  auto names_b = GetStringList(*client_, "/loki/api/v1/labels", "tenant-b");
  ASSERT_TRUE(names_b.ok()) << names_b.status().ToString();
  EXPECT_THAT(*names_b, IsEmpty());
  auto names_a = GetStringList(*client_, "/loki/api/v1/labels", "tenant-a");
  ASSERT_TRUE(names_a.ok()) << names_a.status().ToString();
  EXPECT_THAT(*names_a, UnorderedElementsAre("only_in_a", "test"));

  // No tenant: 401, for pushes and queries.
  r = Must(Push(*client_, EncodeProtoPush({{labels, {}, {{NowNanos(), "nobody's", {}}}}}),
                kProtoContentType));
  EXPECT_EQ(r.status, 401) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("no org id"));
  QueryRangeParams p;
  p.query = Selector(labels);
  p.start_ns = NowNanos() - kHour;
  p.end_ns = NowNanos() + kHour;
  r = Must(QueryRangeRaw(*client_, p));
  EXPECT_EQ(r.status, 401) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("no org id"));

  // Bad tenant IDs.
  r = Must(Push(*client_, EncodeProtoPush({{labels, {}, {{NowNanos(), "x", {}}}}}),
                kProtoContentType, "a|b"));
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(r.body, HasSubstr("multiple org IDs present"));
  r = Must(Push(*client_, EncodeProtoPush({{labels, {}, {{NowNanos(), "x", {}}}}}),
                kProtoContentType, ".."));
  EXPECT_EQ(r.status, 400) << r.Describe();
  EXPECT_THAT(Lines(Query(Selector(labels), "tenant-a")), ElementsAre("tenant a's line"));
}

TEST_F(PushTest, WithAuthDisabledEverythingIsTenantFake) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels();
  HttpResult r = Proto({{labels, {}, {{NowNanos(), "sent as a", {}}}}}, "a");
  ASSERT_EQ(r.status, 204) << r.Describe();
  EXPECT_THAT(Lines(Query(Selector(labels), "b")), ElementsAre("sent as a"));
  EXPECT_THAT(Lines(Query(Selector(labels))), ElementsAre("sent as a"));
}

// --- Endpoints --------------------------------------------------------------------------

TEST_F(PushTest, ReadyAndMetricsReportWhatHappened) {
  ASSERT_NO_FATAL_FAILURE(Start());
  HttpResult ready = Must(client_->Get("/ready"));
  EXPECT_EQ(ready.status, 200) << ready.Describe();
  EXPECT_THAT(ready.body, HasSubstr("ready"));

  const LabelList labels = TestLabels();
  const int64_t now = NowNanos();
  HttpResult r =
      Proto({{labels, {}, {{now, "one", {}}, {now + 1, "two", {}}, {now + 2, "three", {}}}}});
  ASSERT_EQ(r.status, 204) << r.Describe();
  r = Proto({{labels, {}, {{now + 3, "four", {}}, {now + 4, std::string(300 * 1024, 'l'), {}}}}});
  ASSERT_EQ(r.status, 400) << r.Describe();
  r = Proto(
      {{labels, {}, {{now - 200 * kHour, "too old 1", {}}, {now - 201 * kHour, "too old 2", {}}}}});
  ASSERT_EQ(r.status, 400) << r.Describe();

  const std::string m = Metrics();
  EXPECT_EQ(MetricValue(m, "logstore_ingested_lines_total", {{"tenant", "fake"}}), 4.0) << m;
  EXPECT_EQ(MetricValue(m, "logstore_ingested_bytes_total", {{"tenant", "fake"}}), 15.0) << m;
  EXPECT_EQ(MetricValue(m, "logstore_discarded_samples_total",
                        {{"reason", "line_too_long"}, {"tenant", "fake"}}),
            1.0)
      << m;
  EXPECT_EQ(MetricValue(m, "logstore_discarded_samples_total",
                        {{"reason", "greater_than_max_sample_age"}, {"tenant", "fake"}}),
            2.0)
      << m;
  EXPECT_EQ(MetricValue(m, "logstore_http_requests_total",
                        {{"code", "204"}, {"route", "/loki/api/v1/push"}}),
            1.0)
      << m;
  EXPECT_EQ(MetricValue(m, "logstore_http_requests_total",
                        {{"code", "400"}, {"route", "/loki/api/v1/push"}}),
            2.0)
      << m;
  EXPECT_GE(MetricValue(m, "logstore_http_requests_total", {{"code", "200"}, {"route", "/ready"}})
                .value_or(0),
            1.0)
      << m;
  // Both accepted pushes were synced before they were answered (several
  // pushes may share one fsync, but here they came one after the other).
  EXPECT_GE(MetricValue(m, "logstore_wal_fsyncs_total").value_or(0), 2.0) << m;
  EXPECT_THAT(m, HasSubstr("# TYPE logstore_ingested_lines_total counter"));
}

TEST_F(PushTest, LabelsAndLabelValuesEndpoints) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const int64_t now = NowNanos() - 5 * kSecond;
  HttpResult r = Json({{{{"app", "api"}, {"env", "prod"}}, {}, {{now, "1", {}}}},
                       {{{"app", "web"}, {"env", "dev"}}, {}, {{now, "2", {}}}},
                       {{{"app", "db"}}, {}, {{now, "3", {{"trace_id", "not a label"}}}}}});
  ASSERT_EQ(r.status, 204) << r.Describe();

  auto get = [&](const std::string& path) {
    auto v = GetStringList(*client_, path);
    if (!v.ok()) {
      ADD_FAILURE() << v.status().ToString();
      return std::vector<std::string>{};
    }
    return *v;
  };
  EXPECT_THAT(get("/loki/api/v1/labels"), ElementsAre("app", "env"));
  EXPECT_THAT(get("/loki/api/v1/label/app/values"), ElementsAre("api", "db", "web"));
  EXPECT_THAT(get("/loki/api/v1/label/env/values"), ElementsAre("dev", "prod"));
  EXPECT_THAT(get("/loki/api/v1/label/nope/values"), IsEmpty());
  EXPECT_THAT(get("/loki/api/v1/label/env/values?query=" + UrlEncode("{app=\"api\"}")),
              ElementsAre("prod"));
  EXPECT_THAT(get("/loki/api/v1/labels?query=" + UrlEncode("{app=\"db\"}")), ElementsAre("app"));
  // A range that ends before the data holds nothing.
  const std::string old_range =
      "start=" + std::to_string(now - 3 * kHour) + "&end=" + std::to_string(now - 2 * kHour);
  EXPECT_THAT(get("/loki/api/v1/labels?" + old_range), IsEmpty());
  EXPECT_THAT(get("/loki/api/v1/label/app/values?" + old_range), IsEmpty());
}

// --- Restarts ---------------------------------------------------------------------------

TEST_F(PushTest, DataSurvivesCleanRestartAndSigkill) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const LabelList labels = TestLabels();
  std::vector<std::string> want;
  int64_t ts = NowNanos() - 60 * kSecond;
  auto push_some = [&](const std::string& tag, int requests) {
    for (int q = 0; q < requests; q++) {
      PushStream s{labels, {}, {}};
      for (int i = 0; i < 5; i++) {
        std::string line = tag + " request " + std::to_string(q) + " line " + std::to_string(i);
        s.entries.push_back({ts++, line, {{"q", std::to_string(q)}}});
        want.push_back(line);
      }
      HttpResult r = q % 2 ? Json({s}) : Proto({s});
      ASSERT_EQ(r.status, 204) << r.Describe();
    }
  };
  auto check = [&](const std::string& when) {
    SCOPED_TRACE(when);
    std::vector<std::string> got = Lines(Query("{test=\"" + labels[0].second + "\"}"));
    std::vector<std::string> sorted_want = want;
    // Lines() orders by time; `want` is in time order already.
    EXPECT_EQ(got, sorted_want);
  };

  ASSERT_NO_FATAL_FAILURE(push_some("before stop", 10));
  Status s = server_->Stop();
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = server_->Restart();
  ASSERT_TRUE(s.ok()) << s.ToString();
  Reconnect();
  check("after a clean restart");

  ASSERT_NO_FATAL_FAILURE(push_some("before kill", 10));
  s = server_->Kill(SIGKILL);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = server_->Restart();
  ASSERT_TRUE(s.ok()) << s.ToString();
  Reconnect();
  check("after SIGKILL");

  // And once more, so that replay of a replayed WAL is covered too.
  ASSERT_NO_FATAL_FAILURE(push_some("after kill", 3));
  s = server_->Kill(SIGKILL);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = server_->Restart();
  ASSERT_TRUE(s.ok()) << s.ToString();
  Reconnect();
  check("after a second SIGKILL");
}

TEST_F(PushTest, DataSurvivesSigkillAfterChunksWereFlushed) {
  ASSERT_NO_FATAL_FAILURE(
      Start({"--storage.chunk-target-size=4KB", "--storage.chunk-block-size=1KB",
             "--storage.flush-check-period=100ms", "--wal.segment-size=64KB"}));
  const LabelList labels = TestLabels();
  std::vector<std::string> want;
  int64_t ts = NowNanos() - 60 * kSecond;
  auto push_some = [&](int requests) {
    for (int q = 0; q < requests; q++) {
      PushStream s{labels, {}, {}};
      for (int i = 0; i < 20; i++) {
        // Lines that do not compress away, so chunks fill up.
        std::string line = "line " + std::to_string(want.size()) + " " +
                           std::to_string(static_cast<uint64_t>(ts) * 2654435761u) +
                           std::to_string(ts ^ 0x5bd1e995);
        s.entries.push_back({ts++, line, {}});
        want.push_back(line);
      }
      HttpResult r = Proto({s});
      ASSERT_EQ(r.status, 204) << r.Describe();
    }
  };
  ASSERT_NO_FATAL_FAILURE(push_some(50));
  // Wait until some chunks are on disk.
  ASSERT_TRUE(testutil::Eventually([&] {
    return MetricValue(Metrics(), "logstore_chunks_flushed_total").value_or(0) > 0;
  })) << "no chunk was flushed";
  ASSERT_NO_FATAL_FAILURE(push_some(10));  // some only in the WAL

  Status s = server_->Kill(SIGKILL);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = server_->Restart();
  ASSERT_TRUE(s.ok()) << s.ToString();
  Reconnect();
  EXPECT_EQ(Lines(Query(Selector(labels))), want);
}

}  // namespace
}  // namespace logstack::testutil
