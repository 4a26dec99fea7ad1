// The positions file: its format round trip, atomic writes that survive
// failed writes, syncs and renames, and damage detected, never trusted.

#include "collector/positions/positions.h"

#include <gtest/gtest.h>

#include <string>

#include "collector/positions/positions_file.h"
#include "collector/positions/start_policy.h"
#include "common/crc32c.h"
#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "tests/testutil/logstore_process.h"

namespace logstack::collector::positions {
namespace {

using namespace std::string_literals;

RecordMap SampleRecords() {
  RecordMap m;
  m["/var/log/pods/ns_web-0_0b5c4e7a-1111-2222-3333-444455556666/app/0.log"] =
      Record{.dev = 2049, .ino = 393236, .offset = 1844, .fingerprint = {1024, 0x5f1e0a7c}};
  m["/var/log/pods/kube-system_dns_abc/coredns/3.log"] =
      Record{.dev = UINT64_MAX, .ino = UINT64_MAX, .offset = INT64_MAX, .fingerprint = {0, 0}};
  m["/var/log/odd \"name\"\\with\ttab\nnewline \xff\xfe"] =
      Record{.dev = 1, .ino = 2, .offset = 0, .fingerprint = {7, 0xdeadbeef}};
  m["journal:system"] = Record{.cursor = "s=6e0c;i=1f2;b=9a \"q\" \\ x;m=1;t=2;x=3 crc=00000000"};
  return m;
}

TEST(PositionsFileTest, RoundTrip) {
  const RecordMap records = SampleRecords();
  const std::string text = SerializePositions(records);
  ParsedPositions parsed = ParsePositions(text);
  ASSERT_TRUE(parsed.status.ok()) << parsed.status.ToString();
  EXPECT_EQ(parsed.records, records);
  EXPECT_EQ(parsed.bad_records, 0u);
  // Human-readable: one line a record, keys quoted.
  EXPECT_NE(text.find("\"/var/log/pods/kube-system_dns_abc/coredns/3.log\" dev=18446744073709551615"
                      " ino=18446744073709551615 offset=9223372036854775807 fp=0:00000000 crc="),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"journal:system\" cursor=\"s=6e0c;"), std::string::npos) << text;
  EXPECT_NE(text.find("\nend records=4 crc="), std::string::npos) << text;
}

TEST(PositionsFileTest, EmptyTableRoundTrips) {
  ParsedPositions parsed = ParsePositions(SerializePositions({}));
  EXPECT_TRUE(parsed.status.ok()) << parsed.status.ToString();
  EXPECT_TRUE(parsed.records.empty());
}

TEST(PositionsFileTest, UnknownFieldsAreIgnored) {
  // A later version may add fields; each record's CRC still covers them.
  auto line = [](const std::string& content) {
    char crc[9];
    std::snprintf(crc, sizeof(crc), "%08x", crc32c::Value(content));
    return content + " crc=" + crc + "\n";
  };
  std::string text = "logstack-positions v1\n" +
                     line("\"/a\" dev=1 ino=2 offset=3 fp=0:00000000 future=yes later=\"q q\"");
  char crc[9];
  std::snprintf(crc, sizeof(crc), "%08x", crc32c::Value(text));
  text += std::string("end records=1 crc=") + crc + "\n";
  ParsedPositions parsed = ParsePositions(text);
  ASSERT_TRUE(parsed.status.ok()) << parsed.status.ToString();
  EXPECT_EQ(parsed.records.at("/a"), (Record{.dev = 1, .ino = 2, .offset = 3}));
}

TEST(PositionsFileTest, EveryTruncationIsDetected) {
  const RecordMap records = SampleRecords();
  const std::string text = SerializePositions(records);
  for (size_t n = 0; n < text.size(); ++n) {
    ParsedPositions parsed = ParsePositions(std::string_view(text).substr(0, n));
    ASSERT_EQ(parsed.status.code(), StatusCode::kCorruption) << "length " << n;
    // What is trusted is exactly what was written.
    for (const auto& [key, rec] : parsed.records) {
      ASSERT_EQ(records.count(key), 1u) << "length " << n;
      EXPECT_EQ(records.at(key), rec) << "length " << n;
    }
  }
}

TEST(PositionsFileTest, EveryFlippedByteIsDetected) {
  const RecordMap records = SampleRecords();
  const std::string text = SerializePositions(records);
  for (size_t i = 0; i < text.size(); ++i) {
    for (uint8_t mask : {0x01, 0x20, 0x80}) {
      std::string bad = text;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      ParsedPositions parsed = ParsePositions(bad);
      ASSERT_EQ(parsed.status.code(), StatusCode::kCorruption) << "byte " << i;
      for (const auto& [key, rec] : parsed.records) {
        ASSERT_EQ(records.count(key), 1u) << "byte " << i;
        EXPECT_EQ(records.at(key), rec) << "byte " << i;
      }
    }
  }
}

TEST(PositionsFileTest, DamagedRecordDropsOnlyThatRecord) {
  const RecordMap records = SampleRecords();
  std::string text = SerializePositions(records);
  const size_t pos = text.find("offset=1844");
  ASSERT_NE(pos, std::string::npos);
  text[pos + 7] = '9';  // offset=9844: the record's CRC no longer matches
  ParsedPositions parsed = ParsePositions(text);
  EXPECT_EQ(parsed.status.code(), StatusCode::kCorruption);
  EXPECT_NE(parsed.status.message().find("checksum"), std::string::npos);
  EXPECT_EQ(parsed.bad_records, 1u);
  EXPECT_EQ(parsed.records.size(), records.size() - 1);
  EXPECT_EQ(
      parsed.records.count("/var/log/pods/ns_web-0_0b5c4e7a-1111-2222-3333-444455556666/app/0.log"),
      0u);
}

TEST(PositionsFileTest, DuplicateKeysAreTrustedInNeither) {
  RecordMap one;
  one["/a"] = Record{.dev = 1, .ino = 2, .offset = 3};
  std::string text = SerializePositions(one);
  const size_t start = text.find("\"/a\"");
  const size_t end = text.find('\n', start) + 1;
  text.insert(end, text.substr(start, end - start));
  ParsedPositions parsed = ParsePositions(text);
  EXPECT_EQ(parsed.status.code(), StatusCode::kCorruption);
  EXPECT_TRUE(parsed.records.empty());
}

TEST(PositionsFileTest, Garbage) {
  for (std::string s : {""s, "\n"s, "hello\n"s, "logstack-positions v1\n"s,
                        "logstack-positions v2\nend records=0 crc=00000000\n"s,
                        "logstack-positions v1\nend records=0 crc=00000000\n"s, "\0\0\0\0"s}) {
    ParsedPositions parsed = ParsePositions(s);
    EXPECT_EQ(parsed.status.code(), StatusCode::kCorruption) << s;
    EXPECT_TRUE(parsed.records.empty());
  }
}

class PositionsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(base_.CreateDirs("/state").ok()); }

  std::unique_ptr<Positions> Open() {
    StatusOr<std::unique_ptr<Positions>> p = Positions::Open(&env_, kPath);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(*p) : nullptr;
  }
  std::string Contents() { return *ReadFileToString(&base_, kPath); }

  static constexpr const char* kPath = "/state/positions";
  MemEnv base_;
  FaultInjectionEnv env_{&base_};
};

TEST_F(PositionsTest, MissingFileIsACleanStart) {
  auto p = Open();
  EXPECT_TRUE(p->load_status().ok());
  EXPECT_FALSE(p->loaded_corrupt());
  EXPECT_TRUE(p->Keys().empty());
  EXPECT_FALSE(p->dirty());
  EXPECT_TRUE(p->Save().ok());
  EXPECT_FALSE(base_.FileExists(kPath));  // nothing to write
}

TEST_F(PositionsTest, SetSaveReopen) {
  auto p = Open();
  p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 3});
  p->Set("journal:system", Record{.cursor = "c1"});
  EXPECT_TRUE(p->dirty());
  ASSERT_TRUE(p->Save().ok());
  EXPECT_FALSE(p->dirty());
  EXPECT_EQ(p->writes(), 1u);
  ASSERT_TRUE(p->Save().ok());
  EXPECT_EQ(p->writes(), 1u);                             // not dirty: no write
  p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 3});  // unchanged
  EXPECT_FALSE(p->dirty());

  auto q = Open();
  EXPECT_TRUE(q->load_status().ok());
  ASSERT_TRUE(q->Get("/a").has_value());
  EXPECT_EQ(q->Get("/a")->offset, 3);
  EXPECT_EQ(q->Get("journal:system")->cursor, "c1");
  EXPECT_FALSE(q->Get("/b").has_value());

  q->Remove("/a");
  EXPECT_TRUE(q->dirty());
  ASSERT_TRUE(q->Save().ok());
  auto r = Open();
  EXPECT_EQ(r->Keys(), std::vector<std::string>{"journal:system"});
}

TEST_F(PositionsTest, SaveCreatesTheDirectory) {
  StatusOr<std::unique_ptr<Positions>> p = Positions::Open(&env_, "/new/dir/positions");
  ASSERT_TRUE(p.ok());
  (*p)->Set("/a", Record{.dev = 1, .ino = 2, .offset = 3});
  ASSERT_TRUE((*p)->Save().ok());
  EXPECT_TRUE(base_.FileExists("/new/dir/positions"));
}

TEST_F(PositionsTest, SurvivesACrashRightAfterSave) {
  auto p = Open();
  p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 3});
  ASSERT_TRUE(p->Save().ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  env_.SetFilesystemActive(true);
  auto q = Open();
  EXPECT_TRUE(q->load_status().ok());
  EXPECT_EQ(q->Get("/a")->offset, 3);
}

// Writes v1, then makes the write of v2 fail in the given way: the file must
// still hold v1, also after a crash, and the table stays dirty so that the
// next Save() writes v2.
class FailedSaveTest : public PositionsTest {
 protected:
  void Check(const std::function<void()>& inject, const std::function<void()>& clear) {
    auto p = Open();
    p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 100});
    ASSERT_TRUE(p->Save().ok());
    const std::string v1 = Contents();

    p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 200});
    inject();
    EXPECT_FALSE(p->Save().ok());
    EXPECT_TRUE(p->dirty());
    EXPECT_EQ(Contents(), v1);
    ASSERT_TRUE(env_.SimulateCrash().ok());
    env_.SetFilesystemActive(true);
    EXPECT_EQ(Contents(), v1);
    EXPECT_EQ(Open()->Get("/a")->offset, 100);

    clear();
    ASSERT_TRUE(p->Save().ok());
    EXPECT_FALSE(p->dirty());
    EXPECT_EQ(Open()->Get("/a")->offset, 200);
  }
};

TEST_F(FailedSaveTest, WriteFails) {
  Check([&] { env_.SetWriteError(IOError("injected: disk full")); },
        [&] { env_.SetWriteError(Status::Ok()); });
}

TEST_F(FailedSaveTest, SyncFails) {
  Check([&] { env_.SetSyncError(IOError("injected: EIO")); },
        [&] { env_.SetSyncError(Status::Ok()); });
}

// An Env whose RenameFile fails on demand; everything else goes to base.
class RenameFailingEnv final : public Env {
 public:
  explicit RenameFailingEnv(Env* base) : base_(base) {}
  bool fail_rename = false;
  StatusOr<WritableFilePtr> NewWritableFile(const std::string& p) override {
    return base_->NewWritableFile(p);
  }
  StatusOr<WritableFilePtr> NewAppendableFile(const std::string& p) override {
    return base_->NewAppendableFile(p);
  }
  StatusOr<SequentialFilePtr> NewSequentialFile(const std::string& p) override {
    return base_->NewSequentialFile(p);
  }
  StatusOr<RandomAccessFilePtr> NewRandomAccessFile(const std::string& p) override {
    return base_->NewRandomAccessFile(p);
  }
  bool FileExists(const std::string& p) override { return base_->FileExists(p); }
  StatusOr<std::vector<std::string>> GetChildren(const std::string& d) override {
    return base_->GetChildren(d);
  }
  StatusOr<uint64_t> GetFileSize(const std::string& p) override { return base_->GetFileSize(p); }
  Status RemoveFile(const std::string& p) override { return base_->RemoveFile(p); }
  Status CreateDirs(const std::string& d) override { return base_->CreateDirs(d); }
  Status RemoveDirRecursively(const std::string& d) override {
    return base_->RemoveDirRecursively(d);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (fail_rename) return IOError("injected: rename " + from + " " + to);
    return base_->RenameFile(from, to);
  }
  Status TruncateFile(const std::string& p, uint64_t n) override {
    return base_->TruncateFile(p, n);
  }
  Status SyncDir(const std::string& d) override { return base_->SyncDir(d); }
  StatusOr<DiskSpace> GetDiskSpace(const std::string& p) override { return base_->GetDiskSpace(p); }

 private:
  Env* base_;
};

TEST_F(PositionsTest, RenameFails) {
  RenameFailingEnv renv(&env_);
  auto p = std::move(*Positions::Open(&renv, kPath));
  p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 100});
  ASSERT_TRUE(p->Save().ok());
  const std::string v1 = Contents();
  p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 200});
  renv.fail_rename = true;
  Status st = p->Save();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(kPath), std::string::npos) << st.ToString();
  EXPECT_TRUE(p->dirty());
  EXPECT_EQ(Contents(), v1);
  ASSERT_TRUE(env_.SimulateCrash().ok());
  env_.SetFilesystemActive(true);
  EXPECT_EQ(Open()->Get("/a")->offset, 100);
  renv.fail_rename = false;
  ASSERT_TRUE(p->Save().ok());
  EXPECT_EQ(Open()->Get("/a")->offset, 200);
}

TEST_F(PositionsTest, CorruptFileIsReportedAndRewritten) {
  {
    auto p = Open();
    p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 100});
    p->Set("/b", Record{.dev = 1, .ino = 3, .offset = 300});
    ASSERT_TRUE(p->Save().ok());
  }
  const std::string text = Contents();
  const size_t pos = text.find("offset=300");
  ASSERT_TRUE(env_.CorruptFile(kPath, pos + 7, 0x01).ok());

  auto p = Open();
  EXPECT_EQ(p->load_status().code(), StatusCode::kCorruption);
  EXPECT_NE(p->load_status().message().find(kPath), std::string::npos)
      << p->load_status().ToString();
  EXPECT_TRUE(p->loaded_corrupt());
  EXPECT_EQ(p->dropped_records(), 1u);
  EXPECT_EQ(p->Get("/a")->offset, 100);  // its own checksum holds: a last good position
  EXPECT_FALSE(p->Get("/b").has_value());
  // The first Save() replaces the damaged file even with no change.
  EXPECT_TRUE(p->dirty());
  ASSERT_TRUE(p->Save().ok());
  EXPECT_TRUE(Open()->load_status().ok());
}

TEST_F(PositionsTest, TruncatedFileIsReported) {
  {
    auto p = Open();
    p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 100});
    ASSERT_TRUE(p->Save().ok());
  }
  const uint64_t size = *base_.GetFileSize(kPath);
  ASSERT_TRUE(base_.TruncateFile(kPath, size - 5).ok());
  auto p = Open();
  EXPECT_EQ(p->load_status().code(), StatusCode::kCorruption);
  EXPECT_NE(p->load_status().message().find("truncated"), std::string::npos)
      << p->load_status().ToString();
}

TEST_F(PositionsTest, RealFileSystem) {
  StatusOr<testutil::TempDir> dir = testutil::TempDir::Create();
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->Join("positions.txt");
  auto p = std::move(*Positions::Open(Env::Default(), path));
  p->Set("/a", Record{.dev = 1, .ino = 2, .offset = 100, .fingerprint = {5, 6}});
  ASSERT_TRUE(p->Save().ok());
  auto q = std::move(*Positions::Open(Env::Default(), path));
  EXPECT_TRUE(q->load_status().ok());
  EXPECT_EQ(q->Get("/a"), (Record{.dev = 1, .ino = 2, .offset = 100, .fingerprint = {5, 6}}));
  EXPECT_FALSE(Env::Default()->FileExists(path + ".tmp"));
}

TEST(StartPolicyTest, Rules) {
  const Record saved{.dev = 1, .ino = 2, .offset = 3};
  StartPoint s = ChooseStart(saved, /*corrupt=*/false, /*existed=*/true);
  EXPECT_EQ(s.kind, StartKind::kResume);
  EXPECT_EQ(s.record, saved);
  EXPECT_EQ(ChooseStart(saved, true, true).kind, StartKind::kResume);
  EXPECT_EQ(ChooseStart(std::nullopt, false, true).kind, StartKind::kBeginning);
  EXPECT_EQ(ChooseStart(std::nullopt, false, false).kind, StartKind::kBeginning);
  EXPECT_EQ(ChooseStart(std::nullopt, true, true).kind, StartKind::kEnd);
  EXPECT_EQ(ChooseStart(std::nullopt, true, false).kind, StartKind::kBeginning);
}

}  // namespace
}  // namespace logstack::collector::positions
