// libFuzzer target: JSON push bodies, decoded and then validated. Nothing may
// crash or read out of bounds.

#include <cstddef>
#include <cstdint>
#include <string>

#include "logstore/push/json_decoder.h"
#include "logstore/push/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstack::logstore::push;
  auto req = DecodeJsonPush(std::string(reinterpret_cast<const char*>(data), size));
  if (!req.ok()) return 0;
  ValidationLimits limits;
  limits.max_line_size = 64;  // small limits so that the fuzzer reaches every check
  limits.max_label_names_per_series = 4;
  limits.max_label_name_length = 16;
  limits.max_label_value_length = 16;
  limits.max_structured_metadata_size = 32;
  limits.max_structured_metadata_entries_count = 3;
  limits.max_line_size_truncate = size % 2 == 0;
  auto result = ValidatePush(**req, limits, 1'000'000'000'000, "fuzz");
  if (result.ok()) {
    (void)result->errors.Message();
    (void)result->errors.HttpStatus();
  }
  return 0;
}
