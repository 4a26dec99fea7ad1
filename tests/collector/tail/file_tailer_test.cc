// FileTailer on real files: lines across read blocks, long lines, rotation by
// rename (once, and twice while behind with the oldest gzipped), copytruncate,
// deletion, and restarts from a saved (dev, ino, offset), also after the file
// rotated or was compressed meanwhile.

#include "collector/tail/file_tailer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collector/positions/start_policy.h"
#include "collector/tail/source_table.h"
#include "tests/collector/tail/tail_test_util.h"
#include "tests/testutil/logstore_process.h"

namespace logstack::collector::tail {
namespace {

using namespace std::string_literals;
using namespace testing;
using positions::StartKind;
using positions::StartPoint;

class FileTailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<testutil::TempDir> d = testutil::TempDir::Create("tailer-test-");
    ASSERT_TRUE(d.ok());
    dir_.emplace(std::move(*d));
    path_ = dir_->Join("0.log");
  }

  std::unique_ptr<FileTailer> NewTailer(StartPoint start = {}, TailerOptions opts = {}) {
    auto t = std::make_unique<FileTailer>(path_, opts, &sources_, &stats_);
    t->Start(start);
    return t;
  }

  // Reads until a Read() returns nothing.
  void Drain(FileTailer* t, size_t block = 4096) {
    std::vector<char> buf(block);
    for (int i = 0; i < 100000; ++i) {
      if (t->Read(buf, SIZE_MAX, &got_) == 0) return;
    }
    FAIL() << "Drain did not end";
  }

  // The record the collector would save after the lines got so far were acknowledged.
  positions::Record RecordAfter(size_t lines) {
    const GotLine& l = got_.lines.at(lines - 1);
    auto r = sources_.ToRecord(SourcePosition{l.ref.source, l.ref.end, ""});
    EXPECT_TRUE(r.has_value());
    EXPECT_EQ(r->first, path_);
    return r->second;
  }

  std::optional<testutil::TempDir> dir_;
  std::string path_;
  SourceTable sources_;
  TailStats stats_;
  LineCollector got_;
};

TEST_F(FileTailerTest, ReadsLinesWithOffsets) {
  AppendFile(path_, "one\ntwo\n\nthree\n");
  auto t = NewTailer();
  Drain(t.get());
  ASSERT_EQ(got_.Texts(), (std::vector<std::string>{"one", "two", "", "three"}));
  EXPECT_EQ(got_.lines[0].ref.start, 0);
  EXPECT_EQ(got_.lines[0].ref.end, 4);
  EXPECT_EQ(got_.lines[1].ref.start, 4);
  EXPECT_EQ(got_.lines[1].ref.end, 8);
  EXPECT_EQ(got_.lines[3].ref.end, 15);
  EXPECT_EQ(stats_.lines_read.load(), 4u);
  EXPECT_EQ(stats_.bytes_read.load(), 15u);
  EXPECT_FALSE(t->finished());
  EXPECT_EQ(t->LagBytes(), 0);
}

TEST_F(FileTailerTest, LinesAcrossReadBlocks) {
  const std::string data = Numbered(0, 200);
  AppendFile(path_, data);
  auto t = NewTailer();
  Drain(t.get(), /*block=*/7);  // every line crosses blocks
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 200));
  int64_t off = 0;
  for (const GotLine& l : got_.lines) {
    EXPECT_EQ(l.ref.start, off);
    off = l.ref.end;
  }
  EXPECT_EQ(off, static_cast<int64_t>(data.size()));
}

TEST_F(FileTailerTest, IncompleteLineWaitsForItsEnd) {
  AppendFile(path_, "whole\nhal");
  auto t = NewTailer();
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), (std::vector<std::string>{"whole"}));
  AppendFile(path_, "f and more");
  Drain(t.get());
  EXPECT_EQ(got_.lines.size(), 1u);
  AppendFile(path_, "\nnext\n");
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), (std::vector<std::string>{"whole", "half and more", "next"}));
  EXPECT_EQ(got_.lines[1].ref.start, 6);
  EXPECT_EQ(got_.lines[1].ref.end, 20);
}

TEST_F(FileTailerTest, BudgetLimitsARead) {
  AppendFile(path_, Numbered(0, 100));
  auto t = NewTailer();
  std::vector<char> buf(1024);
  EXPECT_EQ(t->Read(buf, 100, &got_), 100u);
  EXPECT_TRUE(t->has_more());
  Drain(t.get());
  EXPECT_FALSE(t->has_more());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 100));
}

TEST_F(FileTailerTest, OneMegabyteLine) {
  const std::string big(1 << 20, 'x');
  AppendFile(path_, "a\n" + big + "\nb\n");
  TailerOptions opts;
  opts.max_line_bytes = 2 << 20;
  auto t = NewTailer({}, opts);
  Drain(t.get(), 256 * 1024);
  ASSERT_EQ(got_.lines.size(), 3u);
  EXPECT_EQ(got_.lines[1].text, big);
  EXPECT_EQ(stats_.long_lines_cut.load(), 0u);
}

TEST_F(FileTailerTest, LongLineIsCut) {
  const std::string big(1 << 20, 'x');
  AppendFile(path_, "a\n" + big + "\nb\n" + big + "\n");
  TailerOptions opts;
  opts.max_line_bytes = 1000;
  auto t = NewTailer({}, opts);
  Drain(t.get(), 4096);  // the first long line crosses blocks (carry)
  std::vector<char> one_block(4 << 20);
  ASSERT_EQ(got_.lines.size(), 4u);
  EXPECT_EQ(got_.lines[1].text, std::string(1000, 'x'));
  EXPECT_EQ(got_.lines[1].ref.end, 2 + (1 << 20) + 1);
  EXPECT_EQ(got_.lines[2].text, "b");
  EXPECT_EQ(got_.lines[3].text, std::string(1000, 'x'));
  EXPECT_EQ(stats_.long_lines_cut.load(), 2u);
  EXPECT_EQ(stats_.long_line_bytes_dropped.load(), 2u * ((1 << 20) - 1000));
}

TEST_F(FileTailerTest, InvalidUtf8AndNulPassThrough) {
  const std::string line = "nul\0byte \xff\xfe\xc3 end"s;
  AppendFile(path_, line + "\n");
  auto t = NewTailer();
  Drain(t.get());
  ASSERT_EQ(got_.lines.size(), 1u);
  EXPECT_EQ(got_.lines[0].text, line);
}

TEST_F(FileTailerTest, StartAtEnd) {
  AppendFile(path_, "old 1\nold 2\npartial");
  auto t = NewTailer({.kind = StartKind::kEnd, .record = {}});
  Drain(t.get());
  EXPECT_TRUE(got_.lines.empty());
  AppendFile(path_, " line\nnew\n");
  Drain(t.get());
  // Started after the last '\n': the line being written is read whole.
  EXPECT_EQ(got_.Texts(), (std::vector<std::string>{"partial line", "new"}));
  EXPECT_EQ(stats_.started_at_end.load(), 1u);
}

TEST_F(FileTailerTest, BeginningIgnoresOldRotatedFiles) {
  AppendFile(path_ + ".20240101-000000", "old rotated\n");
  AppendFile(path_ + ".20231231-000000.gz", "not even gzip\n");
  AppendFile(path_, "current\n");
  auto t = NewTailer();
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), (std::vector<std::string>{"current"}));
}

TEST_F(FileTailerTest, MissingPathWaitsForTheFile) {
  auto t = NewTailer();
  EXPECT_TRUE(t->finished());
  Drain(t.get());
  AppendFile(path_, "late\n");
  t->Refresh();
  EXPECT_FALSE(t->finished());
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), (std::vector<std::string>{"late"}));
}

TEST_F(FileTailerTest, RotationByRename) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  Drain(t.get());
  AppendFile(path_, Numbered(10, 20));  // not read yet when the rotation happens
  Rename(path_, path_ + ".20240115-083000");
  t->Refresh();  // the path is gone for a moment: nothing to do
  EXPECT_FALSE(t->finished());
  AppendFile(path_, Numbered(20, 30));
  t->Refresh();
  EXPECT_EQ(t->open_files(), 2u);
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 30));
  EXPECT_EQ(t->open_files(), 1u);  // the old file is finished and closed
  EXPECT_EQ(stats_.rotations.load(), 1u);
  EXPECT_EQ(stats_.files_finished.load(), 1u);
  // Later refreshes do not read the rotated file again.
  t->Refresh();
  Drain(t.get());
  EXPECT_EQ(got_.lines.size(), 30u);
}

TEST_F(FileTailerTest, OldFileKeptUntilTheNewOneHasData) {
  AppendFile(path_, Numbered(0, 5));
  auto t = NewTailer();
  Drain(t.get());
  Rename(path_, path_ + ".1");
  AppendFile(path_, "");  // kubelet made the new file; the runtime has not reopened yet
  t->Refresh();
  AppendFile(path_ + ".1", Numbered(5, 8));  // the runtime still writes to the old one
  Drain(t.get());
  EXPECT_EQ(t->open_files(), 2u);
  AppendFile(path_ + ".1", Numbered(8, 9));
  AppendFile(path_, Numbered(9, 12));  // reopened
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 12));
  EXPECT_EQ(t->open_files(), 1u);
}

TEST_F(FileTailerTest, RotatedTwiceWhileBehindWithGzip) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  std::vector<char> buf(64);
  t->Read(buf, 64, &got_);  // read a little: the reader is behind
  EXPECT_LT(got_.lines.size(), 10u);

  // Two rotations before the tailer looks again: the file in between was
  // never at the path while the tailer looked; it is only a sibling now.
  AppendFile(path_, Numbered(10, 20));
  Rename(path_, path_ + ".20240115-080000");
  AppendFile(path_, Numbered(20, 30));
  Rename(path_, path_ + ".20240115-090000");
  AppendFile(path_, Numbered(30, 40));
  // kubelet compresses the oldest rotated file and deletes it: the tailer's
  // descriptor keeps its data.
  GzipAndDelete(path_ + ".20240115-080000");
  t->Refresh();
  EXPECT_EQ(t->open_files(), 3u);
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 40));
  EXPECT_EQ(stats_.missed_rotations_recovered.load(), 1u);
  EXPECT_EQ(stats_.rotations.load(), 1u);
  EXPECT_EQ(t->open_files(), 1u);
}

TEST_F(FileTailerTest, RotatedTwiceSeenEachTime) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  std::vector<char> buf(64);
  t->Read(buf, 64, &got_);
  for (int r = 1; r <= 2; ++r) {
    AppendFile(path_, Numbered(r * 10, r * 10 + 5));
    Rename(path_, path_ + ".rotated-" + std::to_string(r));
    AppendFile(path_, Numbered(r * 10 + 5, r * 10 + 10));
    t->Refresh();
  }
  GzipAndDelete(path_ + ".rotated-1");
  EXPECT_EQ(t->open_files(), 3u);
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 30));
  EXPECT_EQ(stats_.rotations.load(), 2u);
  EXPECT_EQ(stats_.missed_rotations_recovered.load(), 0u);
}

TEST_F(FileTailerTest, MissedFileFoundCompressed) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  std::vector<char> buf(64);
  t->Read(buf, 64, &got_);  // behind, and held back (no Refresh) for three rotations
  for (int r = 1; r <= 3; ++r) {
    AppendFile(path_, Numbered(r * 10, r * 10 + 5));
    Rename(path_, path_ + ".2024011" + std::to_string(r) + "-000000");
    AppendFile(path_, Numbered(r * 10 + 5, r * 10 + 10));
  }
  // kubelet compressed all but the newest rotated file: the first is the one
  // the tailer holds open, the second it never saw.
  GzipAndDelete(path_ + ".20240111-000000");
  GzipAndDelete(path_ + ".20240112-000000");
  t->Refresh();
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 40));
  EXPECT_EQ(stats_.missed_rotations_recovered.load(), 2u);  // one .gz, one plain
  EXPECT_EQ(stats_.files_lost.load(), 0u);
}

TEST_F(FileTailerTest, OldFilesCompressedLaterAreNotRead) {
  AppendFile(path_ + ".20240101-000000", "old\n");
  AppendFile(path_, Numbered(0, 5));
  auto t = NewTailer();
  Drain(t.get());
  Rename(path_, path_ + ".20240115-000000");
  AppendFile(path_, Numbered(5, 10));
  GzipAndDelete(path_ + ".20240101-000000");
  t->Refresh();
  Drain(t.get());
  // Compress the one just finished too: known, not read again.
  Rename(path_, path_ + ".20240116-000000");
  AppendFile(path_, Numbered(10, 12));
  GzipAndDelete(path_ + ".20240115-000000");
  t->Refresh();
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 12));
  EXPECT_EQ(stats_.missed_rotations_recovered.load(), 0u);
}

TEST_F(FileTailerTest, PartialLineAcrossRotation) {
  AppendFile(path_, "whole\nhalf a li");
  auto t = NewTailer();
  Drain(t.get());
  Rename(path_, path_ + ".1");
  AppendFile(path_, "next file\n");
  t->Refresh();
  Drain(t.get());
  // The old file's last line had no '\n': it is handed on when the file is finished.
  ASSERT_EQ(got_.Texts(), (std::vector<std::string>{"whole", "half a li", "next file"}));
  EXPECT_EQ(got_.lines[1].ref.end, 15);
  EXPECT_NE(got_.lines[1].ref.source, got_.lines[2].ref.source);
}

TEST_F(FileTailerTest, CopyTruncate) {
  AppendFile(path_, Numbered(0, 20));
  auto t = NewTailer();
  Drain(t.get());
  const uint64_t source = got_.lines.back().ref.source;
  ASSERT_EQ(::truncate(path_.c_str(), 0), 0);
  AppendFile(path_, Numbered(20, 23));
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 23));
  EXPECT_EQ(stats_.truncations.load(), 1u);
  EXPECT_EQ(got_.lines[20].ref.start, 0);
  // A new source id: positions of the old content are not confused with the new.
  EXPECT_NE(got_.lines[20].ref.source, source);
}

TEST_F(FileTailerTest, DeletedFileIsReadToTheEnd) {
  AppendFile(path_, Numbered(0, 100));
  auto t = NewTailer();
  std::vector<char> buf(100);
  t->Read(buf, 100, &got_);
  Remove(path_);
  t->Refresh();
  EXPECT_FALSE(t->finished());
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(0, 100));
  EXPECT_TRUE(t->finished());
  EXPECT_EQ(t->open_files(), 0u);
  EXPECT_EQ(sources_.live(), 0u);
}

TEST_F(FileTailerTest, ResumeFromSavedPosition) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  Drain(t.get());
  const positions::Record rec = RecordAfter(6);
  EXPECT_EQ(rec.dev, Stat(path_).st_dev);
  EXPECT_EQ(rec.ino, Stat(path_).st_ino);
  EXPECT_GT(rec.fingerprint.len, 0u);
  t.reset();
  AppendFile(path_, Numbered(10, 12));

  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(6, 12));
  EXPECT_EQ(stats_.resumed.load(), 1u);
}

TEST_F(FileTailerTest, ResumeAfterRotation) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  Drain(t.get());
  const positions::Record rec = RecordAfter(4);
  t.reset();
  // While the collector was down: rotated twice, the first one left uncompressed.
  AppendFile(path_, Numbered(10, 12));
  Rename(path_, path_ + ".20240115-080000");
  AppendFile(path_, Numbered(12, 15));
  Rename(path_, path_ + ".20240115-090000");
  AppendFile(path_, Numbered(15, 17));
  // An older rotated file that was there before: not read.
  AppendFile(path_ + ".20240101-000000", "ancient\n");
  struct timespec old_times[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (path_ + ".20240101-000000").c_str(), old_times, 0), 0);

  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(4, 17));
}

TEST_F(FileTailerTest, ResumeFromGzippedFile) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  Drain(t.get());
  const positions::Record rec = RecordAfter(3);
  t.reset();
  AppendFile(path_, Numbered(10, 12));
  Rename(path_, path_ + ".20240115-080000");
  AppendFile(path_, Numbered(12, 15));
  Rename(path_, path_ + ".20240115-090000");
  AppendFile(path_, Numbered(15, 17));
  GzipAndDelete(path_ + ".20240115-080000");

  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(3, 17));
  EXPECT_EQ(stats_.resume_file_missing.load(), 1u);
  EXPECT_EQ(stats_.resumed_from_gzip.load(), 1u);
  // Positions read from the .gz still name the saved file, so a second
  // restart finds the same place.
  const positions::Record again = RecordAfter(2);
  EXPECT_EQ(again.dev, rec.dev);
  EXPECT_EQ(again.ino, rec.ino);
  EXPECT_EQ(again.fingerprint, rec.fingerprint);
  t.reset();
  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = again});
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(5, 17));
}

TEST_F(FileTailerTest, ResumeAfterSeveralCompressedRotations) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  Drain(t.get());
  const positions::Record rec = RecordAfter(7);
  t.reset();
  for (int r = 1; r <= 3; ++r) {
    AppendFile(path_, Numbered(r * 10, r * 10 + 5));
    Rename(path_, path_ + ".2024011" + std::to_string(r) + "-000000");
    AppendFile(path_, Numbered(r * 10 + 5, r * 10 + 10));
  }
  GzipAndDelete(path_ + ".20240111-000000");  // the saved file
  GzipAndDelete(path_ + ".20240112-000000");  // one after it, never seen

  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(7, 40));
  EXPECT_EQ(stats_.resumed_from_gzip.load(), 1u);
}

TEST_F(FileTailerTest, DamagedGzipIsSkippedPastTheDamage) {
  AppendFile(path_, Numbered(0, 2000));
  auto t = NewTailer();
  Drain(t.get());
  const positions::Record rec = RecordAfter(3);
  t.reset();
  Rename(path_, path_ + ".20240111-000000");
  AppendFile(path_, Numbered(2000, 2005));
  GzipAndDelete(path_ + ".20240111-000000");
  const std::string gz = path_ + ".20240111-000000.gz";
  ASSERT_EQ(::truncate(gz.c_str(), Stat(gz).st_size - 100), 0);

  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  EXPECT_EQ(stats_.resumed_from_gzip.load(), 1u);
  EXPECT_GE(stats_.read_errors.load(), 1u);
  // What could be decompressed, then the newer file.
  const std::vector<std::string> texts = got_.Texts();
  ASSERT_GE(texts.size(), 5u);
  EXPECT_EQ(texts.front(), NumberedLines(3, 4)[0]);
  EXPECT_EQ(std::vector<std::string>(texts.end() - 5, texts.end()), NumberedLines(2000, 2005));
}

TEST_F(FileTailerTest, ResumeWhenTheSavedFileIsGone) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  Drain(t.get());
  const positions::Record rec = RecordAfter(3);
  t.reset();
  Rename(path_, path_ + ".1");
  AppendFile(path_, Numbered(10, 12));
  Rename(path_, path_ + ".2");
  AppendFile(path_, Numbered(12, 14));
  Remove(path_ + ".1");  // deleted, not compressed: lines 3..9 are lost

  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  // Whatever is left of the family, from its start.
  EXPECT_EQ(got_.Texts(), NumberedLines(10, 14));
  EXPECT_EQ(stats_.resume_file_missing.load(), 1u);
}

TEST_F(FileTailerTest, ResumeDetectsAReusedInode) {
  AppendFile(path_, Numbered(0, 10));
  auto t = NewTailer();
  Drain(t.get());
  positions::Record rec = RecordAfter(5);
  t.reset();
  // Same inode, other content (what a reused inode number looks like).
  ASSERT_EQ(::truncate(path_.c_str(), 0), 0);
  AppendFile(path_, Numbered(100, 120));

  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), NumberedLines(100, 120));
  EXPECT_EQ(stats_.resume_fingerprint_mismatch.load(), 1u);
}

TEST_F(FileTailerTest, ResumeInATruncatedFile) {
  AppendFile(path_, "abc\n");
  auto t = NewTailer();
  Drain(t.get());
  positions::Record rec = RecordAfter(1);
  rec.offset = 1000;  // beyond the end: the file was truncated meanwhile
  t.reset();
  got_.lines.clear();
  t = NewTailer({.kind = StartKind::kResume, .record = rec});
  Drain(t.get());
  EXPECT_EQ(got_.Texts(), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(stats_.truncations.load(), 1u);
}

TEST_F(FileTailerTest, SourcesAreReleasedWhenFilesFinish) {
  AppendFile(path_, "a\n");
  auto t = NewTailer();
  Drain(t.get());
  const uint64_t first = got_.lines[0].ref.source;
  Rename(path_, path_ + ".1");
  AppendFile(path_, "b\n");
  t->Refresh();
  Drain(t.get());
  EXPECT_EQ(sources_.live(), 1u);
  // Released ids still resolve for a while: acknowledgements may be in flight.
  EXPECT_TRUE(sources_.Lookup(first).has_value());
}

}  // namespace
}  // namespace logstack::collector::tail
