#pragma once

// Env: all file-system access of the storage engine goes through this
// interface, so that tests can run on an in-memory file system (MemEnv) and on
// one that injects faults and drops unsynced data on a simulated crash
// (FaultInjectionEnv).
//
// Paths are plain strings joined with '/'. Every method returns OK iff the
// operation succeeded; on failure the Status names the path and the reason.
//
// Thread safety: an Env is safe to use from many threads. A file object is
// used by one thread at a time unless its comment says otherwise.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstack {

// A file written sequentially. Data reaches the OS on Flush() and stable
// storage on Sync(); a crash may lose anything not yet synced.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Flush() = 0;
  // Flushes and makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes in the file, including appended data not yet flushed.
  virtual uint64_t Size() const = 0;
};
using WritableFilePtr = std::unique_ptr<WritableFile>;

// A file read from start to end.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch (which must hold n bytes) and returns the
  // bytes read, which may point into scratch. An empty result means end of file.
  virtual StatusOr<std::string_view> Read(size_t n, char* scratch) = 0;
  virtual Status Skip(uint64_t n) = 0;
};
using SequentialFilePtr = std::unique_ptr<SequentialFile>;

// A file read at arbitrary offsets. Safe for concurrent reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset into scratch and returns them (fewer at end
  // of file). The result may point into scratch.
  virtual StatusOr<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const = 0;
  virtual uint64_t Size() const = 0;
};
using RandomAccessFilePtr = std::unique_ptr<RandomAccessFile>;

class Env {
 public:
  virtual ~Env() = default;

  // The real file system. Lives forever.
  static Env* Default();

  // Creates or truncates the file.
  virtual StatusOr<WritableFilePtr> NewWritableFile(const std::string& path) = 0;
  // Opens for appending, creating the file when it does not exist.
  virtual StatusOr<WritableFilePtr> NewAppendableFile(const std::string& path) = 0;
  virtual StatusOr<SequentialFilePtr> NewSequentialFile(const std::string& path) = 0;
  virtual StatusOr<RandomAccessFilePtr> NewRandomAccessFile(const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries of dir, without "." and "..".
  virtual StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Creates dir and any missing parents. OK if it already exists.
  virtual Status CreateDirs(const std::string& dir) = 0;
  // Removes dir and everything under it. OK if it does not exist.
  virtual Status RemoveDirRecursively(const std::string& dir) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Shrinks (or extends with zeros) the file to size bytes.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // The size of the file system holding path, and the bytes free on it for an
  // unprivileged writer.
  struct DiskSpace {
    uint64_t capacity = 0;
    uint64_t available = 0;
  };
  virtual StatusOr<DiskSpace> GetDiskSpace(const std::string& path) = 0;
  // GetDiskSpace(path).available.
  StatusOr<uint64_t> GetFreeSpace(const std::string& path);
};

// Joins two path parts with exactly one '/'.
std::string JoinPath(std::string_view a, std::string_view b);
// The part of path before the last '/', or "." when there is none.
std::string DirName(std::string_view path);

// Reads a whole file into a string.
StatusOr<std::string> ReadFileToString(Env* env, const std::string& path);
// Writes a file atomically: to path + ".tmp", synced, renamed over path, dir synced.
Status WriteFileAtomically(Env* env, const std::string& path, std::string_view data);

}  // namespace logstack
