// The real file system behind Env::Default().

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/env.h"

namespace logstack {
namespace {

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Buffers appends so small records cost no system call each.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {
    buf_.reserve(kBufferSize);
  }
  ~PosixWritableFile() override { (void)Close(); }

  Status Append(std::string_view data) override {
    if (fd_.get() < 0) return FailedPrecondition("append to closed file " + path_);
    size_ += data.size();
    if (buf_.size() + data.size() <= kBufferSize) {
      buf_.append(data);
      return Status::Ok();
    }
    LOGSTACK_RETURN_IF_ERROR(Flush());
    if (data.size() < kBufferSize) {
      buf_.append(data);
      return Status::Ok();
    }
    return WriteAll(data);
  }

  Status Flush() override {
    if (buf_.empty()) return Status::Ok();
    Status s = WriteAll(buf_);
    buf_.clear();
    return s;
  }

  Status Sync() override {
    LOGSTACK_RETURN_IF_ERROR(Flush());
    if (::fdatasync(fd_.get()) != 0) return ErrnoError("fdatasync " + path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_.get() < 0) return Status::Ok();
    Status s = Flush();
    if (::close(fd_.Release()) != 0 && s.ok()) s = ErrnoError("close " + path_, errno);
    return s;
  }

  uint64_t Size() const override { return size_; }

 private:
  static constexpr size_t kBufferSize = 64 * 1024;

  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("write " + path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  std::string path_;
  Fd fd_;
  uint64_t size_;
  std::string buf_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  StatusOr<std::string_view> Read(size_t n, char* scratch) override {
    while (true) {
      ssize_t r = ::read(fd_.get(), scratch, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("read " + path_, errno);
      }
      return std::string_view(scratch, static_cast<size_t>(r));
    }
  }

  Status Skip(uint64_t n) override {
    if (::lseek(fd_.get(), static_cast<off_t>(n), SEEK_CUR) < 0) {
      return ErrnoError("seek " + path_, errno);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  Fd fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  StatusOr<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_.get(), scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("pread " + path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return std::string_view(scratch, done);
  }

  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  Fd fd_;
  uint64_t size_;
};

class PosixEnv final : public Env {
 public:
  StatusOr<WritableFilePtr> NewWritableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("open " + path, errno);
    return WritableFilePtr(std::make_unique<PosixWritableFile>(path, fd, 0));
  }

  StatusOr<WritableFilePtr> NewAppendableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("open " + path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return ErrnoError("stat " + path, e);
    }
    return WritableFilePtr(
        std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size)));
  }

  StatusOr<SequentialFilePtr> NewSequentialFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path, errno);
    return SequentialFilePtr(std::make_unique<PosixSequentialFile>(path, fd));
  }

  StatusOr<RandomAccessFilePtr> NewRandomAccessFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return ErrnoError("stat " + path, e);
    }
    return RandomAccessFilePtr(
        std::make_unique<PosixRandomAccessFile>(path, fd, static_cast<uint64_t>(st.st_size)));
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoError("opendir " + dir, errno);
    std::vector<std::string> out;
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
  }

  StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat " + path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoError("unlink " + path, errno);
    return Status::Ok();
  }

  Status CreateDirs(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return IOError("mkdir " + dir + ": " + ec.message());
    return Status::Ok();
  }

  Status RemoveDirRecursively(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) return IOError("remove " + dir + ": " + ec.message());
    return Status::Ok();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoError("rename " + from + " to " + to, errno);
    }
    return Status::Ok();
  }

  Status TruncateFile(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return ErrnoError("truncate " + path, errno);
    }
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoError("open dir " + dir, errno);
    if (::fsync(fd.get()) != 0) return ErrnoError("fsync dir " + dir, errno);
    return Status::Ok();
  }

  StatusOr<DiskSpace> GetDiskSpace(const std::string& path) override {
    struct statvfs st;
    if (::statvfs(path.c_str(), &st) != 0) return ErrnoError("statvfs " + path, errno);
    DiskSpace d;
    d.capacity = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
    d.available = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    return d;
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: used until exit
  return env;
}

}  // namespace logstack
