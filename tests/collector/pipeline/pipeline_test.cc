// Unit tests of the pipeline's parts that the golden files do not show well:
// the API's edges, JMESPath, time zones and timestamp formats.

#include "collector/pipeline/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/pipeline/jmespath.h"
#include "collector/pipeline/time_zone.h"
#include "collector/pipeline/timestamp_format.h"
#include "common/go/time.h"

namespace logstack::collector {
namespace {

int64_t T(const char* rfc3339) { return *go::ParseRfc3339(rfc3339); }

Entry MakeEntry(std::string line, std::vector<LabelPair> labels = {{"app", "a"}}) {
  Entry e;
  e.line = std::move(line);
  e.labels = LabelSet(std::move(labels));
  e.timestamp_ns = T("2024-05-01T10:00:00Z");
  return e;
}

TEST(PipelineTest, NoStagesPassesEntriesThroughUnchanged) {
  for (const char* text : {"", "[]", "null"}) {
    auto p = Pipeline::FromYamlText(text);
    ASSERT_TRUE(p.ok()) << text << ": " << p.status().message();
    EXPECT_TRUE((*p)->empty());
    std::vector<Entry> out;
    Entry e = MakeEntry("hello");
    e.position = {7, 42, ""};
    (*p)->Process(std::move(e), 0, &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].line, "hello");
    EXPECT_EQ(out[0].position.offset, 42);
  }
}

TEST(PipelineTest, InvalidYamlTextIsAnError) {
  auto p = Pipeline::FromYamlText("- json: {expressions: [");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), ::testing::StartsWith("pipeline_stages: invalid YAML: "));
}

TEST(PipelineTest, ForcedFlushEmitsEveryHeldBlockAndNothingIsLeft) {
  auto p = Pipeline::FromYamlText("- multiline: {firstline: '^\\S', max_wait_time: 1h}");
  ASSERT_TRUE(p.ok()) << p.status().message();
  std::vector<Entry> out;
  for (int i = 0; i < 3; ++i) {
    (*p)->Process(MakeEntry("start", {{"app", std::to_string(i)}}), 0, &out);
    (*p)->Process(MakeEntry("  more", {{"app", std::to_string(i)}}), 0, &out);
  }
  EXPECT_TRUE(out.empty());
  (*p)->Flush(1, false, &out);
  EXPECT_TRUE(out.empty());
  (*p)->Flush(1, true, &out);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& e : out) EXPECT_EQ(e.line, "start\n  more");
  out.clear();
  (*p)->Flush(1, true, &out);
  EXPECT_TRUE(out.empty());
}

TEST(PipelineTest, NestedMatchSeesLabelsSetBeforeIt) {
  auto p = Pipeline::FromYamlText(R"(
- regex: {expression: 'level=(?P<level>\w+)'}
- labels: {level: }
- match:
    selector: '{level="error"}'
    stages:
      - static_labels: {page: "yes"}
)");
  ASSERT_TRUE(p.ok()) << p.status().message();
  std::vector<Entry> out;
  (*p)->Process(MakeEntry("level=error boom"), 0, &out);
  (*p)->Process(MakeEntry("level=info fine"), 0, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].labels.ToString(), R"({app="a", level="error", page="yes"})");
  EXPECT_EQ(out[1].labels.ToString(), R"({app="a", level="info"})");
}

nlohmann::json Search(const char* expr, const char* doc) {
  auto p = JmesPath::Compile(expr);
  EXPECT_TRUE(p.ok()) << expr << ": " << p.status().message();
  return p.ok() ? p->Search(nlohmann::json::parse(doc)) : nullptr;
}

TEST(JmesPathTest, SupportedForms) {
  const char* doc = R"({"a":{"b":[1,{"c":"x"},[2,3]]},"a.b":5,"m":{"x":{"v":1},"y":{"v":2}},
                        "l":[[1,2],[3],4]})";
  EXPECT_EQ(Search("a.b[1].c", doc), "x");
  EXPECT_EQ(Search("a.b[-1][0]", doc), 2);
  EXPECT_EQ(Search("\"a.b\"", doc), 5);
  EXPECT_EQ(Search("a.b[9]", doc), nullptr);
  EXPECT_EQ(Search("a.missing.deeper", doc), nullptr);
  EXPECT_EQ(Search("m.*.v", doc), nlohmann::json::parse("[1,2]"));
  EXPECT_EQ(Search("a.b[*].c", doc), nlohmann::json::parse(R"(["x"])"));
  EXPECT_EQ(Search("l[]", doc), nlohmann::json::parse("[1,2,3,4]"));
  EXPECT_EQ(Search("@.a.b[0]", doc), 1);
}

TEST(JmesPathTest, UnsupportedFormsAreRefused) {
  for (const char* expr : {"a || b", "a[?x > 1]", "a[0:2]", "length(a)", "a | b", "{x: a}", "",
                           "a.", "\"unterminated", "a[x]"}) {
    auto p = JmesPath::Compile(expr);
    EXPECT_FALSE(p.ok()) << expr;
    if (!p.ok()) {
      EXPECT_THAT(p.status().message(), ::testing::HasSubstr("unsupported JMESPath"));
    }
  }
}

TEST(JmesPathTest, MarshalsAsGo) {
  EXPECT_EQ(GoJsonMarshal(nlohmann::json::parse(R"({"b":[1.5,1e21,1e-7,true,null],"a":"<&>"})")),
            R"({"a":"\u003c\u0026\u003e","b":[1.5,1e+21,1e-7,true,null]})");
}

TEST(TimeZoneTest, UtcNeedsNoFile) {
  auto tz = TimeZone::Load("UTC", "/nonexistent");
  ASSERT_TRUE(tz.ok());
  EXPECT_EQ((*tz)->OffsetAt(0), 0);
}

TEST(TimeZoneTest, TransitionsAndTheRuleAfterThem) {
  auto tz = TimeZone::Load("America/New_York", "/usr/share/zoneinfo");
  ASSERT_TRUE(tz.ok()) << tz.status().message();
  std::string abbrev;
  EXPECT_EQ((*tz)->OffsetAt(T("2024-01-15T12:00:00Z") / 1'000'000'000, &abbrev), -5 * 3600);
  EXPECT_EQ(abbrev, "EST");
  EXPECT_EQ((*tz)->OffsetAt(T("2024-07-15T12:00:00Z") / 1'000'000'000, &abbrev), -4 * 3600);
  EXPECT_EQ(abbrev, "EDT");
  // Past the file's transitions (2037 at most): the POSIX rule at its end.
  EXPECT_EQ((*tz)->OffsetAt(T("2100-07-15T12:00:00Z") / 1'000'000'000, &abbrev), -4 * 3600);
  EXPECT_EQ(abbrev, "EDT");
  EXPECT_EQ((*tz)->OffsetAt(T("2100-12-15T12:00:00Z") / 1'000'000'000, &abbrev), -5 * 3600);
  // 2100-03-14 is the second Sunday of March: 02:00 EST is 07:00 UTC.
  EXPECT_EQ((*tz)->OffsetAt(T("2100-03-14T06:59:59Z") / 1'000'000'000), -5 * 3600);
  EXPECT_EQ((*tz)->OffsetAt(T("2100-03-14T07:00:00Z") / 1'000'000'000), -4 * 3600);
}

TEST(TimeZoneTest, SouthernHemisphereRule) {
  auto tz = TimeZone::Load("Australia/Sydney", "/usr/share/zoneinfo");
  ASSERT_TRUE(tz.ok()) << tz.status().message();
  EXPECT_EQ((*tz)->OffsetAt(T("2100-01-15T00:00:00Z") / 1'000'000'000), 11 * 3600);
  EXPECT_EQ((*tz)->OffsetAt(T("2100-07-15T00:00:00Z") / 1'000'000'000), 10 * 3600);
}

TEST(TimeZoneTest, BadNamesAndFiles) {
  EXPECT_FALSE(TimeZone::Load("../etc/passwd", "/usr/share/zoneinfo").ok());
  EXPECT_FALSE(TimeZone::Load("/etc/passwd", "/usr/share/zoneinfo").ok());
  EXPECT_FALSE(TimeZone::FromTzif("x", "TZif2 short").ok());
  EXPECT_FALSE(TimeZone::FromTzif("x", "").ok());
}

TEST(TimestampFormatTest, RejectsWhatGoRejects) {
  auto f = TimestampFormat::Make("RFC3339", nullptr);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->Parse("2024-02-30T00:00:00Z", 0));
  EXPECT_FALSE(f->Parse("2024-01-01 00:00:00", 0));
  auto unix = TimestampFormat::Make("Unix", nullptr);
  EXPECT_FALSE(unix->Parse("1.2.3", 0));
  EXPECT_FALSE(unix->Parse("1.0123456789", 0));
  EXPECT_FALSE(unix->Parse("0x10", 0));
  EXPECT_EQ(unix->Parse("-1", 0), -1'000'000'000);
  auto ms = TimestampFormat::Make("UnixMs", nullptr);
  EXPECT_FALSE(ms->Parse("99999999999999999", 0));  // overflows int64 nanoseconds
}

TEST(TimestampFormatTest, ZoneAbbreviationOfTheLocation) {
  auto ny = TimeZone::Load("America/New_York", "/usr/share/zoneinfo");
  ASSERT_TRUE(ny.ok());
  auto f = TimestampFormat::Make("2006-01-02 15:04:05 MST", *ny);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Parse("2024-07-15 10:00:00 EDT", 0), T("2024-07-15T14:00:00Z"));
  // Go reads an abbreviation it does not know as a zero offset.
  EXPECT_EQ(f->Parse("2024-07-15 10:00:00 XYZ", 0), T("2024-07-15T10:00:00Z"));
}

TEST(TimestampFormatTest, FormatsRfc3339NanoAsGo) {
  EXPECT_EQ(FormatRfc3339Nano(T("2024-05-01T10:00:00Z")), "2024-05-01T10:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(T("2024-05-01T10:00:00.120Z")), "2024-05-01T10:00:00.12Z");
  EXPECT_EQ(FormatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
}

}  // namespace
}  // namespace logstack::collector
