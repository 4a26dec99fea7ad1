#include "tests/kube/server/json_path.h"

#include <string>

namespace logstack::kubetest {

using nlohmann::json;

const json* EvalJsonPath(const json& root, std::string_view path) {
  if (!path.empty() && path.front() == '{' && path.back() == '}') {
    path = path.substr(1, path.size() - 2);
  }
  const json* cur = &root;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t end = path.find_first_of(".[", i + 1);
      std::string key(path.substr(i + 1, end == std::string_view::npos ? end : end - i - 1));
      if (key.empty()) return nullptr;
      if (!cur->is_object() || !cur->contains(key)) return nullptr;
      cur = &(*cur)[key];
      i = end == std::string_view::npos ? path.size() : end;
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return nullptr;
      std::string_view inner = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (!cur->is_array()) return nullptr;
      if (inner.substr(0, 2) == "?(" && inner.back() == ')') {
        // ?(@.key=="value")
        std::string_view cond = inner.substr(2, inner.size() - 3);
        size_t eq = cond.find("==");
        if (eq == std::string_view::npos || cond.substr(0, 1) != "@") return nullptr;
        std::string_view lhs = cond.substr(1, eq - 1);
        std::string_view rhs = cond.substr(eq + 2);
        if (rhs.size() >= 2 && (rhs.front() == '"' || rhs.front() == '\'')) {
          rhs = rhs.substr(1, rhs.size() - 2);
        }
        const json* found = nullptr;
        for (const auto& item : *cur) {
          const json* v = EvalJsonPath(item, lhs);
          if (v && ((v->is_string() && v->get<std::string>() == rhs) ||
                    (!v->is_string() && v->dump() == rhs))) {
            found = &item;
            break;
          }
        }
        if (!found) return nullptr;
        cur = found;
      } else {
        size_t idx = 0;
        for (char c : inner) {
          if (c < '0' || c > '9') return nullptr;
          idx = idx * 10 + (c - '0');
        }
        if (inner.empty() || idx >= cur->size()) return nullptr;
        cur = &(*cur)[idx];
      }
    } else {
      return nullptr;
    }
  }
  return cur;
}

bool SetJsonPath(json& root, std::string_view path, json value) {
  if (path.empty() || path.front() != '.' || path.find('[') != std::string_view::npos) {
    return false;
  }
  json* cur = &root;
  size_t i = 1;
  while (true) {
    size_t dot = path.find('.', i);
    std::string key(path.substr(i, dot == std::string_view::npos ? dot : dot - i));
    if (key.empty() || !cur->is_object()) return false;
    if (dot == std::string_view::npos) {
      (*cur)[key] = std::move(value);
      return true;
    }
    if (!cur->contains(key)) (*cur)[key] = json::object();
    cur = &(*cur)[key];
    i = dot + 1;
  }
}

}  // namespace logstack::kubetest
