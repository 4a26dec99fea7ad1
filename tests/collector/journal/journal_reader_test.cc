// JournalReader (collector/journal/journal_reader.h) on real journal files:
// the test writes journal export format and has systemd-journal-remote (the
// Debian package of that name) turn it into journal files in a temporary
// directory, then reads them: fields, binary messages, resuming from a
// cursor with no duplicates and no gaps, a cursor whose entry is gone, tail
// and head, max_age, waiting for appended entries, and Stop().
//
// Without systemd-journal-remote the tests that need journal files are
// skipped (GTEST_SKIP says so); without libsystemd at build time, only the
// "not built with journal support" answer is tested.

#include "collector/journal/journal_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/mocks/fake_clock.h"

namespace logstack::collector {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr uint64_t kBaseUs = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr char kBootId[] = "0123456789abcdef0123456789abcdef";

#if !LOGSTACK_HAVE_SYSTEMD

TEST(JournalReaderTest, NotBuiltWithJournalSupport) {
  EXPECT_FALSE(JournalSupported());
  FakeClock clock;
  auto r = JournalReader::Open({}, "", clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("not built with journal support"), std::string::npos);
}

#else

struct Record {
  uint64_t realtime_us;
  std::vector<std::pair<std::string, std::string> > fields;
};

// Journal export format (systemd's JOURNAL_EXPORT_FORMATS): KEY=value lines,
// or for a value with a newline or other non-printable bytes KEY, a newline,
// its length as a little-endian 64-bit integer, the bytes and a newline; a
// blank line ends each entry.
std::string ExportFormat(const std::vector<Record>& records) {
  std::string out;
  for (const auto& r : records) {
    out += "__REALTIME_TIMESTAMP=" + std::to_string(r.realtime_us) + "\n";
    out += "__MONOTONIC_TIMESTAMP=" + std::to_string(r.realtime_us - kBaseUs + 1'000'000) + "\n";
    out += std::string("_BOOT_ID=") + kBootId + "\n";
    for (const auto& [k, v] : r.fields) {
      bool text = std::all_of(v.begin(), v.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
      });
      if (text) {
        out += k + "=" + v + "\n";
      } else {
        out += k + "\n";
        uint64_t n = v.size();
        for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
        out += v + "\n";
      }
    }
    out += "\n";
  }
  return out;
}

std::string JournalRemote() {
  for (const char* p :
       {"/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

Record Msg(uint64_t offset_us, std::string message, std::string unit = "app.service") {
  Record r{kBaseUs + offset_us, {{"MESSAGE", std::move(message)}}};
  if (!unit.empty()) r.fields.emplace_back("_SYSTEMD_UNIT", std::move(unit));
  return r;
}

class JournalReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    remote_ = JournalRemote();
    if (remote_.empty()) {
      GTEST_SKIP() << "systemd-journal-remote is not installed (Debian package "
                      "systemd-journal-remote): no way to write journal files for these tests";
    }
    char tmpl[] = "/tmp/journal_reader_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Appends `records` to the journal file `name` in the directory (created
  // if new), through systemd-journal-remote.
  void Write(const std::string& name, const std::vector<Record>& records) {
    const std::string in = dir_ + "/in.export", err = dir_ + "/remote.err";
    {
      std::ofstream f(in, std::ios::binary | std::ios::trunc);
      f << ExportFormat(records);
    }
    fs::create_directories(fs::path(dir_ + "/" + name).parent_path());
    std::string cmd = remote_ + " --output=" + dir_ + "/" + name + " - < " + in + " 2> " + err;
    int rc = std::system(cmd.c_str());
    std::ifstream e(err);
    std::string msg((std::istreambuf_iterator<char>(e)), {});
    ASSERT_EQ(rc, 0) << cmd << ": " << msg;
    fs::remove(in);
  }

  JournalReaderPtr Open(const std::string& cursor, JournalOptions o = {}) {
    o.directory = dir_;
    o.labels.node_name = "node-1";
    auto r = JournalReader::Open(o, cursor, clock_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  JournalReaderPtr OpenHead(const std::string& cursor = "") {
    JournalOptions o;
    o.start = JournalOptions::Start::kHead;
    return Open(cursor, o);
  }

  // Reads until `n` entries came or 20 s passed.
  static std::vector<Entry> ReadN(JournalReader& r, size_t n) {
    std::vector<Entry> out;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto got = r.Read(n - out.size(), 1s);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok()) break;
      for (auto& e : *got) out.push_back(std::move(e));
    }
    return out;
  }
  // Everything there is now.
  static std::vector<Entry> ReadAll(JournalReader& r) {
    std::vector<Entry> out;
    while (true) {
      auto got = r.Read(3, 0ms);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok() || got->empty()) return out;
      for (auto& e : *got) out.push_back(std::move(e));
    }
  }
  static std::vector<std::string> Lines(const std::vector<Entry>& es) {
    std::vector<std::string> out;
    for (const auto& e : es) out.push_back(e.line);
    return out;
  }

  std::string remote_;
  std::string dir_;
  FakeClock clock_{static_cast<int64_t>(kBaseUs) * 1000 + 3'600'000'000'000};
};

TEST_F(JournalReaderTest, ReadsRecordsWithTheirFields) {
  static const char kBinary[] = "bad \xff\xfe utf8 \0 nul\nand a second line";
  const std::string binary(kBinary, sizeof(kBinary) - 1);
  const std::string big(100'000, 'x');  // beyond sd-journal's default 64 KiB field threshold
  Write("system.journal",
        {{kBaseUs + 1,
          {{"MESSAGE", "kubelet started"},
           {"_SYSTEMD_UNIT", "kubelet.service"},
           {"PRIORITY", "6"},
           {"_HOSTNAME", "node-1"},
           {"SYSLOG_IDENTIFIER", "kubelet"}}},
         {kBaseUs + 2,
          {{"MESSAGE", binary}, {"_SYSTEMD_UNIT", "containerd.service"}, {"PRIORITY", "3"}}},
         {kBaseUs + 3, {{"MESSAGE", "oops"}, {"PRIORITY", "4"}, {"SYSLOG_IDENTIFIER", "kernel"}}},
         {kBaseUs + 4, {{"FOO", "a record without MESSAGE"}}},
         Msg(5, big)});

  auto r = OpenHead();
  ASSERT_NE(r, nullptr);
  std::vector<Entry> es = ReadAll(*r);
  ASSERT_EQ(es.size(), 4u);

  EXPECT_EQ(es[0].line, "kubelet started");
  EXPECT_EQ(es[0].timestamp_ns, static_cast<int64_t>(kBaseUs + 1) * 1000);
  EXPECT_EQ(es[0].labels.ToString(),
            "{job=\"node/journal\", node_name=\"node-1\", unit=\"kubelet.service\"}");
  EXPECT_EQ(es[0].structured_metadata,
            (std::vector<LabelPair>{
                {"level", "info"}, {"syslog_identifier", "kubelet"}, {"hostname", "node-1"}}));
  EXPECT_EQ(es[1].line, binary);  // byte for byte
  EXPECT_EQ(es[1].structured_metadata, (std::vector<LabelPair>{{"level", "err"}}));
  EXPECT_EQ(es[2].labels.ToString(), "{job=\"node/journal\", node_name=\"node-1\"}");
  EXPECT_EQ(es[3].line, big);

  for (size_t i = 0; i < es.size(); ++i) {
    EXPECT_EQ(es[i].position.source, 0u);
    EXPECT_NE(es[i].position.cursor.find("s="), std::string::npos) << es[i].position.cursor;
    if (i > 0) {
      EXPECT_NE(es[i].position.cursor, es[i - 1].position.cursor);
    }
  }
  EXPECT_EQ(r->stats().entries.load(), 4u);
  EXPECT_EQ(r->stats().no_message.load(), 1u);
  EXPECT_EQ(r->stats().truncated.load(), 0u);
}

TEST_F(JournalReaderTest, ResumesFromEveryCursorWithoutDuplicatesOrGaps) {
  std::vector<Record> recs;
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) {
    recs.push_back(Msg(i, "line " + std::to_string(i)));
    want.push_back("line " + std::to_string(i));
  }
  Write("system.journal", recs);

  auto first = OpenHead();
  ASSERT_NE(first, nullptr);
  std::vector<Entry> all = ReadAll(*first);
  ASSERT_EQ(Lines(all), want);

  // Restart after each entry n: the reader resumes with entry n+1.
  for (size_t n = 0; n < all.size(); ++n) {
    auto r = OpenHead(all[n].position.cursor);
    ASSERT_NE(r, nullptr);
    std::vector<Entry> rest = ReadAll(*r);
    EXPECT_EQ(Lines(rest), std::vector<std::string>(want.begin() + n + 1, want.end()))
        << "after entry " << n;
    // The same entries get the same timestamps, labels and cursors again.
    for (size_t i = 0; i < rest.size(); ++i) {
      EXPECT_EQ(rest[i].timestamp_ns, all[n + 1 + i].timestamp_ns);
      EXPECT_EQ(rest[i].labels, all[n + 1 + i].labels);
      EXPECT_EQ(rest[i].position.cursor, all[n + 1 + i].position.cursor);
    }
  }

  // At the last entry's cursor there is nothing; appended entries come next.
  auto r = OpenHead(all.back().position.cursor);
  ASSERT_NE(r, nullptr);
  auto none = r->Read(10, 0ms);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  Write("system.journal", {Msg(100, "line 10"), Msg(101, "line 11")});
  EXPECT_EQ(Lines(ReadN(*r, 2)), (std::vector<std::string>{"line 10", "line 11"}));
}

TEST_F(JournalReaderTest, CursorWhoseEntryIsGoneResumesAtTheNextEntry) {
  Write("old.journal", {Msg(1, "a1"), Msg(2, "a2"), Msg(3, "a3")});
  auto r = OpenHead();
  ASSERT_NE(r, nullptr);
  std::vector<Entry> old = ReadAll(*r);
  ASSERT_EQ(old.size(), 3u);
  r.reset();
  // The file is vacuumed away; newer entries are in another file.
  fs::remove(dir_ + "/old.journal");
  Write("new.journal", {Msg(4, "b4"), Msg(5, "b5")});

  auto resumed = OpenHead(old[1].position.cursor);
  ASSERT_NE(resumed, nullptr);
  EXPECT_EQ(Lines(ReadAll(*resumed)), (std::vector<std::string>{"b4", "b5"}));
}

TEST_F(JournalReaderTest, TailReadsOnlyNewEntriesAndWaitsForThem) {
  Write("system.journal", {Msg(1, "old 1"), Msg(2, "old 2")});
  auto r = Open("");  // Start::kTail
  ASSERT_NE(r, nullptr);
  auto none = r->Read(10, 0ms);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());

  // Appended to the open file, then in a new file of the directory (as
  // journald rotates): both are seen, in order.
  Write("system.journal", {Msg(10, "new 1"), Msg(11, "new 2")});
  EXPECT_EQ(Lines(ReadN(*r, 2)), (std::vector<std::string>{"new 1", "new 2"}));
  // Even a Read that does not wait takes the new file in.
  Write("system@rotated.journal", {Msg(20, "new 3")});
  EXPECT_EQ(Lines(ReadAll(*r)), (std::vector<std::string>{"new 3"}));

  // A Read that is already waiting wakes for a write.
  StatusOr<std::vector<Entry> > got = std::vector<Entry>{};
  std::thread waiting([&] { got = r->Read(10, 20s); });
  Write("system.journal", {Msg(30, "new 4")});
  waiting.join();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Lines(*got), (std::vector<std::string>{"new 4"}));
}

TEST_F(JournalReaderTest, HeadOfAnEmptyDirectorySeesTheFirstFile) {
  auto r = OpenHead();
  ASSERT_NE(r, nullptr);
  auto none = r->Read(10, 0ms);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  // journald keeps its files in a <machine-id> subdirectory.
  Write("0123456789abcdef0123456789abcdef/system.journal", {Msg(1, "first")});
  EXPECT_EQ(Lines(ReadN(*r, 1)), (std::vector<std::string>{"first"}));
}

TEST_F(JournalReaderTest, MaxAgeStartsAtEntriesNoOlderThanIt) {
  // The fake clock is at kBaseUs + 1 h.
  Write("system.journal", {Msg(0, "1 h old"), Msg(30 * 60'000'000ull, "30 min old"),
                           Msg(59 * 60'000'000ull, "1 min old")});
  JournalOptions o;
  o.start = JournalOptions::Start::kHead;  // max_age wins
  o.max_age = 45min;
  auto r = Open("", o);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Lines(ReadAll(*r)), (std::vector<std::string>{"30 min old", "1 min old"}));
}

TEST_F(JournalReaderTest, TruncatesAtMaxLineBytes) {
  Write("system.journal", {Msg(1, std::string(100, 'y')), Msg(2, "short")});
  JournalOptions o;
  o.start = JournalOptions::Start::kHead;
  o.max_line_bytes = 10;
  auto r = Open("", o);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Lines(ReadAll(*r)), (std::vector<std::string>{std::string(10, 'y'), "short"}));
  EXPECT_EQ(r->stats().truncated.load(), 1u);
}

TEST_F(JournalReaderTest, StopEndsAWaitingRead) {
  Write("system.journal", {Msg(1, "x")});
  auto r = Open("");
  ASSERT_NE(r, nullptr);
  StatusOr<std::vector<Entry> > got = std::vector<Entry>{};
  const auto start = std::chrono::steady_clock::now();
  std::thread reader([&] { got = r->Read(10, 60s); });
  r->Stop();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(r->Read(10, 0ms).status().code(), StatusCode::kCancelled);
}

TEST_F(JournalReaderTest, BadCursorAndMissingDirectory) {
  Write("system.journal", {Msg(1, "x")});
  JournalOptions o;
  o.directory = dir_;
  auto bad = JournalReader::Open(o, "not a cursor", clock_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("not a cursor"), std::string::npos);

  o.directory = dir_ + "/missing";
  auto missing = JournalReader::Open(o, "", clock_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(JournalSupported());
}

#endif  // LOGSTACK_HAVE_SYSTEMD

}  // namespace
}  // namespace logstack::collector
