#pragma once

// PodLogWriter writes a container's log as kubelet does, for the collector's
// tests: CRI lines in <pods_dir>/<ns>_<pod>_<uid>/<container>/0.log, long
// lines split into P partials, and rotation by rename to
// 0.log.<YYYYMMDD-hhmmss[.n]> with the older rotated files gzipped (kubelet's
// container log manager), or by copytruncate (what logrotate does).
//
// Every line it writes is unique ("<tag> seq=<n> ...") and carries a
// timestamp one microsecond after the previous one, so a test can check that
// each arrived exactly once.
//
// Thread safety: one thread per writer.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/go/time.h"

namespace logstack::collector::testing {

class PodLogWriter {
 public:
  PodLogWriter(std::string pods_dir, std::string ns, std::string pod, std::string uid,
               std::string container, int64_t start_ns)
      : dir_(pods_dir + "/" + ns + "_" + pod + "_" + uid + "/" + container),
        tag_(ns + "/" + pod + "/" + container),
        ts_ns_(start_ns) {
    std::filesystem::create_directories(dir_);
  }

  const std::string& dir() const { return dir_; }
  std::string path() const { return dir_ + "/0.log"; }
  int64_t lines_written() const { return seq_; }
  // The text of line `seq` (without the CRI prefix), as the store should hold it.
  std::string LineText(int64_t seq, size_t pad = 0) const {
    std::string s = tag_ + " seq=" + std::to_string(seq) + " msg=\"request served\"";
    if (pad > 0) s += " pad=" + std::string(pad, 'x');
    return s;
  }

  // Appends `n` lines. Every `partial_every`-th line (0: none) is written as
  // P partials of at most 40 bytes of text each.
  void Write(int n, int partial_every = 0, size_t pad = 0) {
    std::string buf;
    for (int i = 0; i < n; ++i) {
      std::string text = LineText(seq_, pad);
      const std::string stream = (seq_ % 5 == 4) ? "stderr" : "stdout";
      const std::string ts = Rfc3339Nano(ts_ns_);
      if (partial_every > 0 && seq_ % partial_every == 0) {
        for (size_t off = 0; off < text.size(); off += 40) {
          const bool last = off + 40 >= text.size();
          buf += ts + " " + stream + (last ? " F " : " P ") + text.substr(off, 40) + "\n";
        }
      } else {
        buf += ts + " " + stream + " F " + text + "\n";
      }
      ++seq_;
      ts_ns_ += 1000;
    }
    Append(buf);
  }

  // kubelet's rotation: rename 0.log, start a new one; rotated files but the
  // newest are gzipped (the uncompressed one removed).
  void RotateRename(bool gzip_older = true) {
    ++rotations_;
    char name[64];
    std::snprintf(name, sizeof(name), "0.log.20261206-%06d", rotations_);
    const std::string rotated = dir_ + "/" + name;
    std::filesystem::rename(path(), rotated);
    Touch(path());
    if (gzip_older) {
      for (const std::string& old : rotated_) {
        if (std::filesystem::exists(old)) {
          std::string cmd = "gzip -f '" + old + "'";
          if (std::system(cmd.c_str()) != 0) std::abort();
        }
      }
    }
    rotated_.push_back(rotated);
  }

  // logrotate's copytruncate: copy the file aside, then truncate it in place.
  void RotateCopyTruncate() {
    ++rotations_;
    std::filesystem::copy_file(path(), path() + ".copy" + std::to_string(rotations_));
    if (::truncate(path().c_str(), 0) != 0) std::abort();
  }

 // Go's time.RFC3339Nano in UTC, as kubelet writes it: trailing zeros of
  // the fraction dropped, no fraction when it is zero.
  static std::string Rfc3339Nano(int64_t ns) {
    std::string s = go::FormatRfc3339(ns);  // "...:05Z", rounded down
    int64_t frac = ns % 1'000'000'000;
    if (frac < 0) frac += 1'000'000'000;
    if (frac == 0) return s;
    char digits[16];
    std::snprintf(digits, sizeof(digits), ".%09lld", static_cast<long long>(frac));
    std::string f = digits;
    while (f.back() == '0') f.pop_back();
    s.insert(s.size() - 1, f);
    return s;
  }

 private:
  static void Touch(const std::string& p) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) ::close(fd);
  }
  void Append(const std::string& data) {
    int fd = ::open(path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) std::abort();
    size_t off = 0;
    while (off < data.size()) {
      ssize_t w = ::write(fd, data.data() + off, data.size() - off);
      if (w <= 0) std::abort();
      off += static_cast<size_t>(w);
    }
    ::close(fd);
  }

  std::string dir_;
  std::string tag_;
  int64_t ts_ns_;
  int64_t seq_ = 0;
  int rotations_ = 0;
  std::vector<std::string> rotated_;
};

}  // namespace logstack::collector::testing
