#include "common/fault_injection_env.h"

#include <gtest/gtest.h>

#include <string>

#include "common/mem_env.h"

namespace logstack {
namespace {

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.CreateDirs("/d").ok()); }

  std::string Contents(const std::string& path) {
    StatusOr<std::string> s = ReadFileToString(&base_, path);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : "";
  }

  MemEnv base_;
  FaultInjectionEnv env_{&base_};
};

TEST_F(FaultInjectionEnvTest, DropUnsyncedDataKeepsWhatWasSynced) {
  WritableFilePtr f = *env_.NewWritableFile("/d/f");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(f->Append("synced").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append("-lost").ok());
  ASSERT_TRUE(f->Flush().ok());  // reaching the OS is not durability
  EXPECT_EQ(Contents("/d/f"), "synced-lost");

  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/f"), "synced");
  // Dropping again changes nothing: what is left counts as synced.
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/f"), "synced");
}

TEST_F(FaultInjectionEnvTest, NeverSyncedFileBecomesEmpty) {
  WritableFilePtr f = *env_.NewWritableFile("/d/f");
  ASSERT_TRUE(f->Append("data").ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_TRUE(base_.FileExists("/d/f"));
  EXPECT_EQ(Contents("/d/f"), "");
}

TEST_F(FaultInjectionEnvTest, PreexistingDataOfAppendableFileIsDurable) {
  {
    WritableFilePtr f = *base_.NewWritableFile("/d/old");
    ASSERT_TRUE(f->Append("old").ok());
  }
  WritableFilePtr f = *env_.NewAppendableFile("/d/old");
  ASSERT_TRUE(f->Append("new").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents("/d/old"), "old");
}

TEST_F(FaultInjectionEnvTest, RandomDropKeepsAPrefixOfTheUnsyncedTail) {
  bool saw_partial = false;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    WritableFilePtr f = *env_.NewWritableFile("/d/f");
    ASSERT_TRUE(f->Append("0123456789").ok());
    ASSERT_TRUE(f->Sync().ok());
    ASSERT_TRUE(f->Append("abcdefghijklmnopqrstuvwxyz").ok());
    ASSERT_TRUE(env_.DropRandomUnsyncedData(seed).ok());
    std::string got = Contents("/d/f");
    ASSERT_GE(got.size(), 10u);
    EXPECT_EQ(got, std::string("0123456789abcdefghijklmnopqrstuvwxyz").substr(0, got.size()));
    if (got.size() > 10 && got.size() < 36) saw_partial = true;
  }
  EXPECT_TRUE(saw_partial);
}

TEST_F(FaultInjectionEnvTest, FilesCreatedAfterLastDirSyncVanish) {
  WritableFilePtr a = *env_.NewWritableFile("/d/a");
  ASSERT_TRUE(a->Append("a").ok());
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(env_.SyncDir("/d/").ok());  // trailing slash: same directory
  WritableFilePtr b = *env_.NewWritableFile("/d/b");
  ASSERT_TRUE(b->Append("b").ok());
  ASSERT_TRUE(b->Sync().ok());  // synced data, but the entry is not durable

  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_TRUE(base_.FileExists("/d/a"));
  EXPECT_EQ(Contents("/d/a"), "a");
  EXPECT_FALSE(base_.FileExists("/d/b"));
}

TEST_F(FaultInjectionEnvTest, InactiveFilesystemRejectsChangesButAllowsReads) {
  WritableFilePtr f = *env_.NewWritableFile("/d/f");
  ASSERT_TRUE(f->Append("x").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());

  EXPECT_EQ(f->Append("y").code(), StatusCode::kIOError);
  EXPECT_EQ(f->Sync().code(), StatusCode::kIOError);
  EXPECT_FALSE(env_.NewWritableFile("/d/g").ok());
  EXPECT_FALSE(env_.RemoveFile("/d/f").ok());
  EXPECT_FALSE(env_.RenameFile("/d/f", "/d/g").ok());
  EXPECT_FALSE(env_.CreateDirs("/e").ok());
  EXPECT_FALSE(env_.SyncDir("/d").ok());
  EXPECT_EQ(*ReadFileToString(&env_, "/d/f"), "x");

  env_.SetFilesystemActive(true);
  EXPECT_TRUE(env_.NewWritableFile("/d/g").ok());
}

TEST_F(FaultInjectionEnvTest, WriteErrorAfterNSuccessesUntilCleared) {
  WritableFilePtr f = *env_.NewWritableFile("/d/f");
  env_.SetWriteError(IOError("disk full"), 2);
  EXPECT_TRUE(f->Append("1").ok());
  EXPECT_TRUE(f->Append("2").ok());
  Status s = f->Append("3");
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(s.message(), "disk full");
  EXPECT_FALSE(f->Append("4").ok());
  EXPECT_EQ(Contents("/d/f"), "12");  // failed appends write nothing
  env_.SetWriteError(Status::Ok());
  EXPECT_TRUE(f->Append("5").ok());
  EXPECT_EQ(Contents("/d/f"), "125");
}

TEST_F(FaultInjectionEnvTest, SyncErrorMakesNothingDurable) {
  WritableFilePtr f = *env_.NewWritableFile("/d/f");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(f->Append("a").ok());
  ASSERT_TRUE(f->Sync().ok());
  env_.SetSyncError(IOError("EIO"));
  ASSERT_TRUE(f->Append("b").ok());
  EXPECT_EQ(f->Sync().code(), StatusCode::kIOError);
  env_.SetSyncError(Status::Ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/f"), "a");
}

TEST_F(FaultInjectionEnvTest, SyncHookRunsBeforeEverySync) {
  WritableFilePtr f = *env_.NewWritableFile("/d/f");
  int calls = 0;
  env_.SetSyncHook([&calls] { calls++; });
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(calls, 2);
  env_.SetSyncHook(nullptr);
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(FaultInjectionEnvTest, RenameCarriesSyncState) {
  WritableFilePtr f = *env_.NewWritableFile("/d/tmp");
  ASSERT_TRUE(f->Append("abc").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append("def").ok());
  ASSERT_TRUE(env_.RenameFile("/d/tmp", "/d/final").ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(f->Append("ghi").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents("/d/final"), "abc");
}

TEST_F(FaultInjectionEnvTest, CorruptFileFlipsBits) {
  WritableFilePtr f = *env_.NewWritableFile("/d/f");
  ASSERT_TRUE(f->Append("abc").ok());
  ASSERT_TRUE(env_.CorruptFile("/d/f", 1, 0x01).ok());
  EXPECT_EQ(Contents("/d/f"), "acc");
  EXPECT_EQ(env_.CorruptFile("/d/f", 3, 0x01).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env_.CorruptFile("/d/missing", 0, 0x01).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace logstack
