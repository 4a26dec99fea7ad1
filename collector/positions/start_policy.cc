#include "collector/positions/start_policy.h"

namespace logstack::collector::positions {

StartPoint ChooseStart(const std::optional<Record>& saved, bool positions_corrupt,
                       bool existed_at_startup) {
  StartPoint start;
  if (saved.has_value()) {
    start.kind = StartKind::kResume;
    start.record = *saved;
  } else if (positions_corrupt && existed_at_startup) {
    start.kind = StartKind::kEnd;
  } else {
    start.kind = StartKind::kBeginning;
  }
  return start;
}

}  // namespace logstack::collector::positions
