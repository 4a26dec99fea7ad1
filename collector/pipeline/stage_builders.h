#pragma once

// The builders of each stage, and of a list of stages (which match uses for
// its nested `stages`). Internal to collector/pipeline.
//
// Thread safety: pure functions.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "collector/pipeline/pipeline.h"
#include "collector/pipeline/stage.h"
#include "collector/pipeline/stage_config.h"
#include "common/status.h"

namespace logstack::collector {

struct BuildContext {
  const PipelineOptions* options = nullptr;
  DropCounters* drops = nullptr;  // outlives the stages
};

// `path` names the list in errors: "pipeline_stages", or
// "pipeline_stages[3]: match: stages".
StatusOr<std::vector<StagePtr>> BuildStageList(const YAML::Node& list, const std::string& path,
                                               const BuildContext& ctx);

StatusOr<StagePtr> BuildCriStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildDockerStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildJsonStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildLogfmtStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildRegexStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildLabelsStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildStaticLabelsStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildLabelDropStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildLabelAllowStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildStructuredMetadataStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildTenantStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildOutputStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildTimestampStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildDropStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildMultilineStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildMatchStage(const StageConfig& cfg, const BuildContext& ctx);
StatusOr<StagePtr> BuildTemplateStage(const StageConfig& cfg, const BuildContext& ctx);

// Stages that other stages are made of (cri and docker, as in Promtail).
StatusOr<StagePtr> MakeRegexStage(const std::string& expression, const std::string& source);
StagePtr MakeTimestampRfc3339NanoStage(const std::string& source);

}  // namespace logstack::collector
