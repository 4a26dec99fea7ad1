#include "collector/pipeline/pipeline.h"

#include <functional>
#include <map>

#include "collector/pipeline/stage_builders.h"

namespace logstack::collector {
namespace {

using Builder = StatusOr<StagePtr> (*)(const StageConfig&, const BuildContext&);

const std::map<std::string, Builder, std::less<>>& Builders() {
  static const auto* builders = new std::map<std::string, Builder, std::less<>>{
      {"cri", BuildCriStage},
      {"docker", BuildDockerStage},
      {"json", BuildJsonStage},
      {"logfmt", BuildLogfmtStage},
      {"regex", BuildRegexStage},
      {"labels", BuildLabelsStage},
      {"static_labels", BuildStaticLabelsStage},
      {"labeldrop", BuildLabelDropStage},
      {"labelallow", BuildLabelAllowStage},
      {"structured_metadata", BuildStructuredMetadataStage},
      {"tenant", BuildTenantStage},
      {"output", BuildOutputStage},
      {"timestamp", BuildTimestampStage},
      {"drop", BuildDropStage},
      {"multiline", BuildMultilineStage},
      {"match", BuildMatchStage},
      {"template", BuildTemplateStage},
  };
  return *builders;
}

// Promtail stages this collector does not have, so that their error says so.
bool KnownButUnsupported(std::string_view name) {
  for (std::string_view n : {"metrics", "pack", "limit", "replace", "sampling", "geoip",
                             "decolorize", "eventlogmessage", "pattern"}) {
    if (n == name) return true;
  }
  return false;
}

StatusOr<StagePtr> BuildOne(const YAML::Node& item, const std::string& where,
                            const BuildContext& ctx) {
  if (!item.IsMap() || item.size() != 1) {
    return InvalidArgument(where +
                           ": a stage must be a map with exactly one key, the stage's name "
                           "(e.g. `- json: {expressions: {level: level}}`)" +
                           (item.IsMap() ? ", got " + std::to_string(item.size()) + " keys" : ""));
  }
  auto kv = item.begin();
  if (!kv->first.IsScalar()) return InvalidArgument(where + ": the stage name must be a string");
  const std::string name = kv->first.Scalar();
  auto it = Builders().find(name);
  if (it == Builders().end()) {
    if (KnownButUnsupported(name)) {
      return InvalidArgument(where + ": stage \"" + name +
                             "\" is not supported by logstack-collector");
    }
    return InvalidArgument(where + ": unknown stage \"" + name + "\"");
  }
  StageConfig cfg(kv->second, where + ": " + name);
  try {
    return it->second(cfg, ctx);
  } catch (const YAML::Exception& e) {
    return cfg.Error(std::string("invalid YAML: ") + e.what());
  }
}

}  // namespace

StatusOr<std::vector<StagePtr>> BuildStageList(const YAML::Node& list, const std::string& path,
                                               const BuildContext& ctx) {
  std::vector<StagePtr> stages;
  if (!list.IsDefined() || list.IsNull()) return stages;
  if (!list.IsSequence()) {
    return InvalidArgument(path + ": must be a list of stages, each `- <stage>: <config>`");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    LOGSTACK_ASSIGN_OR_RETURN(StagePtr s,
                              BuildOne(list[i], path + "[" + std::to_string(i) + "]", ctx));
    stages.push_back(std::move(s));
  }
  return stages;
}

struct Pipeline::Impl {
  PipelineOptions options;
  DropCounters drops;
  StageChain chain;
  std::vector<PipelineEntry> scratch;
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;

StatusOr<std::unique_ptr<Pipeline>> Pipeline::FromYaml(const YAML::Node& stages,
                                                       const PipelineOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  BuildContext ctx{&impl->options, &impl->drops};
  LOGSTACK_ASSIGN_OR_RETURN(auto list, BuildStageList(stages, "pipeline_stages", ctx));
  impl->chain = StageChain(std::move(list));
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

StatusOr<std::unique_ptr<Pipeline>> Pipeline::FromYamlText(std::string_view text,
                                                           const PipelineOptions& options) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("pipeline_stages: invalid YAML: ") + e.what());
  }
  return FromYaml(node, options);
}

void Pipeline::Process(Entry&& in, int64_t now_ns, std::vector<Entry>* out) {
  if (impl_->chain.empty()) {
    out->push_back(std::move(in));
    return;
  }
  auto& scratch = impl_->scratch;
  scratch.clear();
  impl_->chain.Process(PipelineEntry{std::move(in), {}}, now_ns, &scratch);
  for (auto& e : scratch) out->push_back(std::move(e.entry));
  scratch.clear();
}

void Pipeline::Flush(int64_t now_ns, bool force, std::vector<Entry>* out) {
  auto& scratch = impl_->scratch;
  scratch.clear();
  impl_->chain.Flush(now_ns, force, &scratch);
  for (auto& e : scratch) out->push_back(std::move(e.entry));
  scratch.clear();
}

std::map<std::string, uint64_t> Pipeline::DroppedByReason() const {
  return impl_->drops.Snapshot();
}

bool Pipeline::empty() const { return impl_->chain.empty(); }

Status ValidatePipelineStages(const YAML::Node& stages, const PipelineOptions& options) {
  return Pipeline::FromYaml(stages, options).status();
}

}  // namespace logstack::collector
