#include "collector/pipeline/stage.h"

namespace logstack::collector {

void StageChain::Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) {
  for (const auto& [name, value] : e.entry.labels.pairs()) {
    e.extracted.insert_or_assign(name, ExtractedValue::String(value));
  }
  Run(std::move(e), now_ns, out);
}

void StageChain::Run(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) {
  std::vector<PipelineEntry> batch;
  batch.push_back(std::move(e));
  RunFrom(0, std::move(batch), now_ns, out);
}

void StageChain::Flush(int64_t now_ns, bool force, std::vector<PipelineEntry>* out) {
  for (size_t i = 0; i < stages_.size(); ++i) {
    std::vector<PipelineEntry> flushed;
    stages_[i]->Flush(now_ns, force, &flushed);
    if (!flushed.empty()) RunFrom(i + 1, std::move(flushed), now_ns, out);
  }
}

void StageChain::RunFrom(size_t first, std::vector<PipelineEntry> batch, int64_t now_ns,
                         std::vector<PipelineEntry>* out) {
  std::vector<PipelineEntry> next;
  for (size_t i = first; i < stages_.size() && !batch.empty(); ++i) {
    next.clear();
    for (auto& e : batch) stages_[i]->Process(std::move(e), now_ns, &next);
    batch.swap(next);
  }
  for (auto& e : batch) out->push_back(std::move(e));
}

std::string StreamKey(const Entry& e) {
  std::string key = e.labels.ToString();
  key += '\n';
  key += std::to_string(e.position.source);
  return key;
}

}  // namespace logstack::collector
