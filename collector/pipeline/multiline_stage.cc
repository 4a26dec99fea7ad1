// multiline: joins the lines of one event (a stack trace) into one entry. A
// block starts at a line matching `firstline` (or at a stream's first line)
// and takes the lines after it, joined with "\n", until the next first line,
// max_lines lines, or max_wait_time without a new line of that stream
// (Pipeline::Flush). The joined entry has the block's first entry's
// timestamp, labels and extracted data, and the position of its last line.

#include <re2/re2.h>

#include <unordered_map>

#include "collector/pipeline/stage_builders.h"
#include "logstore/pipeline/regex_util.h"

namespace logstack::collector {
namespace {

class MultilineStage : public Stage {
 public:
  MultilineStage(std::shared_ptr<const re2::RE2> firstline, int64_t max_wait_ns, int64_t max_lines)
      : firstline_(std::move(firstline)), max_wait_ns_(max_wait_ns), max_lines_(max_lines) {}

  void Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) override {
    const bool first = re2::RE2::PartialMatch(e.entry.line, *firstline_);
    std::string key = StreamKey(e.entry);
    auto it = blocks_.find(key);
    if (it != blocks_.end() && first) {
      Emit(std::move(it->second), out);
      blocks_.erase(it);
      it = blocks_.end();
    }
    if (it == blocks_.end()) {
      it = blocks_.emplace(std::move(key), Block{std::move(e), 1, now_ns}).first;
    } else {
      Block& b = it->second;
      b.start.entry.line += '\n';
      b.start.entry.line += e.entry.line;
      b.start.entry.position = std::move(e.entry.position);
      ++b.lines;
      b.last_ns = now_ns;
    }
    if (it->second.lines >= max_lines_) {
      Emit(std::move(it->second), out);
      blocks_.erase(it);
    }
  }

  void Flush(int64_t now_ns, bool force, std::vector<PipelineEntry>* out) override {
    for (auto it = blocks_.begin(); it != blocks_.end();) {
      if (force || now_ns - it->second.last_ns >= max_wait_ns_) {
        Emit(std::move(it->second), out);
        it = blocks_.erase(it);
      } else {
        ++it;
      }
    }
  }

 private:
  struct Block {
    PipelineEntry start;  // its line is the joined text; its position the last line's
    int64_t lines = 0;
    int64_t last_ns = 0;
  };
  static void Emit(Block&& b, std::vector<PipelineEntry>* out) {
    out->push_back(std::move(b.start));
  }

  std::shared_ptr<const re2::RE2> firstline_;
  int64_t max_wait_ns_;
  int64_t max_lines_;
  std::unordered_map<std::string, Block> blocks_;
};

}  // namespace

StatusOr<StagePtr> BuildMultilineStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"firstline", "max_wait_time", "max_lines"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto firstline, cfg.String("firstline"));
  if (!firstline || firstline->empty()) {
    return cfg.KeyError("firstline", "is required: a regex matching the first line of a block");
  }
  auto re = logstore::pipeline::CompileGoRegex(*firstline);
  if (!re.ok()) return cfg.KeyError("firstline", re.status().message());
  LOGSTACK_ASSIGN_OR_RETURN(auto wait, cfg.Duration("max_wait_time"));
  if (wait && *wait <= 0) return cfg.KeyError("max_wait_time", "must be positive");
  LOGSTACK_ASSIGN_OR_RETURN(auto lines, cfg.Int("max_lines", 1, 1'000'000));
  return StagePtr(
      std::make_unique<MultilineStage>(*re, wait.value_or(3'000'000'000), lines.value_or(128)));
}

}  // namespace logstack::collector
