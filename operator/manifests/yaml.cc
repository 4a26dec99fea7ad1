#include "operator/manifests/yaml.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include "common/strings.h"

namespace logstack::op::manifests {
namespace {

// ---- Emitting ---------------------------------------------------------------

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The UTF-8 sequences YAML treats as line breaks (NEL, LS, PS) or as a byte
// order mark: they must be escaped in any scalar.
bool HasSpecialUnicode(std::string_view s) {
  return s.find("\xC2\x85") != std::string_view::npos ||
         s.find("\xE2\x80\xA8") != std::string_view::npos ||
         s.find("\xE2\x80\xA9") != std::string_view::npos ||
         s.find("\xEF\xBB\xBF") != std::string_view::npos;
}

bool HasControl(std::string_view s, bool allow_newline_and_tab) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (allow_newline_and_tab && (c == '\n' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Words that some YAML parser (1.1 or 1.2) reads as null, a boolean or a
// special float when plain.
bool IsReservedWord(std::string_view s) {
  static const char* const kWords[] = {"null", "~", "true", "false", "yes",   "no",    "on",
                                       "off",  "y", "n",    ".inf",  "-.inf", "+.inf", ".nan"};
  for (const char* w : kWords) {
    if (EqualsIgnoreCase(s, w)) return true;
  }
  return false;
}

// A string that starts like a number may stay plain only in the shape of a
// quantity or duration ("10Gi", "256KB", "168h", "100m"): digits and dots,
// then letters to the end. Everything else that starts like a number (ints,
// floats, hex, octal, sexagesimal, dates, versions such as "0.1.0") is quoted.
bool NumberLikeNeedsQuotes(std::string_view s) {
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') i = 1;
  if (i >= s.size()) return false;
  if (!IsDigit(s[i]) && s[i] != '.') return false;  // not number-like
  if (i != 0 || !IsDigit(s[0])) return true;        // signed or starting with '.'
  if (s.size() >= 2 && s[0] == '0' &&
      std::string_view("xXoObB").find(s[1]) != std::string_view::npos) {
    return true;
  }
  size_t j = 0;
  while (j < s.size() && (IsDigit(s[j]) || s[j] == '.')) j++;
  if (j == s.size()) return true;  // all digits and dots
  // The rest must be letters only, and not an exponent ("1e5" is handled: it
  // ends in a digit, so the letters-only test below fails).
  for (size_t k = j; k < s.size(); k++) {
    if (!IsAlpha(s[k])) return true;
  }
  return false;
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  if (HasControl(s, /*allow_newline_and_tab=*/false) || HasSpecialUnicode(s)) return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  if (std::string_view("?:,[]{}#&*!|>'\"%@`<=").find(s.front()) != std::string_view::npos) {
    return true;
  }
  if (s.front() == '-' && (s.size() == 1 || s[1] == ' ' || s.substr(0, 3) == "---")) return true;
  if (s.substr(0, 3) == "...") return true;
  if (s.find(": ") != std::string_view::npos || s.back() == ':') return true;
  if (s.find(" #") != std::string_view::npos) return true;
  if (s.find_first_of(",[]{}") != std::string_view::npos) return true;
  if (IsReservedWord(s)) return true;
  return NumberLikeNeedsQuotes(s);
}

std::string DoubleQuoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); i++) {
    auto c = static_cast<unsigned char>(s[i]);
    std::string_view rest = s.substr(i);
    if (rest.substr(0, 2) == "\xC2\x85") {
      out += "\\u0085";
      i += 1;
    } else if (rest.substr(0, 3) == "\xE2\x80\xA8") {
      out += "\\u2028";
      i += 2;
    } else if (rest.substr(0, 3) == "\xE2\x80\xA9") {
      out += "\\u2029";
      i += 2;
    } else if (rest.substr(0, 3) == "\xEF\xBB\xBF") {
      out += "\\uFEFF";
      i += 2;
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == 0) {
      out += "\\0";
    } else if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::vector<std::string_view> SplitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(s.substr(start));
      return lines;
    }
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
}

// True iff `s` can be written as a literal block scalar that reads back
// exactly: it has a line break, no other control characters, and a first
// non-empty line that does not start with white space (block indentation is
// detected from it); lines of only spaces are refused too (they would be
// read as indentation).
bool LiteralBlockOk(std::string_view s) {
  if (s.find('\n') == std::string_view::npos) return false;
  if (HasControl(s, /*allow_newline_and_tab=*/true) || HasSpecialUnicode(s)) return false;
  bool seen_content = false;
  for (std::string_view line : SplitLines(s)) {
    if (line.empty()) continue;
    if (line.find_first_not_of(" \t") == std::string_view::npos) return false;
    if (!seen_content && (line.front() == ' ' || line.front() == '\t')) return false;
    seen_content = true;
  }
  return seen_content;
}

// Appends " |..." (header, after a key or "-") and the block's lines at `indent`.
void EmitLiteralBlock(std::string_view s, int indent, std::string* out) {
  std::string_view body = s;
  if (!s.empty() && s.back() == '\n') {
    body.remove_suffix(1);
    *out += (!body.empty() && body.back() == '\n') ? "|+\n" : "|\n";
  } else {
    *out += "|-\n";
  }
  for (std::string_view line : SplitLines(body)) {
    if (!line.empty()) {
      out->append(indent, ' ');
      *out += line;
    }
    *out += '\n';
  }
}

std::string ScalarText(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
      return std::to_string(v.get<int64_t>());
    case Json::value_t::number_unsigned:
      return std::to_string(v.get<uint64_t>());
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d)) return ".nan";
      if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
      std::string t = Json(d).dump();
      // YAML 1.1 parsers want a '.' in a float ("1e+100" would be a string).
      if (t.find('.') == std::string::npos) {
        size_t e = t.find_first_of("eE");
        t.insert(e == std::string::npos ? t.size() : e, ".0");
      }
      return t;
    }
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      return NeedsQuotes(s) ? DoubleQuoted(s) : s;
    }
    case Json::value_t::object:
      return "{}";  // only called for empty containers
    case Json::value_t::array:
      return "[]";
    default:
      return "null";  // binary and discarded values do not occur in manifests
  }
}

bool IsBlockContainer(const Json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void EmitMap(const Json& obj, int indent, bool first_inline, std::string* out);
void EmitSeq(const Json& arr, int indent, bool first_inline, std::string* out);

// The value after "key:" or "-": a space and a scalar, or a block on the
// following lines. `indent` is the column of the key or of the "-".
void EmitValueAfterIndicator(const Json& v, int indent, bool in_seq, std::string* out) {
  if (v.is_string() && LiteralBlockOk(v.get_ref<const std::string&>())) {
    *out += ' ';
    EmitLiteralBlock(v.get_ref<const std::string&>(), indent + 2, out);
  } else if (!IsBlockContainer(v)) {
    *out += ' ';
    *out += ScalarText(v);
    *out += '\n';
  } else if (in_seq) {
    // "- key: v" and "- - x": the first line of the nested block goes on the
    // indicator's line.
    *out += ' ';
    if (v.is_object())
      EmitMap(v, indent + 2, true, out);
    else
      EmitSeq(v, indent + 2, true, out);
  } else {
    *out += '\n';
    // Sequences under a key sit at the key's column, as kubectl prints them.
    if (v.is_object())
      EmitMap(v, indent + 2, false, out);
    else
      EmitSeq(v, indent, false, out);
  }
}

void EmitMap(const Json& obj, int indent, bool first_inline, std::string* out) {
  bool first = true;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!(first && first_inline)) out->append(indent, ' ');
    first = false;
    const std::string& key = it.key();
    *out += NeedsQuotes(key) ? DoubleQuoted(key) : key;
    *out += ':';
    EmitValueAfterIndicator(it.value(), indent, false, out);
  }
}

void EmitSeq(const Json& arr, int indent, bool first_inline, std::string* out) {
  bool first = true;
  for (const Json& item : arr) {
    if (!(first && first_inline)) out->append(indent, ' ');
    first = false;
    *out += '-';
    EmitValueAfterIndicator(item, indent, true, out);
  }
}

// ---- Parsing ----------------------------------------------------------------

std::string Where(std::string_view origin, const YAML::Mark& m) {
  std::string w(origin);
  if (m.line >= 0) w += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  return w;
}

const std::set<std::string_view>& TrueWords() {
  static const std::set<std::string_view> k{"y",    "Y",    "yes", "Yes", "YES", "true",
                                            "True", "TRUE", "on",  "On",  "ON"};
  return k;
}
const std::set<std::string_view>& FalseWords() {
  static const std::set<std::string_view> k{"n",     "N",     "no",  "No",  "NO", "false",
                                            "False", "FALSE", "off", "Off", "OFF"};
  return k;
}

bool IsNullWord(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// YAML's float form: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsFloatForm(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) i++, int_digits++;
  if (i < s.size() && s[i] == '.') {
    i++;
    while (i < s.size() && IsDigit(s[i])) i++, frac_digits++;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) i++, exp_digits++;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// Integers as go-yaml v2 reads them: optional sign, '_' ignored, "0x" hex,
// "0b" binary, a leading 0 octal. Sets *out and returns true iff it is one.
bool ParseYamlInt(std::string_view text, Json* out) {
  std::string s;
  for (char c : text) {
    if (c != '_') s += c;
  }
  if (s.empty()) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  std::string digits = s.substr(i);
  if (digits.empty()) return false;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits = digits.substr(2);
  } else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')) {
    base = 2;
    digits = digits.substr(2);
  } else if (digits.size() > 1 && digits[0] == '0') {
    base = 8;
    digits = digits.substr(1);
  }
  for (char c : digits) {
    int d = IsDigit(c)               ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : 99;
    if (d >= base) return false;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long u = std::strtoull(digits.c_str(), &end, base);
  if (errno == ERANGE || end != digits.c_str() + digits.size()) return false;
  if (neg) {
    if (u > static_cast<unsigned long long>(INT64_MAX) + 1) return false;
    *out =
        u == static_cast<unsigned long long>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(u);
  } else if (u <= static_cast<unsigned long long>(INT64_MAX)) {
    *out = static_cast<int64_t>(u);
  } else {
    *out = static_cast<uint64_t>(u);
  }
  return true;
}

StatusOr<Json> ResolvePlain(const std::string& s, std::string_view where) {
  if (IsNullWord(s)) return Json(nullptr);
  if (TrueWords().count(s)) return Json(true);
  if (FalseWords().count(s)) return Json(false);
  if (std::string_view("+-.0123456789").find(s[0]) == std::string_view::npos) return Json(s);
  Json n;
  if (ParseYamlInt(s, &n)) return n;
  std::string no_underscores;
  for (char c : s) {
    if (c != '_') no_underscores += c;
  }
  if (IsFloatForm(no_underscores)) {
    errno = 0;
    double d = std::strtod(no_underscores.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(d)) {
      return InvalidArgument(std::string(where) + ": number " + s + " is out of range");
    }
    return Json(d);
  }
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == ".inf" || lower == "+.inf" || lower == "-.inf" || lower == ".nan") {
    return InvalidArgument(std::string(where) + ": " + s + " cannot be represented in JSON");
  }
  return Json(s);
}

StatusOr<Json> Convert(const YAML::Node& n, std::string_view origin) {
  std::string where = Where(origin, n.Mark());
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& tag = n.Tag();
      const std::string& v = n.Scalar();
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return Json(v);
      if (tag == "tag:yaml.org,2002:null") return Json(nullptr);
      StatusOr<Json> r = ResolvePlain(v, where);
      if (!r.ok()) return r;
      const char* want = tag == "tag:yaml.org,2002:int"     ? "an integer"
                         : tag == "tag:yaml.org,2002:float" ? "a number"
                         : tag == "tag:yaml.org,2002:bool"  ? "a boolean"
                                                            : nullptr;
      if (want != nullptr) {
        bool good = (tag == "tag:yaml.org,2002:int" && r->is_number_integer()) ||
                    (tag == "tag:yaml.org,2002:float" && r->is_number()) ||
                    (tag == "tag:yaml.org,2002:bool" && r->is_boolean());
        if (!good) return InvalidArgument(where + ": " + v + " is not " + want);
      }
      return r;
    }
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const YAML::Node& item : n) {
        StatusOr<Json> c = Convert(item, origin);
        if (!c.ok()) return c;
        arr.push_back(std::move(*c));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        const YAML::Node k = it->first;  // a copy: it-> yields a temporary
        if (!k.IsScalar()) {
          return InvalidArgument(Where(origin, k.Mark()) + ": a mapping key must be a string");
        }
        const std::string& key = k.Scalar();
        if (obj.contains(key)) {
          return InvalidArgument(Where(origin, k.Mark()) + ": duplicate key \"" + key + "\"");
        }
        StatusOr<Json> c = Convert(it->second, origin);
        if (!c.ok()) return c;
        obj[key] = std::move(*c);
      }
      return obj;
    }
  }
  return Json(nullptr);
}

}  // namespace

std::string ToYaml(const Json& value) {
  std::string out;
  if (value.is_object() && !value.empty()) {
    EmitMap(value, 0, false, &out);
  } else if (value.is_array() && !value.empty()) {
    EmitSeq(value, 0, false, &out);
  } else if (value.is_string() && LiteralBlockOk(value.get_ref<const std::string&>())) {
    EmitLiteralBlock(value.get_ref<const std::string&>(), 2, &out);
  } else {
    out = ScalarText(value) + "\n";
  }
  return out;
}

StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view text, std::string_view origin) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(Where(origin, e.mark) + ": invalid YAML: " + e.msg);
  }
  std::vector<Json> out;
  try {
    for (const YAML::Node& d : docs) {
      if (!d.IsDefined() || d.IsNull()) continue;
      StatusOr<Json> j = Convert(d, origin);
      if (!j.ok()) return j.status();
      out.push_back(std::move(*j));
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument(Where(origin, e.mark) + ": invalid YAML: " + e.msg);
  }
  return out;
}

}  // namespace logstack::op::manifests
