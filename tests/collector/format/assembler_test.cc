// EntryAssembler: partial lines joined per stream, truncation at the maximum
// entry size, timestamps and resume positions.

#include "collector/format/assembler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collector/format/line.h"

namespace logstack::collector::format {
namespace {

using namespace std::string_literals;

struct Got {
  std::string line;
  int64_t ts;
  bool read_time;
  StreamKind stream;
  LineFormat format;
  bool truncated;
  uint32_t lines;
  uint64_t source;
  int64_t offset;
  const char* data;  // where the view pointed
};

class Collect : public EntryConsumer {
 public:
  void OnEntry(const AssembledEntry& e) override {
    got.push_back({std::string(e.line), e.timestamp_ns, e.read_time, e.stream, e.format,
                   e.truncated, e.lines, e.position.source, e.position.offset, e.line.data()});
  }
  std::vector<Got> got;
};

// Feeds lines of one file (source 1) one after another, as a tailer would.
class Feeder {
 public:
  explicit Feeder(EntryAssembler* a, uint64_t source = 1) : a_(a), source_(source) {}
  void Line(const std::string& line, int64_t read_time = 777) {
    lines_.push_back(line);  // keep the bytes alive, as the read buffer would be
    ParsedLine p = ParseLine(lines_.back(), FormatMode::kAuto, &scratch_);
    LineRef ref{source_, offset_, offset_ + static_cast<int64_t>(line.size()) + 1};
    offset_ = ref.end;
    a_->Add(p, ref, read_time, &out);
  }
  void SetSource(uint64_t source) {
    source_ = source;
    offset_ = 0;
  }
  int64_t offset() const { return offset_; }
  Collect out;

 private:
  EntryAssembler* a_;
  uint64_t source_;
  int64_t offset_ = 0;
  std::string scratch_;
  std::vector<std::string> lines_;
};

std::string Cri(const std::string& stream, const std::string& tag, const std::string& text,
                int sec = 0) {
  char ts[64];
  std::snprintf(ts, sizeof(ts), "2024-01-15T08:30:%02d.000000001Z", sec);
  return std::string(ts) + " " + stream + " " + tag + " " + text;
}

constexpr int64_t kT0 = 1705307400LL * 1'000'000'000 + 1;
constexpr int64_t kSec = 1'000'000'000;

TEST(AssemblerTest, FullLinesPassStraightThrough) {
  EntryAssembler a;
  Feeder f(&a);
  f.Line(Cri("stdout", "F", "one"));
  f.Line(Cri("stderr", "F", "two", 1));
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[0].line, "one");
  EXPECT_EQ(f.out.got[0].ts, kT0);
  EXPECT_FALSE(f.out.got[0].read_time);
  EXPECT_EQ(f.out.got[0].lines, 1u);
  EXPECT_EQ(f.out.got[0].offset, 44);  // after the first line and its '\n'
  EXPECT_EQ(f.out.got[1].line, "two");
  EXPECT_EQ(f.out.got[1].stream, StreamKind::kStderr);
  EXPECT_EQ(f.out.got[1].ts, kT0 + kSec);
  EXPECT_EQ(f.out.got[1].offset, f.offset());
  EXPECT_FALSE(a.has_pending());
}

TEST(AssemblerTest, JoinsPartials) {
  AssemblerStats stats;
  EntryAssembler a({}, &stats);
  Feeder f(&a);
  f.Line(Cri("stdout", "P", "abc", 1));
  f.Line(Cri("stdout", "P", "def", 2));
  EXPECT_TRUE(f.out.got.empty());
  EXPECT_TRUE(a.has_pending());
  f.Line(Cri("stdout", "F", "ghi", 3));
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].line, "abcdefghi");
  EXPECT_EQ(f.out.got[0].ts, kT0 + kSec);  // the first line's
  EXPECT_EQ(f.out.got[0].lines, 3u);
  EXPECT_EQ(f.out.got[0].offset, f.offset());
  EXPECT_EQ(stats.partial_lines.load(), 3u);
  EXPECT_FALSE(a.has_pending());
}

TEST(AssemblerTest, StreamsJoinSeparatelyAndPositionsWaitForPendingOnes) {
  EntryAssembler a;
  Feeder f(&a);
  f.Line(Cri("stdout", "F", "before"));
  const int64_t p_start = f.offset();
  f.Line(Cri("stdout", "P", "out1-"));
  f.Line(Cri("stderr", "F", "err whole"));
  f.Line(Cri("stderr", "P", "err1-"));
  f.Line(Cri("stdout", "F", "out2"));
  f.Line(Cri("stderr", "F", "err2"));
  ASSERT_EQ(f.out.got.size(), 4u);
  EXPECT_EQ(f.out.got[0].line, "before");
  EXPECT_EQ(f.out.got[0].offset, p_start);
  // stdout's partial is pending: resuming must start at its first line.
  EXPECT_EQ(f.out.got[1].line, "err whole");
  EXPECT_EQ(f.out.got[1].offset, p_start);
  EXPECT_EQ(f.out.got[2].line, "out1-out2");
  EXPECT_EQ(f.out.got[2].stream, StreamKind::kStdout);
  // Now stderr's partial is the one pending.
  EXPECT_GT(f.out.got[2].offset, p_start);
  EXPECT_EQ(f.out.got[3].line, "err1-err2");
  EXPECT_EQ(f.out.got[3].offset, f.offset());
  for (size_t i = 1; i < f.out.got.size(); ++i) {
    EXPECT_GE(f.out.got[i].offset, f.out.got[i - 1].offset);
  }
}

TEST(AssemblerTest, JoinsAcrossFilesOfTheFamily) {
  EntryAssembler a;
  Feeder f(&a, /*source=*/1);
  f.Line(Cri("stdout", "P", "old-"));
  f.SetSource(2);  // the file rotated between the P and its F
  f.Line(Cri("stdout", "F", "new"));
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].line, "old-new");
  EXPECT_EQ(f.out.got[0].source, 2u);
  EXPECT_EQ(f.out.got[0].offset, f.offset());
}

TEST(AssemblerTest, DockerPartials) {
  EntryAssembler a;
  Feeder f(&a);
  f.Line(R"({"log":"part one, ","stream":"stdout","time":"2024-01-15T08:30:00.000000001Z"})");
  f.Line(R"({"log":"part \"two\"\n","stream":"stdout","time":"2024-01-15T08:30:01.000000001Z"})");
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].line, "part one, part \"two\"");
  EXPECT_EQ(f.out.got[0].format, LineFormat::kDocker);
  EXPECT_EQ(f.out.got[0].ts, kT0);
}

TEST(AssemblerTest, RawLinesGetTheReadTime) {
  EntryAssembler a;
  Feeder f(&a);
  f.Line("plain old line", 12345);
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].ts, 12345);
  EXPECT_TRUE(f.out.got[0].read_time);
  EXPECT_EQ(f.out.got[0].format, LineFormat::kRaw);
}

TEST(AssemblerTest, TruncatesAtMaxEntrySize) {
  AssemblerStats stats;
  EntryAssembler a({.max_entry_bytes = 10}, &stats);
  Feeder f(&a);
  f.Line(Cri("stdout", "P", "12345678"));
  f.Line(Cri("stdout", "P", "abcdefgh"));
  f.Line(Cri("stdout", "P", "ijkl"));
  f.Line(Cri("stdout", "F", "mnop"));
  f.Line(Cri("stdout", "F", "short"));
  f.Line(Cri("stdout", "F", "a single line that is too long"));
  ASSERT_EQ(f.out.got.size(), 3u);
  EXPECT_EQ(f.out.got[0].line, "12345678ab");
  EXPECT_TRUE(f.out.got[0].truncated);
  EXPECT_EQ(f.out.got[0].lines, 4u);
  EXPECT_EQ(f.out.got[1].line, "short");
  EXPECT_FALSE(f.out.got[1].truncated);
  EXPECT_EQ(f.out.got[2].line, "a single l");
  EXPECT_TRUE(f.out.got[2].truncated);
  EXPECT_EQ(stats.truncated_entries.load(), 2u);
  EXPECT_EQ(stats.truncated_bytes.load(), (6u + 4u + 4u) + 20u);
}

TEST(AssemblerTest, TruncationKeepsUtf8Characters) {
  EntryAssembler a({.max_entry_bytes = 5});
  Feeder f(&a);
  f.Line(Cri("stdout", "F", "abc\xe2\x82\xac"));  // "abc€": the cut at 5 is inside the euro sign
  f.Line(Cri("stdout", "F", "abcd\xff\xfe"));     // invalid UTF-8: cut where the limit is
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[0].line, "abc");
  EXPECT_EQ(f.out.got[1].line, "abcd\xff");
  EXPECT_EQ(Utf8CutPoint("ab\xc3\xa9", 3), 2u);
  EXPECT_EQ(Utf8CutPoint("ab\xc3\xa9", 4), 4u);
  EXPECT_EQ(Utf8CutPoint("\x80\x80\x80\x80\x80", 3), 3u);
}

TEST(AssemblerTest, BufferIsReused) {
  EntryAssembler a;
  Feeder f(&a);
  for (int i = 0; i < 3; ++i) {
    f.Line(Cri("stdout", "P", std::string(1000, 'x')));
    f.Line(Cri("stdout", "F", "end"));
  }
  ASSERT_EQ(f.out.got.size(), 3u);
  EXPECT_EQ(f.out.got[0].data, f.out.got[1].data);
  EXPECT_EQ(f.out.got[1].data, f.out.got[2].data);
}

TEST(AssemblerTest, FlushEmitsPendingInOrder) {
  EntryAssembler a;
  Feeder f(&a);
  f.Line(Cri("stderr", "P", "err-"));
  f.Line(Cri("stdout", "P", "out-"));
  const int64_t end = f.offset();
  a.Flush(&f.out);
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[0].line, "err-");
  EXPECT_LT(f.out.got[0].offset, end);  // stdout's partial was still pending
  EXPECT_EQ(f.out.got[1].line, "out-");
  EXPECT_EQ(f.out.got[1].offset, end);
  EXPECT_FALSE(a.has_pending());
}

TEST(AssemblerTest, NulAndInvalidUtf8Joined) {
  EntryAssembler a;
  Feeder f(&a);
  f.Line(Cri("stdout", "P", "a\0b"s));
  f.Line(Cri("stdout", "F", "\xff\xc3"s));
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].line, "a\0b\xff\xc3"s);
}

TEST(AssemblerTest, OneMegabyteEntryFromSixteenKilobytePieces) {
  AssemblerStats stats;
  EntryAssembler a({.max_entry_bytes = 2 << 20}, &stats);
  Feeder f(&a);
  std::string want;
  for (int i = 0; i < 64; ++i) {
    std::string piece(16 * 1024, static_cast<char>('a' + i % 26));
    want += piece;
    f.Line(Cri("stdout", i == 63 ? "F" : "P", piece));
  }
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].line.size(), 1u << 20);
  EXPECT_EQ(f.out.got[0].line, want);
  EXPECT_EQ(stats.truncated_entries.load(), 0u);
}

}  // namespace
}  // namespace logstack::collector::format
