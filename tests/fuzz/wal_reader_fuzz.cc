// Feeds arbitrary bytes to LogReader as a file: it must never crash, never
// return more record bytes than the file holds, and must stop.
//
// The first input byte picks an initial offset (from the start, or into the
// file), so the resynchronizing path is fuzzed too.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/mem_env.h"
#include "logstore/wal/log_format.h"
#include "logstore/wal/log_reader.h"

namespace {

using logstack::logstore::wal::LogReader;

class CountingReporter final : public LogReader::Reporter {
 public:
  void Corruption(size_t bytes, const logstack::Status& reason) override { dropped += bytes; }
  size_t dropped = 0;
};

void ReadAll(logstack::Env* env, const std::string& path, uint64_t initial_offset,
             size_t file_size) {
  auto file = env->NewSequentialFile(path);
  if (!file.ok()) std::abort();
  CountingReporter reporter;
  LogReader reader(file->get(), &reporter, initial_offset);
  std::string scratch;
  std::string_view record;
  size_t total = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    total += record.size();
    // Records are made of the file's bytes: they cannot add up to more.
    if (total > file_size) std::abort();
    if (reader.LastRecordEnd() > file_size || reader.LastRecordOffset() < initial_offset) {
      std::abort();
    }
  }
  if (!reader.status().ok()) std::abort();  // MemEnv reads never fail
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string_view contents(reinterpret_cast<const char*>(data) + 1, size - 1);

  logstack::MemEnv env;
  const std::string path = "/fuzz.log";
  {
    auto file = env.NewWritableFile(path);
    if (!file.ok() || !(*file)->Append(contents).ok()) std::abort();
  }
  ReadAll(&env, path, 0, contents.size());
  // selector 0..255 spread over the file, and past its end for large values.
  const uint64_t initial_offset = static_cast<uint64_t>(selector) *
                                  (contents.size() + logstack::logstore::wal::kBlockSize) / 256;
  ReadAll(&env, path, initial_offset, contents.size());
  return 0;
}
