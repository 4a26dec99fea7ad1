// The `json` parser stage: every leaf of the line's JSON object as a label
// (nested keys joined with '_'), or with parameters only the given paths.

#include <optional>
#include <string>
#include <vector>

#include "logstore/pipeline/json_scan.h"
#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {
namespace {

// Objects nested deeper than this in a line are an error (JSONParserErr):
// the flat parser recurses once per level, and lines are untrusted. Loki's
// Go parser has no limit; real logs nest a handful of levels.
constexpr int kMaxJsonDepth = 128;
constexpr std::string_view kTooDeep = "Value is nested deeper than 128 objects";  // kMaxJsonDepth

class JsonFlatParser : public StageRuntime {
 public:
  bool Process(int64_t, std::string_view* line, LabelsBuilder* lbs) override {
    prefix_.clear();
    depth_ = 0;
    lbs_ = lbs;
    std::string_view err = json::ObjectEach(*line, fn_);
    if (!err.empty()) lbs->SetError(kJsonParserErr, err);
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<JsonFlatParser>(); }

 private:
  std::string_view OnMember(std::string_view key, std::string_view value, json::Type type) {
    switch (type) {
      case json::Type::kString:
      case json::Type::kNumber:
      case json::Type::kBoolean: {
        name_.assign(prefix_);
        if (!name_.empty()) name_.push_back('_');
        AppendSanitizedKey(&name_, key, name_.empty());
        if (name_.empty() || !lbs_->Wanted(name_)) return {};
        if (type == json::Type::kString) {
          json::UnescapeForLabel(value, &value_);
          SetExtracted(lbs_, &name_, value_);
        } else {
          SetExtracted(lbs_, &name_, value);
        }
        return {};
      }
      case json::Type::kObject: {
        if (depth_ >= kMaxJsonDepth) return kTooDeep;
        size_t saved = prefix_.size();
        if (!prefix_.empty()) prefix_.push_back('_');
        AppendSanitizedKey(&prefix_, key, prefix_.empty());
        ++depth_;
        std::string_view err = json::ObjectEach(value, fn_);
        --depth_;
        prefix_.resize(saved);
        return err;
      }
      default:
        return {};  // arrays and nulls are not extracted
    }
  }

  LabelsBuilder* lbs_ = nullptr;
  int depth_ = 0;  // objects entered below the line's own
  std::string prefix_, name_, value_;
  json::MemberFn fn_ = [this](std::string_view k, std::string_view v, json::Type t) {
    return OnMember(k, v, t);
  };
};

// One step of a JSON path: a member name or an array index.
struct PathStep {
  std::string field;
  int index = -1;  // >= 0 for an array index
};

// Parses Loki's JSON expressions: `a.b`, `a[0]`, `["k8s.node"]`, `a["b"].c`.
StatusOr<std::vector<PathStep>> ParsePath(std::string_view e) {
  std::vector<PathStep> steps;
  size_t i = 0;
  auto fail = [&]() { return InvalidArgument("cannot parse JSON expression " + std::string(e)); };
  bool expect_field = true;
  while (i < e.size()) {
    char c = e[i];
    if (c == '[') {
      i++;
      if (i < e.size() && e[i] == '"') {
        size_t close = i + 1;
        std::string field;
        while (close < e.size() && e[close] != '"') {
          if (e[close] == '\\' && close + 1 < e.size()) close++;
          field.push_back(e[close]);
          close++;
        }
        if (close + 1 >= e.size() || e[close + 1] != ']') return fail();
        steps.push_back(PathStep{field, -1});
        i = close + 2;
      } else {
        int idx = 0;
        size_t start = i;
        while (i < e.size() && e[i] >= '0' && e[i] <= '9') idx = idx * 10 + (e[i++] - '0');
        if (i == start || i >= e.size() || e[i] != ']') return fail();
        steps.push_back(PathStep{"", idx});
        i++;
      }
      expect_field = false;
      continue;
    }
    if (c == '.') {
      if (expect_field) return fail();
      i++;
      expect_field = true;
      continue;
    }
    if (!expect_field) return fail();
    size_t start = i;
    while (i < e.size() && e[i] != '.' && e[i] != '[') i++;
    steps.push_back(PathStep{std::string(e.substr(start, i - start)), -1});
    expect_field = false;
  }
  if (steps.empty() || expect_field) return fail();
  return steps;
}

// Follows `path` from `data`; the value's text and type, or nullopt.
std::optional<std::pair<std::string_view, json::Type>> FindPath(std::string_view data,
                                                                const std::vector<PathStep>& path) {
  std::string_view cur = data;
  json::Type type = json::Type::kObject;
  for (const PathStep& step : path) {
    std::string_view found;
    json::Type found_type = json::Type::kNotExist;
    bool hit = false;
    if (step.index < 0) {
      std::string_view err = json::ObjectEach(
          cur, [&](std::string_view k, std::string_view v, json::Type t) -> std::string_view {
            if (k == step.field) {
              found = v;
              found_type = t;
              hit = true;
              return "stop";
            }
            return {};
          });
      (void)err;
    } else {
      // Walk the array's elements.
      size_t off = 0;
      while (off < cur.size() &&
             (cur[off] == ' ' || cur[off] == '\n' || cur[off] == '\t' || cur[off] == '\r')) {
        off++;
      }
      if (off >= cur.size() || cur[off] != '[') return std::nullopt;
      off++;
      int n = 0;
      while (off < cur.size()) {
        std::string_view v;
        json::Type t;
        size_t end;
        std::string_view rest = cur.substr(off);
        size_t ws = rest.find_first_not_of(" \n\r\t");
        if (ws == std::string_view::npos || rest[ws] == ']') break;
        if (!json::GetValue(rest, &v, &t, &end).empty()) return std::nullopt;
        if (n == step.index) {
          found = v;
          found_type = t;
          hit = true;
          break;
        }
        n++;
        off += end;
        size_t comma = cur.find_first_not_of(" \n\r\t", off);
        if (comma == std::string_view::npos || cur[comma] != ',') break;
        off = comma + 1;
      }
    }
    if (!hit) return std::nullopt;
    cur = found;
    type = found_type;
  }
  return std::make_pair(cur, type);
}

class JsonExprParser : public StageRuntime {
 public:
  struct Param {
    std::string label;
    std::vector<PathStep> path;
  };
  explicit JsonExprParser(std::shared_ptr<const std::vector<Param>> params)
      : params_(std::move(params)) {}

  bool Process(int64_t, std::string_view* line, LabelsBuilder* lbs) override {
    std::string_view l = *line;
    size_t start = l.find_first_not_of(" \n\r\t\v\f");
    if (start == std::string_view::npos || (l[start] != '{' && l[start] != '[')) {
      lbs->SetError(kJsonParserErr);
      return true;
    }
    for (const Param& p : *params_) {
      name_.assign(p.label);
      auto v = FindPath(l, p.path);
      if (!v) {
        if (!lbs->Get(p.label)) lbs->Set(LabelCategory::kParsed, p.label, "");
        continue;
      }
      switch (v->second) {
        case json::Type::kNull:
          value_.clear();
          break;
        case json::Type::kObject:
          value_.assign(v->first);
          break;
        default:
          json::UnescapeForLabel(v->first, &value_);
          break;
      }
      if (lbs->BaseHas(name_)) name_.append("_extracted");
      lbs->Set(LabelCategory::kParsed, name_, value_);
    }
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<JsonExprParser>(params_); }

 private:
  std::shared_ptr<const std::vector<Param>> params_;
  std::string name_, value_;
};

}  // namespace

StatusOr<StageRuntimePtr> MakeJsonParser(const logql::JsonStage& s) {
  if (s.params.empty()) return StageRuntimePtr(std::make_unique<JsonFlatParser>());
  auto params = std::make_shared<std::vector<JsonExprParser::Param>>();
  for (const auto& p : s.params) {
    auto path = ParsePath(p.expr.empty() ? p.label : p.expr);
    if (!path.ok()) return path.status();
    params->push_back(JsonExprParser::Param{p.label, std::move(*path)});
  }
  return StageRuntimePtr(std::make_unique<JsonExprParser>(std::move(params)));
}

}  // namespace logstack::logstore::pipeline
