// Parsing one line: CRI, Docker json-file and raw, chosen per line.

#include "collector/format/line.h"

#include <gtest/gtest.h>

#include <string>

#include "collector/format/cri.h"
#include "collector/format/docker.h"
#include "collector/format/rfc3339.h"

namespace logstack::collector::format {
namespace {

using namespace std::string_literals;

constexpr int64_t kTs = 1705307400LL * 1'000'000'000 + 123456789;  // 2024-01-15T08:30:00.123456789Z

struct CriCase {
  std::string line;
  bool ok;
  StreamKind stream = StreamKind::kUnknown;
  bool partial = false;
  std::string tags = {};
  std::string text = {};
  int64_t ts = kTs;
};

TEST(CriTest, Table) {
  const CriCase cases[] = {
      {"2024-01-15T08:30:00.123456789Z stdout F hello world", true, StreamKind::kStdout, false, "F",
       "hello world"},
      {"2024-01-15T08:30:00.123456789Z stderr P first part", true, StreamKind::kStderr, true, "P",
       "first part"},
      {"2024-01-15T10:30:00.123456789+02:00 stdout F zoned", true, StreamKind::kStdout, false, "F",
       "zoned"},
      {"2024-01-15T03:00:00.123456789-05:30 stdout F zoned", true, StreamKind::kStdout, false, "F",
       "zoned"},
      {"2024-01-15T08:30:00.123456789Z stdout F:x tagged", true, StreamKind::kStdout, false, "F:x",
       "tagged"},
      {"2024-01-15T08:30:00.123456789Z stdout P:x:y tagged", true, StreamKind::kStdout, true,
       "P:x:y", "tagged"},
      // Forward compatibility, as kubelet: a first tag other than P is full.
      {"2024-01-15T08:30:00.123456789Z stdout X text", true, StreamKind::kStdout, false, "X",
       "text"},
      {"2024-01-15T08:30:00.123456789Z stdout PX text", true, StreamKind::kStdout, false, "PX",
       "text"},
      // Empty text, with and without the space after the tag.
      {"2024-01-15T08:30:00.123456789Z stdout F ", true, StreamKind::kStdout, false, "F", ""},
      {"2024-01-15T08:30:00.123456789Z stdout F", true, StreamKind::kStdout, false, "F", ""},
      // Spaces in the text are kept, leading ones too.
      {"2024-01-15T08:30:00.123456789Z stdout F   indented  ", true, StreamKind::kStdout, false,
       "F", "  indented  "},
      {"2024-01-15T08:30:00Z stdout F no fraction", true, StreamKind::kStdout, false, "F",
       "no fraction", 1705307400LL * 1'000'000'000},
      // Not CRI.
      {"2024-01-15T08:30:00.123456789Z stdin F hello", false},
      {"2024-01-15T08:30:00.123456789Z stdout  F hello", false},  // empty tag
      {"2024-01-15T08:30:00.123456789Z stdout", false},
      {"2024-01-15T08:30:00.123456789Z stdoutF hello", false},
      {"2024-01-15T08:30:00.123456789 stdout F hello", false},  // no zone
      {"2024-13-15T08:30:00.123456789Z stdout F hello", false},
      {"2024-01-15T08:30:00.123456789Zstdout F hello", false},
      {"hello world", false},
      {"", false},
  };
  for (const CriCase& c : cases) {
    std::optional<ParsedLine> p = ParseCri(c.line);
    ASSERT_EQ(p.has_value(), c.ok) << c.line;
    if (!c.ok) continue;
    EXPECT_EQ(p->format, LineFormat::kCri) << c.line;
    EXPECT_EQ(p->stream, c.stream) << c.line;
    EXPECT_EQ(p->partial, c.partial) << c.line;
    EXPECT_EQ(p->tags, c.tags) << c.line;
    EXPECT_EQ(p->text, c.text) << c.line;
    EXPECT_TRUE(p->has_timestamp);
    EXPECT_EQ(p->timestamp_ns, c.ts) << c.line;
  }
}

TEST(CriTest, BytesPassThrough) {
  const std::string text = "nul\0byte \xff\xfe invalid \xc3 utf8"s;
  const std::string line = "2024-01-15T08:30:00.123456789Z stdout F " + text;
  std::optional<ParsedLine> p = ParseCri(line);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->text, text);
  // The text is a view into the line: no copy.
  EXPECT_EQ(p->text.data(), line.data() + line.size() - text.size());
}

struct DockerCase {
  std::string line;
  bool ok;
  std::string text = {};
  bool partial = false;
  StreamKind stream = StreamKind::kStdout;
};

TEST(DockerTest, Table) {
  const DockerCase cases[] = {
      {R"({"log":"hello world\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", true,
       "hello world"},
      {R"({"log":"err\n","stream":"stderr","time":"2024-01-15T08:30:00.123456789Z"})", true, "err",
       false, StreamKind::kStderr},
      // Keys in another order, spaces, other keys with any value.
      {R"( { "time" : "2024-01-15T08:30:00.123456789Z" , "attrs":{"a":"}\"{","b":[1,{"c":2}]},)"
       R"( "n": -1.5e3, "t": true, "z": null, "stream":"stdout", "log":"x\n" } )",
       true, "x"},
      // Escapes.
      {R"({"log":"a\"b\\c\/d\te\u00e9\u20ac\ud83d\ude00\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})",
       true, "a\"b\\c/d\te\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"},
      // A lone surrogate is U+FFFD, as in Go.
      {R"({"log":"\ud83dx\udc00\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})",
       true, "\xef\xbf\xbdx\xef\xbf\xbd"},
      {R"({"log":"nul\u0000byte\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})",
       true, "nul\0byte"s},
      // An escaped backslash before n is not a newline: partial.
      {R"({"log":"abc\\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", true,
       "abc\\n", true},
      // No trailing \n: partial (Docker's 16 KiB split).
      {R"({"log":"first part","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", true,
       "first part", true},
      {R"({"log":"","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", true, "", true},
      {R"({"log":"\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", true, ""},
      // Only the last \n is the line's end.
      {R"({"log":"a\nb\n\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", true,
       "a\nb\n"},
      // Unknown stream.
      {R"({"log":"x\n","time":"2024-01-15T08:30:00.123456789Z"})", true, "x", false,
       StreamKind::kUnknown},
      // Zone offset in time.
      {R"({"log":"x\n","stream":"stdout","time":"2024-01-15T10:30:00.123456789+02:00"})", true,
       "x"},
      // Not Docker.
      {R"({"log":"x\n","stream":"stdout"})", false},                              // no time
      {R"({"stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", false},  // no log
      {R"({"log":"x\n","stream":"stdout","time":"yesterday"})", false},
      {R"({"log":"x\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"} extra)", false},
      {R"({"log":"x\q","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", false},
      {R"({"log":"\u12","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})", false},
      {R"({"log":"x\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z")", false},
      {R"({"log":"unterminated)", false},
      {R"({"log":1,"time":"2024-01-15T08:30:00.123456789Z"})", false},
      {R"({})", false},
      {R"({)", false},
      {R"([])", false},
  };
  std::string scratch;
  for (const DockerCase& c : cases) {
    std::optional<ParsedLine> p = ParseDocker(c.line, &scratch);
    ASSERT_EQ(p.has_value(), c.ok) << c.line;
    if (!c.ok) continue;
    EXPECT_EQ(p->format, LineFormat::kDocker) << c.line;
    EXPECT_EQ(p->text, c.text) << c.line;
    EXPECT_EQ(p->partial, c.partial) << c.line;
    EXPECT_EQ(p->stream, c.stream) << c.line;
    EXPECT_EQ(p->timestamp_ns, kTs) << c.line;
  }
}

TEST(DockerTest, CommonCaseIsAViewIntoTheLine) {
  std::string scratch;
  const std::string line =
      R"({"log":"hello\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"})";
  std::optional<ParsedLine> p = ParseDocker(line, &scratch);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->text.data(), line.data() + 8);
  EXPECT_TRUE(scratch.empty());
}

TEST(DockerTest, InvalidUtf8PassesThrough) {
  std::string scratch;
  const std::string line =
      "{\"log\":\"bad \xff\xc3 utf8\\tx\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-15T08:30:00."
      "123456789Z\"}";
  std::optional<ParsedLine> p = ParseDocker(line, &scratch);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->text, "bad \xff\xc3 utf8\tx");
}

TEST(ParseLineTest, AutoDetects) {
  std::string scratch;
  ParsedLine cri =
      ParseLine("2024-01-15T08:30:00.123456789Z stdout F hi", FormatMode::kAuto, &scratch);
  EXPECT_EQ(cri.format, LineFormat::kCri);
  EXPECT_EQ(cri.text, "hi");
  ParsedLine docker =
      ParseLine(R"({"log":"hi\n","stream":"stderr","time":"2024-01-15T08:30:00.123456789Z"})",
                FormatMode::kAuto, &scratch);
  EXPECT_EQ(docker.format, LineFormat::kDocker);
  EXPECT_EQ(docker.stream, StreamKind::kStderr);
  EXPECT_EQ(docker.text, "hi");
  for (std::string raw : {"plain text"s, "2024 is a year"s, "{\"msg\":\"app json\"}"s, ""s,
                          "\0\xff raw bytes"s, "2024-01-15T08:30:00.123456789Z"s}) {
    ParsedLine p = ParseLine(raw, FormatMode::kAuto, &scratch);
    EXPECT_EQ(p.format, LineFormat::kRaw) << raw;
    EXPECT_FALSE(p.has_timestamp);
    EXPECT_FALSE(p.partial);
    EXPECT_EQ(p.text, raw);
  }
}

TEST(ParseLineTest, FixedModes) {
  std::string scratch;
  const std::string cri = "2024-01-15T08:30:00.123456789Z stdout F hi";
  const std::string docker =
      R"({"log":"hi\n","stream":"stderr","time":"2024-01-15T08:30:00.123456789Z"})";
  EXPECT_EQ(ParseLine(cri, FormatMode::kCri, &scratch).format, LineFormat::kCri);
  EXPECT_EQ(ParseLine(docker, FormatMode::kCri, &scratch).format, LineFormat::kRaw);
  EXPECT_EQ(ParseLine(docker, FormatMode::kDocker, &scratch).format, LineFormat::kDocker);
  EXPECT_EQ(ParseLine(" " + docker, FormatMode::kDocker, &scratch).format, LineFormat::kDocker);
  EXPECT_EQ(ParseLine(cri, FormatMode::kDocker, &scratch).format, LineFormat::kRaw);
  EXPECT_EQ(ParseLine(cri, FormatMode::kRaw, &scratch).format, LineFormat::kRaw);
  EXPECT_EQ(ParseLine(cri, FormatMode::kRaw, &scratch).text, cri);
}

TEST(ParseLineTest, Names) {
  EXPECT_EQ(StreamName(StreamKind::kStdout), "stdout");
  EXPECT_EQ(StreamName(StreamKind::kStderr), "stderr");
  EXPECT_EQ(StreamName(StreamKind::kUnknown), "");
  EXPECT_EQ(FormatName(LineFormat::kCri), "cri");
  EXPECT_EQ(FormatName(LineFormat::kDocker), "docker");
  EXPECT_EQ(FormatName(LineFormat::kRaw), "raw");
}

}  // namespace
}  // namespace logstack::collector::format
