#include "logstore/pipeline/pattern.h"

namespace logstack::logstore::pipeline {
namespace {

bool IdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IdentChar(char c) { return IdentStart(c) || (c >= '0' && c <= '9'); }

// Length of a capture `<ident>` at the start of s, or 0.
size_t CaptureLen(std::string_view s) {
  if (s.size() < 3 || s[0] != '<' || !IdentStart(s[1])) return 0;
  size_t i = 2;
  while (i < s.size() && IdentChar(s[i])) i++;
  if (i < s.size() && s[i] == '>') return i + 1;
  return 0;
}

}  // namespace

StatusOr<Pattern> Pattern::Parse(std::string_view text, bool require_named_capture) {
  Pattern p;
  size_t i = 0;
  while (i < text.size()) {
    size_t n = CaptureLen(text.substr(i));
    if (n > 0) {
      std::string name(text.substr(i + 1, n - 2));
      if (!p.nodes_.empty() && p.nodes_.back().capture) {
        return InvalidArgument("found consecutive capture '" + std::string(text.substr(i, n)) +
                               "'");
      }
      bool named = name != "_";
      if (named) {
        for (const auto& existing : p.names_) {
          if (existing == name) return InvalidArgument("duplicate capture name (" + name + ")");
        }
        p.names_.push_back(name);
      }
      p.nodes_.push_back(Node{true, named, std::move(name)});
      i += n;
      continue;
    }
    if (p.nodes_.empty() || p.nodes_.back().capture) p.nodes_.push_back(Node{false, false, ""});
    p.nodes_.back().text.push_back(text[i]);
    i++;
  }
  if (p.nodes_.empty())
    return InvalidArgument("syntax error: unexpected $end, expecting IDENTIFIER or LITERAL");
  if (require_named_capture && p.names_.empty()) {
    return InvalidArgument("at least one capture is required");
  }
  return p;
}

size_t Pattern::Match(std::string_view in, std::vector<std::string_view>* out) const {
  out->clear();
  if (in.empty() || nodes_.empty()) return 0;
  size_t k = 0;
  if (!nodes_[0].capture) {
    if (in.substr(0, nodes_[0].text.size()) != nodes_[0].text) return 0;
    in.remove_prefix(nodes_[0].text.size());
    k = 1;
  }
  while (k < nodes_.size()) {
    const Node& cap = nodes_[k];
    if (k + 1 == nodes_.size()) {
      if (cap.named) out->push_back(in);
      break;
    }
    const std::string& lit = nodes_[k + 1].text;
    k += 2;
    size_t at = in.find(lit);
    if (at == std::string_view::npos) {
      if (cap.named) out->push_back(in);
      break;
    }
    if (cap.named) out->push_back(in.substr(0, at));
    in.remove_prefix(at + lit.size());
  }
  return out->size();
}

bool Pattern::Test(std::string_view in) const {
  if (in.empty() || nodes_.empty()) return in.empty() && nodes_.empty();
  size_t off = 0;
  for (size_t i = 0; i < nodes_.size(); i++) {
    if (nodes_[i].capture) continue;
    size_t j = in.substr(off).find(nodes_[i].text);
    if (j == std::string_view::npos) return false;
    if (i == 0 && j != 0) return false;  // a leading literal starts the line
    if (i != 0 && j == 0) return false;  // an empty capture before this literal
    off += j + nodes_[i].text.size();
  }
  bool ends_on_literal = !nodes_.back().capture;
  return ends_on_literal == (off == in.size());
}

}  // namespace logstack::logstore::pipeline
