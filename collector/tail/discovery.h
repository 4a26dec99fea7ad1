#pragma once

// Discovery: finds the log files to read and tells the reader loop where
// something happened.
//
// Two kinds of files:
//   - container logs under pods_dir, as kubelet lays them out
//     (<pods_dir>/<ns>_<pod>_<uid>/<container>/<n>.log, pod_log_path.h);
//     entries that do not fit the layout are skipped and counted once each
//     (paths_rejected);
//   - static targets: files matching glob(3) patterns (node logs, or another
//     container's files on a shared volume in sidecar mode).
//
// How: inotify watches on directories, never on files, so that a watch
// survives the rotation of the files in it (as Envoy's watcher does):
// pods_dir, every pod directory and every container directory, plus the
// directory of every static file. Directory events (IN_CREATE, IN_MOVED_TO,
// IN_DELETE, IN_MOVED_FROM, IN_DELETE_SELF) report files added and removed
// and directories whose entries changed; IN_MODIFY reports directories whose
// files were written to. A new directory is watched first and listed second,
// so nothing created in between is missed. Events are read non-blocking by
// Poll(); fd() is for poll(2).
//
// Safety net: Rescan() walks everything again (the caller runs it every
// rescan interval, and when Poll() reports an inotify queue overflow), adds
// the watches that are missing, and reports the differences from what was
// known. Without inotify (use_inotify false, or inotify_init failing, e.g.
// out of instances) rescans alone find files.
//
// Thread safety: not thread-safe; used by the reader loop's thread only.
// TailStats is written with atomics.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/tail/tail_stats.h"

namespace logstack::collector::tail {

struct DiscoveryOptions {
  // Where kubelet writes container logs; empty: no container logs.
  std::string pods_dir;
  // glob(3) patterns of static files.
  std::vector<std::string> static_globs;
  bool use_inotify = true;
};

// What happened since the last call. Paths are as built from pods_dir and
// the globs; each appears at most once per list.
struct DiscoveryEvents {
  std::vector<std::string> added;         // files now present that were not known
  std::vector<std::string> removed;       // files known before that are gone
  std::vector<std::string> changed_dirs;  // directories whose entries changed
  std::vector<std::string> active_dirs;   // directories whose files were written to
  bool overflow = false;                  // events were lost: Rescan() now

  void Clear();
  bool empty() const;
};

class Discovery {
 public:
  Discovery(DiscoveryOptions options, TailStats* stats);
  ~Discovery();
  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;

  // Sets up inotify and scans: every file present is reported as added.
  void Start(DiscoveryEvents* out);
  // The inotify descriptor to poll(2) for POLLIN, or -1 without inotify.
  int fd() const { return inotify_fd_; }
  // Reads and applies the pending inotify events (never blocks).
  void Poll(DiscoveryEvents* out);
  // Walks pods_dir and the globs (see above).
  void Rescan(DiscoveryEvents* out);

  // True if `path` is a static target (matched a glob when last seen).
  bool IsStatic(const std::string& path) const { return static_files_.count(path) != 0; }
  size_t watches() const { return watches_.size(); }

 private:
  enum class Kind { kPodsRoot, kPodDir, kContainerDir, kStaticDir };
  struct Watch {
    std::string path;
    Kind kind;
    uint64_t changed_gen = 0;  // last Poll() generation that reported it changed
    uint64_t active_gen = 0;   // ... active
  };

  void AddWatch(const std::string& path, Kind kind);
  void RemoveWatchesUnder(const std::string& prefix);
  // Watches and lists a pod (container) directory; collects its log files.
  void WalkPodDir(const std::string& path, std::set<std::string>* files);
  void WalkContainerDir(const std::string& path, std::set<std::string>* files);
  void Glob(std::set<std::string>* files);
  void Reject(const std::string& path);
  // Reports the files of `found` not known yet as added.
  void AddKnown(const std::set<std::string>& found, DiscoveryEvents* out);
  void RemoveKnownUnder(const std::string& prefix, DiscoveryEvents* out);
  void HandleEvent(int wd, uint32_t mask, std::string_view name, DiscoveryEvents* out);
  void MarkChanged(Watch* w, DiscoveryEvents* out);
  void MarkActive(Watch* w, DiscoveryEvents* out);

  const DiscoveryOptions options_;
  TailStats* const stats_;
  int inotify_fd_ = -1;
  std::unordered_map<int, Watch> watches_;
  std::unordered_map<std::string, int> wd_by_path_;
  std::set<std::string> known_;         // files reported as added and not removed
  std::set<std::string> static_files_;  // the static ones among them
  std::set<std::string> rejected_;      // names under pods_dir that did not parse
  uint64_t gen_ = 0;                    // Poll() generation
  bool reglob_ = false;                 // a static directory changed: glob again
};

}  // namespace logstack::collector::tail
