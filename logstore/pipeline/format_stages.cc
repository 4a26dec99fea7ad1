// line_format and label_format (pending the template engine).

#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {

StatusOr<StageRuntimePtr> MakeLineFormat(const logql::LineFormatStage&) {
  return Unimplemented("line_format is not implemented yet");
}
StatusOr<StageRuntimePtr> MakeLabelFormat(const logql::LabelFormatStage&) {
  return Unimplemented("label_format is not implemented yet");
}

}  // namespace logstack::logstore::pipeline
