#include "common/env.h"

namespace logstack {

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out += b;
  return out;
}

std::string DirName(std::string_view path) {
  size_t pos = path.rfind('/');
  if (pos == std::string_view::npos) return ".";
  if (pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

StatusOr<uint64_t> Env::GetFreeSpace(const std::string& path) {
  auto d = GetDiskSpace(path);
  if (!d.ok()) return d.status();
  return d->available;
}

StatusOr<std::string> ReadFileToString(Env* env, const std::string& path) {
  LOGSTACK_ASSIGN_OR_RETURN(SequentialFilePtr file, env->NewSequentialFile(path));
  std::string out;
  std::string scratch(64 * 1024, '\0');
  while (true) {
    LOGSTACK_ASSIGN_OR_RETURN(std::string_view chunk, file->Read(scratch.size(), scratch.data()));
    if (chunk.empty()) break;
    out.append(chunk);
  }
  return out;
}

Status WriteFileAtomically(Env* env, const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    LOGSTACK_ASSIGN_OR_RETURN(WritableFilePtr file, env->NewWritableFile(tmp));
    LOGSTACK_RETURN_IF_ERROR(file->Append(data));
    LOGSTACK_RETURN_IF_ERROR(file->Sync());
    LOGSTACK_RETURN_IF_ERROR(file->Close());
  }
  LOGSTACK_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return env->SyncDir(DirName(path));
}

}  // namespace logstack
