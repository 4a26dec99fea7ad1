#include "common/fault_injection_env.h"

#include <algorithm>
#include <random>
#include <string_view>

namespace logstack {

namespace {

// "dir/" -> "dir", so SyncDir("wal/") matches files opened as "wal/x".
std::string StripTrailingSlash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

class FaultInjectionWritableFile final : public WritableFile {
 public:
  FaultInjectionWritableFile(FaultInjectionEnv* env, WritableFilePtr base,
                             std::shared_ptr<FaultInjectionEnv::FileInfo> info)
      : env_(env), base_(std::move(base)), info_(std::move(info)) {}

  Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> l(env_->mu_);
    LOGSTACK_RETURN_IF_ERROR(env_->CheckActiveLocked("append"));
    LOGSTACK_RETURN_IF_ERROR(FaultInjectionEnv::NextInjectedLocked(&env_->write_error_));
    return base_->Append(data);
  }

  Status Flush() override {
    std::lock_guard<std::mutex> l(env_->mu_);
    LOGSTACK_RETURN_IF_ERROR(env_->CheckActiveLocked("flush"));
    return base_->Flush();
  }

  Status Sync() override {
    std::shared_ptr<const std::function<void()>> hook;
    {
      std::lock_guard<std::mutex> l(env_->mu_);
      hook = env_->sync_hook_;
    }
    if (hook != nullptr) (*hook)();
    std::lock_guard<std::mutex> l(env_->mu_);
    LOGSTACK_RETURN_IF_ERROR(env_->CheckActiveLocked("sync"));
    LOGSTACK_RETURN_IF_ERROR(FaultInjectionEnv::NextInjectedLocked(&env_->sync_error_));
    LOGSTACK_RETURN_IF_ERROR(base_->Sync());
    info_->synced_size = base_->Size();
    return Status::Ok();
  }

  Status Close() override {
    std::lock_guard<std::mutex> l(env_->mu_);
    return base_->Close();
  }

  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultInjectionEnv* const env_;
  WritableFilePtr base_;
  std::shared_ptr<FaultInjectionEnv::FileInfo> info_;  // guarded by env_->mu_
};

FaultInjectionEnv::FaultInjectionEnv(Env* base) : base_(base) {}
FaultInjectionEnv::~FaultInjectionEnv() = default;

Status FaultInjectionEnv::CheckActiveLocked(const std::string& op) const {
  if (active_) return Status::Ok();
  return IOError(op + ": file system inactive (simulated crash)");
}

Status FaultInjectionEnv::NextInjectedLocked(Injection* injection) {
  if (injection->error.ok()) return Status::Ok();
  if (injection->remaining_ok > 0) {
    injection->remaining_ok--;
    return Status::Ok();
  }
  return injection->error;
}

StatusOr<WritableFilePtr> FaultInjectionEnv::OpenWritable(const std::string& path, bool truncate) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_RETURN_IF_ERROR(CheckActiveLocked("open " + path));
  const bool existed = base_->FileExists(path);
  LOGSTACK_ASSIGN_OR_RETURN(WritableFilePtr file, truncate ? base_->NewWritableFile(path)
                                                           : base_->NewAppendableFile(path));
  std::shared_ptr<FileInfo>& info = files_[path];
  if (info == nullptr || !existed) {
    info = std::make_shared<FileInfo>();
    info->synced_size = file->Size();  // what was there before is durable
    info->created_since_dir_sync = !existed;
  }
  if (truncate) info->synced_size = 0;
  return WritableFilePtr(std::make_unique<FaultInjectionWritableFile>(this, std::move(file), info));
}

StatusOr<WritableFilePtr> FaultInjectionEnv::NewWritableFile(const std::string& path) {
  return OpenWritable(path, true);
}

StatusOr<WritableFilePtr> FaultInjectionEnv::NewAppendableFile(const std::string& path) {
  return OpenWritable(path, false);
}

StatusOr<SequentialFilePtr> FaultInjectionEnv::NewSequentialFile(const std::string& path) {
  return base_->NewSequentialFile(path);
}

StatusOr<RandomAccessFilePtr> FaultInjectionEnv::NewRandomAccessFile(const std::string& path) {
  return base_->NewRandomAccessFile(path);
}

bool FaultInjectionEnv::FileExists(const std::string& path) { return base_->FileExists(path); }

StatusOr<std::vector<std::string>> FaultInjectionEnv::GetChildren(const std::string& dir) {
  return base_->GetChildren(dir);
}

StatusOr<uint64_t> FaultInjectionEnv::GetFileSize(const std::string& path) {
  return base_->GetFileSize(path);
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_RETURN_IF_ERROR(CheckActiveLocked("unlink " + path));
  LOGSTACK_RETURN_IF_ERROR(base_->RemoveFile(path));
  files_.erase(path);
  return Status::Ok();
}

Status FaultInjectionEnv::CreateDirs(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_RETURN_IF_ERROR(CheckActiveLocked("mkdir " + dir));
  return base_->CreateDirs(dir);
}

Status FaultInjectionEnv::RemoveDirRecursively(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_RETURN_IF_ERROR(CheckActiveLocked("remove " + dir));
  LOGSTACK_RETURN_IF_ERROR(base_->RemoveDirRecursively(dir));
  const std::string prefix = StripTrailingSlash(dir) + "/";
  std::erase_if(files_, [&](const auto& kv) { return kv.first.starts_with(prefix); });
  return Status::Ok();
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_RETURN_IF_ERROR(CheckActiveLocked("rename " + from));
  LOGSTACK_RETURN_IF_ERROR(base_->RenameFile(from, to));
  auto it = files_.find(from);
  if (it == files_.end()) {
    files_.erase(to);  // `to` now holds durable data we never saw written
  } else if (from != to) {
    std::shared_ptr<FileInfo> info = std::move(it->second);
    files_.erase(it);
    files_[to] = std::move(info);
  }
  return Status::Ok();
}

Status FaultInjectionEnv::TruncateFile(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_RETURN_IF_ERROR(CheckActiveLocked("truncate " + path));
  LOGSTACK_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  auto it = files_.find(path);
  if (it != files_.end()) it->second->synced_size = std::min(it->second->synced_size, size);
  return Status::Ok();
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_RETURN_IF_ERROR(CheckActiveLocked("fsync dir " + dir));
  LOGSTACK_RETURN_IF_ERROR(base_->SyncDir(dir));
  const std::string d = StripTrailingSlash(dir);
  for (auto& [path, info] : files_) {
    if (DirName(path) == d) info->created_since_dir_sync = false;
  }
  return Status::Ok();
}

StatusOr<Env::DiskSpace> FaultInjectionEnv::GetDiskSpace(const std::string& path) {
  return base_->GetDiskSpace(path);
}

Status FaultInjectionEnv::DropUnsyncedLocked(std::optional<uint64_t> seed) {
  std::mt19937_64 rng(seed.value_or(0));
  for (auto& [path, info] : files_) {
    StatusOr<uint64_t> size = base_->GetFileSize(path);
    if (!size.ok()) continue;  // removed behind our back: nothing to drop
    uint64_t keep = std::min(*size, info->synced_size);
    if (seed.has_value() && *size > keep) {
      keep += std::uniform_int_distribution<uint64_t>(0, *size - keep)(rng);
    }
    if (keep < *size) LOGSTACK_RETURN_IF_ERROR(base_->TruncateFile(path, keep));
    info->synced_size = keep;
  }
  return Status::Ok();
}

Status FaultInjectionEnv::RemoveUnsyncedFilesLocked() {
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->second->created_since_dir_sync) {
      if (base_->FileExists(it->first)) LOGSTACK_RETURN_IF_ERROR(base_->RemoveFile(it->first));
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  return Status::Ok();
}

Status FaultInjectionEnv::DropUnsyncedData() {
  std::lock_guard<std::mutex> l(mu_);
  return DropUnsyncedLocked(std::nullopt);
}

Status FaultInjectionEnv::DropRandomUnsyncedData(uint64_t seed) {
  std::lock_guard<std::mutex> l(mu_);
  return DropUnsyncedLocked(seed);
}

Status FaultInjectionEnv::RemoveFilesCreatedAfterLastDirSync() {
  std::lock_guard<std::mutex> l(mu_);
  return RemoveUnsyncedFilesLocked();
}

void FaultInjectionEnv::SetFilesystemActive(bool active) {
  std::lock_guard<std::mutex> l(mu_);
  active_ = active;
}

Status FaultInjectionEnv::SimulateCrash(std::optional<uint64_t> torn_write_seed) {
  std::lock_guard<std::mutex> l(mu_);
  active_ = false;
  LOGSTACK_RETURN_IF_ERROR(RemoveUnsyncedFilesLocked());
  return DropUnsyncedLocked(torn_write_seed);
}

void FaultInjectionEnv::SetWriteError(Status error, uint64_t after) {
  std::lock_guard<std::mutex> l(mu_);
  write_error_ = Injection{std::move(error), after};
}

void FaultInjectionEnv::SetSyncError(Status error, uint64_t after) {
  std::lock_guard<std::mutex> l(mu_);
  sync_error_ = Injection{std::move(error), after};
}

void FaultInjectionEnv::SetSyncHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> l(mu_);
  sync_hook_ = hook ? std::make_shared<const std::function<void()>>(std::move(hook)) : nullptr;
}

Status FaultInjectionEnv::CorruptFile(const std::string& path, uint64_t offset, uint8_t xor_mask) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_ASSIGN_OR_RETURN(std::string data, ReadFileToString(base_, path));
  if (offset >= data.size()) {
    return OutOfRange("corrupt " + path + ": offset " + std::to_string(offset) +
                      " is past the end (" + std::to_string(data.size()) + " bytes)");
  }
  data[offset] = static_cast<char>(static_cast<uint8_t>(data[offset]) ^ xor_mask);
  LOGSTACK_ASSIGN_OR_RETURN(WritableFilePtr file, base_->NewWritableFile(path));
  LOGSTACK_RETURN_IF_ERROR(file->Append(data));
  LOGSTACK_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

}  // namespace logstack
