// cri and docker: the container runtimes' log line formats, as Promtail's
// stages of those names parse them (PipelineOptions::container_lines_decoded
// says whether the collector's format/ decoder already did).
//
// Raw lines, cri:    "<RFC3339Nano> <stdout|stderr> <P|F> <content>"
//   extracts time, stream, flags, content; sets the `stream` label, the
//   timestamp and the line (content); joins partial (P) lines of a stream
//   into the next full one (at most max_partial_lines held across streams,
//   max_partial_line_size bytes when max_partial_line_size_truncate).
// Raw lines, docker: {"log":"...","stream":"stdout","time":"..."}
//   extracts output, stream, timestamp; sets the `stream` label, the
//   timestamp and the line (output).
// Decoded entries: only the extracted data is filled, from the entry.

#include <unordered_map>

#include "collector/pipeline/stage_builders.h"
#include "collector/pipeline/timestamp_format.h"

namespace logstack::collector {
namespace {

// The raw-line stages as the Promtail stages they are made of.
constexpr char kCriStages[] = R"([
  {regex: {expression:
    '^(?s)(?P<time>\S+?) (?P<stream>stdout|stderr) (?P<flags>\S+?) (?P<content>.*)$'}},
  {labels: {stream: }},
  {timestamp: {source: time, format: RFC3339Nano}},
  {output: {source: content}}
])";
constexpr char kDockerStages[] = R"([
  {json: {expressions: {output: log, stream: stream, timestamp: time}}},
  {labels: {stream: }},
  {timestamp: {source: timestamp, format: RFC3339Nano}},
  {output: {source: output}}
])";

StatusOr<StageChain> BuildInner(const char* yaml, const BuildContext& ctx) {
  LOGSTACK_ASSIGN_OR_RETURN(auto stages, BuildStageList(YAML::Load(yaml), "internal", ctx));
  return StageChain(std::move(stages));
}

// Fills the extracted data the way the raw stage would have, from an entry
// the format/ decoder made.
class DecodedStage : public SimpleStage {
 public:
  explicit DecodedStage(bool cri) : cri_(cri) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    const std::string* stream = e.entry.labels.Get("stream");
    if (stream) e.extracted.insert_or_assign("stream", ExtractedValue::String(*stream));
    const std::string time = FormatRfc3339Nano(e.entry.timestamp_ns);
    if (cri_) {
      e.extracted.insert_or_assign("time", ExtractedValue::String(time));
      e.extracted.insert_or_assign("flags", ExtractedValue::String("F"));
      e.extracted.insert_or_assign("content", ExtractedValue::String(e.entry.line));
    } else {
      e.extracted.insert_or_assign("timestamp", ExtractedValue::String(time));
      e.extracted.insert_or_assign("output", ExtractedValue::String(e.entry.line));
    }
    return true;
  }

 private:
  bool cri_;
};

class DockerStage : public Stage {
 public:
  explicit DockerStage(StageChain inner) : inner_(std::move(inner)) {}
  void Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) override {
    inner_.Run(std::move(e), now_ns, out);
  }

 private:
  StageChain inner_;
};

struct CriLimits {
  int64_t max_partial_lines = 100;
  int64_t max_partial_line_size = 0;  // 0: no limit
  bool truncate = false;
};

class CriStage : public Stage {
 public:
  CriStage(StageChain inner, CriLimits limits) : inner_(std::move(inner)), limits_(limits) {}

  void Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) override {
    std::vector<PipelineEntry> parsed;
    inner_.Run(std::move(e), now_ns, &parsed);
    for (auto& p : parsed) Join(std::move(p), out);
  }

  void Flush(int64_t, bool force, std::vector<PipelineEntry>* out) override {
    if (!force) return;
    for (auto& [key, held] : partial_) out->push_back(std::move(held));
    partial_.clear();
  }

 private:
  void Join(PipelineEntry&& e, std::vector<PipelineEntry>* out) {
    std::optional<std::string> flags = ExtractedString(e.extracted, "flags");
    std::string key = StreamKey(e.entry);
    auto it = partial_.find(key);
    if (flags && *flags == "P") {
      if (it == partial_.end() &&
          static_cast<int64_t>(partial_.size()) >= limits_.max_partial_lines) {
        // Too many streams mid-line: send what is held as it is.
        for (auto& [k, held] : partial_) out->push_back(std::move(held));
        partial_.clear();
      }
      if (it != partial_.end()) {
        e.entry.line.insert(0, it->second.entry.line);
        Truncate(&e);
        it->second = std::move(e);
      } else {
        Truncate(&e);
        partial_.emplace(std::move(key), std::move(e));
      }
      return;
    }
    if (it != partial_.end()) {
      e.entry.line.insert(0, it->second.entry.line);
      partial_.erase(it);
      Truncate(&e);
    }
    out->push_back(std::move(e));
  }

  void Truncate(PipelineEntry* e) const {
    if (limits_.truncate && limits_.max_partial_line_size > 0 &&
        static_cast<int64_t>(e->entry.line.size()) > limits_.max_partial_line_size) {
      e->entry.line.resize(static_cast<size_t>(limits_.max_partial_line_size));
    }
  }

  StageChain inner_;
  CriLimits limits_;
  std::unordered_map<std::string, PipelineEntry> partial_;
};

}  // namespace

StatusOr<StagePtr> BuildCriStage(const StageConfig& cfg, const BuildContext& ctx) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap(
      {"max_partial_lines", "max_partial_line_size", "max_partial_line_size_truncate"}));
  CriLimits limits;
  LOGSTACK_ASSIGN_OR_RETURN(auto lines, cfg.Int("max_partial_lines", 1, 1'000'000));
  if (lines) limits.max_partial_lines = *lines;
  LOGSTACK_ASSIGN_OR_RETURN(auto size, cfg.ByteSize("max_partial_line_size"));
  limits.max_partial_line_size = static_cast<int64_t>(size.value_or(0));
  LOGSTACK_ASSIGN_OR_RETURN(auto truncate, cfg.Bool("max_partial_line_size_truncate"));
  limits.truncate = truncate.value_or(false);
  if (ctx.options->container_lines_decoded) return StagePtr(std::make_unique<DecodedStage>(true));
  LOGSTACK_ASSIGN_OR_RETURN(StageChain inner, BuildInner(kCriStages, ctx));
  return StagePtr(std::make_unique<CriStage>(std::move(inner), limits));
}

StatusOr<StagePtr> BuildDockerStage(const StageConfig& cfg, const BuildContext& ctx) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({}));
  if (ctx.options->container_lines_decoded) return StagePtr(std::make_unique<DecodedStage>(false));
  LOGSTACK_ASSIGN_OR_RETURN(StageChain inner, BuildInner(kDockerStages, ctx));
  return StagePtr(std::make_unique<DockerStage>(std::move(inner)));
}

}  // namespace logstack::collector
