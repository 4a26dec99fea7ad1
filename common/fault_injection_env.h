#pragma once

// FaultInjectionEnv: an Env that wraps another one (usually a MemEnv) to test
// crash safety and error handling.
//
// What a simulated crash models (a power loss, or SIGKILL followed by the OS
// losing its page cache):
//  - Data appended to a file but not yet Sync()ed is lost: the file goes back
//    to the size it had at its last Sync(). DropRandomUnsyncedData() instead
//    keeps a random prefix of the unsynced tail, as a torn write would.
//  - A file created through this Env is forgotten entirely unless SyncDir()
//    was called on its directory after the creation.
// What it does not model: renames, removals and shrinking truncations are
// durable at once; data is lost only at the tail of a file, never in the middle; files
// that existed before they were first opened for writing through this Env are
// assumed durable as they were. Files are tracked by the path they were opened
// with, so spell paths consistently (as JoinPath does).
//
// Errors can be injected into WritableFile::Append() and Sync(), optionally
// after a number of calls that still succeed.
//
// Thread safety: safe to use from many threads. Write operations of all files
// are serialized by one mutex, so a crash simulated from one thread happens
// atomically with respect to writes in other threads: a Sync() that returned OK
// before SimulateCrash() started is never undone by it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"

namespace logstack {

class FaultInjectionEnv final : public Env {
 public:
  // base must outlive this Env, and this Env every file opened through it.
  explicit FaultInjectionEnv(Env* base);
  FaultInjectionEnv(const FaultInjectionEnv&) = delete;
  FaultInjectionEnv& operator=(const FaultInjectionEnv&) = delete;
  ~FaultInjectionEnv() override;

  // --- Env. While the file system is inactive (see SetFilesystemActive) every
  // call that would change it fails with IOError; reads still work.
  StatusOr<WritableFilePtr> NewWritableFile(const std::string& path) override;
  StatusOr<WritableFilePtr> NewAppendableFile(const std::string& path) override;
  StatusOr<SequentialFilePtr> NewSequentialFile(const std::string& path) override;
  StatusOr<RandomAccessFilePtr> NewRandomAccessFile(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override;
  StatusOr<uint64_t> GetFileSize(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDirs(const std::string& dir) override;
  Status RemoveDirRecursively(const std::string& dir) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  StatusOr<DiskSpace> GetDiskSpace(const std::string& path) override;

  // --- Crash simulation.

  // Truncates every file written through this Env to the size it had at its
  // last successful Sync() (0 if never synced). Afterwards all files count as
  // fully synced.
  Status DropUnsyncedData();
  // Like DropUnsyncedData(), but keeps a pseudo-random prefix (chosen from
  // seed, possibly empty or all of it) of each file's unsynced tail.
  Status DropRandomUnsyncedData(uint64_t seed);
  // Removes the files created through this Env since the last SyncDir() of
  // their directory.
  Status RemoveFilesCreatedAfterLastDirSync();
  // While inactive, writes, syncs and every change to the file system fail
  // with IOError, as if the process were gone. Active initially.
  void SetFilesystemActive(bool active);
  // Atomically: makes the file system inactive, removes files created since
  // their directory's last sync, then drops unsynced data (all of it, or a
  // random part of it when torn_write_seed is set). Call
  // SetFilesystemActive(true) before "restarting" on this Env.
  Status SimulateCrash(std::optional<uint64_t> torn_write_seed = std::nullopt);

  // --- Error injection. An OK status clears the injection.

  // After `after` more successful WritableFile::Append() calls (of any file),
  // every Append() fails with error, writing nothing, until cleared.
  void SetWriteError(Status error, uint64_t after = 0);
  // The same for WritableFile::Sync(). A failed Sync() makes nothing durable.
  void SetSyncError(Status error, uint64_t after = 0);
  // Runs hook at the start of every WritableFile::Sync(), outside this Env's
  // lock: to stall syncs (tests of group commit) or to act just before one.
  // An empty function clears it.
  void SetSyncHook(std::function<void()> hook);

  // --- Helpers.

  // XORs the byte at offset with xor_mask, in place (not through any open
  // file object; no sync bookkeeping changes). OutOfRange if offset is not
  // inside the file.
  Status CorruptFile(const std::string& path, uint64_t offset, uint8_t xor_mask);

 private:
  friend class FaultInjectionWritableFile;

  // Bookkeeping of one file written through this Env; shared with its open
  // WritableFile objects so that renames keep it attached.
  struct FileInfo {
    uint64_t synced_size = 0;
    bool created_since_dir_sync = false;
  };

  // An injected error: fails every call after `remaining_ok` more successes.
  struct Injection {
    Status error;
    uint64_t remaining_ok = 0;
  };

  StatusOr<WritableFilePtr> OpenWritable(const std::string& path, bool truncate);
  Status CheckActiveLocked(const std::string& op) const;
  // Returns the error to fail this call with, or OK (and counts the success).
  static Status NextInjectedLocked(Injection* injection);
  Status DropUnsyncedLocked(std::optional<uint64_t> seed);
  Status RemoveUnsyncedFilesLocked();

  Env* const base_;
  std::mutex mu_;
  bool active_ = true;                                      // GUARDED_BY(mu_)
  std::map<std::string, std::shared_ptr<FileInfo>> files_;  // GUARDED_BY(mu_), by path
  Injection write_error_;                                   // GUARDED_BY(mu_)
  Injection sync_error_;                                    // GUARDED_BY(mu_)
  std::shared_ptr<const std::function<void()>> sync_hook_;  // GUARDED_BY(mu_)
};

}  // namespace logstack
