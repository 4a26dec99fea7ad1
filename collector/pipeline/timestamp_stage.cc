// timestamp: sets the entry's time from an extracted value. On failure
// (source absent, not a string, no format matches) `fudge` (the default)
// gives the entry its stream's last good time plus 1 ns, so that order is
// kept, and `skip` leaves the entry's time as it is.
//
// Note for exactly-once delivery (docs/collector.md): a fudged time depends
// on the lines before it, so a line re-read after a restart may get another
// time than the first time it was sent, and the store keeps both copies.

#include <unordered_map>

#include "collector/pipeline/stage_builders.h"
#include "collector/pipeline/timestamp_format.h"

namespace logstack::collector {
namespace {

// Promtail keeps the last good time of up to 10,000 streams.
constexpr size_t kMaxFudgeStreams = 10'000;

class TimestampStage : public SimpleStage {
 public:
  TimestampStage(std::string source, std::vector<TimestampFormat> formats, bool fudge)
      : source_(std::move(source)), formats_(std::move(formats)), fudge_(fudge) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t now_ns) override {
    std::optional<int64_t> ts;
    if (std::optional<std::string> v = ExtractedString(e.extracted, source_)) {
      for (const auto& f : formats_) {
        ts = f.Parse(*v, now_ns);
        if (ts) break;
      }
    }
    if (ts) {
      e.entry.timestamp_ns = *ts;
      if (fudge_) Remember(e.entry.labels.ToString(), *ts);
      return true;
    }
    if (!fudge_) return true;
    std::string key = e.entry.labels.ToString();
    auto it = last_.find(key);
    if (it == last_.end()) return true;
    e.entry.timestamp_ns = ++it->second;
    return true;
  }

 private:
  void Remember(std::string key, int64_t ts) {
    if (last_.size() >= kMaxFudgeStreams && last_.find(key) == last_.end()) last_.clear();
    last_[std::move(key)] = ts;
  }

  std::string source_;
  std::vector<TimestampFormat> formats_;
  bool fudge_;
  std::unordered_map<std::string, int64_t> last_;
};

}  // namespace

StagePtr MakeTimestampRfc3339NanoStage(const std::string& source) {
  std::vector<TimestampFormat> f;
  f.push_back(*TimestampFormat::Make("RFC3339Nano", nullptr));
  return std::make_unique<TimestampStage>(source, std::move(f), /*fudge=*/true);
}

StatusOr<StagePtr> BuildTimestampStage(const StageConfig& cfg, const BuildContext& ctx) {
  LOGSTACK_RETURN_IF_ERROR(
      cfg.CheckMap({"source", "format", "fallback_formats", "location", "action_on_failure"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto source, cfg.String("source"));
  if (!source || source->empty()) return cfg.KeyError("source", "is required");
  LOGSTACK_ASSIGN_OR_RETURN(auto format, cfg.String("format"));
  if (!format || format->empty()) {
    return cfg.KeyError("format",
                        "is required: a Go layout such as 2006-01-02T15:04:05Z07:00, or one of "
                        "ANSIC, UnixDate, RubyDate, RFC822, RFC822Z, RFC850, RFC1123, RFC1123Z, "
                        "RFC3339, RFC3339Nano, Unix, UnixMs, UnixUs, UnixNs");
  }
  LOGSTACK_ASSIGN_OR_RETURN(auto fallbacks, cfg.StringList("fallback_formats"));
  LOGSTACK_ASSIGN_OR_RETURN(auto location, cfg.String("location"));
  std::shared_ptr<const TimeZone> tz;
  if (location && !location->empty() && ctx.options->load_time_zones) {
    auto loaded = TimeZone::Load(*location, ctx.options->zoneinfo_dir);
    if (!loaded.ok()) return cfg.KeyError("location", loaded.status().message());
    tz = *loaded;
  }
  LOGSTACK_ASSIGN_OR_RETURN(auto action, cfg.String("action_on_failure"));
  bool fudge = true;
  if (action && !action->empty()) {
    if (*action == "skip") {
      fudge = false;
    } else if (*action != "fudge") {
      return cfg.KeyError("action_on_failure", "must be fudge or skip, got \"" + *action + "\"");
    }
  }
  std::vector<TimestampFormat> formats;
  std::vector<std::string> all = {*format};
  if (fallbacks) all.insert(all.end(), fallbacks->begin(), fallbacks->end());
  for (size_t i = 0; i < all.size(); ++i) {
    auto f = TimestampFormat::Make(all[i], tz);
    if (!f.ok()) {
      return cfg.KeyError(i == 0 ? "format" : "fallback_formats[" + std::to_string(i - 1) + "]",
                          f.status().message());
    }
    formats.push_back(std::move(*f));
  }
  return StagePtr(std::make_unique<TimestampStage>(*source, std::move(formats), fudge));
}

}  // namespace logstack::collector
