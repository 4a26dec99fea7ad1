#include "common/mem_env.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace logstack {
namespace {

std::vector<std::string> Children(Env* env, const std::string& dir) {
  StatusOr<std::vector<std::string>> c = env->GetChildren(dir);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : std::vector<std::string>{};
}

TEST(MemEnvTest, WriteReadRoundTrip) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/data").ok());
  {
    StatusOr<WritableFilePtr> f = env.NewWritableFile("/data/a");
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->Append("hello ").ok());
    ASSERT_TRUE((*f)->Append("world").ok());
    EXPECT_EQ((*f)->Size(), 11u);
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Close().ok());
    EXPECT_FALSE((*f)->Append("x").ok());
  }
  EXPECT_TRUE(env.FileExists("/data/a"));
  EXPECT_EQ(*env.GetFileSize("/data/a"), 11u);
  EXPECT_EQ(*ReadFileToString(&env, "/data/a"), "hello world");

  StatusOr<SequentialFilePtr> seq = env.NewSequentialFile("/data/a");
  ASSERT_TRUE(seq.ok());
  char scratch[16];
  EXPECT_EQ(*(*seq)->Read(5, scratch), "hello");
  ASSERT_TRUE((*seq)->Skip(1).ok());
  EXPECT_EQ(*(*seq)->Read(16, scratch), "world");
  EXPECT_EQ(*(*seq)->Read(16, scratch), "");

  StatusOr<RandomAccessFilePtr> ra = env.NewRandomAccessFile("/data/a");
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ((*ra)->Size(), 11u);
  EXPECT_EQ(*(*ra)->Read(6, 100, scratch), "world");
  EXPECT_EQ(*(*ra)->Read(0, 5, scratch), "hello");
  EXPECT_EQ(*(*ra)->Read(11, 5, scratch), "");
  EXPECT_EQ(*(*ra)->Read(50, 5, scratch), "");
}

TEST(MemEnvTest, MissingFilesAndDirectories) {
  MemEnv env;
  EXPECT_EQ(env.NewSequentialFile("/nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env.NewRandomAccessFile("/nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env.GetFileSize("/nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env.RemoveFile("/nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(env.TruncateFile("/nope", 1).code(), StatusCode::kNotFound);
  // Like open(2): the parent directory must exist.
  EXPECT_EQ(env.NewWritableFile("/no/dir/f").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env.NewAppendableFile("/no/dir/f").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env.GetChildren("/no").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env.SyncDir("/no").code(), StatusCode::kNotFound);
  EXPECT_FALSE(env.FileExists("/no"));
  // Roots always exist.
  EXPECT_TRUE(env.NewWritableFile("/top").ok());
  EXPECT_TRUE(env.NewWritableFile("relative").ok());
  EXPECT_EQ(Children(&env, "/"), std::vector<std::string>{"top"});
  EXPECT_EQ(Children(&env, "."), std::vector<std::string>{"relative"});
  EXPECT_TRUE(env.SyncDir("/").ok());
}

TEST(MemEnvTest, DirectoriesAndChildren) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d/wal").ok());
  ASSERT_TRUE(env.CreateDirs("/d/wal").ok());  // already there: OK
  ASSERT_TRUE(env.CreateDirs("/d/tenants/t1/").ok());
  ASSERT_TRUE(env.NewWritableFile("/d/wal/2.wal").ok());
  ASSERT_TRUE(env.NewWritableFile("/d/wal/1.wal").ok());
  ASSERT_TRUE(env.NewWritableFile("/d/top").ok());
  ASSERT_TRUE(env.NewWritableFile("/d/tenants/t1/index.log").ok());
  ASSERT_TRUE(env.NewWritableFile("/dx").ok());  // shares a prefix with /d

  EXPECT_EQ(Children(&env, "/d"), (std::vector<std::string>{"tenants", "top", "wal"}));
  EXPECT_EQ(Children(&env, "/d/wal"), (std::vector<std::string>{"1.wal", "2.wal"}));
  EXPECT_EQ(Children(&env, "/d//wal/"), (std::vector<std::string>{"1.wal", "2.wal"}));
  EXPECT_EQ(Children(&env, "/d/tenants"), std::vector<std::string>{"t1"});
  EXPECT_EQ(Children(&env, "/"), (std::vector<std::string>{"d", "dx"}));
  EXPECT_TRUE(env.FileExists("/d/tenants"));
  EXPECT_TRUE(env.FileExists("/d/./wal/1.wal"));

  // A file is not a directory and the other way round.
  EXPECT_FALSE(env.CreateDirs("/d/top/sub").ok());
  EXPECT_FALSE(env.NewWritableFile("/d/wal").ok());
  EXPECT_EQ(env.GetChildren("/d/top").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(env.RemoveDirRecursively("/d").ok());
  EXPECT_FALSE(env.FileExists("/d"));
  EXPECT_FALSE(env.FileExists("/d/wal/1.wal"));
  EXPECT_FALSE(env.FileExists("/d/tenants/t1"));
  EXPECT_TRUE(env.FileExists("/dx"));
  EXPECT_TRUE(env.RemoveDirRecursively("/d").ok());  // gone already: OK
  EXPECT_EQ(Children(&env, "/"), std::vector<std::string>{"dx"});
}

TEST(MemEnvTest, TruncateOnCreateAndAppendableFiles) {
  MemEnv env;
  {
    WritableFilePtr f = *env.NewWritableFile("/f");
    ASSERT_TRUE(f->Append("abc").ok());
  }
  {
    WritableFilePtr f = *env.NewAppendableFile("/f");
    EXPECT_EQ(f->Size(), 3u);
    ASSERT_TRUE(f->Append("def").ok());
  }
  EXPECT_EQ(*ReadFileToString(&env, "/f"), "abcdef");
  {
    WritableFilePtr f = *env.NewAppendableFile("/new");  // creates
    EXPECT_EQ(f->Size(), 0u);
  }
  EXPECT_TRUE(env.FileExists("/new"));
  {
    WritableFilePtr f = *env.NewWritableFile("/f");  // truncates
    EXPECT_EQ(f->Size(), 0u);
  }
  EXPECT_EQ(*env.GetFileSize("/f"), 0u);
}

TEST(MemEnvTest, TruncateFileShrinksAndExtendsWithZeros) {
  MemEnv env;
  WritableFilePtr f = *env.NewWritableFile("/f");
  ASSERT_TRUE(f->Append("abcdef").ok());
  ASSERT_TRUE(env.TruncateFile("/f", 2).ok());
  EXPECT_EQ(*ReadFileToString(&env, "/f"), "ab");
  EXPECT_EQ(f->Size(), 2u);  // open files see it: same inode
  ASSERT_TRUE(env.TruncateFile("/f", 4).ok());
  EXPECT_EQ(*ReadFileToString(&env, "/f"), std::string("ab\0\0", 4));
}

TEST(MemEnvTest, RenameReplacesTargetAndOpenFilesKeepTheirInode) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d").ok());
  WritableFilePtr a = *env.NewWritableFile("/d/a");
  ASSERT_TRUE(a->Append("A").ok());
  WritableFilePtr b = *env.NewWritableFile("/d/b");
  ASSERT_TRUE(b->Append("B").ok());
  SequentialFilePtr old_b = *env.NewSequentialFile("/d/b");

  ASSERT_TRUE(env.RenameFile("/d/a", "/d/b").ok());
  EXPECT_FALSE(env.FileExists("/d/a"));
  EXPECT_EQ(*ReadFileToString(&env, "/d/b"), "A");
  // The writer of the renamed file still writes to it.
  ASSERT_TRUE(a->Append("2").ok());
  EXPECT_EQ(*ReadFileToString(&env, "/d/b"), "A2");
  // A reader of the replaced file still reads the old contents.
  char scratch[8];
  EXPECT_EQ(*old_b->Read(8, scratch), "B");

  EXPECT_EQ(env.RenameFile("/d/missing", "/d/x").code(), StatusCode::kNotFound);
  EXPECT_EQ(env.RenameFile("/d/b", "/nodir/x").code(), StatusCode::kNotFound);
  EXPECT_EQ(Children(&env, "/d"), std::vector<std::string>{"b"});

  ASSERT_TRUE(env.RemoveFile("/d/b").ok());
  EXPECT_TRUE(a->Append("3").ok());  // unlinked but open: still writable
  EXPECT_FALSE(env.FileExists("/d/b"));
}

TEST(MemEnvTest, WriteFileAtomicallyAndFreeSpace) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d").ok());
  ASSERT_TRUE(WriteFileAtomically(&env, "/d/cfg", "v1").ok());
  ASSERT_TRUE(WriteFileAtomically(&env, "/d/cfg", "v2").ok());
  EXPECT_EQ(*ReadFileToString(&env, "/d/cfg"), "v2");
  EXPECT_EQ(Children(&env, "/d"), std::vector<std::string>{"cfg"});
  EXPECT_GT(*env.GetFreeSpace("/d"), 0u);
  env.SetFreeSpace(123);
  EXPECT_EQ(*env.GetFreeSpace("/d"), 123u);
}

TEST(MemEnvTest, ConcurrentWritersAndReaders) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d").ok());
  constexpr int kThreads = 4;
  constexpr int kAppends = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&env, t] {
      const std::string path = "/d/f" + std::to_string(t);
      WritableFilePtr f = *env.NewWritableFile(path);
      for (int i = 0; i < kAppends; i++) {
        ASSERT_TRUE(f->Append("x").ok());
        StatusOr<uint64_t> size = env.GetFileSize(path);
        ASSERT_TRUE(size.ok());
        ASSERT_EQ(*size, static_cast<uint64_t>(i + 1));
        (void)env.GetChildren("/d");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(Children(&env, "/d").size(), static_cast<size_t>(kThreads));
  for (int t = 0; t < kThreads; t++) {
    EXPECT_EQ(*env.GetFileSize("/d/f" + std::to_string(t)), static_cast<uint64_t>(kAppends));
  }
}

}  // namespace
}  // namespace logstack
