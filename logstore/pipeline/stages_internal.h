#pragma once

// Factories for each kind of compiled stage, one .cc file each, used by
// compile.cc; plus the helpers the parsers share. Internal to pipeline/.

#include <string>
#include <string_view>

#include "common/status.h"
#include "logstore/logql/ast.h"
#include "logstore/pipeline/labels_builder.h"
#include "logstore/pipeline/stage.h"

namespace logstack::logstore::pipeline {

// Loki's error label values.
inline constexpr std::string_view kJsonParserErr = "JSONParserErr";
inline constexpr std::string_view kLogfmtParserErr = "LogfmtParserErr";
inline constexpr std::string_view kLabelFilterErr = "LabelFilterErr";
inline constexpr std::string_view kTemplateFormatErr = "TemplateFormatErr";
inline constexpr std::string_view kSampleExtractionErr = "SampleExtractionErr";

StatusOr<StageRuntimePtr> MakeLineFilter(const logql::LineFilterStage& s);
StatusOr<StageRuntimePtr> MakeJsonParser(const logql::JsonStage& s);
StatusOr<StageRuntimePtr> MakeLogfmtParser(const logql::LogfmtStage& s);
StatusOr<StageRuntimePtr> MakeRegexpParser(const logql::RegexpStage& s);
StatusOr<StageRuntimePtr> MakePatternParser(const logql::PatternStage& s);
StageRuntimePtr MakeUnpackParser();
StageRuntimePtr MakeDecolorize();
StatusOr<StageRuntimePtr> MakeLabelFilter(const logql::LabelFilterStage& s);
StatusOr<StageRuntimePtr> MakeLineFormat(const logql::LineFormatStage& s,
                                         const CompileOptions& options);
StatusOr<StageRuntimePtr> MakeLabelFormat(const logql::LabelFormatStage& s,
                                          const CompileOptions& options);
StageRuntimePtr MakeDrop(const logql::DropStage& s);
StageRuntimePtr MakeKeep(const logql::KeepStage& s);

// Loki's sanitizeLabelKey: every byte outside [a-zA-Z0-9_] becomes '_', and
// with `is_prefix` a leading digit gets a '_' before it. Surrounding spaces
// are trimmed. Appends to *out.
void AppendSanitizedKey(std::string* out, std::string_view key, bool is_prefix);

// Sets a label a parser extracted, as Loki does: a name that is a stream
// label gets the suffix "_extracted"; a name an earlier parser (or this one)
// already set for this entry keeps its first value. `name` is modified in
// place (REQUIRES: a scratch string the caller owns).
void SetExtracted(LabelsBuilder* lbs, std::string* name, std::string_view value);

// True iff `key` is [A-Za-z_][A-Za-z0-9_]*, which AppendSanitizedKey keeps
// as it is.
inline bool IsPlainKey(std::string_view key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace logstack::logstore::pipeline
