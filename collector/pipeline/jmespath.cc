#include "collector/pipeline/jmespath.h"

#include <cmath>

#include "common/go/strconv.h"
#include "logstore/pipeline/json_scan.h"

namespace logstack::collector {
namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

constexpr char kSupported[] =
    "supported are fields (a, \"a.b\"), sub-expressions (a.b), indexes (a[0]), and the "
    "projections a[*], a.* and a[]";

}  // namespace

StatusOr<JmesPath> JmesPath::Compile(std::string_view expr) {
  JmesPath p;
  size_t i = 0;
  auto fail = [&](std::string_view what) {
    return InvalidArgument("unsupported JMESPath at offset " + std::to_string(i) + " in \"" +
                           std::string(expr) + "\": " + std::string(what) + "; " + kSupported);
  };
  auto skip_ws = [&] {
    while (i < expr.size() && (expr[i] == ' ' || expr[i] == '\t')) ++i;
  };
  // A field, quoted field, '*' or '@' where a sub-expression is expected.
  auto read_name = [&]() -> Status {
    skip_ws();
    if (i >= expr.size()) return fail("expected a field name");
    char c = expr[i];
    if (IsIdentStart(c)) {
      size_t start = i;
      while (i < expr.size() && IsIdentChar(expr[i])) ++i;
      p.steps_.push_back({Step::Kind::kField, std::string(expr.substr(start, i - start)), 0});
      return Status::Ok();
    }
    if (c == '"') {
      size_t start = ++i;
      while (i < expr.size() && expr[i] != '"') i += expr[i] == '\\' ? 2 : 1;
      if (i >= expr.size()) return fail("unterminated quoted field");
      std::string name;
      if (!logstore::pipeline::json::Unescape(expr.substr(start, i - start), &name)) {
        return fail("invalid escape in quoted field");
      }
      ++i;
      p.steps_.push_back({Step::Kind::kField, std::move(name), 0});
      return Status::Ok();
    }
    if (c == '*') {
      ++i;
      p.steps_.push_back({Step::Kind::kObjectWildcard, "", 0});
      return Status::Ok();
    }
    if (c == '@') {
      ++i;
      p.steps_.push_back({Step::Kind::kCurrent, "", 0});
      return Status::Ok();
    }
    return fail(std::string("unexpected '") + c + "'");
  };
  auto read_bracket = [&]() -> Status {
    ++i;  // '['
    skip_ws();
    if (i < expr.size() && expr[i] == ']') {
      ++i;
      p.steps_.push_back({Step::Kind::kFlatten, "", 0});
      return Status::Ok();
    }
    if (i < expr.size() && expr[i] == '*') {
      ++i;
      skip_ws();
      if (i >= expr.size() || expr[i] != ']') return fail("expected ']'");
      ++i;
      p.steps_.push_back({Step::Kind::kListWildcard, "", 0});
      return Status::Ok();
    }
    size_t start = i;
    if (i < expr.size() && expr[i] == '-') ++i;
    while (i < expr.size() && expr[i] >= '0' && expr[i] <= '9') ++i;
    std::string_view digits = expr.substr(start, i - start);
    skip_ws();
    if (digits.empty() || digits == "-" || i >= expr.size() || expr[i] != ']') {
      return fail("expected an index, '*' or ']'");
    }
    auto n = go::ParseInt(digits);
    if (!n) return fail("index out of range");
    ++i;
    p.steps_.push_back({Step::Kind::kIndex, "", *n});
    return Status::Ok();
  };

  skip_ws();
  if (i < expr.size() && expr[i] == '[') {
    LOGSTACK_RETURN_IF_ERROR(read_bracket());
  } else {
    LOGSTACK_RETURN_IF_ERROR(read_name());
  }
  while (true) {
    skip_ws();
    if (i >= expr.size()) break;
    if (expr[i] == '.') {
      ++i;
      LOGSTACK_RETURN_IF_ERROR(read_name());
    } else if (expr[i] == '[') {
      LOGSTACK_RETURN_IF_ERROR(read_bracket());
    } else {
      return fail(std::string("unexpected '") + expr[i] + "'");
    }
  }
  return p;
}

nlohmann::json JmesPath::Search(const nlohmann::json& doc) const { return Eval(doc, 0); }

nlohmann::json JmesPath::Eval(const nlohmann::json& node, size_t step) const {
  if (step == steps_.size()) return node;
  const Step& s = steps_[step];
  auto project = [&](const nlohmann::json& elems) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : elems) {
      nlohmann::json r = Eval(e, step + 1);
      if (!r.is_null()) out.push_back(std::move(r));
    }
    return out;
  };
  switch (s.kind) {
    case Step::Kind::kCurrent:
      return Eval(node, step + 1);
    case Step::Kind::kField: {
      if (!node.is_object()) return nullptr;
      auto it = node.find(s.name);
      if (it == node.end()) return nullptr;
      return Eval(*it, step + 1);
    }
    case Step::Kind::kIndex: {
      if (!node.is_array()) return nullptr;
      int64_t n = static_cast<int64_t>(node.size());
      int64_t idx = s.index < 0 ? n + s.index : s.index;
      if (idx < 0 || idx >= n) return nullptr;
      return Eval(node[static_cast<size_t>(idx)], step + 1);
    }
    case Step::Kind::kListWildcard:
      if (!node.is_array()) return nullptr;
      return project(node);
    case Step::Kind::kObjectWildcard: {
      if (!node.is_object()) return nullptr;
      nlohmann::json values = nlohmann::json::array();
      for (const auto& [k, v] : node.items()) values.push_back(v);
      return project(values);
    }
    case Step::Kind::kFlatten: {
      if (!node.is_array()) return nullptr;
      nlohmann::json flat = nlohmann::json::array();
      for (const auto& e : node) {
        if (e.is_array()) {
          for (const auto& x : e) flat.push_back(x);
        } else {
          flat.push_back(e);
        }
      }
      return project(flat);
    }
  }
  return nullptr;
}

namespace {

void AppendGoJsonString(const std::string& s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        *out += "\\\"";
        continue;
      case '\\':
        *out += "\\\\";
        continue;
      case '\n':
        *out += "\\n";
        continue;
      case '\r':
        *out += "\\r";
        continue;
      case '\t':
        *out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      *out += "\\u00";
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
      continue;
    }
    // U+2028 and U+2029 are escaped too.
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      *out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out->push_back(static_cast<char>(c));
  }
  out->push_back('"');
}

void AppendGoJsonNumber(double v, std::string* out) {
  double a = std::fabs(v);
  char fmt = 'f';
  if (a != 0 && (a < 1e-6 || a >= 1e21)) fmt = 'e';
  std::string s = go::FormatFloat(v, fmt, -1);
  if (fmt == 'e') {
    // clean up e-09 to e-9
    size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
  }
  *out += s;
}

void AppendGoJson(const nlohmann::json& v, std::string* out) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      *out += "null";
      return;
    case nlohmann::json::value_t::boolean:
      *out += v.get<bool>() ? "true" : "false";
      return;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      AppendGoJsonNumber(v.get<double>(), out);
      return;
    case nlohmann::json::value_t::string:
      AppendGoJsonString(v.get_ref<const std::string&>(), out);
      return;
    case nlohmann::json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out->push_back(',');
        first = false;
        AppendGoJson(e, out);
      }
      out->push_back(']');
      return;
    }
    case nlohmann::json::value_t::object: {
      // nlohmann's default object is a std::map: keys already sorted.
      out->push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out->push_back(',');
        first = false;
        AppendGoJsonString(k, out);
        out->push_back(':');
        AppendGoJson(e, out);
      }
      out->push_back('}');
      return;
    }
    default:
      *out += "null";
  }
}

}  // namespace

std::string GoJsonMarshal(const nlohmann::json& v) {
  std::string out;
  AppendGoJson(v, &out);
  return out;
}

}  // namespace logstack::collector
