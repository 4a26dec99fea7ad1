#pragma once

// The container log paths kubelet writes:
//
//   <pods_dir>/<namespace>_<pod>_<uid>/<container>/<restart>.log
//   /var/log/pods/shop_web-7f9c_0b5c4e7a-1111-2222-3333-444455556666/app/0.log
//
// Namespaces, pod names and uids cannot contain '_' (they are DNS labels,
// DNS subdomains and UUIDs or, for static pods, hex hashes), so the pod
// directory's name splits at its two underscores. Anything else found under
// pods_dir does not parse: the caller skips it and counts it.
//
// The rules, beyond kubelet's layout: every part non-empty, none "." or
// "..", no '/', no control characters (bytes below 0x20, 0x7F); exactly two
// '_' in the pod directory's name; the file name is 1 to 10 decimal digits
// followed by ".log". Characters are otherwise not checked against
// Kubernetes' name rules: kubelet made the directory from a valid object.
//
// Thread safety: pure functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logstack::collector::tail {

struct PodDir {
  std::string namespace_name;
  std::string pod;
  std::string uid;
};

struct PodLogPath {
  std::string namespace_name;
  std::string pod;
  std::string uid;
  std::string container;
  uint32_t restart = 0;  // the <n> of <n>.log: the container's restart count
};

// "<namespace>_<pod>_<uid>", or nullopt.
std::optional<PodDir> ParsePodDirName(std::string_view name);

// True for a usable container directory name.
bool IsContainerDirName(std::string_view name);

// The <n> of "<n>.log", or nullopt.
std::optional<uint32_t> ParseContainerLogName(std::string_view name);

// Parses `path` (absolute, or relative to the working directory, spelled
// with pods_dir as its prefix) as a container log under pods_dir. Repeated
// or trailing '/' in pods_dir are allowed.
std::optional<PodLogPath> ParsePodLogPath(std::string_view pods_dir, std::string_view path);

}  // namespace logstack::collector::tail
