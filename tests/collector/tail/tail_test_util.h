#pragma once

// Helpers of the tail tests: files written as a container runtime and kubelet
// write them (append, rename, gzip, delete), and sinks that record what the
// tailer handed on.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "collector/format/assembler.h"
#include "collector/tail/file_tailer.h"
#include "common/status.h"

namespace logstack::collector::tail::testing {

inline void AppendFile(const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size())) << path;
  ::close(fd);
}

inline void Rename(const std::string& from, const std::string& to) {
  ASSERT_EQ(::rename(from.c_str(), to.c_str()), 0) << from << " -> " << to;
}

inline void Remove(const std::string& path) { ASSERT_EQ(::unlink(path.c_str()), 0) << path; }

// Compresses a rotated log and deletes it. kubelet_style: as kubelet does,
// into <path>.tmp renamed to <path>.gz; otherwise as gzip(1) does, writing
// <path>.gz in place.
inline void GzipAndDelete(const std::string& path, bool kubelet_style = true) {
  const std::string out_path = kubelet_style ? path + ".tmp" : path + ".gz";
  FILE* in = std::fopen(path.c_str(), "rb");
  ASSERT_NE(in, nullptr) << path;
  gzFile out = gzopen(out_path.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), in)) > 0) {
    ASSERT_EQ(gzwrite(out, buf, static_cast<unsigned>(n)), static_cast<int>(n));
  }
  std::fclose(in);
  ASSERT_EQ(gzclose(out), Z_OK);
  if (kubelet_style) Rename(out_path, path + ".gz");
  Remove(path);
}

inline struct stat Stat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

// A CRI line whose text is `text` and whose timestamp grows with `i`.
inline std::string Cri(int i, std::string_view text, char tag = 'F',
                       std::string_view stream = "stdout") {
  char ts[64];
  std::snprintf(ts, sizeof(ts), "2024-01-15T08:%02d:%02d.%09dZ", (i / 60) % 60, i % 60, i);
  return std::string(ts) + " " + std::string(stream) + " " + tag + " " + std::string(text) + "\n";
}

inline std::string Numbered(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += Cri(i, "line " + std::to_string(i));
  return s;
}

struct GotLine {
  std::string text;
  format::LineRef ref;
};

class LineCollector : public LineSink {
 public:
  void OnLine(std::string_view line, const format::LineRef& ref) override {
    lines.push_back({std::string(line), ref});
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const GotLine& l : lines) out.push_back(l.text);
    return out;
  }
  std::vector<GotLine> lines;
};

// The lines of Numbered(from, to), without '\n', as a tailer hands them on.
inline std::vector<std::string> NumberedLines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) {
    std::string l = Cri(i, "line " + std::to_string(i));
    l.pop_back();
    out.push_back(l);
  }
  return out;
}

inline std::vector<std::string> Concat(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace logstack::collector::tail::testing
