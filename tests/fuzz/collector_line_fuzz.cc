// libFuzzer target: log lines as the collector reads them (CRI, Docker
// json-file, anything), parsed in every mode and joined by the
// EntryAssembler. Nothing may crash or read out of bounds, and:
//   - a parsed line's text lies inside the line or the scratch string;
//   - a raw line's text is the line, unchanged;
//   - a timestamp the fast RFC 3339 reader accepts, common/go's accepts too,
//     with the same value;
//   - no entry is longer than the maximum entry size, and resume positions
//     never go backwards.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collector/format/assembler.h"
#include "collector/format/line.h"
#include "collector/format/rfc3339.h"
#include "common/go/time.h"

namespace {

using namespace logstack::collector::format;

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

class Check final : public EntryConsumer {
 public:
  explicit Check(size_t max) : max_(max) {}
  void OnEntry(const AssembledEntry& e) override {
    if (e.line.size() > max_) __builtin_trap();
    if (e.position.offset < last_) __builtin_trap();
    last_ = e.position.offset;
  }

 private:
  size_t max_;
  int64_t last_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t max = 1 + size % 97;
  EntryAssembler assembler(AssemblerOptions{.max_entry_bytes = max});
  Check check(max);
  std::string scratch;
  int64_t offset = 0;
  size_t pos = 0;
  while (pos <= input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) nl = input.size();
    const std::string_view line = input.substr(pos, nl - pos);
    for (FormatMode mode : {FormatMode::kRaw, FormatMode::kCri, FormatMode::kDocker}) {
      ParsedLine p = ParseLine(line, mode, &scratch);
      if (!Inside(p.text, line) && !Inside(p.text, scratch)) __builtin_trap();
      if (p.format == LineFormat::kRaw && p.text != line) __builtin_trap();
    }
    const size_t sp = line.find(' ');
    const std::string_view ts = line.substr(0, sp);
    if (std::optional<int64_t> ns = ParseRfc3339Nano(ts)) {
      auto go = logstack::go::ParseRfc3339(ts);
      if (!go.ok() || *go != *ns) __builtin_trap();
    }
    const int64_t end = offset + static_cast<int64_t>(line.size()) + 1;
    assembler.Add(ParseLine(line, FormatMode::kAuto, &scratch), {1, offset, end}, 42, &check);
    offset = end;
    pos = nl + 1;
  }
  assembler.Flush(&check);
  return 0;
}
