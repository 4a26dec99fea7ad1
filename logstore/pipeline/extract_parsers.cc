// The `regexp`, `pattern`, `unpack` and `decolorize` stages.

#include <string>
#include <vector>

#include "logstore/model/labels.h"
#include "logstore/pipeline/json_scan.h"
#include "logstore/pipeline/pattern.h"
#include "logstore/pipeline/regex_util.h"
#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {
namespace {

class RegexpParser : public StageRuntime {
 public:
  struct Compiled {
    std::shared_ptr<const re2::RE2> re;
    std::vector<std::string> names;  // by group index; "" for unnamed groups
  };
  explicit RegexpParser(std::shared_ptr<const Compiled> c) : c_(std::move(c)) {
    groups_.resize(c_->names.size());
  }
  bool Process(int64_t, std::string_view* line, LabelsBuilder* lbs) override {
    if (!c_->re->Match(re2::StringPiece(line->data(), line->size()), 0, line->size(),
                       re2::RE2::UNANCHORED, groups_.data(), static_cast<int>(groups_.size()))) {
      return true;
    }
    for (size_t i = 1; i < groups_.size(); i++) {
      if (c_->names[i].empty()) continue;
      name_.assign(c_->names[i]);
      SetExtracted(lbs, &name_, std::string_view(groups_[i].data(), groups_[i].size()));
    }
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<RegexpParser>(c_); }

 private:
  std::shared_ptr<const Compiled> c_;
  std::vector<re2::StringPiece> groups_;
  std::string name_;
};

class PatternParser : public StageRuntime {
 public:
  explicit PatternParser(std::shared_ptr<const Pattern> p) : p_(std::move(p)) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder* lbs) override {
    size_t n = p_->Match(*line, &caps_);
    for (size_t i = 0; i < n; i++) {
      name_.assign(p_->names()[i]);
      SetExtracted(lbs, &name_, caps_[i]);
    }
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<PatternParser>(p_); }

 private:
  std::shared_ptr<const Pattern> p_;
  std::vector<std::string_view> caps_;
  std::string name_;
};

// `unpack`: a JSON object whose string members become labels; the member
// `_entry` replaces the line.
class UnpackParser : public StageRuntime {
 public:
  bool Process(int64_t, std::string_view* line, LabelsBuilder* lbs) override {
    if (line->empty()) return true;
    if ((*line)[0] != '{') {
      lbs->SetError(kJsonParserErr, "expecting json object(6), but it is not");
      return true;
    }
    bool has_entry = false;
    pending_.clear();
    std::string_view err = json::ObjectEach(
        *line, [&](std::string_view k, std::string_view v, json::Type t) -> std::string_view {
          if (t != json::Type::kString) return {};
          if (k == "_entry") {
            json::UnescapeForLabel(v, &entry_);
            has_entry = true;
            return {};
          }
          std::string name;
          AppendSanitizedKey(&name, k, true);
          json::UnescapeForLabel(v, &value_);
          pending_.emplace_back(std::move(name), value_);
          return {};
        });
    if (!err.empty()) {
      lbs->SetError(kJsonParserErr, err);
      return true;
    }
    // As in Loki, the other members become labels only for a packed entry.
    if (!has_entry) return true;
    for (auto& [name, value] : pending_) {
      name_ = name;
      SetExtracted(lbs, &name_, value);
    }
    *line = entry_;
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<UnpackParser>(); }

 private:
  std::string entry_, name_, value_;
  std::vector<std::pair<std::string, std::string>> pending_;
};

// Removes ANSI escape sequences: CSI (ESC '[' params final-byte), OSC
// (ESC ']' ... BEL or ESC '\'), and two-byte ESC sequences.
class Decolorize : public StageRuntime {
 public:
  bool Process(int64_t, std::string_view* line, LabelsBuilder*) override {
    std::string_view in = *line;
    if (in.find('\x1b') == std::string_view::npos &&
        in.find("\xc2\x9b") == std::string_view::npos) {
      return true;
    }
    out_.clear();
    for (size_t i = 0; i < in.size();) {
      unsigned char c = static_cast<unsigned char>(in[i]);
      bool csi = false;
      size_t j = i;
      if (c == 0x1b && i + 1 < in.size() && in[i + 1] == '[') {
        csi = true;
        j = i + 2;
      } else if (c == 0xc2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0x9b) {
        csi = true;
        j = i + 2;
      }
      if (csi) {
        while (j < in.size() &&
               ((in[j] >= 0x30 && in[j] <= 0x3f) || (in[j] >= 0x20 && in[j] <= 0x2f)))
          j++;
        if (j < in.size() && in[j] >= 0x40 && in[j] <= 0x7e) j++;
        i = j;
        continue;
      }
      if (c == 0x1b && i + 1 < in.size() && in[i + 1] == ']') {
        j = i + 2;
        while (j < in.size() && in[j] != '\x07' &&
               !(in[j] == '\x1b' && j + 1 < in.size() && in[j + 1] == '\\'))
          j++;
        if (j < in.size()) j += in[j] == '\x07' ? 1 : 2;
        i = j;
        continue;
      }
      if (c == 0x1b && i + 1 < in.size() && in[i + 1] >= 0x40 && in[i + 1] <= 0x5f) {
        i += 2;
        continue;
      }
      out_.push_back(static_cast<char>(c));
      i++;
    }
    *line = out_;
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<Decolorize>(); }

 private:
  std::string out_;
};

}  // namespace

StatusOr<StageRuntimePtr> MakeRegexpParser(const logql::RegexpStage& s) {
  auto re = CompileGoRegex(s.regex);
  if (!re.ok()) return InvalidArgument("invalid regexp parser: " + re.status().message());
  auto c = std::make_shared<RegexpParser::Compiled>();
  c->re = std::move(*re);
  c->names.resize(static_cast<size_t>(c->re->NumberOfCapturingGroups()) + 1);
  bool any = false;
  for (const auto& [name, idx] : c->re->NamedCapturingGroups()) {
    if (!IsValidLabelName(name)) {
      return InvalidArgument("invalid regexp parser: invalid extracted label name '" + name + "'");
    }
    c->names[static_cast<size_t>(idx)] = name;
    any = true;
  }
  if (!any) {
    return InvalidArgument("invalid regexp parser: at least one named capture must be supplied");
  }
  return StageRuntimePtr(std::make_unique<RegexpParser>(std::move(c)));
}

StatusOr<StageRuntimePtr> MakePatternParser(const logql::PatternStage& s) {
  auto p = Pattern::Parse(s.pattern, /*require_named_capture=*/true);
  if (!p.ok()) return InvalidArgument("invalid pattern parser: " + p.status().message());
  return StageRuntimePtr(
      std::make_unique<PatternParser>(std::make_shared<const Pattern>(std::move(*p))));
}

StageRuntimePtr MakeUnpackParser() { return std::make_unique<UnpackParser>(); }
StageRuntimePtr MakeDecolorize() { return std::make_unique<Decolorize>(); }

}  // namespace logstack::logstore::pipeline
