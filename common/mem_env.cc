#include "common/mem_env.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace logstack {

struct MemEnv::FileState {
  std::mutex mu;
  std::string data;  // GUARDED_BY(mu)
};

namespace {

using FileState = MemEnv::FileState;

// "a//b/./c/" -> "a/b/c"; "" and "./" -> "."; "/" stays "/".
std::string Normalize(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::string out = absolute ? "/" : "";
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(pos, end - pos);
    if (!part.empty() && part != ".") {
      if (!out.empty() && out.back() != '/') out += '/';
      out += part;
    }
    pos = end + 1;
  }
  return out.empty() ? std::string(".") : out;
}

bool IsRoot(const std::string& normalized) { return normalized == "/" || normalized == "."; }

// The directory holding a normalized path.
std::string Parent(const std::string& normalized) {
  size_t pos = normalized.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return normalized.substr(0, pos);
}

// The prefix every entry under a normalized directory starts with ("" for ".").
std::string ChildPrefix(const std::string& dir) {
  if (dir == ".") return "";
  if (dir == "/") return "/";
  return dir + "/";
}

class MemWritableFile final : public WritableFile {
 public:
  explicit MemWritableFile(std::shared_ptr<FileState> file) : file_(std::move(file)) {}

  Status Append(std::string_view data) override {
    if (closed_) return FailedPrecondition("append to a closed file");
    std::lock_guard<std::mutex> l(file_->mu);
    file_->data.append(data);
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Sync() override { return Status::Ok(); }
  Status Close() override {
    closed_ = true;
    return Status::Ok();
  }
  uint64_t Size() const override {
    std::lock_guard<std::mutex> l(file_->mu);
    return file_->data.size();
  }

 private:
  std::shared_ptr<FileState> file_;
  bool closed_ = false;
};

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(std::shared_ptr<FileState> file) : file_(std::move(file)) {}

  StatusOr<std::string_view> Read(size_t n, char* scratch) override {
    std::lock_guard<std::mutex> l(file_->mu);
    const std::string& data = file_->data;
    if (pos_ >= data.size()) return std::string_view();
    size_t len = std::min<uint64_t>(n, data.size() - pos_);
    std::memcpy(scratch, data.data() + pos_, len);
    pos_ += len;
    return std::string_view(scratch, len);
  }

  Status Skip(uint64_t n) override {
    pos_ += n;
    return Status::Ok();
  }

 private:
  std::shared_ptr<FileState> file_;
  uint64_t pos_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::shared_ptr<FileState> file) : file_(std::move(file)) {}

  StatusOr<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const override {
    std::lock_guard<std::mutex> l(file_->mu);
    const std::string& data = file_->data;
    if (offset >= data.size()) return std::string_view();
    size_t len = std::min<uint64_t>(n, data.size() - offset);
    std::memcpy(scratch, data.data() + offset, len);
    return std::string_view(scratch, len);
  }

  uint64_t Size() const override {
    std::lock_guard<std::mutex> l(file_->mu);
    return file_->data.size();
  }

 private:
  std::shared_ptr<FileState> file_;
};

}  // namespace

bool MemEnv::DirExistsLocked(const std::string& normalized) const {
  return IsRoot(normalized) || dirs_.count(normalized) > 0;
}

StatusOr<std::shared_ptr<FileState>> MemEnv::OpenForWriteLocked(const std::string& path,
                                                                bool truncate) {
  std::string p = Normalize(path);
  if (IsRoot(p) || dirs_.count(p) > 0) return IOError("open " + path + ": is a directory");
  if (!DirExistsLocked(Parent(p))) return NotFound("open " + path + ": no such directory");
  auto it = files_.find(p);
  if (it == files_.end()) {
    it = files_.emplace(p, std::make_shared<FileState>()).first;
  } else if (truncate) {
    std::lock_guard<std::mutex> l(it->second->mu);
    it->second->data.clear();
  }
  return it->second;
}

StatusOr<WritableFilePtr> MemEnv::NewWritableFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_ASSIGN_OR_RETURN(std::shared_ptr<FileState> file, OpenForWriteLocked(path, true));
  return WritableFilePtr(std::make_unique<MemWritableFile>(std::move(file)));
}

StatusOr<WritableFilePtr> MemEnv::NewAppendableFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  LOGSTACK_ASSIGN_OR_RETURN(std::shared_ptr<FileState> file, OpenForWriteLocked(path, false));
  return WritableFilePtr(std::make_unique<MemWritableFile>(std::move(file)));
}

StatusOr<SequentialFilePtr> MemEnv::NewSequentialFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(Normalize(path));
  if (it == files_.end()) return NotFound("open " + path + ": no such file");
  return SequentialFilePtr(std::make_unique<MemSequentialFile>(it->second));
}

StatusOr<RandomAccessFilePtr> MemEnv::NewRandomAccessFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(Normalize(path));
  if (it == files_.end()) return NotFound("open " + path + ": no such file");
  return RandomAccessFilePtr(std::make_unique<MemRandomAccessFile>(it->second));
}

bool MemEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  std::string p = Normalize(path);
  return files_.count(p) > 0 || DirExistsLocked(p);
}

StatusOr<std::vector<std::string>> MemEnv::GetChildren(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  std::string d = Normalize(dir);
  if (!DirExistsLocked(d)) return NotFound("opendir " + dir + ": no such directory");
  const std::string prefix = ChildPrefix(d);
  std::vector<std::string> out;
  auto add_direct_children = [&](const auto& sorted_paths, auto key_of) {
    for (auto it = sorted_paths.lower_bound(prefix); it != sorted_paths.end(); ++it) {
      const std::string& p = key_of(*it);
      if (p.compare(0, prefix.size(), prefix) != 0) break;
      std::string_view rest = std::string_view(p).substr(prefix.size());
      // Under "." the prefix is empty, so absolute paths match too; skip them.
      if (rest.empty() || rest.front() == '/' || rest.find('/') != std::string_view::npos) {
        continue;
      }
      out.emplace_back(rest);
    }
  };
  add_direct_children(files_, [](const auto& kv) -> const std::string& { return kv.first; });
  add_direct_children(dirs_, [](const std::string& s) -> const std::string& { return s; });
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<uint64_t> MemEnv::GetFileSize(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(Normalize(path));
  if (it == files_.end()) return NotFound("stat " + path + ": no such file");
  std::lock_guard<std::mutex> fl(it->second->mu);
  return static_cast<uint64_t>(it->second->data.size());
}

Status MemEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.erase(Normalize(path)) == 0) return NotFound("unlink " + path + ": no such file");
  return Status::Ok();
}

Status MemEnv::CreateDirs(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  std::string d = Normalize(dir);
  std::vector<std::string> missing;
  for (std::string cur = d; !IsRoot(cur) && dirs_.count(cur) == 0; cur = Parent(cur)) {
    if (files_.count(cur) > 0) return IOError("mkdir " + dir + ": " + cur + " is a file");
    missing.push_back(cur);
  }
  dirs_.insert(missing.begin(), missing.end());
  return Status::Ok();
}

Status MemEnv::RemoveDirRecursively(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  std::string d = Normalize(dir);
  if (files_.count(d) > 0) return IOError("remove " + dir + ": not a directory");
  const std::string prefix = ChildPrefix(d);
  std::erase_if(files_, [&](const auto& kv) { return kv.first.starts_with(prefix); });
  std::erase_if(dirs_, [&](const std::string& p) { return p == d || p.starts_with(prefix); });
  return Status::Ok();
}

Status MemEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> l(mu_);
  std::string f = Normalize(from);
  std::string t = Normalize(to);
  auto it = files_.find(f);
  if (it == files_.end()) return NotFound("rename " + from + ": no such file");
  if (DirExistsLocked(t)) return IOError("rename " + from + " to " + to + ": is a directory");
  if (!DirExistsLocked(Parent(t))) {
    return NotFound("rename " + from + " to " + to + ": no such directory");
  }
  if (f == t) return Status::Ok();
  std::shared_ptr<FileState> file = std::move(it->second);
  files_.erase(it);
  files_[t] = std::move(file);
  return Status::Ok();
}

Status MemEnv::TruncateFile(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(Normalize(path));
  if (it == files_.end()) return NotFound("truncate " + path + ": no such file");
  std::lock_guard<std::mutex> fl(it->second->mu);
  it->second->data.resize(size, '\0');
  return Status::Ok();
}

Status MemEnv::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  if (!DirExistsLocked(Normalize(dir))) return NotFound("open dir " + dir + ": no such directory");
  return Status::Ok();
}

StatusOr<Env::DiskSpace> MemEnv::GetDiskSpace(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  return DiskSpace{capacity_, free_space_};
}

void MemEnv::SetCapacity(uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  capacity_ = bytes;
}

void MemEnv::SetFreeSpace(uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  free_space_ = bytes;
}

}  // namespace logstack
