#include "collector/pipeline/value.h"

#include "common/go/strconv.h"

namespace logstack::collector {

std::optional<std::string> ExtractedValue::AsString() const {
  switch (kind_) {
    case Kind::kString:
      return str_;
    case Kind::kNumber:
      return go::FormatFloat(num_, 'f', -1);
    case Kind::kBool:
      return std::string(num_ != 0 ? "true" : "false");
    case Kind::kNull:
      break;
  }
  return std::nullopt;
}

std::optional<std::string> ExtractedString(const Extracted& extracted, std::string_view name) {
  auto it = extracted.find(name);
  if (it == extracted.end()) return std::nullopt;
  return it->second.AsString();
}

}  // namespace logstack::collector
