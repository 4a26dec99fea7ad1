#include "collector/tail/pod_log_path.h"

namespace logstack::collector::tail {
namespace {

bool IsPart(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::optional<PodDir> ParsePodDirName(std::string_view name) {
  const size_t a = name.find('_');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = name.find('_', a + 1);
  if (b == std::string_view::npos || name.find('_', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  PodDir d{std::string(name.substr(0, a)), std::string(name.substr(a + 1, b - a - 1)),
           std::string(name.substr(b + 1))};
  if (!IsPart(d.namespace_name) || !IsPart(d.pod) || !IsPart(d.uid)) return std::nullopt;
  return d;
}

bool IsContainerDirName(std::string_view name) { return IsPart(name); }

std::optional<uint32_t> ParseContainerLogName(std::string_view name) {
  constexpr std::string_view kSuffix = ".log";
  if (name.size() <= kSuffix.size() || name.size() > kSuffix.size() + 10 ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  uint64_t n = 0;
  for (char c : name.substr(0, name.size() - kSuffix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(n);
}

std::optional<PodLogPath> ParsePodLogPath(std::string_view pods_dir, std::string_view path) {
  while (pods_dir.size() > 1 && pods_dir.back() == '/') pods_dir.remove_suffix(1);
  if (pods_dir.empty() || path.substr(0, pods_dir.size()) != pods_dir) return std::nullopt;
  std::string_view rest = path.substr(pods_dir.size());
  if (pods_dir != "/") {
    if (rest.empty() || rest.front() != '/') return std::nullopt;
  }
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  // rest = "<pod dir>/<container>/<n>.log"
  const size_t s1 = rest.find('/');
  if (s1 == std::string_view::npos) return std::nullopt;
  const size_t s2 = rest.find('/', s1 + 1);
  if (s2 == std::string_view::npos || rest.find('/', s2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<PodDir> dir = ParsePodDirName(rest.substr(0, s1));
  const std::string_view container = rest.substr(s1 + 1, s2 - s1 - 1);
  std::optional<uint32_t> restart = ParseContainerLogName(rest.substr(s2 + 1));
  if (!dir || !IsContainerDirName(container) || !restart) return std::nullopt;
  return PodLogPath{std::move(dir->namespace_name), std::move(dir->pod), std::move(dir->uid),
                    std::string(container), *restart};
}

}  // namespace logstack::collector::tail
