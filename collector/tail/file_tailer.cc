#include "collector/tail/file_tailer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <tuple>

#include "common/crc32c.h"
#include "common/env.h"
#include "common/logging.h"

namespace logstack::collector::tail {
namespace {

// Suffixes of rotated siblings that are not plain log text: compressed files
// and kubelet's half-written compressed file (<name>.<ts>.tmp).
constexpr std::string_view kNotPlain[] = {".gz",  ".tmp", ".bz2", ".xz",
                                          ".zst", ".lz4", ".zip", ".Z"};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

ssize_t PreadFull(int fd, char* buf, size_t n, int64_t offset) {
  while (true) {
    ssize_t r = ::pread(fd, buf, n, offset);
    if (r >= 0 || errno != EINTR) return r;
  }
}

// The offset after the last '\n' in the file's last 64 KiB, or its size.
int64_t EndOfLastLine(int fd, int64_t size) {
  if (size == 0) return 0;
  char buf[64 * 1024];
  const int64_t n = std::min<int64_t>(size, sizeof(buf));
  const ssize_t got = PreadFull(fd, buf, static_cast<size_t>(n), size - n);
  if (got != n) return size;
  const void* nl = ::memrchr(buf, '\n', static_cast<size_t>(n));
  if (nl == nullptr) return size;
  return size - n + (static_cast<const char*>(nl) - buf) + 1;
}

// CRC-32C of the first fp.len bytes of the file equals fp.crc.
bool FingerprintMatches(int fd, const positions::Fingerprint& fp) {
  if (fp.len == 0) return true;
  char buf[positions::kFingerprintBytes];
  const ssize_t got = PreadFull(fd, buf, fp.len, 0);
  return got == static_cast<ssize_t>(fp.len) &&
         crc32c::Value(std::string_view(buf, fp.len)) == fp.crc;
}

// The fingerprint of an open file: CRC-32C of its first bytes, as many as
// kFingerprintBytes or its size.
positions::Fingerprint FileFingerprint(int fd) {
  char buf[positions::kFingerprintBytes];
  const ssize_t got = PreadFull(fd, buf, sizeof(buf), 0);
  if (got <= 0) return {};
  return {static_cast<uint32_t>(got),
          crc32c::Value(std::string_view(buf, static_cast<size_t>(got)))};
}

std::optional<positions::Fingerprint> PathFingerprint(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  positions::Fingerprint fp = FileFingerprint(fd);
  ::close(fd);
  return fp;
}

}  // namespace

positions::Fingerprint FileTailer::GzipHead::Fingerprint() const {
  return {static_cast<uint32_t>(bytes.size()), crc32c::Value(bytes)};
}

std::optional<FileTailer::GzipHead> FileTailer::ReadGzipHead(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return std::nullopt;
  GzipHead head;
  head.bytes.resize(positions::kFingerprintBytes);
  int got = 0;
  while (got < static_cast<int>(head.bytes.size())) {
    const int r =
        gzread(gz, head.bytes.data() + got, static_cast<unsigned>(head.bytes.size()) - got);
    if (r < 0) {
      gzclose(gz);
      return std::nullopt;
    }
    if (r == 0) break;
    got += r;
  }
  gzclose(gz);
  head.bytes.resize(static_cast<size_t>(got));
  return head;
}

struct FileTailer::File {
  int fd = -1;
  gzFile gz = nullptr;  // a decompressed .gz sibling; owns fd then
  std::string name;     // the name it was opened by, for the log
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t offset = 0;  // the next byte to read (decompressed bytes for gz)
  uint64_t source = 0;
  positions::Fingerprint fp;

  File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() {
    if (gz != nullptr) {
      gzclose(gz);
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
};

FileTailer::FileTailer(std::string path, TailerOptions options, SourceTable* sources,
                       TailStats* stats)
    : path_(std::move(path)),
      dir_(DirName(path_)),
      base_(BaseName(path_)),
      options_(options),
      sources_(sources),
      stats_(stats) {}

FileTailer::~FileTailer() {
  for (const auto& f : files_) sources_->Release(f->source);
  Add(stats_->open_files, -static_cast<int64_t>(files_.size()));
}

std::vector<FileTailer::Sibling> FileTailer::ListSiblings(bool gzip) const {
  std::vector<Sibling> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() <= base_.size() + 1 || name.substr(0, base_.size()) != base_ ||
        name[base_.size()] != '.') {
      continue;
    }
    const bool is_gzip = EndsWith(name, ".gz");
    if (gzip != is_gzip) continue;
    if (!gzip && std::any_of(std::begin(kNotPlain), std::end(kNotPlain),
                             [&](std::string_view s) { return EndsWith(name, s); })) {
      continue;
    }
    Sibling s;
    s.path = JoinPath(dir_, name);
    struct stat st;
    if (::stat(s.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.size = st.st_size;
    s.mtime_ns = MtimeNs(st);
    out.push_back(std::move(s));
  }
  ::closedir(d);
  // Oldest first: by last write, then by name (kubelet's suffixes are times).
  std::sort(out.begin(), out.end(), [](const Sibling& a, const Sibling& b) {
    return std::tie(a.mtime_ns, a.path) < std::tie(b.mtime_ns, b.path);
  });
  return out;
}

bool FileTailer::IsOpen(uint64_t dev, uint64_t ino) const {
  return std::any_of(files_.begin(), files_.end(), [&](const std::unique_ptr<File>& f) {
    return f->gz == nullptr && f->dev == dev && f->ino == ino;
  });
}

bool FileTailer::IsSeen(uint64_t dev, uint64_t ino) const {
  return std::any_of(seen_.begin(), seen_.end(),
                     [&](const Seen& s) { return s.dev == dev && s.ino == ino; });
}

void FileTailer::IgnoreExistingSiblings() {
  for (const Sibling& s : ListSiblings(false)) {
    if (IsSeen(s.dev, s.ino)) continue;
    seen_.push_back({s.dev, s.ino});
    // Kubelet will compress it: its .gz must be known as old too.
    if (std::optional<positions::Fingerprint> fp = PathFingerprint(s.path)) RememberContent(*fp);
  }
  for (const Sibling& g : ListSiblings(true)) gzip_seen_.insert(g.path);
}

void FileTailer::RememberContent(const positions::Fingerprint& fp) {
  known_content_.push_back(fp);
  while (known_content_.size() > kKnownContent) known_content_.pop_front();
}

bool FileTailer::IsKnownContent(const GzipHead& head) const {
  const positions::Fingerprint fp = head.Fingerprint();
  if (std::find(known_content_.begin(), known_content_.end(), fp) != known_content_.end()) {
    return true;
  }
  return std::any_of(files_.begin(), files_.end(), [&](const std::unique_ptr<File>& f) {
    return f->gz != nullptr ? f->fp == fp : FileFingerprint(f->fd) == fp;
  });
}

void FileTailer::OpenMissedGzipSiblings() {
  std::vector<Sibling> gzs = ListSiblings(true);
  std::erase_if(gzip_seen_, [&](const std::string& name) {
    return std::none_of(gzs.begin(), gzs.end(), [&](const Sibling& g) { return g.path == name; });
  });
  for (const Sibling& g : gzs) {
    if (gzip_seen_.count(g.path) != 0) continue;
    // While the uncompressed file is still there, the .gz may be half
    // written (gzip(1) writes in place; kubelet renames, then deletes): the
    // uncompressed one is read instead, as a plain sibling.
    if (::access(g.path.substr(0, g.path.size() - 3).c_str(), F_OK) == 0) continue;
    std::optional<GzipHead> head = ReadGzipHead(g.path);
    if (!head) continue;  // unreadable for now: looked at again next time
    gzip_seen_.insert(g.path);
    if (IsKnownContent(*head)) continue;
    if (OpenGzip(g, 0, g.dev, g.ino, head->Fingerprint())) {
      Add(stats_->missed_rotations_recovered);
      LOG_WARN("component=tail op=rotate path={} recovered_compressed={}", Quote(path_),
               Quote(g.path));
    }
  }
}

bool FileTailer::OpenFile(const std::string& path, int64_t offset, const Sibling* expect) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT && expect != nullptr && !expect->is_path) {
      Add(stats_->files_lost);
      Add(stats_->bytes_lost, static_cast<uint64_t>(expect->size));
      LOG_WARN("component=tail op=open path={} error=vanished lost_bytes={}", Quote(path),
               expect->size);
    } else if (err != ENOENT) {
      Add(stats_->read_errors);
      LOG_WARN("component=tail op=open path={} error={}", Quote(path), Quote(std::strerror(err)));
    }
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Add(stats_->read_errors);
    ::close(fd);
    return false;
  }
  if (expect != nullptr && (st.st_dev != expect->dev || st.st_ino != expect->ino)) {
    // The name now holds another file: the one listed is gone.
    ::close(fd);
    if (!expect->is_path) {
      Add(stats_->files_lost);
      Add(stats_->bytes_lost, static_cast<uint64_t>(expect->size));
      LOG_WARN("component=tail op=open path={} error=replaced lost_bytes={}", Quote(path),
               expect->size);
    }
    return false;
  }
  if (IsOpen(st.st_dev, st.st_ino)) {
    ::close(fd);
    return false;
  }
  auto f = std::make_unique<File>();
  f->fd = fd;
  f->name = path;
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  f->offset = offset < 0 ? EndOfLastLine(fd, st.st_size) : offset;
  f->source = sources_->Register({path_, f->dev, f->ino, {}});
  UpdateFingerprint(f.get());
  files_.push_back(std::move(f));
  Add(stats_->files_opened);
  Add(stats_->open_files, 1);
  return true;
}

bool FileTailer::OpenGzip(const Sibling& sib, int64_t offset, uint64_t dev, uint64_t ino,
                          const positions::Fingerprint& fp) {
  const int fd = ::open(sib.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      Add(stats_->files_lost);
      Add(stats_->bytes_lost, static_cast<uint64_t>(sib.size));
    }
    return false;
  }
  gzFile gz = gzdopen(fd, "rb");
  if (gz == nullptr) {
    ::close(fd);
    return false;
  }
  gzbuffer(gz, 128 * 1024);
  if (offset > 0 && gzseek(gz, offset, SEEK_SET) != offset) {
    gzclose(gz);
    return false;
  }
  auto f = std::make_unique<File>();
  f->fd = fd;
  f->gz = gz;
  f->name = sib.path;
  f->dev = dev;
  f->ino = ino;
  f->offset = offset;
  f->fp = fp;
  f->source = sources_->Register({path_, dev, ino, fp});
  files_.push_back(std::move(f));
  Add(stats_->files_opened);
  Add(stats_->open_files, 1);
  return true;
}

void FileTailer::Start(const positions::StartPoint& start) {
  struct stat st;
  path_exists_ = ::stat(path_.c_str(), &st) == 0;
  switch (start.kind) {
    case positions::StartKind::kBeginning:
    case positions::StartKind::kEnd:
      IgnoreExistingSiblings();
      if (path_exists_) {
        const bool at_end = start.kind == positions::StartKind::kEnd;
        if (OpenFile(path_, at_end ? -1 : 0, nullptr) && at_end) Add(stats_->started_at_end);
      }
      break;
    case positions::StartKind::kResume:
      Resume(start.record);
      break;
  }
}

void FileTailer::Resume(const positions::Record& rec) {
  std::vector<Sibling> cands = ListSiblings(false);
  const std::vector<Sibling> gzs = ListSiblings(true);
  for (const Sibling& g : gzs) gzip_seen_.insert(g.path);  // older, or handled below
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0) {
    Sibling self;
    self.path = path_;
    self.dev = st.st_dev;
    self.ino = st.st_ino;
    self.size = st.st_size;
    self.mtime_ns = MtimeNs(st);
    self.is_path = true;
    cands.push_back(std::move(self));  // the path is the newest, whatever its mtime
  }
  auto match = std::find_if(cands.begin(), cands.end(),
                            [&](const Sibling& s) { return s.dev == rec.dev && s.ino == rec.ino; });
  if (match != cands.end() && OpenFile(match->path, rec.offset, &*match)) {
    File* f = files_.back().get();
    if (FingerprintMatches(f->fd, rec.fingerprint)) {
      if (match->size < rec.offset) {
        Add(stats_->truncations);
        LOG_WARN("component=tail op=resume path={} error=truncated offset={} size={}",
                 Quote(match->path), rec.offset, match->size);
        f->offset = 0;
      }
      Add(stats_->resumed);
      for (auto it = cands.begin(); it != match; ++it) {
        seen_.push_back({it->dev, it->ino});
        if (std::optional<positions::Fingerprint> fp = PathFingerprint(it->path)) {
          RememberContent(*fp);
        }
      }
      for (auto it = match + 1; it != cands.end(); ++it) OpenFile(it->path, 0, &*it);
      return;
    }
    // The inode number was reused by another file (or the file was
    // truncated and refilled): the saved file is gone.
    Add(stats_->resume_fingerprint_mismatch);
    sources_->Release(f->source);
    files_.pop_back();
    Add(stats_->open_files, -1);
  }
  Add(stats_->resume_file_missing);
  LOG_WARN("component=tail op=resume path={} error=saved_file_gone dev={} ino={} offset={}",
           Quote(path_), rec.dev, rec.ino, rec.offset);
  // The saved file was rotated on and then compressed or deleted, so every
  // plain sibling left is newer. Its compressed copy, and the compressed
  // files newer than it, come before them.
  const positions::Fingerprint& fp = rec.fingerprint;
  bool found = false;
  for (const Sibling& g : gzs) {
    if (::access(g.path.substr(0, g.path.size() - 3).c_str(), F_OK) == 0) continue;
    std::optional<GzipHead> head = ReadGzipHead(g.path);
    if (!head) continue;
    if (!found) {
      if (fp.len == 0 || head->bytes.size() < fp.len ||
          crc32c::Value(std::string_view(head->bytes).substr(0, fp.len)) != fp.crc) {
        continue;
      }
      if (OpenGzip(g, rec.offset, rec.dev, rec.ino, fp)) {
        found = true;
        Add(stats_->resumed_from_gzip);
        LOG_INFO("component=tail op=resume path={} from={} offset={}", Quote(path_), Quote(g.path),
                 rec.offset);
      }
    } else if (!IsKnownContent(*head)) {
      OpenGzip(g, 0, g.dev, g.ino, head->Fingerprint());
    }
  }
  for (const Sibling& c : cands) OpenFile(c.path, 0, &c);
}

void FileTailer::Refresh() {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    path_exists_ = false;
    return;
  }
  path_exists_ = true;
  if (IsOpen(st.st_dev, st.st_ino)) return;
  // The path names a file not open yet. Hold it open first: whatever rotated
  // before this moment is now a sibling, listed below.
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // gone again; the next event or rescan looks again
  struct stat now;
  if (::fstat(fd, &now) != 0 || IsOpen(now.st_dev, now.st_ino)) {
    ::close(fd);
    return;
  }
  OpenMissedGzipSiblings();
  std::vector<Sibling> sibs = ListSiblings(false);
  // Forget siblings that are gone: their inode numbers may be reused.
  std::erase_if(seen_, [&](const Seen& s) {
    return std::none_of(sibs.begin(), sibs.end(),
                        [&](const Sibling& x) { return x.dev == s.dev && x.ino == s.ino; });
  });
  for (const Sibling& s : sibs) {
    if (IsOpen(s.dev, s.ino) || IsSeen(s.dev, s.ino)) continue;
    if (s.dev == now.st_dev && s.ino == now.st_ino) continue;  // rotated since we opened it
    if (OpenFile(s.path, 0, &s)) {
      Add(stats_->missed_rotations_recovered);
      LOG_INFO("component=tail op=rotate path={} recovered={}", Quote(path_), Quote(s.path));
    }
  }
  if (!files_.empty()) {
    Add(stats_->rotations);
    LOG_INFO("component=tail op=rotate path={} ino={}", Quote(path_), now.st_ino);
  }
  auto f = std::make_unique<File>();
  f->fd = fd;
  f->name = path_;
  f->dev = now.st_dev;
  f->ino = now.st_ino;
  f->source = sources_->Register({path_, f->dev, f->ino, {}});
  files_.push_back(std::move(f));
  Add(stats_->files_opened);
  Add(stats_->open_files, 1);
}

ssize_t FileTailer::ReadFront(File* f, std::span<char> buffer) {
  if (f->gz != nullptr) {
    const unsigned n = static_cast<unsigned>(std::min<size_t>(buffer.size(), INT_MAX));
    return gzread(f->gz, buffer.data(), n);
  }
  return PreadFull(f->fd, buffer.data(), buffer.size(), f->offset);
}

void FileTailer::UpdateFingerprint(File* f) {
  if (f->gz != nullptr || f->fp.len >= positions::kFingerprintBytes || f->offset <= f->fp.len) {
    return;
  }
  char buf[positions::kFingerprintBytes];
  const size_t n = static_cast<size_t>(std::min<int64_t>(f->offset, sizeof(buf)));
  const ssize_t got = PreadFull(f->fd, buf, n, 0);
  if (got <= static_cast<ssize_t>(f->fp.len)) return;
  f->fp = {static_cast<uint32_t>(got),
           crc32c::Value(std::string_view(buf, static_cast<size_t>(got)))};
  sources_->SetFingerprint(f->source, f->fp);
}

void FileTailer::AppendCarry(std::string_view bytes) {
  const size_t room = options_.max_line_bytes - std::min(carry_.size(), options_.max_line_bytes);
  if (bytes.size() <= room) {
    carry_.append(bytes);
    return;
  }
  carry_.append(bytes.substr(0, room));
  if (!carry_cut_) Add(stats_->long_lines_cut);
  carry_cut_ = true;
  Add(stats_->long_line_bytes_dropped, bytes.size() - room);
}

void FileTailer::Consume(File* f, std::string_view block, LineSink* sink, uint64_t* lines) {
  const char* data = block.data();
  const char* end = data + block.size();
  const int64_t base = f->offset;
  f->offset += static_cast<int64_t>(block.size());
  UpdateFingerprint(f);
  const char* p = data;
  if (!carry_.empty() || carry_cut_) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (nl == nullptr) {
      AppendCarry(block);
      return;
    }
    AppendCarry(std::string_view(p, nl - p));
    sink->OnLine(carry_, {f->source, carry_start_, base + (nl - data) + 1});
    ++*lines;
    carry_.clear();
    carry_cut_ = false;
    if (carry_.capacity() > 64 * 1024) carry_.shrink_to_fit();
    p = nl + 1;
  }
  const size_t max = options_.max_line_bytes;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (nl == nullptr) break;
    std::string_view line(p, nl - p);
    if (line.size() > max) {
      Add(stats_->long_lines_cut);
      Add(stats_->long_line_bytes_dropped, line.size() - max);
      line = line.substr(0, max);
    }
    sink->OnLine(line, {f->source, base + (p - data), base + (nl - data) + 1});
    ++*lines;
    p = nl + 1;
  }
  if (p < end) {
    carry_start_ = base + (p - data);
    AppendCarry(std::string_view(p, end - p));
  }
}

bool FileTailer::MayFinish(File* f) {
  if (f->gz != nullptr) return true;  // a complete compressed file: its end is the end
  struct stat st;
  if (::fstat(f->fd, &st) != 0) {
    Add(stats_->read_errors);
    return false;
  }
  if (st.st_nlink == 0) return true;
  if (files_.size() < 2) return false;
  const File* next = files_[1].get();
  if (next->gz != nullptr) return true;
  struct stat nst;
  return ::fstat(next->fd, &nst) == 0 && nst.st_size > 0;
}

void FileTailer::RestartTruncated(File* f) {
  Add(stats_->truncations);
  LOG_WARN("component=tail op=read path={} error=truncated offset={}", Quote(f->name), f->offset);
  sources_->Release(f->source);
  f->source = sources_->Register({path_, f->dev, f->ino, {}});
  f->offset = 0;
  f->fp = {};
  carry_.clear();
  carry_cut_ = false;
}

void FileTailer::FinishFront(LineSink* sink, uint64_t* lines) {
  File* f = files_.front().get();
  if (!carry_.empty() || carry_cut_) {
    sink->OnLine(carry_, {f->source, carry_start_, f->offset});
    ++*lines;
    carry_.clear();
    carry_cut_ = false;
    if (carry_.capacity() > 64 * 1024) carry_.shrink_to_fit();
  }
  sources_->Release(f->source);
  if (f->gz == nullptr) {
    seen_.push_back({f->dev, f->ino});
    RememberContent(FileFingerprint(f->fd));
  } else {
    RememberContent(f->fp);
  }
  files_.erase(files_.begin());
  Add(stats_->files_finished);
  Add(stats_->open_files, -1);
}

size_t FileTailer::Read(std::span<char> buffer, size_t budget, LineSink* sink) {
  size_t total = 0;
  uint64_t lines = 0;
  has_more_ = false;
  while (!files_.empty()) {
    File* f = files_.front().get();
    if (total >= budget) {
      has_more_ = true;
      break;
    }
    const std::span<char> block = buffer.first(std::min(buffer.size(), budget - total));
    ssize_t n = ReadFront(f, block);
    if (n == 0 && f->gz == nullptr) {
      struct stat st;
      if (::fstat(f->fd, &st) == 0 && st.st_size < f->offset) {
        RestartTruncated(f);
        continue;
      }
      if (!MayFinish(f)) break;
      // Data may have come between the read and the check: read once more.
      n = ReadFront(f, block);
    } else if (n == 0) {
      // The end of a .gz; zlib reports a cut-off file as an end with Z_BUF_ERROR.
      int zerr = Z_OK;
      const char* msg = gzerror(f->gz, &zerr);
      if (zerr != Z_OK) {
        Add(stats_->read_errors);
        LOG_WARN("component=tail op=read path={} error={}", Quote(f->name), Quote(msg));
      }
    }
    if (n < 0) {
      Add(stats_->read_errors);
      if (f->gz != nullptr) {
        // A damaged .gz does not get better: what follows the damage is lost.
        int zerr = 0;
        LOG_WARN("component=tail op=read path={} error={} action=skip_rest", Quote(f->name),
                 Quote(gzerror(f->gz, &zerr)));
        FinishFront(sink, &lines);
        continue;
      }
      LOG_WARN("component=tail op=read path={} error={}", Quote(f->name),
               Quote(std::strerror(errno)));
      break;
    }
    if (n > 0) {
      Consume(f, std::string_view(block.data(), static_cast<size_t>(n)), sink, &lines);
      total += static_cast<size_t>(n);
      continue;
    }
    FinishFront(sink, &lines);
  }
  Add(stats_->bytes_read, total);
  Add(stats_->lines_read, lines);
  return total;
}

int64_t FileTailer::LagBytes() const {
  int64_t lag = 0;
  for (const auto& f : files_) {
    if (f->gz != nullptr) continue;
    struct stat st;
    if (::fstat(f->fd, &st) == 0 && st.st_size > f->offset) lag += st.st_size - f->offset;
  }
  return lag;
}

std::optional<SourcePosition> FileTailer::FrontPosition() const {
  if (files_.empty()) return std::nullopt;
  SourcePosition p;
  p.source = files_.front()->source;
  p.offset = files_.front()->offset;
  return p;
}

}  // namespace logstack::collector::tail
