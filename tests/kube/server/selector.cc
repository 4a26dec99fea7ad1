#include "tests/kube/server/selector.h"

#include <algorithm>
#include <cctype>

namespace logstack::kubetest {
namespace {

using nlohmann::json;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ValidKey(std::string_view k) {
  if (k.empty() || k.size() > 316) return false;
  for (char c : k) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '/') {
      return false;
    }
  }
  return true;
}

bool ValidValue(std::string_view v) {
  if (v.size() > 63) return false;
  for (char c : v) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// Splits on commas that are not inside parentheses.
StatusOr<std::vector<std::string_view>> SplitTopLevel(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      if (--depth < 0) return InvalidArgument("unbalanced parentheses in selector");
    } else if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (depth != 0) return InvalidArgument("unbalanced parentheses in selector");
  parts.push_back(text.substr(start));
  return parts;
}

// Finds a keyword (" in ", " notin ") separated by whitespace from the key.
bool SplitSetOp(std::string_view part, std::string_view word, std::string_view* key,
                std::string_view* rest) {
  size_t i = 0;
  while (i < part.size() && !std::isspace(static_cast<unsigned char>(part[i]))) ++i;
  std::string_view after = Trim(part.substr(i));
  if (i == part.size() || after.substr(0, word.size()) != word) return false;
  std::string_view tail = Trim(after.substr(word.size()));
  if (tail.empty() || tail.front() != '(') return false;
  *key = part.substr(0, i);
  *rest = tail;
  return true;
}

}  // namespace

StatusOr<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector sel;
  text = Trim(text);
  if (text.empty()) return sel;
  LOGSTACK_ASSIGN_OR_RETURN(auto parts, SplitTopLevel(text));
  for (std::string_view raw : parts) {
    std::string_view part = Trim(raw);
    if (part.empty()) return InvalidArgument("empty requirement in label selector");
    Requirement req;
    std::string_view key, rest;
    if (SplitSetOp(part, "notin", &key, &rest) || SplitSetOp(part, "in", &key, &rest)) {
      req.op = Trim(part.substr(key.size())).substr(0, 5) == "notin" ? Op::kNotIn : Op::kIn;
      if (rest.back() != ')') return InvalidArgument("expected ')' in label selector");
      std::string_view inner = rest.substr(1, rest.size() - 2);
      size_t start = 0;
      while (true) {
        size_t comma = inner.find(',', start);
        std::string_view v = Trim(inner.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (!ValidValue(v))
          return InvalidArgument("invalid label value: \"" + std::string(v) + "\"");
        req.values.emplace_back(v);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    } else if (part.front() == '!' && part.find('=') == std::string_view::npos) {
      key = Trim(part.substr(1));
      req.op = Op::kDoesNotExist;
    } else if (size_t p = part.find("!="); p != std::string_view::npos) {
      key = Trim(part.substr(0, p));
      req.op = Op::kNotEquals;
      req.values.emplace_back(Trim(part.substr(p + 2)));
    } else if (size_t q = part.find('='); q != std::string_view::npos) {
      key = Trim(part.substr(0, q));
      req.op = Op::kEquals;
      std::string_view v = part.substr(q + 1);
      if (!v.empty() && v.front() == '=') v.remove_prefix(1);
      req.values.emplace_back(Trim(v));
    } else {
      key = part;
      req.op = Op::kExists;
    }
    if (!ValidKey(key)) return InvalidArgument("invalid label key \"" + std::string(key) + "\"");
    for (const auto& v : req.values) {
      if (!ValidValue(v)) return InvalidArgument("invalid label value: \"" + v + "\"");
    }
    req.key = std::string(key);
    sel.reqs_.push_back(std::move(req));
  }
  return sel;
}

bool LabelSelector::Matches(const json& labels) const {
  for (const auto& r : reqs_) {
    const bool has = labels.is_object() && labels.contains(r.key) && labels[r.key].is_string();
    const std::string value = has ? labels[r.key].get<std::string>() : "";
    const bool in = std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    switch (r.op) {
      case Op::kEquals:
      case Op::kIn:
        if (!has || !in) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (has && in) return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

StatusOr<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector sel;
  text = Trim(text);
  if (text.empty()) return sel;
  LOGSTACK_ASSIGN_OR_RETURN(auto parts, SplitTopLevel(text));
  for (std::string_view raw : parts) {
    std::string_view part = Trim(raw);
    Requirement req;
    size_t p;
    if ((p = part.find("!=")) != std::string_view::npos) {
      req.equals = false;
      req.field = std::string(Trim(part.substr(0, p)));
      req.value = std::string(Trim(part.substr(p + 2)));
    } else if ((p = part.find('=')) != std::string_view::npos) {
      req.equals = true;
      req.field = std::string(Trim(part.substr(0, p)));
      std::string_view v = part.substr(p + 1);
      if (!v.empty() && v.front() == '=') v.remove_prefix(1);
      req.value = std::string(Trim(v));
    } else {
      return InvalidArgument("invalid selector: '" + std::string(text) + "'; can't understand '" +
                             std::string(part) + "'");
    }
    if (req.field.empty()) return InvalidArgument("invalid field selector: empty field");
    sel.reqs_.push_back(std::move(req));
  }
  return sel;
}

std::string FieldValue(const json& object, std::string_view dotted_path) {
  const json* cur = &object;
  size_t start = 0;
  while (start <= dotted_path.size()) {
    size_t dot = dotted_path.find('.', start);
    std::string key(dotted_path.substr(
        start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (!cur->is_object() || !cur->contains(key)) return "";
    cur = &(*cur)[key];
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

bool FieldSelector::Matches(const json& object) const {
  for (const auto& r : reqs_) {
    if ((FieldValue(object, r.field) == r.value) != r.equals) return false;
  }
  return true;
}

}  // namespace logstack::kubetest
