#include "collector/tail/discovery.h"

#include <dirent.h>
#include <glob.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "collector/tail/pod_log_path.h"
#include "common/env.h"
#include "common/logging.h"

namespace logstack::collector::tail {
namespace {

constexpr uint32_t kDirEvents = IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM |
                                IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr uint32_t kFileDirEvents = kDirEvents | IN_MODIFY;

// Names in `dir` with their d_type (DT_UNKNOWN resolved by stat).
struct DirEntry {
  std::string name;
  bool is_dir;
  bool is_file;
};

std::vector<DirEntry> ListDir(const std::string& dir) {
  std::vector<DirEntry> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry de{std::string(name), e->d_type == DT_DIR, e->d_type == DT_REG};
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st;
      if (::stat(JoinPath(dir, name).c_str(), &st) == 0) {
        de.is_dir = S_ISDIR(st.st_mode);
        de.is_file = S_ISREG(st.st_mode);
      }
    }
    out.push_back(std::move(de));
  }
  ::closedir(d);
  return out;
}

bool HasPrefixDir(const std::string& path, const std::string& prefix) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         path[prefix.size()] == '/';
}

}  // namespace

void DiscoveryEvents::Clear() {
  added.clear();
  removed.clear();
  changed_dirs.clear();
  active_dirs.clear();
  overflow = false;
}

bool DiscoveryEvents::empty() const {
  return added.empty() && removed.empty() && changed_dirs.empty() && active_dirs.empty() &&
         !overflow;
}

Discovery::Discovery(DiscoveryOptions options, TailStats* stats)
    : options_(std::move(options)), stats_(stats) {}

Discovery::~Discovery() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  Add(stats_->watches, -static_cast<int64_t>(watches_.size()));
}

void Discovery::Start(DiscoveryEvents* out) {
  if (options_.use_inotify) {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) {
      LOG_WARN("component=tail op=inotify_init error={} fallback=rescan",
               Quote(std::strerror(errno)));
    }
  }
  Rescan(out);
}

void Discovery::AddWatch(const std::string& path, Kind kind) {
  if (inotify_fd_ < 0 || wd_by_path_.count(path) != 0) return;
  const uint32_t mask =
      kind == Kind::kContainerDir || kind == Kind::kStaticDir ? kFileDirEvents : kDirEvents;
  const int wd = ::inotify_add_watch(inotify_fd_, path.c_str(), mask);
  if (wd < 0) {
    if (errno != ENOENT) {
      Add(stats_->watch_errors);
      LOG_WARN("component=tail op=watch path={} error={}", Quote(path),
               Quote(std::strerror(errno)));
    }
    return;
  }
  auto [it, inserted] = watches_.try_emplace(wd, Watch{path, kind});
  if (!inserted) {
    // The same directory under another spelling (or a reused wd whose
    // IN_IGNORED is still queued): keep one name for it.
    wd_by_path_.erase(it->second.path);
    it->second = Watch{path, kind};
  } else {
    Add(stats_->watches, 1);
  }
  wd_by_path_[path] = wd;
}

void Discovery::RemoveWatchesUnder(const std::string& prefix) {
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (it->second.path == prefix || HasPrefixDir(it->second.path, prefix)) {
      ::inotify_rm_watch(inotify_fd_, it->first);
      wd_by_path_.erase(it->second.path);
      it = watches_.erase(it);
      Add(stats_->watches, -1);
    } else {
      ++it;
    }
  }
}

void Discovery::Reject(const std::string& path) {
  if (rejected_.insert(path).second) {
    Add(stats_->paths_rejected);
    LOG_WARN("component=tail op=discover path={} error=not_a_kubelet_log_path", Quote(path));
  }
}

void Discovery::WalkContainerDir(const std::string& path, std::set<std::string>* files) {
  AddWatch(path, Kind::kContainerDir);
  for (const DirEntry& e : ListDir(path)) {
    if (e.is_file && ParseContainerLogName(e.name)) files->insert(JoinPath(path, e.name));
  }
}

void Discovery::WalkPodDir(const std::string& path, std::set<std::string>* files) {
  AddWatch(path, Kind::kPodDir);
  for (const DirEntry& e : ListDir(path)) {
    const std::string child = JoinPath(path, e.name);
    if (!e.is_dir) continue;
    if (!IsContainerDirName(e.name)) {
      Reject(child);
      continue;
    }
    WalkContainerDir(child, files);
  }
}

void Discovery::Glob(std::set<std::string>* files) {
  for (const std::string& pattern : options_.static_globs) {
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        const std::string path = g.gl_pathv[i];
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        files->insert(path);
        AddWatch(DirName(path), Kind::kStaticDir);
      }
    }
    ::globfree(&g);
    // A pattern with no match yet: watch the directory it names, if it
    // names one without wildcards, so that the file is found when created.
    const std::string dir = DirName(pattern);
    if (dir.find_first_of("*?[") == std::string::npos) AddWatch(dir, Kind::kStaticDir);
  }
}

void Discovery::AddKnown(const std::set<std::string>& found, DiscoveryEvents* out) {
  for (const std::string& f : found) {
    if (known_.insert(f).second) out->added.push_back(f);
  }
}

void Discovery::RemoveKnownUnder(const std::string& prefix, DiscoveryEvents* out) {
  for (auto it = known_.lower_bound(prefix); it != known_.end();) {
    if (*it != prefix && !HasPrefixDir(*it, prefix)) break;
    if (static_files_.count(*it) == 0) {
      out->removed.push_back(*it);
      it = known_.erase(it);
    } else {
      ++it;
    }
  }
}

void Discovery::Rescan(DiscoveryEvents* out) {
  Add(stats_->rescans);
  std::set<std::string> present;
  if (!options_.pods_dir.empty()) {
    AddWatch(options_.pods_dir, Kind::kPodsRoot);
    for (const DirEntry& e : ListDir(options_.pods_dir)) {
      const std::string path = JoinPath(options_.pods_dir, e.name);
      if (!e.is_dir || !ParsePodDirName(e.name)) {
        Reject(path);
        continue;
      }
      WalkPodDir(path, &present);
    }
  }
  std::set<std::string> statics;
  Glob(&statics);
  reglob_ = false;
  for (auto it = known_.begin(); it != known_.end();) {
    if (present.count(*it) == 0 && statics.count(*it) == 0) {
      out->removed.push_back(*it);
      it = known_.erase(it);
    } else {
      ++it;
    }
  }
  AddKnown(present, out);
  AddKnown(statics, out);
  static_files_ = std::move(statics);
}

void Discovery::MarkChanged(Watch* w, DiscoveryEvents* out) {
  if (w->changed_gen == gen_) return;
  w->changed_gen = gen_;
  out->changed_dirs.push_back(w->path);
}

void Discovery::MarkActive(Watch* w, DiscoveryEvents* out) {
  if (w->active_gen == gen_) return;
  w->active_gen = gen_;
  out->active_dirs.push_back(w->path);
}

void Discovery::HandleEvent(int wd, uint32_t mask, std::string_view name, DiscoveryEvents* out) {
  if (mask & IN_Q_OVERFLOW) {
    Add(stats_->inotify_overflows);
    LOG_WARN("component=tail op=inotify error=queue_overflow action=rescan");
    out->overflow = true;
    return;
  }
  auto it = watches_.find(wd);
  if (it == watches_.end()) return;
  if (mask & IN_IGNORED) {
    wd_by_path_.erase(it->second.path);
    watches_.erase(it);
    Add(stats_->watches, -1);
    return;
  }
  Watch* w = &it->second;
  if (mask & IN_MODIFY) {  // the hot case: no allocation
    if (w->kind == Kind::kContainerDir || w->kind == Kind::kStaticDir) MarkActive(w, out);
    return;
  }
  const std::string child = name.empty() ? w->path : JoinPath(w->path, name);
  const bool appeared = mask & (IN_CREATE | IN_MOVED_TO);
  const bool vanished = mask & (IN_DELETE | IN_MOVED_FROM);
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
    MarkChanged(w, out);
    if (w->kind == Kind::kStaticDir) reglob_ = true;
    return;
  }
  switch (w->kind) {
    case Kind::kPodsRoot:
    case Kind::kPodDir: {
      if (!(mask & IN_ISDIR)) return;
      const bool ok =
          w->kind == Kind::kPodsRoot ? ParsePodDirName(name).has_value() : IsContainerDirName(name);
      if (appeared) {
        if (!ok) {
          Reject(child);
          return;
        }
        std::set<std::string> found;
        if (w->kind == Kind::kPodsRoot) {
          WalkPodDir(child, &found);
        } else {
          WalkContainerDir(child, &found);
        }
        AddKnown(found, out);
      } else if (vanished) {
        RemoveKnownUnder(child, out);
        if (mask & IN_MOVED_FROM) RemoveWatchesUnder(child);
      }
      return;
    }
    case Kind::kContainerDir:
      MarkChanged(w, out);
      if (!ParseContainerLogName(name)) return;
      if (appeared) {
        struct stat st;
        if (::stat(child.c_str(), &st) == 0 && S_ISREG(st.st_mode) && known_.insert(child).second) {
          out->added.push_back(child);
        }
      } else if (vanished && known_.erase(child) != 0) {
        out->removed.push_back(child);
      }
      return;
    case Kind::kStaticDir:
      MarkChanged(w, out);
      reglob_ = true;
      return;
  }
}

void Discovery::Poll(DiscoveryEvents* out) {
  if (inotify_fd_ < 0) return;
  ++gen_;
  alignas(struct inotify_event) char buf[64 * 1024];
  while (true) {
    const ssize_t n = ::read(inotify_fd_, buf, sizeof(buf));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(p);
      HandleEvent(ev->wd, ev->mask, ev->len > 0 ? std::string_view(ev->name) : std::string_view(),
                  out);
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  if (reglob_) {
    reglob_ = false;
    std::set<std::string> statics;
    Glob(&statics);
    for (const std::string& f : static_files_) {
      if (statics.count(f) == 0 && known_.erase(f) != 0) out->removed.push_back(f);
    }
    AddKnown(statics, out);
    static_files_ = std::move(statics);
  }
}

}  // namespace logstack::collector::tail
