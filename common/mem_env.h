#pragma once

// MemEnv: an Env whose files live in memory, for tests of everything that
// stores data (the WAL, chunks, the index log) and for fuzzers.
//
// It follows POSIX where tests could notice the difference:
//  - Directories are explicit. CreateDirs() makes them; creating a file or
//    renaming onto a path whose parent directory does not exist fails with
//    NotFound, as open(2) would. "/" and "." (the parent of a relative name)
//    always exist.
//  - A file is an inode: NewWritableFile() on an existing path truncates it in
//    place, and file objects still open on a removed or renamed-over file keep
//    working on the old contents.
//  - Nothing is ever lost: Sync() and SyncDir() are no-ops here. Wrap a MemEnv
//    in a FaultInjectionEnv to simulate losing unsynced data.
//
// Paths are normalized: repeated '/', trailing '/' and "." components are
// ignored ("a//b/./c/" is "a/b/c"); ".." is not resolved.
//
// Thread safety: safe to use from many threads, like every Env. A file object
// owns a reference to its file's contents, so it may outlive the MemEnv.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/env.h"

namespace logstack {

class MemEnv final : public Env {
 public:
  MemEnv() = default;
  MemEnv(const MemEnv&) = delete;
  MemEnv& operator=(const MemEnv&) = delete;
  ~MemEnv() override = default;

  StatusOr<WritableFilePtr> NewWritableFile(const std::string& path) override;
  StatusOr<WritableFilePtr> NewAppendableFile(const std::string& path) override;
  StatusOr<SequentialFilePtr> NewSequentialFile(const std::string& path) override;
  StatusOr<RandomAccessFilePtr> NewRandomAccessFile(const std::string& path) override;

  bool FileExists(const std::string& path) override;
  // Lists files and directories directly under dir. NotFound if dir is not a
  // directory.
  StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override;
  StatusOr<uint64_t> GetFileSize(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDirs(const std::string& dir) override;
  Status RemoveDirRecursively(const std::string& dir) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  // OK iff dir is a directory; there is nothing to make durable.
  Status SyncDir(const std::string& dir) override;
  // Returns the values given to SetCapacity() and SetFreeSpace() (2 TiB and
  // 1 TiB unless set).
  StatusOr<DiskSpace> GetDiskSpace(const std::string& path) override;

  void SetFreeSpace(uint64_t bytes);
  void SetCapacity(uint64_t bytes);

  // The contents of one file, shared by every object open on it.
  struct FileState;

 private:
  bool DirExistsLocked(const std::string& normalized) const;
  StatusOr<std::shared_ptr<FileState>> OpenForWriteLocked(const std::string& path, bool truncate);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_;  // by normalized path
  std::set<std::string> dirs_;                               // normalized, roots excluded
  uint64_t free_space_ = uint64_t{1} << 40;
  uint64_t capacity_ = uint64_t{2} << 40;
};

}  // namespace logstack
