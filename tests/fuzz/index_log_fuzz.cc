// Opens a store whose one partition has an index log made of the input: it
// must open (damage is skipped and counted, never fatal), and every stream
// it then lists must read back without crashing, whatever the references
// say about the chunk file beside them.
//
// The first input byte picks the form: raw bytes as the whole file (the
// framing is fuzzed), or the rest cut at 0xFF bytes into records that are
// framed correctly (the record decoder and the references are fuzzed).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/mem_env.h"
#include "common/metrics.h"
#include "logstore/index/index_log.h"
#include "logstore/index/matcher.h"
#include "logstore/store/store.h"
#include "logstore/wal/log_writer.h"

namespace {

using namespace logstack;  // NOLINT: a fuzz target's own file

constexpr const char* kPartition = "/d/tenants/fake/p0";

void WriteFile(Env* env, const std::string& path, std::string_view bytes) {
  auto f = env->NewWritableFile(path);
  if (!f.ok() || !(*f)->Append(bytes).ok() || !(*f)->Close().ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  MemEnv env;
  if (!env.CreateDirs(kPartition).ok()) std::abort();
  // A small chunk file for the references to point into (garbage as a chunk).
  WriteFile(&env, std::string(kPartition) + "/chunks-000001.dat", std::string(300, 'c'));
  const std::string index = std::string(kPartition) + "/index.log";
  if (data[0] % 2 == 0) {
    WriteFile(&env, index, in);
  } else {
    auto f = env.NewWritableFile(index);
    if (!f.ok()) std::abort();
    logstore::wal::LogWriter writer(f->get());
    while (!in.empty()) {
      size_t cut = in.find('\xff');
      if (!writer.AddRecord(in.substr(0, cut)).ok()) std::abort();
      in.remove_prefix(cut == std::string_view::npos ? in.size() : cut + 1);
    }
    if (!(*f)->Close().ok()) std::abort();
  }

  logstore::StoreOptions opts;
  opts.data_dir = "/d";
  opts.wal_enabled = false;
  metrics::Registry registry;
  auto store = logstore::Store::Open(&env, &RealClock::Default(), opts, &registry);
  if (!store.ok()) std::abort();  // damage on disk never stops the store
  auto series = (*store)->Series("fake", {}, INT64_MIN, INT64_MAX);
  if (!series.ok()) std::abort();
  for (const auto& labels : *series) {
    std::vector<logstore::index::Matcher> ms;
    for (const auto& l : labels) {
      auto m =
          logstore::index::Matcher::Make(logstore::index::Matcher::Type::kEqual, l.name, l.value);
      if (m.ok()) ms.push_back(*m);
    }
    auto sel = (*store)->Select("fake", ms, INT64_MIN, INT64_MAX, logstore::Direction::kForward);
    if (!sel.ok()) continue;
    for (auto& s : *sel) {
      while (s.it->Next()) {
      }
    }
  }
  (*store)->Close();
  return 0;
}
