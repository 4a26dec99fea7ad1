// The action stages that move extracted data into the entry: labels,
// static_labels, labeldrop, labelallow, structured_metadata, tenant, output.

#include <algorithm>

#include "collector/pipeline/stage_builders.h"
#include "common/go/utf8.h"

namespace logstack::collector {
namespace {

using NameSource = std::vector<std::pair<std::string, std::string>>;

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t w = 0;
    char32_t r = go::DecodeRune(s.substr(i), &w);
    if (r == go::kRuneError && w <= 1) return false;
    i += w;
  }
  return true;
}

// name -> source (empty: the name itself), label names checked.
StatusOr<NameSource> ReadLabelMap(const StageConfig& cfg) {
  LOGSTACK_ASSIGN_OR_RETURN(auto m, StageConfig::ReadStringMap(cfg.body(), cfg.where()));
  for (auto& [name, source] : m) {
    if (!IsValidLabelName(name)) {
      return cfg.Error("\"" + name + "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
    if (source.empty()) source = name;
  }
  return m;
}

void SetMetadata(std::vector<LabelPair>* md, const std::string& name, std::string value) {
  for (auto& p : *md) {
    if (p.first == name) {
      p.second = std::move(value);
      return;
    }
  }
  md->emplace_back(name, std::move(value));
}

class LabelsStage : public SimpleStage {
 public:
  explicit LabelsStage(NameSource m) : m_(std::move(m)) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    for (const auto& [name, source] : m_) {
      std::optional<std::string> v = ExtractedString(e.extracted, source);
      if (!v || !ValidUtf8(*v)) continue;
      e.entry.labels.Set(name, *v);
    }
    return true;
  }

 private:
  NameSource m_;
};

class StaticLabelsStage : public SimpleStage {
 public:
  explicit StaticLabelsStage(NameSource m) : m_(std::move(m)) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    for (const auto& [name, value] : m_) e.entry.labels.Set(name, value);
    return true;
  }

 private:
  NameSource m_;
};

class LabelDropStage : public SimpleStage {
 public:
  LabelDropStage(std::vector<std::string> names, bool allow)
      : names_(std::move(names)), allow_(allow) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    if (!allow_) {
      for (const auto& n : names_) e.entry.labels.Remove(n);
      return true;
    }
    std::vector<LabelPair> kept;
    for (const auto& p : e.entry.labels.pairs()) {
      if (std::find(names_.begin(), names_.end(), p.first) != names_.end()) kept.push_back(p);
    }
    e.entry.labels = LabelSet(std::move(kept));
    return true;
  }

 private:
  std::vector<std::string> names_;
  bool allow_;
};

// Values from the extracted data; a stream label named by a source moves to
// the structured metadata (Promtail's way of taking a label out of the
// stream, e.g. a pod name with too many values).
class StructuredMetadataStage : public SimpleStage {
 public:
  explicit StructuredMetadataStage(NameSource m) : m_(std::move(m)) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    for (const auto& [name, source] : m_) {
      if (const std::string* label = e.entry.labels.Get(source)) {
        SetMetadata(&e.entry.structured_metadata, name, *label);
        e.entry.labels.Remove(source);
        continue;
      }
      std::optional<std::string> v = ExtractedString(e.extracted, source);
      if (!v || !ValidUtf8(*v)) continue;
      SetMetadata(&e.entry.structured_metadata, name, std::move(*v));
    }
    return true;
  }

 private:
  NameSource m_;
};

class TenantStage : public SimpleStage {
 public:
  enum class From { kValue, kSource, kLabel };
  TenantStage(From from, std::string arg) : from_(from), arg_(std::move(arg)) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    switch (from_) {
      case From::kValue:
        e.entry.tenant = arg_;
        break;
      case From::kSource: {
        std::optional<std::string> v = ExtractedString(e.extracted, arg_);
        if (v && !v->empty()) e.entry.tenant = std::move(*v);
        break;
      }
      case From::kLabel:
        if (const std::string* v = e.entry.labels.Get(arg_)) e.entry.tenant = *v;
        break;
    }
    return true;
  }

 private:
  From from_;
  std::string arg_;
};

class OutputStage : public SimpleStage {
 public:
  explicit OutputStage(std::string source) : source_(std::move(source)) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    std::optional<std::string> v = ExtractedString(e.extracted, source_);
    if (v) e.entry.line = std::move(*v);
    return true;
  }

 private:
  std::string source_;
};

StatusOr<std::vector<std::string>> ReadNameList(const StageConfig& cfg) {
  if (cfg.body().IsMap()) return cfg.Error("must be a list of label names");
  LOGSTACK_ASSIGN_OR_RETURN(auto names, StageConfig::ReadStringList(cfg.body(), cfg.where()));
  if (names.empty()) return cfg.Error("must name at least one label");
  for (const auto& n : names) {
    if (!IsValidLabelName(n)) {
      return cfg.Error("\"" + n + "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
  }
  return names;
}

}  // namespace

StatusOr<StagePtr> BuildLabelsStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_ASSIGN_OR_RETURN(auto m, ReadLabelMap(cfg));
  if (m.empty()) return cfg.Error("must map at least one label name to an extracted name");
  return StagePtr(std::make_unique<LabelsStage>(std::move(m)));
}

StatusOr<StagePtr> BuildStaticLabelsStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_ASSIGN_OR_RETURN(auto m, StageConfig::ReadStringMap(cfg.body(), cfg.where()));
  if (m.empty()) return cfg.Error("must map at least one label name to a value");
  for (const auto& [name, value] : m) {
    if (!IsValidLabelName(name)) {
      return cfg.Error("\"" + name + "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
    if (!ValidUtf8(value)) return cfg.KeyError(name, "the value is not valid UTF-8");
  }
  return StagePtr(std::make_unique<StaticLabelsStage>(std::move(m)));
}

StatusOr<StagePtr> BuildLabelDropStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_ASSIGN_OR_RETURN(auto names, ReadNameList(cfg));
  return StagePtr(std::make_unique<LabelDropStage>(std::move(names), false));
}

StatusOr<StagePtr> BuildLabelAllowStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_ASSIGN_OR_RETURN(auto names, ReadNameList(cfg));
  return StagePtr(std::make_unique<LabelDropStage>(std::move(names), true));
}

StatusOr<StagePtr> BuildStructuredMetadataStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_ASSIGN_OR_RETURN(auto m, ReadLabelMap(cfg));
  if (m.empty()) return cfg.Error("must map at least one name to an extracted name");
  return StagePtr(std::make_unique<StructuredMetadataStage>(std::move(m)));
}

StatusOr<StagePtr> BuildTenantStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"source", "value", "label"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto source, cfg.String("source"));
  LOGSTACK_ASSIGN_OR_RETURN(auto value, cfg.String("value"));
  LOGSTACK_ASSIGN_OR_RETURN(auto label, cfg.String("label"));
  int n = (source && !source->empty()) + (value && !value->empty()) + (label && !label->empty());
  if (n == 0) return cfg.Error("one of source, value or label is required");
  if (n > 1) return cfg.Error("source, value and label exclude each other: set one");
  if (value && !value->empty()) {
    return StagePtr(std::make_unique<TenantStage>(TenantStage::From::kValue, *value));
  }
  if (label && !label->empty()) {
    return StagePtr(std::make_unique<TenantStage>(TenantStage::From::kLabel, *label));
  }
  return StagePtr(std::make_unique<TenantStage>(TenantStage::From::kSource, *source));
}

StatusOr<StagePtr> BuildOutputStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"source"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto source, cfg.String("source"));
  if (!source || source->empty()) return cfg.KeyError("source", "is required");
  return StagePtr(std::make_unique<OutputStage>(*source));
}

}  // namespace logstack::collector
