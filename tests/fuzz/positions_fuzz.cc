// libFuzzer target: positions files as read back from disk. Nothing may
// crash, and whatever is trusted must survive a write and a read unchanged.

#include <cstddef>
#include <cstdint>
#include <string>

#include "collector/positions/positions_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstack::collector::positions;
  const std::string input(reinterpret_cast<const char*>(data), size);
  ParsedPositions parsed = ParsePositions(input);
  if (parsed.status.ok() && parsed.bad_records != 0) __builtin_trap();
  const std::string again = SerializePositions(parsed.records);
  ParsedPositions reread = ParsePositions(again);
  if (!reread.status.ok() || reread.records != parsed.records) __builtin_trap();
  return 0;
}
