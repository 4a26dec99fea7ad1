#include "logstore/push/validation.h"

#include <gtest/gtest.h>

#include "logstore/model/labels.h"
#include "logstore/push/json_decoder.h"
#include "logstore/push/proto_decoder.h"

namespace logstack::logstore::push {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
// The base time of a conformance case: 2026-11-23T08:59:11Z.
constexpr int64_t kNow = 1795424351 * kSec;

std::string Ts(int64_t ns) { return std::to_string(ns); }

struct Pushed {
  PushRequestPtr req;
  StatusOr<ValidationResult> result;
};

Pushed ValidateJson(const std::string& body, const ValidationLimits& limits = {}) {
  auto req = DecodeJsonPush(body);
  EXPECT_TRUE(req.ok()) << req.status().ToString();
  PushRequestPtr r = std::move(req).value();
  auto result = ValidatePush(*r, limits, kNow, "fake");
  return Pushed{std::move(r), std::move(result)};
}

// A protobuf-shaped request: labels as text, entries (ts, line).
struct ProtoStream {
  std::string labels;
  std::vector<std::pair<int64_t, std::string>> entries;
};

Pushed ValidateProto(const std::vector<ProtoStream>& streams, const ValidationLimits& limits = {}) {
  auto req = std::make_unique<PushRequest>();
  for (const ProtoStream& s : streams) {
    PushStream& ps = req->streams.emplace_back();
    ps.labels_text = req->Keep(s.labels);
    for (const auto& [ts, line] : s.entries) {
      PushEntry e;
      e.timestamp_ns = ts;
      e.line = req->Keep(line);
      ps.entries.push_back(e);
    }
  }
  auto result = ValidatePush(*req, limits, kNow, "fake");
  return Pushed{std::move(req), std::move(result)};
}

// One JSON stream object.
std::string JsonStream(const std::string& labels, const std::string& values) {
  return R"({"stream":{)" + labels + R"(},"values":[)" + values + "]}";
}
std::string JsonBody(const std::vector<std::string>& streams) {
  std::string out = R"({"streams":[)";
  for (size_t i = 0; i < streams.size(); i++) out += (i ? "," : "") + streams[i];
  return out + "]}";
}
std::string Value(int64_t ts, const std::string& line, const std::string& md = "") {
  std::string out = "[\"" + Ts(ts) + "\",\"" + line + "\"";
  if (!md.empty()) out += "," + md;
  return out + "]";
}

const ValidationResult& Ok(const Pushed& p) {
  EXPECT_TRUE(p.result.ok()) << p.result.status().ToString();
  static const ValidationResult kEmpty;
  return p.result.ok() ? *p.result : kEmpty;
}

std::string WholeRequestError(const Pushed& p) {
  EXPECT_FALSE(p.result.ok());
  if (p.result.ok()) return "";
  EXPECT_EQ(p.result.status().code(), StatusCode::kInvalidArgument);
  return p.result.status().message();
}

std::vector<std::string> Lines(const ValidStream& s) {
  std::vector<std::string> out;
  for (const PushEntry& e : s.entries) out.emplace_back(e.line);
  return out;
}

TEST(ValidatePushTest, AcceptsAValidRequest) {
  Pushed p = ValidateJson(JsonBody(
      {JsonStream(R"("run":"r1","pc":"json_valid")", Value(kNow - 2 * kMin, "first line") + "," +
                                                         Value(kNow - kMin, "second line") + "," +
                                                         Value(kNow, "third line"))}));
  const ValidationResult& r = Ok(p);
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.streams.size(), 1u);
  const ValidStream& s = r.streams[0];
  EXPECT_EQ(s.labels, (Labels{{"pc", "json_valid"}, {"run", "r1"}}));
  EXPECT_EQ(s.labels_string, R"({pc="json_valid", run="r1"})");
  EXPECT_EQ(Lines(s), (std::vector<std::string>{"first line", "second line", "third line"}));
  EXPECT_FALSE(s.only_empty_entries);
  EXPECT_EQ(r.accepted_entries, 3u);
  EXPECT_EQ(r.accepted_line_bytes, 31u);
  EXPECT_EQ(r.accepted_metadata_bytes, 0u);
}

TEST(ValidatePushTest, ProtoLabelsAreSortedAndEmptyValuesDropped) {
  // proto_labels_unsorted
  Pushed p =
      ValidateProto({{R"({run="r1",pc="proto_labels_unsorted",b="2",a="1"})", {{kNow, "x"}}}});
  const ValidationResult& r = Ok(p);
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(r.streams[0].labels_string, R"({a="1", b="2", pc="proto_labels_unsorted", run="r1"})");
  // label_value_empty (JSON); every label of a name with an empty value goes.
  Pushed j =
      ValidateJson(JsonBody({JsonStream(R"("pc":"v","run":"r","empty":"")", Value(kNow, "x"))}));
  EXPECT_EQ(Ok(j).streams[0].labels_string, R"({pc="v", run="r"})");
  Pushed d = ValidateProto({{R"({a="x", b="1", a=""})", {{kNow, "x"}}}});
  EXPECT_EQ(Ok(d).streams[0].labels_string, R"({b="1"})");
}

TEST(ValidatePushTest, UnparsableLabelsRejectTheWholeRequest) {
  EXPECT_EQ(WholeRequestError(ValidateProto(
                {{R"({pc="proto_labels_unparsable", run="r0123abcd")", {{kNow, "x"}}}})),
            "couldn't parse labels: 1:47: parse error: unexpected end of input inside braces");
  EXPECT_EQ(WholeRequestError(ValidateProto(
                {{R"({pc="proto_labels_matcher", run="r0123abcd", app=~"x.*"})", {{kNow, "x"}}}})),
            "couldn't parse labels: 1:49: parse error: unexpected <op:=~> in label set, "
            "expected \"=\"");
  // JSON label names are checked by parsing the text Loki writes from them:
  // sorted, so the column is the one Loki reports.
  EXPECT_EQ(WholeRequestError(ValidateJson(JsonBody({JsonStream(
                R"("pc":"label_name_digit","run":"r0123abcd","1abc":"x")", Value(kNow, "x"))}))),
            "couldn't parse labels: 1:2: parse error: unexpected character inside braces: '1'");
  EXPECT_EQ(WholeRequestError(ValidateJson(JsonBody({JsonStream(
                R"("pc":"label_name_dash","run":"r0123abcd","my-label":"x")", Value(kNow, "x"))}))),
            "couldn't parse labels: 1:4: parse error: unexpected character inside braces: '-'");
  EXPECT_EQ(WholeRequestError(ValidateJson(JsonBody({JsonStream(
                R"("pc":"label_name_dot","run":"r0123abcd","k8s.app":"x")", Value(kNow, "x"))}))),
            "couldn't parse labels: 1:5: parse error: unexpected character inside braces: '.'");
  // label_bad_stream_among_good: nothing of the request is kept.
  EXPECT_EQ(WholeRequestError(ValidateJson(JsonBody(
                {JsonStream(R"("pc":"x","part":"good")", Value(kNow, "good stream")),
                 JsonStream(R"("pc":"x","part":"bad","bad-name":"x")", Value(kNow, "bad"))}))),
            "couldn't parse labels: 1:5: parse error: unexpected character inside braces: '-'");
  // Even a stream without entries.
  EXPECT_FALSE(ValidateProto({{R"({a="1"})", {{kNow, "x"}}}, {"{a=", {}}}).result.ok());
}

TEST(ValidatePushTest, DuplicateAndMissingLabelsRejectTheWholeRequest) {
  EXPECT_EQ(WholeRequestError(ValidateProto(
                {{R"({pc="x", run="r"})", {{kNow, "good"}}},
                 {R"({pc="proto_labels_duplicate", run="r", app="x", app="y"})", {{kNow, "d"}}}})),
            R"(stream '{pc="proto_labels_duplicate", run="r", app="x", app="y"}' has duplicate )"
            R"(label name: 'app')");
  for (const char* labels : {"{}", ""}) {  // proto_labels_empty, proto_labels_blank
    EXPECT_EQ(WholeRequestError(ValidateProto({{labels, {{kNow, "x"}}}})),
              "error at least one label pair is required per stream");
  }
  EXPECT_EQ(WholeRequestError(ValidateJson(JsonBody({JsonStream("", Value(kNow, "no labels"))}))),
            "error at least one label pair is required per stream");  // label_empty_set
  EXPECT_EQ(WholeRequestError(ValidateJson(JsonBody({JsonStream(R"("a":"")", Value(kNow, "x"))}))),
            "error at least one label pair is required per stream");
  // A stream without entries is not looked at for these.
  Pushed p = ValidateProto({{"{}", {}}, {R"({a="1", a="2"})", {}}, {R"({a="1"})", {{kNow, "x"}}}});
  EXPECT_EQ(Ok(p).streams.size(), 1u);
}

TEST(ValidatePushTest, LabelCount) {
  std::string labels = R"("pc":"label_count_over","run":"r")";
  for (int i = 0; i < 13; i++)
    labels += ",\"l" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "\":\"v\"";
  Pushed ok = ValidateJson(JsonBody({JsonStream(labels, Value(kNow, "15 labels"))}));
  EXPECT_TRUE(Ok(ok).errors.empty());
  EXPECT_EQ(Ok(ok).streams[0].labels.size(), 15u);
  Pushed over = ValidateJson(JsonBody({JsonStream(labels + R"(,"l13":"v")", Value(kNow, "16"))}));
  const ValidationResult& r = Ok(over);
  EXPECT_TRUE(r.streams.empty());
  EXPECT_EQ(r.errors.Message(),
            R"(entry for stream '{l00="v", l01="v", l02="v", l03="v", l04="v", l05="v", l06="v", )"
            R"(l07="v", l08="v", l09="v", l10="v", l11="v", l12="v", l13="v", )"
            R"(pc="label_count_over", run="r"}' has 16 label names; limit 15)");
  EXPECT_EQ(r.errors.HttpStatus(), 400);
  EXPECT_EQ(r.Discarded(DiscardReason::kMaxLabelNamesPerSeries).entries, 1u);
  EXPECT_EQ(r.Discarded(DiscardReason::kMaxLabelNamesPerSeries).bytes, 2u);
  // service_name is not counted.
  Pushed svc =
      ValidateJson(JsonBody({JsonStream(labels + R"(,"service_name":"s")", Value(kNow, "x"))}));
  EXPECT_TRUE(Ok(svc).errors.empty());
}

TEST(ValidatePushTest, LabelCountOverAmongGoodKeepsTheGoodStream) {
  std::string bad = R"("pc":"label_count_over_among_good","run":"r","part":"bad")";
  for (int i = 0; i < 13; i++)
    bad += ",\"l" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "\":\"v\"";
  Pushed p = ValidateJson(
      JsonBody({JsonStream(R"("pc":"label_count_over_among_good","run":"r","part":"good")",
                           Value(kNow, "good stream")),
                JsonStream(bad, Value(kNow, "16 labels"))}));
  const ValidationResult& r = Ok(p);
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(Lines(r.streams[0]), std::vector<std::string>{"good stream"});
  EXPECT_EQ(r.errors.Message(),
            R"(entry for stream '{l00="v", l01="v", l02="v", l03="v", l04="v", l05="v", l06="v", )"
            R"(l07="v", l08="v", l09="v", l10="v", l11="v", l12="v", part="bad", )"
            R"(pc="label_count_over_among_good", run="r"}' has 16 label names; limit 15)");
}

TEST(ValidatePushTest, LabelNameAndValueLength) {
  std::string n1024(1024, 'n'), n1025(1025, 'n'), v2048(2048, 'v'), v2049(2049, 'v');
  EXPECT_TRUE(Ok(ValidateJson(JsonBody(
                     {JsonStream("\"pc\":\"x\",\"" + n1024 + "\":\"x\"", Value(kNow, "x"))})))
                  .errors.empty());
  EXPECT_TRUE(Ok(ValidateJson(JsonBody(
                     {JsonStream("\"pc\":\"x\",\"v\":\"" + v2048 + "\"", Value(kNow, "x"))})))
                  .errors.empty());
  Pushed name = ValidateJson(JsonBody({JsonStream(
      "\"pc\":\"label_name_too_long\",\"run\":\"r\",\"" + n1025 + "\":\"x\"", Value(kNow, "x"))}));
  EXPECT_EQ(Ok(name).errors.Message(), "stream '{" + n1025 +
                                           R"(="x", pc="label_name_too_long", run="r"}' has label )"
                                           "name too long: '" +
                                           n1025 + "'");
  // label_value_too_long_among_good; the JSON text keeps an empty-valued label.
  Pushed value = ValidateJson(
      JsonBody({JsonStream(R"("pc":"g","run":"r","part":"good")", Value(kNow, "good stream")),
                JsonStream("\"pc\":\"g\",\"run\":\"r\",\"e\":\"\",\"part\":\"" + v2049 + "\"",
                           Value(kNow, "long value"))}));
  const ValidationResult& r = Ok(value);
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(r.errors.Message(), "stream '{e=\"\", part=\"" + v2049 +
                                    R"(", pc="g", run="r"}' has label value too long: ')" + v2049 +
                                    "'");
  EXPECT_EQ(r.Discarded(DiscardReason::kLabelValueTooLong).entries, 1u);
  // A protobuf stream's text is shown as it was sent.
  Pushed proto = ValidateProto({{"{ v = \"" + v2049 + "\" }", {{kNow, "x"}}}});
  EXPECT_EQ(Ok(proto).errors.Message(),
            "stream '{ v = \"" + v2049 + "\" }' has label value too long: '" + v2049 + "'");
}

TEST(ValidatePushTest, Timestamps) {
  std::string labels = R"("pc":"ts","run":"r")";
  auto one = [&](int64_t ts) {
    return ValidateJson(JsonBody({JsonStream(labels, Value(ts, "x"))}));
  };
  EXPECT_TRUE(Ok(one(kNow - 167 * kHour)).errors.empty());  // ts_old_ok
  EXPECT_TRUE(Ok(one(kNow - 168 * kHour)).errors.empty());  // the limit itself passes
  EXPECT_TRUE(Ok(one(kNow + 5 * kMin)).errors.empty());     // ts_ahead_ok
  EXPECT_TRUE(Ok(one(kNow + 10 * kMin)).errors.empty());
  EXPECT_EQ(Ok(one(kNow - 169 * kHour)).errors.Message(),  // ts_too_old
            R"(entry for stream '{pc="ts", run="r"}' has timestamp too old: 2026-11-16T07:59:11Z, )"
            "oldest acceptable timestamp is: 2026-11-16T08:59:11Z");
  EXPECT_EQ(Ok(one(0)).errors.Message(),  // ts_zero
            R"(entry for stream '{pc="ts", run="r"}' has timestamp too old: 1970-01-01T00:00:00Z, )"
            "oldest acceptable timestamp is: 2026-11-16T08:59:11Z");
  EXPECT_EQ(Ok(one(kNow - 168 * kHour - 1)).errors.total(), 1u);
  EXPECT_EQ(Ok(one(kNow + kHour)).errors.Message(),  // ts_ahead_too_far
            R"(entry for stream '{pc="ts", run="r"}' has timestamp too new: 2026-11-23T09:59:11Z)");
  Pushed late_push = one(kNow + 10 * kMin + 1);
  const ValidationResult& late = Ok(late_push);
  EXPECT_EQ(late.errors.total(), 1u);
  EXPECT_EQ(late.Discarded(DiscardReason::kTooFarInFuture).entries, 1u);
  // reject_old_samples off: old entries pass.
  ValidationLimits limits;
  limits.reject_old_samples = false;
  EXPECT_TRUE(
      Ok(ValidateJson(JsonBody({JsonStream(labels, Value(0, "x"))}), limits)).errors.empty());
}

TEST(ValidatePushTest, MixedTimestampsKeepTheGoodEntries) {
  // ts_mixed
  Pushed p = ValidateJson(JsonBody(
      {JsonStream(R"("pc":"ts_mixed","run":"r")",
                  Value(kNow - 2 * kSec, "good 1") + "," + Value(kNow - 200 * kHour, "too old") +
                      "," + Value(kNow + kHour, "too new") + "," + Value(kNow, "good 2"))}));
  const ValidationResult& r = Ok(p);
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(Lines(r.streams[0]), (std::vector<std::string>{"good 1", "good 2"}));
  EXPECT_EQ(r.errors.Message(),
            R"(1 errors like: entry for stream '{pc="ts_mixed", run="r"}' has timestamp too old: )"
            "2026-11-15T00:59:11Z, oldest acceptable timestamp is: 2026-11-16T08:59:11Z; "
            R"(1 errors like: entry for stream '{pc="ts_mixed", run="r"}' has timestamp too new: )"
            "2026-11-23T09:59:11Z");
  EXPECT_EQ(r.errors.HttpStatus(), 400);
  EXPECT_EQ(r.accepted_entries, 2u);
  EXPECT_EQ(r.Discarded(DiscardReason::kGreaterThanMaxSampleAge).entries, 1u);
  EXPECT_EQ(r.Discarded(DiscardReason::kGreaterThanMaxSampleAge).bytes, 7u);
  // ts_mixed_streams
  Pushed two = ValidateJson(
      JsonBody({JsonStream(R"("pc":"m","run":"r","part":"a")",
                           Value(kNow - 300 * kHour, "old a") + "," + Value(kNow, "good a")),
                JsonStream(R"("pc":"m","run":"r","part":"b")",
                           Value(kNow - 400 * kHour, "old b") + "," + Value(kNow, "good b"))}));
  const ValidationResult& t = Ok(two);
  EXPECT_EQ(t.streams.size(), 2u);
  EXPECT_EQ(t.errors.Message(),
            R"(1 errors like: entry for stream '{part="a", pc="m", run="r"}' has timestamp too )"
            "old: 2026-11-10T20:59:11Z, oldest acceptable timestamp is: 2026-11-16T08:59:11Z; "
            R"(1 errors like: entry for stream '{part="b", pc="m", run="r"}' has timestamp too )"
            "old: 2026-11-06T16:59:11Z, oldest acceptable timestamp is: 2026-11-16T08:59:11Z");
  // Two entries in the same second give one text, counted twice.
  Pushed same = ValidateJson(JsonBody({JsonStream(
      R"("pc":"s")", Value(kNow - 200 * kHour, "a") + "," + Value(kNow - 200 * kHour + 1, "b"))}));
  EXPECT_EQ(Ok(same).errors.Message().rfind("2 errors like: entry for stream '{pc=\"s\"}'", 0), 0u);
}

TEST(ValidatePushTest, LineSize) {
  std::string labels = R"("pc":"line_too_long","run":"r")";
  // line_too_long: the long line goes, the others stay.
  Pushed p = ValidateJson(
      JsonBody({JsonStream(labels, Value(kNow - 2 * kSec, "before the long line") + "," +
                                       Value(kNow - kSec, std::string(262145, 'b')) + "," +
                                       Value(kNow, "after the long line"))}));
  const ValidationResult& r = Ok(p);
  EXPECT_EQ(Lines(r.streams[0]),
            (std::vector<std::string>{"before the long line", "after the long line"}));
  EXPECT_EQ(r.errors.Message(),
            R"(Max entry size '262144' bytes exceeded for stream '{pc="line_too_long", run="r"}' )"
            "while adding an entry with length '262145' bytes");
  EXPECT_EQ(r.Discarded(DiscardReason::kLineTooLong).bytes, 262145u);
  // line_max_size
  EXPECT_TRUE(
      Ok(ValidateJson(JsonBody({JsonStream(labels, Value(kNow, std::string(262144, 'a')))})))
          .errors.empty());
  // line_multibyte_max / line_multibyte_over: bytes, not characters.
  std::string euro = "\xe2\x82\xac";
  std::string max_line, over_line;
  for (int i = 0; i < 87381; i++) max_line += euro;
  over_line = max_line + euro;
  EXPECT_TRUE(
      Ok(ValidateJson(JsonBody({JsonStream(labels, Value(kNow, max_line))}))).errors.empty());
  EXPECT_EQ(Ok(ValidateJson(JsonBody({JsonStream(R"("pc":"o")", Value(kNow, over_line))})))
                .errors.Message(),
            "Max entry size '262144' bytes exceeded for stream '{pc=\"o\"}' while adding an entry "
            "with length '262146' bytes");
  // line_sm_over_line_limit: metadata does not count toward the line.
  EXPECT_TRUE(Ok(ValidateJson(JsonBody({JsonStream(
                     labels, Value(kNow, std::string(262144, 'c'), R"({"k":"0123456789"})"))})))
                  .errors.empty());
}

TEST(ValidatePushTest, TruncatesInsteadWhenAsked) {
  ValidationLimits limits;
  limits.max_line_size = 10;
  limits.max_line_size_truncate = true;
  Pushed p = ValidateJson(JsonBody({JsonStream(R"("a":"b")", Value(kNow, "0123456789abc") + "," +
                                                                 Value(kNow, "short"))}),
                          limits);
  const ValidationResult& r = Ok(p);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(Lines(r.streams[0]), (std::vector<std::string>{"0123456789", "short"}));
  EXPECT_EQ(r.truncated_lines, 1u);
  // max_line_size 0: no limit.
  limits = ValidationLimits();
  limits.max_line_size = 0;
  EXPECT_TRUE(
      Ok(ValidateJson(JsonBody({JsonStream(R"("a":"b")", Value(kNow, std::string(300000, 'x')))}),
                      limits))
          .errors.empty());
}

TEST(ValidatePushTest, StructuredMetadataLimits) {
  std::string labels = R"("pc":"line_sm_too_big","run":"r")";
  // line_sm_too_big: 1 + 65535 passes, 1 + 65536 does not.
  Pushed p = ValidateJson(JsonBody({JsonStream(
      labels, Value(kNow - kSec, "small", "{\"k\":\"" + std::string(65535, 'm') + "\"}") + "," +
                  Value(kNow, "sm too big", "{\"k\":\"" + std::string(65536, 'm') + "\"}"))}));
  const ValidationResult& r = Ok(p);
  EXPECT_EQ(Lines(r.streams[0]), std::vector<std::string>{"small"});
  EXPECT_EQ(r.errors.Message(),
            R"(stream '{pc="line_sm_too_big", run="r"}' has structured metadata too large: )"
            "'65537' bytes, limit: '65536' bytes. Please see "
            "`limits_config.max_structured_metadata_size` or contact your Loki administrator to "
            "increase it.");
  EXPECT_EQ(r.accepted_metadata_bytes, 65536u);
  EXPECT_EQ(r.Discarded(DiscardReason::kStructuredMetadataTooLarge).bytes, 10u + 65537u);
  // Entries count: 128 pass, 129 do not.
  auto md = [](int n) {
    std::string out = "{";
    for (int i = 0; i < n; i++)
      out += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
    return out + "}";
  };
  EXPECT_TRUE(Ok(ValidateJson(JsonBody({JsonStream(R"("a":"b")", Value(kNow, "x", md(128)))})))
                  .errors.empty());
  EXPECT_EQ(Ok(ValidateJson(JsonBody({JsonStream(R"("a":"b")", Value(kNow, "x", md(129)))})))
                .errors.Message(),
            "stream '{a=\"b\"}' has too many structured metadata labels: '129', limit: '128'. "
            "Please see `limits_config.max_structured_metadata_entries_count` or contact your "
            "Loki administrator to increase it.");
  // Not allowed at all.
  ValidationLimits off;
  off.allow_structured_metadata = false;
  Pushed dis = ValidateJson(JsonBody({JsonStream(R"("a":"b")", Value(kNow, "x", R"({"k":"v"})") +
                                                                   "," + Value(kNow, "y"))}),
                            off);
  EXPECT_EQ(Ok(dis).errors.Message(),
            "stream '{a=\"b\"}' includes structured metadata, but this feature is disallowed. "
            "Please see `limits_config.structured_metadata` or contact your Loki administrator "
            "to enable it.");
  EXPECT_EQ(Lines(Ok(dis).streams[0]), std::vector<std::string>{"y"});
}

TEST(ValidatePushTest, MetadataNamesAreSanitizedAndValuesCleaned) {
  // json_sm_bad_name; the size check counts the names as sent.
  ValidationLimits limits;
  limits.max_structured_metadata_size = 15;  // "trace-id"+"abc" + "1st"+"x" = 15
  Pushed p = ValidateJson(
      JsonBody({JsonStream(R"("a":"b")", Value(kNow, "odd", R"({"trace-id":"abc","1st":"x"})"))}),
      limits);
  const ValidationResult& r = Ok(p);
  ASSERT_TRUE(r.errors.empty()) << r.errors.Message();
  const PushEntry& e = r.streams[0].entries[0];
  ASSERT_EQ(e.metadata_count, 2u);
  EXPECT_EQ(p.req->metadata[e.metadata_begin].name, "trace_id");
  EXPECT_EQ(p.req->metadata[e.metadata_begin + 1].name, "key_1st");
  // Values lose invalid UTF-8 and U+FFFD.
  auto req = std::make_unique<PushRequest>();
  PushStream& s = req->streams.emplace_back();
  s.labels_text = R"({a="b"})";
  req->metadata.push_back(LabelRef{"k", req->Keep("a\xff"
                                                  "b\xef\xbf\xbd"
                                                  "c\xc3\xa9")});
  PushEntry entry;
  entry.timestamp_ns = kNow;
  entry.line = "x";
  entry.metadata_count = 1;
  s.entries.push_back(entry);
  auto v = ValidatePush(*req, {}, kNow, "fake");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(req->metadata[0].value, "abc\xc3\xa9");
}

TEST(ValidatePushTest, SameLabelsAreOneStream) {
  // json_same_stream_twice
  Pushed p = ValidateJson(JsonBody(
      {JsonStream(R"("pc":"t","run":"r","app":"x")", Value(kNow - 2 * kSec, "from first object")),
       JsonStream(R"("pc":"other")", Value(kNow, "other")),
       JsonStream(R"("app":"x","run":"r","pc":"t")", Value(kNow - kSec, "from second object"))}));
  const ValidationResult& r = Ok(p);
  ASSERT_EQ(r.streams.size(), 2u);
  EXPECT_EQ(r.streams[0].labels_string, R"({app="x", pc="t", run="r"})");
  EXPECT_EQ(Lines(r.streams[0]),
            (std::vector<std::string>{"from first object", "from second object"}));
  EXPECT_EQ(r.streams[1].labels_string, R"({pc="other"})");
  EXPECT_NE(r.streams[0].hash, r.streams[1].hash);
  // A protobuf stream and a differently written one with the same labels.
  Pushed q = ValidateProto(
      {{R"({b="2",a="1"})", {{kNow, "1"}}}, {R"({ a = '1' , b = `2` , })", {{kNow, "2"}}}});
  ASSERT_EQ(Ok(q).streams.size(), 1u);
  EXPECT_EQ(Ok(q).streams[0].entries.size(), 2u);
}

TEST(ValidatePushTest, StreamsWithNothingKeptGiveNoStream) {
  Pushed p = ValidateJson(
      JsonBody({JsonStream(R"("a":"1")", ""), JsonStream(R"("a":"2")", Value(0, "old")),
                JsonStream(R"("a":"3")", Value(kNow, "x"))}));
  const ValidationResult& r = Ok(p);
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(r.streams[0].labels_string, R"({a="3"})");
}

TEST(ValidatePushTest, EmptyLinesAreKeptAndMarked) {
  // line_empty, json_values_not_pairs, line_empty_proto: only empty lines.
  Pushed only = ValidateJson(JsonBody({JsonStream(R"("pc":"e")", Value(kNow, ""))}));
  ASSERT_EQ(Ok(only).streams.size(), 1u);
  EXPECT_TRUE(Ok(only).streams[0].only_empty_entries);
  EXPECT_TRUE(Ok(only).errors.empty());
  Pushed ts_only =
      ValidateJson(R"({"streams":[{"stream":{"a":"b"},"values":[[")" + Ts(kNow) + R"("]]}]})");
  EXPECT_TRUE(Ok(ts_only).streams[0].only_empty_entries);
  // line_empty_among_good
  Pushed among = ValidateJson(JsonBody(
      {JsonStream(R"("pc":"e")", Value(kNow - 2 * kSec, "before empty") + "," +
                                     Value(kNow - kSec, "") + "," + Value(kNow, "after empty"))}));
  EXPECT_FALSE(Ok(among).streams[0].only_empty_entries);
  EXPECT_EQ(Ok(among).streams[0].entries.size(), 3u);
  // line_empty_with_sm
  Pushed with_sm =
      ValidateJson(JsonBody({JsonStream(R"("pc":"e")", Value(kNow, "", R"({"trace_id":"x"})"))}));
  EXPECT_FALSE(Ok(with_sm).streams[0].only_empty_entries);
  // Merged streams: the mark holds for all entries.
  Pushed merged = ValidateJson(JsonBody(
      {JsonStream(R"("pc":"e")", Value(kNow, "")), JsonStream(R"("pc":"e")", Value(kNow, "x"))}));
  EXPECT_FALSE(Ok(merged).streams[0].only_empty_entries);
}

TEST(ValidatePushTest, ProtobufEndToEnd) {
  // What a protobuf push decodes to validates the same way.
  std::string raw;
  auto field = [](int num, const std::string& data) {
    std::string out;
    out.push_back(static_cast<char>(num << 3 | 2));
    size_t n = data.size();
    while (n >= 0x80) {
      out.push_back(static_cast<char>(n | 0x80));
      n >>= 7;
    }
    out.push_back(static_cast<char>(n));
    return out + data;
  };
  std::string ts;
  ts.push_back(0x08);
  int64_t secs = kNow / kSec;
  uint64_t v = static_cast<uint64_t>(secs);
  while (v >= 0x80) {
    ts.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  ts.push_back(static_cast<char>(v));
  std::string entry =
      field(1, ts) + field(2, "proto line") + field(3, field(1, "trace-id") + field(2, "t-1"));
  raw = field(1, field(1, R"({run="r", pc="proto_valid"})") + field(2, entry));
  auto req = ParseProtoPush(raw);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  auto r = ValidatePush(**req, {}, kNow, "fake");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].labels_string, R"({pc="proto_valid", run="r"})");
  EXPECT_EQ(r->streams[0].entries[0].line, "proto line");
  EXPECT_EQ((*req)->metadata[0].name, "trace_id");
  EXPECT_EQ(r->accepted_line_bytes, 10u);
  EXPECT_EQ(r->accepted_metadata_bytes, 11u);
}

}  // namespace
}  // namespace logstack::logstore::push
